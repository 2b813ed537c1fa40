// Which files we accept: first by extension (the visitor's claim), then by
// content (what the first bytes really are), each refusal a sentence for the
// visitor.
#pragma once

#include <expected>
#include <span>
#include <string>
#include <string_view>

namespace iv::datasets {

// "csv", "tsv", "txt", "json", "ndjson", "jsonl", "xml", "xlsx".
std::span<const std::string_view> allowed_extensions();

// The format named by the extension of `file_name` ("csv", ... as above), or
// the refusal: "Files of type .exe are not accepted. Upload CSV, TSV, TXT,
// JSON, NDJSON, JSONL, XML or XLSX."
std::expected<std::string, std::string> format_from_name(std::string_view file_name);

// Checks that the first bytes of the file (`head`, up to 64 KiB is plenty)
// fit `format`: refuses programs, archives (but an XLSX must be one), images,
// PDFs and binary data under a text format's name, using our own signatures
// and libmagic. The refusal says what the file is and what would be accepted.
// An empty head is accepted (the analysis reports an empty file).
std::expected<void, std::string> check_content(std::string_view head, std::string_view format);

// libmagic's MIME type of `head` ("text/plain", "application/zip", ...);
// "application/octet-stream" when libmagic cannot tell.
std::string sniff_mime_type(std::string_view head);

}  // namespace iv::datasets
