#include "integrations/clamd_scanner.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace iv::integrations {
namespace {

using Kind = ScanVerdict::Kind;

// Closes the socket on every path.
struct Socket {
  int fd = -1;
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd entry{fd, events, 0};
  for (;;) {
    const int ready = ::poll(&entry, 1, static_cast<int>(timeout.count()));
    if (ready < 0 && errno == EINTR) continue;
    return ready > 0;
  }
}

bool send_all(int fd, std::string_view bytes, std::chrono::milliseconds timeout) {
  while (!bytes.empty()) {
    if (!wait_for(fd, POLLOUT, timeout)) return false;
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

// Reads until NUL, close or timeout.
std::string read_reply(int fd, std::chrono::milliseconds timeout) {
  std::string reply;
  char buffer[512];
  while (reply.size() < 4096) {
    if (!wait_for(fd, POLLIN, timeout)) break;
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    reply.append(buffer, static_cast<std::size_t>(got));
    if (reply.find('\0') != std::string::npos) break;
  }
  if (const auto nul = reply.find('\0'); nul != std::string::npos) reply.resize(nul);
  while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.pop_back();
  return reply;
}

std::string length_prefix(std::uint32_t length) {
  return {static_cast<char>(length >> 24), static_cast<char>(length >> 16), static_cast<char>(length >> 8),
          static_cast<char>(length)};
}

}  // namespace

ScanVerdict parse_clamd_reply(std::string_view reply) {
  if (reply.empty()) return {Kind::error, "clamd sent no reply"};
  if (reply.starts_with("stream: ")) reply.remove_prefix(8);
  if (reply == "OK") return {Kind::clean, ""};
  if (reply.ends_with(" FOUND")) return {Kind::infected, std::string(reply.substr(0, reply.size() - 6))};
  return {Kind::error, std::string(reply)};
}

ClamdScanner::ClamdScanner(ClamdSettings settings) : settings_(std::move(settings)) {
  std::string_view address = settings_.address;
  if (address.starts_with("unix:")) {
    unix_path_ = address.substr(5);
    if (unix_path_.empty() || unix_path_.size() >= sizeof(sockaddr_un::sun_path)) {
      throw std::invalid_argument("CLAMD_ADDRESS: bad unix socket path");
    }
    return;
  }
  if (address.starts_with("tcp://")) address.remove_prefix(6);
  const std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) {
    throw std::invalid_argument("CLAMD_ADDRESS must be unix:/path or tcp://host:port");
  }
  host_ = address.substr(0, colon);
  port_ = address.substr(colon + 1);
}

int ClamdScanner::connect_socket(std::string& error) const {
  if (!unix_path_.empty()) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, unix_path_.data(), unix_path_.size());
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      error = std::string("cannot connect to clamd: ") + std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return -1;
    }
    return fd;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host_.c_str(), port_.c_str(), &hints, &found) != 0 || !found) {
    error = "cannot resolve the clamd host";
    return -1;
  }
  int fd = -1;
  for (addrinfo* candidate = found; candidate; candidate = candidate->ai_next) {
    fd = ::socket(candidate->ai_family, candidate->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) continue;
    if (::connect(fd, candidate->ai_addr, candidate->ai_addrlen) == 0 ||
        (errno == EINPROGRESS && wait_for(fd, POLLOUT, settings_.connect_timeout))) {
      int so_error = 0;
      socklen_t length = sizeof so_error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length);
      if (so_error == 0) break;
    }
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(found);
  if (fd < 0) error = "cannot connect to clamd";
  return fd;
}

ScanVerdict ClamdScanner::scan(std::istream& content) {
  std::string error;
  Socket socket{connect_socket(error)};
  if (socket.fd < 0) return {Kind::error, error};
  const auto timeout = settings_.io_timeout;
  bool sent = send_all(socket.fd, std::string_view("zINSTREAM\0", 10), timeout);
  std::vector<char> buffer(settings_.chunk_bytes);
  while (sent && content) {
    content.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(content.gcount());
    if (got == 0) break;
    sent = send_all(socket.fd, length_prefix(static_cast<std::uint32_t>(got)), timeout) &&
           send_all(socket.fd, std::string_view(buffer.data(), got), timeout);
  }
  if (sent) sent = send_all(socket.fd, length_prefix(0), timeout);
  // Read the answer even when a send failed: clamd explains (e.g. the size limit) before it closes.
  const std::string reply = read_reply(socket.fd, timeout);
  auto verdict = parse_clamd_reply(reply);
  if (!sent && verdict.kind == Kind::clean)
    return {Kind::error, "the connection to clamd broke during the scan"};
  if (!sent && reply.empty()) return {Kind::error, "the connection to clamd broke during the scan"};
  return verdict;
}

}  // namespace iv::integrations
