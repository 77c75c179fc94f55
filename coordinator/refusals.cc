// Workers that cannot prepare a job (see refusals.h).
#include "coordinator/refusals.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace gridless {

void Refusals::Refuse(WorkerId worker, JobHandle job, absl::string_view why) {
  Worker& w = by_worker_[worker];
  if (w.jobs.insert(job).second) {
    w.why[job] = std::string(why.substr(0, kMaxReason));
  }
}

bool Refusals::Refused(WorkerId worker, JobHandle job) const {
  auto w = by_worker_.find(worker);
  return w != by_worker_.end() && w->second.jobs.contains(job);
}

const absl::flat_hash_set<JobHandle>& Refusals::RefusedBy(
    WorkerId worker) const {
  static const absl::flat_hash_set<JobHandle> kNone;
  auto w = by_worker_.find(worker);
  return w == by_worker_.end() ? kNone : w->second.jobs;
}

std::vector<JobHandle> Refusals::RefusedByAny() const {
  absl::flat_hash_set<JobHandle> all;
  for (const auto& [id, w] : by_worker_)
    all.insert(w.jobs.begin(), w.jobs.end());
  return std::vector<JobHandle>(all.begin(), all.end());
}

std::vector<JobHandle> Refusals::NotedUnrunnable() const {
  std::vector<JobHandle> out;
  out.reserve(unrunnable_since_.size());
  for (const auto& [h, since] : unrunnable_since_) out.push_back(h);
  return out;
}

Refusals::Verdict Refusals::Check(JobHandle job, const Workers& workers,
                                  absl::Time now, absl::Duration grace) {
  // No worker at all (waiting for one is normal), or one that may run it.
  const bool runnable =
      workers.empty() ||
      std::any_of(workers.begin(), workers.end(),
                  [&](const auto& w) { return !Refused(w.first, job); });
  if (runnable) {
    unrunnable_since_.erase(job);
    return Runnable{};
  }
  // A worker that is starting gets `grace` to connect.
  const absl::Time since =
      unrunnable_since_.try_emplace(job, now).first->second;
  if (now - since < grace) return Waiting{};
  std::vector<std::string> refusals;
  for (const auto& [id, name] : workers) {
    const Worker& w = by_worker_.at(id);
    auto why = w.why.find(job);
    refusals.push_back(absl::StrCat("worker ", name, ": ",
                                    why != w.why.end() ? why->second : ""));
  }
  std::sort(refusals.begin(), refusals.end());
  constexpr size_t kMaxNamed = 5;
  const size_t more =
      refusals.size() > kMaxNamed ? refusals.size() - kMaxNamed : 0;
  refusals.resize(refusals.size() - more);
  return Unrunnable{absl::StrCat(
      "no connected worker can run the job: all ", workers.size(),
      " failed to prepare it (", absl::StrJoin(refusals, "; "),
      more > 0 ? absl::StrCat("; and ", more, " more") : "",
      ") and no other worker connected within ", absl::FormatDuration(grace),
      ". Fix what the workers' reasons name (usually: every worker must "
      "see the job's inputs, such as the loan tape or map-reduce store, at "
      "the same path as the coordinator, e.g. on a shared volume, "
      "docs/DEPLOY.md; for exec, a worker must not hold its token in a "
      "file, docs/SECURITY.md), then resubmit")};
}

void Refusals::ForgetJob(JobHandle job) {
  unrunnable_since_.erase(job);
  for (auto& [id, w] : by_worker_) {
    w.jobs.erase(job);
    w.why.erase(job);
  }
}

}  // namespace gridless
