// The coordinator's numbers for /metrics, and their Prometheus text form.
//
// Metric names are part of Gridless's interface (dashboards and the
// Kubernetes autoscaler rely on them):
//   gridless_queue_depth            tasks ready to dispatch now
//   gridless_delayed_tasks          tasks waiting for their retry backoff
//   gridless_running_tasks          tasks leased to workers
//   gridless_workers                connected worker streams
//   gridless_worker_slots           sum of their slots
//   gridless_desired_workers        workers needed for ready+delayed+running
//                                   tasks at the average slots per worker
//   gridless_jobs{state=...}        jobs by state (running, succeeded,
//                                   failed, cancelled)
//   gridless_tasks_total{outcome=}  attempts that succeeded, were retried,
//                                   or failed for good (counters)
//
// Pure functions and a plain struct: thread-compatible.
#ifndef GRIDLESS_COORDINATOR_METRICS_H_
#define GRIDLESS_COORDINATOR_METRICS_H_

#include <cstdint>
#include <string>

namespace gridless {

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

// The Prometheus text exposition format (version 0.0.4) of `m`.
std::string RenderMetrics(const CoordinatorMetrics& m);

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_METRICS_H_
