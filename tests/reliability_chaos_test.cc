// "Never lose a task" under fire (issue 4): real gridless-coordinator,
// gridless-worker and gridless processes on loopback while workers are
// SIGKILLed every second, or the coordinator itself is SIGKILLed and
// restarted on its journal.  Every job must end SUCCEEDED with a result
// bit-identical to an undisturbed run: the noop kind's task count and index
// sum show a lost or doubly merged task; option-mc's floating-point result,
// compared byte for byte with `gridless run --workers 0`, shows a change in
// the reduce order.
//
// Kill points and victims come from seeded generators.  No timing
// assertion and no race with the machine's speed: the workers run behind a
// --task-gate (worker/task_gate.h) whose tickets let only so many tasks
// start, so the first kill lands on a worker that holds leases and every
// kill point is reached before the job can end; the waits are hang guards.
#include <signal.h>

#include <cmath>
#include <ostream>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/spine_cluster.h"

namespace gridless::spine {
namespace {

// The workers started behind `gate` holding `tickets` tickets: waits until
// at least half of them are merged and every worker has held a task (the
// tickets were spent, so it still holds it and its lease), SIGKILLs a
// random worker (chosen with `rng`) and replaces it, and opens the gate.
// The job cannot have ended: fewer than its tasks got tickets.
void FirstKillBehindTheGate(Cluster& cluster, TaskGateFile& gate,
                            const std::string& id, uint64_t tickets,
                            std::mt19937& rng) {
  auto held = WaitUntil(
      *cluster.client, id,
      [&](const v1::Progress& p) {
        return p.tasks().succeeded() >= tickets / 2 &&
               cluster.workers->AllHoldingAtGate();
      },
      absl::Seconds(120));
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_EQ(held->state(), v1::JOB_STATE_RUNNING) << held->error();
  ASSERT_LT(held->tasks().succeeded(), held->tasks().total());
  ASSERT_TRUE(cluster.workers->KillOneAndReplace(rng).ok());
  gate.Open();
}

// Waits for the job's end while a random worker (chosen with `rng`) is
// SIGKILLed every second and replaced; returns the result and adds the
// kills to *kills.
absl::StatusOr<v1::JobResult> RunUnderWorkerChaos(Cluster& cluster,
                                                  const std::string& id,
                                                  std::mt19937& rng,
                                                  int* kills) {
  absl::Time next_kill = absl::Now() + absl::Seconds(1);
  return WaitForResult(*cluster.client, id, absl::Seconds(120), [&] {
    if (absl::Now() < next_kill) return absl::OkStatus();
    next_kill = absl::Now() + absl::Seconds(1);
    ++*kills;
    return cluster.workers->KillOneAndReplace(rng);
  });
}

// A cluster of `workers` x `slots` behind `gate`, their stderr captured in
// `dir` (to see them hold tasks).
absl::StatusOr<Cluster> GatedCluster(const TaskGateFile& gate,
                                     const std::string& dir, int workers,
                                     int slots) {
  auto cluster = StartCluster(0, slots, {}, gate.WorkerArgs());
  if (!cluster.ok()) return cluster.status();
  cluster->workers->CaptureLogs(dir);
  if (auto s = cluster->workers->Grow(workers); !s.ok()) return s;
  return cluster;
}

class WorkerChaosTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(WorkerChaosTest, NoopJobLosesNothingAndMergesEveryTaskOnce) {
  constexpr uint64_t kTasks = 3000;
  const std::string dir = FreshDir(absl::StrCat("chaos_noop_", GetParam()));
  constexpr uint64_t kTickets = 200;
  TaskGateFile gate(dir, absl::StrCat(kTickets));
  auto cluster = GatedCluster(gate, dir, 4, 2);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  // A kill charges an attempt only to the suspects the victim held (see
  // coordinator/scheduler.h); allow plenty all the same.
  auto submitted = cluster->client->Submit(Spec(absl::StrCat(
      R"({"kind": "noop", "seed": 1, "max_attempts": 50,
          "params": {"tasks": )",
      kTasks, R"(, "sleep_ms": 15}})")));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  const std::string id = submitted->job_id();
  std::mt19937 rng(GetParam());
  FirstKillBehindTheGate(*cluster, gate, id, kTickets, rng);
  if (HasFatalFailure()) return;

