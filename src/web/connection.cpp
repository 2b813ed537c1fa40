#include "web/connection.h"

#include <algorithm>
#include <array>

#include <boost/asio/buffer.hpp>

namespace iv::web {

using boost::system::error_code;
using tcp = boost::asio::ip::tcp;

void ConnectionList::cancel_expired(Connection::Clock::time_point now) {
  for (Connection* c = first_; c; c = c->next) {
    if (!c->timed_out && c->deadline <= now) {
      c->timed_out = true;
      error_code ec;
      c->socket.cancel(ec);
    }
  }
}

void ConnectionList::cancel_idle() {
  error_code ec;
  for (Connection* c = first_; c; c = c->next) {
    if (c->phase == ConnectionPhase::idle) c->socket.cancel(ec);
  }
}

void ConnectionList::close_all() {
  error_code ec;
  for (Connection* c = first_; c; c = c->next) c->socket.close(ec);
}

std::chrono::milliseconds sweep_period(const ServerSettings& settings) {
  const auto shortest = std::min(
      {settings.header_timeout, settings.body_timeout, settings.idle_timeout, settings.write_timeout});
  return std::clamp(shortest / 20, std::chrono::milliseconds(10), std::chrono::milliseconds(100));
}

void close_now(Connection& c) {
  error_code ec;
  c.socket.shutdown(tcp::socket::shutdown_send, ec);
  c.socket.non_blocking(true, ec);
  std::array<char, 4096> sink;
  for (int i = 0; i < 16 && !ec; ++i) c.socket.read_some(boost::asio::buffer(sink), ec);
  c.socket.close(ec);
}

std::string peer_address(const tcp::socket& socket) {
  error_code ec;
  const auto address = socket.remote_endpoint(ec).address();
  if (ec) return {};
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

}  // namespace iv::web
