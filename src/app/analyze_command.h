// `indivillage analyze FILE [--json]`: the profiling engine offline, on a
// file on disk, with no database, server or configuration.
#pragma once

#include <cstdio>
#include <filesystem>

namespace iv::app {

// Profiles `file` and prints the analysis document (--json) or a readable
// summary to `out`. A file the engine refuses gets its reason on `err` and
// exit status 2; an unreadable file also 2; success 0.
int run_analyze(const std::filesystem::path& file, bool json, std::FILE* out, std::FILE* err);

}  // namespace iv::app
