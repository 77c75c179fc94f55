// Mapping between absl::Status (used everywhere below main) and grpc::Status
// (used only at the RPC edge).  The codes have the same numeric values.
#ifndef GRIDLESS_COMMON_GRPC_STATUS_H_
#define GRIDLESS_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace gridless {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// True when trying the same work again may succeed (Abseil's guidance:
// UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL,
// UNKNOWN).  Permanent otherwise.
bool IsRetryable(absl::StatusCode code);

}  // namespace gridless

#endif  // GRIDLESS_COMMON_GRPC_STATUS_H_
