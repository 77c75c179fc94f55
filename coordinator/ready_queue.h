// The queue of tasks waiting for a worker: one FIFO per job plus a delayed set
// of retries that may not run before a given time (their backoff).
//
// Fairness: TakeBatch serves the jobs that have ready tasks round-robin, one
// task per job per turn, and remembers whose turn is next across calls, so two
// running jobs share the workers evenly whatever their sizes.
//
// A stage's freshly planned tasks are pushed as one range [0, n) and stored as
// such (O(1) memory per stage, not per task); a retry is a range of one.
//
// Cost: Push/PushRange O(1); PushDelayed and each release O(log delayed);
// TakeBatch O(tasks taken + jobs visited); RemoveJob O(jobs + delayed).
//
// Not thread-safe: the owner (the Scheduler) serializes calls.
#ifndef GRIDLESS_COORDINATOR_READY_QUEUE_H_
#define GRIDLESS_COORDINATOR_READY_QUEUE_H_

#include <cstdint>
#include <deque>
#include <queue>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "coordinator/task_key.h"

namespace gridless {

class ReadyQueue {
 public:
  // Tasks [begin, end) of `stage` of `job` become ready, after everything the
  // job already has queued.
  void PushRange(JobHandle job, uint32_t stage, uint64_t begin, uint64_t end);
  void Push(const TaskKey& task) {
    PushRange(task.job, task.stage, task.index, task.index + 1);
  }
  // `task` becomes ready at `not_before` (see ReleaseDue).
  void PushDelayed(const TaskKey& task, absl::Time not_before);

  // Moves every delayed task whose time has come (not_before <= now) to the
  // back of its job's FIFO, earliest first.  Returns how many were moved.
  size_t ReleaseDue(absl::Time now);

  // Appends up to `max` ready tasks to `out`, round-robin across jobs.
  // Returns how many were appended.
  size_t TakeBatch(size_t max, std::vector<TaskKey>* out);
  // The same, passing over the jobs in `skip` (a worker that refused them):
  // they keep their tasks and their turn.  Costs O(jobs in skip) more per
  // turn.
  size_t TakeBatch(size_t max, std::vector<TaskKey>* out,
                   const absl::flat_hash_set<JobHandle>& skip);

  // Forgets every ready and delayed task of `job` (a cancelled or finished
  // job).  Returns how many tasks were dropped.
  size_t RemoveJob(JobHandle job);

  // Tasks that can be taken now / that wait for their backoff.
  uint64_t ready() const { return ready_; }
  uint64_t delayed() const { return delayed_.size(); }
  uint64_t ready(JobHandle job) const;
  // The earliest not_before of the delayed set; InfiniteFuture when empty.
  absl::Time next_release() const;

 private:
  struct Range {
    uint32_t stage;
    uint64_t begin;
    uint64_t end;
  };
  struct JobQueue {
    std::deque<Range> ranges;
    uint64_t ready = 0;
    bool in_ring = false;  // listed in ring_
  };
  struct Delayed {
    absl::Time not_before;
    uint64_t seq;  // FIFO among equal times
    TaskKey task;
    bool operator>(const Delayed& o) const {
      return not_before != o.not_before ? not_before > o.not_before
                                        : seq > o.seq;
    }
  };

  absl::flat_hash_map<JobHandle, JobQueue> jobs_;
  // Jobs with ready tasks, in the order they will be served.
  std::deque<JobHandle> ring_;
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<Delayed>>
      delayed_;
  uint64_t delayed_seq_ = 0;
  uint64_t ready_ = 0;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_READY_QUEUE_H_