  int kills = 1;
  auto r = RunUnderWorkerChaos(*cluster, id, rng, &kills);
  ASSERT_TRUE(r.ok()) << r.status();
  const v1::Progress& p = r->progress();
  ASSERT_EQ(p.state(), v1::JOB_STATE_SUCCEEDED) << p.error();
  EXPECT_EQ(p.tasks().succeeded(), kTasks);
  EXPECT_EQ(p.tasks().failed(), 0u);
  EXPECT_GT(p.tasks().retried(), 0u) << "the killed workers held leases";
  EXPECT_FALSE(p.partial());
  // Bit-identical to a clean run: every task merged exactly once.
  EXPECT_EQ(r->result().fields().at("tasks_merged").number_value(), kTasks);
  EXPECT_EQ(r->result().fields().at("index_sum").number_value(),
            kTasks * (kTasks + 1) / 2);
  RecordProperty("kills", kills);
  RecordProperty("retried", static_cast<int>(p.tasks().retried()));
}

INSTANTIATE_TEST_SUITE_P(Seeds, WorkerChaosTest, ::testing::Values(1u, 2u));

// A real numeric result: option-mc under worker chaos, its `--json` result
// compared byte for byte with the in-process run of the same job file.
TEST(OptionMcChaosTest, ResultMatchesInProcessRunByteForByte) {
  const std::string dir = FreshDir("chaos_option_mc");
  const std::string job = WriteFile(dir, "job.json", R"({
      "kind": "option-mc", "seed": 21, "max_attempts": 50,
      "params": {"option": "put", "spot": 100, "strike": 95, "rate": 0.10,
                 "dividend": 0.05, "volatility": 0.20, "maturity": 0.5,
                 "paths": 64000000, "tasks": 800}})");
  auto local = InProcessResultJson(job);
  ASSERT_TRUE(local.ok()) << local.status();

  TaskGateFile gate(dir, "40");
  auto cluster = GatedCluster(gate, dir, 3, 1);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  CliRun submit = RunCli({"submit", job, "--coordinator", cluster->address()});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  const std::string id(absl::StripTrailingAsciiWhitespace(submit.out));
  std::mt19937 rng(3);
  FirstKillBehindTheGate(*cluster, gate, id, 40, rng);
  if (HasFatalFailure()) return;
  int kills = 1;
  auto r = RunUnderWorkerChaos(*cluster, id, rng, &kills);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->progress().state(), v1::JOB_STATE_SUCCEEDED)
      << r->progress().error();
  EXPECT_GT(r->progress().tasks().retried(), 0u);

