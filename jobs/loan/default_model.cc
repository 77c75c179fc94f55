#include "jobs/loan/default_model.h"

#include <algorithm>

#include "jobs/loan/prepayment.h"

namespace gridless::loan {

double SdaCdr(double sda, int age) {
  double t = age;
  double base;
  if (age <= 30) {
    base = 0.0002 * t;
  } else if (age <= 60) {
    base = 0.006;
  } else if (age <= 120) {
    base = 0.006 - 0.000095 * (t - 60.0);
  } else {
    base = 0.0003;
  }
  return std::min(sda / 100.0 * base, 0.99);
}

std::vector<double> MdrByAge(const ModelParams& m) {
  std::vector<double> mdr(kAgeTableLast + 1, 0.0);
  for (int t = 0; t <= kAgeTableLast; ++t) {
    double cdr = m.defaults == DefaultModel::kSda ? SdaCdr(m.sda, t) : m.cdr;
    mdr[t] = CprToSmm(cdr);
  }
  return mdr;
}

}  // namespace gridless::loan
