// A fake worker for the coordinator's tests: speaks the Work protocol from
// its own thread with the sync client API, answering each task with the
// partial of coordinator/testing/test_kinds.h (or an injected error).  It
// records the Cancels and Drain it receives, says Goodbye on Drain, and can
// vanish on its first batch.  Thread-safe: the accessors may be called from
// any thread.  Test-only (coordinator/testing/: linked by test targets only).
#ifndef GRIDLESS_COORDINATOR_TESTING_FAKE_WORKER_H_
#define GRIDLESS_COORDINATOR_TESTING_FAKE_WORKER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "coordinator/testing/test_kinds.h"
#include "gridless/v1/worker.grpc.pb.h"

namespace gridless::testing {

// A worker speaking the protocol from a thread, with the sync client API.
class FakeWorker {
 public:
  struct Options {
    uint32_t credit = 64;
    // Task indices that always fail with INTERNAL.
    std::set<uint64_t> fail;
    // Vanish (cancel the stream) on receiving the first batch.
    bool die_on_first_batch = false;
    bool send_hello = true;
  };

  FakeWorker(const std::string& address, std::string name, Options options)
      : options_(std::move(options)),
        stub_(v1::WorkerService::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        name_(std::move(name)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~FakeWorker() {
    context_.TryCancel();
    Join();
  }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  uint64_t done() const { return done_.load(); }
  grpc::Status status() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }
  bool drained() {
    std::lock_guard<std::mutex> lock(mu_);
    return drained_;
  }
  std::set<std::string> cancelled() {
    std::lock_guard<std::mutex> lock(mu_);
    return cancelled_;
  }
  bool AwaitCancelled(const std::string& job_id) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(30),
                             [&] { return cancelled_.count(job_id) > 0; });
  }
  bool AwaitDrained() {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(30),
                             [this] { return drained_; });
  }

 private:
  void Run() {
    auto stream = stub_->Work(&context_);
    v1::WorkerMessage out;
    if (options_.send_hello) {
      out.mutable_hello()->set_worker_id(name_);
      out.mutable_hello()->set_slots(2);
      out.mutable_hello()->set_build_id(GRIDLESS_BUILD_ID);
      stream->Write(out);
    }
    out.Clear();
    out.mutable_credit()->set_tasks(options_.credit);
    stream->Write(out);
    std::map<std::string, std::string> kinds;
    v1::CoordinatorMessage in;
    while (stream->Read(&in)) {
      if (in.has_cancel()) {
        std::lock_guard<std::mutex> lock(mu_);
        for (const auto& id : in.cancel().job_ids()) cancelled_.insert(id);
        changed_.notify_all();
      }
      if (in.has_drain()) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          drained_ = true;
          changed_.notify_all();
        }
        out.Clear();
        out.mutable_goodbye()->set_reason("drained");
        stream->Write(out);
        stream->WritesDone();
      }
      if (!in.has_batch()) continue;
      if (options_.die_on_first_batch) {
        context_.TryCancel();
        break;
      }
      for (const auto& def : in.batch().jobs()) {
        kinds[def.job_id()] = def.spec().kind();
      }
      out.Clear();
      v1::ResultBatch* results = out.mutable_results();
      for (const v1::Task& t : in.batch().tasks()) {
        v1::TaskResult* r = results->add_results();
        r->set_job_id(t.job_id());
        r->set_stage(t.stage());
        r->set_task_index(t.task_index());
        r->set_attempt(t.attempt());
        r->set_run_seconds(0.001);
        if (options_.fail.count(t.task_index())) {
          r->mutable_error()->set_code(
              static_cast<int>(absl::StatusCode::kInternal));
          r->mutable_error()->set_message("injected");
        } else {
          r->set_partial(TestPartial(kinds[t.job_id()], t.stage(),
                                     t.task_index(), t.payload()));
        }
      }
      stream->Write(out);
      done_ += in.batch().tasks_size();
      out.Clear();
      out.mutable_credit()->set_tasks(in.batch().tasks_size());
      stream->Write(out);
    }
    grpc::Status s = stream->Finish();
    std::lock_guard<std::mutex> lock(mu_);
    status_ = s;
  }

  Options options_;
  std::unique_ptr<v1::WorkerService::Stub> stub_;
  grpc::ClientContext context_;
  std::string name_;
  std::thread thread_;
  std::atomic<uint64_t> done_{0};
  // std::mutex so that TSan sees it (see coordinator/scheduler.h).
  std::mutex mu_;
  std::condition_variable changed_;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  bool drained_ ABSL_GUARDED_BY(mu_) = false;
  std::set<std::string> cancelled_ ABSL_GUARDED_BY(mu_);
};

}  // namespace gridless::testing

#endif  // GRIDLESS_COORDINATOR_TESTING_FAKE_WORKER_H_
