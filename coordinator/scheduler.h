// The coordinator's brain, as one thread-safe facade: jobs in, tasks out to
// workers, results back in.  It holds the books (JobTable/JobRecord,
// ReadyQueue, LeaseTable, the connected workers) under one mutex, sequences
// each event through the policies, and knows nothing of gRPC: the services
// translate messages and call it.  Where each decision is made (one file,
// own state, typed decision, own unit test; docs/DESIGN.md "Where a task's
// life is decided"):
//  * retry_policy.h: a failed attempt is retried after a backoff or
//    dead-lettered (IsRetryable: the one list of retryable codes; the retry
//    defaults).  A timed-out lease counts an attempt like a failure.
//  * suspects.h: a dead worker's leases go back free, as suspects; a worker
//    that dies holding suspects has them charged.
//  * speculation.h: backup copies of stragglers; the first result wins and
//    the other copy is revoked and dropped.  A copy that fails while its twin
//    runs is only recorded.
//  * admission.h: spec checks, max_open_jobs (RESOURCE_EXHAUSTED beyond);
//    max_tasks_per_job tasks per stage (JobRecord).
//  * restore.h: rebuilding jobs from the journal at start.
//  * refusals.h: a worker that cannot prepare a job (TaskError.prepare_failed
//    with FAILED_PRECONDITION) is excluded from it, the task requeued
//    uncharged; a job every connected worker refused fails after
//    lease_timeout naming them.
//  * ended_jobs.h: the last keep_finished_jobs ended jobs are kept.
//  * Lost intermediate data (JobRecord's repairs): a task of stage s > 0
//    failing with DATA_LOSS and a TaskError.lost_previous_tasks list
//    (LostPreviousTasksError in jobs/job.h; at most stage s-1's task count
//    entries, each below it, or the report is refused) has those tasks of
//    stage s-1 run again (counted as `rerun`, bounded by max_repairs), then
//    runs again itself without counting the attempt.
// And here:
//  * A partial is merged exactly once: only the result of a current lease
//    (same worker stream, same attempt) is accepted; late results of lost
//    leases, duplicates, and results of finished jobs are ignored.
//  * CANCELLED from a worker means the worker gave the attempt up, not that
//    the task is broken: it is retried like a lost lease.
//  * Tasks a draining worker hands back unstarted (Goodbye) are requeued at
//    once without counting an attempt.
//  * Task timeout (spec.task_timeout_s): measured from the first heartbeat
//    listing the task as executing; past it the lease is taken back, the
//    worker told to drop the attempt, and the task retried
//    (DEADLINE_EXCEEDED is transient).
//  * Journal (options.journal): jobs, merged partials and job ends are
//    recorded under the lock (buffered; the owner flushes).
//
// Files: scheduler.cc (jobs, results, losses, ticks), scheduler_dispatch.cc
// (handing tasks out), scheduler_queries.cc (read-only views, metrics).

// Events: calls that can make tasks ready or end jobs return SchedulerEvents
// which the caller acts on outside the lock (wake streams holding credit,
// send Cancel to every stream).
//
// Time: leases and backoff use the injected Clock (Tick takes `now`), so
// tests drive expiry and retries with a FakeClock.  AwaitFinal waits in real
// time.
//
// Thread-safety: every method may be called from any thread.
#ifndef GRIDLESS_COORDINATOR_SCHEDULER_H_
#define GRIDLESS_COORDINATOR_SCHEDULER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "coordinator/admission.h"
#include "coordinator/ended_jobs.h"
#include "coordinator/job_table.h"
#include "coordinator/journal.h"
#include "coordinator/lease_table.h"
#include "coordinator/metrics.h"
#include "coordinator/ready_queue.h"
#include "coordinator/refusals.h"
#include "coordinator/retry_policy.h"
#include "coordinator/speculation.h"
#include "coordinator/suspects.h"
#include "coordinator/task_key.h"
#include "gridless/v1/job.pb.h"
#include "gridless/v1/worker.pb.h"
#include "jobs/job.h"

