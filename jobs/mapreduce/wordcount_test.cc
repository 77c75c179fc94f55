#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/builtin_kinds.h"
#include "jobs/local_run.h"
#include "jobs/mapreduce/shuffle_codec.h"
#include "jobs/mapreduce/test_util.h"
#include "jobs/mapreduce/text_gen.h"

namespace gridless::mapreduce {
namespace {

using ::testing::HasSubstr;
using testing::ReadParts;
using testing::Shell;
using testing::Spec;
using testing::TempDir;
using testing::WriteFile;

// The reference: a word is a maximal run of [A-Za-z].
std::map<std::string, uint64_t> CountWords(const std::string& text) {
  std::map<std::string, uint64_t> counts;
  std::string word;
  for (char c : text + " ") {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      word += c;
    } else if (!word.empty()) {
      ++counts[word];
      word.clear();
    }
  }
  return counts;
}

std::map<std::string, uint64_t> ParseOutput(const std::string& out) {
  std::map<std::string, uint64_t> counts;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, '\t');
    EXPECT_EQ(f.size(), 2u) << line;
    uint64_t c = 0;
    EXPECT_TRUE(absl::SimpleAtoi(f[1], &c)) << line;
    EXPECT_TRUE(counts.emplace(std::string(f[0]), c).second)
        << "word listed twice: " << f[0];
  }
  return counts;
}

class WordcountTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string a, b;
    for (uint64_t i = 0; i < 400; ++i) MakeTextLine(7, i, 300, a);
    for (uint64_t i = 400; i < 700; ++i) MakeTextLine(7, i, 300, b);
    b += "Edge-cases: don't split\tCamelCase, x9y, caf\xc3\xa9 end";  // no '\n'
    WriteFile(dir_ / "in-a.txt", a);
    WriteFile(dir_ / "in-b.txt", b);
    WriteFile(dir_ / "other.dat", "not matched by the glob");
    text_ = a + "\n" + b;
  }
  std::string Job(const std::string& out, const std::string& extra = "") {
    return absl::StrCat(R"({"kind": "wordcount", "params": {"input": ")",
                        dir_ / "in-*.txt", R"(", "output": ")", dir_ / out,
                        R"(", "reducers": 3, "split_bytes": 2000)", extra,
                        "}}");
  }
  TempDir dir_;
  std::string text_;
};

