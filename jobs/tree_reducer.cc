#include "jobs/tree_reducer.h"

#include "absl/strings/str_cat.h"

namespace gridless {

TreeReducer::TreeReducer(uint64_t num_tasks, MergeFn merge)
    : num_tasks_(num_tasks), merge_(std::move(merge)), added_(num_tasks) {
  root_level_ = 0;
  while ((uint64_t{1} << root_level_) < num_tasks_) ++root_level_;
}

bool TreeReducer::Exists(int level, uint64_t k) const {
  return (k << level) < num_tasks_;
}

bool TreeReducer::HasTask(uint64_t index) const {
  return index < num_tasks_ && added_[index];
}

absl::Status TreeReducer::Add(uint64_t index, std::string partial) {
  if (index >= num_tasks_) {
    return absl::OutOfRangeError(absl::StrCat(
        "task ", index, " is out of range (stage has ", num_tasks_, " tasks)"));
  }
  if (added_[index]) {
    return absl::AlreadyExistsError(
        absl::StrCat("task ", index, " was already merged"));
  }
  added_[index] = true;
  ++num_added_;
  int level = 0;
  uint64_t k = index;
  std::string value = std::move(partial);
  while (level < root_level_) {
    uint64_t sibling = k ^ 1;
    if (!Exists(level, sibling)) {
      // Right child covers no task: the parent is this node unchanged.
    } else {
      auto it = pending_.find({level, sibling});
      if (it == pending_.end()) {
        pending_bytes_ += value.size();
        pending_.emplace(std::make_pair(level, k), std::move(value));
        return absl::OkStatus();
      }
      std::string other = std::move(it->second);
      pending_bytes_ -= other.size();
      pending_.erase(it);
      if (k & 1) std::swap(value, other);  // value = left, other = right
      if (auto s = merge_(value, other); !s.ok()) return s;
    }
    ++level;
    k >>= 1;
  }
  pending_bytes_ += value.size();
  pending_.emplace(std::make_pair(root_level_, uint64_t{0}), std::move(value));
  return absl::OkStatus();
}

absl::StatusOr<std::string> TreeReducer::Result() const {
  if (num_tasks_ == 0) return std::string();
  if (!complete()) {
    return absl::FailedPreconditionError(
        absl::StrCat("reduce incomplete: ", num_added_, " of ", num_tasks_,
                     " tasks merged"));
  }
  return pending_.at({root_level_, 0});
}

}  // namespace gridless
