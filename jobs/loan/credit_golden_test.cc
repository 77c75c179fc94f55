// Issue 16: the `sda` and `cdr` default models give the numbers they gave
// before the house-price factor was added, bit for bit.  The golden values
// were printed by this test at the base commit (a17829c), before any model
// change, and are compared as exact doubles (hex literals).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "jobs/builtin_kinds.h"
#include "jobs/loan/synthetic.h"
#include "jobs/loan/tape.h"
#include "jobs/local_run.h"

namespace gridless {
namespace {

struct Golden {
  const char* name;
  double pv_mean, pv_stderr, expected_loss, var_99, es_99, wal_years,
      cash_flow_mean, loss_p50;
};

constexpr const char* kFields[] = {
    "pv_mean", "pv_stderr", "expected_loss",  "var_99",
    "es_99",   "wal_years", "cash_flow_mean", "loss_p50"};

v1::JobSpec GoldenSpec(const std::string& tape, const std::string& model) {
  v1::JobSpec spec;
  spec.set_kind("loan-mc");
  spec.set_seed(2016);
  auto& f = *spec.mutable_params()->mutable_fields();
  f["tape"].set_string_value(tape);
  f["paths"].set_number_value(24);
  f["loan_block"].set_number_value(128);
  f["path_block"].set_number_value(8);
  f["default_model"].set_string_value(model);
  f["default_rate_sensitivity"].set_number_value(4);
  f["cdr"].set_number_value(0.02);
  f["sda"].set_number_value(150);
  return spec;
}

// Printed at the base commit by GOLDEN_PRINT=1.
constexpr Golden kGoldens[] = {
    {"sda", 0x1.1a6e892415177p+26, 0x1.3bbd04aaadee7p+20, 0x1.72130a9e491f8p+19,
     0x1.8c7855f662142p+19, 0x1.8c7855f662142p+19, 0x1.269ecb58bc815p+3,
     0x1.914bd5033918bp+26, 0x1.75707a36cddap+19},
    {"cdr", 0x1.1007044615305p+26, 0x1.1e20b651e5042p+20, 0x1.12be6b6a5b37fp+22,
     0x1.2c53da7bcf8c8p+22, 0x1.2c53da7bcf8c8p+22, 0x1.0cb04464cbbd5p+3,
     0x1.7758cab7f07ddp+26, 0x1.15191a3ba0616p+22},
};

TEST(CreditGoldenTest, SdaAndCdrUnchangedBitForBit) {
  const std::string tape = testing::TempDir() + "/credit_golden_tape.csv";
  ASSERT_TRUE(
      loan::WriteSyntheticTape(tape, loan::TapeFormat::kCsv, 300, 16).ok());
  auto kind = NewLoanMcKind();
  const bool print = std::getenv("GOLDEN_PRINT") != nullptr;
  for (const char* model : {"sda", "cdr"}) {
    auto r = RunJobLocally(*kind, GoldenSpec(tape, model));
    ASSERT_TRUE(r.ok()) << r.status();
    double got[8];
    for (int i = 0; i < 8; ++i) {
      got[i] = r->fields().at(kFields[i]).number_value();
    }
    if (print) {
      std::printf("    {\"%s\"", model);
      for (double v : got) std::printf(", %a", v);
      std::printf("},\n");
      continue;
    }
    const Golden* g = nullptr;
    for (const Golden& x : kGoldens) {
      if (std::string(x.name) == model) g = &x;
    }
    ASSERT_NE(g, nullptr) << model;
    const double want[8] = {g->pv_mean,        g->pv_stderr, g->expected_loss,
                            g->var_99,         g->es_99,     g->wal_years,
                            g->cash_flow_mean, g->loss_p50};
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(got[i], want[i]) << model << " " << kFields[i];
    }
  }
}

}  // namespace
}  // namespace gridless
