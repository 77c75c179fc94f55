// Runs a whole job in the calling process, following exactly the contract the
// cluster follows (plan each stage, run every task, merge in the fixed tree,
// plan the next stage from the previous accumulator, finalize).  The result
// is bit-identical to a cluster run of the same spec.
//
// For tests of job kinds and for `gridless run --workers 0`.  Tasks run one
// after another on the calling thread.
#ifndef GRIDLESS_JOBS_LOCAL_RUN_H_
#define GRIDLESS_JOBS_LOCAL_RUN_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "jobs/job.h"

namespace gridless {

struct LocalRunOptions {
  // Permutes the order in which tasks run (and their partials arrive), to
  // show that the result does not depend on it.  0 = in index order.
  uint64_t shuffle_seed = 0;
};

absl::StatusOr<google::protobuf::Struct> RunJobLocally(
    const JobKind& kind, const v1::JobSpec& spec,
    const LocalRunOptions& options = {});

}  // namespace gridless

#endif  // GRIDLESS_JOBS_LOCAL_RUN_H_
