// Upload tokens, file names, file types and the filesystem blob store.
#include <chrono>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "datasets/file_names.h"
#include "datasets/file_types.h"
#include "datasets/upload.h"
#include "datasets/upload_token.h"
#include "store/fs_blob_store.h"
#include "support/temp_database.h"

namespace iv::datasets {
namespace {

using namespace std::chrono_literals;
constexpr std::string_view kSecret = "test-secret-key-0123456789abcdef-0123456789";
const std::string kId = "0123456789abcdef0123456789abcdef";

// ---- tokens -----------------------------------------------------------------

TEST(UploadTokens, IssuedTokenVerifiesForItsUploadUntilItExpires) {
  const UploadTokens tokens(kSecret, 3600s);
  const auto now = std::chrono::system_clock::now();
  const std::string token = tokens.issue(kId, now);
  EXPECT_EQ(UploadTokens::upload_id_of(token), kId);
  EXPECT_EQ(tokens.verify(token, kId, now), TokenCheck::ok);
  EXPECT_EQ(tokens.verify(token, kId, now + 3599s), TokenCheck::ok);
  EXPECT_EQ(tokens.verify(token, kId, now + 3601s), TokenCheck::expired);
}

TEST(UploadTokens, RefusesAnotherUploadAnotherKeyAndTampering) {
  const UploadTokens tokens(kSecret, 3600s);
  const auto now = std::chrono::system_clock::now();
  const std::string token = tokens.issue(kId, now);
  const std::string other_id = "f123456789abcdef0123456789abcdef";
  EXPECT_NE(tokens.verify(token, other_id, now), TokenCheck::ok);
  const UploadTokens other_key("another-secret-key-0123456789abcdef-01234", 3600s);
  EXPECT_EQ(other_key.verify(token, kId, now), TokenCheck::bad_signature);
  std::string tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(tokens.verify(tampered, kId, now), TokenCheck::bad_signature);
  // A later expiry with the old signature.
  const std::string prefix = "v1." + kId + ".";
  std::string extended = token;
  extended.replace(prefix.size(), 1, "9");
  EXPECT_NE(tokens.verify(extended, kId, now), TokenCheck::ok);
  EXPECT_EQ(tokens.verify("", kId, now), TokenCheck::malformed);
  EXPECT_EQ(tokens.verify("v2.x", kId, now), TokenCheck::malformed);
  EXPECT_THROW(UploadTokens("short", 60s), std::invalid_argument);
}

// ---- file names -------------------------------------------------------------

TEST(FileNames, StripsPathsControlsAndBidiOverrides) {
  EXPECT_EQ(sanitize_file_name("../../etc/passwd.csv"), "passwd.csv");
  EXPECT_EQ(sanitize_file_name("C:\\Users\\me\\data.xlsx"), "data.xlsx");
  EXPECT_EQ(sanitize_file_name("a\r\nb\tc.csv"), "abc.csv");
  // U+202E RIGHT-TO-LEFT OVERRIDE makes "invoice\u202Evsc.exe" look like "invoiceexe.csv".
  EXPECT_EQ(sanitize_file_name("invoice\xE2\x80\xAEvsc.exe"), "invoicevsc.exe");
  EXPECT_EQ(sanitize_file_name("na\xE2\x81\xA6me.json"), "name.json");
  EXPECT_EQ(sanitize_file_name("bad\xFF\xFEutf8.csv"), "badutf8.csv");
  EXPECT_EQ(sanitize_file_name("what?<>|.csv"), "what____.csv");
  EXPECT_EQ(sanitize_file_name("Données été.csv"), "Données été.csv");
}

TEST(FileNames, ReservedNamesEmptyNamesAndLength) {
  EXPECT_EQ(sanitize_file_name("CON.csv"), "_CON.csv");
  EXPECT_EQ(sanitize_file_name("lpt1.txt"), "_lpt1.txt");
  EXPECT_EQ(sanitize_file_name("console.csv"), "console.csv");
  EXPECT_EQ(sanitize_file_name(".csv"), "upload.csv");
  EXPECT_EQ(sanitize_file_name(""), "upload");
  EXPECT_EQ(sanitize_file_name(" ..  "), "upload");
  EXPECT_EQ(sanitize_file_name("x/ .json"), "upload.json");
  const std::string long_name = std::string(400, 'a') + ".ndjson";
  const std::string clean = sanitize_file_name(long_name);
  EXPECT_LE(clean.size(), kMaxFileNameBytes);
  EXPECT_TRUE(clean.ends_with(".ndjson"));
  // Cut on a character boundary: "é" is two bytes.
  std::string accented;
  for (int i = 0; i < 200; ++i) accented += "é";
  const std::string cut = sanitize_file_name(accented + ".csv");
  EXPECT_TRUE(cut.ends_with(".csv"));
  EXPECT_EQ((cut.size() - 4) % 2, 0u);
}

TEST(FileNames, Extension) {
  EXPECT_EQ(file_extension("Data.CSV"), "csv");
  EXPECT_EQ(file_extension("archive.tar.gz"), "gz");
  EXPECT_EQ(file_extension("README"), "");
}

// ---- file types -------------------------------------------------------------

TEST(FileTypes, AllowedByExtensionWithAClearRefusal) {
  for (const auto extension : {"csv", "tsv", "txt", "json", "ndjson", "jsonl", "xml", "xlsx"}) {
    EXPECT_EQ(format_from_name(std::string("x.") + extension), extension);
  }
  const auto refused = format_from_name("tool.exe");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find(".exe are not accepted"), std::string::npos);
  EXPECT_FALSE(format_from_name("noextension"));
  EXPECT_FALSE(format_from_name("data.zip"));
}

TEST(FileTypes, ContentMustFitTheName) {
  EXPECT_TRUE(check_content("a,b\n1,2\n", "csv"));
  EXPECT_TRUE(check_content(R"({"a": [1, 2]})", "json"));
  EXPECT_TRUE(check_content("<?xml version=\"1.0\"?><rows><r a=\"1\"/></rows>", "xml"));
  EXPECT_TRUE(check_content("", "csv"));  // empty: the analysis reports it
  EXPECT_TRUE(
      check_content("\xff\xfe"
                    "a\0,\0b\0\n\0",
                    "csv"));  // UTF-16 with BOM

  const auto program = check_content(std::string("MZ\x90\0\3\0\0\0", 8) + std::string(200, '\0'), "csv");
  ASSERT_FALSE(program);
  EXPECT_NE(program.error().find("Windows program"), std::string::npos);
  EXPECT_FALSE(
      check_content("\x7f"
                    "ELF\2\1\1",
                    "txt"));
  EXPECT_FALSE(check_content("#!/bin/sh\nrm -rf /\n", "csv"));
  const auto zip = check_content("PK\x03\x04\x14\0\0\0", "csv");
  ASSERT_FALSE(zip);
  EXPECT_NE(zip.error().find("ZIP archive"), std::string::npos);
  EXPECT_TRUE(check_content("PK\x03\x04\x14\0\0\0", "xlsx"));  // a workbook is a ZIP
  EXPECT_FALSE(check_content("a,b\n1,2\n", "xlsx"));
  EXPECT_FALSE(check_content("\x1f\x8b\x08\0\0\0", "json"));
  EXPECT_FALSE(check_content("%PDF-1.7\n", "txt"));
  const auto nul = check_content(std::string(4096, '\0'), "csv");
  ASSERT_FALSE(nul);
  EXPECT_NE(nul.error().find("binary data"), std::string::npos);
}

// ---- model ------------------------------------------------------------------

TEST(UploadModel, StatusNamesRoundTripAndProgress) {
  for (const auto status :
       {UploadStatus::pending, UploadStatus::receiving, UploadStatus::scanning, UploadStatus::processing,
        UploadStatus::completed, UploadStatus::failed, UploadStatus::rejected}) {
    EXPECT_EQ(parse_status(status_name(status)), status);
  }
  EXPECT_EQ(status_name(UploadStatus::rejected), "rejected");
  EXPECT_FALSE(parse_status("done"));
  Upload upload;
  upload.declared_size = 200;
  upload.received_bytes = 50;
  upload.status = UploadStatus::receiving;
  EXPECT_EQ(upload.progress_percent(), 25);
  upload.status = UploadStatus::completed;
  EXPECT_EQ(upload.progress_percent(), 100);
  EXPECT_EQ(initial_steps().size(), 5u);
}

// ---- filesystem blob store ---------------------------------------------------

std::string read_all(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(FsBlobStore, AppendsAtOffsetsCompletesMovesAndRemoves) {
  test::TempDir dir("iv-blobs-");
  store::FsBlobStore blobs(dir.path());
  auto writer = blobs.append(BlobArea::uploads, kId, 0);
  ASSERT_TRUE(writer);
  ASSERT_TRUE((*writer)->write("hello "));
  EXPECT_EQ((*writer)->commit().value(), 6u);
  writer->reset();
  EXPECT_FALSE(blobs.append(BlobArea::uploads, kId, 3)) << "not the end of the partial blob";
  EXPECT_FALSE(blobs.size(BlobArea::uploads, kId)) << "partial blobs are not readable";
  auto second = blobs.append(BlobArea::uploads, kId, 6);
  ASSERT_TRUE(second);
  ASSERT_TRUE((*second)->write("world"));
  ASSERT_TRUE((*second)->commit());
  EXPECT_EQ(blobs.partial_size(BlobArea::uploads, kId), 11u);
  ASSERT_TRUE(blobs.complete(BlobArea::uploads, kId));
  EXPECT_EQ(blobs.size(BlobArea::uploads, kId), 11u);
  auto stream = blobs.open(BlobArea::uploads, kId);
  ASSERT_TRUE(stream);
  EXPECT_EQ(read_all(**stream), "hello world");
  auto local = blobs.local(BlobArea::uploads, kId);
  ASSERT_TRUE(local);
  EXPECT_EQ((*local)->path(), dir.path() / "uploads" / kId);

  ASSERT_TRUE(blobs.move(BlobArea::uploads, BlobArea::quarantine, kId));
  EXPECT_TRUE(blobs.move(BlobArea::uploads, BlobArea::quarantine, kId)) << "idempotent";
  EXPECT_FALSE(blobs.size(BlobArea::uploads, kId));
  EXPECT_EQ(blobs.size(BlobArea::quarantine, kId), 11u);
  EXPECT_EQ(blobs.list(BlobArea::quarantine).size(), 1u);
  ASSERT_TRUE(blobs.remove(BlobArea::quarantine, kId));
  EXPECT_TRUE(blobs.remove(BlobArea::quarantine, kId)) << "removing nothing is fine";
  EXPECT_TRUE(blobs.list(BlobArea::quarantine).empty());
}

TEST(FsBlobStore, DiscardForgetsAFailedChunk) {
  test::TempDir dir("iv-blobs-");
  store::FsBlobStore blobs(dir.path());
  auto writer = blobs.append(BlobArea::uploads, kId, 0);
  ASSERT_TRUE((*writer)->write("keep"));
  ASSERT_TRUE((*writer)->commit());
  writer->reset();
  auto chunk = blobs.append(BlobArea::uploads, kId, 4);
  ASSERT_TRUE((*chunk)->write("garbage"));
  (*chunk)->discard();
  EXPECT_EQ(blobs.partial_size(BlobArea::uploads, kId), 4u);
}

TEST(FsBlobStore, KeysCannotEscapeTheirArea) {
  test::TempDir dir("iv-blobs-");
  store::FsBlobStore blobs(dir.path());
  for (const auto key : {"../x", "..", ".partial", "a/b", "", "x\\y", "name with space"}) {
    EXPECT_FALSE(is_valid_blob_key(key)) << key;
    EXPECT_FALSE(blobs.append(BlobArea::uploads, key, 0)) << key;
    EXPECT_FALSE(blobs.open(BlobArea::uploads, key)) << key;
    EXPECT_FALSE(blobs.remove(BlobArea::uploads, key)) << key;
  }
  EXPECT_TRUE(is_valid_blob_key(kId));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "x"));
}

}  // namespace
}  // namespace iv::datasets
