// The built-in kinds: closed forms, statistics, Merge associativity, and
// order independence through the local runner.
#include <signal.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "jobs/job.h"
#include "jobs/local_run.h"
#include "jobs/option_pricing.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

v1::JobSpec Spec(const std::string& kind, uint64_t seed,
                 const std::string& params_json) {
  v1::JobSpec spec;
  spec.set_kind(kind);
  spec.set_seed(seed);
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(params_json,
                                                          spec.mutable_params())
                  .ok());
  return spec;
}

const JobKind& Kind(const std::string& name) {
  return **JobRegistry::Global().Find(name);
}

double Field(const google::protobuf::Struct& s, const std::string& name) {
  return s.fields().at(name).number_value();
}

TEST(BlackScholesTest, HaugCheckValues) {
  EXPECT_NEAR(BlackScholesPrice(true, 60, 65, 0.08, 0, 0.30, 0.25), 2.1334,
              5e-5);
  EXPECT_NEAR(BlackScholesPrice(false, 100, 95, 0.10, 0.05, 0.20, 0.5), 2.4648,
              5e-5);
}

TEST(OptionMcTest, CallWithinFourStandardErrorsOfBlackScholes) {
  auto r = RunJobLocally(Kind("option-mc"),
                         Spec("option-mc", 7,
                              R"({"option": "call", "spot": 60, "strike": 65,
                                  "rate": 0.08, "volatility": 0.3,
                                  "maturity": 0.25, "paths": 400000,
                                  "tasks": 16})"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(Field(*r, "closed_form"), 2.1334, 5e-5);
  EXPECT_GT(Field(*r, "stderr"), 0);
  EXPECT_NEAR(Field(*r, "price"), Field(*r, "closed_form"),
              4 * Field(*r, "stderr"));
}

TEST(OptionMcTest, PutWithDividendWithinFourStandardErrors) {
  auto r = RunJobLocally(Kind("option-mc"),
                         Spec("option-mc", 11,
                              R"({"option": "put", "spot": 100, "strike": 95,
                                  "rate": 0.10, "dividend": 0.05,
                                  "volatility": 0.2, "maturity": 0.5,
                                  "paths": 400000, "tasks": 10})"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(Field(*r, "closed_form"), 2.4648, 5e-5);
  EXPECT_NEAR(Field(*r, "price"), Field(*r, "closed_form"),
              4 * Field(*r, "stderr"));
}

TEST(OptionMcTest, ResultIsBitIdenticalForAnyTaskOrder) {
  auto spec = Spec("option-mc", 3, R"({"paths": 50000, "tasks": 37})");
  auto a = RunJobLocally(Kind("option-mc"), spec);
  auto b = RunJobLocally(Kind("option-mc"), spec, {.shuffle_seed = 99});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Field(*a, "price"), Field(*b, "price"));
  EXPECT_EQ(Field(*a, "stderr"), Field(*b, "stderr"));
}

TEST(OptionMcTest, BadParameterIsNamed) {
  auto r = RunJobLocally(Kind("option-mc"),
                         Spec("option-mc", 1, R"({"volatility": -0.2})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("\"volatility\""));
}

TEST(PiTest, EstimateWithinFourStandardErrors) {
  auto r = RunJobLocally(Kind("pi"),
                         Spec("pi", 5, R"({"samples": 1000000, "tasks": 8})"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NEAR(Field(*r, "estimate"), M_PI, 4 * Field(*r, "stderr"));
}

TEST(NoopTest, CountsEveryTaskOnceAndInjectsFailures) {
  auto r = RunJobLocally(Kind("noop"), Spec("noop", 0, R"({"tasks": 100})"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Field(*r, "tasks_merged"), 100);
  EXPECT_EQ(Field(*r, "index_sum"), 5050);
  auto f = RunJobLocally(Kind("noop"),
                         Spec("noop", 0, R"({"tasks": 10, "fail": [3]})"));
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status().message(), HasSubstr("task 3"));
}

// Runs task `index` (attempt `attempt`) of a noop job with `params_json`.
absl::StatusOr<std::string> RunNoopTask(const std::string& params_json,
                                        uint64_t index, uint32_t attempt,
                                        const CancelToken& cancel) {
  auto spec = Spec("noop", 0, params_json);
  JobContext job{"t", spec, Params(spec.params())};
  auto runner = Kind("noop").Prepare(job);
  if (!runner.ok()) return runner.status();
  return (*runner)->Run(TaskContext{0, index, attempt, "", &cancel});
}

TEST(NoopTest, DocumentsEveryFaultKnob) {
  std::vector<std::string> names;
  for (const ParamInfo& p : Kind("noop").Parameters()) names.push_back(p.name);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"tasks", "sleep_ms", "fail",
                                              "crash", "poison_file", "hang",
                                              "slow", "slow_ms"}));
}