  CliRun result =
      RunCli({"result", id, "--json", "--coordinator", cluster->address()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto remote = ResultJsonText(result.out);
  ASSERT_TRUE(remote.ok()) << remote.status();
  EXPECT_EQ(*remote, *local);
}

// The coordinator is SIGKILLed when the job reaches each of the seeded kill
// points and restarted on the same journal and address; the workers find it
// again by themselves and `gridless result --wait` with the job's id gives
// the result of an undisturbed run.
struct RestartCase {
  std::string name;
  std::string job_json;
  // The same job without its sleeps, run in-process as the reference (the
  // noop result does not depend on sleep_ms; the sleeps would make the
  // serial run long).
  std::string reference_json;
  uint32_t seed;
  int kills;
};

// For test names and failure messages.
void PrintTo(const RestartCase& c, std::ostream* out) {
  *out << c.name << " (seed " << c.seed << ", " << c.kills << " kills)";
}

class CoordinatorRestartTest : public ::testing::TestWithParam<RestartCase> {};

TEST_P(CoordinatorRestartTest, ResumesFromTheJournalWithAnIdenticalResult) {
  const RestartCase& c = GetParam();
  const std::string dir = FreshDir(absl::StrCat("restart_", c.name));
  const std::string job = WriteFile(dir, "job.json", c.job_json);
  const std::string journal = dir + "/journal.db";
  auto local = InProcessResultJson(
      WriteFile(dir, "reference.json",
                c.reference_json.empty() ? c.job_json : c.reference_json));
  ASSERT_TRUE(local.ok()) << local.status();

  const std::vector<std::string> coordinator_args = {"--journal", journal,
                                                     "--quiet"};
  auto coordinator = CoordinatorProcess::Start(coordinator_args);
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  const std::string address = (*coordinator)->address();
  // Workers retry the connection forever: the coordinator comes back.  They
  // run behind a --task-gate, closed until the task count is known.
  TaskGateFile gate(dir, "0");
  std::vector<std::string> worker_args = gate.WorkerArgs();
  worker_args.insert(worker_args.end(), {"--connect-timeout", "0"});
  WorkerFleet workers(address, 2, worker_args);
  ASSERT_TRUE(workers.Grow(3).ok());
  CliRun submit = RunCli({"submit", job, "--coordinator", address});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  const std::string id(absl::StripTrailingAsciiWhitespace(submit.out));

  // Kill points: increasing fractions of the tasks, drawn from the seed.
  std::mt19937 rng(c.seed);
  std::vector<double> points;
  for (int k = 0; k < c.kills; ++k) {
    std::uniform_real_distribution<double> in_slice(
        0.1 + 0.7 * k / c.kills, 0.1 + 0.7 * (k + 1) / c.kills);
    points.push_back(in_slice(rng));
  }
  // Tickets beyond the kill point, for copies whose result is lost (a
  // speculative twin): the job still cannot end before the kill.
  constexpr uint64_t kSlack = 10;
  for (double point : points) {
    SCOPED_TRACE(absl::StrCat("kill point ", point));
    auto client = (*coordinator)->Connect();
    ASSERT_TRUE(client.ok()) << client.status();
    auto now = WaitUntil(**client, id, [](const v1::Progress& p) {
      return p.tasks().total() > 0;
    });
    ASSERT_TRUE(now.ok()) << now.status();
    const uint64_t total = now->tasks().total();
    const uint64_t target = static_cast<uint64_t>(std::ceil(point * total));
    ASSERT_LT(target + kSlack, total);
    const uint64_t done = now->tasks().succeeded();
    gate.Set(absl::StrCat(target > done ? target - done + kSlack : kSlack));
    auto reached = WaitUntil(
        **client, id,
        [target](const v1::Progress& p) {
          return p.tasks().succeeded() >= target;
        },
        absl::Seconds(60));
    ASSERT_TRUE(reached.ok()) << reached.status();
    ASSERT_EQ(reached->state(), v1::JOB_STATE_RUNNING) << reached->error();
    gate.Set("0");  // nothing starts while the coordinator is away
    client->reset();
    (*coordinator)->process().Signal(SIGKILL);
    ASSERT_TRUE((*coordinator)->process().Wait(absl::Seconds(30)));
    coordinator = CoordinatorProcess::StartAt(address, coordinator_args);
    ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  }
  gate.Open();

  CliRun result =
      RunCli({"result", "--wait", id, "--json", "--coordinator", address},
             absl::Seconds(90));
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  auto json = ParseJson(result.out);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(json->fields().at("job_id").string_value(), id);
  EXPECT_EQ(json->fields().at("state").string_value(), "succeeded");
  auto remote = ResultJsonText(result.out);
  ASSERT_TRUE(remote.ok()) << remote.status();
  EXPECT_EQ(*remote, *local);
}

constexpr char kNoopJob[] =
    R"({"kind": "noop", "seed": 3, "max_attempts": 20,
        "params": {"tasks": 3000, "sleep_ms": 15}})";
constexpr char kNoopReference[] =
    R"({"kind": "noop", "seed": 3, "params": {"tasks": 3000}})";
constexpr char kOptionMcJob[] =
    R"({"kind": "option-mc", "seed": 5, "max_attempts": 20,
        "params": {"option": "call", "spot": 60, "strike": 65, "rate": 0.08,
                   "volatility": 0.30, "maturity": 0.25, "paths": 48000000,
                   "tasks": 800}})";

INSTANTIATE_TEST_SUITE_P(
    KillPoints, CoordinatorRestartTest,
    ::testing::Values(RestartCase{"noop_seed7", kNoopJob, kNoopReference, 7, 2},
                      RestartCase{"noop_seed8", kNoopJob, kNoopReference, 8, 2},
                      RestartCase{"option_mc_seed9", kOptionMcJob, "", 9, 1}),
    [](const ::testing::TestParamInfo<RestartCase>& info) {
      return info.param.name;
    });

}  // namespace
}  // namespace gridless::spine
