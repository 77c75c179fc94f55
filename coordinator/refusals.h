// The prepare-refusal policy: workers that cannot prepare a job.
//
// A worker whose Prepare of a job failed with FAILED_PRECONDITION (it cannot
// read an input the coordinator read) is the worker's fault, not the
// task's: the Scheduler requeues the task uncharged, and that worker stream
// is given no more tasks of the job.  When every connected worker has so
// refused a job and no other worker connects within a grace period
// (lease_timeout: a starting worker's time to say Hello), the job fails
// naming them and their reasons; with no worker at all it simply waits.
//
// State, in one place: per worker stream the jobs it refused and why (its
// message, truncated), and per job since when every connected worker has
// refused it.
//
// Not thread-safe: the owner (the Scheduler) serializes calls.
#ifndef GRIDLESS_COORDINATOR_REFUSALS_H_
#define GRIDLESS_COORDINATOR_REFUSALS_H_

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coordinator/task_key.h"

namespace gridless {

class Refusals {
 public:
  // Some connected worker may run the job (or none is connected).
  struct Runnable {};
  // Every connected worker refused it; within the grace period.
  struct Waiting {};
  // Every connected worker refused it for the whole grace period: fail the
  // job with `reason` (names the workers and their reasons).
  struct Unrunnable {
    std::string reason;
  };
  using Verdict = std::variant<Runnable, Waiting, Unrunnable>;
  // A connected worker stream: its id and name.
  using Workers = std::vector<std::pair<WorkerId, std::string>>;

  // Keeps at most this much of a worker's reason.
  static constexpr size_t kMaxReason = 500;

  // `worker` could not prepare `job`; the first reason is kept.
  void Refuse(WorkerId worker, JobHandle job, absl::string_view why);
  bool Refused(WorkerId worker, JobHandle job) const;
  // The jobs `worker` refused (empty set for none).
  const absl::flat_hash_set<JobHandle>& RefusedBy(WorkerId worker) const;
  // Every job some worker refused, and every job noted unrunnable: those to
  // check again when a worker leaves / on a tick.
  std::vector<JobHandle> RefusedByAny() const;
  std::vector<JobHandle> NotedUnrunnable() const;

  // Judges `job` against the connected `workers` at `now` (notes since when
  // it is unrunnable, forgets that when it is runnable again).
  Verdict Check(JobHandle job, const Workers& workers, absl::Time now,
                absl::Duration grace);

  void ForgetWorker(WorkerId worker) { by_worker_.erase(worker); }
  void ForgetJob(JobHandle job);

 private:
  struct Worker {
    absl::flat_hash_set<JobHandle> jobs;  // the ready queue's skip set
    absl::flat_hash_map<JobHandle, std::string> why;  // same keys
  };
  absl::flat_hash_map<WorkerId, Worker> by_worker_;
  absl::flat_hash_map<JobHandle, absl::Time> unrunnable_since_;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_REFUSALS_H_