TEST(NoopTest, HungTaskBlocksUntilCancelled) {
  CancelToken cancel;
  std::future<absl::StatusOr<std::string>> result =
      std::async(std::launch::async, [&] {
        return RunNoopTask(R"({"tasks": 4, "hang": [2]})", 2, 1, cancel);
      });
  // Still blocked: nothing cancelled it (a correct task never returns here).
  EXPECT_EQ(result.wait_for(std::chrono::milliseconds(50)),
            std::future_status::timeout);
  cancel.Cancel();
  auto r = result.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(r.status().message(), HasSubstr("task 2"));
  // The other tasks are unaffected.
  CancelToken never;
  EXPECT_TRUE(RunNoopTask(R"({"tasks": 4, "hang": [2]})", 1, 1, never).ok());
}

TEST(NoopTest, SlowTaskIsSlowOnlyOnItsFirstAttemptAndCancellable) {
  const std::string params = R"({"tasks": 4, "slow": [1], "slow_ms": 3600000})";
  // The first attempt would sleep an hour: cancelled, it gives up at once.
  CancelToken cancelled;
  cancelled.Cancel();
  auto first = RunNoopTask(params, 1, 1, cancelled);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), absl::StatusCode::kCancelled);
  // A retry or a backup copy runs at normal speed (sleep_ms 0).
  CancelToken never;
  EXPECT_TRUE(RunNoopTask(params, 1, 2, never).ok());
  EXPECT_TRUE(RunNoopTask(params, 0, 1, never).ok());
}

TEST(NoopTest, CrashTaskRunsWhileItsPoisonFileIsAbsent) {
  const std::string poison = ::testing::TempDir() + "/noop_poison_absent";
  std::filesystem::remove(poison);
  const std::string params = absl::StrCat(
      R"({"tasks": 4, "crash": [3], "poison_file": ")", poison, R"("})");
  CancelToken never;
  auto r = RunNoopTask(params, 3, 1, never);
  EXPECT_TRUE(r.ok()) << r.status();
}

TEST(NoopDeathTest, CrashTaskKillsItsProcessWhilePoisonFileExists) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string poison = ::testing::TempDir() + "/noop_poison_present";
  std::ofstream(poison) << "poison\n";
  const std::string params = absl::StrCat(
      R"({"tasks": 4, "crash": [3], "poison_file": ")", poison, R"("})");
  CancelToken never;
  EXPECT_EXIT((void)RunNoopTask(params, 3, 1, never),
              ::testing::KilledBySignal(SIGKILL), "");
  std::filesystem::remove(poison);
}

TEST(NoopTest, BadFaultKnobsAreNamed) {
  struct Case {
    const char* params;
    const char* named;
  } cases[] = {
      {R"({"tasks": 4, "hang": [4]})", "\"hang\""},
      {R"({"tasks": 4, "slow": [-1]})", "\"slow\""},
      {R"({"tasks": 4, "slow": [1], "slow_ms": -5})", "\"slow_ms\""},
      {R"({"tasks": 4, "crash": [1], "poison_file": "rel/path"})",
       "absolute path"},
      {R"({"tasks": 4, "poison_file": "/tmp/x"})", "\"crash\""},
      {R"({"tasks": 4, "poison_file": 3})", "\"poison_file\""},
  };
  for (const Case& c : cases) {
    auto r = RunJobLocally(Kind("noop"), Spec("noop", 0, c.params));
    ASSERT_FALSE(r.ok()) << c.params;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
        << c.params;
    EXPECT_THAT(r.status().message(), HasSubstr(c.named)) << c.params;
  }
}

// The coordinator's --max-tasks-per-job reaches Plan as PlanContext::
// max_tasks: a kind refuses before building its task list (no 3 GB of
// payloads for a 100M-task noop job).
TEST(KindsTest, RefuseAnOversizedStageBeforePlanning) {
  const v1::JobSpec noop = Spec("noop", 0, R"({"tasks": 1e8})");
  const JobContext job{"job-x", noop, Params(noop.params())};
  auto plan = Kind("noop").Plan(PlanContext{job, 0, "", 4});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(plan.status().message(), HasSubstr("100000000 tasks"));
  const v1::JobSpec small = Spec("noop", 0, R"({"tasks": 4})");
  const JobContext fits{"job-y", small, Params(small.params())};
  auto ok = Kind("noop").Plan(PlanContext{fits, 0, "", 4});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->size(), 4u);
}

