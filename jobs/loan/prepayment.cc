#include "jobs/loan/prepayment.h"

#include <algorithm>

namespace gridless::loan {

double PsaCpr(double psa, int age) {
  double t = std::min(age, 30);
  double cpr = psa / 100.0 * 0.06 * t / 30.0;
  return std::min(cpr, 0.99);
}

std::vector<double> SmmByAge(const ModelParams& m) {
  std::vector<double> smm(kAgeTableLast + 1, 0.0);
  for (int t = 0; t <= kAgeTableLast; ++t) {
    switch (m.prepay) {
      case PrepayModel::kPsa:
        smm[t] = CprToSmm(PsaCpr(m.psa, t));
        break;
      case PrepayModel::kCpr:
        smm[t] = CprToSmm(m.cpr);
        break;
      case PrepayModel::kScurve:
        break;
    }
  }
  return smm;
}

}  // namespace gridless::loan
