// Helpers for HTTP-level tests: run the real `indivillage serve` binary as a
// child process on a free port with a fresh data directory, and talk to it
// over raw TCP so tests control every byte (malformed input, pipelining,
// slow clients) and see every byte of the answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/types.h>

namespace iv::test {

using namespace std::chrono_literals;

struct ServerOptions {
  std::vector<std::string> args;  // extra `serve` flags, e.g. {"--max-connections", "4"}
  std::vector<std::pair<std::string, std::string>> env;  // extra or overriding environment variables
  std::chrono::milliseconds startup_timeout = 60s;
};

// A running `indivillage serve --port 0 --port-file F`. DATA_DIR is a fresh
// temporary directory, SHARE_DIR the source tree, ACCESS_LOG=1; stdout and
// stderr go to a log file. The destructor kills the process if it still runs
// and removes the directory.
class ServerProcess {
 public:
  // Starts the server and waits until it accepts connections; throws
  // std::runtime_error (with the server's log) if it exits or never listens.
  explicit ServerProcess(ServerOptions options = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }

  void send_signal(int signal_number);
  // Exit status once the process has exited within `timeout` (-1 - signal when
  // killed by a signal); nullopt when it is still running.
  std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
  // Everything the server wrote to stdout and stderr so far.
  std::string log() const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path data_dir_;
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::uint16_t port_ = 0;
};

struct HttpResponse {
  std::string version;  // "HTTP/1.1"
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order
  std::string body;

  // First value of header `name` (case-insensitive).
  std::optional<std::string> header(std::string_view name) const;
  std::size_t count(std::string_view name) const;
};

// A blocking TCP connection to 127.0.0.1:port. Reads keep unconsumed bytes, so
// pipelined responses can be read one after the other.
class Connection {
 public:
  explicit Connection(std::uint16_t port);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends all bytes; false when the peer has gone away.
  bool send(std::string_view bytes);
  // Stops sending (half-close), keeps receiving.
  void shutdown_write();
  // Reads one response. A response to HEAD, and 1xx, 204 and 304 answers,
  // have no body; otherwise Content-Length is used, or chunked, or read until
  // close. nullopt on timeout, on close before a complete response or on a
  // malformed response.
  std::optional<HttpResponse> read_response(bool response_to_head = false,
                                            std::chrono::milliseconds timeout = 10s);
  // True when the peer closes (end of stream or reset) within `timeout`;
  // discards any bytes received meanwhile.
  bool wait_closed(std::chrono::milliseconds timeout);
  // Reads until the peer closes or `timeout`; returns what arrived.
  std::string read_until_close(std::chrono::milliseconds timeout = 10s);

 private:
  // Appends whatever arrives within `timeout`; false on close, error or timeout.
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string pending_;
  bool closed_ = false;
};

// Parses one response from the front of `bytes`. Returns the response and the
// number of bytes it used, or nullopt when incomplete or malformed
// (`malformed` tells which). `until_close` accepts a body delimited by the end
// of the data.
struct ParseResult {
  std::optional<HttpResponse> response;
  std::size_t consumed = 0;
  bool malformed = false;
};
ParseResult parse_response(std::string_view bytes, bool response_to_head, bool until_close);

// One request on a fresh connection with `Connection: close`: the request line
// for `method` and `target`, Host, the given extra header lines ("Name: value")
// and the body (with Content-Length when not empty).
std::optional<HttpResponse> request(std::uint16_t port, std::string_view method, std::string_view target,
                                    const std::vector<std::string>& headers = {}, std::string_view body = {});
inline std::optional<HttpResponse> get(std::uint16_t port, std::string_view target,
                                       const std::vector<std::string>& headers = {}) {
  return request(port, "GET", target, headers);
}

// True when a TCP connection to 127.0.0.1:port is refused.
bool connection_refused(std::uint16_t port);

}  // namespace iv::test
