// Lease bookkeeping with per-worker liveness (see lease_table.h).
#include "coordinator/lease_table.h"

#include <algorithm>

namespace gridless {
namespace {

bool LeaseOrder(const Lease& a, const Lease& b) {
  if (a.task != b.task) return a.task < b.task;
  return a.backup < b.backup;
}

}  // namespace

void LeaseTable::Grant(const TaskKey& task, WorkerId worker, uint32_t attempt,
                       absl::Time now, absl::Time hard_deadline, bool backup) {
  MapOf(backup)[task] = Lease{task,
                              worker,
                              attempt,
                              now,
                              hard_deadline,
                              backup,
                              absl::InfiniteFuture(),
                              next_sequence_++};
  WorkerLeases& w = by_worker_[worker];
  w.deadline = std::max(w.deadline, now + timeout_);
  w.tasks.push_back(Held{task, backup});
  ++w.live;
  MaybeCompact(worker, w);
  if (hard_deadline != absl::InfiniteFuture()) {
    hard_deadlines_.emplace(hard_deadline, task, backup);
  }
}

const Lease* LeaseTable::Find(const TaskKey& task) const {
  auto it = leases_.find(task);
  return it == leases_.end() ? nullptr : &it->second;
}

const Lease* LeaseTable::FindBackup(const TaskKey& task) const {
  if (backups_.empty()) return nullptr;
  auto it = backups_.find(task);
  return it == backups_.end() ? nullptr : &it->second;
}

Lease LeaseTable::Erase(Map& map, Map::iterator it) {
  Lease lease = it->second;
  map.erase(it);
  if (auto w = by_worker_.find(lease.worker); w != by_worker_.end()) {
    --w->second.live;  // its list entry goes stale
  }
  if (lease.hard_deadline != absl::InfiniteFuture()) {
    hard_deadlines_.erase({lease.hard_deadline, lease.task, lease.backup});
  }
  return lease;
}

bool LeaseTable::Live(WorkerId worker, const Held& held) const {
  const Map& map = held.backup ? backups_ : leases_;
  auto it = map.find(held.task);
  return it != map.end() && it->second.worker == worker;
}

void LeaseTable::MaybeCompact(WorkerId worker, WorkerLeases& w) {
  if (w.tasks.size() < 64 || w.tasks.size() < 4 * w.live) return;
  // A live lease may keep more than one entry (re-granted to the same worker
  // after a retry); TakeAll skips the repeats.
  w.tasks.erase(std::remove_if(w.tasks.begin(), w.tasks.end(),
                               [&](const Held& h) { return !Live(worker, h); }),
                w.tasks.end());
}

void LeaseTable::TakeAll(WorkerId worker, WorkerLeases& w,
                         std::vector<Lease>* out) {
  for (const Held& held : w.tasks) {
    Map& map = MapOf(held.backup);
    auto it = map.find(held.task);
    if (it == map.end() || it->second.worker != worker) continue;
    const Lease lease = it->second;
    map.erase(it);
    if (lease.hard_deadline != absl::InfiniteFuture()) {
      hard_deadlines_.erase({lease.hard_deadline, lease.task, lease.backup});
    }
    out->push_back(lease);
  }
  w.tasks.clear();
  w.live = 0;
}

std::optional<Lease> LeaseTable::Complete(const TaskKey& task, WorkerId worker,
                                          uint32_t attempt) {
  auto it = leases_.find(task);
  if (it != leases_.end() && it->second.worker == worker &&
      it->second.attempt == attempt) {
    return Erase(leases_, it);
  }
  if (backups_.empty()) return std::nullopt;
  it = backups_.find(task);
  if (it != backups_.end() && it->second.worker == worker &&
      it->second.attempt == attempt) {
    return Erase(backups_, it);
  }
  return std::nullopt;
}

std::vector<Lease> LeaseTable::Revoke(const TaskKey& task) {
  std::vector<Lease> out;
  if (auto it = leases_.find(task); it != leases_.end()) {
    out.push_back(Erase(leases_, it));
  }
  if (auto it = backups_.find(task); it != backups_.end()) {
    out.push_back(Erase(backups_, it));
  }
  return out;
}

bool LeaseTable::MarkStarted(const TaskKey& task, WorkerId worker,
                             uint32_t attempt, absl::Time now,
                             absl::Time hard_deadline) {
  for (bool backup : {false, true}) {
    Map& map = MapOf(backup);
    auto it = map.find(task);
    if (it == map.end() || it->second.worker != worker ||
        it->second.attempt != attempt) {
      continue;
    }
    Lease& lease = it->second;
    if (lease.started != absl::InfiniteFuture()) return true;
    lease.started = now;
    if (hard_deadline != absl::InfiniteFuture() &&
        lease.hard_deadline == absl::InfiniteFuture()) {
      lease.hard_deadline = hard_deadline;
      hard_deadlines_.emplace(hard_deadline, task, backup);
    }
    return true;
  }
  return false;
}

std::vector<Lease> LeaseTable::Stragglers(JobHandle job,
                                          absl::Time started_before) const {
  std::vector<Lease> out;
  for (const auto& [task, lease] : leases_) {
    if (task.job != job || lease.started > started_before) continue;
    if (backups_.contains(task)) continue;
    out.push_back(lease);
  }
  std::sort(out.begin(), out.end(), LeaseOrder);
  return out;
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
  while (!hard_deadlines_.empty() &&
         std::get<0>(*hard_deadlines_.begin()) <= now) {
    const auto [deadline, task, backup] = *hard_deadlines_.begin();
    Map& map = MapOf(backup);
    out.push_back(
        Expired{Erase(map, map.find(task)), ExpiryReason::kTaskTimeout});
  }
  // A fixed order, so that what follows (backoff draws) is reproducible.
  std::sort(out.begin(), out.end(), [](const Expired& a, const Expired& b) {
    return LeaseOrder(a.lease, b.lease);
  });
  return out;
}

std::vector<Lease> LeaseTable::Release(WorkerId worker) {
  std::vector<Lease> out;
  auto w = by_worker_.find(worker);
  if (w == by_worker_.end()) return out;
  TakeAll(worker, w->second, &out);
  by_worker_.erase(w);
  std::sort(out.begin(), out.end(), LeaseOrder);
  return out;
}

std::vector<Lease> LeaseTable::RemoveJob(JobHandle job) {
  std::vector<Lease> out;
  for (bool backup : {false, true}) {
    Map& map = MapOf(backup);
    std::vector<TaskKey> keys;
    for (const auto& [task, lease] : map) {
      if (task.job == job) keys.push_back(task);
    }
    for (const TaskKey& task : keys) out.push_back(Erase(map, map.find(task)));
  }
  std::sort(out.begin(), out.end(), LeaseOrder);
  return out;
}

size_t LeaseTable::leases_of(WorkerId worker) const {
  auto it = by_worker_.find(worker);
  return it == by_worker_.end() ? 0 : it->second.live;
}

}  // namespace gridless
