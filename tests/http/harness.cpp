#include "harness.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace iv::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequal(std::string_view a, std::string_view b) {
  return lower(a) == lower(b);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::filesystem::path make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "iv-http-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The parent's environment with `overrides` replacing or adding variables.
std::vector<std::string> child_environment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<std::string> result;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (const auto& [key, value] : overrides) overridden = overridden || key == name;
    if (!overridden) result.emplace_back(entry);
  }
  for (const auto& [key, value] : overrides) result.push_back(key + "=" + value);
  return result;
}

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return -1;
  }
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return fd;
}

std::optional<std::size_t> parse_size(std::string_view text, int base) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Decodes a chunked body at the front of `bytes`; nullopt when incomplete.
// Sets `malformed` on a bad chunk size.
std::optional<std::pair<std::string, std::size_t>> decode_chunked(std::string_view bytes, bool& malformed) {
  std::string body;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t eol = bytes.find("\r\n", pos);
    if (eol == std::string_view::npos) return std::nullopt;
    std::string_view size_text = bytes.substr(pos, eol - pos);
    size_text = size_text.substr(0, size_text.find(';'));
    const auto size = parse_size(trim(size_text), 16);
    if (!size) {
      malformed = true;
      return std::nullopt;
    }
    pos = eol + 2;
    if (*size == 0) {
      // Trailers end with an empty line.
      const std::size_t end = bytes.find("\r\n", pos);
      if (end == std::string_view::npos) return std::nullopt;
      if (end == pos) return std::pair{body, pos + 2};
      const std::size_t trailers_end = bytes.find("\r\n\r\n", pos);
      if (trailers_end == std::string_view::npos) return std::nullopt;
      return std::pair{body, trailers_end + 4};
    }
    if (bytes.size() < pos + *size + 2) return std::nullopt;
    body.append(bytes.substr(pos, *size));
    pos += *size + 2;
  }
}

}  // namespace

// --- ServerProcess ------------------------------------------------------------

ServerProcess::ServerProcess(ServerOptions options) {
  dir_ = make_temp_dir();
  data_dir_ = dir_ / "data";
  std::filesystem::create_directories(data_dir_);
  log_file_ = dir_ / "server.log";
  const std::filesystem::path port_file = dir_ / "port";

  std::vector<std::string> args = {IV_BINARY, "serve", "--port", "0", "--port-file", port_file.string()};
  args.insert(args.end(), options.args.begin(), options.args.end());
  std::vector<std::pair<std::string, std::string>> overrides = {
      {"DATA_DIR", data_dir_.string()},
      {"SHARE_DIR", IV_SOURCE_DIR},
      {"HOST", "127.0.0.1"},
      {"ACCESS_LOG", "1"},
      {"LOG_LEVEL", "info"},
  };
  for (const auto& entry : options.env) {
    std::erase_if(overrides, [&](const auto& o) { return o.first == entry.first; });
    overrides.push_back(entry);
  }
  const std::vector<std::string> environment = child_environment(overrides);

  // Build argv and envp before fork: the child only calls async-signal-safe functions.
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  const int log_fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot create server log file");

  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(log_fd);
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(log_fd);

  const auto deadline = Clock::now() + options.startup_timeout;
  while (Clock::now() < deadline) {
    if (wait_for_exit(0ms)) {
      throw std::runtime_error("server exited during start-up with status " + std::to_string(*exit_status_) +
                               "; log:\n" + log());
    }
    // The server writes the file by renaming a complete temporary file.
    if (std::filesystem::exists(port_file)) {
      std::string text = read_file(port_file);
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      const auto parsed = parse_size(text, 10);
      if (parsed && *parsed > 0 && *parsed < 65536) {
        port_ = static_cast<std::uint16_t>(*parsed);
        const int fd = connect_to(port_);
        if (fd >= 0) {
          ::close(fd);
          return;
        }
      }
    }
    std::this_thread::sleep_for(20ms);
  }
  const std::string output = log();
  send_signal(SIGKILL);
  wait_for_exit(5s);
  throw std::runtime_error("server did not start listening in time; log:\n" + output);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exit_status_) {
    send_signal(SIGKILL);
    wait_for_exit(10s);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void ServerProcess::send_signal(int signal_number) {
  if (pid_ > 0 && !exit_status_) ::kill(pid_, signal_number);
}

std::optional<int> ServerProcess::wait_for_exit(std::chrono::milliseconds timeout) {
  if (exit_status_) return exit_status_;
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1 - WTERMSIG(status);
      return exit_status_;
    }
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

std::string ServerProcess::log() const {
  return read_file(log_file_);
}

// --- responses ----------------------------------------------------------------

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequal(key, name)) return value;
  }
  return std::nullopt;
}

