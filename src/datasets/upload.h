// An uploaded sample dataset and the steps of its processing pipeline
// (DESIGN.md "Uploads"). The status names are part of the API contract; the
// web pages and the API both render from these types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iv::datasets {

// The life of an upload, in order. `failed` and `rejected` carry a reason.
enum class UploadStatus : std::uint8_t {
  pending,     // created, no byte received yet
  receiving,   // some bytes received, not all
  scanning,    // all bytes received; validation and virus scan running
  processing,  // parsing and profiling
  completed,   // the analysis is available
  failed,      // the file could not be profiled (reason says why)
  rejected,    // refused: wrong type, malware, ... (reason says why)
};

// "pending" | "receiving" | "scanning" | "processing" | "completed" | "failed" | "rejected".
std::string_view status_name(UploadStatus status);
// The inverse of status_name; nullopt for anything else.
std::optional<UploadStatus> parse_status(std::string_view name);
// True for completed, failed and rejected: nothing will change any more.
bool is_final(UploadStatus status);

// The pipeline's steps, in the order they run.
inline constexpr std::string_view kStepValidate = "validate";
inline constexpr std::string_view kStepScan = "scan";
inline constexpr std::string_view kStepAnalyze = "analyze";  // parse + analyze
inline constexpr std::string_view kStepStore = "store";
inline constexpr std::string_view kStepNotify = "notify";

enum class StepStatus : std::uint8_t {
  pending,  // not started
  running,  // started, not finished (or the worker died: the job re-runs it)
  done,     // finished well
  skipped,  // deliberately not run (e.g. no virus scanner configured; no e-mail)
  failed,   // finished badly; `detail` says why
};

// "pending" | "running" | "done" | "skipped" | "failed".
std::string_view step_status_name(StepStatus status);
std::optional<StepStatus> parse_step_status(std::string_view name);

struct Step {
  std::string name;  // one of kStep*
  StepStatus status = StepStatus::pending;
  std::int64_t started_at_ms = 0;   // epoch ms; 0 = not started
  std::int64_t finished_at_ms = 0;  // epoch ms; 0 = not finished
  std::string detail;               // a sentence for people; never personal data

  bool operator==(const Step&) const = default;
};

// The steps of a new upload, all pending, in pipeline order.
std::vector<Step> initial_steps();

struct Upload {
  std::string id;                   // 32 lower-case hex digits (128 random bits): the visitor's secret
  std::string file_name;            // sanitized (file_names.h), extension kept
  std::string format;               // by extension first ("csv", "xlsx", ...), refined by the analysis
  std::int64_t declared_size = 0;   // bytes the client announced (Upload-Length)
  std::int64_t received_bytes = 0;  // bytes durably stored so far
  UploadStatus status = UploadStatus::pending;
  std::string reason;       // for failed / rejected: a clear sentence for the visitor
  bool has_email = false;   // an e-mail address was given for the results link (never shown)
  std::vector<Step> steps;  // initial_steps() and their progress
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::int64_t expires_at_ms = 0;  // the upload itself (tus Upload-Expires) until completed

  // 0..100; received_bytes / declared_size while receiving.
  int progress_percent() const;
  // The step named `name`, or nullptr.
  const Step* step(std::string_view name) const;

  bool operator==(const Upload&) const = default;
};

}  // namespace iv::datasets
