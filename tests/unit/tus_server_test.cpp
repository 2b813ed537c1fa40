// The tus PATCH body consumer driven directly (consume / finish), as the
// server would: checksums, dropped connections, concurrent PATCHes, offsets
// and completion.
#include "web/tus_server.h"

#include <chrono>
#include <future>
#include <string>

#include <gtest/gtest.h>

#include "datasets/upload_service.h"
#include "observe/log.h"
#include "observe/metrics.h"
#include "security/field_cipher.h"
#include "store/fs_blob_store.h"
#include "store/sql_job_queue.h"
#include "store/sql_upload_repository.h"
#include "support/log_capture.h"
#include "support/temp_database.h"
#include "web/blocking_work.h"

namespace iv::web {
namespace {

using namespace std::chrono_literals;
constexpr std::string_view kSecret = "test-secret-key-0123456789abcdef-0123456789";
// sha256("hello") in base64.
constexpr std::string_view kHelloSha256 = "sha256 LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=";

Response wait_for(Response response) {
  if (!response.pending) return response;
  std::promise<Response> ready;
  auto future = ready.get_future();
  response.pending->on_ready([&ready](Response r) { ready.set_value(std::move(r)); });
  EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
  return future.get();
}

struct TusConsumer : ::testing::Test {
  test::MigratedDatabase db{"iv-tus-"};
  test::TempDir blob_dir{"iv-tus-blobs-"};
  test::CapturedLog log;
  observe::Logger logger{observe::LogSettings{observe::LogLevel::debug, log.file()}};
  observe::MetricsRegistry metrics;
  security::FieldCipher cipher{kSecret, "datasets"};
  datasets::UploadTokens tokens{kSecret, 3600s};
  store::SqlUploadRepository repository{db.database()};
  store::FsBlobStore blobs{blob_dir.path()};
  store::SqlJobQueue queue{db.database()};
  datasets::UploadService service{{}, db.database(), repository, blobs, queue, tokens, cipher};
  BlockingWork work{1};
  TusServer tus{{}, service, work, logger, metrics};
  datasets::CreatedUpload upload = *service.create({"data.csv", 10, ""});

  Request patch_request(std::size_t offset, std::vector<Header> extra = {}) {
    Request request;
    request.method = Method::patch;
    request.headers = {{"tus-resumable", "1.0.0"},
                       {"authorization", "Bearer " + upload.token},
                       {"content-type", "application/offset+octet-stream"},
                       {"upload-offset", std::to_string(offset)}};
    for (auto& header : extra) request.headers.push_back(std::move(header));
    return request;
  }

  std::unique_ptr<BodyConsumer> open(const Request& request) {
    auto result = tus.patch(request, upload.upload.id);
    if (auto* refused = std::get_if<Response>(&result)) {
      ADD_FAILURE() << "refused with " << refused->status << ": " << refused->body;
      return nullptr;
    }
    return std::move(std::get<std::unique_ptr<BodyConsumer>>(result));
  }

  int refusal_status(const Request& request) {
    auto result = tus.patch(request, upload.upload.id);
    auto* refused = std::get_if<Response>(&result);
    return refused ? refused->status : 0;
  }

  std::uint64_t stored() { return blobs.partial_size(datasets::BlobArea::uploads, upload.upload.id); }
};

TEST_F(TusConsumer, ChunksArriveAndTheLastOneFinalizes) {
  auto first = open(patch_request(0, {{"upload-checksum", std::string(kHelloSha256)}}));
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->consume("hel"));
  EXPECT_TRUE(first->consume("lo"));
  const Response one = wait_for(first->finish(true));
  EXPECT_EQ(one.status, 204);
  EXPECT_EQ(one.header("Upload-Offset"), "5");
  EXPECT_EQ(service.find(upload.upload.id)->status, datasets::UploadStatus::receiving);

