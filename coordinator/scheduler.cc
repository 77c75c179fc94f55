// The scheduler facade: composition and failure policy (see scheduler.h).
#include "coordinator/scheduler.h"

#include <algorithm>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "coordinator/admission.h"
#include "coordinator/restore.h"

namespace gridless {
namespace {

std::string TaskName(const TaskKey& task) {
  return absl::StrCat("task ", task.index, " (stage ", task.stage, ")");
}

v1::TaskRef RefOf(const JobRecord& job, const TaskKey& key, uint32_t attempt) {
  v1::TaskRef ref;
  ref.set_job_id(job.id());
  ref.set_stage(key.stage);
  ref.set_task_index(key.index);
  ref.set_attempt(attempt);
  return ref;
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
      retry_(options_.backoff_base, options_.backoff_max, options_.seed),
      open_jobs_(options_.max_open_jobs),
      ended_(options_.keep_finished_jobs),
      speculation_(options_.min_speculation_delay) {}

uint32_t Scheduler::MaxAttemptsFor(const v1::JobSpec& spec) const {
  return RetryPolicy::MaxAttemptsFor(spec, options_.default_max_attempts);
}

void Scheduler::CountRetry(JobRecord* job) {
  ++tasks_retried_;
  job->CountRetry();
}

// ---------------------------------------------------------------- jobs ----

absl::StatusOr<v1::SubmitResponse> Scheduler::Submit(const v1::JobSpec& spec) {
  auto kind = CheckSpec(spec, options_.registry);
  if (!kind.ok()) return kind.status();
  JobHandle handle;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) {
      return absl::UnavailableError("coordinator is shutting down");
    }
    // A place reserved while planning.
    if (absl::Status s = open_jobs_.Reserve(); !s.ok()) return s;
    handle = jobs_.NewHandle();
  }
  // Plan outside the lock: it may be slow, and kinds are thread-safe.
  const absl::Time now = Now();
  auto job =
      JobRecord::Create(JobTable::IdFor(handle), handle, spec, *kind,
                        MaxAttemptsFor(spec), now, options_.max_tasks_per_job);

