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

// Whether `key` is a task of the job's current stage that still needs to
// run (neither merged nor dead-lettered).  REQUIRES: the job is running.
bool Unfinished(const JobRecord& job, const TaskKey& key) {
  return key.stage == job.stage() && key.index < job.stage_tasks() &&
         !job.merged(key.index) && !job.dead(key.index);
}

// The typed lost-task list of a worker's report, bounded: at most the
// previous stage's task count entries, each below it.
absl::StatusOr<std::vector<uint64_t>> LostPreviousTasksOf(
    const JobRecord& job, const v1::TaskError& error) {
  const uint64_t previous = job.previous_stage_tasks();
  const auto& list = error.lost_previous_tasks();
  if (static_cast<uint64_t>(list.size()) > previous) {
    return absl::InvalidArgumentError(absl::StrCat(
        "it names ", list.size(), " tasks, but stage ", job.stage() - 1,
        " had ", previous));
  }
  for (uint64_t i : list) {
    if (i >= previous) {
      return absl::InvalidArgumentError(
          absl::StrCat("lost task ", i, " is out of range: stage ",
                       job.stage() - 1, " had ", previous, " tasks"));
    }
  }
  return std::vector<uint64_t>(list.begin(), list.end());
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
  if (options_.registry == nullptr) {
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

size_t Scheduler::AppendTask(WorkerId id, JobRecord* job, const TaskKey& key,
                             uint32_t attempt, v1::TaskBatch* batch) {
  size_t bytes = 0;
  WorkerInfo& w = workers_[id];
  if (w.seen_jobs.insert(key.job).second) {
    v1::JobDefinition* def = batch->add_jobs();
    def->set_job_id(job->id());
    *def->mutable_spec() = job->spec();
    bytes += job->spec().ByteSizeLong();
  }
  const std::string& payload = job->payload(key.stage, key.index);
  v1::Task* task = batch->add_tasks();
  task->set_job_id(job->id());
  task->set_stage(key.stage);
  task->set_task_index(key.index);
  task->set_attempt(attempt);
  task->set_payload(payload);
  task->set_timeout_s(job->spec().task_timeout_s());
  return bytes + payload.size() + job->id().size() + 16;
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
  size_t bytes = 0;
  size_t taken = TakeSuspects(id, max, now, batch, &bytes);
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
    ready_.TakeBatch(chunk, &scratch_, refusals_.RefusedBy(id));
    if (scratch_.empty()) break;  // only jobs this worker refused
    for (const TaskKey& key : scratch_) {
      if (key.job != cached_handle || job == nullptr) {
        cached_handle = key.job;
        job = jobs_.Find(key.job);
      }
      if (job == nullptr || job->finished()) continue;
      // A task of the previous stage is a repair; anything else not of the
      // current stage, merged, dead, waiting or leased is stale.
      const bool repair =
          key.stage + 1 == job->stage() && job->repairing(key.index);
      if (!repair &&
          (!Unfinished(*job, key) || job->waiting_for_repair(key.index))) {
        continue;
      }
      if (leases_.Leased(key)) continue;
      if (!repair && suspects_.Contains(key)) {
        // Its backoff is over: it waits for a worker with suspect room.
        suspects_.Queue(key);
        continue;
      }
      const uint32_t attempt = repair ? job->StartRepairAttempt(key.index)
                                      : job->StartAttempt(key.index);
      leases_.Grant(key, id, attempt, now);
      bytes += AppendTask(id, job, key, attempt, batch);
      ++taken;
    }
  }
  // Suspects the loop above moved out of the ready queue.
  if (taken < max && suspects_.queued() > 0) {
    taken += TakeSuspects(id, max - taken, now, batch, &bytes);
  }
  if (taken < max && !speculation_.empty()) {
    taken += TakeBackups(id, max - taken, now, batch);
  }
  return taken;
}

size_t Scheduler::TakeBackups(WorkerId id, size_t max, absl::Time now,
                              v1::TaskBatch* batch) {
  // A straggler whose primary runs on this very worker waits for another.
  return speculation_.Take(
      max,
      [&](const TaskKey& key) {
        const JobRecord* job = jobs_.Find(key.job);
        const Lease* primary = leases_.Find(key);
        if (job == nullptr || job->finished() || key.stage != job->stage() ||
            primary == nullptr || leases_.FindBackup(key) != nullptr ||
            job->merged(key.index)) {
          return Speculation::Candidate::kDrop;
        }
        return primary->worker == id || refusals_.Refused(id, key.job)
                   ? Speculation::Candidate::kElsewhere
                   : Speculation::Candidate::kTake;
      },
      [&](const TaskKey& key) {
        JobRecord* job = jobs_.Find(key.job);
        const uint32_t attempt = job->StartAttempt(key.index);
        leases_.Grant(key, id, attempt, now, absl::InfiniteFuture(),
                      /*backup=*/true);
        job->CountSpeculative();
        AppendTask(id, job, key, attempt, batch);
      });
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
      auto lost = LostPreviousTasksOf(*job, r.error());
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
      error = absl::DataLossError(
          absl::StrCat(error.message(), " (its lost_previous_tasks list was "
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

size_t Scheduler::TakeSuspects(WorkerId id, size_t max, absl::Time now,
                               v1::TaskBatch* batch, size_t* bytes) {
  return suspects_.Take(
      id, workers_[id].slots, leases_.leases_of(id), max,
      [&](const TaskKey& k) {
        const Lease* lease = leases_.Find(k);
        return lease != nullptr && lease->worker == id;
      },
      [&](const TaskKey& key) {
        const JobRecord* job = jobs_.Find(key.job);
        if (job == nullptr || job->finished() || !Unfinished(*job, key)) {
          return Suspects::Candidate::kStale;
        }
        if (leases_.Leased(key) || job->waiting_for_repair(key.index)) {
          return Suspects::Candidate::kNotNow;
        }
        return refusals_.Refused(id, key.job) ? Suspects::Candidate::kElsewhere
                                              : Suspects::Candidate::kTake;
      },
      [&](const TaskKey& key) {
        JobRecord* job = jobs_.Find(key.job);
        const uint32_t attempt = job->StartAttempt(key.index);
        leases_.Grant(key, id, attempt, now);
        *bytes += AppendTask(id, job, key, attempt, batch);
      });
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
      (current ? Unfinished(*job, key)
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

// ---------------------------------------------------------- observation ----

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
