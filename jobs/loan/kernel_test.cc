// The vectorized kernel against the scalar reference (same model, libm
// forms), its AVX2 clone against the baseline (bit for bit), and a loan in a
// block against the same loan traced alone (bit for bit).
#include "jobs/loan/kernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "jobs/loan/default_model.h"
#include "jobs/loan/loan_block.h"
#include "jobs/loan/prepayment.h"
#include "jobs/loan/scalar_reference.h"
#include "jobs/loan/synthetic.h"

namespace gridless::loan {
namespace {

struct Outputs {
  std::vector<double> pv, cf, loss, prin, walnum, bal, h, smm, ri;
  explicit Outputs(int n)
      : pv(n),
        cf(n),
        loss(n),
        prin(n),
        walnum(n),
        bal(n),
        h(n),
        smm(n),
        ri(n) {}
  KernelOut out() {
    return {pv.data(), cf.data(), loss.data(), prin.data(), walnum.data()};
  }
  KernelScratch scratch() {
    return {bal.data(), h.data(), smm.data(), ri.data()};
  }
};

class KernelTest : public testing::TestWithParam<PrepayModel> {
 protected:
  void SetUp() override {
    m_.prepay = GetParam();
    m_.psa = 175;
    m_.cpr = 0.12;
    m_.sda = 250;
    m_.rates.volatility = 0.015;
    m_.default_rate_sensitivity = 8;
    m_.lag = 7;
    loans_ = SyntheticLoans(301, 5);
    loans_[3].net_rate = 0.03;                         // an explicit net rate
    loans_[4].orig_balance = loans_[4].balance * 0.5;  // capped burnout
    smm_ = SmmByAge(m_);
    mdr_ = MdrByAge(m_);
    builder_ = std::make_unique<ScenarioBuilder>(m_, 480 + m_.lag);
    builder_->Build(9, 2, &path_);
  }
  KernelModel Model() const {
    return {m_.prepay == PrepayModel::kScurve, smm_.data(), mdr_.data(),
            m_.severity, m_.lag};
  }
  KernelPath Path() const {
    return {path_.months, path_.df.data(), path_.mortgage_rate.data(),
            path_.seasonality.data(), path_.default_factor.data()};
  }

  ModelParams m_;
  std::vector<Loan> loans_;
  std::vector<double> smm_, mdr_;
  std::unique_ptr<ScenarioBuilder> builder_;
  PathScenario path_;
};

TEST_P(KernelTest, AgreesWithTheScalarReference) {
  LoanBlock block =
      MakeLoanBlock(loans_.data(), loans_.size(), m_.servicing_fee);
  Outputs o(block.n);
  ProjectBlock(Model(), block.View(), Path(), o.scratch(), o.out());
  double worst = 0;
  for (int i = 0; i < block.n; ++i) {
    const Loan& l = loans_[block.order[i]];
    LoanTotals ref = ReferenceProject(m_, l, path_);
    auto rel = [&](double got, double want) {
      return std::fabs(got - want) /
             std::max(std::fabs(want), l.balance * 1e-6);
    };
    worst = std::max({worst, rel(o.pv[i], ref.pv), rel(o.cf[i], ref.cf),
                      rel(o.loss[i], ref.loss), rel(o.prin[i], ref.prin),
                      rel(o.walnum[i] / 360, ref.walnum / 360)});
  }
  EXPECT_LT(worst, 1e-10);
  EXPECT_GT(o.loss[0], 0);
}

TEST_P(KernelTest, AvxCloneEqualsBaselineBitForBit) {
  LoanBlock block =
      MakeLoanBlock(loans_.data(), loans_.size(), m_.servicing_fee);
  Outputs a(block.n), b(block.n);
  ProjectBlock(Model(), block.View(), Path(), a.scratch(), a.out());
  ProjectBlockBaseline(Model(), block.View(), Path(), b.scratch(), b.out());
  for (auto [x, y] : {std::pair{&a.pv, &b.pv},
                      {&a.cf, &b.cf},
                      {&a.loss, &b.loss},
                      {&a.prin, &b.prin},
                      {&a.walnum, &b.walnum}}) {
    EXPECT_EQ(std::memcmp(x->data(), y->data(), x->size() * sizeof(double)), 0);
  }
  std::printf("kernel clone on this CPU: %s\n", KernelIsa());
}

TEST_P(KernelTest, LoanInABlockEqualsTheLoanTracedAlone) {
  LoanBlock block =
      MakeLoanBlock(loans_.data(), loans_.size(), m_.servicing_fee);
  Outputs o(block.n);
  ProjectBlock(Model(), block.View(), Path(), o.scratch(), o.out());
  for (int i : {0, 1, 77, 150, 300}) {
    LoanBlock one = MakeLoanBlock(&loans_[block.order[i]], 1, m_.servicing_fee);
    double pv, cf, loss, prin, walnum;
    std::vector<MonthTrace> trace;
    ProjectTraced(Model(), one.View(), Path(),
                  {&pv, &cf, &loss, &prin, &walnum}, &trace);
    EXPECT_EQ(trace.size(), static_cast<size_t>(one.rem[0]));
    EXPECT_EQ(pv, o.pv[i]) << i;
    EXPECT_EQ(cf, o.cf[i]) << i;
    EXPECT_EQ(loss, o.loss[i]) << i;
    EXPECT_EQ(prin, o.prin[i]) << i;
    EXPECT_EQ(walnum, o.walnum[i]) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, KernelTest,
                         testing::Values(PrepayModel::kScurve,
                                         PrepayModel::kPsa, PrepayModel::kCpr));

}  // namespace
}  // namespace gridless::loan
