#include "jobs/mapreduce/input_splits.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/builtin_kinds.h"
#include "jobs/mapreduce/test_util.h"

namespace gridless::mapreduce {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::WriteFile;

std::string ReadAllSplits(const std::string& path, uint64_t split_bytes,
                          RecordFormat format, size_t* count) {
  auto splits = PlanSplits({path}, format, split_bytes);
  EXPECT_TRUE(splits.ok()) << splits.status();
  std::string all;
  for (const auto& s : *splits) {
    auto d = ReadSplit(s, format);
    EXPECT_TRUE(d.ok()) << d.status();
    all += d->bytes();
  }
  *count = splits->size();
  return all;
}

TEST(InputSplitsTest, EveryLineIsReadOnceWhateverTheSplitSize) {
  TempDir dir;
  std::string text = "alpha\n\nbeta gamma\nd\n" + std::string(300, 'x') +
                     "\nlast line without newline";
  WriteFile(dir / "t.txt", text);
  for (uint64_t split : {1, 2, 3, 5, 7, 64, 299, 300, 301, 1000}) {
    size_t count;
    EXPECT_EQ(
        ReadAllSplits(dir / "t.txt", split, RecordFormat::Lines(), &count),
        text)
        << "split_bytes " << split;
    EXPECT_EQ(count, (text.size() + split - 1) / split);
  }
}

TEST(InputSplitsTest, SplitDataStartsAtALineAndKnowsItsOffset) {
  TempDir dir;
  WriteFile(dir / "t.txt", "aaaa\nbbbb\ncccc\n");
  auto d = ReadSplit({dir / "t.txt", 3, 4}, RecordFormat::Lines());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->data, "bbbb\n");  // starts in [3, 7): line at 5
  EXPECT_EQ(d->offset, 5u);
  auto none = ReadSplit({dir / "t.txt", 6, 3}, RecordFormat::Lines());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->data, "");  // no line starts in [6, 9)
}

TEST(InputSplitsTest, FixedRecordsSplitOnRecordBoundaries) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 25; ++i) data += std::string(9, char('a' + i)) + "\n";
  WriteFile(dir / "r", data);
  size_t count;
  EXPECT_EQ(ReadAllSplits(dir / "r", 35, RecordFormat::Fixed(10), &count),
            data);
  EXPECT_EQ(count, 9u);  // 30-byte splits
  EXPECT_EQ(ReadAllSplits(dir / "r", 3, RecordFormat::Fixed(10), &count), data);
  EXPECT_EQ(count, 25u);  // at least one record per split
}

TEST(InputSplitsTest, PartialFixedRecordNamesFileAndOffset) {
  TempDir dir;
  WriteFile(dir / "r", std::string(1050, 'x'));
  auto s = PlanSplits({dir / "r"}, RecordFormat::Fixed(100), 1000);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr(dir / "r:1000"));
}

TEST(InputSplitsTest, GlobsAndMissingInputs) {
  TempDir dir;
  WriteFile(dir / "b.txt", "b");
  WriteFile(dir / "a.txt", "a");
  WriteFile(dir / "c.dat", "c");
  auto files = ExpandInput(dir / "*.txt");
  ASSERT_TRUE(files.ok());
  EXPECT_THAT(*files, ::testing::ElementsAre(dir / "a.txt", dir / "b.txt"));

  auto none = ExpandInput(dir / "*.csv");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(none.status().message(), HasSubstr("*.csv"));
  auto missing = ExpandInput(dir / "nope.txt");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(dir / "nope.txt"));
  auto directory = ExpandInput(dir.path());
  EXPECT_EQ(directory.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(directory.status().message(), HasSubstr("is a directory"));
}

TEST(InputSplitsTest, FileThatShrankAfterPlanningIsNamed) {
  TempDir dir;
  WriteFile(dir / "t", std::string(100, 'x'));
  auto splits = PlanSplits({dir / "t"}, RecordFormat::Lines(), 60);
  ASSERT_TRUE(splits.ok());
  WriteFile(dir / "t", "short\n");
  auto d = ReadSplit((*splits)[1], RecordFormat::Lines());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(d.status().message(), HasSubstr(dir / "t"));
  std::filesystem::remove(dir / "t");
  auto gone = ReadSplit((*splits)[0], RecordFormat::Lines());
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(gone.status().message(), HasSubstr(dir / "t"));
}

TEST(InputSplitsTest, SplitCodecRoundTrips) {
  ByteWriter w;
  EncodeSplit({"/a/b", 123456789012, 42}, w);
  std::string bytes = w.Take();
  ByteReader r(bytes, "split");
  auto s = DecodeSplit(r);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (InputSplit{"/a/b", 123456789012, 42}));
  ByteReader truncated(std::string_view(bytes).substr(0, 3), "split");
  EXPECT_EQ(DecodeSplit(truncated).status().code(),
            absl::StatusCode::kDataLoss);
}

// Issue 11 item 4: the splits are counted, and the count checked against
// the coordinator's task limit, before the list is built.  Before the fix
// `split_bytes: 1` built a split per byte (here 4 Mi of them; on a 1 TB
// file, until the coordinator died) and returned them all.
TEST(InputSplitsTest, Issue11TooManySplitsAreRefusedBeforeBuildingThem) {
  TempDir dir;
  WriteFile(dir / "big.txt", std::string(4 << 20, 'x'));
  const v1::JobSpec spec = testing::Spec(absl::StrCat(
      R"({"kind": "wordcount", "params": {"input": ")", dir / "big.txt",
      R"(", "output": ")", dir / "out", R"(", "split_bytes": 1}})"));
  const JobContext job{"j", spec, Params(spec.params())};
  auto kind = NewWordcountKind();
  auto plan = kind->Plan(PlanContext{job, 0, "", 1000});
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(plan.status().message().find("4194304 tasks"), std::string::npos)
      << plan.status();
}

// A FIFO, a character device or a directory as input is refused at once,
// naming it (the FIFO is never opened for a blocking read).  Hang guard:
// if the check blocks on the FIFO, the test opens its write end so the
// reader sees end-of-file, and fails.
TEST(InputSplitsTest, Issue11InputThatIsNotARegularFileIsRefusedAtOnce) {
  TempDir dir;
  const std::string fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto refused = std::async(std::launch::async, [&] {
    return PlanSplits({fifo}, RecordFormat::Lines(), 100).status();
  });
  if (refused.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));  // unblock it
    FAIL() << "planning a FIFO input blocked";
  }
  absl::Status s = refused.get();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find(fifo), std::string::npos) << s;
  EXPECT_NE(s.message().find("FIFO"), std::string::npos) << s;
  for (const std::string& path : {std::string("/dev/zero"), dir.path()}) {
    auto expanded = ExpandInput(path);
    EXPECT_EQ(expanded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(expanded.status().message().find(path), std::string::npos)
        << expanded.status();
    EXPECT_EQ(PlanSplits({path}, RecordFormat::Lines(), 100).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  // A worker's ReadSplit on a FIFO does not block either.
  auto read = std::async(std::launch::async, [&] {
    return ReadSplit({fifo, 0, 10}, RecordFormat::Lines()).status();
  });
  if (read.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ::close(::open(fifo.c_str(), O_WRONLY | O_NONBLOCK));
    FAIL() << "reading a FIFO split blocked";
  }
  EXPECT_EQ(read.get().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace gridless::mapreduce
