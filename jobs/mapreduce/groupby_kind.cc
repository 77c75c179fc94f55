// `groupby`: the AMPLab Big Data Benchmark queries on its CSV tables
// (bdb_tables.h).
//
//  query "aggregation" (uservisits, benchmark query 2):
//    SELECT SUBSTR(sourceIP, 1, X), SUM(adRevenue) FROM uservisits
//    GROUP BY SUBSTR(sourceIP, 1, X)              -- X = prefix_length
//    Map sums adRevenue per prefix in a hash table (the combiner), in input
//    order, and hash-partitions the prefixes; reduce adds the map sums in
//    map-task order (so the floating-point result is the same on every run)
//    and writes "prefix<TAB>sum" lines sorted by prefix; sums are printed
//    as the shortest decimal that reads back exactly.
//  query "scan" (rankings, benchmark query 1):
//    SELECT pageURL, pageRank FROM rankings WHERE pageRank > X
//                                                 -- X = min_page_rank
//    Map filters and hash-partitions by pageURL; reduce writes
//    "pageURL<TAB>pageRank" lines sorted by pageURL.
//
// A line with the wrong number of columns or a non-numeric adRevenue or
// pageRank is INVALID_ARGUMENT naming the file and the line's offset.
#include <algorithm>
#include <charconv>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/builtin_kinds.h"
#include "jobs/mapreduce/bdb_tables.h"
#include "jobs/mapreduce/shuffle_kind.h"
#include "jobs/mapreduce/stable_hash.h"
#include "jobs/mapreduce/text_runs.h"

