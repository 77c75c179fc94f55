// Tests of the HTTP request parsing and response formatting, and one real
// request to an HttpServer on loopback.
#include "coordinator/http_server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/numbers.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

TEST(HttpParseTest, RequestLineAndQueryString) {
  ASSERT_TRUE(HttpHeadComplete("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(HttpHeadComplete("GET / HTTP/1.0\n\n"));
  EXPECT_FALSE(HttpHeadComplete("GET / HTTP/1.1\r\nHost: x\r\n"));
  auto req = ParseHttpRequest("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(req.ok()) << req.status();
  EXPECT_EQ(req->method, "GET");
  EXPECT_EQ(req->path, "/metrics");
  req = ParseHttpRequest("HEAD /healthz HTTP/1.0\n\n");
  ASSERT_TRUE(req.ok());
  EXPECT_EQ(req->method, "HEAD");
  EXPECT_EQ(req->path, "/healthz");
}

TEST(HttpParseTest, MalformedRequestsSayWhatIsWrong) {
  auto req = ParseHttpRequest("GET\r\n\r\n");
  ASSERT_FALSE(req.ok());
  EXPECT_NE(req.status().message().find("malformed request line"),
            std::string::npos);
  req = ParseHttpRequest("GET /x SPDY/3\r\n\r\n");
  ASSERT_FALSE(req.ok());
  EXPECT_NE(req.status().message().find("SPDY/3"), std::string::npos);
  req = ParseHttpRequest("GET x HTTP/1.1\r\n\r\n");
  ASSERT_FALSE(req.ok());
  EXPECT_NE(req.status().message().find("must start with /"),
            std::string::npos);
  EXPECT_FALSE(ParseHttpRequest("").ok());
}

TEST(HttpParseTest, ResponseHasLengthAndCloses) {
  HttpResponse r;
  r.body = "ok";
  EXPECT_EQ(FormatHttpResponse(r),
            "HTTP/1.0 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 2\r\nConnection: close\r\n\r\nok");
  r.status = 404;
  EXPECT_EQ(FormatHttpResponse(r, /*head_only=*/true)
                .rfind("HTTP/1.0 404 Not Found\r\n", 0),
            0u);
  EXPECT_EQ(FormatHttpResponse(r, true).find("\r\n\r\nok"), std::string::npos);
}

std::string Fetch(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(send(fd, request.data(), request.size(), 0),
            static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[1024];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, n);
  close(fd);
  return out;
}

TEST(HttpServerTest, ServesTheHandlerOnLoopback) {
  auto server = HttpServer::Start({"127.0.0.1", 0}, [](const HttpRequest& r) {
    HttpResponse resp;
    resp.body = "path=" + r.path;
    return resp;
  });
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string& address = (*server)->address();
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port));
  ASSERT_GT(port, 0);
  std::string reply = Fetch(port, "GET /abc?q HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\n\r\npath=/abc"), std::string::npos) << reply;
  reply = Fetch(port, "POST /abc HTTP/1.1\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.0 405", 0), 0u) << reply;
  reply = Fetch(port, "garbage\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.0 400", 0), 0u) << reply;
  (*server)->Stop();
  (*server)->Stop();  // idempotent
}

TEST(HttpServerTest, PortInUseIsUnavailableNamingTheAddress) {
  auto first = HttpServer::Start({"127.0.0.1", 0}, nullptr);
  ASSERT_TRUE(first.ok());
  const std::string& address = (*first)->address();
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port));
  auto second = HttpServer::Start({"127.0.0.1", port}, nullptr);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(address), std::string::npos)
      << second.status();
}

}  // namespace
}  // namespace gridless
