// The coordinator over real gRPC on loopback: a job end to end with fake
// in-process workers, a worker dying mid-job, a task failing for good,
// cancel broadcast to workers, drain on shutdown, the HTTP endpoint, and
// start-up errors.  Waits are bounded by generous deadlines (never asserted
// on timing).
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "coordinator/coordinator.h"
#include "coordinator/testing/fake_worker.h"
#include "coordinator/testing/test_kinds.h"
#include "gridless/v1/job.grpc.pb.h"
#include "gridless/v1/worker.grpc.pb.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using testing::FakeWorker;
using testing::Spec;

class CoordinatorGrpcTest : public ::testing::Test {
 protected:
  CoordinatorGrpcTest() { testing::RegisterTestKinds(registry_); }

  void StartCoordinator() {
    CoordinatorOptions o;
    o.listen = "127.0.0.1:0";
    o.http_listen = "127.0.0.1:0";
    o.registry = &registry_;
    o.backoff_base = absl::Milliseconds(1);
    o.backoff_max = absl::Milliseconds(10);
    o.verbose = false;
    auto c = Coordinator::Start(o);
    ASSERT_TRUE(c.ok()) << c.status();
    coordinator_ = *std::move(c);
    jobs_ = v1::JobService::NewStub(grpc::CreateChannel(
        coordinator_->address(), grpc::InsecureChannelCredentials()));
  }

  std::string Submit(const v1::JobSpec& spec) {
    grpc::ClientContext ctx;
    v1::SubmitRequest req;
    *req.mutable_spec() = spec;
    v1::SubmitResponse resp;
    grpc::Status s = jobs_->Submit(&ctx, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.job_id();
  }

  // Watches to the end; returns the snapshots.
  std::vector<v1::Progress> Watch(const std::string& id) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(60));
    v1::WatchRequest req;
    req.set_job_id(id);
    req.set_interval_s(0.05);
    auto reader = jobs_->Watch(&ctx, req);
    std::vector<v1::Progress> out;
    v1::Progress p;
    while (reader->Read(&p)) out.push_back(p);
    grpc::Status s = reader->Finish();
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  v1::JobResult Result(const std::string& id) {
    grpc::ClientContext ctx;
    v1::JobRef ref;
    ref.set_job_id(id);
    v1::JobResult r;
    grpc::Status s = jobs_->GetResult(&ctx, ref, &r);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return r;
  }

  static std::string Expected(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) absl::StrAppend(&s, i == 0 ? "" : ",", i);
    return s;
  }

  std::string Http(const std::string& path) {
    const std::string address = coordinator_->http_address();
    int port = 0;
    EXPECT_TRUE(
        absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string req = "GET " + path + " HTTP/1.0\r\n\r\n";
    EXPECT_GT(send(fd, req.data(), req.size(), 0), 0);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, n);
    close(fd);
    return out;
  }

  JobRegistry registry_;
  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<v1::JobService::Stub> jobs_;
};

