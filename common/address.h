// HOST:PORT addresses given on the command line, parsed in one place for the
// coordinator (--listen, --http: ParseHostPort) and the worker
// (--coordinator: ValidateAddress), so that a typo gets one clear line before
// any server or channel is built.
//
// Both read HOST:PORT with HOST a name or an IPv4 address, or [IPV6]:PORT
// (brackets required around an IPv6 host).  They differ in what else they
// accept and in the words of their errors (callers and tests rely on both):
//   - ParseHostPort: PORT in [0, 65535] (0: "pick a free port"); any
//     non-empty HOST, which the resolver judges later.
//   - ValidateAddress: PORT in [1, 65535]; HOST of letters, digits, '.', '-'
//     and '_' (or hex digits, ':', '.' and '%' inside brackets); and gRPC's
//     own "unix:PATH" targets.
//
// Thread-safe (pure functions).
#ifndef GRIDLESS_COMMON_ADDRESS_H_
#define GRIDLESS_COMMON_ADDRESS_H_

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

// Accepted: "127.0.0.1:7070", "localhost:0", "0.0.0.0:80", "[::1]:7070".
// INVALID_ARGUMENT naming `what` (e.g. "--listen"), the text and what was
// expected.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view text,
                                       absl::string_view what);

// "host:port", with brackets around an IPv6 host.
std::string FormatHostPort(absl::string_view host, int port);

// Checks a gRPC target such as "127.0.0.1:7070", "[::1]:7070" or
// "unix:/tmp/gridless.sock".  INVALID_ARGUMENT naming `what` (e.g.
// "--coordinator"), the address and the expected form.
absl::Status ValidateAddress(std::string_view address, std::string_view what);

}  // namespace gridless

#endif  // GRIDLESS_COMMON_ADDRESS_H_
