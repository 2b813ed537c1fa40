// Visitor-supplied file names, made safe to store, show and use as a hint.
#pragma once

#include <string>
#include <string_view>

namespace iv::datasets {

inline constexpr std::size_t kMaxFileNameBytes = 150;

// Keeps the last path component; drops control characters, bidirectional
// overrides and isolates (which can disguise "txt.exe" as "exe.txt"), invalid
// UTF-8 and characters that are special in file systems; trims spaces and
// dots; prefixes Windows reserved device names ("CON", "nul.csv") with '_';
// limits the result to kMaxFileNameBytes on a character boundary while keeping
// the extension. Never empty: a name with nothing left becomes "upload" plus
// the extension.
std::string sanitize_file_name(std::string_view name);

// The lower-cased extension without the dot ("Data.CSV" → "csv"); empty when none.
std::string file_extension(std::string_view name);

}  // namespace iv::datasets
