#include <cmath>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/builtin_kinds.h"
#include "jobs/local_run.h"
#include "jobs/mapreduce/bdb_tables.h"
#include "jobs/mapreduce/shuffle_codec.h"
#include "jobs/mapreduce/test_util.h"

namespace gridless::mapreduce {
namespace {

using ::testing::HasSubstr;
using testing::ReadParts;
using testing::Spec;
using testing::TempDir;
using testing::WriteFile;

std::string Table(BdbTable t, uint64_t begin, uint64_t end) {
  std::string out;
  for (uint64_t i = begin; i < end; ++i) MakeRow(t, 3, i, 500, out);
  return out;
}

std::map<std::string, std::string> ParseOutput(const std::string& out) {
  std::map<std::string, std::string> m;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    EXPECT_EQ(f.size(), 2u) << line;
    EXPECT_TRUE(m.emplace(f[0], f[1]).second) << "duplicate key " << f[0];
  }
  return m;
}

std::string Job(const TempDir& dir, const std::string& glob,
                const std::string& params) {
  return absl::StrCat(R"({"kind": "groupby", "params": {"input": ")",
                      dir / glob, R"(", "output": ")", dir / "out",
                      R"(", "reducers": 4, "split_bytes": 20000, )", params,
                      "}}");
}

TEST(GroupbyTest, AggregationEqualsSingleProcessSum) {
  TempDir dir;
  WriteFile(dir / "uv-0.csv", Table(BdbTable::kUservisits, 0, 1500));
  WriteFile(dir / "uv-1.csv", Table(BdbTable::kUservisits, 1500, 2500));
  for (int prefix : {3, 8}) {
    std::map<std::string, double> expected;
    for (absl::string_view line : absl::StrSplit(
             Table(BdbTable::kUservisits, 0, 2500), '\n', absl::SkipEmpty())) {
      std::vector<std::string> cols = absl::StrSplit(line, ',');
      ASSERT_EQ(cols.size(), 9u);
      expected[cols[0].substr(0, prefix)] += std::stod(cols[3]);
    }
    std::string first;
    for (uint64_t shuffle : {0, 5}) {
      auto result = RunJobLocally(
          *NewGroupbyKind(),
          Spec(Job(dir, "uv-*.csv",
                   absl::StrCat(R"("query": "aggregation", "prefix_length": )",
                                prefix))),
          {.shuffle_seed = shuffle});
      ASSERT_TRUE(result.ok()) << result.status();
      std::string output = ReadParts(dir / "out");
      auto got = ParseOutput(output);
      ASSERT_EQ(got.size(), expected.size()) << "prefix " << prefix;
      for (const auto& [key, sum] : expected) {
        ASSERT_TRUE(got.count(key)) << key;
        double v = std::stod(got[key]);
        EXPECT_NEAR(v, sum, 1e-9 * std::max(1.0, std::fabs(sum))) << key;
      }
      if (shuffle == 0) first = output;
      EXPECT_EQ(output, first) << "result depends on task order";
      EXPECT_EQ(result->fields().at("records").number_value(), expected.size());
    }
  }
}

TEST(GroupbyTest, ScanEqualsSingleProcessFilter) {
  TempDir dir;
  std::string rankings = Table(BdbTable::kRankings, 0, 3000);
  WriteFile(dir / "rankings.csv", rankings);
  std::map<std::string, std::string> expected;
  for (absl::string_view line :
       absl::StrSplit(rankings, '\n', absl::SkipEmpty())) {
    std::vector<std::string> cols = absl::StrSplit(line, ',');
    ASSERT_EQ(cols.size(), 3u);
    if (std::stoi(cols[1]) > 50) expected[cols[0]] = cols[1];
  }
  ASSERT_GT(expected.size(), 10u);
  ASSERT_LT(expected.size(), 3000u);
  auto result = RunJobLocally(
      *NewGroupbyKind(), Spec(Job(dir, "rankings.csv",
                                  R"("query": "scan", "min_page_rank": 50)")));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(ParseOutput(ReadParts(dir / "out")), expected);
}

TEST(GroupbyTest, MalformedLineNamesFileAndOffset) {
  TempDir dir;
  std::string good = Table(BdbTable::kUservisits, 0, 50);
  WriteFile(dir / "uv.csv", good + "1.2.3.4,only,three\n" + good);
  auto r = RunJobLocally(*NewGroupbyKind(),
                         Spec(Job(dir, "uv.csv", R"("query": "aggregation")")));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr(absl::StrCat(dir / "uv.csv", ":", good.size())));
  EXPECT_THAT(r.status().message(), HasSubstr("sourceIP,destURL"));

  WriteFile(dir / "uv.csv", "9.9.9.9,u,2000-01-01,lots,ua,USA,USA-en,w,1\n");
  r = RunJobLocally(*NewGroupbyKind(),
                    Spec(Job(dir, "uv.csv", R"("query": "aggregation")")));
  EXPECT_THAT(r.status().message(), HasSubstr(dir / "uv.csv:0"));
  EXPECT_THAT(r.status().message(), HasSubstr("adRevenue \"lots\""));
}

TEST(GroupbyTest, ParametersAreChecked) {
  TempDir dir;
  WriteFile(dir / "r.csv", Table(BdbTable::kRankings, 0, 10));
  auto wrong = RunJobLocally(
      *NewGroupbyKind(),
      Spec(Job(dir, "r.csv", R"("query": "scan", "prefix_length": 8)")));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.status().message(), HasSubstr("prefix_length"));
  auto unknown = RunJobLocally(*NewGroupbyKind(),
                               Spec(Job(dir, "r.csv", R"("query": "join")")));
  EXPECT_THAT(unknown.status().message(), HasSubstr("\"query\""));
}

// Issue 11: groupby's reduce partials name the job's part files only
// (before the fix any path merged, and Finalize stat()ed it).
TEST(GroupbyTest, Issue11ForgedReducePartialIsRefusedByMerge) {
  TempDir dir;
  const v1::JobSpec spec =
      Spec(Job(dir, "visits.csv", R"("query": "aggregation")"));
  auto kind = NewGroupbyKind();
  ReducePartial forged;
  forged.files.push_back({"/etc/passwd", 1, 1});
  EXPECT_EQ(
      testing::MergeFor(*kind, spec, "", EncodeReducePartial(forged)).code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      testing::MergeFor(*kind, spec, "", testing::MapPartialBytes(0, 4, "run"))
          .code(),
      absl::StatusCode::kInvalidArgument);  // 4 reducers: 0..3
}

}  // namespace
}  // namespace gridless::mapreduce
