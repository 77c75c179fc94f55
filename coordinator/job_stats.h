// What the dashboard shows that the scheduler does not keep: each job's spec,
// a task-duration histogram, results over time and results per stage, and
// each connected worker's slots, running and finished tasks and last
// heartbeat.  Fed by one-line hooks at the edge (JobService::Submit, the
// worker streams, the journal's restore); read by the dashboard API.
//
// Aggregates only, so that a 1,000,000-task job costs the same as a small
// one: a job holds a fixed-size duration histogram (kDurationBuckets
// power-of-two buckets), kTimeBuckets time buckets whose width doubles when
// the job outlives them, and counts for at most kMaxStages stages.  At most
// kMaxJobs jobs are kept (the oldest submitted is forgotten first) and at
// most kMaxWorkers workers.  Results naming a job that was not submitted or
// restored here are ignored, so a hostile worker cannot grow the table.
//
// The numbers cover what this coordinator process saw: a job restored from
// the journal has its spec, but its histogram starts empty.  Results are
// counted as the workers report them, before the scheduler decides whether
// to merge them (a late duplicate is counted; they are rare).
//
// Thread-safety: every method may be called from any thread.
#ifndef GRIDLESS_COORDINATOR_JOB_STATS_H_
#define GRIDLESS_COORDINATOR_JOB_STATS_H_

#include <array>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "coordinator/task_key.h"
#include "gridless/v1/job.pb.h"
#include "gridless/v1/worker.pb.h"

namespace gridless {

class JobStats {
 public:
  // Bucket 0 holds run times below 2^kMinExponent s (~1 us), bucket i > 0
  // those in [2^(kMinExponent+i-1), 2^(kMinExponent+i)) s; the last bucket
  // also holds everything above.
  static constexpr int kDurationBuckets = 40;
  static constexpr int kMinExponent = -20;
  static constexpr int kTimeBuckets = 120;
  static constexpr int kMaxStages = 16;
  static constexpr size_t kMaxJobs = 4096;
  static constexpr size_t kMaxWorkers = 100'000;

  struct Job {
    v1::JobSpec spec;
    absl::Time submitted;            // or when restored
    uint64_t first_stage_tasks = 0;  // 0 when not known (restored)
    std::array<uint64_t, kDurationBuckets> durations{};
    double run_seconds_max = 0;
    // Successful results per time bucket, from `submitted`.
    double bucket_seconds = 0.25;
    std::vector<uint64_t> succeeded_over_time;  // at most kTimeBuckets
    std::vector<uint64_t> failed_over_time;     // same length
    std::array<uint64_t, kMaxStages> succeeded_by_stage{};
    uint64_t results = 0;
    uint64_t errors = 0;
  };
  struct Worker {
    WorkerId id = 0;
    std::string name;
    std::string peer;
    uint32_t slots = 0;
    absl::Time connected;
    absl::Time last_heartbeat = absl::InfinitePast();  // none yet
    uint32_t running = 0;  // as of the last heartbeat
    uint64_t succeeded = 0;
    uint64_t failed = 0;
  };

  // The lower edge in seconds of duration bucket `i` (0 for bucket 0).
  static double BucketLow(int i);
  // The bucket for `seconds` (negative and NaN count as 0).
  static int BucketFor(double seconds);

  // A job accepted with `tasks` tasks in its first stage.
  void OnSubmit(const std::string& job_id, const v1::JobSpec& spec,
                uint64_t tasks, absl::Time now);
  // A job rebuilt from the journal.
  void OnRestore(const std::string& job_id, const v1::JobSpec& spec,
                 absl::Time submitted);
  // A batch of results from worker `worker`.
  void OnResults(WorkerId worker, const v1::ResultBatch& batch, absl::Time now);
  void OnWorkerHello(WorkerId worker, const std::string& name,
                     const std::string& peer, uint32_t slots, absl::Time now);
  void OnHeartbeat(WorkerId worker, const v1::Heartbeat& heartbeat,
                   absl::Time now);
  void OnWorkerGone(WorkerId worker);

  // A copy of what is known of the job; nullopt when nothing.
  std::optional<Job> FindJob(const std::string& job_id) const;
  // Connected workers, by id.
  std::vector<Worker> Workers() const;

 private:
  void AddJob(const std::string& job_id, Job job)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, Job> jobs_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);  // oldest first
  absl::flat_hash_map<WorkerId, Worker> workers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_JOB_STATS_H_
