// JobService handlers (see job_service.h).
#include "coordinator/job_service.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/grpc_status.h"
#include "coordinator/exec_admission.h"
#include "coordinator/metrics.h"

namespace gridless {
namespace {

grpc::Status CheckJobId(const std::string& id) {
  if (id.empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "job_id is empty; expected an id such as job-1");
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status JobServiceImpl::Submit(grpc::ServerContext* context,
                                    const v1::SubmitRequest* request,
                                    v1::SubmitResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  if (auto s = CheckKindAdmitted(request->spec().kind(), allow_exec_);
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  auto submitted = scheduler_->Submit(request->spec());
  if (!submitted.ok()) return ToGrpcStatus(submitted.status());
  *response = *std::move(submitted);
  CoordinatorTelemetry::Global().JobSubmitted(response->job_id(),
                                              request->spec().kind());
  hub_->stats().OnSubmit(response->job_id(), request->spec(), response->tasks(),
                         absl::Now());
  hub_->Log(absl::StrCat("job ", response->job_id(), " submitted: kind ",
                         request->spec().kind(), ", ", response->tasks(),
                         " tasks"));
  if (response->tasks() > 0) hub_->WakeAll();
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::Watch(grpc::ServerContext* context,
                                   const v1::WatchRequest* request,
                                   grpc::ServerWriter<v1::Progress>* writer) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  if (auto s = CheckJobId(request->job_id()); !s.ok()) return s;
  double interval_s = request->interval_s();
  if (!(interval_s > 0) || std::isinf(interval_s)) interval_s = 0.2;
  const absl::Duration interval =
      absl::Seconds(std::clamp(interval_s, 0.01, 60.0));
  for (;;) {
    auto progress = scheduler_->GetProgress(request->job_id());
    if (!progress.ok()) return ToGrpcStatus(progress.status());
    const bool final = progress->state() != v1::JOB_STATE_RUNNING;
    if (!writer->Write(*progress)) return grpc::Status::OK;  // client gone
    if (final) return grpc::Status::OK;
    scheduler_->AwaitFinal(request->job_id(), absl::Now() + interval);
    if (context->IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "watch cancelled");
    }
    if (scheduler_->stopped()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "the coordinator is shutting down");
    }
  }
}

grpc::Status JobServiceImpl::Cancel(grpc::ServerContext* context,
                                    const v1::JobRef* request,
                                    v1::CancelResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  if (auto s = CheckJobId(request->job_id()); !s.ok()) return s;
  SchedulerEvents events;
  auto state = scheduler_->Cancel(request->job_id(), &events);
  if (!state.ok()) return ToGrpcStatus(state.status());
  response->set_state(*state);
  hub_->Apply(events);
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::GetResult(grpc::ServerContext* context,
                                       const v1::JobRef* request,
                                       v1::JobResult* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  if (auto s = CheckJobId(request->job_id()); !s.ok()) return s;
  auto result = scheduler_->GetResult(request->job_id());
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::ListJobs(grpc::ServerContext* context,
                                      const v1::ListJobsRequest*,
                                      v1::ListJobsResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  *response = scheduler_->ListJobs();
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::ListFailures(grpc::ServerContext* context,
                                          const v1::JobRef* request,
                                          v1::FailuresResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  if (auto s = CheckJobId(request->job_id()); !s.ok()) return s;
  auto failures = scheduler_->ListFailures(request->job_id());
  if (!failures.ok()) return ToGrpcStatus(failures.status());
  *response = *std::move(failures);
  return grpc::Status::OK;
}

grpc::Status JobServiceImpl::Retry(grpc::ServerContext* context,
                                   const v1::JobRef* request,
                                   v1::RetryResponse* response) {
  if (auto s = Authorize(*context); !s.ok()) return s;
  if (auto s = CheckJobId(request->job_id()); !s.ok()) return s;
  // A job journaled by a coordinator that allowed its kind is not run again
  // by one that does not.
  if (auto progress = scheduler_->GetProgress(request->job_id());
      progress.ok()) {
    if (auto s = CheckKindAdmitted(progress->kind(), allow_exec_); !s.ok()) {
      return ToGrpcStatus(s);
    }
  }
  SchedulerEvents events;
  auto retried = scheduler_->Retry(request->job_id(), &events);
  if (!retried.ok()) return ToGrpcStatus(retried.status());
  *response = *std::move(retried);
  hub_->Log(absl::StrCat("job ", request->job_id(), ": retrying ",
                         response->tasks(), " dead-lettered tasks"));
  hub_->Apply(events);
  return grpc::Status::OK;
}

}  // namespace gridless
