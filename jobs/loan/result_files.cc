// The files a loan-mc job writes under "out": summary.json (the result),
// paths.csv (one row per path) and loans.csv (one row per loan, when asked).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/atomic_file.h"
#include "google/protobuf/util/json_util.h"
#include "jobs/loan/results.h"

namespace gridless::loan {

absl::Status WriteResultFiles(const LoanJobParams& p, const LoanPartial& acc,
                              const google::protobuf::Struct& result,
                              const LoanSource* loans) {
  std::error_code ec;
  std::filesystem::create_directories(p.out, ec);
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat(
        "parameter \"out\": cannot create \"", p.out, "\": ", ec.message()));
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  if (auto s =
          google::protobuf::util::MessageToJsonString(result, &json, options);
      !s.ok()) {
    return absl::InternalError(absl::StrCat("summary.json: ", s.ToString()));
  }
  if (auto s = WriteFileAtomically(p.out + "/summary.json", json); !s.ok()) {
    return s;
  }
  if (p.per_path) {
    std::string csv =
        "path,pv,cash_flow,loss,wal_years,df_1y,df_5y,df_10y,df_30y\n";
    uint64_t n = acc.header.path_end - acc.header.path_begin;
    for (uint64_t i = 0; i < n; ++i) {
      const double* row = &acc.paths[i * kNumPathFields];
      double wal =
          row[kPathPrin] > 0 ? row[kPathWalNum] / row[kPathPrin] / 12 : 0.0;
      absl::StrAppendFormat(
          &csv, "%d,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n",
          acc.header.path_begin + i, row[kPathPv], row[kPathCf], row[kPathLoss],
          wal, row[kPathDf1], row[kPathDf5], row[kPathDf10], row[kPathDf30]);
    }
    if (auto s = WriteFileAtomically(p.out + "/paths.csv", csv); !s.ok())
      return s;
  }
  if (p.per_loan) {
    if (loans == nullptr || acc.header.loan_begin != 0 ||
        acc.header.loan_end != loans->size()) {
      return absl::DataLossError(
          "loans.csv: the per-loan results do not cover the tape");
    }
    double paths = static_cast<double>(p.paths);
    std::string csv = "loan_id,pv_mean,pv_stderr,expected_loss\n";
    for (uint64_t l = 0; l < loans->size(); ++l) {
      const double* row = &acc.loans[l * kNumLoanFields];
      double mean = row[kLoanPv] / paths;
      double var = paths > 1
                       ? std::max(0.0, (row[kLoanPv2] - paths * mean * mean) /
                                           (paths - 1))
                       : 0.0;
      absl::StrAppendFormat(&csv, "%s,%.17g,%.17g,%.17g\n", loans->Id(l), mean,
                            std::sqrt(var / paths), row[kLoanLoss] / paths);
    }
    if (auto s = WriteFileAtomically(p.out + "/loans.csv", csv); !s.ok())
      return s;
  }
  return absl::OkStatus();
}

}  // namespace gridless::loan
