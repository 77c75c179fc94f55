// The worker's engine, independent of gRPC: queues the tasks received from the
// coordinator, runs them on a TBB arena with `slots` threads, and collects
// their results and the credits they free for the session to send.
//
// Credit accounting: every task handed to Add is "held" until it stops: its
// result is collected, it is dropped by Cancel (queued ones at once, running
// ones when they return), or it ends after its timeout was reported.  Each
// task that stops adds one to Output::credits.  Tasks discarded by Reset or
// handed back by StopAccepting free no credit (the stream they came on is
// gone or going).
//
// Results of tasks named by a Cancel are never reported.  A task past its
// Task.timeout_s has its CancelToken cancelled and is reported at once as
// DEADLINE_EXCEEDED; whatever it returns later is discarded.  Tasks must
// honour cancellation: the destructor cancels running tasks and waits for them
// to return.
//
// Thread-safety: all methods may be called from any thread.  The intended use
// is one reader thread calling Add/Cancel and one session thread calling the
// rest.
#ifndef GRIDLESS_WORKER_TASK_EXECUTOR_H_
#define GRIDLESS_WORKER_TASK_EXECUTOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "gridless/v1/worker.pb.h"
#include "jobs/job.h"
#include "worker/task_gate.h"

namespace gridless {

struct ExecutorOptions {
  // Tasks run at once (the arena's threads).  Must be >= 1.
  int slots = 1;
  // Kinds the tasks may use; must outlive the executor.  Required.
  const JobRegistry* registry = nullptr;
  // Time source for run times and timeouts; nullptr = RealClock.
  const Clock* clock = nullptr;
  // WaitForOutput returns early once this many results are waiting...
  size_t flush_results = 128;
  // ...or this many bytes of partials...
  size_t flush_bytes = 1 << 20;
  // ...or this long after the oldest waiting result (or freed credit), or as
  // soon as the run queue is empty.
  absl::Duration flush_delay = absl::Milliseconds(1);
  // A partial larger than this is reported as OUT_OF_RANGE instead (a gRPC
  // message holding it would be refused by the coordinator).
  size_t max_partial_bytes = (4 << 20) - (64 << 10);
  // Tests and drills only (gridless-worker --task-gate): each task waits at
  // this gate before it starts, in its slot but not reported as executing
  // (no timeout, no speculation) until it passes.  nullptr (production): no
  // gate, no cost.  Not owned; must outlive the executor.
  TaskGate* gate = nullptr;
};

class TaskExecutor {
 public:
  explicit TaskExecutor(const ExecutorOptions& options);
  // Drops queued tasks, cancels running ones and waits for them to return.
  ~TaskExecutor();

  TaskExecutor(const TaskExecutor&) = delete;
  TaskExecutor& operator=(const TaskExecutor&) = delete;

  // Registers the batch's job definitions and queues its tasks (moved out of
  // `batch`).  A task whose job was never defined on this stream fails with
  // FAILED_PRECONDITION.  After StopAccepting, tasks are set aside unstarted
  // for TakeReturned instead.
  void Add(v1::TaskBatch& batch);

  // Drops the queued tasks named in `cancel` (by job or by task; a TaskRef
  // with attempt 0 matches every attempt) and cancels the running ones.
  void Cancel(const v1::Cancel& cancel);

  // Stops running new tasks: the queued ones, and any added later, are set
  // aside for TakeReturned.  Running tasks go on to finish.
  void StopAccepting();
  std::vector<v1::TaskRef> TakeReturned();

  // Forgets everything of the current stream: drops queued and set-aside
  // tasks, cancels running ones (their results are discarded), forgets job
  // definitions and pending output, and accepts tasks again.
  void Reset();

  // Cancels the tasks whose timeout has passed and queues their
  // DEADLINE_EXCEEDED results.  Returns the next timeout deadline, or
  // absl::InfiniteFuture().
  absl::Time CheckTimeouts();

  struct Output {
    // Moved out as a whole; append to nothing.
    v1::ResultBatch results;
    size_t bytes = 0;  // partial bytes in `results`
    uint32_t credits = 0;
    bool empty() const { return results.results_size() == 0 && credits == 0; }
  };
  // Moves the pending results and credits into *out (whose contents are
  // replaced; pass a cleared batch back in to reuse its allocations).
  void TakeOutput(Output* out);

  // Blocks until output is due (see ExecutorOptions::flush_*), Wake() is
  // called, or `deadline` passes.  Waits in real time (absl::Now), whatever
  // the injected clock.
  void WaitForOutput(absl::Time deadline);
  void Wake();

  // Tasks executing now (including timed-out ones that have not returned).
  size_t running() const;
  // The tasks executing now (not dropped, not timed out), for heartbeats.
  std::vector<v1::TaskRef> RunningTasks() const;
  size_t queued() const;
  // When the executor last became idle (no task queued or running), or
  // absl::InfiniteFuture() while it is busy.
  absl::Time IdleSince() const;

 private:
  class Core;
  struct Threads;
  // Shared with the arena's tasks, so that a runner finishing after the
  // destructor's wait still sees live state.
  std::shared_ptr<Core> core_;
  std::unique_ptr<Threads> threads_;
};

}  // namespace gridless

#endif  // GRIDLESS_WORKER_TASK_EXECUTOR_H_
