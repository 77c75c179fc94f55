// The `gridless` binary as a user meets it (issue 2, items 6 and 7): bad job
// files and flags give one documented line and exit code; `run` works end to
// end on an embedded coordinator and local worker processes; the remote
// commands work against a gridless-coordinator process.
#include <signal.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/spine_cluster.h"

namespace gridless::spine {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

int Lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// A usage error: exit code 2 and one line on stderr containing `needles`.
void ExpectUsageError(const CliRun& run,
                      std::initializer_list<std::string> needles) {
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_EQ(Lines(run.err), 1) << run.err;
  EXPECT_THAT(run.err, StartsWith("gridless"));
  for (const auto& n : needles) EXPECT_THAT(run.err, HasSubstr(n));
  EXPECT_EQ(run.out, "");
}

const google::protobuf::Value& At(const google::protobuf::Struct& s,
                                  const std::string& name) {
  static const google::protobuf::Value kMissing;
  auto it = s.fields().find(name);
  EXPECT_NE(it, s.fields().end()) << "missing field " << name;
  return it == s.fields().end() ? kMissing : it->second;
}

class SpineCliTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = FreshDir("cli"); }
  std::string Job(const std::string& name, const std::string& json) {
    return WriteFile(dir_, name, json);
  }
  std::string dir_;
};

TEST_F(SpineCliTest, MissingJobFile) {
  ExpectUsageError(RunCli({"run", dir_ + "/nope.json"}),
                   {"nope.json", "cannot read job file"});
}

TEST_F(SpineCliTest, MalformedJson) {
  std::string file = Job("bad.json", "{\"kind\": \"pi\", ");
  ExpectUsageError(RunCli({"run", file}), {"bad.json", "not a valid job file"});
}

TEST_F(SpineCliTest, UnknownTopLevelField) {
  std::string file = Job("typo.json", R"({"kind": "pi", "sead": 3})");
  ExpectUsageError(RunCli({"run", file}), {"typo.json", "sead"});
}

TEST_F(SpineCliTest, UnknownKind) {
  std::string file = Job("kind.json", R"({"kind": "pie"})");
  ExpectUsageError(RunCli({"run", file}),
                   {"kind.json", "unknown job kind \"pie\"", "option-mc"});
}

TEST_F(SpineCliTest, UnknownParameter) {
  std::string file =
      Job("param.json", R"({"kind": "pi", "params": {"sample": 1000}})");
  ExpectUsageError(RunCli({"run", file, "--workers", "1"}),
                   {"param.json", "\"sample\""});
}

TEST_F(SpineCliTest, OutOfRangeParameter) {
  std::string file = Job(
      "range.json", R"({"kind": "option-mc", "params": {"volatility": -0.2}})");
  ExpectUsageError(RunCli({"run", file, "--workers", "1"}),
                   {"range.json", "\"volatility\"", "-0.2"});
}

TEST_F(SpineCliTest, BadFlags) {
  std::string file = Job("pi.json", R"({"kind": "pi"})");
  ExpectUsageError(RunCli({"run", file, "--workers", "many"}),
                   {"--workers", "many"});
  ExpectUsageError(RunCli({"run", file, "--bogus"}), {"unknown flag --bogus"});
  ExpectUsageError(RunCli({"run"}), {"missing JOB.json"});
  ExpectUsageError(RunCli({"run", file, file}), {"unexpected argument"});
  ExpectUsageError(RunCli({"frobnicate"}), {"unknown command \"frobnicate\""});
  ExpectUsageError(RunCli({"submit", file, "--coordinator", "localhost"}),
                   {"--coordinator", "HOST:PORT", "localhost"});
}

