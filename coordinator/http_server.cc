// A one-thread HTTP/1.0 responder (see http_server.h).
#include "coordinator/http_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace gridless {
namespace {

constexpr size_t kMaxHead = 8192;
constexpr int kReadTimeoutMs = 2000;

absl::string_view Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 500:
      return "Internal Server Error";
    default:
      return "Unknown";
  }
}

void WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace

bool HttpHeadComplete(absl::string_view data) {
  return data.find("\r\n\r\n") != absl::string_view::npos ||
         data.find("\n\n") != absl::string_view::npos;
}

absl::StatusOr<HttpRequest> ParseHttpRequest(absl::string_view head) {
  const size_t eol = head.find('\n');
  absl::string_view line = head.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<absl::string_view> parts =
      absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed request line \"", line.substr(0, 100),
                     "\"; expected METHOD PATH HTTP/VERSION"));
  }
  if (!absl::StartsWith(parts[2], "HTTP/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported protocol \"", parts[2].substr(0, 20), "\""));
  }
  if (parts[1].empty() || parts[1][0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(
        "request target \"", parts[1].substr(0, 100), "\" must start with /"));
  }
  HttpRequest req;
  req.method = std::string(parts[0]);
  absl::string_view path = parts[1];
  if (size_t q = path.find('?'); q != absl::string_view::npos) {
    path = path.substr(0, q);
  }
  req.path = std::string(path);
  return req;
}

std::string FormatHttpResponse(const HttpResponse& response, bool head_only) {
  return absl::StrCat(
      "HTTP/1.0 ", response.status, " ", Reason(response.status),
      "\r\nContent-Type: ", response.content_type,
      "\r\nContent-Length: ", response.body.size(),
      "\r\nConnection: close\r\n\r\n", head_only ? "" : response.body);
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const HostPort& address, Handler handler) {
  int port = 0;
  auto fd = ListenTcp(address, "--http", &port);
  if (!fd.ok()) return fd.status();
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    close(*fd);
    return absl::InternalError("--http: cannot create a pipe");
  }
  return std::unique_ptr<HttpServer>(
      new HttpServer(*fd, pipe_fds[0], pipe_fds[1],
                     FormatHostPort(address.host, port), std::move(handler)));
}

HttpServer::HttpServer(int listen_fd, int wake_read, int wake_write,
                       std::string address, Handler handler)
    : listen_fd_(listen_fd),
      wake_read_(wake_read),
      wake_write_(wake_write),
      address_(std::move(address)),
      handler_(std::move(handler)) {
  thread_ = std::thread([this] { Loop(); });
}

HttpServer::~HttpServer() {
  Stop();
  close(listen_fd_);
  close(wake_read_);
  close(wake_write_);
}

void HttpServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  char c = 1;
  while (write(wake_write_, &c, 1) < 0 && errno == EINTR) {
  }
  if (thread_.joinable()) thread_.join();
}

void HttpServer::Loop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    int n = poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents & POLLIN) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        Serve(fd);
        close(fd);
      }
    }
  }
}

void HttpServer::Serve(int fd) {
  std::string head;
  char buf[2048];
  while (!HttpHeadComplete(head) && head.size() < kMaxHead) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, kReadTimeoutMs) <= 0) return;  // slow or silent client
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    head.append(buf, static_cast<size_t>(n));
  }
  HttpResponse response;
  bool head_only = false;
  auto req = ParseHttpRequest(head);
  if (!req.ok()) {
    response.status = 400;
    response.body = absl::StrCat(req.status().message(), "\n");
  } else if (req->method != "GET" && req->method != "HEAD") {
    response.status = 405;
    response.body = absl::StrCat("method ", req->method.substr(0, 20),
                                 " not allowed; use GET\n");
  } else {
    head_only = req->method == "HEAD";
    response = handler_(*req);
  }
  WriteAll(fd, FormatHttpResponse(response, head_only));
}

}  // namespace gridless
