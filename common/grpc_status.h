// Mapping between absl::Status (used everywhere below main) and grpc::Status
// (used only at the RPC edge).  The codes have the same numeric values.
#ifndef GRIDLESS_COMMON_GRPC_STATUS_H_
#define GRIDLESS_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace gridless {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// Which codes are retryable: IsRetryable in coordinator/retry_policy.h.

}  // namespace gridless

#endif  // GRIDLESS_COMMON_GRPC_STATUS_H_
