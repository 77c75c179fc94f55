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

absl::StatusOr<std::optional<std::string>> TreeReducer::PartialOf(
    int level, uint64_t k) const {
  if (!Exists(level, k)) return std::optional<std::string>();
  // A complete node is stored at the highest level it reached unchanged, and
  // this walk goes top-down, so the first stored node found is the one.
  if (auto it = pending_.find({level, k}); it != pending_.end()) {
    return std::optional<std::string>(it->second);
  }
  if (level == 0) return std::optional<std::string>();
  auto left = PartialOf(level - 1, 2 * k);
  if (!left.ok()) return left.status();
  auto right = PartialOf(level - 1, 2 * k + 1);
  if (!right.ok()) return right.status();
  if (!left->has_value()) return right;
  if (!right->has_value()) return left;
  std::string acc = std::move(**left);
  if (auto s = merge_(acc, **right); !s.ok()) return s;
  return std::optional<std::string>(std::move(acc));
}

absl::StatusOr<std::string> TreeReducer::PartialResult() const {
  if (num_tasks_ == 0) return std::string();
  auto merged = PartialOf(root_level_, 0);
  if (!merged.ok()) return merged.status();
  return merged->has_value() ? std::move(**merged) : std::string();
}

}  // namespace gridless
