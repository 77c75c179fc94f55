// The client-facing JobService (Submit, Watch, Cancel, GetResult, ListJobs,
// ListFailures, Retry)
// over the Scheduler.  Thin: validates the request, calls the scheduler,
// maps absl::Status to grpc::Status, and hands scheduler events to the hub
// (a submit wakes streams holding credit; a cancel tells workers to drop the
// job).
//
// Uses gRPC's synchronous API: clients are few, and Watch blocks its handler
// thread between snapshots.  Watch sends a snapshot every interval_s
// (default 0.2 s) and always the final one, then ends; it ends with
// UNAVAILABLE when the coordinator shuts down first.
//
// Thread-safety: gRPC calls the handlers from its thread pool.
#ifndef GRIDLESS_COORDINATOR_JOB_SERVICE_H_
#define GRIDLESS_COORDINATOR_JOB_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "common/auth.h"
#include "coordinator/scheduler.h"
#include "coordinator/worker_hub.h"
#include "gridless/v1/job.grpc.pb.h"

namespace gridless {

class JobServiceImpl final : public v1::JobService::Service {
 public:
  // All must outlive the service.  Every handler first checks the caller's
  // client credentials with `authorizer` (nullptr = open) and returns its
  // UNAUTHENTICATED status when they are refused.  Submit and Retry refuse
  // jobs of kinds that run commands unless `allow_exec`
  // (FAILED_PRECONDITION naming --allow-exec, see exec_admission.h).
  JobServiceImpl(Scheduler* scheduler, WorkerHub* hub,
                 const Authorizer* authorizer = nullptr,
                 bool allow_exec = false)
      : scheduler_(scheduler),
        hub_(hub),
        authorizer_(authorizer),
        allow_exec_(allow_exec) {}

  grpc::Status Submit(grpc::ServerContext* context,
                      const v1::SubmitRequest* request,
                      v1::SubmitResponse* response) override;
  grpc::Status Watch(grpc::ServerContext* context,
                     const v1::WatchRequest* request,
                     grpc::ServerWriter<v1::Progress>* writer) override;
  grpc::Status Cancel(grpc::ServerContext* context, const v1::JobRef* request,
                      v1::CancelResponse* response) override;
  grpc::Status GetResult(grpc::ServerContext* context,
                         const v1::JobRef* request,
                         v1::JobResult* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context,
                        const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status ListFailures(grpc::ServerContext* context,
                            const v1::JobRef* request,
                            v1::FailuresResponse* response) override;
  grpc::Status Retry(grpc::ServerContext* context, const v1::JobRef* request,
                     v1::RetryResponse* response) override;

 private:
  grpc::Status Authorize(const grpc::ServerContext& context) const {
    return authorizer_ == nullptr
               ? grpc::Status::OK
               : authorizer_->Authorize(context, Role::kClient);
  }

  Scheduler* const scheduler_;
  WorkerHub* const hub_;
  const Authorizer* const authorizer_;
  const bool allow_exec_;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_JOB_SERVICE_H_
