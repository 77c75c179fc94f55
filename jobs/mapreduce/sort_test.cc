#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/builtin_kinds.h"
#include "jobs/local_run.h"
#include "jobs/mapreduce/mapreduce_commands.h"
#include "jobs/mapreduce/sort_records.h"
#include "jobs/mapreduce/sort_validation.h"
#include "jobs/mapreduce/test_util.h"

namespace gridless::mapreduce {
namespace {

using ::testing::HasSubstr;
using testing::ReadFile;
using testing::ReadParts;
using testing::Shell;
using testing::Spec;
using testing::TempDir;
using testing::WriteFile;

std::string Records(uint64_t seed, uint64_t n) {
  std::string out(n * kRecordSize, '\0');
  for (uint64_t i = 0; i < n; ++i)
    MakeRecord(seed, i, out.data() + i * kRecordSize);
  return out;
}

std::string Job(const TempDir& dir, const std::string& input, int reducers,
                const std::string& extra = "") {
  return absl::StrCat(R"({"kind": "sort", "params": {"input": ")", input,
                      R"(", "output": ")", dir / "out",
                      R"(", "split_bytes": 150000, "reducers": )", reducers,
                      extra, "}}");
}

TEST(SortRecordsTest, RecordsLookLikeGensortAscii) {
  char rec[kRecordSize];
  MakeRecord(1, 0x1234, rec);
  EXPECT_TRUE(CheckRecord(rec, "x", 0).ok());
  for (size_t i = 0; i < kKeySize; ++i) {
    EXPECT_GE(rec[i], ' ');
    EXPECT_LE(rec[i], '~');
  }
  EXPECT_EQ(std::string(rec + 10, 2), "  ");
  EXPECT_EQ(std::string(rec + 12, 32), "00000000000000000000000000001234");
  EXPECT_EQ(std::string(rec + 98, 2), "\r\n");
  char again[kRecordSize];
  MakeRecord(1, 0x1234, again);
  EXPECT_EQ(std::string(rec, kRecordSize), std::string(again, kRecordSize));
}

TEST(SortTest, OutputIsValidAndEqualsLcAllCSort) {
  TempDir dir;
  WriteFile(dir / "in-0.dat", Records(11, 12000));
  WriteFile(dir / "in-1.dat", Records(12, 8000));
  std::string expected =
      Shell("LC_ALL=C sort " + dir / "in-0.dat" + " " + dir / "in-1.dat");
  ASSERT_EQ(expected.size(), 20000 * kRecordSize);
  for (uint64_t shuffle : {0, 3}) {
    for (int reducers : {1, 5}) {
      auto result = RunJobLocally(*NewSortKind(),
                                  Spec(Job(dir, dir / "in-*.dat", reducers)),
                                  {.shuffle_seed = shuffle});
      ASSERT_TRUE(result.ok()) << result.status();
      EXPECT_EQ(result->fields().at("records").number_value(), 20000);
      EXPECT_EQ(ReadParts(dir / "out"), expected)
          << reducers << " reducers, shuffle " << shuffle;
      auto v = ValidateSort({dir / "in-0.dat", dir / "in-1.dat"}, dir / "out");
      ASSERT_TRUE(v.ok()) << v.status();
      EXPECT_TRUE(v->ok()) << v->Report();
      EXPECT_EQ(v->output_files, static_cast<size_t>(reducers));
    }
  }
  // The range partition is balanced by the sampled splitters.
  for (int r = 0; r < 5; ++r) {
    auto size =
        std::filesystem::file_size(dir / absl::StrCat("out/part-0000", r));
    EXPECT_GT(size, 20000 * kRecordSize / 5 / 2) << r;
  }
}

TEST(SortTest, ValidateSortCatchesDisorderAndLoss) {
  TempDir dir;
  WriteFile(dir / "in", Records(5, 300));
  ASSERT_TRUE(
      RunJobLocally(*NewSortKind(), Spec(Job(dir, dir / "in", 2))).ok());
  EXPECT_EQ(ValidateSortCommand({dir / "in", "--output", dir / "out"}), 0);
  std::string part = ReadFile(dir / "out/part-00000");
  ASSERT_GE(part.size(), 2 * kRecordSize);
  std::string swapped = part.substr(kRecordSize, kRecordSize) +
                        part.substr(0, kRecordSize) +
                        part.substr(2 * kRecordSize);
  WriteFile(dir / "out/part-00000", swapped);
  auto v = ValidateSort({dir / "in"}, dir / "out");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok());
  EXPECT_EQ(v->output.first_unordered, dir / "out/part-00000:100");
  EXPECT_EQ(v->input.checksum, v->output.checksum);  // same records
  EXPECT_EQ(ValidateSortCommand({dir / "in", "--output", dir / "out"}), 1);

  WriteFile(dir / "out/part-00000", part.substr(kRecordSize));  // one lost
  v = ValidateSort({dir / "in"}, dir / "out");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok());
  EXPECT_THAT(v->Report(), HasSubstr("record counts differ"));
  EXPECT_EQ(ValidateSortCommand({dir / "in"}), 2);  // no --output
}

TEST(SortTest, MalformedRecordNamesFileAndOffset) {
  TempDir dir;
  std::string data = Records(1, 1000);
  data[700 * kRecordSize + 99] = 'X';  // record 700 loses its newline
  WriteFile(dir / "bad", data);
  auto r = RunJobLocally(*NewSortKind(), Spec(Job(dir, dir / "bad", 2)));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr(dir / "bad:70000"));

  WriteFile(dir / "partial", Records(1, 10) + "short\n");
  r = RunJobLocally(*NewSortKind(), Spec(Job(dir, dir / "partial", 2)));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr(dir / "partial:1000"));
}

TEST(SortTest, GenRecordsCommandWritesGensortRecords) {
  TempDir dir;
  EXPECT_EQ(
      GenRecordsCommand({"--count", "250", "--out", dir / "g", "--seed", "9"}),
      0);
  EXPECT_EQ(ReadFile(dir / "g"), Records(9, 250));
  EXPECT_EQ(GenRecordsCommand({"--out", dir / "g"}), 2);
  EXPECT_EQ(GenRecordsCommand({"--count", "x", "--out", dir / "g"}), 2);
  EXPECT_EQ(GenRecordsCommand({"--count", "1", "--out", dir / "no/such/dir/g"}),
            2);
}

// Issue 11: sort's map partials are checked against the job like every
// shuffle kind's (before the fix a reducer of 2^32 merged as reducer 0 and
// a reducer past the job's was found only when stage 1 was planned).
TEST(SortTest, Issue11ForgedMapPartialIsRefusedByMerge) {
  TempDir dir;
  const v1::JobSpec spec = Spec(Job(dir, dir / "in", 2));
  auto kind = NewSortKind();
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(
      testing::MergeFor(*kind, spec, "",
                        testing::MapPartialBytes(0, uint64_t{1} << 32, "run"))
          .code(),
      kInvalid);
  EXPECT_EQ(
      testing::MergeFor(*kind, spec, "", testing::MapPartialBytes(0, 2, "run"))
          .code(),
      kInvalid);
  EXPECT_EQ(testing::MergeFor(*kind, spec, "", "M\xff").code(), kInvalid);
}

}  // namespace
}  // namespace gridless::mapreduce
