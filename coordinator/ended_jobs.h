// Forgetting ended jobs: the last `keep` jobs that ended are kept for
// result/failures/retry (like Slurm's MaxJobCount/MinJobAge); when one more
// ends, the one that ended longest ago is to be forgotten.  A retried job
// is running again and leaves the list.
//
// Not thread-safe: the owner (the Scheduler) serializes calls.
#ifndef GRIDLESS_COORDINATOR_ENDED_JOBS_H_
#define GRIDLESS_COORDINATOR_ENDED_JOBS_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "coordinator/task_key.h"

namespace gridless {

class EndedJobs {
 public:
  // Keeps at least 1.
  explicit EndedJobs(uint64_t keep) : keep_(std::max<uint64_t>(1, keep)) {}

  uint64_t keep() const { return keep_; }
  // `job` ended (now, or before a restart): it is the newest ended job.
  // Returns the jobs to forget now, oldest first (never `job`).
  std::vector<JobHandle> Note(JobHandle job);
  // `job` runs again (Retry): not among the ended jobs.
  void Reopen(JobHandle job);

 private:
  const uint64_t keep_;
  // End sequence -> job, and job -> its end sequence.
  absl::btree_map<uint64_t, JobHandle> order_;
  absl::flat_hash_map<JobHandle, uint64_t> sequence_;
  uint64_t next_ = 0;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_ENDED_JOBS_H_
