// RunWorker against an in-process fake coordinator over real gRPC on
// loopback.
#include "worker/worker.h"

#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/fake_coordinator.h"
#include "worker/test_kinds.h"

namespace gridless {
namespace {

using testing::ClosedPort;
using testing::FakeCoordinator;
using ::testing::HasSubstr;

// Runs RunWorker on its own thread.
class WorkerThread {
 public:
  explicit WorkerThread(WorkerOptions options) : options_(std::move(options)) {
    thread_ = std::thread([this] { status_ = RunWorker(options_, &drain_); });
  }
  ~WorkerThread() {
    drain_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  void Drain() { drain_.store(true); }
  absl::Status Join() {
    thread_.join();
    return status_;
  }

 private:
  WorkerOptions options_;
  std::atomic<bool> drain_{false};
  absl::Status status_;
  std::thread thread_;
};

class WorkerTest : public ::testing::Test {
 protected:
  WorkerTest() {
    EXPECT_TRUE(registry_.Register(testing::NewTestKind(&control_)).ok());
  }

  WorkerOptions Options(int slots) {
    WorkerOptions o;
    o.coordinator = fake_.address();
    o.slots = slots;
    o.prefetch_per_slot = 4;
    o.registry = &registry_;
    o.connect_timeout = absl::Seconds(10);
    return o;
  }

  // Sends a batch defining `define` (unless empty) with tasks of `job`.
  bool SendTasks(const std::string& define, const std::string& job,
                 std::vector<std::string> payloads, uint64_t first_index = 0,
                 double timeout_s = 0) {
    v1::CoordinatorMessage m;
    if (!define.empty()) {
      v1::JobDefinition* def = m.mutable_batch()->add_jobs();
      def->set_job_id(define);
      def->mutable_spec()->set_kind("test");
    }
    for (size_t i = 0; i < payloads.size(); ++i) {
      v1::Task* t = m.mutable_batch()->add_tasks();
      t->set_job_id(job);
      t->set_task_index(first_index + i);
      t->set_attempt(2);
      t->set_payload(payloads[i]);
      t->set_timeout_s(timeout_s);
    }
    return fake_.Send(m);
  }

  // Expects Hello then the initial Credit of a worker with `slots` slots.
  v1::Hello ExpectHello(int slots) {
    std::optional<v1::WorkerMessage> hello = fake_.Next();
    EXPECT_TRUE(hello.has_value() && hello->has_hello());
    std::optional<v1::WorkerMessage> credit = fake_.Next();
    EXPECT_TRUE(credit.has_value() && credit->has_credit());
    if (credit.has_value()) {
      EXPECT_EQ(credit->credit().tasks(), slots * 4u);
    }
    return hello.has_value() ? hello->hello() : v1::Hello();
  }

  // Reads messages until `results` results and `credits` re-granted credits
  // came; stops early at Goodbye (kept in goodbye_).  Keyed "job/index".
  std::map<std::string, v1::TaskResult> Collect(size_t results,
                                                uint32_t credits) {
    std::map<std::string, v1::TaskResult> out;
    while (out.size() < results || credits_ < credits) {
      std::optional<v1::WorkerMessage> m = fake_.Next();
      if (!m.has_value()) break;
      if (m->has_goodbye()) {
        goodbye_ = m->goodbye();
        break;
      }
      if (m->has_credit()) credits_ += m->credit().tasks();
      for (const v1::TaskResult& r : m->results().results()) {
        const std::string key = absl::StrCat(r.job_id(), "/", r.task_index());
        EXPECT_FALSE(out.contains(key)) << "reported twice: " << key;
        out[key] = r;
      }
    }
    return out;
  }

  // Reads until Goodbye; results seen on the way are added to *results.
  std::optional<v1::Goodbye> WaitForGoodbye(
      std::map<std::string, v1::TaskResult>* results = nullptr) {
    for (;;) {
      std::optional<v1::WorkerMessage> m = fake_.Next();
      if (!m.has_value()) return std::nullopt;
      if (m->has_goodbye()) return m->goodbye();
      for (const v1::TaskResult& r : m->results().results()) {
        if (results != nullptr) {
          (*results)[absl::StrCat(r.job_id(), "/", r.task_index())] = r;
        }
      }
    }
  }

