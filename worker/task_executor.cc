#include "worker/task_executor.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <exception>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "jobs/job.h"
#include "tbb/global_control.h"
#include "tbb/info.h"
#include "tbb/task_arena.h"
#include "worker/job_entry.h"
#include "worker/worker_metrics.h"

namespace gridless {
namespace {

struct QueuedTask {
  v1::Task task;
  std::shared_ptr<JobEntry> job;
};

// What one arena thread is running.  `task` is null when the slot is idle.
struct Slot {
  std::mutex mu;
  const v1::Task* task ABSL_GUARDED_BY(mu) = nullptr;
  absl::Time start ABSL_GUARDED_BY(mu);
  absl::Time deadline ABSL_GUARDED_BY(mu);
  uint64_t generation ABSL_GUARDED_BY(mu) = 0;
  // Named by a Cancel, or discarded by Reset: no result.
  bool dropped ABSL_GUARDED_BY(mu) = false;
  // DEADLINE_EXCEEDED already reported: no result.
  bool timed_out ABSL_GUARDED_BY(mu) = false;
  // Waiting at ExecutorOptions::gate: not executing yet.
  bool held ABSL_GUARDED_BY(mu) = false;
  // A fresh token per task, emplaced under `mu`.  The running task reads it
  // without the lock; it is not replaced until that task has returned.
  std::optional<CancelToken> token;
};

v1::TaskRef RefOf(const v1::Task& task) {
  v1::TaskRef ref;
  ref.set_job_id(task.job_id());
  ref.set_stage(task.stage());
  ref.set_task_index(task.task_index());
  ref.set_attempt(task.attempt());
  return ref;
}

// Which tasks a Cancel message names.
class CancelMatcher {
 public:
  explicit CancelMatcher(const v1::Cancel& cancel) : cancel_(cancel) {
    for (const std::string& id : cancel.job_ids()) jobs_.insert(id);
  }
  bool Matches(const v1::Task& t) const {
    if (jobs_.contains(t.job_id())) return true;
    for (const v1::TaskRef& r : cancel_.tasks()) {
      if (r.job_id() == t.job_id() && r.stage() == t.stage() &&
          r.task_index() == t.task_index() &&
          (r.attempt() == 0 || r.attempt() == t.attempt())) {
        return true;
      }
    }
    return false;
  }

 private:
  const v1::Cancel& cancel_;
  absl::flat_hash_set<std::string_view> jobs_;
};

void FillResult(const v1::Task& task, v1::TaskResult* r) {
  r->set_job_id(task.job_id());
  r->set_task_index(task.task_index());
  r->set_attempt(task.attempt());
  r->set_stage(task.stage());
}

absl::Time DeadlineOf(const v1::Task& task, absl::Time start) {
  const double timeout = task.timeout_s();
  return timeout > 0 && std::isfinite(timeout) ? start + absl::Seconds(timeout)
                                               : absl::InfiniteFuture();
}

void SetError(const absl::Status& status, v1::TaskResult* r) {
  v1::TaskError* e = r->mutable_error();
  e->set_code(static_cast<int32_t>(status.code()));
  e->set_message(std::string(status.message()));
  e->set_prepare_failed(IsPrepareFailure(status));
  if (auto lost = LostPreviousTasks(status); lost.has_value()) {
    e->mutable_lost_previous_tasks()->Add(lost->begin(), lost->end());
  }
}

// TBB passes an enqueued functor to an arena thread, and recycles its task's
// memory, through its own atomics, which TSan cannot see (Debian's TBB is not
// built with TSan).  RunnerTask makes those edges visible: its construction
// (on the enqueueing thread) release-publishes what it captured and
// everything written before it; running it acquires that; its destruction
// (on the arena thread) releases, and the next construction, possibly at the
// same address, acquires first.  Two atomic operations per runner start,
// not per task.
std::atomic<uint64_t> runner_handoff{0};

struct HandoffFence {
  HandoffFence() { (void)runner_handoff.load(std::memory_order_acquire); }
  HandoffFence(const HandoffFence&) : HandoffFence() {}
  ~HandoffFence() { runner_handoff.fetch_add(1, std::memory_order_release); }
};

// Runs core->RunLoop(index) on an arena thread (Core is TaskExecutor's).
template <typename Core>
class RunnerTask : private HandoffFence {  // constructed first, destroyed last
 public:
  RunnerTask(std::shared_ptr<Core> core, int index)
      : core_(std::move(core)), index_(index) {
    Publish();
  }
  RunnerTask(RunnerTask&& other) noexcept
      : core_(std::move(other.core_)), index_(other.index_) {
    Publish();
  }
  void operator()() const {
    (void)runner_handoff.load(std::memory_order_acquire);
    core_->RunLoop(index_);
  }

