// The spine end to end (issue 2): a gridless-coordinator process and
// gridless-worker processes on loopback run real jobs; results are checked
// against closed forms and against an in-process run of the same spec, bit
// for bit, whatever the number of workers and whatever dies.
#include "tests/spine_cluster.h"

#include <signal.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/job.h"
#include "jobs/local_run.h"
#include "jobs/option_pricing.h"

namespace gridless::spine {
namespace {

using ::testing::HasSubstr;

double Field(const v1::JobResult& r, const std::string& name) {
  auto it = r.result().fields().find(name);
  EXPECT_NE(it, r.result().fields().end()) << "no result field " << name;
  return it == r.result().fields().end() ? NAN : it->second.number_value();
}

// The spec's result computed in this process (jobs/local_run.h).
google::protobuf::Struct LocalResult(const v1::JobSpec& spec) {
  auto kind = JobRegistry::Global().Find(spec.kind());
  EXPECT_TRUE(kind.ok()) << kind.status();
  auto r = RunJobLocally(**kind, spec);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : google::protobuf::Struct();
}

// Exact equality of every number of two results (NaN-free).
void ExpectBitIdentical(const google::protobuf::Struct& a,
                        const google::protobuf::Struct& b) {
  ASSERT_EQ(a.fields_size(), b.fields_size());
  for (const auto& [name, value] : a.fields()) {
    auto it = b.fields().find(name);
    ASSERT_NE(it, b.fields().end()) << name;
    EXPECT_EQ(value.number_value(), it->second.number_value()) << name;
    EXPECT_EQ(value.string_value(), it->second.string_value()) << name;
  }
}

// Haug, The Complete Guide to Option Pricing Formulas, 2nd ed., 1.1.1 and
// 1.1.6: the closed form the option-mc kind reports.
TEST(SpineTest, BlackScholesClosedFormMatchesHaug) {
  EXPECT_NEAR(BlackScholesPrice(true, 60, 65, 0.08, 0, 0.30, 0.25), 2.1334,
              5e-5);
  EXPECT_NEAR(BlackScholesPrice(false, 100, 95, 0.10, 0.05, 0.20, 0.5), 2.4648,
              5e-5);
}

TEST(SpineTest, OptionMcOnThreeWorkersMatchesBlackScholes) {
  auto cluster = StartCluster(3);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  JobClient* client = cluster->client.get();

  struct Case {
    const char* json;
    double haug;
  };
  const Case cases[] = {
      {R"({"kind": "option-mc", "seed": 7, "params": {"option": "call",
           "spot": 60, "strike": 65, "rate": 0.08, "volatility": 0.30,
           "maturity": 0.25, "paths": 400000, "tasks": 40}})",
       2.1334},
      {R"({"kind": "option-mc", "seed": 8, "params": {"option": "put",
           "spot": 100, "strike": 95, "rate": 0.10, "dividend": 0.05,
           "volatility": 0.20, "maturity": 0.5, "paths": 400000,
           "tasks": 40}})",
       2.4648},
  };
  // Both jobs run at the same time, sharing the workers.
  std::vector<std::string> ids;
  for (const Case& c : cases) {
    auto submitted = client->Submit(Spec(c.json));
    ASSERT_TRUE(submitted.ok()) << submitted.status();
    EXPECT_EQ(submitted->tasks(), 40u);
    ids.push_back(submitted->job_id());
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    auto r = WaitForResult(*client, ids[i]);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->progress().state(), v1::JOB_STATE_SUCCEEDED)
        << r->progress().error();
    EXPECT_EQ(r->progress().tasks().succeeded(), 40u);
    double price = Field(*r, "price"), se = Field(*r, "stderr");
    double closed = Field(*r, "closed_form");
    EXPECT_NEAR(closed, cases[i].haug, 5e-5);
    EXPECT_GT(se, 0);
    EXPECT_LT(se, 0.02);
    EXPECT_NEAR(price, closed, 4 * se) << "seed " << 7 + i;
  }
}

TEST(SpineTest, SameResultWithOneAndWithThreeWorkers) {
  const v1::JobSpec spec = Spec(R"({"kind": "option-mc", "seed": 11,
      "params": {"option": "put", "spot": 100, "strike": 95, "rate": 0.10,
                 "dividend": 0.05, "volatility": 0.20, "maturity": 0.5,
                 "paths": 600000, "tasks": 600}})");
  const google::protobuf::Struct local = LocalResult(spec);

  auto cluster = StartCluster(0);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  JobClient* client = cluster->client.get();

  for (int n : {1, 3}) {
    ASSERT_TRUE(cluster->workers->Grow(n).ok());
    auto submitted = client->Submit(spec);
    ASSERT_TRUE(submitted.ok()) << submitted.status();
    auto r = WaitForResult(*client, submitted->job_id());
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->progress().state(), v1::JOB_STATE_SUCCEEDED)
        << r->progress().error();
    SCOPED_TRACE(absl::StrCat(n, " workers"));
    ExpectBitIdentical(r->result(), local);
  }
}

