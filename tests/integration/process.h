// Child processes and ports for integration tests: start a real server (or a
// local stand-in) as a plain command on loopback, wait until it listens, and
// stop it by its own pid when the test is done.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace iv::test {

using namespace std::chrono_literals;

// A fresh directory under the system temp dir; the caller removes it.
std::filesystem::path make_temp_dir(std::string_view prefix);
std::string read_file(const std::filesystem::path& path);

// A TCP port on 127.0.0.1 that was free a moment ago (bound, then released:
// another process could take it in between, which tests accept).
std::uint16_t free_port();
// True once something accepts TCP connections on 127.0.0.1:port.
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout);
// The file's contents once it exists and is not empty; nullopt on timeout.
std::optional<std::string> wait_for_file(const std::filesystem::path& path,
                                         std::chrono::milliseconds timeout);

// A command running in the background with stdout and stderr in `log_file`
// (the executable is looked up in PATH). The destructor stops it.
class ChildProcess {
 public:
  // Throws std::runtime_error when the command cannot be started.
  ChildProcess(std::vector<std::string> argv, std::filesystem::path log_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM, then SIGKILL if it has not exited after `grace`. Idempotent.
  void stop(std::chrono::milliseconds grace = 3s);
  std::string log() const { return read_file(log_file_); }

 private:
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

struct CommandResult {
  int exit_code = -1;  // -1 - signal when killed by a signal
  std::string output;  // stdout
};

// Runs `argv` to completion (killing it after `timeout`) and returns its
// stdout; stderr goes to the test's stderr.
CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 30s);

}  // namespace iv::test