  std::lock_guard<std::mutex> lock(mu_);
  if (!job.ok()) {
    open_jobs_.Release();
    return job.status();
  }
  JobRecord* record = jobs_.Add(*std::move(job));
  v1::SubmitResponse response;
  response.set_job_id(record->id());
  response.set_tasks(record->counts().total());
  if (options_.journal != nullptr) {
    options_.journal->RecordJob(record->id(), record->spec(), now);
  }
  if (record->finished()) {
    // A job with no task is done at once.
    SchedulerEvents ignored;
    OnJobFinished(record, &ignored);
  } else {
    ready_.PushRange(handle, record->stage(), 0, record->stage_tasks());
  }
  return response;
}

absl::Status Scheduler::Restore(std::vector<Journal::JobRecord> jobs,
                                uint64_t last_forgotten_job) {
  if (options_.registry == nullptr && !jobs.empty()) {
    return absl::FailedPreconditionError("scheduler has no job registry");
  }
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = Now();
  jobs_.ReserveThrough(last_forgotten_job);
  for (Journal::JobRecord& saved : jobs) {
    std::optional<JobHandle> handle = JobHandleOf(saved.job_id);
    if (!handle.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the journal holds a job id \"", saved.job_id,
                       "\" that is not of the form job-N"));
    }
    if (jobs_.Find(*handle) != nullptr) continue;
    const uint32_t max_attempts = MaxAttemptsFor(saved.spec);
    RestoredJob restored =
        RestoreJob(std::move(saved), *handle, *options_.registry, max_attempts,
                   options_.max_tasks_per_job, now);
    JobRecord* record = jobs_.Add(std::move(restored.record));
    switch (restored.what) {
      case RestoredJob::What::kFailed:
        if (options_.journal != nullptr) {
          options_.journal->RecordJobEnd(record->id(), record->state(),
                                         record->error(), record->result(),
                                         restored.wall_seconds);
        }
        [[fallthrough]];
      case RestoredJob::What::kEnded:
        NoteEnded(*handle);
        break;
      case RestoredJob::What::kRunning:
        open_jobs_.Reopen();
        if (record->finished()) {
          SchedulerEvents ignored;
          OnJobFinished(record, &ignored);
        }
        for (const auto& [begin, end] : restored.to_queue) {
          ready_.PushRange(*handle, record->stage(), begin, end);
        }
        break;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::JobState> Scheduler::Cancel(absl::string_view job_id,
                                               SchedulerEvents* events) {
  std::lock_guard<std::mutex> lock(mu_);
  JobRecord* job = jobs_.Find(job_id);
  if (job == nullptr) {
    return JobNotFound(job_id);
  }
  if (!job->finished()) {
    job->Cancel(Now());
    OnJobFinished(job, events);
  }
  return job->state();
}

absl::StatusOr<v1::RetryResponse> Scheduler::Retry(absl::string_view job_id,
                                                   SchedulerEvents* events) {
  std::lock_guard<std::mutex> lock(mu_);
  JobRecord* job = jobs_.Find(job_id);
  if (job == nullptr) {
    return JobNotFound(job_id);
  }
  auto tasks = job->Retry(Now());
  if (!tasks.ok()) return tasks.status();
  open_jobs_.Reopen();
  ended_.Reopen(job->handle());  // running again: not to be forgotten
  QueueTasks(job, *tasks);
  if (options_.journal != nullptr) options_.journal->RecordJobReopen(job->id());
  events->tasks_ready = !tasks->empty();
  v1::RetryResponse response;
  response.set_tasks(tasks->size());
  response.set_state(job->state());
  return response;
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
    OnWorkerLost(lease, why, now, &events);
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
  suspects_.ForgetWorker(id);
  refusals_.ForgetWorker(id);
  // The jobs the remaining workers refused may have no worker left.
  for (JobHandle h : refusals_.RefusedByAny()) {
    if (JobRecord* job = jobs_.Find(h); job != nullptr) {
      CheckRunnable(job, now, &events);
    }
  }
  return events;
}

void Scheduler::WorkerSeen(WorkerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  leases_.Renew(id, Now());
}

void Scheduler::WorkerHeartbeat(WorkerId id, const v1::Heartbeat& heartbeat) {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = Now();
  leases_.Renew(id, now);
  JobRecord* job = nullptr;
  for (const v1::TaskRef& ref : heartbeat.running_tasks()) {
    if (job == nullptr || job->id() != ref.job_id())
      job = jobs_.Find(ref.job_id());
    if (job == nullptr || job->finished()) continue;
    const double timeout_s = job->spec().task_timeout_s();
    const absl::Time deadline =
        timeout_s > 0 ? now + absl::Seconds(timeout_s) : absl::InfiniteFuture();
    leases_.MarkStarted(TaskKey{job->handle(), ref.stage(), ref.task_index()},
                        id, ref.attempt(), now, deadline);
  }
}

void Scheduler::RevokeTwins(JobRecord* job, const TaskKey& task,
                            SchedulerEvents* events) {
  for (const Lease& twin : leases_.Revoke(task)) {
    job->EndAttempt();
    events->dropped_tasks.emplace_back(twin.worker,
                                       RefOf(*job, task, twin.attempt));
  }
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
    suspects_.Clear(id, key);
    const bool ok = r.outcome_case() == v1::TaskResult::kPartial;
    if (key.stage != job->stage()) {
      // A repair of the previous stage: its partial was merged long ago.
      if (ok) {
        QueueTasks(job, job->RepairDone(key.index, leases_.next_sequence()));
        events.tasks_ready = true;
        continue;
      }
    } else if (ok) {
      RevokeTwins(job, key, &events);
      if (options_.journal != nullptr) {
        options_.journal->RecordTaskDone(
            job->id(), Journal::TaskDone{key.stage, key.index, r.partial(),
                                         r.run_seconds()});
      }
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
    } else if (error.code() == absl::StatusCode::kDeadlineExceeded) {
      job->CountTimedOut();
    }
    if (r.error().prepare_failed() &&
        error.code() == absl::StatusCode::kFailedPrecondition) {
      OnPrepareRefused(id, job, *lease, error, now, &events);
      continue;
    }
    if (key.stage == job->stage() && job->stage() > 0 &&
        error.code() == absl::StatusCode::kDataLoss &&
        r.error().lost_previous_tasks_size() > 0) {
      // The list comes from a worker: bounded before it is copied.
      auto lost = job->CheckLostPreviousTasks(r.error().lost_previous_tasks());
      absl::StatusOr<JobRecord::RepairPlan> plan =
          lost.ok() ? job->RequestRepair(key.index, *lost, lease->sequence,
                                         error.message(), now)
                    : lost.status();
      if (job->finished()) {  // past its repair limit
        OnJobFinished(job, &events);
        continue;
      }
      if (plan.ok()) {
        // Not the task's fault: this attempt does not count.
        job->UndoAttempt(key.index);
        for (uint64_t i : plan->to_run) {
          ready_.Push(TaskKey{job->handle(), key.stage - 1, i});
        }
        if (plan->requeue_now) ready_.Push(key);
        events.tasks_ready = true;
        continue;
      }
      // A refused report: an ordinary permanent failure, naming why.
      error =
          absl::DataLossError(absl::StrCat(error.message(),
                                           " (its lost_previous_tasks list was "
                                           "refused: ",
                                           plan.status().message(), ")"));
    }
    OnAttemptFailed(job, *lease, error, now, &events);
  }
  // A slot freed up: a worker may take a waiting suspect now.
  if (suspects_.queued() > 0) events.tasks_ready = true;
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
    std::optional<Lease> lease = leases_.Complete(key, id, ref.attempt());
    if (!lease.has_value() || job->finished()) continue;
    job->EndAttempt();
    suspects_.Unhold(id, key);  // unstarted: still a suspect
    if (key.stage == job->stage()) {
      job->UndoAttempt(key.index);
      if (leases_.Leased(key)) continue;  // its twin still runs
    }
    if (suspects_.Contains(key)) {
      suspects_.Queue(key);
    } else {
      ready_.Push(key);
    }
    events.tasks_ready = true;
  }
  return events;
}

