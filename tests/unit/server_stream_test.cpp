// Streaming request bodies (Router::add_stream): the server hands the body to
// a BodyConsumer piece by piece, enforces the route's size limit, keeps the
// connection alive after a complete body, and tells the consumer when the
// client went away. Runs the real Server in-process on a loopback port.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "observe/log.h"
#include "observe/metrics.h"
#include "web/dispatcher.h"
#include "web/router.h"
#include "web/server.h"
#include "web/static_assets.h"

namespace iv::web {
namespace {

using namespace std::chrono_literals;

// What the consumers saw, shared with the test thread.
struct Observed {
  std::mutex mutex;
  std::string bytes;
  std::size_t pieces = 0;
  int finished_complete = -1;  // -1: not finished; 0/1: finish(false/true)
  std::atomic<int> finishes{0};
};

class RecordingConsumer final : public BodyConsumer {
 public:
  RecordingConsumer(Observed& observed, std::size_t refuse_after)
      : observed_(observed), refuse_after_(refuse_after) {}
  bool consume(std::string_view chunk) override {
    std::lock_guard lock(observed_.mutex);
    observed_.bytes.append(chunk);
    ++observed_.pieces;
    return observed_.bytes.size() <= refuse_after_;
  }
  Response finish(bool complete) override {
    {
      std::lock_guard lock(observed_.mutex);
      observed_.finished_complete = complete ? 1 : 0;
    }
    observed_.finishes.fetch_add(1);
    Response response;
    response.status = complete ? 201 : 422;
    response.headers = {{"Content-Type", "text/plain"}};
    std::lock_guard lock(observed_.mutex);
    response.body = "got " + std::to_string(observed_.bytes.size());
    return response;
  }

 private:
  Observed& observed_;
  std::size_t refuse_after_;
};

std::filesystem::path make_empty_dir() {
  char pattern[] = "/tmp/iv-stream-test-XXXXXX";
  return ::mkdtemp(pattern);
}

class StreamServer : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.add_stream(
        Method::put, "/upload/{name}",
        [this](const Request&, const RouteParams& params) -> StreamResult {
          if (params.get("name") == "forbidden") {
            Response refusal;
            refusal.status = 403;
            refusal.body = "no";
            return refusal;
          }
          return std::make_unique<RecordingConsumer>(observed_, refuse_after_);
        },
        RouteOptions{.max_body_bytes = 1 << 20, .kind = RouteOptions::Kind::plain});
    router_.add(Method::get, "/ping", [](const Request&, const RouteParams&) {
      Response response;
      response.body = "pong";
      return response;
    });
    dispatcher_ =
        std::make_unique<Dispatcher>(DispatcherSettings{}, router_, assets_, ErrorPages{}, logger_, metrics_);
    server_ = std::make_unique<Server>(
        ServerSettings{.port = 0, .threads = 1, .body_timeout = 500ms, .access_log = false}, *dispatcher_,
        logger_, metrics_);
    server_->bind();
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
    std::filesystem::remove_all(empty_dir_);
  }

  int connect_socket() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server_->port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return fd;
  }
  static void send_all(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  // Reads one response whose body is at most a few bytes: until the body's
  // Content-Length is there, or the peer closes.
  static std::string read_response(int fd) {
    std::string out;
    char buffer[4096];
    for (;;) {
      const std::size_t head_end = out.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::size_t at = out.find("Content-Length: ");
        if (at != std::string::npos) {
          const std::size_t length = std::stoul(out.substr(at + 16));
          if (out.size() >= head_end + 4 + length) return out;
        }
      }
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return out;
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }
  bool wait_for_finish() {
    for (int i = 0; i < 300 && observed_.finishes.load() == 0; ++i) std::this_thread::sleep_for(10ms);
    return observed_.finishes.load() > 0;
  }

  observe::Logger logger_{observe::LogSettings{observe::LogLevel::error, stderr}};
  observe::MetricsRegistry metrics_;
  std::filesystem::path empty_dir_ = make_empty_dir();
  StaticAssets assets_{empty_dir_};
  Router router_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  Observed observed_;
  std::size_t refuse_after_ = 1 << 20;
};

