// The local worker processes of `gridless run`: N gridless-worker processes
// connected to the embedded coordinator.
//
// A worker that dies (a task crashed it, the OOM killer) is reported and
// replaced, within a budget of replacements, so a run keeps its width; once
// the budget is spent the run goes on with the workers left, and Check
// fails when none is left, so that `run` ends with a clear error instead of
// waiting forever for workers that will not come.
//
// Thread-compatible: the owner calls Check and Stop from one thread at a
// time.  The destructor stops every worker still running.
#ifndef GRIDLESS_CLI_WORKER_POOL_H_
#define GRIDLESS_CLI_WORKER_POOL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/subprocess.h"

namespace gridless {

struct WorkerPoolOptions {
  std::string worker_binary;  // path of gridless-worker
  std::string coordinator;    // HOST:PORT
  int workers = 1;
  int slots = 1;  // --slots of each worker
  // Replacements allowed for workers that died; < 0 = 2 * workers + 4.
  int max_respawns = -1;
  // Extra arguments for every worker.
  std::vector<std::string> extra_args;
  // Extra environment entries "NAME=value" for every worker (e.g. the
  // GRIDLESS_TOKEN of the embedded coordinator).
  std::vector<std::string> env;
};

class WorkerPool {
 public:
  // Spawns every worker.  NOT_FOUND / UNAVAILABLE when one cannot start (the
  // ones started are stopped again).
  static absl::StatusOr<std::unique_ptr<WorkerPool>> Start(
      const WorkerPoolOptions& options);
  ~WorkerPool() { Stop(absl::Seconds(2)); }

  // Reaps workers that exited, reporting each through `log` (one line, no
  // newline) and replacing it while the budget lasts.  UNAVAILABLE when no
  // worker is left.
  absl::Status Check(const std::function<void(const std::string&)>& log);

  int alive() const;
  int deaths() const { return deaths_; }

  // SIGTERM to all, then SIGKILL to those still running after `grace`; reaps
  // all.  Idempotent.
  void Stop(absl::Duration grace);

 private:
  explicit WorkerPool(WorkerPoolOptions options)
      : options_(std::move(options)) {}
  absl::Status SpawnOne();

  WorkerPoolOptions options_;
  std::vector<std::unique_ptr<Subprocess>> workers_;  // running ones
  int respawns_ = 0;
  int deaths_ = 0;
  std::string last_death_;  // "worker pid 123 killed by signal 9 (Killed)"
};

}  // namespace gridless

#endif  // GRIDLESS_CLI_WORKER_POOL_H_
