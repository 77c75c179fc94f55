// A deleted or corrupted intermediate run makes the reduce task fail with
// DATA_LOSS naming the map task that wrote it; re-running that map task
// restores the run and the output is identical.
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/builtin_kinds.h"
#include "jobs/mapreduce/lost_map_tasks.h"
#include "jobs/mapreduce/shuffle_codec.h"
#include "jobs/mapreduce/test_util.h"
#include "jobs/mapreduce/text_gen.h"

namespace gridless::mapreduce {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ReadParts;
using testing::Spec;
using testing::StageRunner;
using testing::TempDir;
using testing::WriteFile;

class LostRunsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string text;
    for (uint64_t i = 0; i < 300; ++i) MakeTextLine(1, i, 200, text);
    WriteFile(dir_ / "in.txt", text);
    spec_ = Spec(absl::StrCat(
        R"({"kind": "wordcount", "params": {"input": ")", dir_ / "in.txt",
        R"(", "output": ")", dir_ / "out", R"(", "store": "file://)",
        dir_ / "store", R"(", "reducers": 2, "split_bytes": 4000}})"));
  }
  TempDir dir_;
  v1::JobSpec spec_;
};

TEST_F(LostRunsTest, DeletedOrCorruptRunNamesTheMapTaskAndRerunRecovers) {
  auto kind = NewWordcountKind();
  StageRunner job(*kind, spec_);
  auto maps = job.Plan(0);
  ASSERT_TRUE(maps.ok()) << maps.status();
  ASSERT_GE(maps->size(), 5u);
  std::vector<std::string> partials;
  for (size_t i = 0; i < maps->size(); ++i) {
    auto p = job.Run(0, i, (*maps)[i]);
    ASSERT_TRUE(p.ok()) << p.status();
    partials.push_back(*p);
  }
  ASSERT_TRUE(job.Merge(partials).ok());
  auto reduces = job.Plan(1);
  ASSERT_TRUE(reduces.ok()) << reduces.status();
  ASSERT_EQ(reduces->size(), 2u);

  auto payload = DecodeReducePayload((*reduces)[1]);
  ASSERT_TRUE(payload.ok());
  ASSERT_GE(payload->runs.size(), 4u);
  const RunRef& lost = payload->runs[2];
  const RunRef& corrupt = payload->runs[3];
  std::filesystem::remove(dir_ / "store/" + lost.name);
  WriteFile(dir_ / "store/" + corrupt.name, "garbage\tgarbage\n");

  auto r = job.Run(1, 1, (*reduces)[1]);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(r.status().message(), HasSubstr(lost.name));
  EXPECT_THAT(r.status().message(),
              HasSubstr(absl::StrCat("map task(s) ", lost.map_task, ",",
                                     corrupt.map_task)));
  auto tasks = LostMapTasks(r.status());
  ASSERT_TRUE(tasks.has_value());
  EXPECT_THAT(*tasks, ElementsAre(lost.map_task, corrupt.map_task));
  // The list is typed (a payload the worker sends as
  // TaskError.lost_previous_tasks), not text in the message.
  EXPECT_FALSE(
      LostMapTasks(absl::DataLossError(r.status().message())).has_value());

  // Re-running just those map tasks rewrites the same runs (same checksums,
  // so the reduce plan stays valid) and the reduce succeeds.
  for (uint64_t m : *tasks) {
    auto again = job.Run(0, m, (*maps)[m]);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(*again, partials[m]);
  }
  std::vector<std::string> outs;
  for (size_t i = 0; i < reduces->size(); ++i) {
    auto p = job.Run(1, i, (*reduces)[i]);
    ASSERT_TRUE(p.ok()) << p.status();
    outs.push_back(*p);
  }
  ASSERT_TRUE(job.Merge(outs).ok());
  auto result = job.Finalize();
  ASSERT_TRUE(result.ok()) << result.status();
  std::string recovered = ReadParts(dir_ / "out");

  // Same as an undisturbed run.
  std::filesystem::remove_all(dir_ / "out");
  StageRunner clean(*kind, spec_);
  auto m2 = clean.Plan(0);
  std::vector<std::string> p2;
  for (size_t i = 0; i < m2->size(); ++i)
    p2.push_back(*clean.Run(0, i, (*m2)[i]));
  ASSERT_TRUE(clean.Merge(p2).ok());
  auto r2 = clean.Plan(1);
  std::vector<std::string> o2;
  for (size_t i = 0; i < r2->size(); ++i)
    o2.push_back(*clean.Run(1, i, (*r2)[i]));
  ASSERT_TRUE(clean.Merge(o2).ok());
  ASSERT_TRUE(clean.Finalize().ok());
  EXPECT_EQ(ReadParts(dir_ / "out"), recovered);
  // Finalize removed the job's runs.
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "store"));
}

TEST_F(LostRunsTest, FinalizeRefusesMissingOutput) {
  auto kind = NewWordcountKind();
  StageRunner job(*kind, spec_);
  auto maps = job.Plan(0);
  ASSERT_TRUE(maps.ok());
  std::vector<std::string> partials;
  for (size_t i = 0; i < maps->size(); ++i)
    partials.push_back(*job.Run(0, i, (*maps)[i]));
  ASSERT_TRUE(job.Merge(partials).ok());
  auto reduces = job.Plan(1);
  std::vector<std::string> outs;
  for (size_t i = 0; i < reduces->size(); ++i)
    outs.push_back(*job.Run(1, i, (*reduces)[i]));
  ASSERT_TRUE(job.Merge(outs).ok());
  std::filesystem::remove(dir_ / "out/part-00001");
  auto result = job.Finalize();
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(result.status().message(), HasSubstr(dir_ / "out/part-00001"));
}

TEST(LostMapTasksTest, OnlyDataLossWithTheTypedListCounts) {
  EXPECT_FALSE(LostMapTasks(absl::OkStatus()).has_value());
  EXPECT_FALSE(LostMapTasks(absl::DataLossError("disk ate it")).has_value());
  // Text in a message is not a list (the old wire marker is not parsed).
  EXPECT_FALSE(
      LostMapTasks(absl::DataLossError("x [lost_map_tasks=1]")).has_value());
  absl::Status unavailable = absl::UnavailableError("x");
  unavailable.SetPayload(absl::string_view(kLostPreviousTasksTypeUrl.data(),
                                           kLostPreviousTasksTypeUrl.size()),
                         absl::Cord("1"));
  EXPECT_FALSE(LostMapTasks(unavailable).has_value());
  auto s = LostMapTasksError({7, 3, 7}, "lost");
  EXPECT_EQ(s.message(), "lost");
  EXPECT_THAT(*LostMapTasks(s), ElementsAre(3, 7));
}

}  // namespace
}  // namespace gridless::mapreduce
