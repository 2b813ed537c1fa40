// One call from a file to its analysis: format detection, streaming read,
// profile. Used by the upload pipeline's analyze step and by
// `indivillage analyze FILE`.
#pragma once

#include <expected>
#include <filesystem>
#include <string_view>

#include "analysis/analysis.h"
#include "analysis/profiler.h"
#include "analysis/reader.h"

namespace iv::analysis {

struct AnalyzeSettings {
  ReadLimits read;
  ProfileSettings profile;
};

std::expected<Analysis, ReadError> analyze_file(const std::filesystem::path& path, std::string_view file_name,
                                                const AnalyzeSettings& settings = {});

}  // namespace iv::analysis
