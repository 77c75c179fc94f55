#include "jobs/mapreduce/mapreduce_commands.h"

#include <cstdio>
#include <functional>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/flags.h"
#include "jobs/mapreduce/bdb_tables.h"
#include "jobs/mapreduce/file_util.h"
#include "jobs/mapreduce/sort_records.h"
#include "jobs/mapreduce/sort_validation.h"
#include "jobs/mapreduce/text_gen.h"

namespace gridless {
namespace {

constexpr int kOk = 0, kFailed = 1, kUsage = 2;

int Fail(const absl::Status& s, int code) {
  std::string msg(s.message());
  for (char& c : msg) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "gridless: %s\n", msg.c_str());
  return code;
}

int FailFor(const absl::Status& s) {
  bool usage = absl::IsInvalidArgument(s) || absl::IsNotFound(s);
  return Fail(s, usage ? kUsage : kFailed);
}

// Parses; returns an exit code when the command should stop now.
std::optional<int> Parse(FlagSet& flags, const std::vector<std::string>& args,
                         const std::string& synopsis) {
  if (auto s = flags.Parse(args); !s.ok()) return Fail(s, kUsage);
  if (flags.help()) {
    std::printf("%s", flags.Usage(synopsis).c_str());
    return kOk;
  }
  return std::nullopt;
}

int Required(const std::string& flag) {
  return Fail(absl::InvalidArgumentError(
                  absl::StrCat("flag --", flag, " is required (see --help)")),
              kUsage);
}

// Writes `out` atomically (common/atomic_file.h: fsynced, and never half a
// file under its final name, even when the write fails or the process is
// killed) from rows made by `row(i, buf)` until `done(i, bytes)`.
int WriteRows(const std::string& out,
              const std::function<bool(uint64_t, uint64_t)>& done,
              const std::function<void(uint64_t, std::string&)>& row,
              uint64_t* rows_written) {
  AtomicFileWriter w;
  if (auto s = w.Open(mapreduce::AbsolutePath(out)); !s.ok()) {
    return FailFor(s);
  }
  std::string buf;
  uint64_t i = 0;
  while (!done(i, w.bytes() + buf.size())) {
    row(i++, buf);
    if (buf.size() >= (1 << 20)) {
      if (auto s = w.Append(buf); !s.ok()) return FailFor(s);
      buf.clear();
    }
  }
  if (auto s = w.Append(buf); !s.ok()) return FailFor(s);
  if (auto s = w.Commit(); !s.ok()) return FailFor(s);
  *rows_written = i;
  return kOk;
}

}  // namespace

int GenRecordsCommand(const std::vector<std::string>& args) {
  FlagSet flags("gridless gen-records",
                "Writes N gensort -a records (100-byte lines with 10-byte "
                "printable keys) for the sort kind.");
  int64_t count = -1, seed = 1;
  std::string out;
  flags.Int("count", &count, 0, int64_t{1} << 40, "records to write");
  flags.String("out", &out, "file to write");
  flags.Int("seed", &seed, 0, INT64_MAX, "data set seed");
  if (auto rc = Parse(flags, args, "")) return *rc;
  if (count < 0) return Required("count");
  if (out.empty()) return Required("out");
  uint64_t rows = 0;
  int rc = WriteRows(
      out,
      [&](uint64_t i, uint64_t) { return i >= static_cast<uint64_t>(count); },
      [&](uint64_t i, std::string& buf) {
        size_t at = buf.size();
        buf.resize(at + mapreduce::kRecordSize);
        mapreduce::MakeRecord(static_cast<uint64_t>(seed), i, buf.data() + at);
      },
      &rows);
  if (rc == kOk) std::printf("wrote %lu records to %s\n", rows, out.c_str());
  return rc;
}

