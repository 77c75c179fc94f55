// The scheduler facade's read-only side: job queries, waiting for a job's
// end, metrics (see scheduler.h).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "coordinator/restore.h"
#include "coordinator/scheduler.h"

namespace gridless {

absl::StatusOr<v1::Progress> Scheduler::GetProgress(
    absl::string_view job_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const JobRecord* job = jobs_.Find(job_id);
  if (job == nullptr) {
    return JobNotFound(job_id);
  }
  return job->Progress(Now(), workers_.size());
}

absl::StatusOr<v1::JobResult> Scheduler::GetResult(
    absl::string_view job_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const JobRecord* job = jobs_.Find(job_id);
  if (job == nullptr) {
    return JobNotFound(job_id);
  }
  v1::JobResult result;
  *result.mutable_progress() = job->Progress(Now(), workers_.size());
  *result.mutable_result() = job->result();
  return result;
}

v1::ListJobsResponse Scheduler::ListJobs() const {
  std::lock_guard<std::mutex> lock(mu_);
  v1::ListJobsResponse response;
  const absl::Time now = Now();
  for (const auto& job : jobs_.all()) {
    *response.add_jobs() = job->Progress(now, workers_.size());
  }
  return response;
}

absl::StatusOr<v1::FailuresResponse> Scheduler::ListFailures(
    absl::string_view job_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const JobRecord* job = jobs_.Find(job_id);
  if (job == nullptr) {
    return JobNotFound(job_id);
  }
  v1::FailuresResponse response;
  response.set_job_id(job->id());
  response.set_state(job->state());
  for (v1::DeadLetter& d : job->DeadLetters()) {
    *response.add_dead_letters() = std::move(d);
  }
  return response;
}

bool Scheduler::AwaitFinal(absl::string_view job_id,
                           absl::Time deadline) const {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    const JobRecord* job = jobs_.Find(job_id);
    if (job == nullptr) return false;
    if (job->finished()) return true;
    if (stopped_) return false;
    if (deadline == absl::InfiniteFuture()) {
      job_finished_.wait(lock);
    } else if (job_finished_.wait_until(lock, absl::ToChronoTime(deadline)) ==
               std::cv_status::timeout) {
      return job->finished();
    }
  }
}

void Scheduler::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  job_finished_.notify_all();
}

bool Scheduler::stopped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

absl::Status Scheduler::JobNotFound(absl::string_view job_id) const {
  std::optional<JobHandle> handle = JobHandleOf(job_id);
  if (handle.has_value() && jobs_.Issued(*handle)) {
    return absl::NotFoundError(absl::StrCat(
        "job \"", job_id,
        "\" ended and was forgotten: this coordinator keeps the last ",
        ended_.keep(),
        " finished jobs (raise --keep-finished-jobs to keep more)"));
  }
  return absl::NotFoundError(absl::StrCat(
      "unknown job \"", job_id,
      "\" (`gridless jobs` lists the jobs this coordinator knows)"));
}

std::string Scheduler::WorkerName(WorkerId id) const {
  auto it = workers_.find(id);
  return it == workers_.end() ? absl::StrCat("#", id) : it->second.name;
}

CoordinatorMetrics Scheduler::Metrics() const {
  std::lock_guard<std::mutex> lock(mu_);
  CoordinatorMetrics m;
  m.queue_depth = ready_.ready() + suspects_.queued();
  m.delayed_tasks = ready_.delayed();
  m.running_tasks = leases_.size();
  m.workers = workers_.size();
  for (const auto& [id, w] : workers_) m.worker_slots += w.slots;
  for (const auto& job : jobs_.all()) {
    switch (job->state()) {
      case v1::JOB_STATE_RUNNING:
        ++m.jobs_running;
        break;
      case v1::JOB_STATE_SUCCEEDED:
        ++m.jobs_succeeded;
        break;
      case v1::JOB_STATE_FAILED:
        ++m.jobs_failed;
        break;
      case v1::JOB_STATE_CANCELLED:
        ++m.jobs_cancelled;
        break;
      default:
        break;
    }
  }
  const double slots_per_worker =
      m.workers > 0
          ? static_cast<double>(m.worker_slots) / static_cast<double>(m.workers)
          : last_slots_per_worker_;
  m.desired_workers =
      DesiredWorkers(m.queue_depth + m.delayed_tasks + m.running_tasks,
                     slots_per_worker, m.jobs_running);
  m.tasks_succeeded = tasks_succeeded_;
  m.tasks_retried = tasks_retried_;
  m.tasks_failed = tasks_failed_;
  m.jobs_forgotten = jobs_forgotten_;
  return m;
}

uint32_t Scheduler::workers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return workers_.size();
}

uint64_t Scheduler::ignored_results() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ignored_results_;
}

}  // namespace gridless
