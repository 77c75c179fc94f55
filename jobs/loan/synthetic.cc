#include "jobs/loan/synthetic.h"

#include <unistd.h>

#include <algorithm>
#include <boost/random/normal_distribution.hpp>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/atomic_file.h"
#include "jobs/loan/amortization.h"
#include "jobs/random.h"

namespace gridless::loan {
namespace {

struct StateWeight {
  const char* state;
  double weight;
};
constexpr StateWeight kStates[] = {
    {"CA", 11.7}, {"TX", 9.0}, {"FL", 6.7}, {"NY", 5.9}, {"PA", 3.9},
    {"IL", 3.8},  {"OH", 3.5}, {"GA", 3.3}, {"NC", 3.2}, {"MI", 3.0},
    {"NJ", 2.8},  {"VA", 2.6}, {"WA", 2.4}, {"AZ", 2.2}, {"MA", 2.1},
    {"TN", 2.1},  {"IN", 2.0}, {"MD", 1.8}, {"MO", 1.8}, {"WI", 1.8},
    {"CO", 1.8},  {"MN", 1.7}, {"SC", 1.6}, {"AL", 1.5}, {"LA", 1.4},
    {"KY", 1.3},  {"OR", 1.3}, {"OK", 1.2}, {"CT", 1.1}, {"UT", 1.0},
    {"IA", 1.0},  {"NV", 0.9}, {"AR", 0.9}, {"MS", 0.9}, {"KS", 0.9},
    {"NM", 0.6},  {"NE", 0.6}, {"ID", 0.6}, {"WV", 0.5}, {"HI", 0.4},
    {"NH", 0.4},  {"ME", 0.4}, {"MT", 0.3}, {"RI", 0.3}, {"DE", 0.3},
    {"SD", 0.3},  {"ND", 0.2}, {"AK", 0.2}, {"DC", 0.2}, {"VT", 0.2},
    {"WY", 0.2}};

// A loan with the dates the layouts need.
struct Drawn {
  Loan loan;
  int first_pay;  // year * 12 + month - 1
  int channel;    // 0 retail, 1 broker, 2 correspondent
  int purpose;    // 0 purchase, 1 refinance, 2 cash-out
  int borrowers;
};

double Clamp(double x, double lo, double hi) {
  return std::min(hi, std::max(lo, x));
}

Drawn Draw(uint64_t seed, uint64_t index) {
  PhiloxStream rng(seed, kSyntheticStream, index);
  boost::random::normal_distribution<double> normal;
  Drawn d;
  Loan& l = d.loan;
  l.id = absl::StrCat(100000000000ull + index);
  double u = rng.Uniform01Open();
  l.term = u < 0.80 ? 360 : (u < 0.95 ? 180 : 240);
  double rate = Clamp(4.6 + 1.1 * normal(rng), 2.0, 8.5);
  l.rate = std::round(rate * 8.0) / 800.0;
  double bal = std::exp(std::log(240000.0) + 0.5 * normal(rng));
  l.orig_balance = std::round(Clamp(bal, 30000, 1500000) / 1000.0) * 1000.0;
  int max_age = std::min(120, l.term - 1);
  l.age = static_cast<int>(std::pow(rng.Uniform01Open(), 1.5) * (max_age + 1));
  l.remaining = l.term - l.age;
  l.balance = std::round(ScheduledBalance(l.orig_balance, l.rate / 12.0, l.term,
                                          l.age) *
                         100.0) /
              100.0;
  l.fico = static_cast<int>(Clamp(745 + 45 * normal(rng), 580, 850));
  l.ltv = std::round(Clamp(75 + 15 * normal(rng), 20, 97));
  l.dti = std::round(Clamp(35 + 9 * normal(rng), 5, 50));
  double total = 0;
  for (const auto& s : kStates) total += s.weight;
  double pick = rng.Uniform01Open() * total;
  l.state = kStates[0].state;
  for (const auto& s : kStates) {
    if (pick < s.weight) {
      l.state = s.state;
      break;
    }
    pick -= s.weight;
  }
  d.first_pay = kSyntheticAsOf - l.age;
  d.channel = static_cast<int>(rng() % 3);
  d.purpose = static_cast<int>(rng() % 3);
  d.borrowers = 1 + static_cast<int>(rng() % 2);
  return d;
}

std::string Mmyyyy(int m) {
  return absl::StrFormat("%02d%04d", m % 12 + 1, m / 12);
}
std::string MmSlashYyyy(int m) {
  return absl::StrFormat("%02d/%04d", m % 12 + 1, m / 12);
}
std::string Yyyymm(int m) {
  return absl::StrFormat("%04d%02d", m / 12, m % 12 + 1);
}
std::string Money(double x) { return absl::StrFormat("%.2f", x); }
std::string Percent(double decimal) {
  return absl::StrFormat("%.3f", decimal * 100.0);
}

const char* kChannel[] = {"R", "B", "C"};
const char* kPurpose[] = {"P", "R", "C"};

// f[i] = v, through a constructed string: assigning a char* in place trips a
// false -Wrestrict in GCC 12 (PR105329).
void Put(std::vector<std::string>& f, int i, std::string_view v) {
  f[i] = std::string(v);
}

// One Fannie SFLP row (108 fields) for loan d in reporting month `period`.
std::string SflpRow(const Drawn& d, int period, double current_upb,
                    const char* zero_balance_code) {
  const Loan& l = d.loan;
  std::vector<std::string> f(108);
  int age = period - d.first_pay;
  Put(f, 1, l.id);
  Put(f, 2, Mmyyyy(period));
  Put(f, 3, kChannel[d.channel]);
  Put(f, 4, "Other");
  Put(f, 5, "Other");
  Put(f, 7, Percent(l.rate));
  Put(f, 8, Percent(l.rate));
  Put(f, 9, Money(l.orig_balance));
  Put(f, 11, Money(current_upb));
  Put(f, 12, absl::StrCat(l.term));
  Put(f, 13, Mmyyyy(d.first_pay - 1));
  Put(f, 14, Mmyyyy(d.first_pay));
  Put(f, 15, absl::StrCat(age));
  Put(f, 16, absl::StrCat(l.term - age));
  Put(f, 17, absl::StrCat(l.term - age));
  Put(f, 18, Mmyyyy(d.first_pay + l.term - 1));
  Put(f, 19, absl::StrCat(l.ltv));
  Put(f, 20, absl::StrCat(l.ltv));
  Put(f, 21, absl::StrCat(d.borrowers));
  Put(f, 22, absl::StrCat(l.dti));
  Put(f, 23, absl::StrCat(l.fico));
  Put(f, 25, "N");
  Put(f, 26, kPurpose[d.purpose]);
  Put(f, 27, "SF");
  Put(f, 28, "1");
  Put(f, 29, "P");
  Put(f, 30, l.state);
  Put(f, 31, "00000");
  Put(f, 32, "000");
  Put(f, 34, "FRM");
  Put(f, 39, "00");
  Put(f, 43, zero_balance_code);
  return absl::StrJoin(f, "|");
}

std::string AcqRow(const Drawn& d) {
  const Loan& l = d.loan;
  std::vector<std::string> f = {l.id,
                                kChannel[d.channel],
                                "OTHER",
                                Percent(l.rate),
                                absl::StrCat(l.orig_balance),
                                absl::StrCat(l.term),
                                MmSlashYyyy(d.first_pay - 1),
                                MmSlashYyyy(d.first_pay),
                                absl::StrCat(l.ltv),
                                absl::StrCat(l.ltv),
                                absl::StrCat(d.borrowers),
                                absl::StrCat(l.dti),
                                absl::StrCat(l.fico),
                                "N",
                                kPurpose[d.purpose],
                                "SF",
                                "1",
                                "P",
                                l.state,
                                "000",
                                "",
                                "FRM",
                                "",
                                "",
                                "N"};
  return absl::StrJoin(f, "|");
}

std::string FreddieRow(const Drawn& d, uint64_t index) {
  const Loan& l = d.loan;
  int year = (d.first_pay - 1) / 12;
  int quarter = ((d.first_pay - 1) % 12) / 3 + 1;
  std::string id = absl::StrFormat("F%02dQ%d%07d", year % 100, quarter,
                                   static_cast<int>(index % 10000000));
  std::vector<std::string> f = {absl::StrCat(l.fico),
                                Yyyymm(d.first_pay),
                                "N",
                                Yyyymm(d.first_pay + l.term - 1),
                                "",
                                "0",
                                "1",
                                "P",
                                absl::StrCat(l.ltv),
                                absl::StrCat(l.dti),
                                absl::StrCat(l.orig_balance),
                                absl::StrCat(l.ltv),
                                Percent(l.rate),
                                kChannel[d.channel],
                                "N",
                                "FRM",
                                l.state,
                                "SF",
                                "00000",
                                id,
                                kPurpose[d.purpose],
                                absl::StrCat(l.term),
                                absl::StrCat(d.borrowers),
                                "Other sellers",
                                "Other servicers",
                                "",
                                "",
                                "9",
                                "",
                                "9",
                                "N",
                                ""};
  return absl::StrJoin(f, "|");
}

std::string CsvRow(const Loan& l) {
  return absl::StrCat(l.id, ",", Money(l.balance), ",",
                      absl::StrFormat("%.5f", l.rate), ",", l.term, ",", l.age,
                      ",", l.remaining, ",", Money(l.orig_balance), ",", l.fico,
                      ",", l.ltv, ",", l.dti, ",", l.state);
}

}  // namespace

Loan SyntheticLoan(uint64_t seed, uint64_t index) {
  return Draw(seed, index).loan;
}

std::vector<Loan> SyntheticLoans(int64_t count, uint64_t seed) {
  std::vector<Loan> loans;
  loans.reserve(count);
  for (int64_t i = 0; i < count; ++i) loans.push_back(SyntheticLoan(seed, i));
  return loans;
}

absl::Status WriteSyntheticTape(const std::string& path, TapeFormat format,
                                int64_t count, uint64_t seed) {
  if (format == TapeFormat::kAuto) {
    return absl::InvalidArgumentError("a synthetic tape needs a format");
  }
  // common/atomic_file.h: fsynced, and never half a tape under `path`.
  AtomicFileWriter file;
  if (auto s = file.Open(path); !s.ok()) return s;
  std::string out;
  auto line = [&out](std::string_view row) {
    out.append(row.data(), row.size());
    out.push_back('\n');
  };
  if (format == TapeFormat::kCsv) {
    line(
        "loan_id,balance,rate,term,age,remaining,orig_balance,fico,ltv,dti,"
        "state");
  }
  for (int64_t i = 0; i < count; ++i) {
    Drawn d = Draw(seed, i);
    switch (format) {
      case TapeFormat::kFannieSflp: {
        const Loan& l = d.loan;
        if (l.age > 0) {
          double prev = ScheduledBalance(l.orig_balance, l.rate / 12.0, l.term,
                                         l.age - 1);
          line(
              SflpRow(d, kSyntheticAsOf - 1, std::round(prev * 100) / 100, ""));
        }
        line(SflpRow(d, kSyntheticAsOf, l.balance, ""));
        if (i % 50 == 49) {  // a loan that paid off last month
          Drawn gone = Draw(seed ^ 0x9E3779B97F4A7C15ull, i);
          gone.loan.id = absl::StrCat(900000000000ull + i);
          line(SflpRow(gone, kSyntheticAsOf - 1, gone.loan.balance, ""));
          line(SflpRow(gone, kSyntheticAsOf, 0.0, "01"));
        }
        break;
      }
      case TapeFormat::kFannieAcq:
        line(AcqRow(d));
        break;
      case TapeFormat::kFreddieOrig:
        line(FreddieRow(d, i));
        break;
      case TapeFormat::kCsv:
        line(CsvRow(d.loan));
        break;
      case TapeFormat::kAuto:
        break;
    }
    if (out.size() >= (1 << 20)) {
      if (auto s = file.Append(out); !s.ok()) return s;
      out.clear();
    }
  }
  if (auto s = file.Append(out); !s.ok()) return s;
  return file.Commit();
}

}  // namespace gridless::loan
