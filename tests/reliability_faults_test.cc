// Faulty tasks end to end (issue 4), with the noop kind's fault knobs on real
// gridless-coordinator, gridless-worker and gridless processes:
//  * a poison task that crashes its worker lands in the dead letters after
//    max_attempts; within the failure budget the job ends PARTIAL, `gridless
//    failures` lists it, and once the poison is removed `gridless retry`
//    completes the job; with no budget the job FAILS, naming it;
//  * a hung task is taken back after task_timeout_s, and the job ends;
//  * a straggler gets a backup copy and the job finishes long before the
//    straggler would have;
//  * a cancelled job ends CANCELLED with what was merged so far, and its
//    workers drop its tasks;
//  * a worker that cannot read the loan tape (started in another directory,
//    the tape named by a relative path) refuses the job without
//    dead-lettering it: alone, the job fails naming it and the reason; with
//    a worker that can, the job succeeds.
// No timing assertion: the waits are hang guards.
#include <unistd.h>

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/spine_cluster.h"

namespace gridless::spine {
namespace {

using ::testing::HasSubstr;

double Field(const google::protobuf::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  EXPECT_NE(it, s.fields().end()) << "no field " << name;
  return it == s.fields().end() ? -1 : it->second.number_value();
}

// The noop result of tasks [0, n) without the tasks in `missing`.
void ExpectNoopResult(const google::protobuf::Struct& result, uint64_t n,
                      const std::vector<uint64_t>& missing = {}) {
  uint64_t sum = n * (n + 1) / 2;
  for (uint64_t i : missing) sum -= i + 1;
  EXPECT_EQ(Field(result, "tasks_merged"), n - missing.size());
  EXPECT_EQ(Field(result, "index_sum"), sum);
}

// The dead letters `gridless failures ID --json` lists.
google::protobuf::ListValue FailuresJson(const Cluster& cluster,
                                         const std::string& id) {
  CliRun run =
      RunCli({"failures", id, "--json", "--coordinator", cluster.address()});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  auto json = ParseJson(run.out);
  EXPECT_TRUE(json.ok()) << json.status();
  if (!json.ok() || !json->fields().contains("dead_letters")) return {};
  return json->fields().at("dead_letters").list_value();
}

// Replaces the workers a poison task killed.
std::function<absl::Status()> ReplaceDeadWorkers(Cluster& cluster) {
  return [&cluster]() -> absl::Status {
    auto replaced = cluster.workers->ReplaceDead();
    return replaced.ok() ? absl::OkStatus() : replaced.status();
  };
}

// The poison task sits in the middle of the job: workers prefetch, so it
// kills its worker with tasks queued behind it.  Those neighbours must lose
// nothing (they come back as suspects, free); only the poison, charged each
// time a worker holding it as its suspect dies, is dead-lettered.  The
// poison crashes after sleep_ms, once the results before it are sent.
std::string PoisonJob(const std::string& poison, int max_failed_tasks) {
  return absl::StrCat(
      R"({"kind": "noop", "max_attempts": 2, "max_failed_tasks": )",
      max_failed_tasks,
      R"(, "params": {"tasks": 40, "sleep_ms": 50, "crash": [17],
                      "poison_file": ")",
      poison, R"("}})");
}

