// The speculation policy: backup copies of stragglers.
//
// Once a job has no task waiting, a task of its current stage executing
// longer than speculation_multiple x the stage's median run time (and at
// least min_speculation_delay) gets one backup lease on another worker; the
// first result wins and the other copy is revoked and dropped (the
// Scheduler does that).  speculation_multiple 0 means the default (4), a
// negative one turns speculation off for the job.  Running jobs are
// scanned every 250 ms at most.
//
// State: the stragglers waiting for a backup lease (a queue and its set)
// and the time of the next scan.  The caller owns jobs and leases, and
// answers Take's questions about them.
//
// Not thread-safe: the owner (the Scheduler) serializes calls.
#ifndef GRIDLESS_COORDINATOR_SPECULATION_H_
#define GRIDLESS_COORDINATOR_SPECULATION_H_

#include <cstddef>
#include <deque>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "coordinator/task_key.h"
#include "gridless/v1/job.pb.h"

namespace gridless {

class Speculation {
 public:
  // How often running jobs are scanned for stragglers.
  static constexpr absl::Duration kScanInterval = absl::Milliseconds(250);
  // speculation_multiple when a spec leaves it at 0.
  static constexpr double kDefaultMultiple = 4;

  // What Take should do with a wanted backup.
  enum class Candidate {
    kDrop,       // no longer wanted (merged, primary gone, has a backup...)
    kElsewhere,  // not on this worker (it runs the primary, or refused the
                 // job): left queued for another
    kTake,       // lease the backup to this worker
  };

  explicit Speculation(absl::Duration min_delay) : min_delay_(min_delay) {}

  // Whether a scan is due at `now`; if so the next one is kScanInterval on.
  bool ScanDue(absl::Time now);
  // The run time past which a task of a job with this spec and this median
  // run time of its stage gets a backup; nullopt when speculation is off
  // for the job.  `median` is only called when it is on.
  std::optional<absl::Duration> Threshold(
      const v1::JobSpec& spec,
      absl::FunctionRef<std::optional<absl::Duration>()> median) const;
  // `task` is a straggler: true when it is newly wanted (queued).
  bool Want(const TaskKey& task);
  bool empty() const { return wanted_.empty(); }

  // One pass over the wanted backups: `classify` judges each, `lease` is
  // called for each kTake (at most `max`).  Returns how many were leased.
  size_t Take(size_t max, absl::FunctionRef<Candidate(const TaskKey&)> classify,
              absl::FunctionRef<void(const TaskKey&)> lease);

 private:
  const absl::Duration min_delay_;
  std::deque<TaskKey> wanted_;
  absl::flat_hash_set<TaskKey> pending_;
  absl::Time next_scan_ = absl::InfinitePast();
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_SPECULATION_H_
