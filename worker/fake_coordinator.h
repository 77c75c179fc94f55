// An in-process WorkerService for the worker's tests: a gRPC server on
// 127.0.0.1:<free port> that records what a worker sends and lets the test
// push CoordinatorMessages on the open stream.
//
// One stream at a time (the tests run one worker).  Thread-safe: the gRPC
// handler thread and the test thread share it.
#ifndef GRIDLESS_WORKER_FAKE_COORDINATOR_H_
#define GRIDLESS_WORKER_FAKE_COORDINATOR_H_

#include <grpcpp/server.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "gridless/v1/worker.grpc.pb.h"

namespace gridless::testing {

// A loopback port with nothing listening.
int ClosedPort();

class FakeCoordinator {
 public:
  FakeCoordinator();
  ~FakeCoordinator();

  std::string address() const { return address_; }

  // Blocks until `n` streams have been opened in total.
  bool WaitForStreams(int n, absl::Duration timeout = absl::Seconds(10));
  // The next message of the current stream, skipping heartbeats unless asked;
  // nullopt when the worker closed the stream or after `timeout`.
  std::optional<v1::WorkerMessage> Next(
      absl::Duration timeout = absl::Seconds(10), bool heartbeats = false);
  // Whether the worker has half-closed or left the current stream (all its
  // messages have been taken by Next).
  bool StreamEnded();
  // Writes to the current stream; false when there is none.
  bool Send(const v1::CoordinatorMessage& message);
  // Breaks the current stream from the server side (as if the coordinator
  // restarted); the worker sees the stream fail.
  void BreakStream();
  // Every stream from now on is refused at once with `status`.
  void RejectStreams(grpc::Status status);

 private:
  class Service;
  grpc::Status Work(grpc::ServerContext* context,
                    grpc::ServerReaderWriter<v1::CoordinatorMessage,
                                             v1::WorkerMessage>* stream);

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;

  // std::mutex so that TSan sees it (see coordinator/scheduler.h).
  std::mutex mu_;
  std::condition_variable changed_;  // streams_, inbox_ or ended_ changed
  int streams_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<grpc::Status> reject_ ABSL_GUARDED_BY(mu_);
  grpc::ServerContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
  grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::WorkerMessage>* stream_
      ABSL_GUARDED_BY(mu_) = nullptr;
  // Messages of the current stream not yet taken, and whether it ended.
  std::deque<v1::WorkerMessage> inbox_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  // Serializes writes to the stream.
  std::mutex write_mu_;
};

}  // namespace gridless::testing

#endif  // GRIDLESS_WORKER_FAKE_COORDINATOR_H_