TEST(PoisonTaskTest, DeadLettersWithinBudgetThenRetryCompletesTheJob) {
  const std::string dir = FreshDir("poison_partial");
  const std::string poison = WriteFile(dir, "poison", "crash task 17\n");
  auto cluster = StartCluster(2);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto submitted = cluster->client->Submit(Spec(PoisonJob(poison, 1)));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string id = submitted->job_id();

  auto r = WaitForResult(*cluster->client, id, absl::Seconds(60),
                         ReplaceDeadWorkers(*cluster));
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::Progress& p = r->progress();
  ASSERT_EQ(p.state(), v1::JOB_STATE_PARTIAL) << p.error();
  EXPECT_TRUE(p.partial());
  EXPECT_EQ(p.tasks().failed(), 1u);
  EXPECT_EQ(p.tasks().succeeded(), 39u);
  ExpectNoopResult(r->result(), 40, {17});

  // The CLI: a partial result exits 3 and says where to look.
  CliRun result =
      RunCli({"result", id, "--json", "--coordinator", cluster->address()});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"state\":\"partial\",\"partial\":true"));
  EXPECT_THAT(result.err,
              HasSubstr("partial result: 1 task dead-lettered; see `gridless "
                        "failures " +
                        id));
  EXPECT_THAT(result.err, HasSubstr("`gridless retry " + id));

  google::protobuf::ListValue dead = FailuresJson(*cluster, id);
  ASSERT_EQ(dead.values_size(), 1);
  const auto& letter = dead.values(0).struct_value().fields();
  EXPECT_EQ(letter.at("task").number_value(), 17);
  EXPECT_EQ(letter.at("stage").number_value(), 0);
  const auto& attempts = letter.at("attempts").list_value();
  EXPECT_EQ(attempts.values_size(), 2) << "one record per attempt";
  for (const auto& a : attempts.values()) {
    EXPECT_TRUE(a.struct_value().fields().at("retryable").bool_value());
  }
  CliRun table = RunCli({"failures", id, "--coordinator", cluster->address()});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("1 dead-lettered task"));
  EXPECT_THAT(table.out, HasSubstr("LAST ERROR"));

  // Fix the poison, rerun only the dead letters.
  std::filesystem::remove(poison);
  ASSERT_TRUE(cluster->workers->ReplaceDead().ok());
  CliRun retry = RunCli({"retry", id, "--wait", "--json", "--quiet",
                         "--coordinator", cluster->address()});
  ASSERT_EQ(retry.exit_code, 0) << retry.out << retry.err;
  auto json = ParseJson(retry.out);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->fields().at("state").string_value(), "succeeded");
  EXPECT_FALSE(json->fields().contains("partial"));
  ExpectNoopResult(json->fields().at("result").struct_value(), 40);

  // Nothing left to retry.
  CliRun again = RunCli({"retry", id, "--coordinator", cluster->address()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("nothing to retry"));
}

TEST(PoisonTaskTest, WithoutBudgetTheJobFailsNamingTheTask) {
  const std::string dir = FreshDir("poison_failed");
  const std::string poison = WriteFile(dir, "poison", "crash task 17\n");
  auto cluster = StartCluster(2);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto submitted = cluster->client->Submit(Spec(PoisonJob(poison, 0)));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string id = submitted->job_id();
  auto r = WaitForResult(*cluster->client, id, absl::Seconds(60),
                         ReplaceDeadWorkers(*cluster));
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::Progress& p = r->progress();
  ASSERT_EQ(p.state(), v1::JOB_STATE_FAILED);
  EXPECT_THAT(p.error(), HasSubstr("task 17"));
  EXPECT_EQ(p.tasks().failed(), 1u);

  CliRun result = RunCli({"result", id, "--coordinator", cluster->address()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("task 17"));
  EXPECT_THAT(result.err, HasSubstr("1 task dead-lettered; see `gridless "
                                    "failures " +
                                    id));
  google::protobuf::ListValue dead = FailuresJson(*cluster, id);
  ASSERT_EQ(dead.values_size(), 1);
  EXPECT_EQ(dead.values(0).struct_value().fields().at("task").number_value(),
            17);

  // A failed job can be retried too once the cause is fixed.
  std::filesystem::remove(poison);
  ASSERT_TRUE(cluster->workers->ReplaceDead().ok());
  CliRun retry = RunCli({"retry", id, "--wait", "--json", "--quiet",
                         "--coordinator", cluster->address()});
  ASSERT_EQ(retry.exit_code, 0) << retry.out << retry.err;
  auto json = ParseJson(retry.out);
  ASSERT_TRUE(json.ok()) << json.status();
  ExpectNoopResult(json->fields().at("result").struct_value(), 40);
}

TEST(PoisonTaskTest, RunListsTheDeadLettersOfAPartialJob) {
  // `gridless run`: its embedded coordinator ends with it, so it lists the
  // dead letters itself (stderr and DIR/failures.json) and exits 3.
  const std::string dir = FreshDir("run_partial");
  const std::string job = WriteFile(dir, "job.json", R"({"kind": "noop",
      "max_attempts": 2, "max_failed_tasks": 1,
      "params": {"tasks": 20, "fail": [4]}})");
  CliRun run =
      RunCli({"run", job, "--workers", "2", "--json", "--out", dir + "/out"});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  auto json = ParseJson(run.out);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->fields().at("state").string_value(), "partial");
  ExpectNoopResult(json->fields().at("result").struct_value(), 20, {4});
  EXPECT_THAT(run.err, HasSubstr("1 dead-lettered task"));
  EXPECT_THAT(run.err, HasSubstr("partial result: 1 task dead-lettered"));
  auto failures = ParseJson(ReadFile(dir + "/out/failures.json"));
  ASSERT_TRUE(failures.ok()) << failures.status();
  const auto& dead = failures->fields().at("dead_letters").list_value();
  ASSERT_EQ(dead.values_size(), 1);
  EXPECT_EQ(dead.values(0).struct_value().fields().at("task").number_value(),
            4);
}

