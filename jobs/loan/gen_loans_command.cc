// `gridless gen-loans --count N --format F --out FILE [--seed S]`: writes a
// synthetic loan tape (synthetic.h).
#include <cstdio>

#include "common/flags.h"
#include "jobs/loan/loan_commands.h"
#include "jobs/loan/synthetic.h"
#include "jobs/loan/tape.h"

namespace gridless {

int GenLoansCommand(const std::vector<std::string>& args) {
  FlagSet flags("gridless gen-loans",
                "Writes a synthetic loan tape with plausible balances, rates, "
                "terms, ages, FICO, LTV and states.");
  int64_t count = 10000;
  std::string format = "csv";
  std::string out;
  int64_t seed = 1;
  flags.Int("count", &count, 1, 1'000'000'000, "active loans to write");
  flags.String("format", &format,
               "fannie-sflp, fannie-acq, freddie-orig or csv");
  flags.String("out", &out, "file to write (required)");
  flags.Int("seed", &seed, 0, int64_t{1} << 53,
            "random seed: the same seed gives the same tape");
  if (auto s = flags.Parse(args); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (flags.help()) {
    std::printf("%s", flags.Usage().c_str());
    return 0;
  }
  if (out.empty() || !flags.positional().empty()) {
    std::fprintf(stderr, "gen-loans: %s (see gridless gen-loans --help)\n",
                 out.empty() ? "--out FILE is required"
                             : "unexpected positional argument");
    return 2;
  }
  auto f = loan::ParseTapeFormat(format);
  if (!f.ok() || *f == loan::TapeFormat::kAuto) {
    std::fprintf(stderr,
                 "gen-loans: flag --format: expected fannie-sflp, fannie-acq, "
                 "freddie-orig or csv, got \"%s\"\n",
                 format.c_str());
    return 2;
  }
  if (auto s = loan::WriteSyntheticTape(out, *f, count, seed); !s.ok()) {
    std::fprintf(stderr, "gen-loans: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("wrote %lld loans (%s) to %s\n", static_cast<long long>(count),
              format.c_str(), out.c_str());
  if (*f == loan::TapeFormat::kFannieAcq ||
      *f == loan::TapeFormat::kFreddieOrig) {
    std::printf(
        "note: an origination file; set \"as_of\": \"2024-06\" in the job to "
        "age the loans to the synthetic reporting month\n");
  }
  return 0;
}

}  // namespace gridless
