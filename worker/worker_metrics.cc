// The worker's metrics with prometheus-cpp (see worker_metrics.h).
#include "worker/worker_metrics.h"

#include <cmath>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace gridless {
namespace {

// Seconds, 1 ms .. ~17 min in factors of 4 (as the coordinator's).
prometheus::Histogram::BucketBoundaries SecondsBuckets() {
  prometheus::Histogram::BucketBoundaries b;
  for (double v = 0.001; v < 1100; v *= 4) b.push_back(v);
  return b;
}

}  // namespace

WorkerTelemetry& WorkerTelemetry::Global() {
  static WorkerTelemetry* const telemetry = new WorkerTelemetry();
  return *telemetry;
}

WorkerTelemetry::WorkerTelemetry()
    : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::Registry& r = *registry_;
  slots_ = &prometheus::BuildGauge()
                .Name("gridless_worker_capacity_slots")
                .Help("Tasks this worker runs at once.")
                .Register(r)
                .Add({});
  busy_ = &prometheus::BuildGauge()
               .Name("gridless_worker_busy_slots")
               .Help("Slots holding a task now.")
               .Register(r)
               .Add({});
  tasks_ = &prometheus::BuildCounter()
                .Name("gridless_worker_tasks_total")
                .Help(
                    "Tasks run, by kind and outcome (succeeded: a partial; "
                    "failed: an error; abandoned: cancelled, timed out or "
                    "its stream reset, no result sent).")
                .Register(r);
  run_ = &prometheus::BuildHistogram()
              .Name("gridless_worker_task_run_seconds")
              .Help("Run time of the tasks this worker ran, by kind.")
              .Register(r);
}

WorkerTelemetry::~WorkerTelemetry() = default;

void WorkerTelemetry::SetSlots(int slots) { slots_->Set(slots); }

void WorkerTelemetry::TaskStarted() { busy_->Increment(); }

void WorkerTelemetry::TaskEnded(absl::string_view kind,
                                absl::string_view outcome, double run_seconds) {
  busy_->Decrement();
  std::string label(kind.substr(0, 100));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!kinds_.contains(label)) {
      if (kinds_.size() >= kMaxWorkerKindLabels) {
        label = "other";
      } else {
        kinds_.insert(label);
      }
    }
  }
  tasks_->Add({{"kind", label}, {"outcome", std::string(outcome)}}).Increment();
  if (std::isfinite(run_seconds) && run_seconds >= 0) {
    run_->Add({{"kind", label}}, SecondsBuckets()).Observe(run_seconds);
  }
}

std::string WorkerTelemetry::Render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace gridless
