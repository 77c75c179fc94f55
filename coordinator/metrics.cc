// The coordinator's metrics with prometheus-cpp (see metrics.h).
#include "coordinator/metrics.h"

#include <cmath>
#include <map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "common/job_state.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace gridless {
namespace {

using prometheus::Histogram;

// Seconds, 1 ms .. ~17 min in factors of 4 (plus +Inf).
Histogram::BucketBoundaries SecondsBuckets() {
  Histogram::BucketBoundaries b;
  for (double v = 0.001; v < 1100; v *= 4) b.push_back(v);
  return b;
}

// Short operations (merges, commits): 50 us .. ~3 s in factors of 3.
Histogram::BucketBoundaries ShortSecondsBuckets() {
  Histogram::BucketBoundaries b;
  for (double v = 0.00005; v < 4; v *= 3) b.push_back(v);
  return b;
}

// Tasks per batch: 1, 2, 4 .. 1024.
Histogram::BucketBoundaries BatchBuckets() {
  Histogram::BucketBoundaries b;
  for (double v = 1; v <= 1024; v *= 2) b.push_back(v);
  return b;
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

CoordinatorTelemetry& CoordinatorTelemetry::Global() {
  static CoordinatorTelemetry* const telemetry = new CoordinatorTelemetry();
  return *telemetry;
}

CoordinatorTelemetry::CoordinatorTelemetry()
    : registry_(std::make_shared<prometheus::Registry>()) {
  prometheus::Registry& r = *registry_;
  submitted_ = &prometheus::BuildCounter()
                    .Name("gridless_jobs_submitted_total")
                    .Help("Jobs accepted by Submit, by kind.")
                    .Register(r);
  queue_wait_ = &prometheus::BuildHistogram()
                     .Name("gridless_job_queue_wait_seconds")
                     .Help(
                         "Time from a job's submit to the dispatch of its "
                         "first task, by kind.")
                     .Register(r);
  auto& run = prometheus::BuildHistogram()
                  .Name("gridless_task_run_seconds")
                  .Help(
                      "Run time a worker reported for a task attempt, by "
                      "outcome (succeeded: a partial came back; failed: an "
                      "error did).")
                  .Register(r);
  run_succeeded_ = &run.Add({{"outcome", "succeeded"}}, SecondsBuckets());
  run_failed_ = &run.Add({{"outcome", "failed"}}, SecondsBuckets());
  batch_tasks_ = &prometheus::BuildHistogram()
                      .Name("gridless_dispatch_batch_tasks")
                      .Help("Tasks per batch sent to a worker.")
                      .Register(r)
                      .Add({}, BatchBuckets());
  merge_ = &prometheus::BuildHistogram()
                .Name("gridless_merge_seconds")
                .Help(
                    "Time to apply one result batch from a worker under "
                    "the scheduler (merging its partials).")
                .Register(r)
                .Add({}, ShortSecondsBuckets());
  journal_commit_ = &prometheus::BuildHistogram()
                         .Name("gridless_journal_commit_seconds")
                         .Help(
                             "Time of one journal transaction (write and "
                             "SQLite commit).")
                         .Register(r)
                         .Add({}, ShortSecondsBuckets());
}

CoordinatorTelemetry::~CoordinatorTelemetry() = default;

std::string CoordinatorTelemetry::KindLabel(absl::string_view kind) {
  std::string label(kind.substr(0, 100));
  if (kinds_.contains(label)) return label;
  if (kinds_.size() >= kMaxKindLabels) return "other";
  kinds_.emplace(label, true);
  return label;
}

void CoordinatorTelemetry::JobSubmitted(const std::string& job_id,
                                        absl::string_view kind) {
  std::string label;
  {
    std::lock_guard<std::mutex> lock(mu_);
    label = KindLabel(kind);
    if (submitted_at_.size() < kMaxWaitingJobs) {
      submitted_at_.emplace(job_id, std::make_pair(absl::Now(), label));
    }
  }
  submitted_->Add({{"kind", label}}).Increment();
}

void CoordinatorTelemetry::BatchDispatched(const v1::TaskBatch& batch) {
  if (batch.tasks_size() > 0) batch_tasks_->Observe(batch.tasks_size());
  if (batch.jobs_size() == 0) return;
  std::vector<std::pair<std::string, double>> waits;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (submitted_at_.empty()) return;
    const absl::Time now = absl::Now();
    for (const v1::JobDefinition& job : batch.jobs()) {
      auto it = submitted_at_.find(job.job_id());
      if (it == submitted_at_.end()) continue;
      waits.emplace_back(it->second.second,
                         absl::ToDoubleSeconds(now - it->second.first));
      submitted_at_.erase(it);
    }
  }
  for (const auto& [kind, seconds] : waits) {
    queue_wait_->Add({{"kind", kind}}, SecondsBuckets()).Observe(seconds);
  }
}

void CoordinatorTelemetry::ResultsReceived(const v1::ResultBatch& batch) {
  for (const v1::TaskResult& r : batch.results()) {
    const double s = r.run_seconds();
    if (!std::isfinite(s) || s < 0) continue;  // hostile or broken clock
    (r.has_error() ? run_failed_ : run_succeeded_)->Observe(s);
  }
}

void CoordinatorTelemetry::MergeTook(absl::Duration d) {
  merge_->Observe(absl::ToDoubleSeconds(d));
}

void CoordinatorTelemetry::JournalCommitTook(absl::Duration d) {
  journal_commit_->Observe(absl::ToDoubleSeconds(d));
}

void CoordinatorTelemetry::ForgetWaitsExcept(const v1::ListJobsResponse& jobs,
                                             absl::Time listed_at) {
  absl::flat_hash_set<std::string> running;
  for (const v1::Progress& p : jobs.jobs()) {
    if (p.state() == v1::JOB_STATE_RUNNING) running.insert(p.job_id());
  }
  std::lock_guard<std::mutex> lock(mu_);
  absl::erase_if(submitted_at_, [&](const auto& entry) {
    return entry.second.first < listed_at && !running.contains(entry.first);
  });
}

std::string RenderMetrics(const CoordinatorMetrics& m,
                          const v1::ListJobsResponse& jobs,
                          const CoordinatorTelemetry& telemetry) {
  // The snapshot's numbers go into a registry made for this scrape: gauges
  // are set, and counters start at zero, so Increment(total) is the total.
  prometheus::Registry snapshot;
  auto gauge = [&](const char* name, const char* help, uint64_t value) {
    prometheus::BuildGauge()
        .Name(name)
        .Help(help)
        .Register(snapshot)
        .Add({})
        .Set(static_cast<double>(value));
  };
  gauge("gridless_queue_depth", "Tasks ready to dispatch.", m.queue_depth);
  gauge("gridless_delayed_tasks", "Tasks waiting for their retry backoff.",
        m.delayed_tasks);
  gauge("gridless_running_tasks", "Tasks leased to workers.", m.running_tasks);
  gauge("gridless_workers", "Connected workers.", m.workers);
  gauge("gridless_worker_slots", "Task slots of connected workers.",
        m.worker_slots);
  gauge("gridless_desired_workers",
        "Workers needed to run the queued and running tasks at once.",
        m.desired_workers);

  // Jobs by state, and by kind and state, from the job list (which, unlike
  // the snapshot, tells PARTIAL jobs apart).  Every state appears, zeros
  // included, so that a dashboard's series exist from the start.
  const v1::JobState kStates[] = {
      v1::JOB_STATE_RUNNING, v1::JOB_STATE_SUCCEEDED, v1::JOB_STATE_FAILED,
      v1::JOB_STATE_CANCELLED, v1::JOB_STATE_PARTIAL};
  std::map<v1::JobState, uint64_t> by_state;
  for (v1::JobState s : kStates) by_state[s] = 0;
  std::map<std::pair<std::string, std::string>, uint64_t> by_kind;
  absl::flat_hash_set<std::string> kinds;
  for (const v1::Progress& p : jobs.jobs()) {
    if (!by_state.contains(p.state())) continue;
    ++by_state[p.state()];
    std::string kind = p.kind().substr(0, 100);
    if (!kinds.contains(kind) && kinds.size() >= kMaxKindLabels) {
      kind = "other";
    }
    kinds.insert(kind);
    ++by_kind[{kind, std::string(StateName(p.state()))}];
  }
  auto& jobs_family = prometheus::BuildGauge()
                          .Name("gridless_jobs")
                          .Help("Jobs the coordinator knows, by state.")
                          .Register(snapshot);
  for (const auto& [state, n] : by_state) {
    jobs_family.Add({{"state", std::string(StateName(state))}})
        .Set(static_cast<double>(n));
  }
  auto& kind_family = prometheus::BuildGauge()
                          .Name("gridless_jobs_by_kind")
                          .Help(
                              "Jobs the coordinator knows, by kind and "
                              "state.")
                          .Register(snapshot);
  for (const auto& [key, n] : by_kind) {
    kind_family.Add({{"kind", key.first}, {"state", key.second}})
        .Set(static_cast<double>(n));
  }

  auto& tasks = prometheus::BuildCounter()
                    .Name("gridless_tasks_total")
                    .Help(
                        "Task attempts by outcome: merged, put back for a "
                        "retry, failed for good.")
                    .Register(snapshot);
  tasks.Add({{"outcome", "succeeded"}})
      .Increment(static_cast<double>(m.tasks_succeeded));
  tasks.Add({{"outcome", "retried"}})
      .Increment(static_cast<double>(m.tasks_retried));
  tasks.Add({{"outcome", "failed"}})
      .Increment(static_cast<double>(m.tasks_failed));
  prometheus::BuildCounter()
      .Name("gridless_jobs_forgotten_total")
      .Help("Ended jobs forgotten beyond --keep-finished-jobs.")
      .Register(snapshot)
      .Add({})
      .Increment(static_cast<double>(m.jobs_forgotten));

  std::vector<prometheus::MetricFamily> families = snapshot.Collect();
  for (auto& family : telemetry.registry()->Collect()) {
    families.push_back(std::move(family));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace gridless
