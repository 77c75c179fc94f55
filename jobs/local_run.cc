#include "jobs/local_run.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "absl/strings/str_cat.h"
#include "jobs/tree_reducer.h"

namespace gridless {

absl::StatusOr<google::protobuf::Struct> RunJobLocally(
    const JobKind& kind, const v1::JobSpec& spec,
    const LocalRunOptions& options) {
  JobContext job{"local", spec, Params(spec.params())};
  auto runner = kind.Prepare(job);
  if (!runner.ok()) return runner.status();
  std::string previous;
  CancelToken never;
  for (uint32_t stage = 0; stage < kind.NumStages(); ++stage) {
    PlanContext plan{job, stage, previous};
    auto tasks = kind.Plan(plan);
    if (!tasks.ok()) return tasks.status();
    TreeReducer reducer(tasks->size(),
                        [&](std::string& acc, std::string_view r) {
                          return kind.Merge(acc, r, job);
                        });
    std::vector<uint64_t> order(tasks->size());
    std::iota(order.begin(), order.end(), 0);
    if (options.shuffle_seed != 0) {
      std::mt19937_64 g(options.shuffle_seed);
      std::shuffle(order.begin(), order.end(), g);
    }
    for (uint64_t i : order) {
      TaskContext task{stage, i, 1, (*tasks)[i], &never};
      auto partial = (*runner)->Run(task);
      if (!partial.ok()) {
        return absl::Status(partial.status().code(),
                            absl::StrCat("stage ", stage, " task ", i, ": ",
                                         partial.status().message()));
      }
      if (auto s = reducer.Add(i, *std::move(partial)); !s.ok()) return s;
    }
    auto acc = reducer.Result();
    if (!acc.ok()) return acc.status();
    previous = *std::move(acc);
  }
  return kind.Finalize(job, previous);
}

}  // namespace gridless
