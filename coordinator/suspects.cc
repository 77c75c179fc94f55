// Blame after a worker dies (see suspects.h).
#include "coordinator/suspects.h"

#include <algorithm>

namespace gridless {

Suspects::Blame Suspects::OnWorkerLost(WorkerId worker, const TaskKey& task) {
  auto w = held_.find(worker);
  return w != held_.end() && w->second.erase(task) > 0 ? Blame::kCharge
                                                       : Blame::kSuspect;
}

void Suspects::Add(const TaskKey& task) {
  set_.insert(task);
  queue_.push_back(task);
}

void Suspects::Clear(WorkerId worker, const TaskKey& task) {
  if (set_.erase(task) == 0) return;
  Unhold(worker, task);
}

void Suspects::Unhold(WorkerId worker, const TaskKey& task) {
  if (auto w = held_.find(worker); w != held_.end()) w->second.erase(task);
}

void Suspects::ForgetJob(JobHandle job) {
  if (set_.empty()) return;
  absl::erase_if(set_, [job](const TaskKey& k) { return k.job == job; });
}

size_t Suspects::Take(WorkerId worker, size_t slots, size_t leased, size_t max,
                      absl::FunctionRef<bool(const TaskKey&)> holds,
                      absl::FunctionRef<Candidate(const TaskKey&)> classify,
                      absl::FunctionRef<void(const TaskKey&)> lease) {
  if (queue_.empty()) return 0;
  absl::flat_hash_set<TaskKey>& held = held_[worker];
  // Forget suspects this worker no longer holds (merged elsewhere, revoked,
  // timed out, their job ended).
  absl::erase_if(held, [&](const TaskKey& k) { return !holds(k); });
  // Only into free slots: a suspect must run at once, not wait behind the
  // worker's prefetched tasks, or a death caused by one of those would be
  // blamed on it.  It leads the batch, so it starts first.
  slots = std::max<size_t>(1, slots);
  const size_t room = leased >= slots ? 0 : slots - leased;
  size_t taken = 0;
  for (size_t n = queue_.size();
       n > 0 && taken < max && taken < room && held.size() < slots; --n) {
    const TaskKey key = queue_.front();
    queue_.pop_front();
    if (!set_.contains(key)) continue;
    switch (classify(key)) {
      case Candidate::kStale:
        set_.erase(key);
        break;
      case Candidate::kNotNow:
        break;
      case Candidate::kElsewhere:
        queue_.push_back(key);
        break;
      case Candidate::kTake:
        lease(key);
        held.insert(key);
        ++taken;
        break;
    }
  }
  return taken;
}

}  // namespace gridless
