// WorkerHub and WorkerStream under concurrency, over real gRPC on loopback
// and without the rest of the coordinator: fake workers connect, take tasks,
// answer and vanish while other threads submit and cancel jobs and broadcast
// through the hub; DrainAll ends every stream while tasks flow.  CI runs it
// under TSan (scripts/sanitize.sh tsan).  Waits are bounded by generous
// deadlines, never asserted on timing.
#include "coordinator/worker_stream.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "coordinator/testing/fake_worker.h"
#include "coordinator/scheduler.h"
#include "coordinator/testing/test_kinds.h"
#include "coordinator/worker_hub.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using testing::FakeWorker;
using testing::Spec;

constexpr absl::Duration kDeadline = absl::Seconds(60);

std::string Expected(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) absl::StrAppend(&s, i == 0 ? "" : ",", i);
  return s;
}

// The scheduler, the hub and the WorkerService on a loopback server, with a
// ticker thread as the coordinator has (lease expiry, retries).
class WorkerStreamTest : public ::testing::Test {
 protected:
  WorkerStreamTest() {
    testing::RegisterTestKinds(registry_);
    SchedulerOptions o;
    o.registry = &registry_;
    o.backoff_base = absl::Milliseconds(1);
    o.backoff_max = absl::Milliseconds(10);
    scheduler_ = std::make_unique<Scheduler>(o);
    hub_ = std::make_unique<WorkerHub>(scheduler_.get(), /*verbose=*/false);
    service_ = std::make_unique<WorkerServiceImpl>(hub_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    address_ = absl::StrCat("127.0.0.1:", port);
    ticker_ = std::thread([this] {
      while (!stop_.load()) {
        hub_->Apply(scheduler_->Tick(absl::Now()));
        absl::SleepFor(absl::Milliseconds(5));
      }
    });
  }

  ~WorkerStreamTest() override {
    stop_.store(true);
    ticker_.join();
    hub_->DrainAll("test over");
    hub_->AwaitEmpty(absl::Now() + absl::Seconds(5));
    scheduler_->Stop();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    server_->Wait();
  }

  // As JobService.Submit does.
  std::string Submit(const v1::JobSpec& spec) {
    auto submitted = scheduler_->Submit(spec);
    EXPECT_TRUE(submitted.ok()) << submitted.status();
    if (!submitted.ok()) return "";
    hub_->WakeAll();
    return submitted->job_id();
  }

  // As JobService.Cancel does; returns the job's state after the call.
  v1::JobState Cancel(const std::string& id) {
    SchedulerEvents events;
    auto state = scheduler_->Cancel(id, &events);
    EXPECT_TRUE(state.ok()) << state.status();
    hub_->Apply(events);
    return state.ok() ? *state : v1::JOB_STATE_UNSPECIFIED;
  }

  // Waits until `n` streams are registered with the hub.
  bool AwaitWorkers(size_t n) {
    const absl::Time deadline = absl::Now() + kDeadline;
    while (hub_->size() < n) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  }

  JobRegistry registry_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<WorkerHub> hub_;
  std::unique_ptr<WorkerServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::atomic<bool> stop_{false};
  std::thread ticker_;
};

// Two threads submit jobs and cancel every third one at once, while steady
// workers run tasks and short-lived workers connect and vanish at any point
// (some holding a batch).  Every job ends as its Cancel said (or succeeds
// with the exact result), and the hub tells every steady worker about every
// ended job.
TEST_F(WorkerStreamTest, SubmitsCancelsAndVanishingWorkersAtOnce) {
  constexpr int kSteady = 4;
  constexpr int kJobsPerSubmitter = 10;
  constexpr int kTasks = 40;
  std::vector<std::unique_ptr<FakeWorker>> steady;
  for (int i = 0; i < kSteady; ++i) {
    FakeWorker::Options o;
    o.credit = 8;
    steady.push_back(
        std::make_unique<FakeWorker>(address_, absl::StrCat("steady-", i), o));
  }
  ASSERT_TRUE(AwaitWorkers(kSteady));

  // Workers that leave on their first batch, or whenever their destructor
  // cancels them (after Hello or before it): never waited for, since the
  // jobs may all be over.
  std::thread churn([this] {
    for (int i = 0; i < 8; ++i) {
      FakeWorker::Options o;
      o.credit = 16;
      o.die_on_first_batch = true;
      FakeWorker doomed(address_, absl::StrCat("doomed-", i), o);
    }
  });

  struct Submitted {
    std::string id;
    bool cancelled = false;
    v1::JobState state_after_cancel = v1::JOB_STATE_UNSPECIFIED;
  };
  std::vector<Submitted> submitted[2];
  std::vector<std::thread> submitters;
  for (int s = 0; s < 2; ++s) {
    submitters.emplace_back([this, s, &submitted] {
      for (int j = 0; j < kJobsPerSubmitter; ++j) {
        Submitted job;
        job.id = Submit(Spec("concat", kTasks, /*max_attempts=*/20));
        if (j % 3 == 0) {
          job.cancelled = true;
          job.state_after_cancel = Cancel(job.id);
        }
        submitted[s].push_back(std::move(job));
      }
    });
  }
  for (std::thread& t : submitters) t.join();

  for (const auto& list : submitted) {
    for (const Submitted& job : list) {
      ASSERT_TRUE(scheduler_->AwaitFinal(job.id, absl::Now() + kDeadline))
          << job.id;
      auto result = scheduler_->GetResult(job.id);
      ASSERT_TRUE(result.ok()) << result.status();
      const v1::JobState state = result->progress().state();
      if (job.cancelled && job.state_after_cancel == v1::JOB_STATE_CANCELLED) {
        EXPECT_EQ(state, v1::JOB_STATE_CANCELLED) << job.id;
      } else {
        ASSERT_EQ(state, v1::JOB_STATE_SUCCEEDED) << job.id;
        EXPECT_EQ(result->result().fields().at("value").string_value(),
                  Expected(kTasks))
            << job.id;
      }
      for (const auto& w : steady) {
        EXPECT_TRUE(w->AwaitCancelled(job.id)) << job.id;
      }
    }
  }
  churn.join();
}

// DrainAll runs while another thread submits and wakes the streams: every
// worker is told to drain and says Goodbye, every stream ends, and a worker
// that connects afterwards is told to drain at once.
TEST_F(WorkerStreamTest, DrainAllEndsEveryStreamWhileTasksFlow) {
  constexpr int kWorkers = 6;
  std::vector<std::unique_ptr<FakeWorker>> workers;
  for (int i = 0; i < kWorkers; ++i) {
    FakeWorker::Options o;
    o.credit = 4;
    workers.push_back(
        std::make_unique<FakeWorker>(address_, absl::StrCat("w-", i), o));
  }
  ASSERT_TRUE(AwaitWorkers(kWorkers));
  Submit(Spec("concat", 2000));

  std::thread submitter([this] {
    for (int i = 0; i < 5; ++i) Submit(Spec("concat", 200));
  });
  std::thread waker([this] {
    for (int i = 0; i < 200; ++i) hub_->WakeAll();
  });
  hub_->DrainAll("drain test");
  submitter.join();
  waker.join();

  for (const auto& w : workers) EXPECT_TRUE(w->AwaitDrained());
  EXPECT_TRUE(hub_->AwaitEmpty(absl::Now() + kDeadline));
  for (const auto& w : workers) {
    w->Join();
    EXPECT_TRUE(w->status().ok()) << w->status().error_message();
  }

  FakeWorker late(address_, "late", {});
  EXPECT_TRUE(late.AwaitDrained());
}

}  // namespace
}  // namespace gridless