namespace gridless {

struct SchedulerOptions {
  // Kinds jobs may use.  Required; must outlive the scheduler.
  const JobRegistry* registry = nullptr;
  // nullptr = RealClock.
  const Clock* clock = nullptr;
  absl::Duration lease_timeout = absl::Seconds(10);
  // Retry (coordinator/retry_policy.h, which holds the defaults).
  absl::Duration backoff_base = kDefaultBackoffBase;
  absl::Duration backoff_max = kDefaultBackoffMax;
  // Used when a JobSpec leaves max_attempts at 0.
  uint32_t default_max_attempts = kDefaultMaxAttempts;
  // Seeds the backoff jitter.
  uint64_t seed = 0x6772696464656c73;  // "gridless"
  // Journal of jobs, merged tasks and job ends; nullptr = none (a restart
  // forgets everything).  Must outlive the scheduler.  The scheduler only
  // buffers records; the owner calls Journal::Flush() periodically.
  Journal* journal = nullptr;
  // Limits against floods: unfinished jobs at once, and tasks per stage.
  uint64_t max_open_jobs = 1000;
  uint64_t max_tasks_per_job = 10'000'000;
  // Ended jobs kept for result/failures/retry (at least 1): when one more
  // ends, the one that ended longest ago is forgotten, in memory and in the
  // journal (like Slurm's MaxJobCount/MinJobAge).  Its id is never reused;
  // asking for it says it was forgotten.
  uint64_t keep_finished_jobs = 1000;
  // Speculative execution never starts a backup before a task has run this
  // long, whatever the median.
  absl::Duration min_speculation_delay = absl::Seconds(1);
};

// A job that reached a final state.
struct EndedJob {
  std::string job_id;
  v1::JobState state = v1::JOB_STATE_UNSPECIFIED;
  std::string error;
};

// What the caller must act on after a call, outside the scheduler's lock.
struct SchedulerEvents {
  // Tasks are ready: wake the worker streams holding credit.
  bool tasks_ready = false;
  // Jobs that ended: tell every worker to drop their tasks (Cancel).
  std::vector<EndedJob> ended_jobs;
  // Attempts taken back (timeout, the twin of a speculative copy won): tell
  // that worker to drop them (Cancel{tasks}).
  std::vector<std::pair<WorkerId, v1::TaskRef>> dropped_tasks;

  bool empty() const {
    return !tasks_ready && ended_jobs.empty() && dropped_tasks.empty();
  }
  void Merge(SchedulerEvents other);
};

class Scheduler {
 public:
  // Hard limit on JobSpec.max_attempts (retry_policy.h).
  static constexpr uint32_t kMaxAttemptsLimit = gridless::kMaxAttemptsLimit;
  // TakeTasks stops adding tasks once a batch holds about this many bytes.
  static constexpr size_t kMaxBatchBytes = 4 << 20;

  explicit Scheduler(SchedulerOptions options);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Rebuilds the jobs of a journal (Journal::Load) before serving: ended
  // jobs as they ended, unfinished ones with their merged tasks replayed and
  // the rest queued; ids and numbering carry on.  A job whose kind is not
  // registered any more, or whose plan now fails, is restored FAILED with
  // the reason.  INVALID_ARGUMENT for a job id that is not "job-N".
  // Numbering continues above `last_forgotten_job` too
  // (Journal::LastForgottenJobNumber).
  absl::Status Restore(std::vector<Journal::JobRecord> jobs,
                       uint64_t last_forgotten_job = 0);

  // ---- Jobs (JobService) ----