 private:
  static void Publish() {
    runner_handoff.fetch_add(1, std::memory_order_release);
  }
  std::shared_ptr<Core> core_;
  int index_;
};

}  // namespace

struct TaskExecutor::Threads {
  explicit Threads(int slots)
      : parallelism(
            tbb::global_control::max_allowed_parallelism,
            std::max<size_t>(slots + 1, tbb::info::default_concurrency())),
        arena(slots, /*reserved_for_masters=*/0) {}
  // TBB's default pool has cores - 1 threads; the arena needs `slots`
  // (raised only, never lowered).
  tbb::global_control parallelism;
  tbb::task_arena arena;
};

class TaskExecutor::Core {
 public:
  explicit Core(const ExecutorOptions& options)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : RealClock::Get()) {
    for (int i = 0; i < options_.slots; ++i) {
      slots_.push_back(std::make_unique<Slot>());
    }
    runner_active_.assign(options_.slots, 0);
    idle_since_ = clock_->Now();
  }

  // Returns the runner indices the caller must start on the arena.
  std::vector<int> Add(v1::TaskBatch& batch);
  void RunLoop(int index);
  void Cancel(const v1::Cancel& cancel);
  void StopAccepting();
  std::vector<v1::TaskRef> TakeReturned();
  void Reset(bool accept_again);
  void WaitUntilNoneRunning();
  absl::Time CheckTimeouts();
  void TakeOutput(Output* out);
  void WaitForOutput(absl::Time deadline);
  void Wake();
  size_t running() const {
    std::lock_guard<std::mutex> l(mu_);
    return active_runners_;
  }
  size_t queued() const {
    std::lock_guard<std::mutex> l(mu_);
    return queue_.size();
  }
  std::vector<v1::TaskRef> RunningTasks() const {
    std::vector<v1::TaskRef> out;
    for (const auto& slot : slots_) {
      std::lock_guard<std::mutex> s(slot->mu);
      if (slot->task == nullptr || slot->dropped || slot->timed_out ||
          slot->held) {
        continue;
      }
      out.push_back(RefOf(*slot->task));
    }
    return out;
  }
  absl::Time IdleSince() const {
    std::lock_guard<std::mutex> l(mu_);
    return active_runners_ == 0 ? idle_since_ : absl::InfiniteFuture();
  }

 private:
  // Pops the next task into the slot (registering it there), or marks the
  // runner inactive and returns false.
  bool Next(int index, QueuedTask* out) ABSL_LOCKS_EXCLUDED(mu_);
  void RunOne(Slot& slot, const QueuedTask& queued);
  absl::StatusOr<std::string> Execute(const QueuedTask& queued,
                                      const CancelToken& token);
  // Appends a result (when `result` is set) and `credits` to the outbox,
  // unless the stream of `generation` has been reset since.
  void Emit(uint64_t generation, const v1::Task* task,
            absl::StatusOr<std::string>* result, double run_seconds,
            uint32_t credits);
  void EmitPrepared(uint64_t generation, std::vector<v1::TaskResult> results,
                    uint32_t credits);
  // Marks the output due when anything is pending (the run queue emptied).
  void MarkDue();
  void MarkSlotsDropped(const CancelMatcher* matcher)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ExecutorOptions options_;
  const Clock* const clock_;
  // Bumped by Reset with both mu_ and out_mu_ held, so either lock gives a
  // consistent view.
  std::atomic<uint64_t> generation_{0};
  std::vector<std::unique_ptr<Slot>> slots_;

