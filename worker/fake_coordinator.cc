#include "worker/fake_coordinator.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"

namespace gridless::testing {

class FakeCoordinator::Service final : public v1::WorkerService::Service {
 public:
  explicit Service(FakeCoordinator* owner) : owner_(owner) {}
  grpc::Status Work(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::WorkerMessage>*
          stream) override {
    return owner_->Work(context, stream);
  }

 private:
  FakeCoordinator* owner_;
};

FakeCoordinator::FakeCoordinator() : service_(std::make_unique<Service>(this)) {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  address_ = absl::StrCat("127.0.0.1:", port);
}

FakeCoordinator::~FakeCoordinator() {
  BreakStream();
  server_->Shutdown(std::chrono::system_clock::now() +
                    std::chrono::milliseconds(100));
  server_->Wait();
}

grpc::Status FakeCoordinator::Work(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::WorkerMessage>*
        stream) {
  {
    absl::MutexLock l(&mu_);
    ++streams_;
    if (reject_.has_value()) return *reject_;
    context_ = context;
    stream_ = stream;
    inbox_.clear();
    ended_ = false;
  }
  v1::WorkerMessage message;
  while (stream->Read(&message)) {
    absl::MutexLock l(&mu_);
    inbox_.push_back(message);
  }
  absl::MutexLock w(&write_mu_);
  absl::MutexLock l(&mu_);
  ended_ = true;
  context_ = nullptr;
  stream_ = nullptr;
  return grpc::Status::OK;
}

bool FakeCoordinator::WaitForStreams(int n, absl::Duration timeout) {
  absl::MutexLock l(&mu_);
  auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return streams_ >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

std::optional<v1::WorkerMessage> FakeCoordinator::Next(absl::Duration timeout,
                                                       bool heartbeats) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::MutexLock l(&mu_);
  for (;;) {
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !inbox_.empty() || ended_;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&ready), deadline)) {
      return std::nullopt;
    }
    if (inbox_.empty()) return std::nullopt;  // ended
    v1::WorkerMessage m = std::move(inbox_.front());
    inbox_.pop_front();
    if (heartbeats || !m.has_heartbeat()) return m;
  }
}

bool FakeCoordinator::StreamEnded() {
  absl::MutexLock l(&mu_);
  return ended_ && inbox_.empty();
}

bool FakeCoordinator::Send(const v1::CoordinatorMessage& message) {
  absl::MutexLock w(&write_mu_);
  grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::WorkerMessage>* stream;
  {
    absl::MutexLock l(&mu_);
    stream = stream_;
  }
  return stream != nullptr && stream->Write(message);
}

void FakeCoordinator::BreakStream() {
  absl::MutexLock l(&mu_);
  if (context_ != nullptr) context_->TryCancel();
}

void FakeCoordinator::RejectStreams(grpc::Status status) {
  absl::MutexLock l(&mu_);
  reject_ = std::move(status);
}

}  // namespace gridless::testing
