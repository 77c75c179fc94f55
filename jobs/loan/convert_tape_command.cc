// `gridless convert-tape IN --out FILE.gtape`: reads a text loan tape of any
// layout (with the job parameters' skip_bad_rows / as_of meanings) and writes
// it as a columnar .gtape (gtape.h) that loan-mc plans from its header and
// workers map block by block.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "jobs/loan/gtape.h"
#include "jobs/loan/loan_commands.h"
#include "jobs/loan/tape.h"

namespace gridless {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

int Usage(const std::string& message) {
  std::fprintf(stderr, "convert-tape: %s (see gridless convert-tape --help)\n",
               message.c_str());
  return 2;
}

}  // namespace

int ConvertTapeCommand(const std::vector<std::string>& args) {
  FlagSet flags("gridless convert-tape",
                "Converts a loan tape (fannie-sflp, fannie-acq, freddie-orig, "
                "csv) to a columnar .gtape: loan-mc plans it from its header "
                "and workers map only their block.");
  std::string out, format = "auto", as_of;
  bool skip_bad_rows = false;
  flags.String("out", &out, "the .gtape to write (required)");
  flags.String("format", &format,
               "layout of the input: auto, fannie-sflp, fannie-acq, "
               "freddie-orig or csv");
  flags.Bool("skip-bad-rows", &skip_bad_rows,
             "skip (and count) bad rows instead of refusing the tape");
  flags.String("as-of", &as_of,
               "YYYY-MM: age origination tapes to this month (as the job's "
               "\"as_of\")");
  if (auto s = flags.Parse(args); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (flags.help()) {
    std::printf("%s", flags.Usage("TAPE").c_str());
    return 0;
  }
  if (flags.positional().size() != 1) return Usage("give one input tape");
  if (out.empty()) return Usage("--out FILE.gtape is required");
  const std::string& in = flags.positional()[0];
  if (loan::IsGtapeFile(in)) return Usage(in + " is already a .gtape");

  loan::TapeOptions options;
  auto f = loan::ParseTapeFormat(format);
  if (!f.ok()) return Usage(std::string(f.status().message()));
  options.format = *f;
  options.skip_bad_rows = skip_bad_rows;
  if (!as_of.empty()) {
    auto month = loan::ParseYearMonth(as_of);
    if (!month.ok())
      return Usage(absl::StrCat("flag --as-of: ", month.status().message()));
    options.as_of = *month;
  }

  const auto t0 = std::chrono::steady_clock::now();
  std::fprintf(stderr, "convert-tape: reading %s ...\n", in.c_str());
  auto tape = loan::ReadTape(in, options);
  if (!tape.ok()) {
    std::fprintf(stderr, "convert-tape: %s\n",
                 std::string(tape.status().message()).c_str());
    return 1;
  }
  std::fprintf(stderr,
               "convert-tape: read %zu loans from %lld rows (%lld skipped) "
               "in %.1f s; writing %s ...\n",
               tape->loans.size(), static_cast<long long>(tape->rows),
               static_cast<long long>(tape->skipped_rows), SecondsSince(t0),
               out.c_str());
  if (auto s = loan::WriteGtape(*tape, tape->format, out); !s.ok()) {
    std::fprintf(stderr, "convert-tape: %s\n",
                 std::string(s.message()).c_str());
    return 1;
  }
  std::printf("wrote %zu loans (%s, converted from %s) to %s in %.1f s\n",
              tape->loans.size(), "gtape",
              std::string(loan::TapeFormatName(tape->format)).c_str(),
              out.c_str(), SecondsSince(t0));
  return 0;
}

}  // namespace gridless
