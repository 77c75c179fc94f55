// The one place that names a job's state in text: the CLI's output and
// `--json`, the coordinator's logs, and (next) the dashboard and metrics all
// say the same word for the same state.
//
// Pure functions; thread-safe.
#ifndef GRIDLESS_COMMON_JOB_STATE_H_
#define GRIDLESS_COMMON_JOB_STATE_H_

#include "absl/strings/string_view.h"
#include "gridless/v1/job.pb.h"

namespace gridless {

// "succeeded", "failed", "cancelled", "partial", "running" ("unknown"
// otherwise).
absl::string_view StateName(v1::JobState state);
// SUCCEEDED, FAILED, CANCELLED and PARTIAL (which `gridless retry` can still
// turn back into RUNNING).
bool IsFinal(v1::JobState state);

}  // namespace gridless

#endif  // GRIDLESS_COMMON_JOB_STATE_H_
