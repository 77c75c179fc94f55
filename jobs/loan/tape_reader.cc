// ReadTape: opens the file, picks the layout (given or detected) and runs
// that layout's reader.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ext/stdio_filebuf.h>
#include <istream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/loan/tape.h"
#include "jobs/loan/tape_builder.h"

namespace gridless::loan {

std::string_view TapeFormatName(TapeFormat f) {
  switch (f) {
    case TapeFormat::kAuto:
      return "auto";
    case TapeFormat::kFannieSflp:
      return "fannie-sflp";
    case TapeFormat::kFannieAcq:
      return "fannie-acq";
    case TapeFormat::kFreddieOrig:
      return "freddie-orig";
    case TapeFormat::kCsv:
      return "csv";
  }
  return "?";
}

absl::StatusOr<TapeFormat> ParseTapeFormat(std::string_view name) {
  for (TapeFormat f :
       {TapeFormat::kAuto, TapeFormat::kFannieSflp, TapeFormat::kFannieAcq,
        TapeFormat::kFreddieOrig, TapeFormat::kCsv}) {
    if (name == TapeFormatName(f)) return f;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown tape format \"", Sv(name),
                   "\"; expected one of auto, fannie-sflp, fannie-acq, "
                   "freddie-orig, csv"));
}

std::string_view RowProblemName(RowProblem p) {
  switch (p) {
    case RowProblem::kWrongFieldCount:
      return "wrong_field_count";
    case RowProblem::kBlankField:
      return "blank_field";
    case RowProblem::kBadNumber:
      return "bad_number";
    case RowProblem::kBadDate:
      return "bad_date";
    case RowProblem::kOutOfRange:
      return "out_of_range";
    case RowProblem::kRateUnits:
      return "rate_units";
    case RowProblem::kArmUnsupported:
      return "arm_unsupported";
    case RowProblem::kBadValue:
      return "bad_value";
    case RowProblem::kLineTooLong:
      return "line_too_long";
  }
  return "?";
}

absl::StatusOr<int> ParseYearMonth(std::string_view text) {
  std::string digits;
  for (char c : text) {
    if (c != '-') digits.push_back(c);
  }
  int year = 0, month = 0;
  bool ok = digits.size() == 6 &&
            (text.size() == 6 || (text.size() == 7 && text[4] == '-')) &&
            absl::SimpleAtoi(digits.substr(0, 4), &year) &&
            absl::SimpleAtoi(digits.substr(4), &month) && month >= 1 &&
            month <= 12 && year >= 1900 && year <= 2200;
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", Sv(text), "\" is not a month; expected YYYY-MM (e.g. 2024-06)"));
  }
  return year * 12 + month - 1;
}

absl::StatusOr<TapeFormat> DetectTapeFormat(std::string_view first_line,
                                            std::string_view file) {
  size_t pipes = 0, commas = 0;
  for (char c : first_line) {
    pipes += c == '|';
    commas += c == ',';
  }
  if (pipes > 0) {
    size_t fields = pipes + 1;
    if (fields == 108 || fields == 110) return TapeFormat::kFannieSflp;
    if (fields == 25) return TapeFormat::kFannieAcq;
    if (fields == 31 || fields == 32) return TapeFormat::kFreddieOrig;
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(file), ":1: cannot detect the tape layout: ", fields,
        " pipe-separated fields, expected 108 or 110 (fannie-sflp), 25 "
        "(fannie-acq) or 31/32 (freddie-orig); set \"format\""));
  }
  if (commas > 0 && first_line.find("loan_id") != std::string_view::npos) {
    return TapeFormat::kCsv;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      Sv(file),
      ":1: cannot detect the tape layout: neither pipe-separated nor a "
      "CSV header with loan_id; set \"format\""));
}

absl::StatusOr<LoanTape> ReadTape(const std::string& path,
                                  const TapeOptions& options) {
  // Checked before reading: /dev/zero or a FIFO would never end (or never
  // open), a directory reads as nothing.  O_NONBLOCK: opening a FIFO that
  // replaced the file after a stat must not block either; fstat decides.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("cannot open loan tape \"", path, "\": no such file"));
    }
    return absl::NotFoundError(absl::StrCat("cannot open loan tape \"", path,
                                            "\": ", std::strerror(err)));
  }
  __gnu_cxx::stdio_filebuf<char> file(fd, std::ios::in);  // owns fd
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot stat loan tape \"", path,
                                            "\": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("loan tape \"", path, "\" is ",
                     S_ISDIR(st.st_mode)    ? "a directory"
                     : S_ISFIFO(st.st_mode) ? "a FIFO"
                     : S_ISCHR(st.st_mode)  ? "a character device"
                                            : "not a regular file",
                     "; a tape must be a regular file"));
  }
  std::istream in(&file);
  TapeFormat format = options.format;
  if (format == TapeFormat::kAuto) {
    LineSource probe(in, path);
    std::string_view first;
    while (probe.Next(&first) &&
           first.find_first_not_of(" \t") == std::string_view::npos) {
    }
    auto detected = DetectTapeFormat(first, path);
    if (!detected.ok()) return detected.status();
    format = *detected;
    in.clear();
    in.seekg(0);
  }
  LoanTape tape;
  tape.format = format;
  TapeBuilder builder(options, &tape);
  LineSource lines(in, path);
  absl::Status s;
  switch (format) {
    case TapeFormat::kFannieSflp:
      s = ReadFannieSflp(lines, builder);
      break;
    case TapeFormat::kFannieAcq:
      s = ReadFannieAcq(lines, builder);
      break;
    case TapeFormat::kFreddieOrig:
      s = ReadFreddieOrig(lines, builder);
      break;
    case TapeFormat::kCsv:
      s = ReadCsvTape(lines, builder);
      break;
    case TapeFormat::kAuto:
      break;
  }
  if (!s.ok()) return s;
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat("error reading \"", path, "\""));
  }
  if (tape.loans.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": no active loan in the tape (", tape.rows, " rows, ",
        tape.skipped_rows, " skipped, ", tape.inactive_loans, " inactive)"));
  }
  return tape;
}

absl::StatusOr<TapeFormat> DetectTapeFormatOfFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("cannot open loan tape \"", path,
                                            "\": ", std::strerror(errno)));
  }
  struct stat st;
  std::string head(kMaxTapeLineBytes, '\0');
  ssize_t got = -1;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    got = ::pread(fd, head.data(), head.size(), 0);
  }
  ::close(fd);
  if (got < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", path, "\" is not a readable regular file"));
  }
  head.resize(static_cast<size_t>(got));
  std::string_view first(head);
  first = first.substr(0, first.find('\n'));
  return DetectTapeFormat(first, path);
}

}  // namespace gridless::loan
