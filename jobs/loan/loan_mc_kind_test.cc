// The loan-mc kind end to end in one process (jobs/local_run.h): results
// independent of task order bit for bit, zero volatility equal to the
// deterministic projection bit for bit, the calibration check within 4
// standard errors, parameter and tape refusal before any task, files.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "jobs/builtin_kinds.h"
#include "jobs/loan/partial.h"
#include "jobs/loan/projection.h"
#include "jobs/loan/scenario.h"
#include "jobs/loan/synthetic.h"
#include "jobs/loan/tape.h"
#include "jobs/local_run.h"

namespace gridless {
namespace {

using google::protobuf::Struct;

// The result's bytes, with map fields in a fixed order.
std::string Bytes(const Struct& s) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  s.SerializeToCodedStream(&coded);
  return out;
}

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/loan_mc_kind_test_" + name;
}

class LoanMcKindTest : public testing::Test {
 protected:
  void SetUp() override {
    kind_ = NewLoanMcKind();
    tape_ = TempPath("tape.csv");
    ASSERT_TRUE(
        loan::WriteSyntheticTape(tape_, loan::TapeFormat::kCsv, 300, 11).ok());
  }
  v1::JobSpec Spec(
      std::initializer_list<std::pair<std::string, double>> nums,
      std::initializer_list<std::pair<std::string, std::string>> strings = {}) {
    v1::JobSpec spec;
    spec.set_kind("loan-mc");
    spec.set_seed(17);
    auto& f = *spec.mutable_params()->mutable_fields();
    f["tape"].set_string_value(tape_);
    for (auto& [k, v] : nums) f[k].set_number_value(v);
    for (auto& [k, v] : strings) f[k].set_string_value(v);
    return spec;
  }
  static double Num(const Struct& s, const std::string& key) {
    return s.fields().at(key).number_value();
  }

  std::unique_ptr<JobKind> kind_;
  std::string tape_;
};

TEST_F(LoanMcKindTest, BitIdenticalForAnyTaskOrder) {
  v1::JobSpec spec = Spec({{"paths", 40},
                           {"loan_block", 128},
                           {"path_block", 8},
                           {"default_rate_sensitivity", 5}});
  auto first = RunJobLocally(*kind_, spec);
  ASSERT_TRUE(first.ok()) << first.status();
  for (uint64_t shuffle : {1, 2, 99}) {
    auto again = RunJobLocally(*kind_, spec, {shuffle});
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(Bytes(*again), Bytes(*first)) << "shuffle " << shuffle;
  }
  EXPECT_EQ(Num(*first, "loans"), 300);
  EXPECT_EQ(Num(*first, "paths"), 40);
  EXPECT_GT(Num(*first, "pv_mean"), 0);
  EXPECT_GT(Num(*first, "pv_stderr"), 0);
  EXPECT_GT(Num(*first, "expected_loss"), 0);
  EXPECT_GE(Num(*first, "es_99"), Num(*first, "var_99"));
  EXPECT_LE(Num(*first, "pv_p1"), Num(*first, "pv_p50"));
  EXPECT_GT(Num(*first, "wal_years"), 1);
  EXPECT_LT(Num(*first, "wal_years"), 15);
  // loan_path_months = sum of remaining terms x paths.
  auto tape = loan::ReadTape(tape_, {});
  double months = 0;
  for (const auto& l : tape->loans) months += l.remaining;
  EXPECT_EQ(Num(*first, "loan_path_months"), months * 40);
}

// Zero volatility with PSA/SDA: the Monte Carlo equals the deterministic
// projection of the same loan over the same (deterministic) path.
TEST_F(LoanMcKindTest, ZeroVolatilityEqualsTheProjectionBitForBit) {
  std::string one = TempPath("one.csv");
  std::ofstream(one) << "loan_id,balance,rate,term,age,net_rate\n"
                        "P1,400000000,0.08125,360,3,0.075\n";
  v1::JobSpec spec = Spec({{"paths", 1},
                           {"volatility", 0},
                           {"psa", 165},
                           {"sda", 250},
                           {"severity", 0.3},
                           {"lag", 10}},
                          {{"prepay_model", "psa"}, {"tape", one}});
  auto mc = RunJobLocally(*kind_, spec);
  ASSERT_TRUE(mc.ok()) << mc.status();

  loan::ModelParams m;
  m.rates.volatility = 0;
  m.prepay = loan::PrepayModel::kPsa;
  m.psa = 165;
  m.sda = 250;
  m.severity = 0.3;
  m.lag = 10;
  auto tape = loan::ReadTape(one, {});
  ASSERT_TRUE(tape.ok());
  loan::ScenarioBuilder builder(m, 360 + 10);
  loan::PathScenario path;
  builder.Build(12345, 0, &path);  // any seed: sigma = 0
  loan::Projection p = loan::ProjectLoan(m, tape->loans[0], path);
  EXPECT_EQ(Num(*mc, "pv_mean"), p.pv);
  EXPECT_EQ(Num(*mc, "expected_loss"), p.loss);
  EXPECT_EQ(Num(*mc, "cash_flow_mean"), p.cash_flow);
  EXPECT_EQ(Num(*mc, "wal_years"), p.wal_years);
  EXPECT_GT(p.loss, 0);
}