SchedulerEvents Scheduler::Tick(absl::Time now) {
  SchedulerEvents events;
  std::lock_guard<std::mutex> lock(mu_);
  for (const LeaseTable::Expired& e : leases_.Expire(now)) {
    absl::Status why;
    if (e.reason == LeaseTable::ExpiryReason::kWorkerSilent) {
      why = absl::DeadlineExceededError(absl::StrCat(
          "lease expired: worker ", WorkerName(e.lease.worker),
          " sent nothing for ", absl::FormatDuration(leases_.timeout())));
    } else {
      JobRecord* job = jobs_.Find(e.lease.task.job);
      if (job == nullptr || job->finished()) continue;
      job->CountTimedOut();
      events.dropped_tasks.emplace_back(
          e.lease.worker, RefOf(*job, e.lease.task, e.lease.attempt));
      why = absl::DeadlineExceededError(absl::StrCat(
          "the task ran longer than its task_timeout_s (",
          job->spec().task_timeout_s(), " s) on worker ",
          WorkerName(e.lease.worker),
          "; the lease was taken back (raise task_timeout_s if the task "
          "needs longer)"));
    }
    if (e.reason == LeaseTable::ExpiryReason::kWorkerSilent) {
      OnWorkerLost(e.lease, why, now, &events);
    } else {
      OnLeaseLost(e.lease, why, now, &events);
    }
  }
  if (speculation_.ScanDue(now)) FindStragglers(now, &events);
  for (JobHandle h : refusals_.NotedUnrunnable()) {
    JobRecord* job = jobs_.Find(h);
    if (job == nullptr || job->finished()) {
      refusals_.ForgetJob(h);
    } else {
      CheckRunnable(job, now, &events);
    }
  }
  ready_.ReleaseDue(now);
  if (ready_.ready() > 0 || !speculation_.empty() || suspects_.queued() > 0) {
    events.tasks_ready = true;
  }
  return events;
}

