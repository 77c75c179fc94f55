// The set of live worker streams, and what is done to all of them at once:
// wake the ones holding credit when tasks become ready, tell every worker to
// drop the tasks of jobs that ended (Cancel), and drain them at shutdown.
//
// Streams register on Hello and unregister in their OnDone, before they are
// deleted; the hub calls into a stream only under its own mutex, so a stream
// is never used after it unregistered.
//
// Lock order: WorkerHub::mu_ -> WorkerStream::mu_ -> Scheduler::mu_.  Never
// call the hub while holding a stream's mutex.
//
// Thread-safety: every method may be called from any thread.
#ifndef GRIDLESS_COORDINATOR_WORKER_HUB_H_
#define GRIDLESS_COORDINATOR_WORKER_HUB_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "coordinator/job_stats.h"
#include "coordinator/scheduler.h"
#include "coordinator/task_key.h"

namespace gridless {

class WorkerStream;

class WorkerHub {
 public:
  // `scheduler` must outlive the hub.
  WorkerHub(Scheduler* scheduler, bool verbose)
      : scheduler_(scheduler), verbose_(verbose) {}
  WorkerHub(const WorkerHub&) = delete;
  WorkerHub& operator=(const WorkerHub&) = delete;

  Scheduler* scheduler() const { return scheduler_; }
  // The dashboard's aggregates, fed by the streams and the job service.
  JobStats& stats() { return stats_; }

  // A unique id for a new stream.
  WorkerId NewId() { return next_id_.fetch_add(1) + 1; }
  // Adds a stream that said Hello.  Returns false when the hub is draining:
  // the stream must then be told to drain.
  bool Register(WorkerStream* stream);
  void Unregister(WorkerStream* stream);

  // Wakes streams for ready tasks, sends Cancel{job_ids} for ended jobs to
  // every stream, logs job ends when verbose.
  void Apply(const SchedulerEvents& events);
  // Lets every stream holding credit take ready tasks.
  void WakeAll();
  // Sends Drain to every stream (and to any that registers later).
  void DrainAll(const std::string& reason);
  // Blocks until no stream is registered or `deadline` (finite); true when
  // empty.
  bool AwaitEmpty(absl::Time deadline);
  size_t size() const;

  // One line on stderr when verbose.
  void Log(absl::string_view line) const;
  bool verbose() const { return verbose_; }

 private:
  Scheduler* const scheduler_;
  const bool verbose_;
  std::atomic<WorkerId> next_id_{0};
  JobStats stats_;
  mutable std::mutex mu_;  // std::mutex so that TSan sees it (see scheduler.h)
  std::condition_variable changed_;
  std::vector<WorkerStream*> streams_ ABSL_GUARDED_BY(mu_);
  size_t next_wake_ ABSL_GUARDED_BY(mu_) = 0;  // rotates who is served first
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  std::string drain_reason_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_WORKER_HUB_H_
