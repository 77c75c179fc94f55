// The sort kind's radix index sort, range cut and loser-tree merge
// (record_sort.h) against std::sort with RecordLess, and the sort kind end
// to end on the edge cases they must get right.
#include "jobs/mapreduce/record_sort.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jobs/builtin_kinds.h"
#include "jobs/local_run.h"
#include "jobs/mapreduce/sort_records.h"
#include "jobs/mapreduce/test_util.h"
#include "jobs/random.h"

namespace gridless::mapreduce {
namespace {

using testing::ReadParts;
using testing::Shell;
using testing::Spec;
using testing::TempDir;
using testing::WriteFile;

std::string Records(uint64_t seed, uint64_t n) {
  std::string out(n * kRecordSize, '\0');
  for (uint64_t i = 0; i < n; ++i) {
    MakeRecord(seed, i, out.data() + i * kRecordSize);
  }
  return out;
}

// Records whose keys are drawn from `alphabet` bytes (so keys repeat and
// share prefixes), the rest as gensort makes it.
std::string RecordsOver(uint64_t seed, uint64_t n, std::string_view alphabet,
                        size_t key_bytes_varied) {
  std::string out = Records(seed, n);
  PhiloxStream rng(seed, /*stream=*/7, 0);
  for (uint64_t i = 0; i < n; ++i) {
    char* key = out.data() + i * kRecordSize;
    for (size_t b = 0; b < kKeySize; ++b) {
      key[b] = b < key_bytes_varied ? alphabet[rng() % alphabet.size()]
                                    : alphabet[0];
    }
  }
  return out;
}

// The reference: the records sorted by std::sort with RecordLess.
std::string SortedByStdSort(const std::string& recs) {
  const size_t n = recs.size() / kRecordSize;
  std::vector<const char*> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = recs.data() + i * kRecordSize;
  std::sort(p.begin(), p.end(), RecordLess);
  std::string out;
  for (const char* r : p) out.append(r, kRecordSize);
  return out;
}

std::string SortedByIndex(const std::string& recs) {
  const size_t n = recs.size() / kRecordSize;
  std::vector<KeyIndex> sorted(n), scratch(n);
  SortRecordIndex(recs.data(), n, sorted.data(), scratch.data());
  std::string out;
  for (const KeyIndex& k : sorted) {
    out.append(recs.data() + k.index() * kRecordSize, kRecordSize);
  }
  return out;
}

TEST(RecordSortTest, IndexSortEqualsStdSort) {
  struct Case {
    std::string name;
    std::string recs;
  };
  std::vector<Case> cases = {
      {"empty", ""},
      {"one record", Records(1, 1)},
      {"random gensort keys", Records(2, 20000)},
      // Keys over 3 letters: many equal keys, ordered by the rest.
      {"duplicate keys", RecordsOver(3, 5000, "abc", kKeySize)},
      // Every key equal: one radix bucket, the record numbers decide.
      {"all-equal keys", RecordsOver(4, 3000, "k", kKeySize)},
      // Keys equal in bytes 0..7, differing only in bytes 8 and 9.
      {"equal 8-byte prefix", RecordsOver(5, 3000, "xyz", 0)},
      // Bytes >= 0x80 sort after ASCII (unsigned, as memcmp and sort(1)).
      {"high bytes", RecordsOver(6, 3000, "\x01\x7f\x80\xff", kKeySize)},
  };
  // Fully identical records.
  cases.push_back({"identical records", std::string()});
  for (int i = 0; i < 500; ++i) {
    cases.back().recs += Records(7, 1);
  }
  for (const auto& c : cases) {
    EXPECT_EQ(SortedByIndex(c.recs), SortedByStdSort(c.recs)) << c.name;
  }
}

// Reducer of a key by the definition: the number of splitters <= key.
size_t ReducerOf(const char* rec, std::string_view splitters) {
  size_t r = 0;
  for (size_t j = 0; j < splitters.size() / kKeySize; ++j) {
    r += std::memcmp(splitters.data() + j * kKeySize, rec, kKeySize) <= 0;
  }
  return r;
}

TEST(RecordSortTest, RangeBoundariesCountSplittersAtOrBelowEachKey) {
  const std::string recs = RecordsOver(8, 4000, "abcd", 3);
  const size_t n = recs.size() / kRecordSize;
  std::vector<KeyIndex> sorted(n), scratch(n);
  SortRecordIndex(recs.data(), n, sorted.data(), scratch.data());
  // Splitters: keys that occur (ties at a boundary), a repeated splitter
  // (an empty reducer), one below every key and one above.
  std::vector<std::string> keys = {
      std::string(kKeySize, ' '), recs.substr(100 * kRecordSize, kKeySize),
      recs.substr(100 * kRecordSize, kKeySize),
      recs.substr(2000 * kRecordSize, kKeySize), std::string(kKeySize, '~')};
  std::sort(keys.begin(), keys.end());
  std::string splitters;
  for (const auto& k : keys) splitters += k;
  const std::vector<size_t> b = RangeBoundaries(sorted.data(), n, splitters);
  ASSERT_EQ(b.size(), keys.size() + 2);
  EXPECT_EQ(b.front(), 0u);
  EXPECT_EQ(b.back(), n);
  for (size_t r = 0; r + 1 < b.size(); ++r) {
    for (size_t i = b[r]; i < b[r + 1]; ++i) {
      ASSERT_EQ(
          ReducerOf(recs.data() + sorted[i].index() * kRecordSize, splitters),
          r)
          << "position " << i;
    }
  }
  EXPECT_EQ(RangeBoundaries(sorted.data(), 0, splitters),
            std::vector<size_t>(keys.size() + 2, 0));
}

TEST(RecordSortTest, MergeRunsEqualsSortOfConcatenation) {
  // Runs of unequal length with keys shared across runs, an empty run, and
  // a block size that leaves a short final block.
  std::string all;
  std::vector<std::string> sorted_runs;
  for (uint64_t k = 0; k < 7; ++k) {
    std::string run = RecordsOver(20 + k, k == 3 ? 0 : 100 * k + 37, "ab", 4);
    all += run;
    sorted_runs.push_back(SortedByStdSort(run));
  }
  std::vector<std::string_view> views(sorted_runs.begin(), sorted_runs.end());
  std::string merged;
  size_t blocks = 0;
  ASSERT_TRUE(
      MergeRuns(views, 3 * kRecordSize + 50, [&](std::string_view block) {
        EXPECT_EQ(block.size() % kRecordSize, 0u);
        EXPECT_LE(block.size(), 3 * kRecordSize);
        merged.append(block);
        ++blocks;
        return absl::OkStatus();
      }).ok());
  EXPECT_EQ(merged, SortedByStdSort(all));
  EXPECT_GT(blocks, 1u);
}

TEST(RecordSortTest, MergeRunsEdgeCases) {
  auto merge = [](const std::vector<std::string>& runs) {
    std::vector<std::string_view> views(runs.begin(), runs.end());
    std::string out;
    EXPECT_TRUE(MergeRuns(views, 1 << 20, [&](std::string_view b) {
                  out.append(b);
                  return absl::OkStatus();
                }).ok());
    return out;
  };
  EXPECT_EQ(merge({}), "");
  EXPECT_EQ(merge({"", ""}), "");
  const std::string one = Records(30, 1);
  EXPECT_EQ(merge({"", one, ""}), one);
  const std::string same = RecordsOver(31, 50, "q", kKeySize);
  const std::string a = SortedByStdSort(same.substr(0, 20 * kRecordSize));
  const std::string b = SortedByStdSort(same.substr(20 * kRecordSize));
  EXPECT_EQ(merge({a, b}), SortedByStdSort(same));
  EXPECT_EQ(merge({one, one, one}), one + one + one);
  // A sink error stops the merge and is returned.
  std::vector<std::string_view> views = {a, b};
  int calls = 0;
  auto s = MergeRuns(views, kRecordSize, [&](std::string_view) {
    ++calls;
    return absl::ResourceExhaustedError("disk full");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(calls, 1);
}

// The sort kind end to end on the cases above: output equal to LC_ALL=C
// sort's for 1 and 3 reducers and any task order.
TEST(RecordSortTest, SortKindHandlesEdgeInputs) {
  TempDir dir;
  struct Case {
    std::string name;
    std::string recs;
  };
  const std::vector<Case> cases = {
      {"one", Records(40, 1)},
      {"dups", RecordsOver(41, 3000, "ab", kKeySize)},
      {"equal", RecordsOver(42, 2000, "z", kKeySize)},
      {"high", RecordsOver(43, 2000, "\x01\x7f\x80\xff", kKeySize)},
  };
  for (const auto& c : cases) {
    const std::string in = dir / c.name;
    WriteFile(in, c.recs);
    const std::string expected = Shell("LC_ALL=C sort " + in);
    for (int reducers : {1, 3}) {
      for (uint64_t shuffle : {0, 5}) {
        const std::string out = dir / absl::StrCat(c.name, "-out-", reducers);
        auto result = RunJobLocally(
            *NewSortKind(),
            Spec(absl::StrCat(R"({"kind": "sort", "params": {"input": ")", in,
                              R"(", "output": ")", out,
                              R"(", "split_bytes": 30000, "reducers": )",
                              reducers, "}}")),
            {.shuffle_seed = shuffle});
        ASSERT_TRUE(result.ok()) << c.name << ": " << result.status();
        EXPECT_EQ(ReadParts(out), expected)
            << c.name << ", " << reducers << " reducers, shuffle " << shuffle;
      }
    }
  }
  // An empty input: R empty part files.
  WriteFile(dir / "empty", "");
  auto result = RunJobLocally(
      *NewSortKind(),
      Spec(absl::StrCat(R"({"kind": "sort", "params": {"input": ")",
                        dir / "empty", R"(", "output": ")", dir / "empty-out",
                        R"(", "reducers": 3}})")));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->fields().at("records").number_value(), 0);
  EXPECT_EQ(ReadParts(dir / "empty-out"), "");
  EXPECT_TRUE(std::filesystem::exists(dir / "empty-out/part-00002"));
}

}  // namespace
}  // namespace gridless::mapreduce