  testing::TestControl control_;
  JobRegistry registry_;
  FakeCoordinator fake_;
  uint32_t credits_ = 0;
  std::optional<v1::Goodbye> goodbye_;
};

TEST_F(WorkerTest, SaysHelloRunsTasksAndReGrantsCredits) {
  WorkerThread worker(Options(2));
  const v1::Hello hello = ExpectHello(2);
  EXPECT_EQ(hello.slots(), 2u);
  EXPECT_EQ(hello.build_id(), GRIDLESS_BUILD_ID);
  EXPECT_EQ(hello.pid(), static_cast<uint32_t>(getpid()));
  EXPECT_FALSE(hello.hostname().empty());
  EXPECT_THAT(hello.worker_id(),
              HasSubstr(absl::StrCat(hello.hostname(), ":", getpid(), ":")));

  std::vector<std::string> payloads;
  for (int i = 0; i < 8; ++i) payloads.push_back(absl::StrCat("p", i));
  payloads[2] = "fail";
  payloads[5] = "throw";
  ASSERT_TRUE(SendTasks("j", "j", payloads));
  auto results = Collect(8, 8);
  ASSERT_EQ(results.size(), 8u);
  EXPECT_EQ(credits_, 8u);
  for (int i : {0, 1, 3, 4, 6, 7}) {
    const v1::TaskResult& r = results[absl::StrCat("j/", i)];
    EXPECT_EQ(r.partial(), absl::StrCat("partial:p", i));
    EXPECT_EQ(r.attempt(), 2u);
    EXPECT_GE(r.run_seconds(), 0.0);
  }
  // A failing task is an error and later tasks still run.
  EXPECT_EQ(results["j/2"].error().code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(results["j/5"].error().code(),
            static_cast<int>(absl::StatusCode::kInternal));
  EXPECT_THAT(results["j/5"].error().message(), HasSubstr("boom"));

  // The worker is still up and takes more work with the credit it re-granted.
  ASSERT_TRUE(SendTasks("", "j", {"more"}, 8));
  auto more = Collect(1, 9);
  EXPECT_EQ(more["j/8"].partial(), "partial:more");
  EXPECT_EQ(control_.prepares.load(), 1);

  worker.Drain();
  std::optional<v1::Goodbye> goodbye = WaitForGoodbye();
  ASSERT_TRUE(goodbye.has_value());
  EXPECT_EQ(goodbye->returned_size(), 0);
  EXPECT_TRUE(worker.Join().ok());
}

TEST_F(WorkerTest, CancelDropsTasksWithoutResults) {
  WorkerThread worker(Options(1));
  ExpectHello(1);
  ASSERT_TRUE(SendTasks("a", "a", {"block", "x"}));
  ASSERT_TRUE(SendTasks("b", "b", {"y", "z"}));
  ASSERT_TRUE(control_.WaitStarted(1));
  v1::CoordinatorMessage cancel;
  cancel.mutable_cancel()->add_job_ids("b");
  v1::TaskRef* ref = cancel.mutable_cancel()->add_tasks();
  ref->set_job_id("a");
  ref->set_task_index(0);
  ref->set_attempt(2);
  ASSERT_TRUE(fake_.Send(cancel));
  ASSERT_TRUE(SendTasks("", "a", {"w"}, 2));
  // One slot runs in order: when a/2 has reported, a/0, b/0 and b/1 are gone.
  auto results = Collect(2, 5);
  EXPECT_EQ(results.size(), 2u);
  EXPECT_EQ(results["a/1"].partial(), "partial:x");
  EXPECT_EQ(results["a/2"].partial(), "partial:w");
  EXPECT_EQ(credits_, 5u);
  worker.Drain();
  EXPECT_TRUE(WaitForGoodbye().has_value());
  EXPECT_TRUE(worker.Join().ok());
}

TEST_F(WorkerTest, DrainMessageFinishesRunningAndReturnsUnstarted) {
  WorkerThread worker(Options(1));
  ExpectHello(1);
  ASSERT_TRUE(SendTasks("j", "j", {"block", "q1"}));
  ASSERT_TRUE(control_.WaitStarted(1));
  v1::CoordinatorMessage drain;
  drain.mutable_drain()->set_reason("test");
  ASSERT_TRUE(fake_.Send(drain));
  // Sent after Drain: never started.
  ASSERT_TRUE(SendTasks("", "j", {"q2"}, 2));
  control_.Release();

  std::map<std::string, v1::TaskResult> results;
  std::optional<v1::Goodbye> goodbye = WaitForGoodbye(&results);
  ASSERT_TRUE(goodbye.has_value());
  EXPECT_EQ(results["j/0"].partial(), "partial:block");
  std::set<std::string> returned;
  for (const v1::TaskRef& r : goodbye->returned()) {
    returned.insert(absl::StrCat(r.job_id(), "/", r.task_index()));
    EXPECT_EQ(r.attempt(), 2u);
  }
  // q2 came after Drain: never started.  It is in Goodbye unless Goodbye
  // went out before the worker read it (the coordinator then requeues it
  // when the stream closes).
  EXPECT_FALSE(results.contains("j/2"));
  // q1 was queued when Drain came: returned, unless it started before the
  // worker read the Drain.  Never both, never neither.
  EXPECT_NE(returned.contains("j/1"), results.contains("j/1"));
  EXPECT_TRUE(worker.Join().ok());
  EXPECT_FALSE(fake_.Next(absl::Seconds(1)).has_value());
  EXPECT_TRUE(fake_.StreamEnded());
}

TEST_F(WorkerTest, DrainFlagReturnsQueuedTasks) {
  WorkerThread worker(Options(1));
  ExpectHello(1);
  ASSERT_TRUE(SendTasks("j", "j", {"block", "q1", "q2"}));
  ASSERT_TRUE(control_.WaitStarted(1));
  worker.Drain();  // As the SIGTERM handler does.
  // Give the worker a moment to see the flag before the running task ends;
  // the assertions below hold either way.
  absl::SleepFor(absl::Milliseconds(100));
  control_.Release();
  std::map<std::string, v1::TaskResult> results;
  std::optional<v1::Goodbye> goodbye = WaitForGoodbye(&results);
  ASSERT_TRUE(goodbye.has_value());
  EXPECT_EQ(results["j/0"].partial(), "partial:block");
  EXPECT_EQ(results.size() + goodbye->returned_size(), 3u);
  EXPECT_TRUE(worker.Join().ok());
}

TEST_F(WorkerTest, IdleExitSaysGoodbyeAndReturnsOk) {
  WorkerOptions options = Options(1);
  options.idle_exit = absl::Milliseconds(200);
  WorkerThread worker(options);
  ExpectHello(1);
  ASSERT_TRUE(SendTasks("j", "j", {"a"}));
  auto results = Collect(1, 1);
  EXPECT_EQ(results["j/0"].partial(), "partial:a");
  std::optional<v1::Goodbye> goodbye = WaitForGoodbye();
  ASSERT_TRUE(goodbye.has_value());
  EXPECT_EQ(goodbye->reason(), "idle");
  EXPECT_EQ(goodbye->returned_size(), 0);
  EXPECT_TRUE(worker.Join().ok());
}

TEST_F(WorkerTest, TaskTimeoutIsDeadlineExceeded) {
  WorkerThread worker(Options(1));
  ExpectHello(1);
  ASSERT_TRUE(SendTasks("j", "j", {"wait-cancel"}, 0, 0.05));
  // No timeout on the next one: a loaded machine may take 50 ms to run it.
  ASSERT_TRUE(SendTasks("", "j", {"after"}, 1));
  auto results = Collect(2, 2);
  EXPECT_EQ(results["j/0"].error().code(),
            static_cast<int>(absl::StatusCode::kDeadlineExceeded));
  EXPECT_EQ(results["j/1"].partial(), "partial:after");
}

TEST_F(WorkerTest, SendsHeartbeats) {
  WorkerOptions options = Options(1);
  options.heartbeat_interval = absl::Milliseconds(20);
  WorkerThread worker(options);
  ExpectHello(1);
  std::optional<v1::WorkerMessage> m =
      fake_.Next(absl::Seconds(10), /*heartbeats=*/true);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->has_heartbeat());
  EXPECT_EQ(m->heartbeat().running(), 0u);
}

TEST_F(WorkerTest, ReconnectsAndSaysHelloAgainWhenTheStreamBreaks) {
  WorkerThread worker(Options(1));
  const v1::Hello first = ExpectHello(1);
  ASSERT_TRUE(SendTasks("j", "j", {"block"}));
  ASSERT_TRUE(control_.WaitStarted(1));
  fake_.BreakStream();  // The coordinator "restarted".
  ASSERT_TRUE(fake_.WaitForStreams(2));
  const v1::Hello second = ExpectHello(1);
  EXPECT_EQ(second.worker_id(), first.worker_id());
  // The job is defined again on the new stream, as a coordinator would.
  ASSERT_TRUE(SendTasks("j", "j", {"again"}, 1));
  auto results = Collect(1, 1);
  // The task in flight on the broken stream was dropped, not reported.
  EXPECT_FALSE(results.contains("j/0"));
  EXPECT_EQ(results["j/1"].partial(), "partial:again");
}

TEST_F(WorkerTest, RefusedWorkerGivesUpWithTheReason) {
  fake_.RejectStreams(
      grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "bad token"));
  WorkerThread worker(Options(1));
  absl::Status status = worker.Join();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(status.message(), HasSubstr(fake_.address()));
  EXPECT_THAT(status.message(), HasSubstr("bad token"));
}

TEST_F(WorkerTest, UnreachableCoordinatorIsUnavailableNamingTheAddress) {
  WorkerOptions options = Options(1);
  options.coordinator = absl::StrCat("127.0.0.1:", ClosedPort());
  options.connect_timeout = absl::Milliseconds(300);
  std::atomic<bool> drain(false);
  absl::Status status = RunWorker(options, &drain);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr(options.coordinator));
  EXPECT_THAT(status.message(), HasSubstr("--coordinator"));
}

TEST_F(WorkerTest, BadOptionsAreInvalidArgument) {
  WorkerOptions options = Options(1);
  options.coordinator = "no-port";
  EXPECT_EQ(RunWorker(options, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  options = Options(-1);
  EXPECT_EQ(RunWorker(options, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  options = Options(1);
  options.registry = nullptr;
  absl::Status status = RunWorker(options, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("registry"));
}

}  // namespace
}  // namespace gridless
