// A minimal HTTP/1.0 GET for the CLI (`gridless report`): one request to a
// coordinator's --http endpoint on a trusted network, no TLS, no redirects.
//
// Thread-safe (no shared state).
#ifndef GRIDLESS_CLI_HTTP_FETCH_H_
#define GRIDLESS_CLI_HTTP_FETCH_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace gridless {

struct HttpFetchResult {
  int status = 0;
  std::string body;
};

// GETs `path` from `address` ("HOST:PORT", or "http://HOST:PORT[/]").
// UNAVAILABLE when it cannot connect or the answer does not arrive within
// `timeout`; RESOURCE_EXHAUSTED when the answer is over `max_bytes`;
// INVALID_ARGUMENT for a malformed address or answer.  Any HTTP status is
// returned as is.
absl::StatusOr<HttpFetchResult> HttpGet(const std::string& address,
                                        const std::string& path,
                                        absl::Duration timeout,
                                        size_t max_bytes = size_t{256} << 20);

}  // namespace gridless

#endif  // GRIDLESS_CLI_HTTP_FETCH_H_
