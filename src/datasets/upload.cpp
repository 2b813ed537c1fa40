#include "datasets/upload.h"

#include <algorithm>
#include <array>
#include <utility>

namespace iv::datasets {
namespace {

constexpr std::array<std::pair<UploadStatus, std::string_view>, 7> kStatusNames{{
    {UploadStatus::pending, "pending"},
    {UploadStatus::receiving, "receiving"},
    {UploadStatus::scanning, "scanning"},
    {UploadStatus::processing, "processing"},
    {UploadStatus::completed, "completed"},
    {UploadStatus::failed, "failed"},
    {UploadStatus::rejected, "rejected"},
}};

constexpr std::array<std::pair<StepStatus, std::string_view>, 5> kStepStatusNames{{
    {StepStatus::pending, "pending"},
    {StepStatus::running, "running"},
    {StepStatus::done, "done"},
    {StepStatus::skipped, "skipped"},
    {StepStatus::failed, "failed"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::pair<Enum, std::string_view>, N>& table,
                               std::string_view name) {
  for (const auto& [candidate, candidate_name] : table) {
    if (candidate_name == name) return candidate;
  }
  return std::nullopt;
}

}  // namespace

std::string_view status_name(UploadStatus status) {
  return name_of(kStatusNames, status);
}
std::optional<UploadStatus> parse_status(std::string_view name) {
  return parse_name(kStatusNames, name);
}
bool is_final(UploadStatus status) {
  return status == UploadStatus::completed || status == UploadStatus::failed ||
         status == UploadStatus::rejected;
}

std::string_view step_status_name(StepStatus status) {
  return name_of(kStepStatusNames, status);
}
std::optional<StepStatus> parse_step_status(std::string_view name) {
  return parse_name(kStepStatusNames, name);
}

std::vector<Step> initial_steps() {
  std::vector<Step> steps;
  for (std::string_view name : {kStepValidate, kStepScan, kStepAnalyze, kStepStore, kStepNotify}) {
    steps.push_back(Step{.name = std::string(name)});
  }
  return steps;
}

int Upload::progress_percent() const {
  if (status != UploadStatus::pending && status != UploadStatus::receiving) return 100;
  if (declared_size <= 0) return 0;
  const auto clamped = std::clamp<std::int64_t>(received_bytes, 0, declared_size);
  return static_cast<int>(clamped * 100 / declared_size);
}

const Step* Upload::step(std::string_view name) const {
  for (const auto& candidate : steps) {
    if (candidate.name == name) return &candidate;
  }
  return nullptr;
}

}  // namespace iv::datasets
