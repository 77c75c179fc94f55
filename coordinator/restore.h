// The restore policy: rebuilding a job from the journal at start.
//
// An ended job comes back as it ended.  An unfinished one is planned again
// (Plan is deterministic, so the same tasks), its journaled partials are
// merged again in (stage, index) order (entries of another stage, out of
// range or merged twice are skipped), and the rest of its current stage is
// queued.  A job whose kind is not registered any more, or whose plan now
// fails, comes back FAILED with the reason.
//
// Pure: RestoreJob builds the record and says what to do with it; the
// Scheduler adds it to its tables, queues, journals and counts.
#ifndef GRIDLESS_COORDINATOR_RESTORE_H_
#define GRIDLESS_COORDINATOR_RESTORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coordinator/job_record.h"
#include "coordinator/journal.h"
#include "jobs/job.h"

namespace gridless {

struct RestoredJob {
  enum class What {
    kEnded,   // ended before the restart: keep it as it was
    kFailed,  // could not be resumed: FAILED now (journal its end)
    kRunning  // resumed: open; queue `to_queue` (unless finished())
  };
  What what = What::kEnded;
  std::unique_ptr<JobRecord> record;
  // Wall time to journal with a kFailed end.
  double wall_seconds = 0;
  // Ranges [begin, end) of the current stage's unmerged tasks.
  std::vector<std::pair<uint64_t, uint64_t>> to_queue;
};

// "job-N" -> N; nullopt for any other id.
std::optional<JobHandle> JobHandleOf(absl::string_view job_id);

// Rebuilds one journaled job under `handle`.  `registry` must not be null.
RestoredJob RestoreJob(Journal::JobRecord saved, JobHandle handle,
                       const JobRegistry& registry, uint32_t max_attempts,
                       uint64_t max_tasks_per_job, absl::Time now);

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_RESTORE_H_
