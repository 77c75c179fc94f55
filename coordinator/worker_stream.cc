// The per-worker bidi reactor (see worker_stream.h).
#include "coordinator/worker_stream.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "coordinator/metrics.h"

namespace gridless {

namespace {

// A Work call refused before Hello: finishes at once with `status`.
class RefusedStream final
    : public grpc::ServerBidiReactor<v1::WorkerMessage,
                                     v1::CoordinatorMessage> {
 public:
  explicit RefusedStream(grpc::Status status) { Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

google::protobuf::ArenaOptions ArenaOptionsFor(size_t start_block) {
  google::protobuf::ArenaOptions options;
  options.start_block_size = start_block;
  options.max_block_size = 1 << 20;
  return options;
}

}  // namespace

WorkerStream::WorkerStream(WorkerHub* hub, std::string peer)
    : hub_(hub),
      scheduler_(hub->scheduler()),
      peer_(std::move(peer)),
      in_arena_(ArenaOptionsFor(64 << 10)) {
  v1::WorkerMessage* in =
      google::protobuf::Arena::CreateMessage<v1::WorkerMessage>(&in_arena_);
  in_ = in;
  Release();  // nothing of this object is touched from here on
  StartRead(in);
}

WorkerStream::Outgoing WorkerStream::NewOutgoing() {
  Outgoing out;
  out.arena =
      std::make_unique<google::protobuf::Arena>(ArenaOptionsFor(32 << 10));
  out.message = google::protobuf::Arena::CreateMessage<v1::CoordinatorMessage>(
      out.arena.get());
  return out;
}

void WorkerStream::ReadNext() {
  in_arena_.Reset();
  v1::WorkerMessage* in =
      google::protobuf::Arena::CreateMessage<v1::WorkerMessage>(&in_arena_);
  in_ = in;
  Release();  // nothing of this object is touched from here on
  StartRead(in);
}

void WorkerStream::OnReadDone(bool ok) {
  Acquire();
  if (!ok) {
    End(grpc::Status::OK);
  } else if (grpc::Status error; !Handle(*in_, &error)) {
    End(error);
  } else {
    ReadNext();
  }
  Release();
}

bool WorkerStream::Handle(v1::WorkerMessage& message, grpc::Status* error) {
  bool registered;
  {
    std::lock_guard<std::mutex> lock(mu_);
    registered = registered_;
  }
  if (message.kind_case() == v1::WorkerMessage::kHello) {
    if (registered) {
      *error = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            "a second Hello on the same stream");
      return false;
    }
    const v1::Hello& hello = message.hello();
    const uint32_t slots = std::max<uint32_t>(1, hello.slots());
    name_ = hello.worker_id().empty() ? peer_ : hello.worker_id();
    const WorkerId id = hub_->NewId();
    {
      std::lock_guard<std::mutex> lock(mu_);
      id_ = id;
      registered_ = true;
    }
    scheduler_->WorkerConnected(id, name_, slots);
    hub_->stats().OnWorkerHello(id, name_, peer_, slots, absl::Now());
    const bool accepted = hub_->Register(this);
    hub_->Log(absl::StrCat("worker ", name_, " connected from ", peer_, " (",
                           slots, " slots)"));
    if (hello.build_id() != GRIDLESS_BUILD_ID) {
      hub_->Log(absl::StrCat("worker ", name_, " runs build ", hello.build_id(),
                             ", the coordinator ", GRIDLESS_BUILD_ID));
    }
    if (!accepted) Drain("coordinator shutting down");
    return true;
  }
  if (!registered) {
    *error = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "the first message on a Work stream must be Hello");
    return false;
  }
  switch (message.kind_case()) {
    case v1::WorkerMessage::kCredit:
      scheduler_->WorkerSeen(id_);
      {
        std::lock_guard<std::mutex> lock(mu_);
        credit_ += message.credit().tasks();
      }
      Dispatch();
      return true;
    case v1::WorkerMessage::kResults:
      CoordinatorTelemetry::Global().ResultsReceived(message.results());
      hub_->stats().OnResults(id_, message.results(), absl::Now());
      hub_->Apply(Timed(&CoordinatorTelemetry::MergeTook, [&] {
        return scheduler_->OnResults(id_, message.mutable_results());
      }));
      return true;
    case v1::WorkerMessage::kHeartbeat:
      scheduler_->WorkerHeartbeat(id_, message.heartbeat());
      hub_->stats().OnHeartbeat(id_, message.heartbeat(), absl::Now());
      return true;
    case v1::WorkerMessage::kGoodbye: {
      {
        std::lock_guard<std::mutex> lock(mu_);
        draining_ = true;
      }
      hub_->Apply(scheduler_->ReturnTasks(id_, message.goodbye()));
      hub_->Log(absl::StrCat("worker ", name_, " said goodbye",
                             message.goodbye().reason().empty() ? "" : ": ",
                             message.goodbye().reason()));
      return true;
    }
    default:
      scheduler_->WorkerSeen(id_);  // an unknown (newer) message: ignore it
      return true;
  }
}

void WorkerStream::End(grpc::Status status) {
  bool registered;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_) return;
    ended_ = true;
    closing_ = true;
    credit_ = 0;
    registered = registered_;
  }
  if (registered) {
    hub_->Apply(scheduler_->WorkerDisconnected(id_));
    hub_->stats().OnWorkerGone(id_);
    hub_->Log(absl::StrCat("worker ", name_, " disconnected",
                           status.ok() ? "" : ": ", status.error_message()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (writing_) {
    finish_pending_ = std::move(status);
  } else {
    out_.clear();
    Finish(std::move(status));
  }
}

void WorkerStream::OnWriteDone(bool ok) {
  Acquire();
  {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (!out_.empty()) out_.pop_front();
    if (!ok) {
      closing_ = true;  // the peer is gone; End follows from the read side
      out_.clear();
    }
    if (finish_pending_.has_value()) {
      out_.clear();
      Finish(*std::move(finish_pending_));
      finish_pending_.reset();
      Release();
      return;
    }
    if (!out_.empty() && !closing_) {
      writing_ = true;
      StartWrite(out_.front().message);
    }
  }
  if (ok) Dispatch();
  Release();
}

void WorkerStream::OnDone() {
  Acquire();
  hub_->Unregister(this);
  delete this;
}

void WorkerStream::QueueLocked(Outgoing message) {
  out_.push_back(std::move(message));
  if (!writing_) {
    writing_ = true;
    StartWrite(out_.front().message);
  }
}

void WorkerStream::Dispatch() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!registered_ || draining_ || closing_ || credit_ == 0) return;
  // One batch in flight and at most one waiting behind it.
  if (out_.size() >= 2) return;
  // An arena is set up only once per batch actually sent.
  if (spare_.arena == nullptr) spare_ = NewOutgoing();
  const size_t taken = scheduler_->TakeTasks(id_, std::min(credit_, kMaxBatch),
                                             spare_.message->mutable_batch());
  if (taken == 0) return;
  CoordinatorTelemetry::Global().BatchDispatched(spare_.message->batch());
  credit_ -= taken;
  QueueLocked(std::move(spare_));
  spare_ = Outgoing();
}

WorkerId WorkerStream::id() {
  std::lock_guard<std::mutex> lock(mu_);
  return id_;
}

void WorkerStream::Send(const v1::CoordinatorMessage& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closing_) return;
  Outgoing out = NewOutgoing();
  *out.message = message;
  QueueLocked(std::move(out));
}

void WorkerStream::Drain(const std::string& reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closing_ || draining_) return;
  draining_ = true;
  Outgoing message = NewOutgoing();
  message.message->mutable_drain()->set_reason(reason);
  QueueLocked(std::move(message));
}

grpc::ServerBidiReactor<v1::WorkerMessage, v1::CoordinatorMessage>*
WorkerServiceImpl::Work(grpc::CallbackServerContext* context) {
  if (authorizer_ != nullptr) {
    grpc::Status auth = authorizer_->Authorize(*context, Role::kWorker);
    if (!auth.ok()) return new RefusedStream(std::move(auth));
  }
  if (max_workers_ > 0 && hub_->size() >= max_workers_) {
    return new RefusedStream(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat("the coordinator already serves ", max_workers_,
                     " workers (its --max-workers); try again later")));
  }
  return new WorkerStream(hub_, context->peer());
}

}  // namespace gridless