  // Lock order: mu_, then a Slot::mu, then out_mu_.  std::mutex rather than
  // absl::Mutex so that TSan sees them (see coordinator/scheduler.h).
  mutable std::mutex mu_;
  std::condition_variable none_running_;  // active_runners_ fell to 0
  std::deque<QueuedTask> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<char> runner_active_ ABSL_GUARDED_BY(mu_);
  size_t active_runners_ ABSL_GUARDED_BY(mu_) = 0;
  bool accepting_ ABSL_GUARDED_BY(mu_) = true;
  std::vector<v1::TaskRef> returned_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<JobEntry>> jobs_
      ABSL_GUARDED_BY(mu_);
  absl::Time idle_since_ ABSL_GUARDED_BY(mu_);

  std::mutex out_mu_;
  std::condition_variable out_cv_;
  v1::ResultBatch results_ ABSL_GUARDED_BY(out_mu_);
  size_t bytes_ ABSL_GUARDED_BY(out_mu_) = 0;
  uint32_t credits_ ABSL_GUARDED_BY(out_mu_) = 0;
  // Real time of the oldest pending output; InfiniteFuture when none.
  absl::Time pending_since_ ABSL_GUARDED_BY(out_mu_) = absl::InfiniteFuture();
  bool due_ ABSL_GUARDED_BY(out_mu_) = false;
  bool wake_ ABSL_GUARDED_BY(out_mu_) = false;
};

std::vector<int> TaskExecutor::Core::Add(v1::TaskBatch& batch) {
  // Resolve each task's job under the lock, build the queue entries outside
  // it, append them under it again: runners are held up only briefly.
  std::vector<std::shared_ptr<JobEntry>> jobs(batch.tasks_size());
  uint64_t generation;
  {
    std::lock_guard<std::mutex> l(mu_);
    generation = generation_.load(std::memory_order_relaxed);
    for (v1::JobDefinition& def : *batch.mutable_jobs()) {
      auto [it, inserted] = jobs_.try_emplace(def.job_id());
      if (inserted) {
        it->second = std::make_shared<JobEntry>(
            def.job_id(), std::move(*def.mutable_spec()), options_.registry);
      }
    }
    const std::string* last_id = nullptr;
    std::shared_ptr<JobEntry> last;
    for (int i = 0; i < batch.tasks_size(); ++i) {
      const std::string& id = batch.tasks(i).job_id();
      if (last_id == nullptr || *last_id != id) {
        auto it = jobs_.find(id);
        last = it == jobs_.end() ? nullptr : it->second;
        last_id = &id;
      }
      jobs[i] = last;
    }
  }

  std::vector<QueuedTask> ready;
  ready.reserve(batch.tasks_size());
  std::vector<v1::TaskResult> undefined;
  for (int i = 0; i < batch.tasks_size(); ++i) {
    v1::Task* task = batch.mutable_tasks(i);
    if (jobs[i] == nullptr) {
      v1::TaskResult r;
      FillResult(*task, &r);
      SetError(absl::FailedPreconditionError(absl::StrCat(
                   "task ", task->task_index(), " of job ", task->job_id(),
                   " arrived without a JobDefinition on this stream")),
               &r);
      undefined.push_back(std::move(r));
      continue;
    }
    ready.push_back({std::move(*task), std::move(jobs[i])});
  }
  if (!undefined.empty()) {
    const auto n = static_cast<uint32_t>(undefined.size());
    EmitPrepared(generation, std::move(undefined), n);
  }

  std::vector<int> start;
  if (ready.empty()) return start;
  std::lock_guard<std::mutex> l(mu_);
  if (generation != generation_.load(std::memory_order_relaxed)) return start;
  if (!accepting_) {
    for (const QueuedTask& q : ready) returned_.push_back(RefOf(q.task));
    return start;
  }
  std::move(ready.begin(), ready.end(), std::back_inserter(queue_));
  for (int i = 0; i < options_.slots && start.size() < ready.size(); ++i) {
    if (!runner_active_[i]) {
      runner_active_[i] = 1;
      ++active_runners_;
      start.push_back(i);
    }
  }
  return start;
}

