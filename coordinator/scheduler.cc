// The scheduler facade: composition and failure policy (see scheduler.h).
#include "coordinator/scheduler.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"

namespace gridless {
namespace {

std::string TaskName(const TaskKey& task) {
  return absl::StrCat("task ", task.index, " (stage ", task.stage, ")");
}

}  // namespace

void SchedulerEvents::Merge(SchedulerEvents other) {
  tasks_ready |= other.tasks_ready;
  for (EndedJob& e : other.ended_jobs) ended_jobs.push_back(std::move(e));
}

Scheduler::Scheduler(SchedulerOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : RealClock::Get()),
      leases_(options_.lease_timeout),
      backoff_(options_.backoff_base, options_.backoff_max, options_.seed) {}

uint32_t Scheduler::MaxAttemptsFor(const v1::JobSpec& spec) const {
  if (spec.max_attempts() > 0) return spec.max_attempts();
  return std::max<uint32_t>(1, options_.default_max_attempts);
}

// ---------------------------------------------------------------- jobs ----

absl::StatusOr<v1::SubmitResponse> Scheduler::Submit(const v1::JobSpec& spec) {
  if (options_.registry == nullptr) {
    return absl::FailedPreconditionError("scheduler has no job registry");
  }
  auto kind = options_.registry->Find(spec.kind());
  if (!kind.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("job spec field \"kind\": ", kind.status().message()));
  }
  if (spec.max_attempts() > kMaxAttemptsLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("job spec field \"max_attempts\": expected at most ",
                     kMaxAttemptsLimit, ", got ", spec.max_attempts()));
  }
  if (!(spec.task_timeout_s() >= 0) || std::isinf(spec.task_timeout_s())) {
    return absl::InvalidArgumentError(
        absl::StrCat("job spec field \"task_timeout_s\": expected a finite "
                     "number of seconds >= 0, got ",
                     spec.task_timeout_s()));
  }
  if (spec.max_failed_tasks() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job spec field \"max_failed_tasks\": failure budgets are not "
        "supported yet; expected 0 (fail fast), got ",
        spec.max_failed_tasks()));
  }

  JobHandle handle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) {
      return absl::UnavailableError("coordinator is shutting down");
    }
    handle = jobs_.NewHandle();
  }
  // Plan outside the lock: it may be slow, and kinds are thread-safe.
  auto job = JobRecord::Create(JobTable::IdFor(handle), handle, spec, *kind,
                               MaxAttemptsFor(spec), Now());
  if (!job.ok()) return job.status();

  std::lock_guard<std::mutex> lock(mu_);
  JobRecord* record = jobs_.Add(*std::move(job));
  v1::SubmitResponse response;
  response.set_job_id(record->id());
  response.set_tasks(record->counts().total());
  if (record->finished()) {
    job_finished_.notify_all();  // a job with no task is done at once
  } else {
    ready_.PushRange(handle, record->stage(), 0, record->stage_tasks());
  }
  return response;
}

absl::StatusOr<v1::JobState> Scheduler::Cancel(absl::string_view job_id,
                                               SchedulerEvents* events) {
  std::lock_guard<std::mutex> lock(mu_);
  JobRecord* job = jobs_.Find(job_id);
  if (job == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown job \"", job_id, "\""));
  }
  if (!job->finished()) {
    job->Cancel(Now());
    OnJobFinished(job, events);
  }
  return job->state();
}

absl::StatusOr<v1::Progress> Scheduler::GetProgress(
    absl::string_view job_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const JobRecord* job = jobs_.Find(job_id);
  if (job == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown job \"", job_id, "\""));
  }
  return job->Progress(Now(), workers_.size());
}

