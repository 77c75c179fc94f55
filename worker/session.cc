#include "worker/session.h"

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/sync_stream.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "gridless/v1/worker.grpc.pb.h"
#include "worker/worker_log.h"

namespace gridless {
namespace {

using Stream =
    grpc::ClientReaderWriter<v1::WorkerMessage, v1::CoordinatorMessage>;

// A ResultBatch above this size is split, to stay well under gRPC's default
// 4 MiB receive limit on the coordinator.
constexpr size_t kMaxBatchBytes = 2 << 20;
// How often the drain flag (set by a signal handler) is looked at.
constexpr absl::Duration kDrainPoll = absl::Milliseconds(50);
// How long to wait for the coordinator to close the stream after Goodbye.
constexpr absl::Duration kGoodbyeGrace = absl::Seconds(5);

// Codes with which a coordinator refuses a worker for good: retrying the
// same connection cannot help.
bool IsRejection(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnimplemented:
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
      return true;
    default:
      return false;
  }
}

class Session {
 public:
  Session(const std::shared_ptr<grpc::Channel>& channel,
          const SessionConfig& config, TaskExecutor& executor,
          std::atomic<bool>* drain)
      : stub_(v1::WorkerService::NewStub(channel)),
        config_(config),
        options_(*config.options),
        executor_(executor),
        drain_(drain) {}

  SessionOutcome Run();

 private:
  void ReadLoop();
  bool ReaderDone();
  // True once the reader is done, false after `timeout`.
  bool AwaitReaderDone(absl::Duration timeout);
  bool Send(const v1::WorkerMessage& message, bool more);
  // Sends pending results (and, when `grant`, the credits they freed).
  bool SendOutput(bool grant);
  bool SendHello();
  // Ends the stream after Goodbye (or after it broke) and reports why.
  SessionOutcome Close(SessionEnd end);

  std::unique_ptr<v1::WorkerService::Stub> stub_;
  const SessionConfig& config_;
  const WorkerOptions& options_;
  TaskExecutor& executor_;
  std::atomic<bool>* const drain_;

  grpc::ClientContext context_;
  std::unique_ptr<Stream> stream_;
  std::thread reader_;
  // Set when the reader is done.  A mutex rather than absl::Notification so
  // that TSan sees it (Debian's Abseil is not built with TSan).
  std::mutex reader_mu_;
  std::condition_variable reader_cv_;
  bool reader_done_ = false;  // guarded by reader_mu_
  std::atomic<bool> drain_requested_{false};
  std::atomic<bool> received_{false};

  // Writer-thread state.
  TaskExecutor::Output output_;
  v1::WorkerMessage message_;
};

void Session::ReadLoop() {
  v1::CoordinatorMessage message;
  while (stream_->Read(&message)) {
    received_.store(true, std::memory_order_relaxed);
    switch (message.kind_case()) {
      case v1::CoordinatorMessage::kBatch:
        executor_.Add(*message.mutable_batch());
        break;
      case v1::CoordinatorMessage::kCancel:
        executor_.Cancel(message.cancel());
        break;
      case v1::CoordinatorMessage::kDrain:
        WorkerLog(options_, absl::StrCat("coordinator asked to drain: ",
                                         message.drain().reason()));
        // At once, so that tasks read after the Drain are set aside.
        executor_.StopAccepting();
        drain_requested_.store(true);
        executor_.Wake();
        break;
      default:  // Unknown to this build: ignored, for compatibility.
        break;
    }
  }
  {
    std::lock_guard<std::mutex> lock(reader_mu_);
    reader_done_ = true;
  }
  reader_cv_.notify_all();
  executor_.Wake();
}

bool Session::ReaderDone() {
  std::lock_guard<std::mutex> lock(reader_mu_);
  return reader_done_;
}

bool Session::AwaitReaderDone(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(reader_mu_);
  return reader_cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                             [this] { return reader_done_; });
}

bool Session::Send(const v1::WorkerMessage& message, bool more) {
  grpc::WriteOptions write_options;
  if (more) write_options.set_buffer_hint();
  return stream_->Write(message, write_options);
}

bool Session::SendOutput(bool grant) {
  executor_.TakeOutput(&output_);
  if (output_.empty()) return true;
  const bool credit = grant && output_.credits > 0;
  v1::ResultBatch& results = output_.results;
  if (results.results_size() > 0 && output_.bytes <= kMaxBatchBytes) {
    message_.mutable_results()->Swap(&results);
    const bool ok = Send(message_, credit);
    message_.mutable_results()->Swap(&results);
    if (!ok) return false;
  } else if (results.results_size() > 0) {
    // Rare: big partials.  One message per ~kMaxBatchBytes.
    v1::WorkerMessage chunk;
    size_t bytes = 0;
    for (int i = 0; i < results.results_size(); ++i) {
      v1::TaskResult& r = *results.mutable_results(i);
      bytes += r.partial().size();
      chunk.mutable_results()->mutable_results()->Add(std::move(r));
      if (bytes >= kMaxBatchBytes || i + 1 == results.results_size()) {
        if (!Send(chunk, credit || i + 1 < results.results_size())) {
          return false;
        }
        chunk.Clear();
        bytes = 0;
      }
    }
  }
  if (credit) {
    v1::WorkerMessage m;
    m.mutable_credit()->set_tasks(output_.credits);
    if (!Send(m, false)) return false;
  }
  return true;
}