TEST_F(SpineCliTest, HelpListsEveryCommand) {
  CliRun run = RunCli({"--help"});
  EXPECT_EQ(run.exit_code, 0);
  for (const char* cmd : {"run", "submit", "watch", "result", "cancel", "list",
                          "kinds", "gen-loans", "loan-cashflows"}) {
    EXPECT_THAT(run.out, HasSubstr(absl::StrCat("  ", cmd, " "))) << cmd;
  }
  CliRun help = RunCli({"help", "submit"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("--coordinator"));
  CliRun flag = RunCli({"result", "--help"});
  EXPECT_EQ(flag.exit_code, 0);
  EXPECT_THAT(flag.out, HasSubstr("--wait"));
}

TEST_F(SpineCliTest, UnreachableCoordinatorIsNamed) {
  // Each attempt waits the 3 s connect timeout: two commands suffice.
  for (const char* cmd : {"list", "watch"}) {
    std::vector<std::string> args = {cmd};
    if (std::string(cmd) != "list") args.push_back("some-job");
    args.insert(args.end(), {"--coordinator", "127.0.0.1:1"});
    CliRun run = RunCli(args);
    EXPECT_EQ(run.exit_code, 1) << cmd << ": " << run.err;
    EXPECT_EQ(Lines(run.err), 1) << run.err;
    EXPECT_THAT(run.err,
                HasSubstr("cannot reach coordinator at 127.0.0.1:1 (is "
                          "gridless-coordinator running? set --coordinator)"));
  }
}

TEST_F(SpineCliTest, KindsListsParametersWithoutACoordinator) {
  CliRun run = RunCli({"kinds", "--coordinator", "127.0.0.1:1"});
  // `kinds` takes no --coordinator: it is a usage error, not a hang.
  EXPECT_EQ(run.exit_code, 2);
  run = RunCli({"kinds"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* text : {"option-mc", "pi", "noop", "volatility", "samples",
                           "sleep_ms", "1000000"}) {
    EXPECT_THAT(run.out, HasSubstr(text));
  }
  run = RunCli({"kinds", "nope"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err, HasSubstr("unknown job kind \"nope\""));
}

TEST_F(SpineCliTest, RunPrintsOneJsonObjectAndWritesResultJson) {
  std::string file = Job("pi.json", R"({"kind": "pi", "seed": 3,
      "params": {"samples": 4000000, "tasks": 16}})");
  std::string out_dir = dir_ + "/out";
  CliRun run = RunCli(
      {"run", file, "--workers", "2", "--json", "--out", out_dir, "--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(Lines(run.out), 1);
  auto json = ParseJson(run.out);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(At(*json, "kind").string_value(), "pi");
  EXPECT_EQ(At(*json, "state").string_value(), "succeeded");
  EXPECT_FALSE(At(*json, "job_id").string_value().empty());
  EXPECT_GT(At(*json, "wall_seconds").number_value(), 0);
  EXPECT_GT(At(*json, "worker_seconds").number_value(), 0);
  EXPECT_EQ(json->fields().count("error"), 0u);
  const auto& tasks = At(*json, "tasks").struct_value();
  EXPECT_EQ(At(tasks, "total").number_value(), 16);
  EXPECT_EQ(At(tasks, "succeeded").number_value(), 16);
  EXPECT_EQ(At(tasks, "failed").number_value(), 0);
  EXPECT_TRUE(tasks.fields().count("retried"));
  const auto& result = At(*json, "result").struct_value();
  double estimate = At(result, "estimate").number_value();
  double se = At(result, "stderr").number_value();
  EXPECT_NEAR(estimate, M_PI, 4 * se);
  // --out DIR/result.json holds the same object.
  EXPECT_EQ(ReadFile(out_dir + "/result.json"), run.out);

  // The same job in this process (--workers 0) gives the same bits.
  CliRun local = RunCli({"run", file, "--workers", "0", "--json"});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  auto local_json = ParseJson(local.out);
  ASSERT_TRUE(local_json.ok()) << local_json.status();
  EXPECT_EQ(
      At(At(*local_json, "result").struct_value(), "estimate").number_value(),
      estimate);
}

TEST_F(SpineCliTest, RunShowsProgressAndASummary) {
  std::string file = Job("noop.json", R"({"kind": "noop",
      "params": {"tasks": 30, "sleep_ms": 20}})");
  CliRun run = RunCli({"run", file, "--workers", "2"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("(noop) succeeded"));
  EXPECT_THAT(run.out, HasSubstr("tasks_merged"));
  // stderr is not a terminal here: whole lines, no carriage returns.
  EXPECT_THAT(run.err, HasSubstr("30/30 tasks (100%)"));
  EXPECT_THAT(run.err, Not(HasSubstr("\r")));
}

TEST_F(SpineCliTest, FailedJobExitsOneWithItsError) {
  std::string file = Job("fail.json", R"({"kind": "noop", "max_attempts": 2,
      "params": {"tasks": 6, "fail": [1]}})");
  CliRun run = RunCli({"run", file, "--workers", "2", "--json", "--quiet"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  auto json = ParseJson(run.out);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(At(*json, "state").string_value(), "failed");
  EXPECT_THAT(At(*json, "error").string_value(),
              HasSubstr("injected failure of task 1"));
  EXPECT_EQ(Lines(run.err), 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("failed"));
}

TEST_F(SpineCliTest, RunEndsWhenATaskKeepsCrashingItsWorker) {
  // Task 0 kills whichever worker runs it; `run` must report, replace the
  // workers, and end (the task fails after max_attempts), never hang.
  std::string file = Job("crash.json", R"({"kind": "noop", "max_attempts": 2,
      "params": {"tasks": 4, "crash": [0]}})");
  CliRun run = RunCli({"run", file, "--workers", "1"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("killed by signal 9"));
}

TEST_F(SpineCliTest, RunGivesUpWhenEveryWorkerKeepsDying) {
  // With attempts to spare, task 0 kills worker after worker: once the
  // replacements are spent `run` must say so and end, not wait forever.
  std::string file = Job("crash.json", R"({"kind": "noop", "max_attempts": 100,
      "params": {"tasks": 4, "crash": [0]}})");
  CliRun run = RunCli({"run", file, "--workers", "1", "--json"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("all worker processes died"));
  auto json = ParseJson(run.out);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(At(*json, "state").string_value(), "cancelled");
  EXPECT_THAT(At(*json, "error").string_value(),
              HasSubstr("all worker processes died"));
}

// Children of `pid` (its worker processes), from /proc.
std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(
           absl::StrCat("/proc/", pid, "/task"), ec)) {
    std::ifstream in(task.path() / "children");
    pid_t child;
    while (in >> child) out.push_back(child);
  }
  return out;
}

TEST_F(SpineCliTest, CtrlCCancelsTheJobAndStopsTheWorkers) {
  std::string file = Job("slow.json", R"({"kind": "noop",
      "params": {"tasks": 2000, "sleep_ms": 50}})");
  auto cli = StartCli({"run", file, "--workers", "2"});
  ASSERT_TRUE(cli.ok()) << cli.status();
  // Wait for the first progress line and both workers.
  std::vector<pid_t> workers;
  for (int i = 0; i < 3000; ++i) {
    workers = ChildrenOf(cli->process->pid());
    if (workers.size() == 2 &&
        ReadFile(cli->err_path).find("tasks") != std::string::npos) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(workers.size(), 2u) << ReadFile(cli->err_path);
  cli->process->Signal(SIGINT);
  ASSERT_TRUE(cli->process->Wait(absl::Seconds(60)));
  EXPECT_EQ(cli->process->exit_code(), 1);
  std::string err = ReadFile(cli->err_path);
  EXPECT_THAT(err, HasSubstr("interrupted: cancelling job"));
  EXPECT_THAT(err, HasSubstr("cancelled"));
  EXPECT_THAT(ReadFile(cli->out_path), HasSubstr("cancelled"));
  for (pid_t w : workers) {
    EXPECT_EQ(::kill(w, 0), -1) << "worker " << w << " is still running";
  }
}

TEST_F(SpineCliTest, RemoteCommandsAgainstACoordinator) {
  auto coordinator = CoordinatorProcess::Start();
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  auto worker = StartWorker((*coordinator)->address());
  ASSERT_TRUE(worker.ok()) << worker.status();
  const std::string addr = (*coordinator)->address();
  std::string file = Job("pi.json", R"({"kind": "pi", "name": "remote pi",
      "params": {"samples": 100000, "tasks": 4}})");

  CliRun submit = RunCli({"submit", file, "--coordinator", addr});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  ASSERT_EQ(Lines(submit.out), 1);
  std::string id = submit.out.substr(0, submit.out.size() - 1);

  CliRun watch = RunCli({"watch", id, "--coordinator", addr});
  EXPECT_EQ(watch.exit_code, 0) << watch.err;
  EXPECT_THAT(watch.out, HasSubstr("succeeded"));

  CliRun result = RunCli({"result", id, "--json", "--coordinator", addr});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto json = ParseJson(result.out);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ(At(*json, "job_id").string_value(), id);
  EXPECT_EQ(At(*json, "state").string_value(), "succeeded");

  CliRun list = RunCli({"list", "--coordinator", addr});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr(id));
  EXPECT_THAT(list.out, HasSubstr("remote pi"));

  // A bad job is refused by the coordinator: named, with exit code 2.
  std::string bad =
      Job("bad.json", R"({"kind": "pi", "params": {"tasks": 0}})");
  CliRun refused = RunCli({"submit", bad, "--coordinator", addr});
  ExpectUsageError(refused, {"bad.json", "\"tasks\""});

  CliRun unknown = RunCli({"result", "no-such-job", "--coordinator", addr});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  EXPECT_THAT(unknown.err, HasSubstr("no-such-job"));
}

}  // namespace
}  // namespace gridless::spine
