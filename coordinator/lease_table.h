// Who runs what: the leases of tasks handed to workers.
//
// A lease maps a task (job, stage, index) to the worker stream running it and
// the attempt number.  A lease ends when its result comes back (Complete),
// when its worker goes away (Release: all its leases at once), or when it
// expires (Expire).
//
// A task may hold a second, backup lease (speculative execution: a copy of a
// straggler on another worker).  Primary and backup leases are kept apart so
// that the common path (one lease per task) costs what it did; Complete
// matches either, and Revoke ends one chosen lease (the loser of the race).
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
#include <tuple>
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
  // A speculative copy running beside the primary lease.
  bool backup = false;
  // When the worker first reported the task executing (its heartbeat lists
  // running tasks); InfiniteFuture while it may still wait in the worker's
  // queue.
  absl::Time started = absl::InfiniteFuture();
  // Grant order within the table (1, 2, ...): what happened before a lease
  // was granted, independent of the clock.
  uint64_t sequence = 0;
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

  // Leases `task` to `worker` (as its backup when `backup`).  REQUIRES: the
  // task holds no lease of that kind.  Extends the worker's liveness
  // deadline to at least now + timeout.
  void Grant(const TaskKey& task, WorkerId worker, uint32_t attempt,
             absl::Time now, absl::Time hard_deadline = absl::InfiniteFuture(),
             bool backup = false);

  // The primary (or backup) lease of `task`, or nullptr.  Valid until the
  // next mutation.
  const Lease* Find(const TaskKey& task) const;
  const Lease* FindBackup(const TaskKey& task) const;
  // The sequence number the next Grant will get: a lease with a smaller
  // one was granted before this call.
  uint64_t next_sequence() const { return next_sequence_; }
  // Whether the task holds any lease.
  bool Leased(const TaskKey& task) const {
    return Find(task) != nullptr || FindBackup(task) != nullptr;
  }

  // Ends the lease (primary or backup) of `task` that `worker` holds with
  // `attempt`; returns it.  nullopt for a late or duplicate result (no such
  // lease, or another worker's or attempt's).
  std::optional<Lease> Complete(const TaskKey& task, WorkerId worker,
                                uint32_t attempt);
  // The worker reported the lease executing at `now`: records `started`
  // (once) and arms `hard_deadline` (finite = the task timeout).  False when
  // `worker` holds no such lease.
  bool MarkStarted(const TaskKey& task, WorkerId worker, uint32_t attempt,
                   absl::Time now, absl::Time hard_deadline);
  // Ends every remaining lease of `task` (the losers once one copy won).
  std::vector<Lease> Revoke(const TaskKey& task);
  // Every primary lease of `job` started at or before `started_before` with
  // no backup: the candidates for speculation.  O(leases).
  std::vector<Lease> Stragglers(JobHandle job, absl::Time started_before) const;

  // Every lease of `worker` now lives until at least now + timeout.
  void Renew(WorkerId worker, absl::Time now);

  // Takes back every lease past its deadline at `now`.
  std::vector<Expired> Expire(absl::Time now);

  // Takes back every lease of `worker` and forgets the worker.
  std::vector<Lease> Release(WorkerId worker);

  // Takes back every lease of `job` (cancelled or failed).
  std::vector<Lease> RemoveJob(JobHandle job);

  size_t size() const { return leases_.size() + backups_.size(); }
  size_t leases_of(WorkerId worker) const;

 private:
  using Map = absl::flat_hash_map<TaskKey, Lease>;
  // An entry of a worker's list: a task and which map holds its lease.
  struct Held {
    TaskKey task;
    bool backup = false;
  };
  struct WorkerLeases {
    absl::Time deadline;
    // Leases granted to the worker, possibly with stale entries (ended
    // leases, duplicates); live leases are those in leases_/backups_ with
    // this worker.
    std::vector<Held> tasks;
    size_t live = 0;
  };
  Map& MapOf(bool backup) { return backup ? backups_ : leases_; }
  // Removes `it` (of leases_ or backups_) and its hard deadline and counts
  // it out of its worker's live leases.
  Lease Erase(Map& map, Map::iterator it);
  // Whether `held` is a live lease of `worker`.
  bool Live(WorkerId worker, const Held& held) const;
  // Takes back every live lease of `w` (an entry of by_worker_).
  void TakeAll(WorkerId worker, WorkerLeases& w, std::vector<Lease>* out);
  // Drops stale entries of a worker's list when they dominate.
  void MaybeCompact(WorkerId worker, WorkerLeases& w);

  absl::Duration timeout_;
  uint64_t next_sequence_ = 1;
  Map leases_;
  Map backups_;
  absl::flat_hash_map<WorkerId, WorkerLeases> by_worker_;
  // Leases with a hard deadline, ordered by it (and backup after primary).
  std::set<std::tuple<absl::Time, TaskKey, bool>> hard_deadlines_;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_LEASE_TABLE_H_
