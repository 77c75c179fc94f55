// Listening sockets on a HOST:PORT (see address.h).
#include "coordinator/address.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"

namespace gridless {

absl::StatusOr<int> ListenTcp(const HostPort& address, absl::string_view what,
                              int* bound_port) {
  const std::string text = FormatHostPort(address.host, address.port);
  addrinfo hints;
  std::memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port = absl::StrCat(address.port);
  if (int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &res);
      rc != 0 || res == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", text, "\": cannot resolve host \"",
                     address.host, "\": ", gai_strerror(rc)));
  }
  int fd = -1;
  int err = 0;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 64) == 0) {
      break;
    }
    err = errno;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(res);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(
        what, " \"", text, "\": cannot listen there: ", std::strerror(err)));
  }
  sockaddr_storage bound;
  socklen_t len = sizeof bound;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len) == 0) {
    if (bound.ss_family == AF_INET) {
      *bound_port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    } else if (bound.ss_family == AF_INET6) {
      *bound_port = ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    }
  }
  return fd;
}

absl::Status CheckBindable(const HostPort& address, absl::string_view what) {
  int port = 0;
  auto fd = ListenTcp(address, what, &port);
  if (!fd.ok()) return fd.status();
  close(*fd);
  return absl::OkStatus();
}

}  // namespace gridless
