// The --task-gate ticket file (worker/task_gate.h) and the executor holding
// tasks at it: held tasks do not run, are not reported as executing and do
// not time out; each ticket lets exactly one task start; a cancel frees a
// held task's slot.
#include "worker/task_gate.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/task_executor.h"
#include "worker/test_kinds.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

std::string GatePath(const std::string& name) {
  return absl::StrCat(::testing::TempDir(), "/gate_", ::getpid(), "_", name);
}

// Replaces the gate file atomically, as tests and drills must.
void SetGate(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << content;
  std::filesystem::rename(tmp, path);
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(TaskGateTest, DecideReadsDefaultAndStageEntries) {
  auto open = TaskGate::Decide("", 0);
  ASSERT_TRUE(open.ok());
  EXPECT_FALSE(open->tickets.has_value());

  auto held = TaskGate::Decide("0\n", 3);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->tickets, 0u);

  auto some = TaskGate::Decide("5 1:0", 0);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->tickets, 5u);
  EXPECT_EQ(some->after, "4 1:0\n");

  auto stage1 = TaskGate::Decide("5 1:0", 1);
  ASSERT_TRUE(stage1.ok());
  EXPECT_EQ(stage1->tickets, 0u);

  auto only_stage1 = TaskGate::Decide("1:2", 0);
  ASSERT_TRUE(only_stage1.ok());
  EXPECT_FALSE(only_stage1->tickets.has_value()) << "stage 0 is open";
  auto reduce = TaskGate::Decide("1:2", 1);
  ASSERT_TRUE(reduce.ok());
  EXPECT_EQ(reduce->after, "1:1\n");
}

TEST(TaskGateTest, DecideRefusesBadContent) {
  for (const char* bad : {"x", "-1", "1:", ":3", "a:1", "1 2", "1:1 1:2",
                          "99999999999999999999999"}) {
    auto d = TaskGate::Decide(bad, 1);
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(TaskGateTest, TicketsAreTakenFromTheFile) {
  const std::string path = GatePath("tickets");
  std::filesystem::remove(path);
  TaskGate gate(path);
  EXPECT_TRUE(*gate.TryPass(0)) << "no file: open";
  SetGate(path, "2 1:0\n");
  EXPECT_TRUE(*gate.TryPass(0));
  EXPECT_TRUE(*gate.TryPass(0));
  EXPECT_FALSE(*gate.TryPass(0));
  EXPECT_FALSE(*gate.TryPass(1));
  EXPECT_FALSE(*gate.TryPass(2));  // the default entry, now 0
  EXPECT_EQ(Read(path), "0 1:0\n");
  SetGate(path, "garbage");
  EXPECT_EQ(gate.TryPass(0).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::filesystem::remove(path);
  EXPECT_TRUE(*gate.TryPass(0));
}

class GatedExecutorTest : public ::testing::Test {
 protected:
  GatedExecutorTest() : path_(GatePath("executor")), gate_(path_) {
    EXPECT_TRUE(registry_.Register(testing::NewTestKind(&control_)).ok());
    SetGate(path_, "0");
  }
  ~GatedExecutorTest() override { std::filesystem::remove(path_); }

  std::unique_ptr<TaskExecutor> NewExecutor(int slots, const Clock* clock) {
    ExecutorOptions options;
    options.slots = slots;
    options.registry = &registry_;
    options.clock = clock;
    options.gate = &gate_;
    return std::make_unique<TaskExecutor>(options);
  }

  static v1::TaskBatch Batch(int tasks, double timeout_s) {
    v1::TaskBatch batch;
    v1::JobDefinition* def = batch.add_jobs();
    def->set_job_id("j");
    def->mutable_spec()->set_kind("test");
    for (int i = 0; i < tasks; ++i) {
      v1::Task* t = batch.add_tasks();
      t->set_job_id("j");
      t->set_task_index(i);
      t->set_attempt(1);
      t->set_payload("p");
      t->set_timeout_s(timeout_s);
    }
    return batch;
  }

  // Waits (hang guard 10 s) until `n` results and `credits` credits came.
  v1::ResultBatch Collect(TaskExecutor& executor, int n, uint32_t credits) {
    v1::ResultBatch all;
    uint32_t got = 0;
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while ((all.results_size() < n || got < credits) && absl::Now() < give_up) {
      executor.WaitForOutput(absl::Now() + absl::Milliseconds(50));
      TaskExecutor::Output o;
      executor.TakeOutput(&o);
      got += o.credits;
      all.MergeFrom(o.results);
    }
    EXPECT_EQ(all.results_size(), n);
    EXPECT_EQ(got, credits);
    return all;
  }

  std::string path_;
  TaskGate gate_;
  testing::TestControl control_;
  JobRegistry registry_;
};

TEST_F(GatedExecutorTest, HeldTasksDoNotRunOrTimeOutUntilTicketsCome) {
  FakeClock clock;
  auto executor = NewExecutor(2, &clock);
  v1::TaskBatch batch = Batch(3, /*timeout_s=*/5);
  executor->Add(batch);
  // Both slots take a task and hold it: occupied, but not executing.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (executor->running() < 2 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_EQ(executor->running(), 2u);
  EXPECT_TRUE(executor->RunningTasks().empty());
  clock.Advance(absl::Hours(1));
  EXPECT_EQ(executor->CheckTimeouts(), absl::InfiniteFuture())
      << "a held task must not time out";
  EXPECT_EQ(control_.runs.load(), 0);

  // One ticket: exactly one task runs; its timeout counts from its start.
  SetGate(path_, "1");
  v1::ResultBatch one = Collect(*executor, 1, 1);
  EXPECT_EQ(one.results(0).partial().rfind("partial:p", 0), 0u);
  EXPECT_EQ(control_.runs.load(), 1);
  EXPECT_EQ(Read(path_), "0\n");

  // The gate opens: the other two run.
  std::filesystem::remove(path_);
  Collect(*executor, 2, 2);
  EXPECT_EQ(control_.runs.load(), 3);
}

TEST_F(GatedExecutorTest, CancelFreesAHeldTask) {
  auto executor = NewExecutor(1, nullptr);
  v1::TaskBatch batch = Batch(2, 0);
  executor->Add(batch);
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (executor->running() < 1 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  v1::Cancel cancel;
  const std::string job = "j";
  cancel.add_job_ids(job);
  executor->Cancel(cancel);
  // Both credits come back (the queued task at once, the held one when it
  // sees its cancellation), and no result.
  Collect(*executor, 0, 2);
  EXPECT_EQ(control_.runs.load(), 0);
}

}  // namespace
}  // namespace gridless
