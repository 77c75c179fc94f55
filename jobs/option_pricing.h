// Closed-form Black-Scholes(-Merton) price of a European option, the check
// value `option-mc` reports beside its estimate.  Pure functions.
#ifndef GRIDLESS_JOBS_OPTION_PRICING_H_
#define GRIDLESS_JOBS_OPTION_PRICING_H_

#include <cmath>

namespace gridless {

// Standard normal CDF.
inline double NormalCdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

// Rates, dividend yield and volatility are continuous decimals; maturity in
// years.  Requires spot, strike, volatility, maturity > 0.
inline double BlackScholesPrice(bool call, double spot, double strike,
                                double rate, double dividend, double volatility,
                                double maturity) {
  double sd = volatility * std::sqrt(maturity);
  double d1 = (std::log(spot / strike) +
               (rate - dividend + 0.5 * volatility * volatility) * maturity) /
              sd;
  double d2 = d1 - sd;
  double fwd_spot = spot * std::exp(-dividend * maturity);
  double disc_strike = strike * std::exp(-rate * maturity);
  return call ? fwd_spot * NormalCdf(d1) - disc_strike * NormalCdf(d2)
              : disc_strike * NormalCdf(-d2) - fwd_spot * NormalCdf(-d1);
}

}  // namespace gridless

#endif  // GRIDLESS_JOBS_OPTION_PRICING_H_
