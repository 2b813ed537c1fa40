// A client connection as its I/O thread tracks it, and the deadlines of the
// connections of one thread.
//
// Timeouts are not armed per operation. Each connection publishes its phase
// and a deadline, and a per-thread sweeper (a coarse periodic timer calling
// ConnectionList::cancel_expired) cancels the I/O of connections past their
// deadline. That costs a clock read per phase instead of a timer insertion and
// removal per read and write, and a head that is dribbled in byte by byte
// still meets its single deadline.
//
// Internal to the server: this header includes Asio, so only the server's
// .cpp files may include it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "web/server.h"

namespace iv::web {

// What a connection is doing, which decides what its timeout means: a
// timeout while reading the head or body is answered with 408, one while idle,
// handling, writing or lingering ends the connection silently.
enum class ConnectionPhase : std::uint8_t { idle, header, body, handling, writing, lingering };

// One accepted socket. Lives in its connection coroutine's frame and is linked
// into its thread's ConnectionList for the sweeper and for shutdown.
struct Connection {
  using Clock = std::chrono::steady_clock;

  explicit Connection(boost::asio::ip::tcp::socket s) : socket(std::move(s)) {}

  boost::asio::ip::tcp::socket socket;
  ConnectionPhase phase = ConnectionPhase::idle;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;  // set by the sweeper when it cancelled this phase's I/O
  Connection* prev = nullptr;
  Connection* next = nullptr;

  // Enters phase `p`, which must end within `limit` of `now`.
  void enter(ConnectionPhase p, Clock::time_point now, std::chrono::milliseconds limit) {
    phase = p;
    deadline = now + limit;
    timed_out = false;
  }
  // Enters phase `p`, which must end by `until` (time_point::max(): no limit).
  void enter_until(ConnectionPhase p, Clock::time_point until) {
    phase = p;
    deadline = until;
    timed_out = false;
  }
};

// The live connections of one I/O thread, linked through the connections
// themselves so that tracking one costs no allocation. Not thread-safe: used
// only by the owning thread.
class ConnectionList {
 public:
  bool empty() const { return first_ == nullptr; }

  // Links `c`, which must not be in a list, at the front.
  void add(Connection& c) {
    c.next = first_;
    if (c.next) c.next->prev = &c;
    first_ = &c;
  }
  // Unlinks `c`, which must be in this list.
  void remove(Connection& c) {
    if (c.prev) {
      c.prev->next = c.next;
    } else {
      first_ = c.next;
    }
    if (c.next) c.next->prev = c.prev;
  }

  // Cancels the pending I/O of every connection whose deadline is at or
  // before `now` and sets its timed_out, once per phase: its coroutine sees
  // operation_aborted and tells a timeout from other errors by timed_out.
  void cancel_expired(Connection::Clock::time_point now);
  // Cancels the pending I/O of connections in the idle phase (waiting for the
  // next request), which then end without an answer. For shutdown.
  void cancel_idle();
  // Closes every socket now; their coroutines fail their I/O and end.
  void close_all();

 private:
  Connection* first_ = nullptr;
};

// How often a thread checks the deadlines, which bounds how late a timeout
// fires: a twentieth of the shortest of the header, body, idle and write
// timeouts, between 10 and 100 ms.
std::chrono::milliseconds sweep_period(const ServerSettings& settings);

// Closes after an answer that ends the connection. Input that already arrived
// is drained first (without waiting for more): closing a socket with unread
// data sends a reset, which can destroy the answer before the client has read
// it.
void close_now(Connection& c);

// The peer's address as text, empty when unknown; IPv4 clients of a
// dual-stack listener appear as plain IPv4 rather than "::ffff:a.b.c.d".
std::string peer_address(const boost::asio::ip::tcp::socket& socket);

}  // namespace iv::web
