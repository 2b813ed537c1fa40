// Structured JSON-lines logging. One line per event:
//   {"ts":"2026-11-22T02:40:00.123Z","level":"info","msg":"listening","port":8080}
// Thread-safe. Values are JSON-escaped; never log personal data or secrets.
#pragma once

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

namespace iv::observe {

enum class LogLevel { debug, info, warn, error };

struct LogField {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, double, bool> value;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, std::int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, unsigned v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, long long v) : key(k), value(std::int64_t(v)) {}
  LogField(std::string_view k, unsigned long v) : key(k), value(std::int64_t(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
};

struct LogSettings {
  LogLevel min_level = LogLevel::info;
  std::FILE* out = stderr;  // application log
};

class Logger {
 public:
  explicit Logger(LogSettings settings);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});
  void debug(std::string_view msg, std::initializer_list<LogField> f = {}) { log(LogLevel::debug, msg, f); }
  void info(std::string_view msg, std::initializer_list<LogField> f = {}) { log(LogLevel::info, msg, f); }
  void warn(std::string_view msg, std::initializer_list<LogField> f = {}) { log(LogLevel::warn, msg, f); }
  void error(std::string_view msg, std::initializer_list<LogField> f = {}) { log(LogLevel::error, msg, f); }

  // Writes a complete, already formatted line (access log fast path).
  void write_line(std::string_view line);
  void flush();
  bool enabled(LogLevel level) const { return level >= settings_.min_level; }

 private:
  LogSettings settings_;
  std::mutex mutex_;
};

// Appends `s` to `out` as a JSON string literal (with quotes).
void append_json_string(std::string& out, std::string_view s);

// Parses "debug" / "info" / "warn" / "error"; unknown text gives info.
LogLevel parse_log_level(std::string_view text);

}  // namespace iv::observe
