// Summary statistics of per-path results: mean and standard error,
// percentiles, and the tail measures of the loss distribution.
//
// Conventions (docs/LOAN_MODEL.md):
//  * Percentile q (0..100) interpolates linearly between order statistics
//    at rank q/100 (n - 1) (the "type 7" definition of R and NumPy).
//  * VaR and expected shortfall at level a over P paths:
//    k = ceil((1 - a) P), VaR = the k-th largest loss, ES = the mean of the
//    k largest.  a is given as a fraction num/den (99/100, 999/1000) so that
//    k is computed in integers: (1 - 0.99) * 1000 is 10.000000000000009 in
//    doubles, and its ceiling would be 11.
//
// Thread-safe: pure functions.
#ifndef GRIDLESS_JOBS_LOAN_STATISTICS_H_
#define GRIDLESS_JOBS_LOAN_STATISTICS_H_

#include <cstdint>
#include <vector>

namespace gridless::loan {

struct MeanStderr {
  double mean = 0;
  double std_error = 0;  // sample standard deviation / sqrt(n); 0 when n < 2
};
MeanStderr Summarize(const std::vector<double>& x);

// REQUIRES: sorted ascending, not empty; 0 <= q <= 100.
double Percentile(const std::vector<double>& sorted, double q);

struct TailRisk {
  double var = 0;
  double es = 0;
  int64_t k = 0;  // how many of the largest losses the ES averages
};
// REQUIRES: sorted ascending, not empty; 0 < num < den.
TailRisk VarEs(const std::vector<double>& sorted_losses, int64_t num,
               int64_t den);

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_STATISTICS_H_