TEST_F(WordcountTest, EqualsSingleProcessCountForAnyTaskOrder) {
  auto kind = NewWordcountKind();
  auto expected = CountWords(text_);
  ASSERT_GT(expected.size(), 100u);
  std::string first_output;
  google::protobuf::Struct first_result;
  for (uint64_t shuffle : {0, 1, 99}) {
    auto result = RunJobLocally(*kind, Spec(Job("out", R"(, "top": 5)")),
                                {.shuffle_seed = shuffle});
    ASSERT_TRUE(result.ok()) << result.status();
    std::string output = ReadParts(dir_ / "out");
    EXPECT_EQ(ParseOutput(output), expected);
    auto& f = result->fields();
    EXPECT_EQ(f.at("files").list_value().values_size(), 3);
    EXPECT_EQ(f.at("distinct_words").number_value(), expected.size());
    uint64_t total = 0;
    for (auto& [w, c] : expected) total += c;
    EXPECT_EQ(f.at("words").number_value(), total);
    // The top 5: most frequent first, ties by word.
    std::vector<std::pair<std::string, uint64_t>> by_count(expected.begin(),
                                                           expected.end());
    std::sort(by_count.begin(), by_count.end(), [](auto& x, auto& y) {
      return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
    const auto& top = f.at("top").list_value();
    ASSERT_EQ(top.values_size(), 5);
    for (int i = 0; i < 5; ++i) {
      auto& item = top.values(i).struct_value().fields();
      EXPECT_EQ(item.at("word").string_value(), by_count[i].first);
      EXPECT_EQ(item.at("count").number_value(), by_count[i].second);
    }
    if (shuffle == 0) {
      first_output = output;
      first_result = *result;
    } else {
      EXPECT_EQ(output, first_output);
      EXPECT_EQ(result->DebugString(), first_result.DebugString());
    }
  }
  // Intermediate runs are cleaned up; only part files and nothing else.
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out/.gridless-shuffle"));
}

TEST_F(WordcountTest, MatchesTrSortUniq) {
  auto kind = NewWordcountKind();
  auto result = RunJobLocally(*kind, Spec(Job("out")));
  ASSERT_TRUE(result.ok()) << result.status();
  std::string ours = Shell("LC_ALL=C sort " + dir_ / "out" + "/part-*");
  std::string theirs =
      Shell("cat " + dir_ / "in-a.txt" + " " + dir_ / "in-b.txt" +
            " | LC_ALL=C tr -cs A-Za-z '\\n' | LC_ALL=C sort | uniq -c | "
            "awk '$2 != \"\" {print $2 \"\\t\" $1}' | LC_ALL=C sort");
  ASSERT_FALSE(theirs.empty());
  EXPECT_EQ(ours, theirs);
}

TEST_F(WordcountTest, EachPartIsSortedAndStalePartsAreRemoved) {
  auto kind = NewWordcountKind();
  std::filesystem::create_directories(dir_ / "out");
  WriteFile(dir_ / "out/part-00007", "stale from a run with 8 reducers\n");
  WriteFile(dir_ / "out/notes.txt", "the user's file\n");
  ASSERT_TRUE(RunJobLocally(*kind, Spec(Job("out"))).ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out/part-00007"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out/notes.txt"));
  for (int r = 0; r < 3; ++r) {
    std::string part =
        testing::ReadFile(dir_ / absl::StrCat("out/part-0000", r));
    std::vector<std::string> lines =
        absl::StrSplit(part, '\n', absl::SkipEmpty());
    EXPECT_TRUE(std::is_sorted(lines.begin(), lines.end()));
    EXPECT_FALSE(lines.empty());
  }
}

TEST_F(WordcountTest, BadParametersAndInputsAreNamed) {
  auto kind = NewWordcountKind();
  auto missing = RunJobLocally(
      *kind, Spec(absl::StrCat(R"({"kind": "wordcount", "params": {"input": ")",
                               dir_ / "nope.txt", R"(", "output": ")",
                               dir_ / "o", R"("}})")));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(dir_ / "nope.txt"));
  auto typo = RunJobLocally(*kind, Spec(Job("o", R"(, "reducer": 2)")));
  EXPECT_EQ(typo.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(typo.status().message(), HasSubstr("\"reducer\""));
  auto no_output = RunJobLocally(
      *kind, Spec(R"({"kind": "wordcount", "params": {"input": "x"}})"));
  EXPECT_THAT(no_output.status().message(), HasSubstr("\"output\""));
  auto bad_store =
      RunJobLocally(*kind, Spec(Job("o", R"(, "store": "s3://b/p")")));
  EXPECT_EQ(bad_store.status().code(), absl::StatusCode::kUnimplemented);
}

// Issue 11: a map partial is checked against the job before it is kept,
// merged or planned from.  Before the fix each of these merged: a reducer
// of 2^32 was narrowed to reducer 0, a run could name any object (the
// reduce task would read it), and a run could be listed twice.
TEST_F(WordcountTest, Issue11MapPartialsAreCheckedAgainstTheJob) {
  auto kind = NewWordcountKind();
  const v1::JobSpec spec = Spec(Job("out"));
  testing::StageRunner stages(*kind, spec);
  auto tasks = stages.Plan(0);
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  ASSERT_GE(tasks->size(), 2u);
  auto p0 = stages.Run(0, 0, (*tasks)[0]);
  auto p1 = stages.Run(0, 1, (*tasks)[1]);
  ASSERT_TRUE(p0.ok() && p1.ok());
  auto decoded = DecodeMapPartial(*p0);
  ASSERT_TRUE(decoded.ok() && !decoded->runs.empty());
  const RunRef honest = decoded->runs[0];
  EXPECT_TRUE(testing::MergeFor(*kind, spec, *p0, *p1).ok());

  auto code = [&](const std::string& acc, const std::string& right) {
    return testing::MergeFor(*kind, spec, acc, right).code();
  };
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  // Reducer 2^32 + r: not reducer r.
  EXPECT_EQ(code("", testing::MapPartialBytes(
                         0, (uint64_t{1} << 32) + honest.reducer, honest.name)),
            kInvalid);
  // A reducer the job does not have (3 reducers).
  EXPECT_EQ(code("", testing::MapPartialBytes(0, 3, honest.name)), kInvalid);
  // A run naming another object than the map task wrote.
  EXPECT_EQ(code("", testing::MapPartialBytes(0, honest.reducer,
                                              "../../../etc/passwd")),
            kInvalid);
  // The same runs twice, or out of task order.
  EXPECT_EQ(code(*p0, *p0), kInvalid);
  EXPECT_EQ(code(*p1, *p0), kInvalid);
  // Stage 1 is planned from a lone map partial without any merge.
  const JobContext job{"test-job", spec, Params(spec.params())};
  const std::string forged =
      testing::MapPartialBytes(0, honest.reducer, "../../../etc/passwd");
  EXPECT_EQ(kind->Plan(PlanContext{job, 1, forged}).status().code(), kInvalid);
}

// A reduce partial lists the job's part files, in reducer order, and at
// most `top` words; before the fix any path (Finalize then stat()s it) and
// any number of words were accepted.
TEST_F(WordcountTest, Issue11ReducePartialsAreCheckedAgainstTheJob) {
  auto kind = NewWordcountKind();
  const v1::JobSpec spec = Spec(Job("out", R"(, "top": 1)"));
  auto reduce = [&](const std::string& path, uint64_t words) {
    ByteWriter extra;
    extra.Varint(words);  // total
    extra.Varint(words);  // top list
    for (uint64_t i = 0; i < words; ++i) {
      extra.Bytes("w");
      extra.Varint(1);
    }
    ReducePartial p;
    p.files.push_back({path, 1, 1});
    p.extra = extra.Take();
    return EncodeReducePartial(p);
  };
  const std::string part0 = dir_ / "out/part-00000";
  const std::string part1 = dir_ / "out/part-00001";
  const auto kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_TRUE(
      testing::MergeFor(*kind, spec, reduce(part0, 1), reduce(part1, 1)).ok());
  EXPECT_EQ(testing::MergeFor(*kind, spec, "", reduce("/etc/passwd", 0)).code(),
            kInvalid);
  EXPECT_EQ(
      testing::MergeFor(*kind, spec, "", reduce(dir_ / "out/part-00003", 0))
          .code(),
      kInvalid);  // 3 reducers: parts 0..2
  EXPECT_EQ(
      testing::MergeFor(*kind, spec, reduce(part1, 0), reduce(part0, 0)).code(),
      kInvalid);
  EXPECT_EQ(
      testing::MergeFor(*kind, spec, reduce(part0, 0), reduce(part0, 0)).code(),
      kInvalid);
  EXPECT_EQ(
      testing::MergeFor(*kind, spec, reduce(part0, 0), reduce(part1, 2)).code(),
      kInvalid);  // 2 top words of a job with top 1
}

}  // namespace
}  // namespace gridless::mapreduce
