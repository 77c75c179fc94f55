// Listening on a HOST:PORT given on the command line (parsed with
// ParseHostPort, common/address.h): a bind check that turns "cannot listen
// there" into one clear error before a server library gets to log its own.
// Port 0 means "pick a free port".
//
// Thread-safe (no shared state; each call opens its own socket).
#ifndef GRIDLESS_COORDINATOR_ADDRESS_H_
#define GRIDLESS_COORDINATOR_ADDRESS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/address.h"

namespace gridless {

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
