// The worker's numbers for its own /metrics (`gridless-worker --http`), kept
// with prometheus-cpp and rendered by its TextSerializer:
//   gridless_worker_capacity_slots             tasks run at once (--slots;
//       not gridless_worker_slots, the coordinator's sum over workers)
//   gridless_worker_busy_slots                 slots holding a task now
//   gridless_worker_tasks_total{kind=,outcome=}  tasks run, by kind and
//       outcome: succeeded (a partial), failed (an error), abandoned
//       (cancelled, timed out, or its stream was reset; no result sent)
//   gridless_worker_task_run_seconds{kind=}    histogram of their run time
// Kind labels are bounded: at most kMaxWorkerKindLabels distinct values,
// later ones count as "other".
//
// One per process (Global()), so that the executor's one-line hooks need no
// plumbing; every method is thread-safe.
#ifndef GRIDLESS_WORKER_WORKER_METRICS_H_
#define GRIDLESS_WORKER_WORKER_METRICS_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace prometheus {
class Registry;
class Gauge;
class Counter;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace gridless {

inline constexpr size_t kMaxWorkerKindLabels = 64;

class WorkerTelemetry {
 public:
  static WorkerTelemetry& Global();

  WorkerTelemetry();
  ~WorkerTelemetry();
  WorkerTelemetry(const WorkerTelemetry&) = delete;
  WorkerTelemetry& operator=(const WorkerTelemetry&) = delete;

  void SetSlots(int slots);
  // A task took a slot; TaskEnded frees it.
  void TaskStarted();
  // `outcome` is "succeeded", "failed" or "abandoned".
  void TaskEnded(absl::string_view kind, absl::string_view outcome,
                 double run_seconds);

  // The Prometheus text exposition format (0.0.4) of everything above.
  std::string Render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Gauge* slots_;
  prometheus::Gauge* busy_;
  prometheus::Family<prometheus::Counter>* tasks_;
  prometheus::Family<prometheus::Histogram>* run_;

  std::mutex mu_;
  absl::flat_hash_set<std::string> kinds_;  // guarded by mu_
};

}  // namespace gridless

#endif  // GRIDLESS_WORKER_WORKER_METRICS_H_