TEST_F(LoanMcKindTest, DiscountFactorsMatchTheClosedForm) {
  std::string one = TempPath("short.csv");
  std::ofstream(one) << "loan_id,balance,rate,term\nS1,1000,0.05,12\n";
  v1::JobSpec spec =
      Spec({{"paths", 4000}, {"volatility", 0.015}}, {{"tape", one}});
  auto r = RunJobLocally(*kind_, spec);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& checks = r->fields().at("discount_check").list_value();
  ASSERT_EQ(checks.values_size(), 4);
  for (const auto& v : checks.values()) {
    const Struct& c = v.struct_value();
    double mc = Num(c, "mc"), se = Num(c, "mc_stderr"),
           cf = Num(c, "closed_form");
    EXPECT_GT(se, 0);
    EXPECT_LT(std::fabs(mc - cf), 4 * se)
        << Num(c, "years") << "y: mc " << mc << " +- " << se << " vs " << cf;
  }
}

TEST_F(LoanMcKindTest, BadParametersAreRefusedByName) {
  v1::JobSpec s1 = Spec({{"volatility", 0.5}});
  JobContext c1{"j", s1, Params(s1.params())};
  auto r = kind_->Plan({c1, 0, {}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(std::string(r.status().message()).find("\"volatility\""),
            std::string::npos);
  v1::JobSpec s2 = Spec({{"pathz", 3}});
  JobContext c2{"j", s2, Params(s2.params())};
  EXPECT_NE(
      std::string(kind_->Plan({c2, 0, {}}).status().message()).find("pathz"),
      std::string::npos);
  v1::JobSpec s3 = Spec({}, {{"tape", ""}});
  JobContext c3{"j", s3, Params(s3.params())};
  EXPECT_NE(
      std::string(kind_->Plan({c3, 0, {}}).status().message()).find("\"tape\""),
      std::string::npos);
  v1::JobSpec s4 = Spec({{"paths", 2}});
  (*s4.mutable_params()->mutable_fields())["per_loan"].set_bool_value(true);
  JobContext c4{"j", s4, Params(s4.params())};
  EXPECT_NE(
      std::string(kind_->Plan({c4, 0, {}}).status().message()).find("out"),
      std::string::npos);
}

TEST_F(LoanMcKindTest, BadTapeRefusedInPlanOrSkipped) {
  std::string bad = TempPath("bad.csv");
  std::ofstream(bad) << "loan_id,balance,rate,term\n"
                        "A,1000,0.05,360\nB,1000,5.5,360\nC,1000,0.06,360\n";
  v1::JobSpec spec = Spec({{"paths", 3}}, {{"tape", bad}});
  JobContext ctx{"j", spec, Params(spec.params())};
  auto plan = kind_->Plan({ctx, 0, {}});
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(std::string(plan.status().message()).find("bad.csv:3"),
            std::string::npos)
      << plan.status();
  (*spec.mutable_params()->mutable_fields())["skip_bad_rows"].set_bool_value(
      true);
  auto r = RunJobLocally(*kind_, spec);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Num(*r, "loans"), 2);
  EXPECT_EQ(Num(*r, "skipped_rows"), 1);
  EXPECT_EQ(
      Num(r->fields().at("skipped_by_reason").struct_value(), "rate_units"), 1);
  EXPECT_EQ(r->fields().at("skipped_examples").list_value().values_size(), 1);
}

TEST_F(LoanMcKindTest, WritesFilesAtomically) {
  std::string dir = TempPath("out");
  std::filesystem::remove_all(dir);
  v1::JobSpec spec = Spec({{"paths", 5}}, {{"out", dir}});
  (*spec.mutable_params()->mutable_fields())["per_loan"].set_bool_value(true);
  auto r = RunJobLocally(*kind_, spec);
  ASSERT_TRUE(r.ok()) << r.status();
  auto lines = [](const std::string& path) {
    std::ifstream in(path);
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  };
  EXPECT_EQ(lines(dir + "/paths.csv"), 6);
  EXPECT_EQ(lines(dir + "/loans.csv"), 301);
  EXPECT_GT(lines(dir + "/summary.json"), 10);
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos);
  }
}

TEST_F(LoanMcKindTest, CorruptPartialIsRefused) {
  v1::JobSpec spec = Spec({});
  JobContext ctx{"j", spec, Params(spec.params())};
  std::string acc;
  EXPECT_EQ(kind_->Merge(acc, "garbage", ctx).code(),
            absl::StatusCode::kInvalidArgument);
}

