// How a reduce task reports lost intermediate output, so that the
// coordinator re-runs only the map tasks that made it: the job API's
// LostPreviousTasksError (jobs/job.h) with the map (stage 0) task indices.
//
// A reduce task that finds a run missing or corrupt returns DATA_LOSS whose
// message names the object and the map task(s), with the indices in the
// status payload; the worker sends them as TaskError.lost_previous_tasks (a
// typed field: nothing rides in the message).  Map tasks are deterministic,
// so re-running one rewrites the same runs with the same checksums and the
// reduce stage's plan stays valid.
//
// Thread-safe (free functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_LOST_MAP_TASKS_H_
#define GRIDLESS_JOBS_MAPREDUCE_LOST_MAP_TASKS_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "jobs/job.h"

namespace gridless::mapreduce {

// DATA_LOSS `detail` naming `tasks` (sorted and deduplicated) in its
// payload: LostPreviousTasksError.
inline absl::Status LostMapTasksError(std::vector<uint64_t> tasks,
                                      std::string_view detail) {
  return LostPreviousTasksError(std::move(tasks), detail);
}

// The map task indices of a lost-map-tasks error; nullopt for any other
// status: LostPreviousTasks.
inline std::optional<std::vector<uint64_t>> LostMapTasks(
    const absl::Status& status) {
  return LostPreviousTasks(status);
}

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_LOST_MAP_TASKS_H_