TEST(HungTaskTest, TimedOutAttemptsAreTakenBackAndTheJobEnds) {
  // One worker with one slot: if the worker kept running the hung attempt,
  // no other task could run and the job would never end.
  auto cluster = StartCluster(1, 1);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto submitted = cluster->client->Submit(Spec(
      R"({"kind": "noop", "max_attempts": 2, "max_failed_tasks": 1,
          "task_timeout_s": 1, "speculation_multiple": -1,
          "params": {"tasks": 10, "hang": [3]}})"));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string id = submitted->job_id();
  auto r = WaitForResult(*cluster->client, id, absl::Seconds(60));
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::Progress& p = r->progress();
  ASSERT_EQ(p.state(), v1::JOB_STATE_PARTIAL) << p.error();
  EXPECT_EQ(p.tasks().timed_out(), 2u) << "both attempts of task 3";
  EXPECT_EQ(p.tasks().failed(), 1u);
  ExpectNoopResult(r->result(), 10, {3});

  google::protobuf::ListValue dead = FailuresJson(*cluster, id);
  ASSERT_EQ(dead.values_size(), 1);
  const auto& letter = dead.values(0).struct_value().fields();
  EXPECT_EQ(letter.at("task").number_value(), 3);
  const auto& attempts = letter.at("attempts").list_value();
  ASSERT_EQ(attempts.values_size(), 2);
  for (const auto& a : attempts.values()) {
    const auto& f = a.struct_value().fields();
    EXPECT_EQ(f.at("code").string_value(), "DEADLINE_EXCEEDED");
    EXPECT_TRUE(f.at("retryable").bool_value());
  }
}

TEST(StragglerTest, BackupCopyFinishesTheJobLongBeforeTheStraggler) {
  // Task 5's first attempt sleeps 10 minutes; the test's hang guard is far
  // shorter, so the job ending at all proves a backup copy won.
  auto cluster = StartCluster(3, 1);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto submitted = cluster->client->Submit(Spec(
      R"({"kind": "noop",
          "params": {"tasks": 200, "sleep_ms": 20, "slow": [5],
                     "slow_ms": 600000}})"));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  auto r =
      WaitForResult(*cluster->client, submitted->job_id(), absl::Seconds(120));
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::Progress& p = r->progress();
  ASSERT_EQ(p.state(), v1::JOB_STATE_SUCCEEDED) << p.error();
  EXPECT_GE(p.tasks().speculative(), 1u);
  EXPECT_EQ(p.tasks().failed(), 0u);
  ExpectNoopResult(r->result(), 200);
}

TEST(CancelTest, CancelledJobKeepsWhatWasMergedAndWorkersDropItsTasks) {
  // One worker with two slots; tasks 20.. hang, so after the first 20 the
  // job is stuck with both slots busy.
  auto cluster = StartCluster(1, 2);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  std::string hang;
  for (int i = 20; i < 40; ++i) absl::StrAppend(&hang, i > 20 ? "," : "", i);
  auto submitted = cluster->client->Submit(
      Spec(absl::StrCat(R"({"kind": "noop", "params": {"tasks": 40, "hang": [)",
                        hang, R"(]}})")));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string id = submitted->job_id();
  auto stuck = WaitUntil(*cluster->client, id, [](const v1::Progress& p) {
    return p.tasks().succeeded() >= 20 && p.tasks().running() >= 2;
  });
  ASSERT_TRUE(stuck.ok()) << stuck.status();
  ASSERT_EQ(stuck->state(), v1::JOB_STATE_RUNNING);

  CliRun cancel = RunCli({"cancel", id, "--coordinator", cluster->address()});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  auto r = cluster->client->GetResult(id);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->progress().state(), v1::JOB_STATE_CANCELLED);
  EXPECT_TRUE(r->progress().partial());
  ExpectNoopResult(r->result(), 20);  // tasks 0..19, merged before the cancel

  CliRun result =
      RunCli({"result", id, "--json", "--coordinator", cluster->address()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.out,
              HasSubstr("\"state\":\"cancelled\",\"partial\":true"));

  // The worker dropped the hung tasks: its two slots run another job.
  auto next = cluster->client->Submit(
      Spec(R"({"kind": "noop", "params": {"tasks": 10}})"));
  ASSERT_TRUE(next.ok()) << next.status();
  auto done =
      WaitForResult(*cluster->client, next->job_id(), absl::Seconds(60));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->progress().state(), v1::JOB_STATE_SUCCEEDED);
  ExpectNoopResult(done->result(), 10);
}

