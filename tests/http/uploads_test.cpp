// Dataset uploads over HTTP against the real binary: the upload API, the tus
// protocol (happy path, wrong offset, bad checksum, wrong token, wrong
// version, oversize, termination, creation-with-upload), the no-JavaScript
// multipart form, and the status moving to completed with an analysis.
#include <array>
#include <cstdio>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "harness.h"

namespace iv::test {
namespace {

namespace json = boost::json;

constexpr std::string_view kCsv = "name,age,email\nalice,30,alice@example.com\nbob,41,bob@example.org\n";

ServerOptions upload_server() {
  ServerOptions options;
  options.env = {{"MAX_UPLOAD_BYTES", "1000000"}, {"WORKER_THREADS", "1"}};
  return options;
}

struct Created {
  std::string id;
  std::string token;
  json::object body;
};

std::optional<HttpResponse> create(std::uint16_t port, std::string_view body) {
  return request(port, "POST", "/api/v1/uploads", {"Content-Type: application/json"}, body);
}

Created create_upload(std::uint16_t port, std::size_t size, std::string_view name = "data.csv") {
  const auto response =
      create(port, R"({"filename":")" + std::string(name) + R"(","size":)" + std::to_string(size) + "}");
  EXPECT_TRUE(response);
  if (!response) return {};
  EXPECT_EQ(response->status, 201) << response->body;
  Created created;
  created.body = json::parse(response->body).as_object();
  created.id = created.body.at("id").as_string().c_str();
  created.token = created.body.at("token").as_string().c_str();
  return created;
}

std::vector<std::string> tus_headers(const std::string& token, std::vector<std::string> extra = {}) {
  extra.push_back("Tus-Resumable: 1.0.0");
  if (!token.empty()) extra.push_back("Authorization: Bearer " + token);
  return extra;
}

std::optional<HttpResponse> patch(std::uint16_t port, const Created& upload, std::size_t offset,
                                  std::string_view bytes, std::vector<std::string> extra = {}) {
  extra.push_back("Upload-Offset: " + std::to_string(offset));
  extra.push_back("Content-Type: application/offset+octet-stream");
  return request(port, "PATCH", "/api/v1/uploads/tus/" + upload.id, tus_headers(upload.token, extra), bytes);
}

json::object status_of(std::uint16_t port, const std::string& id) {
  const auto response = get(port, "/api/v1/uploads/" + id);
  EXPECT_TRUE(response && response->status == 200);
  if (!response || response->status != 200) return {};
  return json::parse(response->body).as_object();
}

std::string wait_for_final_status(std::uint16_t port, const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto status = status_of(port, id);
    const std::string name = status.contains("status") ? status.at("status").as_string().c_str() : "";
    if (name == "completed" || name == "failed" || name == "rejected") return name;
    std::this_thread::sleep_for(100ms);
  }
  return "timeout";
}

// "sha256 <base64>" of `bytes`, computed by coreutils' sha256sum.
std::string checksum_header(std::string_view bytes) {
  char path[] = "/tmp/iv-sha-XXXXXX";
  const int fd = ::mkstemp(path);
  EXPECT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::string hex;
  if (FILE* pipe = ::popen(("sha256sum " + std::string(path)).c_str(), "r")) {
    std::array<char, 128> line{};
    if (std::fgets(line.data(), line.size(), pipe)) hex.assign(line.data(), 64);
    ::pclose(pipe);
  }
  std::remove(path);
  std::string raw;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    raw.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string encoded;
  std::size_t i = 0;
  for (; i + 2 < raw.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(raw[i]) << 16) |
                       (static_cast<unsigned char>(raw[i + 1]) << 8) | static_cast<unsigned char>(raw[i + 2]);
    encoded +=
        {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], kAlphabet[n & 63]};
  }
  // 32 bytes leave 2: one padding character.
  const unsigned n =
      (static_cast<unsigned char>(raw[i]) << 16) | (static_cast<unsigned char>(raw[i + 1]) << 8);
  encoded += {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63], kAlphabet[(n >> 6) & 63], '='};
  return "sha256 " + encoded;
}

TEST(Uploads, CreateAnswersTheContractAndRefusesBadRequests) {
  ServerProcess server(upload_server());
  const auto created = create_upload(server.port(), kCsv.size());
  for (const auto* field : {"id", "token", "tus_url", "status_url", "results_url", "expires_at"}) {
    EXPECT_TRUE(created.body.contains(field)) << field;
  }
  EXPECT_EQ(created.id.size(), 32u);
  EXPECT_EQ(created.body.at("tus_url").as_string(), "/api/v1/uploads/tus");
  EXPECT_EQ(created.body.at("results_url").as_string(), "/uploads/" + created.id);

  const auto status = status_of(server.port(), created.id);
  EXPECT_EQ(status.at("status").as_string(), "pending");
  EXPECT_EQ(status.at("steps").as_array().size(), 5u);

  const auto too_big = create(server.port(), R"({"filename":"a.csv","size":1000001})");
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);
  EXPECT_EQ(too_big->header("content-type"), "application/problem+json");
  const auto exe = create(server.port(), R"({"filename":"setup.exe","size":10})");
  ASSERT_TRUE(exe);
  EXPECT_EQ(exe->status, 415);
  EXPECT_NE(exe->body.find(".exe are not accepted"), std::string::npos);
  const auto bad = create(server.port(), R"({"filename":"a.csv","size":"ten"})");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422);
  const auto not_json = create(server.port(), "{");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  const auto unknown = get(server.port(), "/api/v1/uploads/00000000000000000000000000000000");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  const auto early = get(server.port(), "/api/v1/uploads/" + created.id + "/analysis");
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 404);
}