  // Plans the job's first stage and queues its tasks.  INVALID_ARGUMENT for
  // an unknown kind or a bad spec; the kind's Plan errors verbatim.  When
  // the response has tasks > 0, wake the worker streams.
  absl::StatusOr<v1::SubmitResponse> Submit(const v1::JobSpec& spec);
  // Cancels a running job (its ready tasks are dropped, its leases
  // forgotten) and returns its state; a finished job is left as it is.
  // NOT_FOUND for an unknown id.
  absl::StatusOr<v1::JobState> Cancel(absl::string_view job_id,
                                      SchedulerEvents* events);
  absl::StatusOr<v1::Progress> GetProgress(absl::string_view job_id) const;
  // The progress and, once SUCCEEDED, the result.
  absl::StatusOr<v1::JobResult> GetResult(absl::string_view job_id) const;
  v1::ListJobsResponse ListJobs() const;
  // The job's dead letters (tasks that exhausted their attempts).
  absl::StatusOr<v1::FailuresResponse> ListFailures(
      absl::string_view job_id) const;
  // Requeues the dead letters of a FAILED or PARTIAL job with fresh attempts
  // and puts it back to RUNNING.  FAILED_PRECONDITION when there is nothing
  // to retry.
  absl::StatusOr<v1::RetryResponse> Retry(absl::string_view job_id,
                                          SchedulerEvents* events);
  // Blocks until the job is final (true), or until `deadline` or Stop()
  // (false).  Real time.
  bool AwaitFinal(absl::string_view job_id, absl::Time deadline) const;
  // Wakes every AwaitFinal for good (server shutdown).
  void Stop();
  bool stopped() const;

  // ---- Workers (WorkerService) ----

  // A worker stream said Hello.  `id` is unique per stream.
  void WorkerConnected(WorkerId id, std::string name, uint32_t slots);
  // The stream ended: every lease it held goes back at once (free, as a
  // suspect, unless it was one of the worker's suspects: see "Suspects").
  SchedulerEvents WorkerDisconnected(WorkerId id);
  // Any message from the worker: renews its leases.
  void WorkerSeen(WorkerId id);
  // A heartbeat: renews the leases and marks the listed tasks as executing
  // (starts their timeout and straggler clocks).
  void WorkerHeartbeat(WorkerId id, const v1::Heartbeat& heartbeat);
  // Leases up to `max` ready tasks to `id`, round-robin across jobs, and
  // appends them to `batch`, with the JobDefinition of each job this stream
  // has not been sent yet; stops early once the batch holds about
  // kMaxBatchBytes.  Returns the number of tasks appended (0 for an unknown
  // worker).
  size_t TakeTasks(WorkerId id, size_t max, v1::TaskBatch* batch);
  // Applies a batch of results under one lock acquisition.  Partials are
  // moved out of `batch`.
  SchedulerEvents OnResults(WorkerId id, v1::ResultBatch* batch);
  // Tasks handed back unstarted (Goodbye.returned).
  SchedulerEvents ReturnTasks(WorkerId id, const v1::Goodbye& goodbye);
  // Expires leases past their deadline and releases retries whose backoff
  // has passed.  Call every few tens of milliseconds.
  SchedulerEvents Tick(absl::Time now);

  // ---- Observation ----
  CoordinatorMetrics Metrics() const;
  uint32_t workers() const;
  // Results ignored as late or duplicate (for tests and logs).
  uint64_t ignored_results() const;

 private:
  struct WorkerInfo {
    std::string name;
    uint32_t slots = 0;
    // Jobs whose JobDefinition this stream has been sent.
    absl::flat_hash_set<JobHandle> seen_jobs;
  };

