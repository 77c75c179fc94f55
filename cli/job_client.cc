#include "cli/job_client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "cli/command_flags.h"
#include "common/grpc_status.h"

namespace gridless {
namespace {

// Deadlines of the unary RPCs.  Submit plans the job (which may read an
// input), so it gets longer.
constexpr absl::Duration kRpcDeadline = absl::Seconds(30);
constexpr absl::Duration kSubmitDeadline = absl::Minutes(10);

void SetDeadline(grpc::ClientContext& ctx, absl::Duration d) {
  ctx.set_deadline(std::chrono::system_clock::now() +
                   absl::ToChronoMilliseconds(d));
}

}  // namespace

absl::StatusOr<std::unique_ptr<JobClient>> JobClient::Connect(
    const std::string& address, absl::Duration timeout) {
  return Connect(address, ClientAuthOptions{}, timeout);
}

absl::StatusOr<std::unique_ptr<JobClient>> JobClient::Connect(
    const std::string& address, const ClientAuthFlags& flags,
    absl::Duration timeout) {
  auto auth = LoadClientAuth(flags);
  if (!auth.ok()) return auth.status();
  return Connect(address, *auth, timeout);
}

absl::StatusOr<std::unique_ptr<JobClient>> JobClient::Connect(
    const std::string& address, const ClientAuthOptions& auth,
    absl::Duration timeout) {
  if (auto s = ValidateAddress(address, "coordinator address"); !s.ok()) {
    return s;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // Fail fast and retry soon after a refused connection.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  auto channel = NewClientChannel(address, auth, args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 absl::ToChronoMilliseconds(timeout))) {
    return absl::UnavailableError(
        absl::StrCat("cannot reach coordinator at ", address,
                     " (is gridless-coordinator running? set --coordinator",
                     auth.tls() ? "; with TLS, check that --tls-ca signed its "
                                  "certificate, that the certificate names "
                                  "this address, and --tls-cert/--tls-key "
                                  "when it requires client certificates"
                                : "",
                     ")"));
  }
  return std::unique_ptr<JobClient>(
      new JobClient(address, v1::JobService::NewStub(channel)));
}

absl::Status JobClient::Annotate(const absl::Status& status) const {
  if (status.ok()) return status;
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    return absl::Status(status.code(),
                        absl::StrCat("lost contact with coordinator at ",
                                     address_, ": ", status.message()));
  }
  return status;
}

absl::StatusOr<v1::SubmitResponse> JobClient::Submit(const v1::JobSpec& spec) {
  grpc::ClientContext ctx;
  SetDeadline(ctx, kSubmitDeadline);
  v1::SubmitRequest req;
  *req.mutable_spec() = spec;
  v1::SubmitResponse resp;
  auto s = FromGrpcStatus(stub_->Submit(&ctx, req, &resp));
  if (!s.ok()) return Annotate(s);
  return resp;
}

absl::StatusOr<v1::JobResult> JobClient::GetResult(const std::string& job_id) {
  grpc::ClientContext ctx;
  SetDeadline(ctx, kRpcDeadline);
  v1::JobRef req;
  req.set_job_id(job_id);
  v1::JobResult resp;
  auto s = FromGrpcStatus(stub_->GetResult(&ctx, req, &resp));
  if (!s.ok()) return Annotate(s);
  return resp;
}

absl::StatusOr<v1::JobState> JobClient::Cancel(const std::string& job_id) {
  grpc::ClientContext ctx;
  SetDeadline(ctx, kRpcDeadline);
  v1::JobRef req;
  req.set_job_id(job_id);
  v1::CancelResponse resp;
  auto s = FromGrpcStatus(stub_->Cancel(&ctx, req, &resp));
  if (!s.ok()) return Annotate(s);
  return resp.state();
}

absl::StatusOr<std::vector<v1::Progress>> JobClient::ListJobs() {
  grpc::ClientContext ctx;
  SetDeadline(ctx, kRpcDeadline);
  v1::ListJobsResponse resp;
  auto s = FromGrpcStatus(stub_->ListJobs(&ctx, v1::ListJobsRequest(), &resp));
  if (!s.ok()) return Annotate(s);
  return std::vector<v1::Progress>(resp.jobs().begin(), resp.jobs().end());
}

absl::StatusOr<v1::FailuresResponse> JobClient::ListFailures(
    const std::string& job_id) {
  grpc::ClientContext ctx;
  SetDeadline(ctx, kRpcDeadline);
  v1::JobRef req;
  req.set_job_id(job_id);
  v1::FailuresResponse resp;
  auto s = FromGrpcStatus(stub_->ListFailures(&ctx, req, &resp));
  if (!s.ok()) return Annotate(s);
  return resp;
}

absl::StatusOr<v1::RetryResponse> JobClient::Retry(const std::string& job_id) {
  grpc::ClientContext ctx;
  SetDeadline(ctx, kRpcDeadline);
  v1::JobRef req;
  req.set_job_id(job_id);
  v1::RetryResponse resp;
  auto s = FromGrpcStatus(stub_->Retry(&ctx, req, &resp));
  if (!s.ok()) return Annotate(s);
  return resp;
}

absl::StatusOr<v1::Progress> JobClient::Watch(
    const std::string& job_id, double interval_s,
    const std::function<void(const v1::Progress&)>& on_progress) {
  grpc::ClientContext ctx;
  {
    absl::MutexLock lock(&mu_);
    if (stop_watch_) return absl::CancelledError("watch stopped");
    watch_context_ = &ctx;
  }
  v1::WatchRequest req;
  req.set_job_id(job_id);
  req.set_interval_s(interval_s);
  auto reader = stub_->Watch(&ctx, req);
  v1::Progress p;
  std::optional<v1::Progress> last;
  while (reader->Read(&p)) {
    on_progress(p);
    last = p;
  }
  grpc::Status status = reader->Finish();
  bool stopped;
  {
    absl::MutexLock lock(&mu_);
    watch_context_ = nullptr;
    stopped = stop_watch_;
  }
  if (stopped) return absl::CancelledError("watch stopped");
  if (!status.ok()) return Annotate(FromGrpcStatus(status));
  if (!last.has_value()) {
    return absl::InternalError(absl::StrCat("coordinator at ", address_,
                                            " ended the watch of job ", job_id,
                                            " without sending its state"));
  }
  return *last;
}

void JobClient::StopWatch() {
  absl::MutexLock lock(&mu_);
  stop_watch_ = true;
  if (watch_context_ != nullptr) watch_context_->TryCancel();
}

}  // namespace gridless