bool TaskExecutor::Core::Next(int index, QueuedTask* out) {
  std::lock_guard<std::mutex> l(mu_);
  if (queue_.empty()) {
    runner_active_[index] = 0;
    if (--active_runners_ == 0) {
      idle_since_ = clock_->Now();
      none_running_.notify_all();
    }
    return false;
  }
  *out = std::move(queue_.front());
  queue_.pop_front();
  const absl::Time start = clock_->Now();
  Slot& slot = *slots_[index];
  std::lock_guard<std::mutex> s(slot.mu);
  slot.task = &out->task;
  slot.start = start;
  slot.deadline = DeadlineOf(out->task, start);
  slot.generation = generation_.load(std::memory_order_relaxed);
  slot.dropped = false;
  slot.timed_out = false;
  slot.held = options_.gate != nullptr;
  slot.token.emplace();
  return true;
}

void TaskExecutor::Core::RunLoop(int index) {
  Slot& slot = *slots_[index];
  QueuedTask queued;
  while (Next(index, &queued)) RunOne(slot, queued);
  MarkDue();
}

void TaskExecutor::Core::RunOne(Slot& slot, const QueuedTask& queued) {
  WorkerTelemetry::Global().TaskStarted();
  const CancelToken* token;
  absl::Time start;
  {
    std::lock_guard<std::mutex> s(slot.mu);
    token = &*slot.token;
    start = slot.start;
  }
  absl::Status gate = absl::OkStatus();
  if (options_.gate != nullptr) {
    // Held: leased, in the slot, not executing; timing starts once it passes.
    gate = options_.gate->Wait(queued.task, *token);
    std::lock_guard<std::mutex> s(slot.mu);
    start = slot.start = clock_->Now();
    slot.deadline = DeadlineOf(queued.task, start);
    slot.held = false;
  }
  absl::StatusOr<std::string> result =
      gate.ok() ? Execute(queued, *token) : absl::StatusOr<std::string>(gate);
  if (result.ok() && result->size() > options_.max_partial_bytes) {
    result = absl::OutOfRangeError(absl::StrCat(
        "task ", queued.task.task_index(), " of job ", queued.task.job_id(),
        " returned a partial of ", result->size(), " bytes; the limit is ",
        options_.max_partial_bytes, " bytes: split the job into more tasks"));
  }
  const absl::Time end = clock_->Now();
  bool report;
  uint64_t generation;
  {
    std::lock_guard<std::mutex> s(slot.mu);
    report = !slot.dropped && !slot.timed_out;
    generation = slot.generation;
    slot.task = nullptr;
  }
  WorkerTelemetry::Global().TaskEnded(
      queued.job->spec().kind(),
      !report ? "abandoned" : (result.ok() ? "succeeded" : "failed"),
      absl::ToDoubleSeconds(end - start));
  Emit(generation, &queued.task, report ? &result : nullptr,
       absl::ToDoubleSeconds(end - start), 1);
}

absl::StatusOr<std::string> TaskExecutor::Core::Execute(
    const QueuedTask& queued, const CancelToken& token) {
  absl::StatusOr<TaskRunner*> runner = queued.job->Runner();
  if (!runner.ok()) return runner.status();
  const v1::Task& task = queued.task;
  TaskContext context;
  context.stage = task.stage();
  context.index = task.task_index();
  context.attempt = task.attempt();
  context.payload = task.payload();
  context.cancel = &token;
  try {
    return (*runner)->Run(context);
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("task ", task.task_index(),
                                            " of job ", task.job_id(),
                                            " threw an exception: ", e.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat("task ", task.task_index(),
                                            " of job ", task.job_id(),
                                            " threw a non-standard exception"));
  }
}