TEST(Uploads, TusHappyPathWithChecksumsReachesCompletedWithAnAnalysis) {
  ServerProcess server(upload_server());
  const auto port = server.port();
  const auto options = request(port, "OPTIONS", "/api/v1/uploads/tus");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->status, 204);
  EXPECT_EQ(options->header("tus-version"), "1.0.0");
  EXPECT_EQ(options->header("tus-resumable"), "1.0.0");
  EXPECT_EQ(options->header("tus-checksum-algorithm"), "sha256");
  EXPECT_NE(options->header("tus-extension").value_or("").find("creation-with-upload"), std::string::npos);
  EXPECT_EQ(options->header("tus-max-size"), "1000000");

  const auto upload = create_upload(port, kCsv.size());
  const auto made = request(port, "POST", "/api/v1/uploads/tus",
                            tus_headers(upload.token, {"Upload-Length: " + std::to_string(kCsv.size()),
                                                       "Upload-Metadata: filename ZGF0YS5jc3Y="}));
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 201) << made->body;
  EXPECT_EQ(made->header("location"), "/api/v1/uploads/tus/" + upload.id);
  EXPECT_TRUE(made->header("upload-expires"));

  const std::string_view first = kCsv.substr(0, 20);
  const std::string_view rest = kCsv.substr(20);
  const auto one = patch(port, upload, 0, first, {"Upload-Checksum: " + checksum_header(first)});
  ASSERT_TRUE(one);
  ASSERT_EQ(one->status, 204) << one->body;
  EXPECT_EQ(one->header("upload-offset"), "20");
  const auto progress = status_of(port, upload.id);
  EXPECT_EQ(progress.at("status").as_string(), "receiving");
  EXPECT_EQ(progress.at("received_bytes").as_int64(), 20);

  const auto head = request(port, "HEAD", "/api/v1/uploads/tus/" + upload.id, tus_headers(upload.token));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("upload-offset"), "20");
  EXPECT_EQ(head->header("upload-length"), std::to_string(kCsv.size()));
  EXPECT_EQ(head->header("cache-control"), "no-store");

  const auto two = patch(port, upload, 20, rest, {"Upload-Checksum: " + checksum_header(rest)});
  ASSERT_TRUE(two);
  ASSERT_EQ(two->status, 204) << two->body;
  EXPECT_EQ(two->header("upload-offset"), std::to_string(kCsv.size()));

  EXPECT_EQ(wait_for_final_status(port, upload.id), "completed") << server.log();
  const auto status = status_of(port, upload.id);
  for (const auto& step : status.at("steps").as_array()) {
    const std::string name = step.at("name").as_string().c_str();
    const std::string state = step.at("status").as_string().c_str();
    EXPECT_TRUE(state == "done" || state == "skipped") << name << " " << state;
  }
  const auto analysis = get(port, "/api/v1/uploads/" + upload.id + "/analysis");
  ASSERT_TRUE(analysis);
  ASSERT_EQ(analysis->status, 200);
  const auto document = json::parse(analysis->body).as_object();
  EXPECT_EQ(document.at("rows").to_number<std::int64_t>(), 2);
  EXPECT_EQ(document.at("columns").as_array().size(), 3u);

  // Deleting removes everything.
  const auto removed = request(port, "DELETE", "/api/v1/uploads/" + upload.id);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 204);
  EXPECT_EQ(get(port, "/api/v1/uploads/" + upload.id)->status, 404);
  EXPECT_FALSE(std::filesystem::exists(server.data_dir() / "blobs" / "uploads" / upload.id));
}

