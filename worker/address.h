// Checks a gRPC target given on the command line before any connection is
// tried, so that a typo gets one clear line instead of a timeout.
//
// Accepted: HOST:PORT (a name or an IPv4 address), [IPV6]:PORT, with PORT in
// 1..65535, and gRPC's own "unix:PATH" targets.  Thread-safe (pure function).
#ifndef GRIDLESS_WORKER_ADDRESS_H_
#define GRIDLESS_WORKER_ADDRESS_H_

#include <string_view>

#include "absl/status/status.h"

namespace gridless {

// INVALID_ARGUMENT naming `what` (e.g. "--coordinator"), the address and the
// expected form.
absl::Status ValidateAddress(std::string_view address, std::string_view what);

}  // namespace gridless

#endif  // GRIDLESS_WORKER_ADDRESS_H_
