#include "observe/log.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

namespace iv::observe {
namespace {

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

void append_two_digits(std::string& out, int v) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

// "2026-11-22T02:40:00.123Z" for the current time.
void append_timestamp(std::string& out) {
  const auto now = std::chrono::system_clock::now();
  const auto since_epoch = now.time_since_epoch();
  const std::time_t seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char year[8];
  const auto [end, ec] = std::to_chars(year, year + sizeof year, utc.tm_year + 1900);
  out.append(year, ec == std::errc{} ? end : year);
  out.push_back('-');
  append_two_digits(out, utc.tm_mon + 1);
  out.push_back('-');
  append_two_digits(out, utc.tm_mday);
  out.push_back('T');
  append_two_digits(out, utc.tm_hour);
  out.push_back(':');
  append_two_digits(out, utc.tm_min);
  out.push_back(':');
  append_two_digits(out, utc.tm_sec);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + millis / 100));
  append_two_digits(out, static_cast<int>(millis % 100));
  out.push_back('Z');
}

void append_value(std::string& out, const LogField& field) {
  char buffer[32];
  if (const auto* text = std::get_if<std::string_view>(&field.value)) {
    append_json_string(out, *text);
  } else if (const auto* integer = std::get_if<std::int64_t>(&field.value)) {
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *integer);
    out.append(buffer, end);
  } else if (const auto* real = std::get_if<double>(&field.value)) {
    // JSON has no NaN or infinity.
    if (!std::isfinite(*real)) {
      out.append("null");
      return;
    }
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, *real);
    out.append(buffer, end);
  } else {
    out.append(std::get<bool>(field.value) ? "true" : "false");
  }
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;
    if (lead == 0xED) max_second = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;
    if (lead == 0xF4) max_second = 0x8F;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return length;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // Logged text comes from clients (user agents, paths): invalid UTF-8 is
      // replaced so every line stays parseable JSON.
      const std::size_t length = utf8_sequence_length(s, i);
      if (length == 0) {
        out.append("\xEF\xBF\xBD");
        ++i;
      } else {
        out.append(s.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out.append("\\u00");
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

LogLevel parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::debug;
  if (text == "warn" || text == "warning") return LogLevel::warn;
  if (text == "error") return LogLevel::error;
  return LogLevel::info;
}

Logger::Logger(LogSettings settings) : settings_(settings) {}

Logger::~Logger() {
  flush();
}

void Logger::log(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(128);
  line.append("{\"ts\":\"");
  append_timestamp(line);
  line.append("\",\"level\":\"");
  line.append(level_name(level));
  line.append("\",\"msg\":");
  append_json_string(line, msg);
  for (const LogField& field : fields) {
    line.push_back(',');
    append_json_string(line, field.key);
    line.push_back(':');
    append_value(line, field);
  }
  line.append("}\n");
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), settings_.out);
  // Application events are rare and matter most just before a crash.
  std::fflush(settings_.out);
}

void Logger::write_line(std::string_view line) {
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), settings_.out);
  if (line.empty() || line.back() != '\n') std::fputc('\n', settings_.out);
}

void Logger::flush() {
  std::lock_guard lock(mutex_);
  std::fflush(settings_.out);
}

}  // namespace iv::observe