void TaskExecutor::Core::Emit(uint64_t generation, const v1::Task* task,
                              absl::StatusOr<std::string>* result,
                              double run_seconds, uint32_t credits) {
  bool signal = false;
  {
    std::lock_guard<std::mutex> l(out_mu_);
    if (generation != generation_.load(std::memory_order_relaxed)) return;
    if (result != nullptr) {
      // Reuses a cleared element (and its string capacity) when there is one.
      v1::TaskResult* r = results_.add_results();
      FillResult(*task, r);
      r->set_run_seconds(run_seconds);
      if (result->ok()) {
        bytes_ += (*result)->size();
        r->set_partial(std::move(**result));
      } else {
        SetError(result->status(), r);
      }
    }
    credits_ += credits;
    if (pending_since_ == absl::InfiniteFuture()) {
      pending_since_ = absl::Now();
      signal = true;
    }
    if (static_cast<size_t>(results_.results_size()) >=
            options_.flush_results ||
        bytes_ >= options_.flush_bytes) {
      due_ = true;
      signal = true;
    }
  }
  if (signal) out_cv_.notify_one();
}

void TaskExecutor::Core::EmitPrepared(uint64_t generation,
                                      std::vector<v1::TaskResult> results,
                                      uint32_t credits) {
  {
    std::lock_guard<std::mutex> l(out_mu_);
    if (generation != generation_.load(std::memory_order_relaxed)) return;
    for (v1::TaskResult& r : results) {
      results_.mutable_results()->Add(std::move(r));
    }
    credits_ += credits;
    if (pending_since_ == absl::InfiniteFuture()) pending_since_ = absl::Now();
    due_ = true;
  }
  out_cv_.notify_one();
}

void TaskExecutor::Core::MarkDue() {
  {
    std::lock_guard<std::mutex> l(out_mu_);
    if (results_.results_size() == 0 && credits_ == 0) return;
    due_ = true;
  }
  out_cv_.notify_one();
}

void TaskExecutor::Core::MarkSlotsDropped(const CancelMatcher* matcher) {
  const uint64_t generation = generation_.load(std::memory_order_relaxed);
  for (auto& slot : slots_) {
    std::lock_guard<std::mutex> s(slot->mu);
    if (slot->task == nullptr) continue;
    if (matcher != nullptr ? matcher->Matches(*slot->task)
                           : slot->generation != generation) {
      slot->dropped = true;
      slot->token->Cancel();
    }
  }
}

void TaskExecutor::Core::Cancel(const v1::Cancel& cancel) {
  const CancelMatcher matcher(cancel);
  uint32_t dropped = 0;
  uint64_t generation;
  {
    std::lock_guard<std::mutex> l(mu_);
    generation = generation_.load(std::memory_order_relaxed);
    const size_t before = queue_.size();
    std::erase_if(queue_,
                  [&](const QueuedTask& q) { return matcher.Matches(q.task); });
    dropped = static_cast<uint32_t>(before - queue_.size());
    for (const std::string& id : cancel.job_ids()) jobs_.erase(id);
    MarkSlotsDropped(&matcher);
  }
  if (dropped > 0) EmitPrepared(generation, {}, dropped);
}

void TaskExecutor::Core::StopAccepting() {
  std::lock_guard<std::mutex> l(mu_);
  accepting_ = false;
  for (const QueuedTask& q : queue_) returned_.push_back(RefOf(q.task));
  queue_.clear();
}

std::vector<v1::TaskRef> TaskExecutor::Core::TakeReturned() {
  std::lock_guard<std::mutex> l(mu_);
  return std::exchange(returned_, {});
}

void TaskExecutor::Core::Reset(bool accept_again) {
  std::lock_guard<std::mutex> l(mu_);
  {
    std::lock_guard<std::mutex> o(out_mu_);
    generation_.fetch_add(1, std::memory_order_relaxed);
    results_.Clear();
    bytes_ = 0;
    credits_ = 0;
    pending_since_ = absl::InfiniteFuture();
    due_ = false;
  }
  queue_.clear();
  returned_.clear();
  jobs_.clear();
  accepting_ = accept_again;
  MarkSlotsDropped(nullptr);
}