  absl::Time Now() const { return clock_->Now(); }
  // A lease ended without a merge; retries or dead-letters the task (or the
  // repair of a previous-stage task).
  void OnAttemptFailed(JobRecord* job, const Lease& lease,
                       const absl::Status& error, absl::Time now,
                       SchedulerEvents* events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A lease lost with its worker (disconnected or silent): charged if it
  // was one of the worker's suspects, else requeued free as a suspect.
  void OnWorkerLost(const Lease& lease, const absl::Status& why, absl::Time now,
                    SchedulerEvents* events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Leases queued suspects to worker `id` (Suspects::Take) up to `max`;
  // returns how many (bytes added to *bytes).
  size_t TakeSuspects(WorkerId id, size_t max, absl::Time now,
                      v1::TaskBatch* batch, size_t* bytes)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A current-stage task exhausted its attempts or failed permanently.
  void DeadLetter(JobRecord* job, uint64_t index, std::string error,
                  absl::Time now, SchedulerEvents* events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A copy of `task` won: revokes the other copies and has them dropped.
  void RevokeTwins(JobRecord* job, const TaskKey& task, SchedulerEvents* events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues backups for the stragglers of running jobs.
  void FindStragglers(absl::Time now, SchedulerEvents* events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends backup copies for `worker` to `batch`; returns how many.
  size_t TakeBackups(WorkerId id, size_t max, absl::Time now,
                     v1::TaskBatch* batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds one task to a batch (and the JobDefinition if the stream lacks it).
  size_t AppendTask(WorkerId id, JobRecord* job, const TaskKey& key,
                    uint32_t attempt, v1::TaskBatch* batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues the current-stage tasks of `indices` (sorted or not).
  void QueueTasks(JobRecord* job, const std::vector<uint64_t>& indices)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Worker `id` could not prepare the job of `lease` (see "A worker that
  // cannot prepare a job"): requeues the task free and excludes the worker.
  void OnPrepareRefused(WorkerId id, JobRecord* job, const Lease& lease,
                        const absl::Status& error, absl::Time now,
                        SchedulerEvents* events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // When every connected worker has refused the job: notes since when,
  // and fails the job once that has lasted lease_timeout.  Forgets the
  // note when some connected worker has not refused it.
  void CheckRunnable(JobRecord* job, absl::Time now, SchedulerEvents* events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A lease was lost (worker gone, expired, timed out).
  void OnLeaseLost(const Lease& lease, const absl::Status& why, absl::Time now,
                   SchedulerEvents* events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Cleans up after a job reached a final state.
  void OnJobFinished(JobRecord* job, SchedulerEvents* events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The job ended (now, or before a restart): it is the newest ended job;
  // the oldest beyond keep_finished_jobs are forgotten.
  void NoteEnded(JobHandle handle) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // NOT_FOUND for `job_id`: unknown, or ended and forgotten.
  absl::Status JobNotFound(absl::string_view job_id) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string WorkerName(WorkerId id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint32_t MaxAttemptsFor(const v1::JobSpec& spec) const;
  // A failed or lost attempt goes back for another try: the one place the
  // retry counters are bumped.
  void CountRetry(JobRecord* job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SchedulerOptions options_;
  const Clock* const clock_;

  // std::mutex rather than absl::Mutex: Debian's Abseil is not built with
  // TSan, so TSan could not see an absl::Mutex's ordering (CI runs these
  // tests under TSan).
  mutable std::mutex mu_;
  mutable std::condition_variable job_finished_;  // a job ended, or Stop
  JobTable jobs_ ABSL_GUARDED_BY(mu_);
  ReadyQueue ready_ ABSL_GUARDED_BY(mu_);
  LeaseTable leases_ ABSL_GUARDED_BY(mu_);
  RetryPolicy retry_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<WorkerId, WorkerInfo> workers_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  // Average slots of the workers seen last, for desired_workers when none
  // is connected.
  double last_slots_per_worker_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t tasks_succeeded_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t tasks_retried_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t tasks_failed_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t ignored_results_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t jobs_forgotten_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<TaskKey> scratch_ ABSL_GUARDED_BY(mu_);
  // The policies, each with its own state (see the file comment).
  OpenJobs open_jobs_ ABSL_GUARDED_BY(mu_);       // admission.h
  EndedJobs ended_ ABSL_GUARDED_BY(mu_);          // ended_jobs.h
  Suspects suspects_ ABSL_GUARDED_BY(mu_);        // suspects.h
  Speculation speculation_ ABSL_GUARDED_BY(mu_);  // speculation.h
  Refusals refusals_ ABSL_GUARDED_BY(mu_);        // refusals.h
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_SCHEDULER_H_