std::size_t HttpResponse::count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& [key, value] : headers) n += iequal(key, name) ? 1 : 0;
  return n;
}

ParseResult parse_response(std::string_view bytes, bool response_to_head, bool until_close) {
  ParseResult result;
  const std::size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return result;
  const std::string_view head = bytes.substr(0, head_end);

  HttpResponse response;
  const std::size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  // "HTTP/1.1 200 OK"
  const std::size_t first_space = status_line.find(' ');
  if (first_space == std::string_view::npos || !status_line.starts_with("HTTP/")) {
    result.malformed = true;
    return result;
  }
  response.version = std::string(status_line.substr(0, first_space));
  const std::string_view rest = status_line.substr(first_space + 1);
  const auto status = parse_size(rest.substr(0, 3), 10);
  if (!status || rest.size() < 3 || (rest.size() > 3 && rest[3] != ' ')) {
    result.malformed = true;
    return result;
  }
  response.status = static_cast<int>(*status);
  response.reason = rest.size() > 4 ? std::string(rest.substr(4)) : std::string();

  std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    std::size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = head.size();
    const std::string_view line = head.substr(pos, eol - pos);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      result.malformed = true;
      return result;
    }
    response.headers.emplace_back(lower(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
    pos = eol + 2;
  }

  const std::size_t body_start = head_end + 4;
  const std::string_view after_head = bytes.substr(body_start);
  const bool no_body =
      response_to_head || response.status < 200 || response.status == 204 || response.status == 304;
  if (no_body) {
    result.consumed = body_start;
  } else if (auto length = response.header("content-length")) {
    const auto size = parse_size(*length, 10);
    if (!size) {
      result.malformed = true;
      return result;
    }
    if (after_head.size() < *size) return result;
    response.body = std::string(after_head.substr(0, *size));
    result.consumed = body_start + *size;
  } else if (auto encoding = response.header("transfer-encoding"); encoding && iequal(*encoding, "chunked")) {
    auto decoded = decode_chunked(after_head, result.malformed);
    if (!decoded) return result;
    response.body = std::move(decoded->first);
    result.consumed = body_start + decoded->second;
  } else {
    if (!until_close) return result;
    response.body = std::string(after_head);
    result.consumed = bytes.size();
  }
  result.response = std::move(response);
  return result;
}

// --- Connection ---------------------------------------------------------------

Connection::Connection(std::uint16_t port) : fd_(connect_to(port)) {
  if (fd_ < 0)
    throw std::runtime_error("cannot connect to port " + std::to_string(port) + ": " + std::strerror(errno));
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

bool Connection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void Connection::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

bool Connection::fill(Clock::time_point deadline) {
  if (closed_) return false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }
}

std::optional<HttpResponse> Connection::read_response(bool response_to_head,
                                                      std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    ParseResult parsed = parse_response(pending_, response_to_head, closed_);
    if (parsed.malformed) return std::nullopt;
    if (parsed.response) {
      pending_.erase(0, parsed.consumed);
      return parsed.response;
    }
    if (closed_) return std::nullopt;
    if (!fill(deadline) && !closed_) return std::nullopt;
  }
}

bool Connection::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!closed_) {
    if (!fill(deadline) && !closed_) return false;
    pending_.clear();
  }
  return true;
}

std::string Connection::read_until_close(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!closed_ && fill(deadline)) {
  }
  return std::exchange(pending_, {});
}

// --- one-shot requests --------------------------------------------------------

std::optional<HttpResponse> request(std::uint16_t port, std::string_view method, std::string_view target,
                                    const std::vector<std::string>& headers, std::string_view body) {
  std::string bytes;
  bytes.append(method).append(" ").append(target).append(
      " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
  for (const auto& h : headers) bytes.append(h).append("\r\n");
  if (!body.empty()) bytes.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  bytes.append("\r\n").append(body);
  Connection connection(port);
  if (!connection.send(bytes)) return std::nullopt;
  return connection.read_response(method == "HEAD");
}

bool connection_refused(std::uint16_t port) {
  const int fd = connect_to(port);
  if (fd >= 0) {
    ::close(fd);
    return false;
  }
  return errno == ECONNREFUSED;
}

}  // namespace iv::test
