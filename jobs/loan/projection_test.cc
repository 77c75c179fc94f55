// The deterministic projection: the textbook pass-through table, the par
// invariant, conservation of principal, and `gridless loan-cashflows`.
#include "jobs/loan/projection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "jobs/loan/loan_commands.h"
#include "jobs/loan/prepayment.h"

namespace gridless::loan {
namespace {

Loan MakeLoan(double balance, double rate, int term, int age, double net = -1) {
  Loan l;
  l.id = "x";
  l.balance = balance;
  l.orig_balance = balance;
  l.rate = rate;
  l.net_rate = net;
  l.term = term;
  l.age = age;
  l.remaining = term - age;
  return l;
}

Projection Flat(const ModelParams& m, const Loan& l, double yield) {
  ScenarioBuilder b(m, l.remaining + m.lag);
  PathScenario path;
  b.FlatYield(yield, &path);
  return ProjectLoan(m, l, path);
}

// Fabozzi's pass-through: 400,000,000 at 8.125% gross, 7.5% net, 357 months
// remaining (age 3), 100 PSA.
TEST(ProjectionTest, TextbookPassThroughToTheDollar) {
  ModelParams m;
  m.prepay = PrepayModel::kPsa;
  m.psa = 100;
  m.sda = 0;
  Loan l = MakeLoan(400'000'000, 0.08125, 360, 3, 0.075);
  Projection p = Flat(m, l, 0.075);
  ASSERT_EQ(p.rows.size(), 357u);
  const double r = 0.08125 / 12;
  const ProjectionRow& m1 = p.rows[0];
  EXPECT_NEAR(CprToSmm(PsaCpr(100, 4)), 0.000669, 5e-7);
  EXPECT_EQ(m1.balance, 400'000'000);
  EXPECT_EQ(std::round(m1.balance * r + m1.scheduled), 2'975'868);  // payment
  EXPECT_EQ(std::round(m1.interest), 2'500'000);
  EXPECT_EQ(std::round(m1.scheduled), 267'535);
  EXPECT_EQ(std::round(m1.prepaid), 267'470);
  EXPECT_EQ(std::round(m1.cash_flow), 3'035'005);
  const ProjectionRow& m2 = p.rows[1];
  EXPECT_EQ(std::round(m2.balance), 399'464'995);
  EXPECT_EQ(std::round(m2.balance * r + m2.scheduled), 2'973'877);
  EXPECT_EQ(std::round(m2.prepaid), 334'198);
  EXPECT_EQ(std::round(m2.cash_flow), 3'100'020);
  // The pool pays down to zero.
  EXPECT_NEAR(p.principal, 400'000'000, 1e-4);
  EXPECT_EQ(
      p.rows.back().balance - p.rows.back().scheduled - p.rows.back().prepaid,
      0.0);
}

// Without defaults, discounting at the note rate gives back par for any
// prepayment vector (the S-curve one included).
TEST(ProjectionTest, ParAtTheNoteRateForAnyPrepayment) {
  Loan l = MakeLoan(250'000, 0.065, 360, 17, 0.065);
  ModelParams m;
  m.sda = 0;
  std::vector<ModelParams> models;
  for (double psa : {0.0, 50.0, 100.0, 300.0, 1000.0}) {
    m.prepay = PrepayModel::kPsa;
    m.psa = psa;
    models.push_back(m);
  }
  m.prepay = PrepayModel::kCpr;
  m.cpr = 0.35;
  models.push_back(m);
  for (const ModelParams& model : models) {
    Projection p = Flat(model, l, 0.065);
    EXPECT_NEAR(p.pv / l.balance, 1.0, 1e-12) << model.psa;
    EXPECT_NEAR(p.principal, l.balance, 1e-6);
  }
  // S-curve on a random rate path, discounted at the note rate.
  m.prepay = PrepayModel::kScurve;
  m.rates.volatility = 0.02;
  ScenarioBuilder b(m, 400);
  PathScenario path;
  b.Build(3, 11, &path);
  for (int k = 0; k <= path.months; ++k) {
    path.df[k] = 1.0 / std::pow(1 + 0.065 / 12, k);
  }
  Projection p = ProjectLoan(m, l, path);
  EXPECT_NEAR(p.pv / l.balance, 1.0, 1e-12);
}

TEST(ProjectionTest, DefaultsConservePrincipal) {
  ModelParams m;
  m.prepay = PrepayModel::kPsa;
  m.psa = 150;
  m.sda = 300;
  m.severity = 0.4;
  m.lag = 9;
  Loan l = MakeLoan(1'000'000, 0.07, 360, 0);
  Projection p = Flat(m, l, 0.07);
  EXPECT_EQ(p.rows.size(), 360u + 9u);
  EXPECT_GT(p.loss, 0);
  EXPECT_NEAR(p.principal + p.loss, l.balance, 1e-6);
  double loss = 0, recovery = 0, defaulted = 0;
  for (const auto& r : p.rows) {
    loss += r.loss;
    recovery += r.recovery;
    defaulted += r.defaulted;
  }
  EXPECT_NEAR(loss, 0.4 * defaulted, 1e-6);
  EXPECT_NEAR(recovery, 0.6 * defaulted, 1e-6);
  EXPECT_EQ(p.rows[0].loss, 0.0);  // nothing resolves before the lag
  EXPECT_NEAR(p.rows[9].loss, 0.4 * p.rows[0].defaulted, 1e-9);
}

std::string RunCommand(const std::vector<std::string>& args, int* code) {
  testing::internal::CaptureStdout();
  *code = LoanCashflowsCommand(args);
  return testing::internal::GetCapturedStdout();
}

TEST(LoanCashflowsCommandTest, CsvHasTheDocumentedHeaderAndFullPrecision) {
  int code = 0;
  std::string out = RunCommand(
      {"--balance", "400000000", "--rate", "0.08125", "--net-rate", "0.075",
       "--term", "360", "--age", "3", "--psa", "100", "--csv"},
      &code);
  ASSERT_EQ(code, 0);
  std::istringstream in(out);
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  EXPECT_EQ(header,
            "month,balance,default,interest,scheduled_principal,prepayment,"
            "loss,recovery,cash_flow");
  EXPECT_EQ(first.rfind("1,400000000,0,2500000,267534.908", 0), 0u) << first;
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  EXPECT_EQ(lines, 356);
}

TEST(LoanCashflowsCommandTest, TableAndSummary) {
  int code = 0;
  std::string out = RunCommand(
      {"--balance=100000", "--rate=0.08", "--term=360", "--sda", "100"}, &code);
  ASSERT_EQ(code, 0);
  EXPECT_NE(out.find("WAL"), std::string::npos);
  EXPECT_NE(out.find("PV at 8.0000% yield"), std::string::npos);
}

TEST(LoanCashflowsCommandTest, BadUsageExitsTwo) {
  int code = 0;
  RunCommand({"--balance", "1", "--rate", "0.08"}, &code);
  EXPECT_EQ(code, 2);  // no --term
  RunCommand({"--balance", "1", "--rate", "0.08", "--term", "360", "--psa",
              "100", "--cpr", "0.1"},
             &code);
  EXPECT_EQ(code, 2);
  RunCommand({"--balance", "1", "--rate", "8", "--term", "360"}, &code);
  EXPECT_EQ(code, 2);  // a percent where a decimal is expected
  RunCommand(
      {"--balance", "1", "--rate", "0.08", "--term", "360", "--age", "360"},
      &code);
  EXPECT_EQ(code, 2);
}

}  // namespace
}  // namespace gridless::loan
