// Who runs what: the leases of tasks handed to workers.
//
// A lease maps a task (job, stage, index) to the worker stream running it and
// the attempt number.  A lease ends when its result comes back (Complete),
// when its worker goes away (Release: all its leases at once), or when it
// expires (Expire).
//
// Expiry is by worker liveness: a worker's leases live until `timeout` after
// the later of its last message (Renew, O(1) whatever the number of leases)
// and its last grant; a silent worker loses all its leases together.  A lease
// may also carry its own hard deadline (a per-task timeout), which no
// heartbeat extends.
//
// Cost: Grant, Complete, Find O(1); Renew O(1); Expire O(workers + expired);
// Release O(leases of the worker); RemoveJob O(leases).  The by-worker index
// is an append-only list per worker, pruned lazily (an ended lease leaves a
// stale entry that is skipped, and the list is compacted when stale entries
// outnumber live ones), so the per-task path does one hash insert and one
// erase in total.
//
// Not thread-safe: the owner (the Scheduler) serializes calls.
#ifndef GRIDLESS_COORDINATOR_LEASE_TABLE_H_
#define GRIDLESS_COORDINATOR_LEASE_TABLE_H_

#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "coordinator/task_key.h"

namespace gridless {

struct Lease {
  TaskKey task;
  WorkerId worker = 0;
  uint32_t attempt = 0;  // 1-based
  absl::Time granted;
  // The lease's own deadline (task timeout); InfiniteFuture when none.
  absl::Time hard_deadline = absl::InfiniteFuture();
};

class LeaseTable {
 public:
  // Why Expire took a lease back.
  enum class ExpiryReason { kWorkerSilent, kTaskTimeout };
  struct Expired {
    Lease lease;
    ExpiryReason reason;
  };

  explicit LeaseTable(absl::Duration timeout) : timeout_(timeout) {}

  absl::Duration timeout() const { return timeout_; }

  // Leases `task` to `worker`.  REQUIRES: the task holds no lease.  Extends
  // the worker's liveness deadline to at least now + timeout.
  void Grant(const TaskKey& task, WorkerId worker, uint32_t attempt,
             absl::Time now, absl::Time hard_deadline = absl::InfiniteFuture());

  // The lease of `task`, or nullptr.  Valid until the next mutation.
  const Lease* Find(const TaskKey& task) const;

  // Ends the lease of `task` if `worker` holds it with `attempt`; returns it.
  // nullopt for a late or duplicate result (no such lease, or another
  // worker's or attempt's).
  std::optional<Lease> Complete(const TaskKey& task, WorkerId worker,
                                uint32_t attempt);

  // Every lease of `worker` now lives until at least now + timeout.
  void Renew(WorkerId worker, absl::Time now);

  // Takes back every lease past its deadline at `now`.
  std::vector<Expired> Expire(absl::Time now);

  // Takes back every lease of `worker` and forgets the worker.
  std::vector<Lease> Release(WorkerId worker);

  // Takes back every lease of `job` (cancelled or failed).
  std::vector<Lease> RemoveJob(JobHandle job);

  size_t size() const { return leases_.size(); }
  size_t leases_of(WorkerId worker) const;

 private:
  struct WorkerLeases {
    absl::Time deadline;
    // Tasks leased to the worker, possibly with stale entries (ended
    // leases, duplicates); live leases are those in leases_ with this worker.
    std::vector<TaskKey> tasks;
    size_t live = 0;
  };
  // Removes `it` from leases_ and hard_deadlines_ and counts it out of its
  // worker's live leases.
  Lease Erase(absl::flat_hash_map<TaskKey, Lease>::iterator it);
  // Takes back every live lease of `w` (an entry of by_worker_).
  void TakeAll(WorkerId worker, WorkerLeases& w, std::vector<Lease>* out);
  // Drops stale entries of a worker's list when they dominate.
  void MaybeCompact(WorkerId worker, WorkerLeases& w);

  absl::Duration timeout_;
  absl::flat_hash_map<TaskKey, Lease> leases_;
  absl::flat_hash_map<WorkerId, WorkerLeases> by_worker_;
  // Leases with a hard deadline, ordered by it.
  std::set<std::pair<absl::Time, TaskKey>> hard_deadlines_;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_LEASE_TABLE_H_
