#include "jobs/loan/tape_row.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/sv.h"

namespace gridless::loan {

void SplitFields(std::string_view line, char sep,
                 std::vector<std::string_view>* out) {
  out->clear();
  size_t start = 0;
  while (true) {
    size_t end = line.find(sep, start);
    if (end == std::string_view::npos) {
      out->push_back(line.substr(start));
      return;
    }
    out->push_back(line.substr(start, end - start));
    start = end + 1;
  }
}

void SplitCsv(std::string_view line, std::vector<std::string>* storage,
              std::vector<std::string_view>* out) {
  storage->clear();
  out->clear();
  // Fields are parsed into storage first (so views stay valid once the
  // vector stops growing), then viewed.
  size_t i = 0;
  while (true) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      while (i < line.size() && line[i] != ',') field.push_back(line[i++]);
    } else {
      while (i < line.size() && line[i] != ',') field.push_back(line[i++]);
    }
    storage->push_back(std::move(field));
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  for (const auto& f : *storage) out->push_back(f);
}

std::string_view RowReader::Raw(int pos) const {
  if (pos < 1 || static_cast<size_t>(pos) > fields_.size()) return {};
  return StdSv(absl::StripAsciiWhitespace(Sv(fields_[pos - 1])));
}

void RowReader::Fail(RowProblem problem, int pos, std::string_view name,
                     std::string_view reason) {
  if (failed_) return;
  failed_ = true;
  error_.problem = problem;
  error_.message =
      absl::StrCat(Sv(file_), ":", line_, ": field ", Sv(name), " (column ",
                   pos, "): value \"", Sv(Raw(pos)), "\": ", Sv(reason));
}

void RowReader::FailRow(RowProblem problem, std::string_view reason) {
  if (failed_) return;
  failed_ = true;
  error_.problem = problem;
  error_.message = absl::StrCat(Sv(file_), ":", line_, ": ", Sv(reason));
}

std::string_view RowReader::Text(int pos, std::string_view name) {
  std::string_view v = Raw(pos);
  if (v.empty()) Fail(RowProblem::kBlankField, pos, name, "required, blank");
  return v;
}

bool RowReader::ParseDouble(int pos, std::string_view name, double* out) {
  std::string_view v = Raw(pos);
  if (v.empty()) {
    Fail(RowProblem::kBlankField, pos, name, "required, blank");
    return false;
  }
  if (!absl::SimpleAtod(Sv(v), out) || !std::isfinite(*out)) {
    Fail(RowProblem::kBadNumber, pos, name, "not a number");
    return false;
  }
  return true;
}

double RowReader::Number(int pos, std::string_view name, double min,
                         double max) {
  double x = 0;
  if (!ParseDouble(pos, name, &x)) return min;
  if (x < min || x > max) {
    Fail(RowProblem::kOutOfRange, pos, name,
         absl::StrCat(x < 0 && min >= 0 ? "negative; " : "",
                      "expected a number in [", min, ", ", max, "]"));
    return min;
  }
  return x;
}

double RowReader::OptionalNumber(int pos, std::string_view name, double min,
                                 double max, double missing,
                                 std::initializer_list<double> sentinels) {
  if (Blank(pos)) return missing;
  double x = 0;
  if (!ParseDouble(pos, name, &x)) return missing;
  for (double s : sentinels) {
    if (x == s) return missing;
  }
  if (x < min || x > max) {
    Fail(RowProblem::kOutOfRange, pos, name,
         absl::StrCat(x < 0 && min >= 0 ? "negative; " : "",
                      "expected a number in [", min, ", ", max, "]"));
    return missing;
  }
  return x;
}

int RowReader::Integer(int pos, std::string_view name, int min, int max) {
  double x = Number(pos, name, min, max);
  if (ok() && std::floor(x) != x) {
    Fail(RowProblem::kBadNumber, pos, name, "expected a whole number");
  }
  return static_cast<int>(x);
}

int RowReader::OptionalInteger(int pos, std::string_view name, int min, int max,
                               int missing) {
  if (Blank(pos)) return missing;
  return Integer(pos, name, min, max);
}

int RowReader::Month(int pos, std::string_view name, DateLayout layout) {
  std::string_view v = Raw(pos);
  if (v.empty()) {
    Fail(RowProblem::kBlankField, pos, name, "required date, blank");
    return 0;
  }
  std::string_view month_text, year_text;
  const char* expected = "";
  bool shape_ok = false;
  switch (layout) {
    case DateLayout::kMMYYYY:
      expected = "MMYYYY";
      shape_ok = v.size() == 6;
      month_text = v.substr(0, 2);
      year_text = v.substr(2);
      break;
    case DateLayout::kMM_slash_YYYY:
      expected = "MM/YYYY";
      shape_ok = v.size() == 7 && v[2] == '/';
      month_text = v.substr(0, 2);
      year_text = v.substr(3);
      break;
    case DateLayout::kYYYYMM:
      expected = "YYYYMM";
      shape_ok = v.size() == 6;
      year_text = v.substr(0, 4);
      month_text = v.substr(4);
      break;
  }
  int month = 0, year = 0;
  shape_ok = shape_ok && absl::ascii_isdigit(month_text[0]) &&
             absl::ascii_isdigit(month_text[1]) &&
             absl::SimpleAtoi(Sv(month_text), &month) &&
             absl::SimpleAtoi(Sv(year_text), &year);
  for (char c : year_text) shape_ok = shape_ok && absl::ascii_isdigit(c);
  if (!shape_ok) {
    Fail(RowProblem::kBadDate, pos, name,
         absl::StrCat("expected a date ", expected));
    return 0;
  }
  if (month < 1 || month > 12 || year < 1900 || year > 2200) {
    Fail(RowProblem::kBadDate, pos, name,
         absl::StrCat("not a valid ", expected,
                      " date (month 01-12, year 1900-2200)"));
    return 0;
  }
  return year * 12 + month - 1;
}

double RowReader::Rate(int pos, std::string_view name, RateUnit unit) {
  double x = 0;
  if (!ParseDouble(pos, name, &x)) return 0;
  if (unit == RateUnit::kPercent) {
    if (x > 0 && x < 0.5) {
      Fail(RowProblem::kRateUnits, pos, name,
           absl::StrCat("looks like a decimal; this layout gives rates in "
                        "percent (e.g. ",
                        x * 100, ")"));
      return 0;
    }
    if (x < 0.5 || x > 30) {
      Fail(RowProblem::kOutOfRange, pos, name,
           "expected a rate in percent in [0.5, 30]");
      return 0;
    }
    return x / 100.0;
  }
  if (x > 1 && x <= 30) {
    Fail(RowProblem::kRateUnits, pos, name,
         absl::StrCat("looks like a percent; rates here are decimals (e.g. ",
                      x / 100, ")"));
    return 0;
  }
  if (x <= 0 || x > 0.3) {
    Fail(RowProblem::kOutOfRange, pos, name,
         "expected a decimal rate in (0, 0.3]");
    return 0;
  }
  return x;
}

void RowReader::FixedRateProduct(
    int pos, std::string_view name,
    std::initializer_list<std::string_view> allowed) {
  std::string_view v = Raw(pos);
  if (v.empty()) return;
  if (v == "ARM") {
    Fail(RowProblem::kArmUnsupported, pos, name,
         "adjustable-rate loans are not supported yet; loan-mc models "
         "fixed-rate loans (skip them with \"skip_bad_rows\": true)");
    return;
  }
  for (std::string_view a : allowed) {
    if (v == a) return;
  }
  Fail(RowProblem::kBadValue, pos, name, "unknown product type");
}

}  // namespace gridless::loan
