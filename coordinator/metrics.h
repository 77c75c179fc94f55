// The coordinator's numbers for /metrics, kept and rendered with
// prometheus-cpp (Debian prometheus-cpp-dev).
//
// Metric names are part of Gridless's interface (dashboards, the Kubernetes
// autoscaler and deploy/grafana rely on them; docs/DEPLOY.md lists them all):
//
// From the scheduler's snapshot, at each scrape:
//   gridless_queue_depth            tasks ready to dispatch now
//   gridless_delayed_tasks          tasks waiting for their retry backoff
//   gridless_running_tasks          tasks leased to workers
//   gridless_workers                connected worker streams
//   gridless_worker_slots           sum of their slots
//   gridless_desired_workers        workers needed for ready+delayed+running
//                                   tasks at the average slots per worker
//   gridless_tasks_total{outcome=}  attempts that succeeded, were retried,
//                                   or failed for good (counters)
//   gridless_jobs_forgotten_total   ended jobs dropped beyond
//                                   --keep-finished-jobs
// From the job list, at each scrape:
//   gridless_jobs{state=}           jobs by state (running, succeeded,
//                                   failed, cancelled, partial)
//   gridless_jobs_by_kind{kind=,state=}  the same split by kind
// Fed as things happen (CoordinatorTelemetry, process-wide):
//   gridless_jobs_submitted_total{kind=}      jobs accepted by Submit
//   gridless_job_queue_wait_seconds{kind=}    histogram: a job's submit to
//                                             the dispatch of its first task
//   gridless_task_run_seconds{outcome=}       histogram: run time the worker
//                                             reported per attempt
//   gridless_dispatch_batch_tasks             histogram: tasks per batch sent
//                                             to a worker
//   gridless_merge_seconds                    histogram: applying one result
//                                             batch (merging its partials)
//   gridless_journal_commit_seconds           histogram: one journal
//                                             transaction (SQLite commit)
//
// Labels never carry job ids (unbounded); kinds are the registered ones, and
// at most kMaxKindLabels distinct values are kept (later ones count as
// "other").
#ifndef GRIDLESS_COORDINATOR_METRICS_H_
#define GRIDLESS_COORDINATOR_METRICS_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gridless/v1/job.pb.h"
#include "gridless/v1/worker.pb.h"

namespace prometheus {
class Registry;
class Histogram;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace gridless {

// The scheduler's snapshot (Scheduler::Metrics).  A plain struct:
// thread-compatible.
struct CoordinatorMetrics {
  uint64_t queue_depth = 0;
  uint64_t delayed_tasks = 0;
  uint64_t running_tasks = 0;
  uint64_t workers = 0;
  uint64_t worker_slots = 0;
  uint64_t desired_workers = 0;
  uint64_t jobs_running = 0;
  uint64_t jobs_succeeded = 0;
  uint64_t jobs_failed = 0;
  uint64_t jobs_cancelled = 0;
  uint64_t tasks_succeeded = 0;
  uint64_t tasks_retried = 0;
  uint64_t tasks_failed = 0;
  // Ended jobs dropped beyond --keep-finished-jobs (gridless_jobs counts
  // only the jobs still known).
  uint64_t jobs_forgotten = 0;
};

// Workers needed to run `tasks` (ready + delayed + running) at once with
// `slots_per_worker` slots each (rounded up); at least 1 while any job is
// running, 0 when none is.  slots_per_worker < 1 counts as 1.
uint64_t DesiredWorkers(uint64_t tasks, double slots_per_worker,
                        uint64_t jobs_running);

// Distinct `kind` label values kept per metric family; beyond, "other".
inline constexpr size_t kMaxKindLabels = 64;
// Jobs whose submit time is remembered for the queue-wait histogram.
inline constexpr size_t kMaxWaitingJobs = 100000;

// The metrics fed as things happen, in one prometheus::Registry.  One per
// process (Global()), so that one-line hooks at the edges (job service,
// worker streams, journal) need no plumbing; every method is thread-safe.
class CoordinatorTelemetry {
 public:
  static CoordinatorTelemetry& Global();

  CoordinatorTelemetry();
  ~CoordinatorTelemetry();
  CoordinatorTelemetry(const CoordinatorTelemetry&) = delete;
  CoordinatorTelemetry& operator=(const CoordinatorTelemetry&) = delete;

  // Hooks.
  void JobSubmitted(const std::string& job_id, absl::string_view kind);
  // A batch was handed to a worker stream: its size, and the queue wait of
  // each job whose definition it carries for the first time anywhere.
  void BatchDispatched(const v1::TaskBatch& batch);
  // Run times of a result batch, before the scheduler consumes it.
  void ResultsReceived(const v1::ResultBatch& batch);
  void MergeTook(absl::Duration d);
  void JournalCommitTook(absl::Duration d);

  // Forgets the submit time of jobs submitted before `listed_at` that are
  // not running in `jobs` (listed at that time): called at each scrape.
  void ForgetWaitsExcept(const v1::ListJobsResponse& jobs,
                         absl::Time listed_at);

  const std::shared_ptr<prometheus::Registry>& registry() const {
    return registry_;
  }

 private:
  std::string KindLabel(absl::string_view kind);  // bounded

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* submitted_;
  prometheus::Family<prometheus::Histogram>* queue_wait_;
  prometheus::Histogram* run_succeeded_;
  prometheus::Histogram* run_failed_;
  prometheus::Histogram* batch_tasks_;
  prometheus::Histogram* merge_;
  prometheus::Histogram* journal_commit_;

  std::mutex mu_;
  absl::flat_hash_map<std::string, std::pair<absl::Time, std::string>>
      submitted_at_;  // guarded by mu_: job id -> (submit time, kind label)
  absl::flat_hash_map<std::string, bool> kinds_;  // guarded by mu_
};

// Times a scope into a histogram hook: `ScopedTimer t(&CoordinatorTelemetry::
// MergeTook);`.  Thread-compatible.
class ScopedTimer {
 public:
  using Hook = void (CoordinatorTelemetry::*)(absl::Duration);
  explicit ScopedTimer(Hook hook) : hook_(hook), start_(absl::Now()) {}
  ~ScopedTimer() {
    (CoordinatorTelemetry::Global().*hook_)(absl::Now() - start_);
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  Hook hook_;
  absl::Time start_;
};

// Runs f() and times it into a histogram hook; returns what f returns.
template <typename F>
auto Timed(ScopedTimer::Hook hook, F&& f) {
  ScopedTimer timer(hook);
  return f();
}

// The Prometheus text exposition format (version 0.0.4): the snapshot `m`,
// the job list `jobs` (states, kinds) and everything in `telemetry`,
// serialized by prometheus::TextSerializer.
std::string RenderMetrics(const CoordinatorMetrics& m,
                          const v1::ListJobsResponse& jobs,
                          const CoordinatorTelemetry& telemetry);

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_METRICS_H_
