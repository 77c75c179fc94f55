// Runs one command as a child process in its own process group, with a
// deadline and cooperative cancellation, for the `exec` kind.
//
// The child gets stdin from /dev/null, stdout on `stdout_fd` (a file the
// caller owns, or /dev/null), stderr on a pipe of which the last
// `stderr_tail_bytes` are kept, the parent's environment without any
// GRIDLESS_* variable (a worker's GRIDLESS_TOKEN, GRIDLESS_COORDINATOR, ...:
// a command must never see the worker's secrets) plus `extra_env`,
// every signal at its default disposition and an empty signal mask (a
// worker's ignored SIGPIPE must not leak into `cmd | head`).  The command is
// looked up in PATH (posix_spawnp, safe in a multi-threaded process).
//
// When the deadline passes or `cancelled()` turns true, the whole process
// group gets SIGTERM, then SIGKILL after `kill_grace`.  After a normal exit
// the group is SIGKILLed too, so no stray grandchild outlives the task.
//
// Thread-safe: concurrent calls run independent children.  Uses
// waitid/waitpid on the child's pid only (never -1).
#ifndef GRIDLESS_JOBS_MAPREDUCE_SUBPROCESS_H_
#define GRIDLESS_JOBS_MAPREDUCE_SUBPROCESS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace gridless::mapreduce {

// Variables whose name starts with this are never passed on to a child.
inline constexpr char kScrubbedEnvPrefix[] = "GRIDLESS_";

struct SubprocessOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  // "NAME=VALUE", added to the environment (after GRIDLESS_* is removed).
  std::vector<std::string> extra_env;
  int stdout_fd = -1;  // -1: /dev/null
  absl::Duration timeout = absl::InfiniteDuration();
  absl::Duration kill_grace = absl::Seconds(1);
  size_t stderr_tail_bytes = 4096;
  std::function<bool()> cancelled;  // polled every poll_interval; may be empty
  absl::Duration poll_interval = absl::Milliseconds(50);
  const Clock* clock = nullptr;  // deadline clock; nullptr = RealClock
};

struct SubprocessResult {
  enum class End { kExited, kSignaled, kTimedOut, kCancelled };
  End end = End::kExited;
  int exit_code = 0;  // kExited
  int signal = 0;     // kSignaled
  std::string stderr_tail;
  uint64_t stderr_bytes = 0;
  double seconds = 0;  // wall time by `clock`
};

// A spawn failure is NOT_FOUND (command not in PATH), PERMISSION_DENIED (not
// executable) or UNAVAILABLE, naming the command.
absl::StatusOr<SubprocessResult> RunSubprocess(
    const SubprocessOptions& options);

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_SUBPROCESS_H_
