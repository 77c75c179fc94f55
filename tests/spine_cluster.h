// Helpers of the spine's multi-process tests: real gridless-coordinator,
// gridless-worker and gridless processes from build/bin, on loopback.
//
// Every process is owned by a Subprocess (cli/subprocess.h), whose
// destructor kills and reaps it, so a failing assertion leaves nothing
// behind.  Waits are bounded (generous hang guards, not timed assertions).
//
// Thread-compatible; each test uses its own objects.
#ifndef GRIDLESS_TESTS_SPINE_CLUSTER_H_
#define GRIDLESS_TESTS_SPINE_CLUSTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/job_client.h"
#include "cli/subprocess.h"
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
  const std::string& address() const { return address_; }
  Subprocess& process() { return *process_; }
  // A client connected to it.
  absl::StatusOr<std::unique_ptr<JobClient>> Connect() const;

 private:
  std::unique_ptr<Subprocess> process_;
  std::string address_;
};

// A gridless-worker process connected to `coordinator`.
absl::StatusOr<std::unique_ptr<Subprocess>> StartWorker(
    const std::string& coordinator, int slots = 1);

// Polls the job until it reaches a final state (or `timeout` passes:
// DEADLINE_EXCEEDED) and returns its result.
absl::StatusOr<v1::JobResult> WaitForResult(
    JobClient& client, const std::string& job_id,
    absl::Duration timeout = absl::Seconds(90));
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

// Parses a JSON object (e.g. `--json` output).
absl::StatusOr<google::protobuf::Struct> ParseJson(const std::string& json);

// A JobSpec from JSON (the job file schema).
v1::JobSpec Spec(const std::string& json);

}  // namespace gridless::spine

#endif  // GRIDLESS_TESTS_SPINE_CLUSTER_H_