TEST_F(CoordinatorGrpcTest, RunsAJobEndToEndWithTwoWorkers) {
  StartCoordinator();
  FakeWorker a(coordinator_->address(), "a", {});
  FakeWorker b(coordinator_->address(), "b", {});
  const std::string id = Submit(Spec("concat", 2000));
  auto snapshots = Watch(id);
  ASSERT_FALSE(snapshots.empty());
  EXPECT_EQ(snapshots.back().state(), v1::JOB_STATE_SUCCEEDED);
  v1::JobResult r = Result(id);
  EXPECT_EQ(r.result().fields().at("value").string_value(), Expected(2000));
  EXPECT_EQ(r.progress().tasks().succeeded(), 2000u);
  EXPECT_EQ(a.done() + b.done(), 2000u);

  const std::string health = Http("/healthz");
  EXPECT_EQ(health.rfind("HTTP/1.0 200 OK", 0), 0u) << health;
  EXPECT_EQ(health.substr(health.size() - 6), "\r\n\r\nok") << health;
  const std::string metrics = Http("/metrics");
  EXPECT_NE(metrics.find("\ngridless_workers 2\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("\ngridless_worker_slots 4\n"), std::string::npos);
  EXPECT_NE(metrics.find("\ngridless_jobs{state=\"succeeded\"} 1\n"),
            std::string::npos);
  EXPECT_NE(
      metrics.find("\ngridless_tasks_total{outcome=\"succeeded\"} 2000\n"),
      std::string::npos);
  EXPECT_EQ(Http("/nope").rfind("HTTP/1.0 404", 0), 0u);

  grpc::ClientContext ctx;
  v1::ListJobsResponse list;
  ASSERT_TRUE(jobs_->ListJobs(&ctx, v1::ListJobsRequest(), &list).ok());
  ASSERT_EQ(list.jobs_size(), 1);
  EXPECT_EQ(list.jobs(0).workers(), 2u);

  coordinator_->Shutdown();
  EXPECT_TRUE(a.drained());
  EXPECT_TRUE(b.drained());
  coordinator_->Wait();
}

TEST_F(CoordinatorGrpcTest, AWorkerThatVanishesHasItsTasksRunElsewhere) {
  StartCoordinator();
  FakeWorker::Options dies;
  dies.die_on_first_batch = true;
  dies.credit = 500;
  FakeWorker doomed(coordinator_->address(), "doomed", dies);
  // Let the doomed worker connect first so that it takes the first batch.
  const std::string id = Submit(Spec("concat", 300, /*max_attempts=*/5));
  doomed.Join();
  FakeWorker healthy(coordinator_->address(), "healthy", {});
  auto snapshots = Watch(id);
  ASSERT_FALSE(snapshots.empty());
  EXPECT_EQ(snapshots.back().state(), v1::JOB_STATE_SUCCEEDED)
      << snapshots.back().error();
  v1::JobResult r = Result(id);
  EXPECT_EQ(r.result().fields().at("value").string_value(), Expected(300));
  EXPECT_EQ(r.progress().tasks().succeeded(), 300u);
  EXPECT_GT(r.progress().tasks().retried(), 0u);  // the lost batch came back
}

TEST_F(CoordinatorGrpcTest, ATaskThatAlwaysFailsFailsTheJobNamingIt) {
  StartCoordinator();
  FakeWorker::Options o;
  o.fail = {7};
  FakeWorker w(coordinator_->address(), "w", o);
  const std::string id = Submit(Spec("concat", 20, /*max_attempts=*/2));
  auto snapshots = Watch(id);
  ASSERT_FALSE(snapshots.empty());
  const v1::Progress& last = snapshots.back();
  EXPECT_EQ(last.state(), v1::JOB_STATE_FAILED);
  EXPECT_EQ(last.error().rfind("task 7 (stage 0) failed after 2 attempts: "
                               "INTERNAL: injected",
                               0),
            0u)
      << last.error();
  EXPECT_EQ(last.tasks().failed(), 1u);
  EXPECT_TRUE(w.AwaitCancelled(id));  // workers are told to drop the job
}

TEST_F(CoordinatorGrpcTest, CancelIsSentToEveryWorker) {
  StartCoordinator();
  FakeWorker::Options idle;
  idle.credit = 0;  // holds no task: the job stays running
  FakeWorker w(coordinator_->address(), "w", idle);
  const std::string id = Submit(Spec("concat", 50));
  // Wait until the worker is registered, so that it gets the broadcast.
  for (int i = 0; i < 3000; ++i) {
    grpc::ClientContext ctx;
    v1::ListJobsResponse list;
    ASSERT_TRUE(jobs_->ListJobs(&ctx, v1::ListJobsRequest(), &list).ok());
    if (list.jobs(0).workers() == 1) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  grpc::ClientContext ctx;
  v1::JobRef ref;
  ref.set_job_id(id);
  v1::CancelResponse resp;
  ASSERT_TRUE(jobs_->Cancel(&ctx, ref, &resp).ok());
  EXPECT_EQ(resp.state(), v1::JOB_STATE_CANCELLED);
  EXPECT_TRUE(w.AwaitCancelled(id));
  auto snapshots = Watch(id);
  ASSERT_EQ(snapshots.size(), 1u);
  EXPECT_EQ(snapshots[0].state(), v1::JOB_STATE_CANCELLED);
}

TEST_F(CoordinatorGrpcTest, ClientErrorsMapToGrpcCodes) {
  StartCoordinator();
  grpc::ClientContext c1;
  v1::SubmitRequest req;
  *req.mutable_spec() = Spec("badplan", 1);
  v1::SubmitResponse resp;
  grpc::Status s = jobs_->Submit(&c1, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "parameter \"x\": expected a number, got \"y\"");
  grpc::ClientContext c2;
  v1::JobRef ref;
  ref.set_job_id("job-404");
  v1::JobResult result;
  s = jobs_->GetResult(&c2, ref, &result);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(s.error_message().find("job-404"), std::string::npos);
  grpc::ClientContext c3;
  ref.clear_job_id();
  v1::CancelResponse cancel;
  s = jobs_->Cancel(&c3, ref, &cancel);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(CoordinatorGrpcTest, AStreamMustStartWithHello) {
  StartCoordinator();
  FakeWorker::Options o;
  o.send_hello = false;
  FakeWorker w(coordinator_->address(), "w", o);
  w.Join();
  EXPECT_EQ(w.status().error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(w.status().error_message().find("Hello"), std::string::npos);
}

TEST(CoordinatorStartTest, ARegistryIsRequired) {
  CoordinatorOptions o;
  o.verbose = false;
  o.listen = "127.0.0.1:0";
  auto c = Coordinator::Start(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("registry"), std::string::npos)
      << c.status();
}

TEST(CoordinatorStartTest, BadAddressesAreReportedClearly) {
  JobRegistry registry;
  CoordinatorOptions o;
  o.verbose = false;
  o.registry = &registry;
  o.listen = "127.0.0.1";
  auto c = Coordinator::Start(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("--listen \"127.0.0.1\""),
            std::string::npos)
      << c.status();

  o.listen = "127.0.0.1:0";
  o.http_listen = "nope";
  c = Coordinator::Start(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("--http"), std::string::npos);

  o.http_listen.clear();
  auto first = Coordinator::Start(o);
  ASSERT_TRUE(first.ok()) << first.status();
  o.listen = (*first)->address();
  c = Coordinator::Start(o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(c.status().message().find(o.listen), std::string::npos)
      << c.status();
}

}  // namespace
}  // namespace gridless