namespace gridless {
namespace mapreduce {
namespace {

struct GroupbyParams {
  bool scan = false;
  int64_t prefix_length = 8;
  int64_t min_page_rank = 1000;
};

absl::StatusOr<GroupbyParams> ReadGroupby(const Params& p) {
  GroupbyParams g;
  auto query = p.String("query", "aggregation", {"aggregation", "scan"});
  if (!query.ok()) return query.status();
  g.scan = *query == "scan";
  auto prefix = p.Int("prefix_length", 8, 1, 116);
  if (!prefix.ok()) return prefix.status();
  g.prefix_length = *prefix;
  auto rank = p.Int("min_page_rank", 1000, INT32_MIN, INT32_MAX);
  if (!rank.ok()) return rank.status();
  g.min_page_rank = *rank;
  if (g.scan && p.Has("prefix_length")) {
    return absl::InvalidArgumentError(
        "parameter \"prefix_length\" applies to query \"aggregation\", not "
        "\"scan\"");
  }
  if (!g.scan && p.Has("min_page_rank")) {
    return absl::InvalidArgumentError(
        "parameter \"min_page_rank\" applies to query \"scan\", not "
        "\"aggregation\"");
  }
  return g;
}

// Calls fn(line, offset) for each line of the split (without '\n').
template <typename Fn>
absl::Status ForEachLine(const SplitData& split, Fn fn) {
  std::string_view d = split.data;
  uint64_t offset = split.offset;
  while (!d.empty()) {
    size_t nl = d.find('\n');
    std::string_view line = d.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) {
      if (auto s = fn(line, offset); !s.ok()) return s;
    }
    if (nl == std::string_view::npos) break;
    d.remove_prefix(nl + 1);
    offset += nl + 1;
  }
  return absl::OkStatus();
}

absl::Status BadLine(const SplitData& split, uint64_t offset,
                     std::string_view what) {
  return absl::InvalidArgumentError(Cat(Where(split.path, offset), ": ", what));
}

template <typename T>
bool ParseNumber(std::string_view s, T& out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

class GroupbyLogic final : public ShuffleLogic {
 public:
  explicit GroupbyLogic(GroupbyParams p) : p_(p) {}

  absl::Status Map(const SplitData& split, std::string_view, MapRuns& runs,
                   uint64_t& records) const override {
    return p_.scan ? MapScan(split, runs, records)
                   : MapAggregation(split, runs, records);
  }

  absl::StatusOr<ReduceResult> Reduce(const std::vector<std::string_view>& runs,
                                      AtomicFileWriter& out) const override {
    if (p_.scan) return ReduceScan(runs, out);
    return ReduceAggregation(runs, out);
  }

 private:
  absl::Status MapAggregation(const SplitData& split, MapRuns& runs,
                              uint64_t& records) const {
    absl::flat_hash_map<std::string_view, double> sums;
    std::string_view f[kUservisitsColumns];
    auto s = ForEachLine(split, [&](std::string_view line, uint64_t offset) {
      if (!SplitColumns(line, kUservisitsColumns, f)) {
        return BadLine(split, offset,
                       Cat("expected 9 comma-separated uservisits "
                           "columns (",
                           kUservisitsLayout, ")"));
      }
      double revenue;
      if (!ParseNumber(f[3], revenue)) {
        return BadLine(split, offset,
                       Cat("adRevenue \"", f[3], "\" is not a number"));
      }
      ++records;
      sums[f[0].substr(0, p_.prefix_length)] += revenue;
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    uint32_t r_count = static_cast<uint32_t>(runs.size());
    std::vector<std::vector<std::pair<std::string_view, double>>> parts(
        r_count);
    for (const auto& kv : sums) {
      parts[HashPartition(kv.first, r_count)].push_back(kv);
    }
    for (uint32_t r = 0; r < r_count; ++r) {
      std::sort(parts[r].begin(), parts[r].end());
      for (const auto& [key, sum] : parts[r]) {
        AppendKeyValue(runs[r], key, FormatDouble(sum));
      }
    }
    return absl::OkStatus();
  }

  absl::Status MapScan(const SplitData& split, MapRuns& runs,
                       uint64_t& records) const {
    uint32_t r_count = static_cast<uint32_t>(runs.size());
    std::vector<std::vector<std::pair<std::string_view, std::string_view>>>
        parts(r_count);
    std::string_view f[kRankingsColumns];
    auto s = ForEachLine(split, [&](std::string_view line, uint64_t offset) {
      if (!SplitColumns(line, kRankingsColumns, f)) {
        return BadLine(split, offset,
                       Cat("expected 3 comma-separated rankings "
                           "columns (",
                           kRankingsLayout, ")"));
      }
      int64_t rank;
      if (!ParseNumber(f[1], rank)) {
        return BadLine(split, offset,
                       Cat("pageRank \"", f[1], "\" is not an integer"));
      }
      ++records;
      if (rank > p_.min_page_rank) {
        parts[HashPartition(f[0], r_count)].emplace_back(f[0], f[1]);
      }
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    for (uint32_t r = 0; r < r_count; ++r) {
      std::sort(parts[r].begin(), parts[r].end());
      for (const auto& [url, rank] : parts[r]) {
        AppendKeyValue(runs[r], url, rank);
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ReduceResult> ReduceAggregation(
      const std::vector<std::string_view>& runs, AtomicFileWriter& out) const {
    absl::flat_hash_map<std::string_view, double> sums;
    for (const auto& run : runs) {
      auto s = ForEachKeyValue(
          run, "groupby run",
          [&](std::string_view key, std::string_view value) -> absl::Status {
            double v;
            if (!ParseNumber(value, v)) {
              return absl::DataLossError("groupby run: bad sum");
            }
            sums[key] += v;
            return absl::OkStatus();
          });
      if (!s.ok()) return s;
    }
    std::vector<std::pair<std::string_view, double>> sorted(sums.begin(),
                                                            sums.end());
    std::sort(sorted.begin(), sorted.end());
    std::string text;
    for (const auto& [key, sum] : sorted) {
      AppendKeyValue(text, key, FormatDouble(sum));
    }
    if (auto s = out.Append(text); !s.ok()) return s;
    return ReduceResult{sorted.size(), ""};
  }

  absl::StatusOr<ReduceResult> ReduceScan(
      const std::vector<std::string_view>& runs, AtomicFileWriter& out) const {
    std::vector<std::string_view> lines;
    for (const auto& run : runs) {
      auto s = ForEachKeyValue(
          run, "groupby run",
          [&](std::string_view key, std::string_view value) -> absl::Status {
            lines.emplace_back(key.data(), key.size() + 1 + value.size() + 1);
            return absl::OkStatus();
          });
      if (!s.ok()) return s;
    }
    std::sort(lines.begin(), lines.end());
    std::string text;
    for (std::string_view l : lines) text.append(l);
    if (auto s = out.Append(text); !s.ok()) return s;
    return ReduceResult{lines.size(), ""};
  }

  GroupbyParams p_;
};

class GroupbyKind final : public ShuffleKind {
 public:
  std::string_view Name() const override { return "groupby"; }
  std::string_view Description() const override {
    return "AMPLab Big Data Benchmark: uservisits aggregation (SUM(adRevenue) "
           "GROUP BY SUBSTR(sourceIP,1,X)) or rankings scan (pageRank > X)";
  }

 protected:
  std::vector<ParamInfo> KindParameters() const override {
    return {{"query", "string", "aggregation",
             "\"aggregation\" (uservisits: sourceIP,destURL,visitDate,"
             "adRevenue,...) or \"scan\" (rankings: pageURL,pageRank,"
             "avgDuration)"},
            {"prefix_length", "int", "8",
             "aggregation: X in SUBSTR(sourceIP, 1, X), 1..116"},
            {"min_page_rank", "int", "1000", "scan: X in WHERE pageRank > X"}};
  }
  RecordFormat Format() const override { return RecordFormat::Lines(); }
  absl::StatusOr<std::unique_ptr<ShuffleLogic>> NewLogic(
      const Params& params) const override {
    auto p = ReadGroupby(params);
    if (!p.ok()) return p.status();
    return std::make_unique<GroupbyLogic>(*p);
  }
};

}  // namespace
}  // namespace mapreduce

std::unique_ptr<JobKind> NewGroupbyKind() {
  return std::make_unique<mapreduce::GroupbyKind>();
}

}  // namespace gridless