bool Session::SendHello() {
  v1::WorkerMessage hello;
  v1::Hello* h = hello.mutable_hello();
  h->set_worker_id(config_.worker_id);
  h->set_slots(static_cast<uint32_t>(config_.slots));
  h->set_build_id(GRIDLESS_BUILD_ID);
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  h->set_hostname(host);
  h->set_pid(static_cast<uint32_t>(getpid()));
  v1::WorkerMessage credit;
  const int64_t grant = static_cast<int64_t>(config_.slots) *
                        std::max(1, options_.prefetch_per_slot);
  credit.mutable_credit()->set_tasks(
      static_cast<uint32_t>(std::min<int64_t>(grant, 1 << 30)));
  return Send(hello, true) && Send(credit, false);
}

SessionOutcome Session::Run() {
  stream_ = stub_->Work(&context_);
  if (!SendHello()) {
    // A failed write means the call is over: Finish returns the
    // coordinator's status (e.g. UNAUTHENTICATED) without waiting.
    SessionOutcome out;
    out.status = FromGrpcStatus(stream_->Finish());
    out.end = IsRejection(out.status.code()) ? SessionEnd::kRejected
                                             : SessionEnd::kBroken;
    return out;
  }
  reader_ = std::thread([this] { ReadLoop(); });
  WorkerLog(options_,
            absl::StrCat("connected to ", options_.coordinator, " as ",
                         config_.worker_id, " with ", config_.slots, " slots"));

  const absl::Time start = absl::Now();
  absl::Time next_heartbeat = start + options_.heartbeat_interval;
  bool draining = false;
  SessionEnd end = SessionEnd::kDrained;
  for (;;) {
    if (ReaderDone()) {
      end = draining ? end : SessionEnd::kBroken;
      break;
    }
    if (!draining && (drain_->load() || drain_requested_.load())) {
      WorkerLog(options_, "draining: finishing running tasks");
      executor_.StopAccepting();
      draining = true;
      end = SessionEnd::kDrained;
    }
    const absl::Time now = absl::Now();
    absl::Time idle_deadline = absl::InfiniteFuture();
    if (!draining && options_.idle_exit > absl::ZeroDuration()) {
      idle_deadline =
          std::max(executor_.IdleSince(), start) + options_.idle_exit;
      if (now >= idle_deadline) {
        WorkerLog(options_, "idle: leaving");
        executor_.StopAccepting();
        draining = true;
        end = SessionEnd::kIdle;
      }
    }
    const absl::Time next_timeout = executor_.CheckTimeouts();
    if (draining && executor_.running() == 0) {
      // Every result is in the outbox once nothing runs.  Leaving either
      // way: a failed write only loses results the coordinator requeues.
      SendOutput(false);
      break;
    }
    if (!SendOutput(!draining)) {
      end = draining ? end : SessionEnd::kBroken;
      break;
    }
    if (now >= next_heartbeat) {
      v1::WorkerMessage heartbeat;
      heartbeat.mutable_heartbeat()->set_running(
          static_cast<uint32_t>(executor_.running()));
      for (v1::TaskRef& ref : executor_.RunningTasks()) {
        *heartbeat.mutable_heartbeat()->add_running_tasks() = std::move(ref);
      }
      if (!Send(heartbeat, false)) {
        end = draining ? end : SessionEnd::kBroken;
        break;
      }
      next_heartbeat = now + options_.heartbeat_interval;
    }
    executor_.WaitForOutput(std::min(
        {next_heartbeat, next_timeout, idle_deadline, now + kDrainPoll}));
  }
  return Close(end);
}

SessionOutcome Session::Close(SessionEnd end) {
  SessionOutcome out;
  out.end = end;
  if (end == SessionEnd::kDrained || end == SessionEnd::kIdle) {
    v1::WorkerMessage goodbye;
    for (v1::TaskRef& ref : executor_.TakeReturned()) {
      goodbye.mutable_goodbye()->mutable_returned()->Add(std::move(ref));
    }
    goodbye.mutable_goodbye()->set_reason(end == SessionEnd::kIdle ? "idle"
                                                                   : "drained");
    if (Send(goodbye, false)) stream_->WritesDone();
    if (!AwaitReaderDone(kGoodbyeGrace)) {
      context_.TryCancel();
    }
  } else if (!ReaderDone()) {
    context_.TryCancel();
  }
  reader_.join();
  out.status = FromGrpcStatus(stream_->Finish());
  out.received = received_.load();
  if (end == SessionEnd::kBroken && IsRejection(out.status.code())) {
    out.end = SessionEnd::kRejected;
  }
  return out;
}

}  // namespace

SessionOutcome RunSession(const std::shared_ptr<grpc::Channel>& channel,
                          const SessionConfig& config, TaskExecutor& executor,
                          std::atomic<bool>* drain) {
  Session session(channel, config, executor, drain);
  return session.Run();
}

}  // namespace gridless
