// The suspect policy: blame after a worker dies.
//
// When a worker dies (stream gone, or silent past the lease timeout) the
// coordinator cannot tell which of its leased tasks killed it: workers
// prefetch up to 256 tasks per slot.  So its leases go back at once without
// counting an attempt, as suspects, and a worker is given at most `slots`
// suspects at a time, into free slots only, ahead of its other tasks.  When
// a worker holding suspects dies, those suspects are charged the attempt
// (retried, or dead-lettered at max_attempts) and the rest of its leases
// become suspects.  A task that crashes its worker is so dead-lettered after
// max_attempts + 1 crashes, while its queue neighbours and the tasks of a
// machine that died for reasons of its own lose nothing.  A suspect that
// returns any result is cleared.
//
// State: the suspect set, the queue of suspects waiting for a worker (stale
// entries are skipped when taken), and the suspects each worker holds.
// The caller (the Scheduler) owns leases, jobs and the ready queue, and
// answers Take's questions about them.
//
// Not thread-safe: the owner serializes calls.
#ifndef GRIDLESS_COORDINATOR_SUSPECTS_H_
#define GRIDLESS_COORDINATOR_SUSPECTS_H_

#include <cstddef>
#include <deque>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "coordinator/task_key.h"

namespace gridless {

class Suspects {
 public:
  // Who pays for a lease lost with its worker.
  enum class Blame {
    kCharge,   // it was one of the worker's suspects: count the attempt
    kSuspect,  // anything else: requeue it free, as a suspect
  };
  // What Take should do with a queued suspect (asked in this order of
  // precedence by the caller's classifier).
  enum class Candidate {
    kStale,      // its job ended, or it is merged/dead: no longer a suspect
    kNotNow,     // leased, or waiting for a repair: dropped from the queue
                 // (it comes back through the ready queue)
    kElsewhere,  // this worker refused its job: left queued for another
    kTake,       // lease it to this worker
  };

  // Worker `worker` died holding `task`'s lease.  Forgets that it held it.
  Blame OnWorkerLost(WorkerId worker, const TaskKey& task);
  // Marks `task` a suspect and queues it for a worker.
  void Add(const TaskKey& task);
  // Queues a suspect again (its backoff is over, or it was handed back).
  void Queue(const TaskKey& task) { queue_.push_back(task); }
  bool Contains(const TaskKey& task) const { return set_.contains(task); }
  // `task` returned a result on `worker`: no longer a suspect.
  void Clear(WorkerId worker, const TaskKey& task);
  // `worker` handed `task` back unstarted: still a suspect, not held.
  void Unhold(WorkerId worker, const TaskKey& task);
  // The job ended / the worker stream ended.
  void ForgetJob(JobHandle job);
  void ForgetWorker(WorkerId worker) { held_.erase(worker); }

  // Queue entries (stale ones included), for the queue depth.
  size_t queued() const { return queue_.size(); }

  // Leases queued suspects to `worker` (`slots` slots, at least 1;
  // `leased` tasks leased to it now) into its free slots, at most `max`,
  // and so that it holds at most `slots` suspects; one pass over the queue.
  // `holds(task)`: whether the worker still holds that lease (suspects it
  // no longer holds are forgotten first).  `classify` judges each entry;
  // `lease` is called for each kTake.  Returns how many were leased.
  size_t Take(WorkerId worker, size_t slots, size_t leased, size_t max,
              absl::FunctionRef<bool(const TaskKey&)> holds,
              absl::FunctionRef<Candidate(const TaskKey&)> classify,
              absl::FunctionRef<void(const TaskKey&)> lease);

 private:
  absl::flat_hash_set<TaskKey> set_;
  std::deque<TaskKey> queue_;
  absl::flat_hash_map<WorkerId, absl::flat_hash_set<TaskKey>> held_;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_SUSPECTS_H_