  auto second = open(patch_request(5));
  ASSERT_TRUE(second);
  ASSERT_TRUE(second->consume("world"));
  EXPECT_EQ(wait_for(second->finish(true)).status, 204);
  EXPECT_EQ(service.find(upload.upload.id)->status, datasets::UploadStatus::scanning);
  EXPECT_TRUE(queue.lease("test", {std::string(datasets::kPipelineJob)}, 60s));
  EXPECT_EQ(refusal_status(patch_request(10)), 409) << "complete: no more bytes";
}

TEST_F(TusConsumer, ChecksumMismatchDiscardsTheChunk) {
  auto consumer = open(patch_request(0, {{"upload-checksum", std::string(kHelloSha256)}}));
  ASSERT_TRUE(consumer);
  ASSERT_TRUE(consumer->consume("HELLO"));
  EXPECT_EQ(wait_for(consumer->finish(true)).status, 460);
  EXPECT_EQ(stored(), 0u);
}

TEST_F(TusConsumer, ADroppedConnectionKeepsItsBytesUnlessAChecksumWasSent) {
  auto plain = open(patch_request(0));
  ASSERT_TRUE(plain);
  ASSERT_TRUE(plain->consume("abcd"));
  wait_for(plain->finish(false));
  EXPECT_EQ(stored(), 4u) << "tus: bytes received before the drop are kept";
  EXPECT_EQ(service.find(upload.upload.id)->received_bytes, 4);

  auto checked = open(patch_request(4, {{"upload-checksum", std::string(kHelloSha256)}}));
  ASSERT_TRUE(checked);
  ASSERT_TRUE(checked->consume("hel"));
  wait_for(checked->finish(false));
  EXPECT_EQ(stored(), 4u) << "nothing of a chunk that could not be verified";
}

TEST_F(TusConsumer, OneWriterAtATimeAndOffsetsMustMatch) {
  auto first = open(patch_request(0));
  ASSERT_TRUE(first);
  EXPECT_EQ(refusal_status(patch_request(0)), 423);
  ASSERT_TRUE(first->consume("abc"));
  wait_for(first->finish(true));
  EXPECT_EQ(refusal_status(patch_request(1)), 409);
  EXPECT_EQ(refusal_status(patch_request(0)), 409);
  auto next = open(patch_request(3));
  ASSERT_TRUE(next);
  EXPECT_TRUE(next);
}

TEST_F(TusConsumer, RefusesBytesBeyondTheLengthAndBadHeaders) {
  auto consumer = open(patch_request(0));
  ASSERT_TRUE(consumer);
  EXPECT_FALSE(consumer->consume(std::string(11, 'x')));
  EXPECT_EQ(wait_for(consumer->finish(false)).status, 413);
  EXPECT_EQ(stored(), 0u);
  consumer.reset();
  EXPECT_EQ(refusal_status(patch_request(0, {{"content-length", "11"}})), 413);
  EXPECT_EQ(refusal_status(patch_request(0, {{"upload-checksum", "md5 abc"}})), 400);
  Request old_version = patch_request(0);
  old_version.headers[0].value = "0.2.2";
  EXPECT_EQ(refusal_status(old_version), 412);
  Request no_token = patch_request(0);
  no_token.headers[1].value = "Bearer v1.nope";
  EXPECT_EQ(refusal_status(no_token), 401);
}

TEST(TusHelpers, ChecksumMetadataAndDates) {
  EXPECT_EQ(parse_upload_checksum(kHelloSha256)->size(), 32u);
  EXPECT_FALSE(parse_upload_checksum("sha1 qvTGHdzF6KLavt4PO0gs2a6pQ00="));
  EXPECT_FALSE(parse_upload_checksum("sha256 !!!"));
  EXPECT_EQ(upload_metadata_value("filename ZGF0YS5jc3Y=,is_confidential", "filename"), "data.csv");
  EXPECT_EQ(upload_metadata_value("filename ZGF0YS5jc3Y=,is_confidential", "is_confidential"), "");
  EXPECT_FALSE(upload_metadata_value("filename ZGF0YS5jc3Y=", "filetype"));
  EXPECT_EQ(http_date(784111777000), "Sun, 06 Nov 1994 08:49:37 GMT");
}

}  // namespace
}  // namespace iv::web
