#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/builtin_kinds.h"
#include "jobs/local_run.h"
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

}  // namespace
}  // namespace gridless::mapreduce
