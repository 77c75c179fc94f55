// The jobs a coordinator knows, by string id and by internal handle, in
// submit order.  Owns the JobRecords; a pointer stays valid until Remove of
// its job (ended jobs beyond --keep-finished-jobs are removed).
//
// Ids are "job-N" with N the handle (1, 2, ...), never reused: a journal
// restores records with their ids, and numbering continues after the
// largest id restored or reserved (ReserveThrough).
//
// Not thread-safe: the owner (the Scheduler) serializes calls.
#ifndef GRIDLESS_COORDINATOR_JOB_TABLE_H_
#define GRIDLESS_COORDINATOR_JOB_TABLE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "coordinator/job_record.h"
#include "coordinator/task_key.h"

namespace gridless {

class JobTable {
 public:
  // A handle never used before (1, 2, ...); its id is IdFor(handle).
  JobHandle NewHandle() { return next_handle_++; }
  static std::string IdFor(JobHandle handle);

  // Stores a record (with a handle from NewHandle).  Returns it.
  JobRecord* Add(std::unique_ptr<JobRecord> job);

  // Removes the job's record; its id stays used.
  void Remove(JobHandle handle);
  // Numbering continues above `handle` (ids of removed jobs a journal
  // remembers).
  void ReserveThrough(JobHandle handle) {
    if (handle >= next_handle_) next_handle_ = handle + 1;
  }
  // Whether `handle` was handed out by this table (or reserved).
  bool Issued(JobHandle handle) const {
    return handle > 0 && handle < next_handle_;
  }

  JobRecord* Find(absl::string_view id) const;
  JobRecord* Find(JobHandle handle) const;
  // Every job, in the order added.
  const std::vector<std::unique_ptr<JobRecord>>& all() const { return jobs_; }

 private:
  JobHandle next_handle_ = 1;
  std::vector<std::unique_ptr<JobRecord>> jobs_;
  absl::flat_hash_map<std::string, JobRecord*> by_id_;
  absl::flat_hash_map<JobHandle, JobRecord*> by_handle_;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_JOB_TABLE_H_