void Scheduler::FindStragglers(absl::Time now, SchedulerEvents* events) {
  if (workers_.size() < 2) return;  // a backup needs another worker
  for (const auto& job : jobs_.all()) {
    if (job->finished() || job->counts().running() == 0) continue;
    if (ready_.ready(job->handle()) > 0) continue;
    std::optional<absl::Duration> threshold = speculation_.Threshold(
        job->spec(), [&] { return job->MedianRunTime(); });
    if (!threshold.has_value()) continue;
    for (const Lease& lease :
         leases_.Stragglers(job->handle(), now - *threshold)) {
      if (lease.task.stage != job->stage()) continue;
      if (speculation_.Want(lease.task)) events->tasks_ready = true;
    }
  }
}

// --------------------------------------------------------------- policy ----

void Scheduler::QueueTasks(JobRecord* job,
                           const std::vector<uint64_t>& indices) {
  for (uint64_t i : indices) {
    ready_.Push(TaskKey{job->handle(), job->stage(), i});
  }
}

void Scheduler::OnWorkerLost(const Lease& lease, const absl::Status& why,
                             absl::Time now, SchedulerEvents* events) {
  JobRecord* job = jobs_.Find(lease.task.job);
  if (job == nullptr || job->finished()) return;
  const Suspects::Blame blame =
      suspects_.OnWorkerLost(lease.worker, lease.task);
  if (blame == Suspects::Blame::kCharge || lease.task.stage != job->stage()) {
    // Charged (a repair of the previous stage is charged as before).
    OnLeaseLost(lease, why, now, events);
    return;
  }
  job->EndAttempt();
  job->UndoAttempt(lease.task.index);
  CountRetry(job);
  if (leases_.Leased(lease.task)) return;  // its twin still runs
  suspects_.Add(lease.task);
  events->tasks_ready = true;
}

void Scheduler::OnPrepareRefused(WorkerId id, JobRecord* job,
                                 const Lease& lease, const absl::Status& error,
                                 absl::Time now, SchedulerEvents* events) {
  const TaskKey& key = lease.task;
  if (workers_.contains(id)) refusals_.Refuse(id, key.job, error.message());
  // Not the task's fault: the attempt does not count.
  const bool current = key.stage == job->stage();
  if (current) {
    job->UndoAttempt(key.index);
  } else {
    job->UndoRepairAttempt(key.index);
  }
  CountRetry(job);
  if (!leases_.Leased(key) &&
      (current ? job->Unfinished(key)
               : key.stage + 1 == job->stage() && job->repairing(key.index))) {
    ready_.Push(key);
    events->tasks_ready = true;
  }
  CheckRunnable(job, now, events);
}

void Scheduler::CheckRunnable(JobRecord* job, absl::Time now,
                              SchedulerEvents* events) {
  if (job->finished()) return;
  Refusals::Workers workers;
  workers.reserve(workers_.size());
  for (const auto& [wid, w] : workers_) workers.emplace_back(wid, w.name);
  Refusals::Verdict verdict =
      refusals_.Check(job->handle(), workers, now, options_.lease_timeout);
  if (auto* unrunnable = std::get_if<Refusals::Unrunnable>(&verdict)) {
    job->Fail(std::move(unrunnable->reason), now);
    OnJobFinished(job, events);
  }
}

