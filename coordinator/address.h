// HOST:PORT addresses given on the command line: parsing, formatting, and a
// bind check that turns "cannot listen there" into one clear error before a
// server library gets to log its own.
//
// Accepted: "127.0.0.1:7070", "localhost:0", "0.0.0.0:80", "[::1]:7070".
// Port 0 means "pick a free port".
//
// Thread-safe (pure functions; CheckBindable opens and closes a socket).
#ifndef GRIDLESS_COORDINATOR_ADDRESS_H_
#define GRIDLESS_COORDINATOR_ADDRESS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gridless {

struct HostPort {
  std::string host;  // without brackets
  int port = 0;
};

// INVALID_ARGUMENT naming `what` (e.g. "--listen"), the text and what was
// expected.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view text,
                                       absl::string_view what);

// "host:port", with brackets around an IPv6 host.
std::string FormatHostPort(absl::string_view host, int port);

// Opens a TCP socket listening on `address` (SO_REUSEADDR, not
// SO_REUSEPORT, so that a port in use is refused).  Returns the descriptor,
// and the bound port in *bound_port.  INVALID_ARGUMENT when the host does not
// resolve, UNAVAILABLE naming the address and the system's reason when it
// cannot be bound.
absl::StatusOr<int> ListenTcp(const HostPort& address, absl::string_view what,
                              int* bound_port);

// ListenTcp, then close: whether a server could listen on `address` now.
absl::Status CheckBindable(const HostPort& address, absl::string_view what);

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_ADDRESS_H_