// A tape under the test's working directory (where the coordinator and
// the good worker run), named by a relative path; removed at the end.
struct RelativeTape {
  RelativeTape() {
    relative = absl::StrCat("refuse_tape_", ::getpid(), "/loans.csv");
    std::filesystem::create_directories(
        std::filesystem::path(relative).parent_path());
  }
  ~RelativeTape() {
    std::filesystem::remove_all(std::filesystem::path(relative).parent_path());
  }
  std::string relative;
};

TEST(PrepareRefusalTest, WorkerThatCannotReadTheTapeDoesNotDeadLetterTheJob) {
  RelativeTape tape;
  CliRun gen = RunCli({"gen-loans", "--count", "200", "--format", "csv",
                       "--seed", "3", "--out", tape.relative});
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  // The misconfigured worker runs elsewhere: the relative path names
  // nothing there.
  const std::string elsewhere = FreshDir("refuse_elsewhere");
  ASSERT_FALSE(std::filesystem::exists(elsewhere + "/" + tape.relative));
  auto cluster = StartCluster(0);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto bad = Subprocess::Spawn(
      {"/usr/bin/env", "-C", elsewhere, Binary("gridless-worker"),
       "--coordinator", cluster->address(), "--slots", "2"},
      SpawnOptions{});
  ASSERT_TRUE(bad.ok()) << bad.status();
  const std::string job = absl::StrCat(
      R"({"kind": "loan-mc", "seed": 5, "params": {"tape": ")", tape.relative,
      R"(", "paths": 40, "path_block": 10, "loan_block": 50}})");

  // Alone, the bad worker cannot run it: once no other worker has connected
  // for the grace (--lease-timeout, 10 s), the job fails naming the
  // worker's reason, with no task dead-lettered.
  auto first = cluster->client->Submit(Spec(job));
  ASSERT_TRUE(first.ok()) << first.status();
  auto r = WaitForResult(*cluster->client, first->job_id(), absl::Seconds(60));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->progress().state(), v1::JOB_STATE_FAILED);
  EXPECT_THAT(r->progress().error(),
              HasSubstr("no connected worker can run the job"));
  EXPECT_THAT(r->progress().error(), HasSubstr("cannot read the loan tape"));
  EXPECT_THAT(r->progress().error(), HasSubstr(tape.relative));
  EXPECT_EQ(r->progress().tasks().failed(), 0u);
  EXPECT_EQ(FailuresJson(*cluster, first->job_id()).values_size(), 0);

  // With a worker that can read it, the job succeeds whichever worker took
  // which tasks.  Both connected first: a worker not yet connected could
  // not save a job the bad one refused once the grace has passed.
  ASSERT_TRUE(cluster->workers->Grow(1).ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  for (;;) {
    auto p = cluster->client->GetResult(first->job_id());
    ASSERT_TRUE(p.ok()) << p.status();
    if (p->progress().workers() >= 2) break;
    ASSERT_LT(absl::Now(), deadline) << "the second worker never connected";
    absl::SleepFor(absl::Milliseconds(50));
  }
  auto second = cluster->client->Submit(Spec(job));
  ASSERT_TRUE(second.ok()) << second.status();
  r = WaitForResult(*cluster->client, second->job_id(), absl::Seconds(90));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->progress().state(), v1::JOB_STATE_SUCCEEDED)
      << r->progress().error();
  EXPECT_EQ(r->progress().tasks().failed(), 0u);
}

}  // namespace
}  // namespace gridless::spine
