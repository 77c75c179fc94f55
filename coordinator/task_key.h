// Small value types shared by the coordinator's bookkeeping classes: the
// internal handles of jobs and workers, and the key of one task.
//
// Jobs are known inside the coordinator by a JobHandle (a number assigned at
// submit, never reused) rather than by their string id, so that the hot paths
// (queue, leases) hash and copy integers only.  A WorkerId is assigned per
// worker *stream* (not the worker's self-chosen name), so that a worker that
// reconnects before its old stream is noticed dead cannot be confused with it.
#ifndef GRIDLESS_COORDINATOR_TASK_KEY_H_
#define GRIDLESS_COORDINATOR_TASK_KEY_H_

#include <cstdint>
#include <utility>

namespace gridless {

using JobHandle = uint64_t;
using WorkerId = uint64_t;

// One task of one stage of one job.
struct TaskKey {
  JobHandle job = 0;
  uint32_t stage = 0;
  uint64_t index = 0;

  friend bool operator==(const TaskKey& a, const TaskKey& b) {
    return a.job == b.job && a.stage == b.stage && a.index == b.index;
  }
  friend bool operator!=(const TaskKey& a, const TaskKey& b) {
    return !(a == b);
  }
  friend bool operator<(const TaskKey& a, const TaskKey& b) {
    if (a.job != b.job) return a.job < b.job;
    if (a.stage != b.stage) return a.stage < b.stage;
    return a.index < b.index;
  }
  template <typename H>
  friend H AbslHashValue(H h, const TaskKey& k) {
    return H::combine(std::move(h), k.job, k.stage, k.index);
  }
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_TASK_KEY_H_