// Issue 11: partials are hostile.  A partial covering paths [begin, end)
// with `stored` doubles of per-path data (normally (end - begin) x fields).
std::string ForgedPartial(uint64_t path_begin, uint64_t path_end, size_t stored,
                          uint64_t loan_begin = 0, uint64_t loan_end = 0,
                          size_t loan_stored = 0) {
  loan::LoanPartial p;  // the right magic
  p.header.path_begin = path_begin;
  p.header.path_end = path_end;
  p.header.loan_begin = loan_begin;
  p.header.loan_end = loan_end;
  p.paths.assign(stored, 1.0);
  p.loans.assign(loan_stored, 1.0);
  return p.Encode();
}

// Before the fix Decode computed (end - begin) x kNumPathFields in 64 bits:
// a range of ceil(2^64 / 9) paths wraps to 2 doubles, so the partial
// decoded with 2 doubles, MergePartials sized the union of [0, 4) and it
// to 2 doubles and wrote 36 into them (a heap overflow, ASan: heap-buffer-
// overflow in AddRange).
TEST_F(LoanMcKindTest, Issue11PathRangeThatWrapsTheSizeIsRefused) {
  static_assert(loan::kNumPathFields == 9);
  const uint64_t wrapping = (~uint64_t{0} - 6) / 9 + 1;  // 9 x it = 2^64 + 2
  ASSERT_EQ(wrapping * 9, 2u);
  v1::JobSpec spec = Spec({{"paths", 4}});
  JobContext ctx{"j", spec, Params(spec.params())};
  std::string acc = ForgedPartial(0, 4, 4 * 9);  // an honest shape
  absl::Status s = kind_->Merge(acc, ForgedPartial(0, wrapping, 2), ctx);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("path range"), std::string_view::npos) << s;
  // The same bytes first (acc empty), then an honest partial after them.
  std::string first;
  EXPECT_EQ(kind_->Merge(first, ForgedPartial(0, wrapping, 2), ctx).code(),
            absl::StatusCode::kInvalidArgument);
}

// A far range: before the fix the union of [0, 4) and [2^60, 2^60 + 1) was
// allocated (9 x 2^60 doubles: length_error, or terabytes for a nearer one).
TEST_F(LoanMcKindTest, Issue11FarPathRangeIsRefusedBeforeAllocating) {
  v1::JobSpec spec = Spec({{"paths", 4}});
  JobContext ctx{"j", spec, Params(spec.params())};
  const uint64_t far = uint64_t{1} << 60;
  std::string acc = ForgedPartial(0, 4, 4 * 9);
  absl::Status s = kind_->Merge(acc, ForgedPartial(far, far + 1, 9), ctx);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  // Within the size but past the job's 4 paths.
  acc = ForgedPartial(0, 4, 4 * 9);
  s = kind_->Merge(acc, ForgedPartial(4, 5, 9), ctx);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  // begin > end.
  acc = ForgedPartial(0, 4, 4 * 9);
  s = kind_->Merge(acc, ForgedPartial(3, 2, 0), ctx);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
}

// Per-loan ranges: none at all without per_loan; with it, at most what the
// tape's size allows (before the fix: any range, allocated).
TEST_F(LoanMcKindTest, Issue11LoanRangesAreBoundedByTheJob) {
  v1::JobSpec spec = Spec({{"paths", 4}});
  JobContext ctx{"j", spec, Params(spec.params())};
  std::string acc = ForgedPartial(0, 4, 4 * 9);
  absl::Status s =
      kind_->Merge(acc, ForgedPartial(0, 0, 0, 0, 1, 3), ctx);  // 1 loan
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;

  v1::JobSpec per_loan = Spec({{"paths", 4}}, {{"out", TempPath("pl")}});
  (*per_loan.mutable_params()->mutable_fields())["per_loan"].set_bool_value(
      true);
  JobContext pl{"j", per_loan, Params(per_loan.params())};
  acc = ForgedPartial(0, 4, 4 * 9, 0, 300, 300 * 3);  // the tape's 300 loans
  const uint64_t far = uint64_t{1} << 50;
  s = kind_->Merge(acc, ForgedPartial(0, 0, 0, far, far + 1, 3), pl);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("loan range"), std::string_view::npos) << s;
}

// Counts that wrap when added are refused; a lone forged partial (a job of
// one task is never merged) is refused by Finalize.
TEST_F(LoanMcKindTest, Issue11CountsAndLonePartialsAreChecked) {
  v1::JobSpec spec = Spec({{"paths", 4}});
  JobContext ctx{"j", spec, Params(spec.params())};
  loan::LoanPartial big;
  big.Reset(0, 2, 0, 0);
  big.header.loans = ~uint64_t{0};
  loan::LoanPartial more;
  more.Reset(2, 4, 0, 0);
  more.header.loans = 2;
  std::string acc = big.Encode();
  EXPECT_EQ(kind_->Merge(acc, more.Encode(), ctx).code(),
            absl::StatusCode::kInvalidArgument);
  const uint64_t wrapping = (~uint64_t{0} - 6) / 9 + 1;
  EXPECT_EQ(kind_->Finalize(ctx, ForgedPartial(0, wrapping, 2)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gridless
