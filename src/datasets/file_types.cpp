#include "datasets/file_types.h"

#include <algorithm>
#include <array>
#include <memory>

#include <magic.h>

#include "datasets/file_names.h"

namespace iv::datasets {
namespace {

constexpr std::array<std::string_view, 8> kAllowed{"csv",    "tsv",   "txt", "json",
                                                   "ndjson", "jsonl", "xml", "xlsx"};
constexpr std::string_view kAcceptedList = "CSV, TSV, TXT, JSON, NDJSON, JSONL, XML or XLSX";

struct Signature {
  std::string_view magic;
  std::size_t offset;
  std::string_view what;  // completes "The file is ..."
  bool archive;
};

// Things that must never pass as a dataset, whatever libmagic says.
constexpr std::array<Signature, 14> kSignatures{{
    {"MZ", 0, "a Windows program", false},
    {"\x7f"
     "ELF",
     0, "a Linux program", false},
    {"\xcf\xfa\xed\xfe", 0, "a macOS program", false},
    {"\xca\xfe\xba\xbe", 0, "a macOS or Java program", false},
    {"#!", 0, "a script", false},
    {"PK\x03\x04", 0, "a ZIP archive", true},
    {"\x1f\x8b", 0, "a gzip archive", true},
    {"7z\xbc\xaf\x27\x1c", 0, "a 7-Zip archive", true},
    {"Rar!\x1a\x07", 0, "a RAR archive", true},
    {"BZh", 0, "a bzip2 archive", true},
    {"\xfd"
     "7zXZ\x00",
     0, "an XZ archive", true},
    {"ustar", 257, "a tar archive", true},
    {"%PDF-", 0, "a PDF document", false},
    {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "an old Office document (XLS/DOC)", false},
}};

bool is_text_mime(std::string_view mime) {
  return mime.starts_with("text/") || mime == "application/json" || mime == "application/xml" ||
         mime == "application/csv" || mime == "application/x-ndjson" || mime == "inode/x-empty" ||
         mime == "application/x-empty";
}

std::string refusal(std::string_view what) {
  return "The file is " + std::string(what) + ", not a dataset. Upload the " + std::string(kAcceptedList) +
         " file itself.";
}

}  // namespace

std::span<const std::string_view> allowed_extensions() {
  return kAllowed;
}

std::expected<std::string, std::string> format_from_name(std::string_view file_name) {
  const std::string extension = file_extension(file_name);
  if (std::ranges::find(kAllowed, extension) != kAllowed.end()) return extension;
  if (extension.empty()) {
    return std::unexpected("The file name has no extension. Upload a " + std::string(kAcceptedList) +
                           " file.");
  }
  return std::unexpected("Files of type ." + extension + " are not accepted. Upload " +
                         std::string(kAcceptedList) + ".");
}

std::string sniff_mime_type(std::string_view head) {
  std::unique_ptr<magic_set, decltype(&magic_close)> cookie(magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR),
                                                            &magic_close);
  if (!cookie || magic_load(cookie.get(), nullptr) != 0) return "application/octet-stream";
  const char* type = magic_buffer(cookie.get(), head.data(), head.size());
  return type ? std::string(type) : std::string("application/octet-stream");
}

std::expected<void, std::string> check_content(std::string_view head, std::string_view format) {
  if (head.empty()) return {};
  for (const auto& signature : kSignatures) {
    if (head.size() < signature.offset + signature.magic.size()) continue;
    if (head.substr(signature.offset, signature.magic.size()) != signature.magic) continue;
    if (format == "xlsx" && signature.magic == "PK\x03\x04") return {};  // workbooks are ZIP files
    return std::unexpected(refusal(signature.what));
  }
  if (format == "xlsx") {
    return std::unexpected(
        std::string("The file is named .xlsx but is not an Excel workbook. Save it from Excel as "
                    ".xlsx, or upload it as CSV."));
  }
  const std::string mime = sniff_mime_type(head);
  if (is_text_mime(mime)) return {};
  // UTF-16 text has NUL bytes, so libmagic may not call it text; the reader handles it when it has a BOM.
  if (head.starts_with("\xff\xfe") || head.starts_with("\xfe\xff")) return {};
  if (mime.starts_with("image/")) return std::unexpected(refusal("an image"));
  if (mime.starts_with("audio/") || mime.starts_with("video/"))
    return std::unexpected(refusal("audio or video"));
  if (mime.find("zip") != std::string::npos || mime.find("compressed") != std::string::npos ||
      mime.find("archive") != std::string::npos) {
    return std::unexpected(refusal("an archive"));
  }
  if (mime.find("executable") != std::string::npos || mime.find("sharedlib") != std::string::npos) {
    return std::unexpected(refusal("a program"));
  }
  return std::unexpected("The file is named ." + std::string(format) +
                         " but holds binary data, not text. Upload the " + std::string(kAcceptedList) +
                         " file itself.");
}

}  // namespace iv::datasets
