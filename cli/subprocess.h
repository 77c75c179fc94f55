// A child process started with posix_spawn, owned by the object: the
// destructor kills it (SIGKILL) and reaps it if it is still running, so no
// path (an error, a failed test assertion) leaves a process behind.  When
// the child leads a process group of its own (the default), SIGKILL goes to
// the whole group, so its own children die with it.
//
//   auto p = Subprocess::Spawn({"/path/gridless-worker", "--coordinator",
//                               addr}, {});
//   ...
//   (*p)->Stop(absl::Seconds(2));  // SIGTERM, then SIGKILL after 2 s
//
// Used by `gridless run` for its worker processes and by the multi-process
// tests for coordinators, workers and the CLI itself.
//
// Thread-compatible: one thread at a time per object.
#ifndef GRIDLESS_CLI_SUBPROCESS_H_
#define GRIDLESS_CLI_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace gridless {

struct SpawnOptions {
  // Put the child in a process group of its own, so that a Ctrl-C in the
  // terminal reaches only the parent (which then stops the child in order).
  bool new_process_group = true;
  // Read the child's stdout through ReadLine.
  bool pipe_stdout = false;
  // Redirect stdout / stderr to these files (created or truncated); ""
  // inherits the parent's.  Ignored for stdout when pipe_stdout.
  std::string stdout_path;
  std::string stderr_path;
  // Extra environment entries "NAME=value" added to (or overriding) ours.
  std::vector<std::string> env;
};

class Subprocess {
 public:
  // argv[0] is the path of the program (not searched in PATH).
  // NOT_FOUND when it does not exist or is not executable.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Spawn(
      const std::vector<std::string>& argv, const SpawnOptions& options);

  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& program() const { return program_; }

  // One line of the piped stdout, without its newline.  DEADLINE_EXCEEDED
  // after `timeout`; OUT_OF_RANGE at end of file (the child closed stdout).
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout);

  // Reaps the child if it has exited; true when it has.  Never blocks.
  bool Poll();
  // Waits up to `timeout` for the child to exit; true when it has.
  bool Wait(absl::Duration timeout);
  bool exited() const { return exited_; }
  // The exit code, or 128 + signal when killed; only once exited().
  int exit_code() const;
  // "exited with code 3", "killed by signal 9 (Killed)".
  std::string DescribeExit() const;

  // Sends `sig` to the child (only) if it is still running.
  void Signal(int sig);
  // SIGTERM, waits up to `grace`, then SIGKILL (to its group), and reaps.
  void Stop(absl::Duration grace);

 private:
  Subprocess(pid_t pid, std::string program, int stdout_fd, bool own_group)
      : pid_(pid),
        program_(std::move(program)),
        stdout_fd_(stdout_fd),
        own_group_(own_group) {}
  // SIGKILL to the child (and its group when it leads one), then reap.
  void Kill();

  pid_t pid_;
  std::string program_;
  int stdout_fd_;   // -1 when not piped
  bool own_group_;  // the child leads process group pid_
  std::string stdout_buffer_;
  bool exited_ = false;
  int status_ = 0;  // waitpid status once exited
};

// The path of `name` in the directory of the running executable
// (/proc/self/exe): how `gridless run` finds gridless-worker.  NOT_FOUND
// naming the path tried when it is not there.
absl::StatusOr<std::string> FindSiblingBinary(const std::string& name);

}  // namespace gridless

#endif  // GRIDLESS_CLI_SUBPROCESS_H_