// Merge(Merge(a, b), c) == Merge(a, Merge(b, c)): exactly for counts, within
// rounding for floating-point sums.
class MergeAssociativityTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MergeAssociativityTest, ThreeTasks) {
  const std::string kind_name = GetParam();
  const JobKind& kind = Kind(kind_name);
  auto spec = Spec(kind_name, 17,
                   kind_name == "noop" ? R"({"tasks": 3})"
                   : kind_name == "pi" ? R"({"samples": 3000, "tasks": 3})"
                                       : R"({"paths": 3000, "tasks": 3})");
  JobContext job{"t", spec, Params(spec.params())};
  auto tasks = kind.Plan(PlanContext{job, 0, ""});
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  ASSERT_EQ(tasks->size(), 3u);
  auto runner = kind.Prepare(job);
  ASSERT_TRUE(runner.ok());
  CancelToken never;
  std::vector<std::string> p;
  for (uint64_t i = 0; i < 3; ++i) {
    auto out = (*runner)->Run(TaskContext{0, i, 1, (*tasks)[i], &never});
    ASSERT_TRUE(out.ok()) << out.status();
    p.push_back(*out);
  }
  std::string left = p[0];
  ASSERT_TRUE(kind.Merge(left, p[1], job).ok());
  ASSERT_TRUE(kind.Merge(left, p[2], job).ok());
  std::string bc = p[1];
  ASSERT_TRUE(kind.Merge(bc, p[2], job).ok());
  std::string right = p[0];
  ASSERT_TRUE(kind.Merge(right, bc, job).ok());
  auto l = kind.Finalize(job, left);
  auto r = kind.Finalize(job, right);
  ASSERT_TRUE(l.ok() && r.ok());
  for (const auto& [name, value] : l->fields()) {
    double a = value.number_value(), b = r->fields().at(name).number_value();
    EXPECT_NEAR(a, b, 1e-12 * std::max(1.0, std::fabs(a))) << name;
  }
  // The empty accumulator is the identity.
  std::string empty;
  ASSERT_TRUE(kind.Merge(empty, p[0], job).ok());
  EXPECT_EQ(empty, p[0]);
}

INSTANTIATE_TEST_SUITE_P(Builtins, MergeAssociativityTest,
                         ::testing::Values("noop", "pi", "option-mc"));

// Issue 11: partials come from workers and are hostile.  The pod partials
// of pi ({hits, samples}), noop ({tasks, index_sum}) and option-mc ({paths,
// sum, sum_sq}) as raw bytes.
std::string Pod(uint64_t a, uint64_t b) {
  const uint64_t v[2] = {a, b};
  return std::string(reinterpret_cast<const char*>(v), sizeof(v));
}
std::string OptionPod(uint64_t paths, double sum, double sum_sq) {
  struct {
    uint64_t paths;
    double sum, sum_sq;
  } v{paths, sum, sum_sq};
  return std::string(reinterpret_cast<const char*>(&v), sizeof(v));
}

absl::StatusCode MergeCode(const std::string& kind_name,
                           const std::string& params, std::string acc,
                           const std::string& right) {
  const v1::JobSpec spec = Spec(kind_name, 1, params);
  const JobContext job{"j", spec, Params(spec.params())};
  return Kind(kind_name).Merge(acc, right, job).code();
}

// Before the fix each of these merged (counts wrapped or exceeded the
// job's) and only a wrong-size partial was refused, as DATA_LOSS.
TEST(Issue11HostilePartialsTest, PiCountsAreCheckedAgainstTheJob) {
  const std::string job = R"({"samples": 1000, "tasks": 4})";
  // Two halves of 2^64 samples: the sum wraps to 0.
  const uint64_t half = uint64_t{1} << 63;
  EXPECT_EQ(MergeCode("pi", job, Pod(0, half), Pod(0, half)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeCode("pi", job, Pod(1, 600), Pod(1, 600)),  // > 1000 samples
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeCode("pi", job, "", Pod(5, 4)),  // more hits than samples
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeCode("pi", job, "", "short"),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeCode("pi", job, Pod(1, 500), Pod(2, 500)),
            absl::StatusCode::kOk);
  // A lone partial (a one-task job is never merged) meets Finalize.
  const v1::JobSpec spec = Spec("pi", 1, job);
  const JobContext ctx{"j", spec, Params(spec.params())};
  EXPECT_EQ(Kind("pi").Finalize(ctx, Pod(0, 1001)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(Issue11HostilePartialsTest, NoopCountsAreCheckedAgainstTheJob) {
  const std::string job = R"({"tasks": 4})";
  const uint64_t half = uint64_t{1} << 63;
  EXPECT_EQ(MergeCode("noop", job, Pod(half, 1), Pod(half, 1)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeCode("noop", job, Pod(3, 6), Pod(2, 9)),  // 5 of 4 tasks
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeCode("noop", job, "", Pod(1, 11)),  // 1+2+3+4 = 10 at most
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeCode("noop", job, Pod(2, 3), Pod(2, 7)),
            absl::StatusCode::kOk);
}

TEST(Issue11HostilePartialsTest, OptionMcPathsAreCheckedAgainstTheJob) {
  const std::string job = R"({"paths": 100, "tasks": 2})";
  const uint64_t half = uint64_t{1} << 63;
  EXPECT_EQ(
      MergeCode("option-mc", job, OptionPod(half, 1, 1), OptionPod(half, 1, 1)),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MergeCode("option-mc", job, "", OptionPod(101, 1, 1)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      MergeCode("option-mc", job, OptionPod(50, 1, 1), OptionPod(50, 2, 4)),
      absl::StatusCode::kOk);
}

}  // namespace
}  // namespace gridless