TEST(SpineTest, WorkerKilledMidJobDoesNotChangeTheResult) {
  const v1::JobSpec spec = Spec(R"({"kind": "option-mc", "seed": 5,
      "params": {"option": "call", "spot": 60, "strike": 65, "rate": 0.08,
                 "volatility": 0.30, "maturity": 0.25, "paths": 6000000,
                 "tasks": 120}})");
  const google::protobuf::Struct local = LocalResult(spec);

  // The victim starts alone behind a closed --task-gate: it leases tasks but
  // can finish none, so it holds leases when it dies and the job cannot have
  // ended, however fast the machine.
  TaskGateFile gate(FreshDir("killed_mid_job"), "0");
  auto cluster = StartCluster(0);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  JobClient* client = cluster->client.get();
  auto victim = StartWorker(cluster->address(), 1, gate.WorkerArgs());
  ASSERT_TRUE(victim.ok()) << victim.status();
  auto submitted = client->Submit(spec);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  auto leased =
      WaitUntil(*client, submitted->job_id(),
                [](const v1::Progress& p) { return p.tasks().running() > 0; });
  ASSERT_TRUE(leased.ok()) << leased.status();
  ASSERT_EQ(leased->state(), v1::JOB_STATE_RUNNING) << leased->error();
  ASSERT_EQ(leased->tasks().succeeded(), 0u);
  (*victim)->Signal(SIGKILL);
  ASSERT_TRUE((*victim)->Wait(absl::Seconds(30)));
  ASSERT_TRUE(cluster->workers->Grow(2).ok());  // healthy: no gate
  auto r = WaitForResult(*client, submitted->job_id());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->progress().state(), v1::JOB_STATE_SUCCEEDED)
      << r->progress().error();
  EXPECT_EQ(r->progress().tasks().succeeded(), 120u);
  // The victim held leases when it died: they were put back and retried.
  EXPECT_GT(r->progress().tasks().retried(), 0u);
  ExpectBitIdentical(r->result(), local);
}

TEST(SpineTest, TaskThatAlwaysFailsFailsTheJobAfterMaxAttempts) {
  auto cluster = StartCluster(2);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  JobClient* client = cluster->client.get();
  auto submitted = client->Submit(Spec(
      R"({"kind": "noop", "max_attempts": 3,
          "params": {"tasks": 20, "fail": [3]}})"));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  auto r = WaitForResult(*client, submitted->job_id());
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::Progress& p = r->progress();
  EXPECT_EQ(p.state(), v1::JOB_STATE_FAILED);
  EXPECT_THAT(p.error(), HasSubstr("injected failure of task 3"));
  EXPECT_EQ(p.tasks().failed(), 1u);
  EXPECT_GE(p.tasks().retried(), 2u);  // attempts 1 and 2 were retried
}

TEST(SpineTest, CancelStopsARunningJob) {
  auto cluster = StartCluster(2);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  JobClient* client = cluster->client.get();
  // 400 x 100 ms on 2 slots: 20 s if it were not cancelled.
  auto submitted = client->Submit(
      Spec(R"({"kind": "noop", "params": {"tasks": 400, "sleep_ms": 100}})"));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string id = submitted->job_id();
  auto progress = WaitForProgress(*client, id, 2);
  ASSERT_TRUE(progress.ok()) << progress.status();

  // Through the CLI, as a user would.
  CliRun cancel = RunCli({"cancel", id, "--coordinator", cluster->address()});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_THAT(cancel.out, HasSubstr("cancelled"));

  CliRun watch =
      RunCli({"watch", id, "--coordinator", cluster->address(), "--json"});
  EXPECT_EQ(watch.exit_code, 1) << watch.err;
  auto json = ParseJson(watch.out);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->fields().at("state").string_value(), "cancelled");

  auto r = WaitForResult(*client, id);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->progress().state(), v1::JOB_STATE_CANCELLED);
  EXPECT_LT(r->progress().tasks().succeeded(), 400u);
}

}  // namespace
}  // namespace gridless::spine