TEST(Uploads, TusRefusalsKeepTheStoredBytesConsistent) {
  ServerProcess server(upload_server());
  const auto port = server.port();
  const auto upload = create_upload(port, kCsv.size());

  const auto no_token = patch(port, Created{upload.id, "", {}}, 0, "name");
  ASSERT_TRUE(no_token);
  EXPECT_EQ(no_token->status, 401);
  EXPECT_EQ(no_token->header("tus-resumable"), "1.0.0");
  const auto other = create_upload(port, 10);
  const auto wrong_token = patch(port, Created{upload.id, other.token, {}}, 0, "name");
  ASSERT_TRUE(wrong_token);
  EXPECT_EQ(wrong_token->status, 401);

  const auto version = request(port, "PATCH", "/api/v1/uploads/tus/" + upload.id,
                               {"Tus-Resumable: 0.2.2", "Authorization: Bearer " + upload.token,
                                "Upload-Offset: 0", "Content-Type: application/offset+octet-stream"},
                               "name");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->status, 412);
  EXPECT_EQ(version->header("tus-version"), "1.0.0");

  const auto wrong_type =
      request(port, "PATCH", "/api/v1/uploads/tus/" + upload.id,
              tus_headers(upload.token, {"Upload-Offset: 0", "Content-Type: text/csv"}), "name");
  ASSERT_TRUE(wrong_type);
  EXPECT_EQ(wrong_type->status, 415);

  ASSERT_EQ(patch(port, upload, 0, kCsv.substr(0, 10))->status, 204);
  const auto conflict = patch(port, upload, 5, kCsv.substr(5, 10));
  ASSERT_TRUE(conflict);
  EXPECT_EQ(conflict->status, 409);

  const auto mismatch =
      patch(port, upload, 10, kCsv.substr(10, 10), {"Upload-Checksum: " + checksum_header("something else")});
  ASSERT_TRUE(mismatch);
  EXPECT_EQ(mismatch->status, 460);
  const auto head = request(port, "HEAD", "/api/v1/uploads/tus/" + upload.id, tus_headers(upload.token));
  EXPECT_EQ(head->header("upload-offset"), "10") << "the chunk with the bad checksum was discarded";

  const auto beyond = patch(port, upload, 10, std::string(kCsv.size(), 'x'));
  ASSERT_TRUE(beyond);
  EXPECT_EQ(beyond->status, 413);

  const auto oversize =
      request(port, "POST", "/api/v1/uploads/tus", tus_headers(upload.token, {"Upload-Length: 2000000"}));
  ASSERT_TRUE(oversize);
  EXPECT_EQ(oversize->status, 413);

  const auto terminated =
      request(port, "DELETE", "/api/v1/uploads/tus/" + upload.id, tus_headers(upload.token));
  ASSERT_TRUE(terminated);
  EXPECT_EQ(terminated->status, 204);
  const auto gone = request(port, "HEAD", "/api/v1/uploads/tus/" + upload.id, tus_headers(upload.token));
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
}

TEST(Uploads, CreationWithUploadCompletesInOneRequest) {
  ServerProcess server(upload_server());
  const auto port = server.port();
  const auto upload = create_upload(port, kCsv.size());
  const auto made = request(port, "POST", "/api/v1/uploads/tus",
                            tus_headers(upload.token, {"Upload-Length: " + std::to_string(kCsv.size()),
                                                       "Content-Type: application/offset+octet-stream"}),
                            kCsv);
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 201) << made->body;
  EXPECT_EQ(made->header("upload-offset"), std::to_string(kCsv.size()));
  EXPECT_EQ(made->header("location"), "/api/v1/uploads/tus/" + upload.id);
  EXPECT_EQ(wait_for_final_status(port, upload.id), "completed");
}

TEST(Uploads, MultipartFormStreamsTheFileAndRedirectsToTheStatusPage) {
  ServerProcess server(upload_server());
  const auto port = server.port();
  const auto page = get(port, "/upload");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200);
  const auto set_cookie = page->header("set-cookie").value_or("");
  const std::string cookie = set_cookie.substr(0, set_cookie.find(';'));
  std::smatch match;
  static const std::regex token_field(R"re(name="csrf_token" value="([^"]+)")re");
  ASSERT_TRUE(std::regex_search(page->body, match, token_field));
  const std::string token = match[1];

  const std::string boundary = "----ivtestboundary42";
  auto body_with = [&](const std::string& csrf, const std::string& file_name) {
    return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n" + csrf +
           "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n\r\n--" +
           boundary + "\r\nContent-Disposition: form-data; name=\"consent\"\r\n\r\nyes\r\n--" + boundary +
           "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + file_name +
           "\"\r\nContent-Type: text/csv\r\n\r\n" + std::string(kCsv) + "\r\n--" + boundary + "--\r\n";
  };
  const std::vector<std::string> headers = {"Content-Type: multipart/form-data; boundary=" + boundary,
                                            "Cookie: " + cookie,
                                            "Origin: http://127.0.0.1:" + std::to_string(port)};
  const auto posted = request(port, "POST", "/upload", headers, body_with(token, "people.csv"));
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 303) << posted->body;
  const std::string location = posted->header("location").value_or("");
  ASSERT_TRUE(location.starts_with("/uploads/"));
  const std::string id = location.substr(9);
  EXPECT_EQ(wait_for_final_status(port, id), "completed") << server.log();
  EXPECT_EQ(status_of(port, id).at("file_name").as_string(), "people.csv");

  const auto forged = request(port, "POST", "/upload", headers, body_with("forged", "people.csv"));
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_NE(forged->body.find("csrf_token"), std::string::npos) << "the form again";
  const auto exe = request(port, "POST", "/upload", headers, body_with(token, "tool.exe"));
  ASSERT_TRUE(exe);
  EXPECT_EQ(exe->status, 415);
  EXPECT_NE(exe->body.find(".exe are not accepted"), std::string::npos);
  // Refused forms leave no bytes behind.
  std::size_t partials = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator(server.data_dir() / "blobs" / "uploads" / ".partial")) {
    ++partials;
  }
  EXPECT_EQ(partials, 0u);
}

}  // namespace
}  // namespace iv::test
