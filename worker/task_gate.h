// TaskGate: the `--task-gate FILE` hook of gridless-worker, for tests and
// drills that must kill a worker while it holds leases ("mid-job") without
// racing the job's end.  Unset in production; when unset the executor never
// calls it (one null-pointer check per task).
//
// FILE holds tickets: how many more tasks may start.  Before each task the
// worker takes a ticket under an exclusive flock(2) of FILE (decrementing
// the count in place), so the workers sharing one FILE share its tickets.
// A task without a ticket is HELD: it keeps its slot and its lease, but it
// does not start and it is not reported as executing (so no task timeout or
// speculative backup counts it); the gate is polled every 10 ms until a
// ticket comes or the attempt is cancelled (CANCELLED: a Cancel, a Reset).
// A draining worker (SIGTERM) waits for its held tasks as for running ones:
// open the gate, or send a second signal.
//
//   FILE absent              every task starts (the gate is open)
//   "0"                      every task is held
//   "40"                     40 more tasks may start, then all are held
//   "1:2"                    stage 1: 2 more tasks; other stages open
//   "0:16 1:0"               stage 0: 16 more; stage 1 held; others open
//   "5 1:0"                  stage 1 held; any other stage 5 more
// Entries are separated by whitespace; "S:N" applies to stage S, a bare "N"
// to every stage without its own entry; a stage with neither is open.
// Content that does not parse holds every task (a typo must not open the
// gate) and is reported on stderr once.
//
// Writers replace FILE atomically (write a temporary file, rename it over
// FILE); a worker that finds FILE replaced after locking it reads it again.
//
// The first time a task is held the gate prints one line on stderr:
//   gridless-worker: holding task I of job J (stage S) at --task-gate FILE
//
// Thread-safe.
#ifndef GRIDLESS_WORKER_TASK_GATE_H_
#define GRIDLESS_WORKER_TASK_GATE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gridless/v1/worker.pb.h"
#include "jobs/job.h"

namespace gridless {

class TaskGate {
 public:
  explicit TaskGate(std::string path) : path_(std::move(path)) {}

  const std::string& path() const { return path_; }

  // Blocks until `task` may start (OK) or `token` is cancelled (CANCELLED).
  absl::Status Wait(const v1::Task& task, const CancelToken& token);

  // One try: takes a ticket of `stage` and returns true, or returns false
  // (held).  Errors (unreadable FILE, bad content) count as held.
  absl::StatusOr<bool> TryPass(uint32_t stage);

  // The tickets of `stage` in `content` (nullopt: open), and `content` with
  // one of them taken (when there was one).  INVALID_ARGUMENT names a bad
  // entry.  Exposed for tests.
  struct Decision {
    std::optional<uint64_t> tickets;
    std::string after;  // the new content when tickets > 0
  };
  static absl::StatusOr<Decision> Decide(absl::string_view content,
                                         uint32_t stage);

 private:
  const std::string path_;
  std::atomic<bool> reported_bad_{false};
};

}  // namespace gridless

#endif  // GRIDLESS_WORKER_TASK_GATE_H_
