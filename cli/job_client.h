// A client of a coordinator's JobService, with the CLI's error wording:
// every error names the coordinator's address, and an unreachable coordinator
// is reported within the connect timeout instead of hanging.
//
//   auto client = JobClient::Connect("127.0.0.1:7070");
//   if (!client.ok()) ...  // "cannot reach coordinator at 127.0.0.1:7070 ..."
//   auto id = (*client)->Submit(spec);
//
// Thread-safe: RPCs may be issued from several threads at once, and
// StopWatch may be called from any thread while Watch runs.
#ifndef GRIDLESS_CLI_JOB_CLIENT_H_
#define GRIDLESS_CLI_JOB_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "gridless/v1/job.grpc.pb.h"

namespace grpc {
class ClientContext;
}

namespace gridless {

class JobClient {
 public:
  // Connects to HOST:PORT.  INVALID_ARGUMENT for a malformed address;
  // UNAVAILABLE "cannot reach coordinator at ADDR (is gridless-coordinator
  // running? set --coordinator)" when no connection is made within
  // `timeout`.
  static absl::StatusOr<std::unique_ptr<JobClient>> Connect(
      const std::string& address, absl::Duration timeout = absl::Seconds(3));
  // The same with a token and TLS (common/auth.h): every RPC carries the
  // token.
  static absl::StatusOr<std::unique_ptr<JobClient>> Connect(
      const std::string& address, const ClientAuthOptions& auth,
      absl::Duration timeout = absl::Seconds(3));
  // The same from the command line's --token-file / --tls-* flags (or
  // $GRIDLESS_TOKEN); INVALID_ARGUMENT naming the flag when a file cannot be
  // used.
  static absl::StatusOr<std::unique_ptr<JobClient>> Connect(
      const std::string& address, const ClientAuthFlags& flags,
      absl::Duration timeout = absl::Seconds(3));

  const std::string& address() const { return address_; }

  // Errors keep the coordinator's status code (INVALID_ARGUMENT for a bad
  // spec, NOT_FOUND for an unknown job id).
  absl::StatusOr<v1::SubmitResponse> Submit(const v1::JobSpec& spec);
  absl::StatusOr<v1::JobResult> GetResult(const std::string& job_id);
  absl::StatusOr<v1::JobState> Cancel(const std::string& job_id);
  absl::StatusOr<std::vector<v1::Progress>> ListJobs();
  // The job's dead letters with every attempt (NOT_FOUND for an unknown id).
  absl::StatusOr<v1::FailuresResponse> ListFailures(const std::string& job_id);
  // Requeues the dead letters of a FAILED or PARTIAL job; FAILED_PRECONDITION
  // (the coordinator's message) when there is nothing to retry.
  absl::StatusOr<v1::RetryResponse> Retry(const std::string& job_id);

  // Calls `on_progress` for every snapshot until the job reaches a final
  // state and returns that final snapshot.  CANCELLED when StopWatch was
  // called; UNAVAILABLE when the coordinator went away.
  absl::StatusOr<v1::Progress> Watch(
      const std::string& job_id, double interval_s,
      const std::function<void(const v1::Progress&)>& on_progress);
  // Ends a Watch in progress (or the next one) with CANCELLED.
  void StopWatch();

 private:
  JobClient(std::string address, std::unique_ptr<v1::JobService::Stub> stub)
      : address_(std::move(address)), stub_(std::move(stub)) {}
  absl::Status Annotate(const absl::Status& status) const;

  std::string address_;
  std::unique_ptr<v1::JobService::Stub> stub_;
  absl::Mutex mu_;
  grpc::ClientContext* watch_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool stop_watch_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace gridless

#endif  // GRIDLESS_CLI_JOB_CLIENT_H_
