// Prometheus text rendering of the coordinator's metrics (see metrics.h).
#include "coordinator/metrics.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace gridless {
namespace {

void Gauge(std::string& out, const char* name, const char* help,
           uint64_t value) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name,
                  " gauge\n", name, " ", value, "\n");
}

}  // namespace

uint64_t DesiredWorkers(uint64_t tasks, double slots_per_worker,
                        uint64_t jobs_running) {
  if (jobs_running == 0) return 0;
  if (!(slots_per_worker >= 1)) slots_per_worker = 1;
  const double needed =
      std::ceil(static_cast<double>(tasks) / slots_per_worker);
  return needed < 1 ? 1 : static_cast<uint64_t>(needed);
}

std::string RenderMetrics(const CoordinatorMetrics& m) {
  std::string out;
  Gauge(out, "gridless_queue_depth", "Tasks ready to dispatch.", m.queue_depth);
  Gauge(out, "gridless_delayed_tasks", "Tasks waiting for their retry backoff.",
        m.delayed_tasks);
  Gauge(out, "gridless_running_tasks", "Tasks leased to workers.",
        m.running_tasks);
  Gauge(out, "gridless_workers", "Connected workers.", m.workers);
  Gauge(out, "gridless_worker_slots", "Task slots of connected workers.",
        m.worker_slots);
  Gauge(out, "gridless_desired_workers",
        "Workers needed to run the queued and running tasks at once.",
        m.desired_workers);
  absl::StrAppend(&out,
                  "# HELP gridless_jobs Jobs by state.\n"
                  "# TYPE gridless_jobs gauge\n",
                  "gridless_jobs{state=\"running\"} ", m.jobs_running, "\n",
                  "gridless_jobs{state=\"succeeded\"} ", m.jobs_succeeded, "\n",
                  "gridless_jobs{state=\"failed\"} ", m.jobs_failed, "\n",
                  "gridless_jobs{state=\"cancelled\"} ", m.jobs_cancelled,
                  "\n");
  absl::StrAppend(
      &out,
      "# HELP gridless_tasks_total Task attempts by outcome: merged, put back "
      "for a retry, failed for good.\n"
      "# TYPE gridless_tasks_total counter\n",
      "gridless_tasks_total{outcome=\"succeeded\"} ", m.tasks_succeeded, "\n",
      "gridless_tasks_total{outcome=\"retried\"} ", m.tasks_retried, "\n",
      "gridless_tasks_total{outcome=\"failed\"} ", m.tasks_failed, "\n");
  absl::StrAppend(&out,
                  "# HELP gridless_jobs_forgotten_total Ended jobs forgotten "
                  "beyond --keep-finished-jobs.\n"
                  "# TYPE gridless_jobs_forgotten_total counter\n"
                  "gridless_jobs_forgotten_total ",
                  m.jobs_forgotten, "\n");
  return out;
}

}  // namespace gridless
