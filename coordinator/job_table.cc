// Job lookup by id and handle (see job_table.h).
#include "coordinator/job_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace gridless {

std::string JobTable::IdFor(JobHandle handle) {
  return absl::StrCat("job-", handle);
}

JobRecord* JobTable::Add(std::unique_ptr<JobRecord> job) {
  JobRecord* raw = job.get();
  if (raw->handle() >= next_handle_) next_handle_ = raw->handle() + 1;
  by_id_[raw->id()] = raw;
  by_handle_[raw->handle()] = raw;
  jobs_.push_back(std::move(job));
  return raw;
}

void JobTable::Remove(JobHandle handle) {
  auto it = by_handle_.find(handle);
  if (it == by_handle_.end()) return;
  JobRecord* raw = it->second;
  by_handle_.erase(it);
  by_id_.erase(raw->id());
  jobs_.erase(std::find_if(jobs_.begin(), jobs_.end(),
                           [raw](const auto& j) { return j.get() == raw; }));
}

JobRecord* JobTable::Find(absl::string_view id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : it->second;
}

JobRecord* JobTable::Find(JobHandle handle) const {
  auto it = by_handle_.find(handle);
  return it == by_handle_.end() ? nullptr : it->second;
}

}  // namespace gridless
