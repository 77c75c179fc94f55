// Helpers of the spine's multi-process tests: real gridless-coordinator,
// gridless-worker and gridless processes from build/bin, on loopback.
//
// Every process is owned by a Subprocess (common/subprocess.h), whose
// destructor kills and reaps it, so a failing assertion leaves nothing
// behind.  Waits are bounded (generous hang guards, not timed assertions).
//
// Thread-compatible; each test uses its own objects.
#ifndef GRIDLESS_TESTS_SPINE_CLUSTER_H_
#define GRIDLESS_TESTS_SPINE_CLUSTER_H_

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/job_client.h"
#include "common/subprocess.h"
#include "google/protobuf/struct.pb.h"
#include "gridless/v1/job.pb.h"

namespace gridless::spine {

// A binary of this build: build/bin/NAME.
std::string Binary(const std::string& name);
// A file of the source tree, e.g. "examples/pi.json".
std::string SourcePath(const std::string& relative);

// A fresh, empty directory for one test.
std::string FreshDir(const std::string& name);
// Writes `contents` to DIR/NAME and returns the path.
std::string WriteFile(const std::string& dir, const std::string& name,
                      const std::string& contents);
std::string ReadFile(const std::string& path);

// A gridless-coordinator process listening on a free loopback port.
class CoordinatorProcess {
 public:
  // Starts it with --listen 127.0.0.1:0 (plus `extra_args`) and reads the
  // address from its first stdout line.
  static absl::StatusOr<std::unique_ptr<CoordinatorProcess>> Start(
      const std::vector<std::string>& extra_args = {});
  // Starts it with --listen `listen` (a restart on the address of a
  // coordinator that was killed, so that its workers find it again).  The
  // port may still be held for a moment by the dead process's sockets: the
  // start is retried for up to `patience`.
  static absl::StatusOr<std::unique_ptr<CoordinatorProcess>> StartAt(
      const std::string& listen, const std::vector<std::string>& extra_args,
      absl::Duration patience = absl::Seconds(20));
  const std::string& address() const { return address_; }
  Subprocess& process() { return *process_; }
  // A client connected to it.
  absl::StatusOr<std::unique_ptr<JobClient>> Connect() const;

 private:
  std::unique_ptr<Subprocess> process_;
  std::string address_;
};

// A gridless-worker process connected to `coordinator`, with `extra_args`;
// its stderr goes to `stderr_path` when not empty.
absl::StatusOr<std::unique_ptr<Subprocess>> StartWorker(
    const std::string& coordinator, int slots = 1,
    const std::vector<std::string>& extra_args = {},
    const std::string& stderr_path = "");

// The --task-gate ticket file of workers (worker/task_gate.h): how a test
// kills a worker "mid-job" without racing the machine's speed.  A worker
// started with WorkerArgs() holds each task before it starts until the file
// gives it a ticket, keeping its lease; so a test can let exactly some
// tasks through, wait until a victim provably holds leases and the job
// provably cannot have ended, kill it, then open the gate.  See
// docs/TESTING.md ("Killing things mid-job").
class TaskGateFile {
 public:
  // DIR/task-gate holding `content` ("" = no file: the gate is open).
  TaskGateFile(const std::string& dir, const std::string& content);
  const std::string& path() const { return path_; }
  std::vector<std::string> WorkerArgs() const { return {"--task-gate", path_}; }
  // Replaces the content atomically ("0": hold every task; "N": N more tasks
  // may start; "S:N": per stage).
  void Set(const std::string& content);
  // Removes the file: every task starts.
  void Open();

 private:
  std::string path_;
};

// A set of gridless-worker processes of one coordinator that a test kills
// and replaces (chaos tests, poison tasks that kill their worker).
class WorkerFleet {
 public:
  // Workers get --coordinator `coordinator` --slots `slots` plus
  // `extra_args`.  Starts nothing yet.
  WorkerFleet(std::string coordinator, int slots,
              std::vector<std::string> extra_args = {})
      : coordinator_(std::move(coordinator)),
        slots_(slots),
        extra_args_(std::move(extra_args)) {}

