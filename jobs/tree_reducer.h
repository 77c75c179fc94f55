// Merges the partials of one stage in a fixed binary tree over task indices,
// so that the result is bit-identical whatever order the partials arrive in.
//
// The tree: node (level l, index k) covers tasks [k 2^l, (k+1) 2^l) clipped to
// [0, n).  A node is Merge(left child, right child); a node whose right child
// covers no task is its left child unchanged.  Partials are merged as soon as
// both children are complete and then dropped, so memory holds only the
// partials still waiting for a sibling.
//
// Equivalently, Reduce(lo, hi) = Merge(Reduce(lo, mid), Reduce(mid, hi)) with
// mid = lo + the largest power of two below hi - lo, for lo aligned.
//
// Not thread-safe: the owner serializes calls.
#ifndef GRIDLESS_JOBS_TREE_REDUCER_H_
#define GRIDLESS_JOBS_TREE_REDUCER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gridless {

class TreeReducer {
 public:
  // merge(acc, right): acc = acc (+) right, acc covering lower task indices.
  using MergeFn =
      std::function<absl::Status(std::string& acc, std::string_view right)>;

  TreeReducer(uint64_t num_tasks, MergeFn merge);

  // Adds task `index`'s partial.  ALREADY_EXISTS when that task was added
  // before (the partial is ignored: exactly-once merge), OUT_OF_RANGE for a
  // bad index, or the Merge error.
  absl::Status Add(uint64_t index, std::string partial);

  bool HasTask(uint64_t index) const;
  uint64_t num_tasks() const { return num_tasks_; }
  uint64_t num_added() const { return num_added_; }
  bool complete() const { return num_added_ == num_tasks_; }
  // The merged result; FAILED_PRECONDITION until complete().  "" when the
  // stage had no task.
  absl::StatusOr<std::string> Result() const;
  // The merge of the tasks added so far, in the same fixed tree with the
  // missing tasks left out (for a partial result: dead letters, a cancelled
  // job).  Does not change the reducer: tasks added later still give the
  // same Result() as if this had never been called.  "" when none was added.
  absl::StatusOr<std::string> PartialResult() const;
  // Bytes of partials held while waiting for a sibling.
  uint64_t pending_bytes() const { return pending_bytes_; }

 private:
  // Does node (level, k) cover any task?
  bool Exists(int level, uint64_t k) const;
  // The merge of the added tasks under node (level, k); nullopt when none.
  absl::StatusOr<std::optional<std::string>> PartialOf(int level,
                                                       uint64_t k) const;

  uint64_t num_tasks_;
  MergeFn merge_;
  int root_level_;
  uint64_t num_added_ = 0;
  uint64_t pending_bytes_ = 0;
  std::vector<bool> added_;
  // (level, index) -> merged partial of that complete node.
  std::map<std::pair<int, uint64_t>, std::string> pending_;
};

}  // namespace gridless

#endif  // GRIDLESS_JOBS_TREE_REDUCER_H_