void Scheduler::OnLeaseLost(const Lease& lease, const absl::Status& why,
                            absl::Time now, SchedulerEvents* events) {
  JobRecord* job = jobs_.Find(lease.task.job);
  if (job == nullptr || job->finished()) return;
  job->EndAttempt();
  OnAttemptFailed(job, lease, why, now, events);
}

void Scheduler::OnAttemptFailed(JobRecord* job, const Lease& lease,
                                const absl::Status& error, absl::Time now,
                                SchedulerEvents* events) {
  if (job->finished()) return;
  const TaskKey& task = lease.task;
  const uint32_t attempt = lease.attempt;
  const bool retryable = IsRetryable(error.code());
  if (task.stage != job->stage()) {
    // A repair of the previous stage's output.
    if (task.stage + 1 != job->stage() || !job->repairing(task.index)) return;
    RetryPolicy::Decision d =
        retry_.Decide(TaskName(task), attempt, job->max_attempts(), error);
    if (auto* retry = std::get_if<RetryPolicy::RetryAfter>(&d)) {
      CountRetry(job);
      ready_.PushDelayed(task, now + retry->delay);
      return;
    }
    for (uint64_t waiting : job->RepairFailed(task.index)) {
      DeadLetter(
          job, waiting,
          absl::StrCat("task ", waiting, " (stage ", job->stage(),
                       ") lost its input, and re-running ", TaskName(task),
                       " to rebuild it failed: ", error.ToString()),
          now, events);
      if (job->finished()) return;
    }
    return;
  }
  v1::AttemptRecord record;
  record.set_attempt(attempt);
  record.set_worker(WorkerName(lease.worker));
  record.set_seconds(std::max(0.0, absl::ToDoubleSeconds(now - lease.granted)));
  record.set_code(static_cast<int32_t>(error.code()));
  record.set_message(std::string(error.message()));
  record.set_retryable(retryable);
  job->RecordFailedAttempt(task.index, std::move(record));
  if (leases_.Leased(task)) return;  // its twin still runs
  RetryPolicy::Decision d =
      retry_.Decide(TaskName(task), attempt, job->max_attempts(), error);
  if (auto* retry = std::get_if<RetryPolicy::RetryAfter>(&d)) {
    CountRetry(job);
    ready_.PushDelayed(task, now + retry->delay);
    return;
  }
  DeadLetter(job, task.index,
             std::move(std::get<RetryPolicy::DeadLetter>(d).reason), now,
             events);
}

void Scheduler::DeadLetter(JobRecord* job, uint64_t index, std::string error,
                           absl::Time now, SchedulerEvents* events) {
  ++tasks_failed_;
  job->DeadLetter(index, std::move(error), now);
  if (job->finished()) OnJobFinished(job, events);
}

void Scheduler::OnJobFinished(JobRecord* job, SchedulerEvents* events) {
  ready_.RemoveJob(job->handle());
  suspects_.ForgetJob(job->handle());
  leases_.RemoveJob(job->handle());
  refusals_.ForgetJob(job->handle());
  for (auto& [id, w] : workers_) w.seen_jobs.erase(job->handle());
  events->ended_jobs.push_back(EndedJob{job->id(), job->state(), job->error()});
  open_jobs_.Release();
  if (options_.journal != nullptr) {
    const v1::Progress p = job->Progress(Now(), 0);
    options_.journal->RecordJobEnd(job->id(), job->state(), job->error(),
                                   job->result(), p.wall_seconds());
  }
  job_finished_.notify_all();
  NoteEnded(job->handle());  // may forget older jobs, never this one
}

void Scheduler::NoteEnded(JobHandle handle) {
  for (JobHandle oldest : ended_.Note(handle)) {
    const JobRecord* job = jobs_.Find(oldest);
    if (job == nullptr || !job->finished()) continue;
    if (options_.journal != nullptr) {
      options_.journal->RecordJobForget(job->id(), oldest);
    }
    jobs_.Remove(oldest);
    ++jobs_forgotten_;
  }
}

}  // namespace gridless
