// Tests of HttpServer on loopback: routing to the handler, HEAD, POST body
// limits, query strings, concurrency, Stop with clients attached, and slow
// clients that must not starve /healthz.
#include "coordinator/http_server.h"

#include <civetweb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::StartsWith;

int PortOf(const HttpServer& server) {
  const std::string& address = server.address();
  int port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port))
      << address;
  return port;
}

// A connected loopback socket with a 30 s receive timeout (a hang guard, not
// a measurement), or -1.
int ConnectTo(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string ReadToEnd(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, n);
  return out;
}

std::string Fetch(int port, std::string_view request) {
  int fd = ConnectTo(port);
  if (fd < 0) return "connect failed";
  std::string out = SendAll(fd, request) ? ReadToEnd(fd) : "send failed";
  close(fd);
  return out;
}

int StatusOf(const std::string& reply) {
  int status = 0;
  if (reply.size() < 12 || !absl::SimpleAtoi(reply.substr(9, 3), &status)) {
    return -1;
  }
  return status;
}

std::string BodyOf(const std::string& reply) {
  const size_t end = reply.find("\r\n\r\n");
  return end == std::string::npos ? "" : reply.substr(end + 4);
}

HttpResponse Ok(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

TEST(HttpQueryTest, SplitsAndDecodes) {
  EXPECT_THAT(ParseQueryString("a=1&b=x+y&c&&d=%41%2F%3d&=e&f=g=h"),
              ::testing::ElementsAre(Pair("a", "1"), Pair("b", "x y"),
                                     Pair("c", ""), Pair("d", "A/="),
                                     Pair("", "e"), Pair("f", "g=h")));
  EXPECT_TRUE(ParseQueryString("").empty());
}

TEST(HttpServerTest, ServesTheHandlerWithPathQueryAndHeaders) {
  auto server = HttpServer::Start({"127.0.0.1", 0}, [](const HttpRequest& r) {
    HttpResponse resp =
        Ok(absl::StrCat(r.method, " path=", r.path, " query=", r.query,
                        " state=", r.Param("state").value_or("-"),
                        " missing=", r.Param("missing").value_or("-"),
                        " auth=", r.Header("authorization").value_or("-"),
                        " from=", r.remote_address));
    resp.headers.emplace_back("X-Gridless", "yes");
    resp.headers.emplace_back("X-Evil", "a\r\nSet-Cookie: x=1");
    return resp;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = PortOf(**server);
  ASSERT_GT(port, 0);
  std::string reply =
      Fetch(port,
            "GET /api/jobs%2Fx?state=RUNNING+NOW&state=FAILED HTTP/1.1\r\n"
            "Host: x\r\nAuthorization: Bearer t0k\r\n\r\n");
  EXPECT_EQ(StatusOf(reply), 200) << reply;
  EXPECT_EQ(BodyOf(reply),
            "GET path=/api/jobs/x query=state=RUNNING+NOW&state=FAILED "
            "state=RUNNING NOW missing=- auth=Bearer t0k from=127.0.0.1");
  EXPECT_THAT(reply, HasSubstr("X-Gridless: yes\r\n"));
  EXPECT_THAT(reply, ::testing::Not(HasSubstr("Set-Cookie")));
  EXPECT_THAT(reply, HasSubstr("Content-Type: text/plain; charset=utf-8\r\n"));
}

TEST(HttpServerTest, NotFoundFromTheHandlerAndWithoutOne) {
  auto server = HttpServer::Start({"127.0.0.1", 0}, [](const HttpRequest& r) {
    HttpResponse resp = Ok("no such page: " + r.path);
    resp.status = 404;
    return resp;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  std::string reply = Fetch(PortOf(**server), "GET /nope HTTP/1.0\r\n\r\n");
  EXPECT_EQ(StatusOf(reply), 404) << reply;
  EXPECT_EQ(BodyOf(reply), "no such page: /nope");

  auto bare = HttpServer::Start({"127.0.0.1", 0}, nullptr);
  ASSERT_TRUE(bare.ok()) << bare.status();
  reply = Fetch(PortOf(**bare), "GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(StatusOf(reply), 404) << reply;
}

TEST(HttpServerTest, HeadSendsTheHeadersWithoutTheBody) {
  auto server = HttpServer::Start(
      {"127.0.0.1", 0}, [](const HttpRequest&) { return Ok("twelve bytes"); });
  ASSERT_TRUE(server.ok()) << server.status();
  std::string reply =
      Fetch(PortOf(**server), "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(reply), 200) << reply;
  EXPECT_THAT(reply, HasSubstr("Content-Length: 12\r\n"));
  EXPECT_EQ(BodyOf(reply), "");
}

TEST(HttpServerTest, OtherMethodsAre405WithoutCallingTheHandler) {
  std::atomic<int> calls = 0;
  auto server = HttpServer::Start({"127.0.0.1", 0}, [&](const HttpRequest&) {
    ++calls;
    return Ok("");
  });
  ASSERT_TRUE(server.ok()) << server.status();
  for (const char* method : {"PUT", "DELETE", "OPTIONS", "PATCH"}) {
    std::string reply =
        Fetch(PortOf(**server), absl::StrCat(method,
                                             " /x HTTP/1.1\r\nHost: x\r\n"
                                             "Content-Length: 0\r\n\r\n"));
    EXPECT_EQ(StatusOf(reply), 405) << method << ": " << reply;
  }
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(StatusOf(Fetch(PortOf(**server), "garbage\r\n\r\n")), 400);
}

TEST(HttpServerTest, AHeadOver16KiBIsRefused) {
  std::atomic<int> calls = 0;
  auto server = HttpServer::Start({"127.0.0.1", 0}, [&](const HttpRequest&) {
    ++calls;
    return Ok("ok");
  });
  ASSERT_TRUE(server.ok()) << server.status();
  std::string reply = Fetch(PortOf(**server),
                            absl::StrCat("GET /healthz HTTP/1.1\r\nX-Big: ",
                                         std::string(20000, 'b'), "\r\n\r\n"));
  EXPECT_THAT(StatusOf(reply), ::testing::AnyOf(-1, 400, 413, 431)) << reply;
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpServerTest, PostBodyIsReadUpToTheCap) {
  HttpServerOptions options;
  options.max_body_bytes = 1000;
  std::atomic<int> calls = 0;
  auto server = HttpServer::Start(
      {"127.0.0.1", 0},
      [&](const HttpRequest& r) {
        ++calls;
        return Ok(absl::StrCat(r.method, " ", r.body.size(), " ",
                               r.body.substr(0, 5)));
      },
      options);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = PortOf(**server);
  const std::string exact(1000, 'x');
  std::string reply =
      Fetch(port, absl::StrCat("POST /api/retry HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: 1000\r\n\r\n",
                               exact));
  EXPECT_EQ(StatusOf(reply), 200) << reply;
  EXPECT_EQ(BodyOf(reply), "POST 1000 xxxxx");
  EXPECT_EQ(calls.load(), 1);

  // Over the cap by Content-Length: refused before the body is sent.
  reply = Fetch(port,
                "POST /api/retry HTTP/1.1\r\nHost: x\r\n"
                "Content-Length: 1001\r\n\r\n");
  EXPECT_EQ(StatusOf(reply), 413) << reply;
  EXPECT_THAT(BodyOf(reply), HasSubstr("limit of 1000 bytes"));
  // Over the cap in chunks, with no Content-Length.
  reply = Fetch(port, absl::StrCat("POST /api/retry HTTP/1.1\r\nHost: x\r\n"
                                   "Transfer-Encoding: chunked\r\n\r\n"
                                   "3e8\r\n",
                                   exact, "\r\n1\r\ny\r\n0\r\n\r\n"));
  EXPECT_EQ(StatusOf(reply), 413) << reply;
  EXPECT_EQ(calls.load(), 1);
}

TEST(HttpServerTest, ServesRequestsConcurrently) {
  // Each handler waits until all kClients are inside it at once: a server
  // that serves one request at a time would answer "alone" (after the
  // 30 s guard) instead.
  constexpr int kClients = 8;
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0;
  auto server = HttpServer::Start({"127.0.0.1", 0}, [&](const HttpRequest&) {
    std::unique_lock<std::mutex> lock(mu);
    ++inside;
    cv.notify_all();
    bool together = cv.wait_for(lock, std::chrono::seconds(30),
                                [&] { return inside >= kClients; });
    return Ok(together ? "together" : "alone");
  });
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = PortOf(**server);
  std::vector<std::future<std::string>> replies;
  for (int i = 0; i < kClients; ++i) {
    replies.push_back(std::async(std::launch::async, [port] {
      return Fetch(port, "GET /api/jobs HTTP/1.1\r\nHost: x\r\n\r\n");
    }));
  }
  for (auto& f : replies) EXPECT_EQ(BodyOf(f.get()), "together");
}

// A thread that sends one more header byte to each socket every `period`
// until Stop (the socket stays open until the test closes it).
class Dribbler {
 public:
  Dribbler(std::vector<int> fds, std::chrono::milliseconds period,
           std::string head = "GET /healthz HTTP/1.1\r\nX-Slow: ")
      : fds_(std::move(fds)),
        head_(std::move(head)),
        thread_([this, period] { Run(period); }) {}
  ~Dribbler() { Stop(); }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run(std::chrono::milliseconds period) {
    std::unique_lock<std::mutex> lock(mu_);
    for (bool first = true; !done_; first = false) {
      for (int fd : fds_) {
        SendAll(fd, first && !head_.empty() ? head_ : "a");
      }
      cv_.wait_for(lock, period, [this] { return done_; });
    }
  }

  const std::vector<int> fds_;
  const std::string head_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

TEST(HttpServerTest, FiftySlowClientsDoNotStarveHealthz) {
  auto server = HttpServer::Start({"127.0.0.1", 0},
                                  [](const HttpRequest&) { return Ok("ok"); });
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = PortOf(**server);
  // 50 connections: a third send a byte every 1.9 s, a third half a request
  // head then nothing, a third nothing at all.  All stay open until after
  // the check.
  std::vector<int> slow, dribbling;
  for (int i = 0; i < 50; ++i) {
    int fd = ConnectTo(port);
    ASSERT_GE(fd, 0);
    slow.push_back(fd);
    if (i % 3 == 0) dribbling.push_back(fd);
    if (i % 3 == 1) {
      ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.1\r\nHo"));
    }
  }
  Dribbler dribbler(dribbling, std::chrono::milliseconds(1900));
  int fd = ConnectTo(port);
  ASSERT_GE(fd, 0);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string reply = ReadToEnd(fd);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  close(fd);
  EXPECT_EQ(StatusOf(reply), 200) << reply;
  EXPECT_EQ(BodyOf(reply), "ok");
  // Generous on purpose: the Kubernetes probe's default timeout.
  EXPECT_LT(elapsed, std::chrono::seconds(1))
      << std::chrono::duration<double>(elapsed).count() << " s";
  dribbler.Stop();
  for (int s : slow) close(s);
}

// Waits (up to a 60 s guard) until the server closes `fd`, sending `trickle`
// every 50 ms meanwhile; returns what the server sent and whether it closed.
std::pair<std::string, bool> TrickleUntilClosed(int fd,
                                                std::string_view trickle) {
  std::string got;
  const auto guard =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < guard) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      char buf[512];
      ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) return {got, true};
      got.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (!SendAll(fd, trickle)) return {got, true};
  }
  return {got, false};
}

TEST(HttpServerTest, ADribblingClientIsCutOffAtTheRequestTimeout) {
  // A byte every 50 ms never lets a per-read timeout of 300 ms expire; the
  // whole head must still arrive within it, so the server hangs up.
  HttpServerOptions options;
  options.request_timeout = absl::Milliseconds(300);
  auto server = HttpServer::Start(
      {"127.0.0.1", 0}, [](const HttpRequest&) { return Ok("ok"); }, options);
  ASSERT_TRUE(server.ok()) << server.status();
  int fd = ConnectTo(PortOf(**server));
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.1\r\nX-Slow: "));
  const bool closed = TrickleUntilClosed(fd, "a").second;
  close(fd);
  EXPECT_TRUE(closed) << "still connected after 60 s of dribbling";
}

TEST(HttpServerTest, AnUnreadBodyIsNotDrainedByteByByte) {
  // civetweb drains a body the handler did not read before it closes; a
  // trickled body would hold the thread for as long as the client likes.
  HttpServerOptions options;
  options.request_timeout = absl::Milliseconds(300);
  auto server = HttpServer::Start(
      {"127.0.0.1", 0}, [](const HttpRequest&) { return Ok("ok"); }, options);
  ASSERT_TRUE(server.ok()) << server.status();
  for (const char* head :
       {"GET /healthz HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n0123",
        "POST /x HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n0123"}) {
    int fd = ConnectTo(PortOf(**server));
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, head));
    auto [reply, closed] = TrickleUntilClosed(fd, "a");
    close(fd);
    EXPECT_TRUE(closed) << std::string(head).substr(0, 4)
                        << ": still connected after 60 s";
    EXPECT_EQ(StatusOf(reply), absl::StartsWith(head, "GET") ? 200 : 413)
        << reply;
  }
}

TEST(HttpServerTest, TrickledBodiesCannotTakeEveryThread) {
  // 4 threads: one may read a body; the other five trickling POSTs are
  // refused at once and /healthz still has threads.
  HttpServerOptions options;
  options.num_threads = 4;
  auto server = HttpServer::Start(
      {"127.0.0.1", 0}, [](const HttpRequest&) { return Ok("ok"); }, options);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = PortOf(**server);
  std::vector<int> posts;
  for (int i = 0; i < 6; ++i) {
    int fd = ConnectTo(port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd,
                        "POST /api/retry HTTP/1.1\r\nContent-Length: 1000\r\n"
                        "\r\n0123"));
    posts.push_back(fd);
  }
  Dribbler dribbler(posts, std::chrono::milliseconds(100), /*head=*/"");
  // The five refusals come at once; the reader's socket stays silent.
  int refused = 0;
  std::vector<bool> answered(posts.size(), false);
  const auto guard =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (refused < 5 && std::chrono::steady_clock::now() < guard) {
    std::vector<pollfd> p;
    for (int fd : posts) p.push_back({fd, POLLIN, 0});
    if (poll(p.data(), p.size(), 1000) <= 0) continue;
    for (size_t i = 0; i < p.size(); ++i) {
      if (answered[i] || p[i].revents == 0) continue;
      answered[i] = true;
      char buf[512];
      ssize_t n = recv(posts[i], buf, sizeof buf, 0);
      if (n > 0 && StatusOf(std::string(buf, n)) == 503) ++refused;
    }
  }
  EXPECT_EQ(refused, 5);
  const auto start = std::chrono::steady_clock::now();
  const std::string reply = Fetch(port, "GET /healthz HTTP/1.0\r\n\r\n");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(BodyOf(reply), "ok") << reply;
  EXPECT_LT(elapsed, std::chrono::seconds(1));
  dribbler.Stop();
  for (int fd : posts) close(fd);
}

TEST(HttpServerTest, StopWhileClientsAreConnected) {
  auto server = HttpServer::Start({"127.0.0.1", 0},
                                  [](const HttpRequest&) { return Ok("ok"); });
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = PortOf(**server);
  std::vector<int> fds;
  for (int i = 0; i < 10; ++i) {
    int fd = ConnectTo(port);
    ASSERT_GE(fd, 0);
    if (i % 2 == 0) {
      ASSERT_TRUE(SendAll(fd, "GET /healthz HTTP/1.1\r\n"));
    }
    fds.push_back(fd);
  }
  EXPECT_EQ(BodyOf(Fetch(port, "GET / HTTP/1.0\r\n\r\n")), "ok");
  auto stopped = std::async(std::launch::async, [&] { (*server)->Stop(); });
  ASSERT_EQ(stopped.wait_for(std::chrono::seconds(60)),
            std::future_status::ready)
      << "Stop did not return with clients connected";
  (*server)->Stop();  // idempotent
  EXPECT_EQ(ConnectTo(port), -1) << "still listening after Stop";
  for (int fd : fds) {
    // The server side is closed: EOF (or a reset), never a hang.
    char c;
    EXPECT_LE(recv(fd, &c, 1, 0), 0);
    close(fd);
  }
}

TEST(HttpServerTest, PortInUseIsUnavailableNamingTheAddress) {
  auto first = HttpServer::Start({"127.0.0.1", 0}, nullptr);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string& address = (*first)->address();
  auto second = HttpServer::Start({"127.0.0.1", PortOf(**first)}, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr(address));
  EXPECT_THAT(second.status().message(), HasSubstr("--http"));
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
}

TEST(HttpServerTest, BadHostAndOptionsAreInvalidArgument) {
  auto s = HttpServer::Start({"no-such-host.invalid", 0}, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("no-such-host.invalid"));
  HttpServerOptions options;
  options.num_threads = 0;
  s = HttpServer::Start({"127.0.0.1", 0}, nullptr, options);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("num_threads"));
}

TEST(HttpServerTest, IPv6IsServedOrRefusedClearly) {
  auto s = HttpServer::Start({"::1", 0}, nullptr);
  if (mg_check_feature(8) == 0) {  // Debian 12's civetweb: no IPv6
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.status().message(), HasSubstr("[::1]:0"));
    EXPECT_THAT(s.status().message(), HasSubstr("no IPv6 support"));
  } else {
    ASSERT_TRUE(s.ok()) << s.status();
    EXPECT_THAT((*s)->address(), StartsWith("[::1]:"));
  }
}

TEST(HttpServerTest, LocalhostResolves) {
  auto s = HttpServer::Start({"localhost", 0}, nullptr);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT((*s)->address(), StartsWith("localhost:"));
  EXPECT_GT(PortOf(**s), 0);
}

}  // namespace
}  // namespace gridless
