// One worker's WorkerService.Work stream, as a gRPC callback reactor (no
// thread per worker).  It translates messages and calls the Scheduler:
//
//   Hello            registers the worker (slots, name) with the scheduler
//                    and the hub; must come first.
//   Credit{n}        adds n to the stream's credit and dispatches.
//   ResultBatch      goes to the scheduler in one call.
//   Heartbeat        renews the worker's leases (any message does).
//   Goodbye          hands back unstarted tasks; no more dispatch.
//   stream end/error the scheduler takes back every lease of the stream.
//
// Outgoing messages (TaskBatch, Cancel, Drain) wait in a per-stream queue
// with one write in flight.  Dispatch takes up to min(credit, kMaxBatch)
// tasks in one TaskBatch, and keeps at most one batch queued behind the
// write in flight, so a slow reader does not hoard tasks.
//
// Allocation: each outgoing message lives on its own protobuf Arena, and
// incoming messages are parsed onto an arena reset after each message, so
// the hundreds of Task/TaskResult objects of a batch cost a few block
// allocations rather than several mallocs each.
//
// Lifetime: created by the service per call, deletes itself in OnDone after
// unregistering from the hub.  Thread-safety: Dispatch, Send and Drain may be
// called from any thread (the hub's); the reactions are gRPC's.
#ifndef GRIDLESS_COORDINATOR_WORKER_STREAM_H_
#define GRIDLESS_COORDINATOR_WORKER_STREAM_H_

#include <google/protobuf/arena.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "common/auth.h"
#include "coordinator/task_key.h"
#include "coordinator/worker_hub.h"
#include "gridless/v1/worker.grpc.pb.h"

namespace gridless {

class WorkerStream final
    : public grpc::ServerBidiReactor<v1::WorkerMessage,
                                     v1::CoordinatorMessage> {
 public:
  // Most tasks in one TaskBatch.
  static constexpr uint64_t kMaxBatch = 1024;

  WorkerStream(WorkerHub* hub, std::string peer);

  // Takes ready tasks up to the credit and queues them.  No-op before Hello,
  // after Goodbye or Drain, or once the stream is closing.
  void Dispatch();
  // The scheduler's id of this stream (0 before Hello).
  WorkerId id();
  // Queues a control message (Cancel, Drain) unless the stream is closing.
  void Send(const v1::CoordinatorMessage& message);
  // Stops dispatch and asks the worker to drain.
  void Drain(const std::string& reason);

 private:
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnDone() override;
  void OnCancel() override {}

  // A message waiting to be written, with the arena that holds it.
  struct Outgoing {
    std::unique_ptr<google::protobuf::Arena> arena;
    v1::CoordinatorMessage* message = nullptr;  // on `arena`
  };
  static Outgoing NewOutgoing();

  // Handles one message; false ends the stream with *error.
  bool Handle(v1::WorkerMessage& message, grpc::Status* error);
  // Starts reading the next message onto a fresh arena.
  void ReadNext();
  // The read side is over: give the leases back and finish the call.
  void End(grpc::Status status);
  void QueueLocked(Outgoing message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // gRPC runs the reactions one at a time, each read's after its StartRead,
  // and OnDone after every other has returned; but it hands them between its
  // threads through atomics that TSan cannot see (Debian's gRPC is not built
  // with TSan).  Release() before each StartRead and as each reaction
  // returns, and Acquire() as each starts, show TSan those edges.  The
  // hub's calls are ordered by mu_.
  void Release() { handoff_.fetch_add(1, std::memory_order_release); }
  void Acquire() { (void)handoff_.load(std::memory_order_acquire); }
  std::atomic<uint64_t> handoff_{0};

  WorkerHub* const hub_;
  Scheduler* const scheduler_;
  const std::string peer_;
  // Only touched by the read reactions, which gRPC runs one at a time.
  google::protobuf::Arena in_arena_;
  v1::WorkerMessage* in_ = nullptr;  // on in_arena_
  WorkerId id_ = 0;                  // written once at Hello, under mu_
  std::string name_;

  std::mutex mu_;
  std::deque<Outgoing> out_ ABSL_GUARDED_BY(mu_);
  // The next batch's message, kept when Dispatch found no task.
  Outgoing spare_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;  // out_.front() is in flight
  uint64_t credit_ ABSL_GUARDED_BY(mu_) = 0;
  bool registered_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;  // Drain sent or Goodbye got
  bool closing_ ABSL_GUARDED_BY(mu_) = false;   // nothing more is sent
  bool ended_ ABSL_GUARDED_BY(mu_) = false;     // End ran
  // Finish waits for the write in flight.
  std::optional<grpc::Status> finish_pending_ ABSL_GUARDED_BY(mu_);
};

// The WorkerService: creates a WorkerStream per call, after checking the
// caller's worker credentials (UNAUTHENTICATED) and that fewer than
// `max_workers` streams are registered (RESOURCE_EXHAUSTED; 0 = no limit).
// `authorizer` (nullptr = open) must outlive the service.
class WorkerServiceImpl final : public v1::WorkerService::CallbackService {
 public:
  explicit WorkerServiceImpl(WorkerHub* hub,
                             const Authorizer* authorizer = nullptr,
                             uint64_t max_workers = 0)
      : hub_(hub), authorizer_(authorizer), max_workers_(max_workers) {}
  grpc::ServerBidiReactor<v1::WorkerMessage, v1::CoordinatorMessage>* Work(
      grpc::CallbackServerContext* context) override;

 private:
  WorkerHub* const hub_;
  const Authorizer* const authorizer_;
  const uint64_t max_workers_;
};

}  // namespace gridless

#endif  // GRIDLESS_COORDINATOR_WORKER_STREAM_H_
