// Test support: a temporary file to hand to observe::Logger as its output, and
// read back what was written.
//
// Header-only; tests/unit/*.cpp include it as "support/log_capture.h".
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace iv::test {

// An anonymous temporary file (std::tmpfile), closed and deleted on destruction.
class CapturedLog {
 public:
  CapturedLog() : file_(std::tmpfile()) {}
  ~CapturedLog() { std::fclose(file_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  // Pass as observe::LogSettings::out.
  std::FILE* file() { return file_; }

  // Everything written so far.
  std::string text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file_)) > 0) out.append(buffer, n);
    return out;
  }

  // text() split into lines without their '\n'; a test failure is recorded if
  // the last line is unterminated (a logger writes whole lines only).
  std::vector<std::string> lines() {
    std::vector<std::string> out;
    const std::string all = text();
    std::size_t start = 0;
    while (start < all.size()) {
      const std::size_t end = all.find('\n', start);
      EXPECT_NE(end, std::string::npos) << "every line ends with a newline";
      if (end == std::string::npos) break;
      out.push_back(all.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }

 private:
  std::FILE* file_;
};

}  // namespace iv::test