  // Starts workers until `n` are running.
  absl::Status Grow(int n);
  // Starts a new worker in place of every one that exited (a task crashed
  // it); returns how many were replaced.
  absl::StatusOr<int> ReplaceDead();
  // SIGKILLs one running worker chosen with `rng`, reaps it and starts a
  // replacement.
  absl::Status KillOneAndReplace(std::mt19937& rng);
  // SIGKILLs every worker and reaps it.
  void KillAll();
  // From now on, each new worker's stderr goes to DIR/worker-N.err.
  void CaptureLogs(const std::string& dir) { log_dir_ = dir; }
  // Whether every running worker has said it holds a task at its
  // --task-gate (worker/task_gate.h), i.e. holds a lease it cannot finish
  // while the gate has no ticket.  Needs CaptureLogs before Grow.
  bool AllHoldingAtGate() const;

  int size() const { return static_cast<int>(workers_.size()); }
  // Workers started so far, replacements included.
  int started() const { return started_; }

 private:
  std::string coordinator_;
  int slots_;
  std::vector<std::string> extra_args_;
  std::vector<std::unique_ptr<Subprocess>> workers_;
  std::vector<std::string> logs_;  // stderr of each worker, "" = inherited
  std::string log_dir_;
  int started_ = 0;

  absl::StatusOr<std::unique_ptr<Subprocess>> Start(std::string* log);
};

// A coordinator process, a client connected to it and `workers` workers.
struct Cluster {
  std::unique_ptr<CoordinatorProcess> coordinator;
  std::unique_ptr<JobClient> client;
  std::unique_ptr<WorkerFleet> workers;
  const std::string& address() const { return coordinator->address(); }
};
// Starts a coordinator (with `coordinator_args`), connects a client and
// starts `workers` workers of `slots` slots (with `worker_args`).
absl::StatusOr<Cluster> StartCluster(
    int workers, int slots = 1,
    const std::vector<std::string>& coordinator_args = {},
    const std::vector<std::string>& worker_args = {});

// Polls the job until it reaches a final state (or `timeout` passes:
// DEADLINE_EXCEEDED) and returns its result.
absl::StatusOr<v1::JobResult> WaitForResult(
    JobClient& client, const std::string& job_id,
    absl::Duration timeout = absl::Seconds(90));
// The same, calling `between_polls` between two polls (e.g. to replace dead
// workers); an error from it ends the wait.
absl::StatusOr<v1::JobResult> WaitForResult(
    JobClient& client, const std::string& job_id, absl::Duration timeout,
    const std::function<absl::Status()>& between_polls);
// Polls until `done(progress)` holds or the job ended (or DEADLINE_EXCEEDED
// after `timeout`), calling `between_polls` between two polls.
absl::StatusOr<v1::Progress> WaitUntil(
    JobClient& client, const std::string& job_id,
    const std::function<bool(const v1::Progress&)>& done,
    absl::Duration timeout = absl::Seconds(60),
    const std::function<absl::Status()>& between_polls = nullptr);
// Polls until the job has at least `succeeded` tasks merged or ended.
absl::StatusOr<v1::Progress> WaitForProgress(
    JobClient& client, const std::string& job_id, uint64_t succeeded,
    absl::Duration timeout = absl::Seconds(60));

// What a `gridless` command did.
struct CliRun {
  int exit_code = -1;  // -1: killed after the timeout
  std::string out;
  std::string err;
};
// A `gridless` process still running, its stdout and stderr going to files.
struct CliProcess {
  std::unique_ptr<Subprocess> process;
  std::string out_path;
  std::string err_path;
};
absl::StatusOr<CliProcess> StartCli(const std::vector<std::string>& args);

// Runs build/bin/gridless with `args`; stdout and stderr captured.
CliRun RunCli(const std::vector<std::string>& args,
              absl::Duration timeout = absl::Seconds(90));

// The "result" object (ResultJsonText) of `gridless run JOB_FILE --workers 0
// --json`: the job run in one process, tasks one after another, no
// coordinator: the reference a distributed run must match byte for byte.
absl::StatusOr<std::string> InProcessResultJson(const std::string& job_file);

// Parses a JSON object (e.g. `--json` output).
absl::StatusOr<google::protobuf::Struct> ParseJson(const std::string& json);
// The text of the "result" object of a `--json` line, byte for byte (what a
// bit-identity check compares); NOT_FOUND when there is none.
absl::StatusOr<std::string> ResultJsonText(const std::string& json_line);

// A JobSpec from JSON (the job file schema).
v1::JobSpec Spec(const std::string& json);

}  // namespace gridless::spine

#endif  // GRIDLESS_TESTS_SPINE_CLUSTER_H_
