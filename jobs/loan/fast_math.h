// Deterministic, vectorizable elementary functions for the loan model.
//
// Every function here uses only IEEE-754 basic operations (+ - * / and
// selects), never libm.  Two consequences the loan-mc kind relies on:
//  * the same input gives the same bits on every CPU and in every code path
//    (a vectorized AVX2 clone, the SSE2 baseline, the scalar trace used by
//    `gridless loan-cashflows`), provided the file is compiled with
//    -ffp-contract=off (gridless_loan is);
//  * GCC can vectorize a loop that calls them (they are branch-free: the
//    branches are selects that if-convert into blends).
//
// Accuracy (checked against libm in fast_math_test.cc): ExpDet, Log1pDet,
// Expm1Det and AtanDet are within 4 ulp (a relative 1e-15) on their domains.
//
// Thread-safe: pure functions.
#ifndef GRIDLESS_JOBS_LOAN_FAST_MATH_H_
#define GRIDLESS_JOBS_LOAN_FAST_MATH_H_

#include <bit>
#include <cstdint>

namespace gridless::loan {

// |x| without libm (clears the sign bit).
inline double AbsDet(double x) { return x < 0.0 ? -x : x; }

// e^x for x in [-700, 700] (clamped outside).  Cody-Waite reduction
// x = k ln2 + r, |r| <= ln2/2, then a degree-13 Taylor polynomial.
inline double ExpDet(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // 32 trailing zeros
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  constexpr double kShifter = 0x1.8p52;
  x = x > 700.0 ? 700.0 : x;
  x = x < -700.0 ? -700.0 : x;
  double t = x * kInvLn2 + kShifter;  // rounds k into the low mantissa bits
  double k = t - kShifter;
  double r = (x - k * kLn2Hi) - k * kLn2Lo;
  // Taylor coefficients 1/n!, n = 13 .. 2.
  double p = 1.6059043836821613e-10;
  p = p * r + 2.08767569878680989792e-09;
  p = p * r + 2.50521083854417187751e-08;
  p = p * r + 2.75573192239858906526e-07;
  p = p * r + 2.75573192239858906526e-06;
  p = p * r + 2.48015873015873015873e-05;
  p = p * r + 1.98412698412698412698e-04;
  p = p * r + 1.38888888888888888889e-03;
  p = p * r + 8.33333333333333333333e-03;
  p = p * r + 4.16666666666666666667e-02;
  p = p * r + 1.66666666666666666667e-01;
  p = p * r + 0.5;
  double er = 1.0 + (r + r * r * p);
  int64_t ki = std::bit_cast<int64_t>(t) - std::bit_cast<int64_t>(kShifter);
  double scale = std::bit_cast<double>(static_cast<uint64_t>(ki + 1023) << 52);
  return er * scale;
}

// e^x - 1 for |x| <= 0.4 (the argument range of CprToSmm): a degree-13
// Taylor polynomial, accurate in relative terms even for tiny x.
inline double Expm1Det(double x) {
  double p = 1.6059043836821613e-10;
  p = p * x + 2.08767569878680989792e-09;
  p = p * x + 2.50521083854417187751e-08;
  p = p * x + 2.75573192239858906526e-07;
  p = p * x + 2.75573192239858906526e-06;
  p = p * x + 2.48015873015873015873e-05;
  p = p * x + 1.98412698412698412698e-04;
  p = p * x + 1.38888888888888888889e-03;
  p = p * x + 8.33333333333333333333e-03;
  p = p * x + 4.16666666666666666667e-02;
  p = p * x + 1.66666666666666666667e-01;
  p = p * x + 0.5;
  return x + x * x * p;
}

// e^x - 1 for |x| <= 0.1 (the S-curve's range, |x| <= 0.081): a degree-10
// Taylor polynomial, evaluated in two halves to shorten the dependency chain
// (error below 1e-17 relative from truncation).
inline double Expm1SmallDet(double x) {
  double x2 = x * x;
  // 1/2 + x/6 + x^2/24 + x^3/120 + x^4/720 and the next five terms.
  double lo =
      0.5 + x * 1.66666666666666666667e-01 +
      x2 * (4.16666666666666666667e-02 + x * 8.33333333333333333333e-03 +
            x2 * 1.38888888888888888889e-03);
  double hi =
      1.98412698412698412698e-04 + x * 2.48015873015873015873e-05 +
      x2 * (2.75573192239858906526e-06 + x * 2.75573192239858906526e-07);
  double x5 = x2 * x2 * x;
  return x + x2 * (lo + x5 * hi);
}

// ln(x) for a positive normal x (fdlibm's e_log.c algorithm, branch-free):
// x = 2^k m with m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f).
inline double LogDet(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kLg1 = 6.666666666666735130e-01;
  constexpr double kLg2 = 3.999999999940941908e-01;
  constexpr double kLg3 = 2.857142874366239149e-01;
  constexpr double kLg4 = 2.222219843214978396e-01;
  constexpr double kLg5 = 1.818357216161805012e-01;
  constexpr double kLg6 = 1.531383769920937332e-01;
  constexpr double kLg7 = 1.479819860511658591e-01;
  uint64_t bits = std::bit_cast<uint64_t>(x);
  // The mantissa with exponent 0 (m in [1, 2)), halved when >= sqrt(2).
  uint64_t mant = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
  double m = std::bit_cast<double>(mant);
  bool high = m >= 1.41421356237309504880;
  m = high ? m * 0.5 : m;
  // The biased exponent as a double, without an int->double conversion.
  double e =
      std::bit_cast<double>((bits >> 52) | 0x4330000000000000ull) - 0x1.0p52;
  double k = e - 1023.0 + (high ? 1.0 : 0.0);
  double f = m - 1.0;
  double s = f / (2.0 + f);
  double z = s * s;
  double w = z * z;
  double t1 = w * (kLg2 + w * (kLg4 + w * kLg6));
  double t2 = z * (kLg1 + w * (kLg3 + w * (kLg5 + w * kLg7)));
  double r = t2 + t1;
  double hfsq = 0.5 * f * f;
  return k * kLn2Hi - ((hfsq - (s * (hfsq + r) + k * kLn2Lo)) - f);
}

// ln(1 + x) for x in (-1, 1], accurate in relative terms for tiny x: the
// rounding error of 1 + x is added back (to first order).
inline double Log1pDet(double x) {
  double u = 1.0 + x;
  double err = (x - (u - 1.0)) * (2.0 - u);  // ~ (x - (u - 1)) / u
  return LogDet(u) + err;
}

// atan(x) for any finite x (Cephes atan.c, branch-free): reduced to
// [0, 0.66] by atan(x) = pi/2 + atan(-1/x) or pi/4 + atan((x-1)/(x+1)), then
// a rational approximation.
inline double AtanDet(double x) {
  constexpr double kT3P8 = 2.41421356237309504880;  // tan(3 pi / 8)
  constexpr double kPio2 = 1.57079632679489661923;
  constexpr double kPio4 = 7.85398163397448309616e-01;
  constexpr double kMoreBits = 6.123233995736765886130e-17;
  double ax = AbsDet(x);
  bool big = ax > kT3P8;
  bool mid = ax > 0.66;
  double num = big ? -1.0 : (mid ? ax - 1.0 : ax);
  double den = big ? ax : (mid ? ax + 1.0 : 1.0);
  double y0 = big ? kPio2 : (mid ? kPio4 : 0.0);
  double more = big ? kMoreBits : (mid ? 0.5 * kMoreBits : 0.0);
  double xr = num / den;
  double z = xr * xr;
  double p = -8.750608600031904122785e-01;
  p = p * z - 1.615753718733365076637e+01;
  p = p * z - 7.500855792314704667340e+01;
  p = p * z - 1.228866684490136173410e+02;
  p = p * z - 6.485021904942025371773e+01;
  double q = z + 2.485846490142306297962e+01;
  q = q * z + 1.650270098316988542046e+02;
  q = q * z + 4.328810604912902668951e+02;
  q = q * z + 4.853903996359136964868e+02;
  q = q * z + 1.945506571482613964425e+02;
  double r = y0 + ((xr * (z * p / q) + xr) + more);
  return x < 0.0 ? -r : r;
}

// x^n for x > 0 and a whole n >= 0, as exp(n ln x): within ~2 ulp (binary
// powering would accumulate ~n roundings, a relative 4e-14 at n = 360).
inline double IntPowDet(double x, int n) {
  return n == 0 ? 1.0 : ExpDet(static_cast<double>(n) * LogDet(x));
}

}  // namespace gridless::loan

#endif  // GRIDLESS_JOBS_LOAN_FAST_MATH_H_
