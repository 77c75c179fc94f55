// The one home of child processes (posix_spawn; no fork in a threaded
// process).  Two ways in:
//
//  - Subprocess::Spawn: a running child owned by the object.  The destructor
//    kills it (SIGKILL) and reaps it if it is still running, so no path (an
//    error, a failed test assertion) leaves a process behind.  When the child
//    leads a process group of its own (the default), SIGKILL goes to the
//    whole group, so its own children die with it.  Used by `gridless run`
//    for its worker processes and by the multi-process tests.
//
//      auto p = Subprocess::Spawn({"/path/gridless-worker", "--coordinator",
//                                  addr}, {});
//      ...
//      (*p)->Stop(absl::Seconds(2));  // SIGTERM, then SIGKILL after 2 s
//
//  - RunSubprocess: runs one untrusted command to its end, with a deadline
//    and cooperative cancellation, keeping the tail of its stderr.  Used by
//    the `exec` kind.  Its child gets stdin from /dev/null, no inherited fd
//    but 0-2, and the parent's environment WITHOUT any GRIDLESS_* variable
//    (a worker's GRIDLESS_TOKEN, GRIDLESS_COORDINATOR, ...: a command must
//    never see the worker's secrets; docs/SECURITY.md) plus its own extra
//    variables.  When the deadline passes or `cancelled()` turns true, the
//    whole process group gets SIGTERM, then SIGKILL after `kill_grace`;
//    after a normal exit the group is SIGKILLed too, so no stray grandchild
//    outlives the task.
//
// Every child starts with every signal at its default disposition and an
// empty signal mask (a parent's ignored SIGPIPE must not leak into
// `cmd | head`).  Spawn errors name the program: NOT_FOUND (no such file, or
// not in PATH), PERMISSION_DENIED (not executable), UNAVAILABLE (anything
// else); a redirection file or working directory that cannot be opened is
// named with its own error.
//
// Thread-safety: a Subprocess is used by one thread at a time; concurrent
// RunSubprocess calls run independent children.  Only the child's own pid
// is ever waited for (never -1).
#ifndef GRIDLESS_COMMON_SUBPROCESS_H_
#define GRIDLESS_COMMON_SUBPROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace gridless {

// RunSubprocess never passes on a variable whose name starts with this.
inline constexpr char kScrubbedEnvPrefix[] = "GRIDLESS_";

struct SpawnOptions {
  // Look argv[0] up in PATH (posix_spawnp) instead of taking it as a path.
  bool search_path = false;
  // Put the child in a process group of its own, so that a Ctrl-C in the
  // terminal reaches only the parent (which then stops the child in order)
  // and a kill reaches the child's own children.
  bool new_process_group = true;
  // The child's working directory; "" = ours.
  std::string working_dir;
  // The environment: ours, without the variables whose name starts with
  // `drop_env_prefix` (when not empty), plus `env` ("NAME=value", each
  // overriding an inherited variable of the same NAME).
  std::vector<std::string> env;
  std::string drop_env_prefix;
  // stdin from this file; "" inherits ours.
  std::string stdin_path;
  // stdout, first match wins: a pipe read through ReadLine; `stdout_fd`
  // (the caller's, dup'ed into the child); `stdout_path` (created or
  // truncated); else ours.
  bool pipe_stdout = false;
  int stdout_fd = -1;
  std::string stdout_path;
  // stderr: a pipe whose read end is stderr_fd(); else `stderr_path`;
  // else ours.
  bool pipe_stderr = false;
  std::string stderr_path;
  // Close every descriptor but 0, 1 and 2 in the child.
  bool close_other_fds = false;
};

class Subprocess {
 public:
  // argv[0] is the program: a path, or a name looked up in PATH with
  // options.search_path.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Spawn(
      const std::vector<std::string>& argv, const SpawnOptions& options);

  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& program() const { return program_; }
  // The read end of the piped stderr (owned by this object), or -1.
  int stderr_fd() const { return stderr_fd_; }

  // One line of the piped stdout, without its newline.  DEADLINE_EXCEEDED
  // after `timeout`; OUT_OF_RANGE at end of file (the child closed stdout).
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout);

  // Whether the child has exited, WITHOUT reaping it: until Poll, Wait or
  // Stop reaps it, its pid (and process group id) cannot be reused, so
  // SignalGroup stays safe.  Never blocks.
  bool HasExited();
  // Reaps the child if it has exited; true when it has.  Never blocks.
  bool Poll();
  // Waits up to `timeout` for the child to exit (and reaps it); true when
  // it has.
  bool Wait(absl::Duration timeout);
  bool exited() const { return exited_; }
  // The exit code, or 128 + signal when killed; only once exited().
  int exit_code() const;
  // The signal that killed the child, 0 when it exited by itself; only once
  // exited().
  int term_signal() const;
  // "exited with code 3", "killed by signal 9 (Killed)".
  std::string DescribeExit() const;

  // Sends `sig` to the child (only) if it is still running.
  void Signal(int sig);
  // Sends `sig` to the child's process group (or the child alone when it
  // does not lead one) unless it has been reaped.
  void SignalGroup(int sig);
  // SIGTERM, waits up to `grace`, then SIGKILL (to its group), and reaps.
  void Stop(absl::Duration grace);
  // SIGKILL to the child (and its group when it leads one), then reaps.
  void Kill();

 private:
  Subprocess(pid_t pid, std::string program, int stdout_fd, int stderr_fd,
             bool own_group)
      : pid_(pid),
        program_(std::move(program)),
        stdout_fd_(stdout_fd),
        stderr_fd_(stderr_fd),
        own_group_(own_group) {}

  pid_t pid_;
  std::string program_;
  int stdout_fd_;   // -1 when not piped
  int stderr_fd_;   // -1 when not piped
  bool own_group_;  // the child leads process group pid_
  std::string stdout_buffer_;
  bool exited_ = false;
  int status_ = 0;  // waitpid status once exited
};

struct RunSubprocessOptions {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  // "NAME=VALUE", added to the environment (after GRIDLESS_* is removed).
  std::vector<std::string> extra_env;
  std::string working_dir;  // "" = ours
  int stdout_fd = -1;       // -1: /dev/null
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

  // "exited with code 3", "killed by signal 9 (Killed)", "timed out",
  // "cancelled".
  std::string Describe() const;
};

// Runs argv to its end as described at the top.  A spawn failure is
// NOT_FOUND (command not in PATH), PERMISSION_DENIED (not executable) or
// UNAVAILABLE, naming the command.
absl::StatusOr<SubprocessResult> RunSubprocess(
    const RunSubprocessOptions& options);

// The path of `name` in the directory of the running executable
// (/proc/self/exe): how `gridless run` finds gridless-worker.  NOT_FOUND
// naming the path tried when it is not there.
absl::StatusOr<std::string> FindSiblingBinary(const std::string& name);

}  // namespace gridless

#endif  // GRIDLESS_COMMON_SUBPROCESS_H_
