// Lease bookkeeping with per-worker liveness (see lease_table.h).
#include "coordinator/lease_table.h"

#include <algorithm>

namespace gridless {

void LeaseTable::Grant(const TaskKey& task, WorkerId worker, uint32_t attempt,
                       absl::Time now, absl::Time hard_deadline) {
  leases_[task] = Lease{task, worker, attempt, now, hard_deadline};
  WorkerLeases& w = by_worker_[worker];
  w.deadline = std::max(w.deadline, now + timeout_);
  w.tasks.push_back(task);
  ++w.live;
  MaybeCompact(worker, w);
  if (hard_deadline != absl::InfiniteFuture()) {
    hard_deadlines_.emplace(hard_deadline, task);
  }
}

const Lease* LeaseTable::Find(const TaskKey& task) const {
  auto it = leases_.find(task);
  return it == leases_.end() ? nullptr : &it->second;
}

Lease LeaseTable::Erase(absl::flat_hash_map<TaskKey, Lease>::iterator it) {
  Lease lease = it->second;
  leases_.erase(it);
  if (auto w = by_worker_.find(lease.worker); w != by_worker_.end()) {
    --w->second.live;  // its list entry goes stale
  }
  if (lease.hard_deadline != absl::InfiniteFuture()) {
    hard_deadlines_.erase({lease.hard_deadline, lease.task});
  }
  return lease;
}

void LeaseTable::MaybeCompact(WorkerId worker, WorkerLeases& w) {
  if (w.tasks.size() < 64 || w.tasks.size() < 4 * w.live) return;
  // A live lease may keep more than one entry (re-granted to the same worker
  // after a retry); TakeAll skips the repeats.
  w.tasks.erase(std::remove_if(w.tasks.begin(), w.tasks.end(),
                               [&](const TaskKey& t) {
                                 auto it = leases_.find(t);
                                 return it == leases_.end() ||
                                        it->second.worker != worker;
                               }),
                w.tasks.end());
}

void LeaseTable::TakeAll(WorkerId worker, WorkerLeases& w,
                         std::vector<Lease>* out) {
  for (const TaskKey& task : w.tasks) {
    auto it = leases_.find(task);
    if (it == leases_.end() || it->second.worker != worker) continue;
    const Lease lease = it->second;
    leases_.erase(it);
    if (lease.hard_deadline != absl::InfiniteFuture()) {
      hard_deadlines_.erase({lease.hard_deadline, lease.task});
    }
    out->push_back(lease);
  }
  w.tasks.clear();
  w.live = 0;
}

std::optional<Lease> LeaseTable::Complete(const TaskKey& task, WorkerId worker,
                                          uint32_t attempt) {
  auto it = leases_.find(task);
  if (it == leases_.end() || it->second.worker != worker ||
      it->second.attempt != attempt) {
    return std::nullopt;
  }
  return Erase(it);
}

void LeaseTable::Renew(WorkerId worker, absl::Time now) {
  auto it = by_worker_.find(worker);
  if (it == by_worker_.end()) return;
  it->second.deadline = std::max(it->second.deadline, now + timeout_);
}

std::vector<LeaseTable::Expired> LeaseTable::Expire(absl::Time now) {
  std::vector<Expired> out;
  std::vector<Lease> taken;
  for (auto& [worker, w] : by_worker_) {
    if (w.deadline > now || w.live == 0) continue;
    TakeAll(worker, w, &taken);
  }
  for (const Lease& lease : taken) {
    out.push_back(Expired{lease, ExpiryReason::kWorkerSilent});
  }
  while (!hard_deadlines_.empty() && hard_deadlines_.begin()->first <= now) {
    auto it = leases_.find(hard_deadlines_.begin()->second);
    out.push_back(Expired{Erase(it), ExpiryReason::kTaskTimeout});
  }
  // A fixed order, so that what follows (backoff draws) is reproducible.
  std::sort(out.begin(), out.end(), [](const Expired& a, const Expired& b) {
    return a.lease.task < b.lease.task;
  });
  return out;
}

std::vector<Lease> LeaseTable::Release(WorkerId worker) {
  std::vector<Lease> out;
  auto w = by_worker_.find(worker);
  if (w == by_worker_.end()) return out;
  TakeAll(worker, w->second, &out);
  by_worker_.erase(w);
  std::sort(out.begin(), out.end(),
            [](const Lease& a, const Lease& b) { return a.task < b.task; });
  return out;
}

std::vector<Lease> LeaseTable::RemoveJob(JobHandle job) {
  std::vector<TaskKey> keys;
  for (const auto& [task, lease] : leases_) {
    if (task.job == job) keys.push_back(task);
  }
  std::sort(keys.begin(), keys.end());
  std::vector<Lease> out;
  out.reserve(keys.size());
  for (const TaskKey& task : keys) out.push_back(Erase(leases_.find(task)));
  return out;
}

size_t LeaseTable::leases_of(WorkerId worker) const {
  auto it = by_worker_.find(worker);
  return it == by_worker_.end() ? 0 : it->second.live;
}

}  // namespace gridless
