// The convention by which a reduce task reports lost intermediate output, so
// that the coordinator can re-run only the map tasks that made it.
//
// A reduce task that finds a run missing or corrupt returns DATA_LOSS whose
// message names the object and the map task(s), carries a status payload
// with type URL kLostMapTasksTypeUrl holding the stage-0 task indices as
// ASCII decimal, comma-separated ("3,17"), and ends with the same list as
// " [lost_map_tasks=3,17]" (the worker protocol's TaskError carries only a
// code and a message, so the marker survives the wire).
//
// Coordinator side: LostMapTasks(status) recovers the indices from either.
// Map tasks are deterministic, so re-running one rewrites the same runs with
// the same checksums and the reduce stage's plan stays valid.
//
// Thread-safe (free functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_LOST_MAP_TASKS_H_
#define GRIDLESS_JOBS_MAPREDUCE_LOST_MAP_TASKS_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace gridless::mapreduce {

inline constexpr std::string_view kLostMapTasksTypeUrl =
    "gridless/lost_map_tasks";

// DATA_LOSS "DETAIL [lost_map_tasks=...]" with the payload.  `tasks` is
// sorted and deduplicated.
absl::Status LostMapTasksError(std::vector<uint64_t> tasks,
                               std::string_view detail);

// The stage-0 task indices of a lost-map-tasks error (payload first, else
// the message marker); nullopt for any other status.
std::optional<std::vector<uint64_t>> LostMapTasks(const absl::Status& status);

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_LOST_MAP_TASKS_H_
