#include "cli/worker_pool.h"

#include <signal.h>

#include "absl/strings/str_cat.h"

namespace gridless {

absl::StatusOr<std::unique_ptr<WorkerPool>> WorkerPool::Start(
    const WorkerPoolOptions& options) {
  std::unique_ptr<WorkerPool> pool(new WorkerPool(options));
  if (pool->options_.max_respawns < 0) {
    pool->options_.max_respawns = 2 * options.workers + 4;
  }
  for (int i = 0; i < options.workers; ++i) {
    if (auto s = pool->SpawnOne(); !s.ok()) return s;  // ~WorkerPool stops
  }
  return pool;
}

absl::Status WorkerPool::SpawnOne() {
  std::vector<std::string> argv = {options_.worker_binary, "--coordinator",
                                   options_.coordinator, "--slots",
                                   absl::StrCat(options_.slots)};
  argv.insert(argv.end(), options_.extra_args.begin(),
              options_.extra_args.end());
  SpawnOptions spawn;
  spawn.env = options_.env;
  auto worker = Subprocess::Spawn(argv, spawn);
  if (!worker.ok()) return worker.status();
  workers_.push_back(*std::move(worker));
  return absl::OkStatus();
}

absl::Status WorkerPool::Check(
    const std::function<void(const std::string&)>& log) {
  int died = 0;
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (!(*it)->Poll()) {
      ++it;
      continue;
    }
    last_death_ =
        absl::StrCat("worker pid ", (*it)->pid(), " ", (*it)->DescribeExit());
    ++deaths_;
    ++died;
    it = workers_.erase(it);
    log(absl::StrCat(last_death_, "; ", workers_.size(), " left"));
  }
  for (; died > 0 && respawns_ < options_.max_respawns; --died) {
    ++respawns_;
    if (auto s = SpawnOne(); !s.ok()) {
      log(absl::StrCat("cannot replace the worker: ", s.message()));
      break;
    }
    log(absl::StrCat("started worker pid ", workers_.back()->pid(),
                     " in its place (", respawns_, " of ",
                     options_.max_respawns, " replacements)"));
  }
  if (workers_.empty()) {
    return absl::UnavailableError(absl::StrCat(
        "all worker processes died (", deaths_,
        " in total, last: ", last_death_,
        "); a task may be crashing its worker: see the worker errors above"));
  }
  return absl::OkStatus();
}

int WorkerPool::alive() const { return static_cast<int>(workers_.size()); }

void WorkerPool::Stop(absl::Duration grace) {
  for (auto& w : workers_) w->Signal(SIGTERM);
  absl::Time deadline = absl::Now() + grace;
  for (auto& w : workers_) {
    w->Wait(std::max(deadline - absl::Now(), absl::ZeroDuration()));
  }
  workers_.clear();  // ~Subprocess kills and reaps those still running
}

}  // namespace gridless
