// The wordcount kind's tokenizers (tokenizer.h), each run as a job and
// compared with the shell pipeline a user would check it with.
#include "jobs/mapreduce/tokenizer.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/builtin_kinds.h"
#include "jobs/local_run.h"
#include "jobs/mapreduce/test_util.h"
#include "jobs/mapreduce/text_gen.h"

namespace gridless::mapreduce {
namespace {

using ::testing::HasSubstr;
using testing::Shell;
using testing::Spec;
using testing::TempDir;
using testing::WriteFile;

TEST(TokenizerTest, DecodesOnlyWellFormedUtf8) {
  uint32_t cp = 0;
  EXPECT_EQ(DecodeUtf8("A", &cp), 1u);
  EXPECT_EQ(cp, 0x41u);
  EXPECT_EQ(DecodeUtf8("\xc3\xa9", &cp), 2u);
  EXPECT_EQ(cp, 0xE9u);
  EXPECT_EQ(DecodeUtf8("\xe4\xb8\xad", &cp), 3u);
  EXPECT_EQ(cp, 0x4E2Du);
  EXPECT_EQ(DecodeUtf8("\xf0\xa0\x80\x80", &cp), 4u);
  EXPECT_EQ(cp, 0x20000u);
  for (std::string_view bad :
       {"\x80", "\xbf", "\xc0\xaf", "\xc1\xbf", "\xc3", "\xc3x", "\xe2\x82",
        "\xe0\x80\xaf", "\xed\xa0\x80", "\xf0\x80\x80\x80", "\xf4\x90\x80\x80",
        "\xf5\x80\x80\x80", "\xff"}) {
    EXPECT_EQ(DecodeUtf8(bad, &cp), 0u) << "case " << bad.size();
  }
}

TEST(TokenizerTest, LettersAreCategoryL) {
  for (uint32_t cp : {0x41u, 0x7Au, 0xE9u, 0xDFu, 0x3A9u, 0x41Fu, 0x4E2Du,
                      0x10400u, 0x20000u}) {
    EXPECT_TRUE(IsUnicodeLetter(cp)) << std::hex << cp;
  }
  // Digits, '_', U+00B2 (No), U+0301 (Mn), U+2160 (Nl), U+1F600 (So),
  // U+FFFD, beyond U+10FFFF.
  for (uint32_t cp :
       {0x30u, 0x5Fu, 0xB2u, 0x301u, 0x2160u, 0x1F600u, 0xFFFDu, 0x110000u}) {
    EXPECT_FALSE(IsUnicodeLetter(cp)) << std::hex << cp;
  }
}

TEST(TokenizerTest, UnknownTokenizerNamesParamAndAllowedValues) {
  EXPECT_EQ(ParseTokenizer("words").status().code(),
            absl::StatusCode::kInvalidArgument);
  TempDir dir;
  WriteFile(dir / "in.txt", "a b\n");
  auto r = RunJobLocally(
      *NewWordcountKind(),
      Spec(absl::StrCat(R"({"kind": "wordcount", "params": {"input": ")",
                        dir / "in.txt", R"(", "output": ")", dir / "out",
                        R"(", "tokenizer": "Whitespace"}})")));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("parameter \"tokenizer\": unknown value "
                        "\"Whitespace\"; allowed: letters, whitespace, "
                        "unicode-letters"));
}

class TokenizerJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string a;
    for (uint64_t i = 0; i < 300; ++i) MakeTextLine(3, i, 200, a);
    // Whitespace of every kind, punctuation, case.
    a += "Hello, world! HELLO hello\tTab\vvt\fff\r\nCRLF  double   space\n";
    WriteFile(dir_ / "in-a.txt", a);
    // UTF-8 letters of 2, 3 and 4 bytes, a combining mark (U+0301, not a
    // letter), digits and numerals, and bytes that are not UTF-8.
    std::string b =
        "caf\xc3\xa9 Caf\xc3\xa9 CAF\xc3\xa9 na\xc3\xafve stra\xc3\x9f"
        "e \xce\xa9mega \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
        "\xe4\xb8\xad\xe6\x96\x87 x\xcc\x81y \xc3\x89"
        "COLE \xc3\x89"
        "cole "
        "\xf0\x90\x90\x80"
        "des \xf0\xa0\x80\x80"
        "ext\n"
        "digits123abc 4\xc2\xb2 \xe2\x85\xa0roman under_score\n"
        "bad\x80"
        "byte lone\xc3 trunc\xe2\x82 over\xc0\xafl "
        "surr\xed\xa0\x80g big\xf4\x90\x80\x80x f5\xf5z "
        "emoji\xf0\x9f\x98\x80smile\n"
        "end\xc3\n\xe2\x82\n";
    std::string many;
    for (int i = 0; i < 40; ++i) many += b;
    WriteFile(dir_ / "in-b.txt", many);
    inputs_ = dir_ / "in-a.txt" + " " + dir_ / "in-b.txt";
  }

  // The job's "word\tcount" lines, sorted.
  std::string Ours(const std::string& tokenizer, bool lower) {
    const std::string out = dir_ / absl::StrCat("out-", tokenizer, lower);
    auto result = RunJobLocally(
        *NewWordcountKind(),
        Spec(absl::StrCat(R"({"kind": "wordcount", "params": {"input": ")",
                          dir_ / "in-*.txt", R"(", "output": ")", out,
                          R"(", "reducers": 3, "split_bytes": 3000, )",
                          R"("tokenizer": ")", tokenizer, R"(", "lower": )",
                          lower ? "true" : "false", "}}")));
    EXPECT_TRUE(result.ok()) << result.status();
    return Shell("LC_ALL=C sort " + out + "/part-*");
  }

  // `uniq -c` output of PIPELINE (a word per line) as "word\tcount" lines.
  std::string Counted(const std::string& pipeline) {
    return Shell("cat " + inputs_ + " | " + pipeline +
                 " | LC_ALL=C grep -v '^$' | LC_ALL=C sort | uniq -c | "
                 "LC_ALL=C awk '{print $2 \"\\t\" $1}' | LC_ALL=C sort");
  }

  TempDir dir_;
  std::string inputs_;
};

TEST_F(TokenizerJobTest, LettersMatchesTrSortUniq) {
  for (bool lower : {false, true}) {
    const std::string fold = lower ? "LC_ALL=C tr A-Z a-z | " : "";
    const std::string theirs = Counted(fold + "LC_ALL=C tr -cs A-Za-z '\\n'");
    ASSERT_THAT(theirs, HasSubstr(lower ? "hello\t" : "Hello\t"));
    EXPECT_EQ(Ours("letters", lower), theirs) << "lower " << lower;
  }
}

TEST_F(TokenizerJobTest, WhitespaceMatchesTrSpaceSortUniq) {
  for (bool lower : {false, true}) {
    const std::string fold = lower ? "LC_ALL=C tr A-Z a-z | " : "";
    const std::string theirs =
        Counted(fold + "LC_ALL=C tr -s '[:space:]' '\\n'");
    ASSERT_THAT(theirs, HasSubstr("world!\t"));
    EXPECT_EQ(Ours("whitespace", lower), theirs) << "lower " << lower;
  }
}

// The reference: Python's str.isalpha() over the text decoded with
// errors="replace" (U+FFFD is not a letter, so bytes that are not UTF-8
// separate words), ASCII-folded first when lower.
constexpr char kPythonReference[] = R"PY(
import collections, sys
lower = sys.argv[1] == "1"
data = b"".join(open(f, "rb").read() for f in sys.argv[2:])
if lower:
    data = data.translate(bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
                                          b"abcdefghijklmnopqrstuvwxyz"))
counts, word = collections.Counter(), []
for ch in data.decode("utf-8", "replace") + " ":
    if ch.isalpha():
        word.append(ch)
    elif word:
        counts["".join(word)] += 1
        word = []
for w, c in sorted(counts.items(), key=lambda kv: kv[0].encode()):
    sys.stdout.buffer.write(w.encode() + b"\t" + str(c).encode() + b"\n")
)PY";

TEST_F(TokenizerJobTest, UnicodeLettersMatchesPythonIsalpha) {
  WriteFile(dir_ / "ref.py", kPythonReference);
  for (bool lower : {false, true}) {
    const std::string theirs =
        Shell(absl::StrCat("/usr/bin/python3 ", dir_ / "ref.py", " ",
                           lower ? 1 : 0, " ", inputs_, " | LC_ALL=C sort"));
    ASSERT_THAT(theirs, HasSubstr("caf\xc3\xa9\t"));
    ASSERT_THAT(theirs, HasSubstr("\xf0\xa0\x80\x80"
                                  "ext\t"));
    EXPECT_EQ(Ours("unicode-letters", lower), theirs) << "lower " << lower;
  }
}

}  // namespace
}  // namespace gridless::mapreduce