void TaskExecutor::Core::WaitUntilNoneRunning() {
  std::unique_lock<std::mutex> l(mu_);
  none_running_.wait(l, [this] { return active_runners_ == 0; });
}

absl::Time TaskExecutor::Core::CheckTimeouts() {
  const absl::Time now = clock_->Now();
  absl::Time next = absl::InfiniteFuture();
  for (auto& slot : slots_) {
    v1::TaskResult r;
    uint64_t generation;
    {
      std::lock_guard<std::mutex> s(slot->mu);
      if (slot->task == nullptr || slot->dropped || slot->timed_out ||
          slot->held) {
        continue;
      }
      if (slot->deadline > now) {
        next = std::min(next, slot->deadline);
        continue;
      }
      slot->timed_out = true;
      slot->token->Cancel();
      generation = slot->generation;
      FillResult(*slot->task, &r);
      r.set_run_seconds(absl::ToDoubleSeconds(now - slot->start));
      SetError(absl::DeadlineExceededError(absl::StrCat(
                   "task ", slot->task->task_index(), " of job ",
                   slot->task->job_id(), " exceeded its timeout of ",
                   slot->task->timeout_s(), " s")),
               &r);
    }
    std::vector<v1::TaskResult> one;
    one.push_back(std::move(r));
    EmitPrepared(generation, std::move(one), 0);
  }
  return next;
}

void TaskExecutor::Core::TakeOutput(Output* out) {
  out->results.Clear();
  std::lock_guard<std::mutex> l(out_mu_);
  out->results.Swap(&results_);
  out->bytes = std::exchange(bytes_, 0);
  out->credits = std::exchange(credits_, 0);
  pending_since_ = absl::InfiniteFuture();
  due_ = false;
}

void TaskExecutor::Core::WaitForOutput(absl::Time deadline) {
  std::unique_lock<std::mutex> l(out_mu_);
  while (!due_ && !wake_) {
    const absl::Time until =
        pending_since_ == absl::InfiniteFuture()
            ? deadline
            : std::min(deadline, pending_since_ + options_.flush_delay);
    if (absl::Now() >= until) break;
    out_cv_.wait_until(l, absl::ToChronoTime(until));
  }
  wake_ = false;
}

void TaskExecutor::Core::Wake() {
  {
    std::lock_guard<std::mutex> l(out_mu_);
    wake_ = true;
  }
  out_cv_.notify_one();
}

TaskExecutor::TaskExecutor(const ExecutorOptions& options)
    : core_(std::make_shared<Core>(options)),
      threads_(std::make_unique<Threads>(options.slots)) {}

TaskExecutor::~TaskExecutor() {
  core_->Reset(/*accept_again=*/false);
  core_->WaitUntilNoneRunning();
}

void TaskExecutor::Add(v1::TaskBatch& batch) {
  for (int index : core_->Add(batch)) {
    threads_->arena.enqueue(RunnerTask<Core>(core_, index));
  }
}

void TaskExecutor::Cancel(const v1::Cancel& cancel) { core_->Cancel(cancel); }
void TaskExecutor::StopAccepting() { core_->StopAccepting(); }
std::vector<v1::TaskRef> TaskExecutor::TakeReturned() {
  return core_->TakeReturned();
}
void TaskExecutor::Reset() { core_->Reset(/*accept_again=*/true); }
absl::Time TaskExecutor::CheckTimeouts() { return core_->CheckTimeouts(); }
void TaskExecutor::TakeOutput(Output* out) { core_->TakeOutput(out); }
void TaskExecutor::WaitForOutput(absl::Time deadline) {
  core_->WaitForOutput(deadline);
}
void TaskExecutor::Wake() { core_->Wake(); }
size_t TaskExecutor::running() const { return core_->running(); }
std::vector<v1::TaskRef> TaskExecutor::RunningTasks() const {
  return core_->RunningTasks();
}
size_t TaskExecutor::queued() const { return core_->queued(); }
absl::Time TaskExecutor::IdleSince() const { return core_->IdleSince(); }

}  // namespace gridless
