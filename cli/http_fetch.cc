// HttpGet (see http_fetch.h).
#include "cli/http_fetch.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/address.h"

namespace gridless {
namespace {

int MillisLeft(absl::Time deadline) {
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  return ms < 0 ? 0 : static_cast<int>(std::min<int64_t>(ms, 1 << 30));
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

absl::StatusOr<HttpFetchResult> HttpGet(const std::string& address,
                                        const std::string& path,
                                        absl::Duration timeout,
                                        size_t max_bytes) {
  absl::string_view target = address;
  absl::ConsumePrefix(&target, "http://");
  absl::ConsumeSuffix(&target, "/");
  if (absl::StartsWith(address, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", address,
                     "\": https is not supported; the coordinator's --http "
                     "endpoint speaks plain HTTP"));
  }
  auto hp = ParseHostPort(target, "--http");
  if (!hp.ok()) return hp.status();
  const absl::Time deadline = absl::Now() + timeout;
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string port = absl::StrCat(hp->port);
  if (int rc = getaddrinfo(hp->host.c_str(), port.c_str(), &hints, &res);
      rc != 0 || res == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot resolve \"", hp->host, "\": ", gai_strerror(rc)));
  }
  Fd sock;
  sock.fd =
      socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int rc = sock.fd < 0 ? -1 : connect(sock.fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (sock.fd < 0) return absl::UnavailableError(std::strerror(errno));
  const std::string where = FormatHostPort(hp->host, hp->port);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{sock.fd, POLLOUT, 0};
    if (poll(&p, 1, MillisLeft(deadline)) != 1) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", where, ": timed out"));
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    rc = err == 0 ? 0 : -1;
    errno = err;
  }
  if (rc != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to ", where, ": ", std::strerror(errno)));
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: ", where,
                   "\r\nConnection: close\r\n\r\n");
  size_t sent = 0;
  while (sent < request.size()) {
    pollfd p{sock.fd, POLLOUT, 0};
    if (poll(&p, 1, MillisLeft(deadline)) != 1) {
      return absl::UnavailableError(absl::StrCat(where, ": timed out"));
    }
    const ssize_t n = send(sock.fd, request.data() + sent,
                           request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return absl::UnavailableError(
          absl::StrCat(where, ": ", std::strerror(errno)));
    }
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string answer;
  char buf[65536];
  for (;;) {
    pollfd p{sock.fd, POLLIN, 0};
    if (poll(&p, 1, MillisLeft(deadline)) != 1) {
      return absl::UnavailableError(
          absl::StrCat(where, ": the answer did not arrive in time"));
    }
    const ssize_t n = recv(sock.fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return absl::UnavailableError(
          absl::StrCat(where, ": ", std::strerror(errno)));
    }
    if (answer.size() + static_cast<size_t>(n) > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat(where, ": the answer is over ", max_bytes, " bytes"));
    }
    answer.append(buf, static_cast<size_t>(n));
  }
  const size_t head_end = answer.find("\r\n\r\n");
  HttpFetchResult out;
  absl::string_view status_line = absl::string_view(answer).substr(
      0, std::min(answer.find("\r\n"), head_end));
  // "HTTP/1.x NNN reason"
  if (head_end == std::string::npos ||
      !absl::StartsWith(status_line, "HTTP/") || status_line.size() < 12 ||
      !absl::SimpleAtoi(status_line.substr(9, 3), &out.status)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": not an HTTP answer"));
  }
  out.body = answer.substr(head_end + 4);
  return out;
}

}  // namespace gridless