absl::StatusOr<v1::JobResult> Scheduler::GetResult(
    absl::string_view job_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const JobRecord* job = jobs_.Find(job_id);
  if (job == nullptr) {
    return absl::NotFoundError(absl::StrCat("unknown job \"", job_id, "\""));
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
  return absl::UnimplementedError(
      absl::StrCat("dead letters of ", job_id, ": not implemented yet"));
}

absl::StatusOr<v1::RetryResponse> Scheduler::Retry(absl::string_view job_id,
                                                   SchedulerEvents*) {
  return absl::UnimplementedError(
      absl::StrCat("retry of ", job_id, ": not implemented yet"));
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

// ------------------------------------------------------------- workers ----

void Scheduler::WorkerConnected(WorkerId id, std::string name, uint32_t slots) {
  std::lock_guard<std::mutex> lock(mu_);
  WorkerInfo& w = workers_[id];
  w.name = std::move(name);
  w.slots = slots;
  leases_.Renew(id, Now());
}

SchedulerEvents Scheduler::WorkerDisconnected(WorkerId id) {
  SchedulerEvents events;
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = Now();
  const absl::Status why = absl::UnavailableError(absl::StrCat(
      "worker ", WorkerName(id), " disconnected while running it"));
  for (const Lease& lease : leases_.Release(id)) {
    OnLeaseLost(lease, why, now, &events);
  }
  if (auto it = workers_.find(id); it != workers_.end()) {
    if (!workers_.empty()) {
      uint64_t slots = 0;
      for (const auto& [wid, w] : workers_) slots += w.slots;
      last_slots_per_worker_ =
          static_cast<double>(slots) / static_cast<double>(workers_.size());
    }
    workers_.erase(it);
  }
  return events;
}

void Scheduler::WorkerSeen(WorkerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  leases_.Renew(id, Now());
}

size_t Scheduler::TakeTasks(WorkerId id, size_t max, v1::TaskBatch* batch) {
  // Taken from the queue in chunks sized from the bytes per task seen so
  // far, so that a batch stops near kMaxBatchBytes without putting tasks
  // back (and round-robin order carries over).
  constexpr size_t kChunk = 64;
  std::lock_guard<std::mutex> lock(mu_);
  auto w = workers_.find(id);
  if (w == workers_.end() || max == 0) return 0;
  const absl::Time now = Now();
  ready_.ReleaseDue(now);
  size_t taken = 0;
  size_t bytes = 0;
  JobHandle cached_handle = 0;
  JobRecord* job = nullptr;
  while (taken < max && bytes < kMaxBatchBytes && ready_.ready() > 0) {
    size_t chunk = std::min(kChunk, max - taken);
    if (taken == 0) {
      chunk = 1;  // measure first
    } else {
      const size_t per_task = std::max<size_t>(1, bytes / taken);
      chunk = std::min(chunk, (kMaxBatchBytes - bytes) / per_task + 1);
    }
    scratch_.clear();
    ready_.TakeBatch(chunk, &scratch_);
    for (const TaskKey& key : scratch_) {
      if (key.job != cached_handle || job == nullptr) {
        cached_handle = key.job;
        job = jobs_.Find(key.job);
      }
      // Defensive: a queued task of a finished job or another stage is stale.
      if (job == nullptr || job->finished() || key.stage != job->stage() ||
          key.index >= job->stage_tasks() || job->merged(key.index) ||
          leases_.Find(key) != nullptr) {
        continue;
      }
      if (w->second.seen_jobs.insert(key.job).second) {
        v1::JobDefinition* def = batch->add_jobs();
        def->set_job_id(job->id());
        *def->mutable_spec() = job->spec();
        bytes += job->spec().ByteSizeLong();
      }
      const uint32_t attempt = job->StartAttempt(key.index);
      leases_.Grant(key, id, attempt, now);
      v1::Task* task = batch->add_tasks();
      task->set_job_id(job->id());
      task->set_stage(key.stage);
      task->set_task_index(key.index);
      task->set_attempt(attempt);
      task->set_payload(job->payload(key.index));
      task->set_timeout_s(job->spec().task_timeout_s());
      bytes += job->payload(key.index).size() + job->id().size() + 16;
      ++taken;
    }
  }
  return taken;
}

SchedulerEvents Scheduler::OnResults(WorkerId id, v1::ResultBatch* batch) {
  SchedulerEvents events;
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = Now();
  leases_.Renew(id, now);
  JobRecord* job = nullptr;
  for (v1::TaskResult& r : *batch->mutable_results()) {
    if (job == nullptr || job->id() != r.job_id()) job = jobs_.Find(r.job_id());
    if (job == nullptr) {
      ++ignored_results_;
      continue;
    }
    const TaskKey key{job->handle(), r.stage(), r.task_index()};
    std::optional<Lease> lease = leases_.Complete(key, id, r.attempt());
    if (!lease.has_value() || job->finished()) {
      ++ignored_results_;  // late, duplicate, or for a finished job
      continue;
    }
    job->EndAttempt();
    if (r.outcome_case() == v1::TaskResult::kPartial) {
      const uint64_t merged_before = job->counts().succeeded();
      const uint64_t planned = job->OnSucceeded(
          key.index, std::move(*r.mutable_partial()), r.run_seconds(), now);
      if (job->counts().succeeded() > merged_before) ++tasks_succeeded_;
      if (planned > 0) {
        ready_.PushRange(job->handle(), job->stage(), 0, planned);
        events.tasks_ready = true;
      }
      if (job->finished()) OnJobFinished(job, &events);
      continue;
    }
    absl::Status error =
        r.outcome_case() == v1::TaskResult::kError
            ? absl::Status(static_cast<absl::StatusCode>(r.error().code()),
                           r.error().message())
            : absl::InternalError(
                  "the worker sent a result with neither a "
                  "partial nor an error");
    if (error.ok()) {
      error = absl::UnknownError(absl::StrCat(
          "the worker reported an error with code OK: ", r.error().message()));
    } else if (error.code() == absl::StatusCode::kCancelled) {
      // The worker gave the attempt up (it was told to, or is stopping):
      // not the task's fault, so it is retried like a lost lease.
      error = absl::AbortedError(absl::StrCat(
          "the worker cancelled the attempt: ", r.error().message()));
    }
    OnAttemptFailed(job, key, lease->attempt, error, now, &events);
  }
  return events;
}

SchedulerEvents Scheduler::ReturnTasks(WorkerId id,
                                       const v1::Goodbye& goodbye) {
  SchedulerEvents events;
  std::lock_guard<std::mutex> lock(mu_);
  for (const v1::TaskRef& ref : goodbye.returned()) {
    JobRecord* job = jobs_.Find(ref.job_id());
    if (job == nullptr) continue;
    const TaskKey key{job->handle(), ref.stage(), ref.task_index()};
    if (!leases_.Complete(key, id, ref.attempt()).has_value()) continue;
    if (job->finished()) continue;
    job->EndAttempt();
    job->UndoAttempt(key.index);
    ready_.Push(key);
    events.tasks_ready = true;
  }
  return events;
}

SchedulerEvents Scheduler::Tick(absl::Time now) {
  SchedulerEvents events;
  std::lock_guard<std::mutex> lock(mu_);
  for (const LeaseTable::Expired& e : leases_.Expire(now)) {
    const absl::Status why =
        e.reason == LeaseTable::ExpiryReason::kWorkerSilent
            ? absl::DeadlineExceededError(
                  absl::StrCat("lease expired: worker ",
                               WorkerName(e.lease.worker), " sent nothing for ",
                               absl::FormatDuration(leases_.timeout())))
            : absl::DeadlineExceededError("the task ran past its timeout");
    OnLeaseLost(e.lease, why, now, &events);
  }
  ready_.ReleaseDue(now);
  if (ready_.ready() > 0) events.tasks_ready = true;
  return events;
}

// --------------------------------------------------------------- policy ----

void Scheduler::OnLeaseLost(const Lease& lease, const absl::Status& why,
                            absl::Time now, SchedulerEvents* events) {
  JobRecord* job = jobs_.Find(lease.task.job);
  if (job == nullptr || job->finished()) return;
  job->EndAttempt();
  OnAttemptFailed(job, lease.task, lease.attempt, why, now, events);
}

void Scheduler::OnAttemptFailed(JobRecord* job, const TaskKey& task,
                                uint32_t attempt, const absl::Status& error,
                                absl::Time now, SchedulerEvents* events) {
  if (job->finished()) return;
  if (!IsRetryable(error.code())) {
    ++tasks_failed_;
    job->FailTask(
        absl::StrCat(TaskName(task),
                     " failed with a permanent error on attempt ", attempt,
                     ": ", error.ToString(),
                     " (retrying cannot help: fix the job's parameters or "
                     "inputs)"),
        now);
    OnJobFinished(job, events);
    return;
  }
  if (attempt >= job->max_attempts()) {
    ++tasks_failed_;
    job->FailTask(
        absl::StrCat(
            TaskName(task), " failed after ", attempt,
            attempt == 1 ? " attempt: " : " attempts: ", error.ToString(),
            " (the error is transient, so retrying may help: "
            "resubmit, or raise max_attempts)"),
        now);
    OnJobFinished(job, events);
    return;
  }
  ++tasks_retried_;
  job->CountRetry();
  ready_.PushDelayed(task, now + backoff_.Delay(attempt));
}

void Scheduler::OnJobFinished(JobRecord* job, SchedulerEvents* events) {
  ready_.RemoveJob(job->handle());
  leases_.RemoveJob(job->handle());
  for (auto& [id, w] : workers_) w.seen_jobs.erase(job->handle());
  events->ended_jobs.push_back(EndedJob{job->id(), job->state(), job->error()});
  job_finished_.notify_all();
}

std::string Scheduler::WorkerName(WorkerId id) const {
  auto it = workers_.find(id);
  return it == workers_.end() ? absl::StrCat("#", id) : it->second.name;
}

// ---------------------------------------------------------- observation ----

CoordinatorMetrics Scheduler::Metrics() const {
  std::lock_guard<std::mutex> lock(mu_);
  CoordinatorMetrics m;
  m.queue_depth = ready_.ready();
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
