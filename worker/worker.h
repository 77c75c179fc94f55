// The Gridless worker as a library: connects to a coordinator, runs tasks on
// a TBB arena, streams results back.  `gridless-worker` is a thin main.
#ifndef GRIDLESS_WORKER_WORKER_H_
#define GRIDLESS_WORKER_WORKER_H_

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "jobs/job.h"

namespace gridless {

struct WorkerOptions {
  // HOST:PORT of the coordinator.
  std::string coordinator = "127.0.0.1:7070";
  // Tasks run at once; 0 = the number of cores.
  int slots = 0;
  // Exit 0 after this long without a task (scale to zero).  Zero = never.
  absl::Duration idle_exit = absl::ZeroDuration();
  // Give up when the coordinator cannot be reached for this long (the first
  // connection and every reconnection).  Zero = keep retrying forever.
  absl::Duration connect_timeout = absl::Seconds(30);
  absl::Duration heartbeat_interval = absl::Seconds(1);
  // Tasks held per slot beyond the running one, so that tiny tasks do not
  // wait for a round trip.
  int prefetch_per_slot = 256;
  // Kinds this worker can run; nullptr = JobRegistry::Global().
  const JobRegistry* registry = nullptr;
  bool verbose = false;
};

// Runs until drained, idle, or the coordinator is unreachable for longer than
// connect_timeout.  Setting *drain (e.g. from a SIGTERM handler) finishes
// running tasks, hands back the unstarted ones, and returns OK.
// Returns UNAVAILABLE naming the address when the coordinator cannot be
// reached.
absl::Status RunWorker(const WorkerOptions& options, std::atomic<bool>* drain);

// main() of gridless-worker.
int WorkerMain(int argc, char** argv);

}  // namespace gridless

#endif  // GRIDLESS_WORKER_WORKER_H_