TEST_F(StreamServer, BodyArrivesInPiecesAndTheConnectionStaysOpen) {
  const int fd = connect_socket();
  const std::string body(300 * 1024, 'x');
  send_all(
      fd, "PUT /upload/a HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  send_all(fd, body);
  const std::string answer = read_response(fd);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 201")) << answer;
  EXPECT_NE(answer.find("got 307200"), std::string::npos) << answer;
  {
    std::lock_guard lock(observed_.mutex);
    EXPECT_EQ(observed_.bytes, body);
    EXPECT_GT(observed_.pieces, 1u);  // streamed, not buffered whole
    EXPECT_EQ(observed_.finished_complete, 1);
  }
  // Keep-alive: the same connection serves the next request.
  send_all(fd, "GET /ping HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_NE(read_response(fd).find("pong"), std::string::npos);
  ::close(fd);
}

TEST_F(StreamServer, ChunkedBodyIsStreamedToo) {
  const int fd = connect_socket();
  send_all(fd,
           "PUT /upload/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
           "world\r\n0\r\n\r\n");
  const std::string answer = read_response(fd);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 201")) << answer;
  std::lock_guard lock(observed_.mutex);
  EXPECT_EQ(observed_.bytes, "hello world");
  ::close(fd);
}

TEST_F(StreamServer, DeclaredLengthOverTheLimitIsRefusedWithoutReading) {
  const int fd = connect_socket();
  send_all(fd, "PUT /upload/a HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\n\r\n");
  const std::string answer = read_response(fd);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer;
  ASSERT_TRUE(wait_for_finish());  // the consumer learns it will get nothing
  std::lock_guard lock(observed_.mutex);
  EXPECT_EQ(observed_.finished_complete, 0);
  EXPECT_TRUE(observed_.bytes.empty());
  ::close(fd);
}

TEST_F(StreamServer, ChunkedBodyOverTheLimitIsCutOff) {
  const int fd = connect_socket();
  send_all(fd, "PUT /upload/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
  const std::string chunk(64 * 1024, 'y');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  for (int i = 0; i < 20; ++i) send_all(fd, std::string(size_line) + chunk + "\r\n");
  const std::string answer = read_response(fd);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer;
  ASSERT_TRUE(wait_for_finish());
  std::lock_guard lock(observed_.mutex);
  EXPECT_EQ(observed_.finished_complete, 0);
  EXPECT_LE(observed_.bytes.size(), std::size_t{1} << 20);
  ::close(fd);
}

TEST_F(StreamServer, ConsumerRefusalAnswersWithItsOwnResponse) {
  refuse_after_ = 10;
  const int fd = connect_socket();
  send_all(fd,
           "PUT /upload/a HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + std::string(100000, 'z'));
  const std::string answer = read_response(fd);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 422")) << answer;
  ::close(fd);
}

TEST_F(StreamServer, HandlerRefusalIsSentWithoutReadingTheBody) {
  const int fd = connect_socket();
  send_all(fd, "PUT /upload/forbidden HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n");
  const std::string answer = read_response(fd);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 403")) << answer;
  EXPECT_EQ(observed_.finishes.load(), 0);
  ::close(fd);
}

TEST_F(StreamServer, ClientThatGoesAwayMidBodyFinishesIncompleteWithWhatArrived) {
  const int fd = connect_socket();
  send_all(fd,
           "PUT /upload/a HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + std::string(4000, 'q'));
  std::this_thread::sleep_for(100ms);
  ::close(fd);
  ASSERT_TRUE(wait_for_finish());
  std::lock_guard lock(observed_.mutex);
  EXPECT_EQ(observed_.finished_complete, 0);
  EXPECT_EQ(observed_.bytes, std::string(4000, 'q'));
}

TEST_F(StreamServer, StalledClientTimesOutByInactivityNotByTotalTime) {
  const int fd = connect_socket();
  send_all(fd, "PUT /upload/a HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n");
  // Slower overall than the 500 ms body timeout, but never silent that long.
  for (int i = 0; i < 10; ++i) {
    send_all(fd, "a");
    std::this_thread::sleep_for(150ms);
  }
  const std::string answer = read_response(fd);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 201")) << answer;
  ::close(fd);

  // Silent for longer than the timeout: the consumer is told, with the bytes so far.
  observed_.finishes = 0;
  {
    std::lock_guard lock(observed_.mutex);
    observed_.bytes.clear();
  }
  const int slow = connect_socket();
  send_all(slow, "PUT /upload/a HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
  ASSERT_TRUE(wait_for_finish());
  std::lock_guard lock(observed_.mutex);
  EXPECT_EQ(observed_.finished_complete, 0);
  EXPECT_EQ(observed_.bytes, "abc");
  ::close(slow);
}

}  // namespace
}  // namespace iv::web
