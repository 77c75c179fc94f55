// The coordinator's journal: a SQLite database (WAL mode) holding every
// job's spec, every merged task's partial and every job's end, so that a
// coordinator killed at any moment and restarted on the same file resumes
// its unfinished jobs without re-running finished tasks.
//
// Writes are buffered in memory and committed together by Flush() (the
// coordinator's ticker calls it every 25 ms), so journaling costs one
// transaction per batch, not per task; the merged tasks of one job in one
// batch are a single row (a blob of records).  Recording never waits for a
// commit in progress: Flush swaps the buffer out and writes without it.  A task
// whose completion was not yet committed when the coordinator died simply runs
// again: tasks are deterministic, so the result is unchanged.
//
// Open refuses, with FAILED_PRECONDITION naming the file, a file that is not
// a SQLite database, a SQLite database that is not a Gridless journal, and a
// journal of a newer format: it never resets or overwrites such a file.
//
// Thread-safety: any thread may call any method; Flush, Load and Open are
// serialized with each other.
#ifndef GRIDLESS_COORDINATOR_JOURNAL_H_
#define GRIDLESS_COORDINATOR_JOURNAL_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gridless/v1/job.pb.h"

namespace gridless {

class Journal {
 public:
  struct TaskDone {
    uint32_t stage = 0;
    uint64_t index = 0;
    std::string partial;
    double run_seconds = 0;
  };
  struct JobRecord {
    std::string job_id;
    v1::JobSpec spec;
    absl::Time submitted;
    // UNSPECIFIED/RUNNING while unfinished.
    v1::JobState state = v1::JOB_STATE_RUNNING;
    std::string error;
    google::protobuf::Struct result;  // set for finished jobs
    double wall_seconds = 0;          // set for finished jobs
    std::vector<TaskDone> done;       // merged tasks of unfinished jobs
  };

  // Opens or creates the journal at `path`.
  static absl::StatusOr<std::unique_ptr<Journal>> Open(const std::string& path);
  ~Journal();

  // Buffered; committed by the next Flush().
  void RecordJob(const std::string& job_id, const v1::JobSpec& spec,
                 absl::Time submitted);
  void RecordTaskDone(const std::string& job_id, const TaskDone& task);
  // A job's end; its task rows are dropped (the result is kept).
  void RecordJobEnd(const std::string& job_id, v1::JobState state,
                    const std::string& error,
                    const google::protobuf::Struct& result,
                    double wall_seconds);

  // A retried job runs again (its end is undone; tasks it merges from now
  // on are recorded again).
  void RecordJobReopen(const std::string& job_id);
  // An ended job is forgotten (--keep-finished-jobs): its rows are deleted;
  // `number` (N of job-N) is remembered so that a restarted coordinator
  // never hands out its id again.
  void RecordJobForget(const std::string& job_id, uint64_t number);

  // Commits everything buffered in one transaction.  Returns the write error
  // (e.g. disk full) naming the file; the buffer is kept for the next try.
  absl::Status Flush();
  // Records buffered and not yet committed.
  size_t pending() const;

  // Every job in the journal, in submission order, with the merged tasks of
  // the unfinished ones.
  absl::StatusOr<std::vector<JobRecord>> Load();
  // The highest job number forgotten (0 when none): job numbering must
  // carry on above it.
  absl::StatusOr<uint64_t> LastForgottenJobNumber();

  const std::string& path() const { return path_; }

 private:
  struct Pending;
  Journal(std::string path, sqlite3* db);
  absl::Status Exec(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  absl::Status Error(const char* what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // Writes one batch in one transaction.
  absl::Status Write(const Pending& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);

  const std::string path_;
  // db_mu_ serializes SQLite (Open, Flush, Load); mu_ guards only the
  // buffer, so recording never waits for a commit in progress.
  // Lock order: db_mu_ -> mu_.  std::mutex rather than absl::Mutex so
  // that TSan sees them (see scheduler.h).
  mutable std::mutex db_mu_;
  sqlite3* db_ ABSL_GUARDED_BY(db_mu_);
  mutable std::mutex mu_ ABSL_ACQUIRED_AFTER(db_mu_);
  std::unique_ptr<Pending> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_JOURNAL_H_
