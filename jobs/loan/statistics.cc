#include "jobs/loan/statistics.h"

#include <algorithm>
#include <cmath>

namespace gridless::loan {

MeanStderr Summarize(const std::vector<double>& x) {
  MeanStderr out;
  if (x.empty()) return out;
  double n = static_cast<double>(x.size());
  double sum = 0;
  for (double v : x) sum += v;
  out.mean = sum / n;
  if (x.size() < 2) return out;
  double ss = 0;
  for (double v : x) ss += (v - out.mean) * (v - out.mean);
  out.std_error = std::sqrt(ss / (n - 1) / n);
  return out;
}

double Percentile(const std::vector<double>& sorted, double q) {
  double pos = q / 100.0 * static_cast<double>(sorted.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return sorted[lo] + frac * (sorted[hi] - sorted[lo]);
}

TailRisk VarEs(const std::vector<double>& sorted_losses, int64_t num,
               int64_t den) {
  int64_t p = static_cast<int64_t>(sorted_losses.size());
  // k = ceil((1 - num/den) p) = ceil((den - num) p / den).
  int64_t k = ((den - num) * p + den - 1) / den;
  k = std::max<int64_t>(1, std::min(k, p));
  TailRisk out;
  out.k = k;
  out.var = sorted_losses[p - k];
  double sum = 0;
  for (int64_t i = p - k; i < p; ++i) sum += sorted_losses[i];
  out.es = sum / static_cast<double>(k);
  return out;
}

}  // namespace gridless::loan
