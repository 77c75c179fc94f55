#include "worker/fake_coordinator.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace gridless::testing {

int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

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
    std::lock_guard<std::mutex> l(mu_);
    ++streams_;
    changed_.notify_all();
    if (reject_.has_value()) return *reject_;
    context_ = context;
    stream_ = stream;
    inbox_.clear();
    ended_ = false;
  }
  v1::WorkerMessage message;
  while (stream->Read(&message)) {
    std::lock_guard<std::mutex> l(mu_);
    inbox_.push_back(message);
    changed_.notify_all();
  }
  std::lock_guard<std::mutex> w(write_mu_);
  std::lock_guard<std::mutex> l(mu_);
  ended_ = true;
  context_ = nullptr;
  stream_ = nullptr;
  changed_.notify_all();
  return grpc::Status::OK;
}

bool FakeCoordinator::WaitForStreams(int n, absl::Duration timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return changed_.wait_for(l, absl::ToChronoNanoseconds(timeout),
                           [this, n] { return streams_ >= n; });
}

std::optional<v1::WorkerMessage> FakeCoordinator::Next(absl::Duration timeout,
                                                       bool heartbeats) {
  const auto deadline = absl::ToChronoTime(absl::Now() + timeout);
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    if (!changed_.wait_until(l, deadline,
                             [this] { return !inbox_.empty() || ended_; })) {
      return std::nullopt;
    }
    if (inbox_.empty()) return std::nullopt;  // ended
    v1::WorkerMessage m = std::move(inbox_.front());
    inbox_.pop_front();
    if (heartbeats || !m.has_heartbeat()) return m;
  }
}

bool FakeCoordinator::StreamEnded() {
  std::lock_guard<std::mutex> l(mu_);
  return ended_ && inbox_.empty();
}

bool FakeCoordinator::Send(const v1::CoordinatorMessage& message) {
  std::lock_guard<std::mutex> w(write_mu_);
  grpc::ServerReaderWriter<v1::CoordinatorMessage, v1::WorkerMessage>* stream;
  {
    std::lock_guard<std::mutex> l(mu_);
    stream = stream_;
  }
  return stream != nullptr && stream->Write(message);
}

void FakeCoordinator::BreakStream() {
  std::lock_guard<std::mutex> l(mu_);
  if (context_ != nullptr) context_->TryCancel();
}

void FakeCoordinator::RejectStreams(grpc::Status status) {
  std::lock_guard<std::mutex> l(mu_);
  reject_ = std::move(status);
}

}  // namespace gridless::testing