int ValidateSortCommand(const std::vector<std::string>& args) {
  FlagSet flags("gridless validate-sort",
                "Checks that DIR/part-* (in name order) is sorted and holds "
                "the same records as INPUT (count and checksum), like "
                "valsort.  Exit 0 when valid, 1 when not.");
  std::string output;
  flags.String("output", &output, "the sort job's output directory");
  if (auto rc = Parse(flags, args, "INPUT...")) return *rc;
  if (output.empty()) return Required("output");
  if (flags.positional().empty()) {
    return Fail(absl::InvalidArgumentError(
                    "name the input file(s) the job sorted (see --help)"),
                kUsage);
  }
  auto v = mapreduce::ValidateSort(flags.positional(), output);
  if (!v.ok()) return Fail(v.status(), kFailed);
  std::printf("%s", v->Report().c_str());
  return v->ok() ? kOk : kFailed;
}

int GenBdbCommand(const std::vector<std::string>& args) {
  FlagSet flags("gridless gen-bdb",
                "Writes a synthetic AMPLab Big Data Benchmark table (CSV, no "
                "header): rankings (pageURL,pageRank,avgDuration) or "
                "uservisits (sourceIP,destURL,visitDate,adRevenue,userAgent,"
                "countryCode,languageCode,searchWord,duration).");
  std::string table, out;
  int64_t rows = -1, bytes = -1, seed = 1, pages = 100000;
  flags.String("table", &table, "uservisits or rankings");
  flags.Int("rows", &rows, 0, int64_t{1} << 40, "rows to write");
  flags.Int("bytes", &bytes, 0, int64_t{1} << 44,
            "write rows until the file has at least this many bytes");
  flags.String("out", &out, "file to write");
  flags.Int("seed", &seed, 0, INT64_MAX, "data set seed");
  flags.Int("pages", &pages, 1, int64_t{1} << 40,
            "rows of the rankings table that uservisits.destURL refers to");
  if (auto rc = Parse(flags, args, "")) return *rc;
  mapreduce::BdbTable t;
  if (table == "uservisits") {
    t = mapreduce::BdbTable::kUservisits;
  } else if (table == "rankings") {
    t = mapreduce::BdbTable::kRankings;
  } else {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
                    "flag --table: expected uservisits or rankings, got \"",
                    table, "\" (see --help)")),
                kUsage);
  }
  if ((rows < 0) == (bytes < 0)) {
    return Fail(absl::InvalidArgumentError(
                    "give exactly one of --rows and --bytes (see --help)"),
                kUsage);
  }
  if (out.empty()) return Required("out");
  uint64_t written = 0;
  int rc = WriteRows(
      out,
      [&](uint64_t i, uint64_t size) {
        return rows >= 0 ? i >= static_cast<uint64_t>(rows)
                         : size >= static_cast<uint64_t>(bytes);
      },
      [&](uint64_t i, std::string& buf) {
        mapreduce::MakeRow(t, static_cast<uint64_t>(seed), i,
                           static_cast<uint64_t>(pages), buf);
      },
      &written);
  if (rc == kOk) {
    std::printf("wrote %lu %s rows to %s\n", written, table.c_str(),
                out.c_str());
  }
  return rc;
}

int GenTextCommand(const std::vector<std::string>& args) {
  FlagSet flags("gridless gen-text",
                "Writes English-like text (Zipf-distributed words) for the "
                "wordcount kind.");
  std::string out;
  int64_t bytes = -1, seed = 1, vocabulary = 50000;
  flags.Int("bytes", &bytes, 0, int64_t{1} << 44,
            "write lines until the file has at least this many bytes");
  flags.String("out", &out, "file to write");
  flags.Int("seed", &seed, 0, INT64_MAX, "data set seed");
  flags.Int("vocabulary", &vocabulary, 1, 10000000,
            "distinct words drawn from");
  if (auto rc = Parse(flags, args, "")) return *rc;
  if (bytes < 0) return Required("bytes");
  if (out.empty()) return Required("out");
  uint64_t lines = 0;
  int rc = WriteRows(
      out,
      [&](uint64_t, uint64_t size) {
        return size >= static_cast<uint64_t>(bytes);
      },
      [&](uint64_t i, std::string& buf) {
        mapreduce::MakeTextLine(static_cast<uint64_t>(seed), i,
                                static_cast<uint32_t>(vocabulary), buf);
      },
      &lines);
  if (rc == kOk) std::printf("wrote %lu lines to %s\n", lines, out.c_str());
  return rc;
}

}  // namespace gridless
