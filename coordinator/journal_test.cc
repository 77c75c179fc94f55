#include "coordinator/journal.h"

#include <sqlite3.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir();
    path_ = dir_ + "/journal_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() +
            ".db";
    std::remove(path_.c_str());
    std::remove((path_ + "-wal").c_str());
    std::remove((path_ + "-shm").c_str());
  }
  std::string dir_, path_;
};

v1::JobSpec Spec(const std::string& kind) {
  v1::JobSpec s;
  s.set_kind(kind);
  s.set_seed(7);
  return s;
}

TEST_F(JournalTest, NothingIsVisibleBeforeFlush) {
  auto j = Journal::Open(path_);
  ASSERT_TRUE(j.ok()) << j.status();
  (*j)->RecordJob("j1", Spec("pi"), absl::FromUnixSeconds(100));
  EXPECT_EQ((*j)->pending(), 1u);
  auto other = Journal::Open(path_);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_TRUE((*other)->Load()->empty());
  ASSERT_TRUE((*j)->Flush().ok());
  EXPECT_EQ((*j)->pending(), 0u);
  EXPECT_EQ((*other)->Load()->size(), 1u);
}

TEST_F(JournalTest, ReopenRecoversUnfinishedJobsWithTheirTasks) {
  {
    auto j = Journal::Open(path_);
    ASSERT_TRUE(j.ok());
    (*j)->RecordJob("j1", Spec("pi"), absl::FromUnixSeconds(100));
    (*j)->RecordJob("j2", Spec("noop"), absl::FromUnixSeconds(101));
    (*j)->RecordTaskDone("j1", {0, 3, std::string("\0\1", 2), 0.5});
    (*j)->RecordTaskDone("j1", {0, 1, "b", 0.25});
    (*j)->RecordTaskDone("j1", {0, 1, "dup", 0.25});  // ignored
    (*j)->RecordTaskDone("j2", {0, 0, "x", 1});
    google::protobuf::Struct result;
    (*result.mutable_fields())["tasks_merged"].set_number_value(1);
    (*j)->RecordJobEnd("j2", v1::JOB_STATE_SUCCEEDED, "", result, 2.5);
    ASSERT_TRUE((*j)->Flush().ok());
  }
  auto j = Journal::Open(path_);
  ASSERT_TRUE(j.ok());
  auto jobs = (*j)->Load();
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 2u);
  const auto& j1 = (*jobs)[0];
  EXPECT_EQ(j1.job_id, "j1");
  EXPECT_EQ(j1.spec.kind(), "pi");
  EXPECT_EQ(j1.state, v1::JOB_STATE_RUNNING);
  EXPECT_EQ(j1.submitted, absl::FromUnixSeconds(100));
  ASSERT_EQ(j1.done.size(), 2u);
  EXPECT_EQ(j1.done[0].index, 1u);
  EXPECT_EQ(j1.done[0].partial, "b");
  EXPECT_EQ(j1.done[1].partial, std::string("\0\1", 2));
  const auto& j2 = (*jobs)[1];
  EXPECT_EQ(j2.state, v1::JOB_STATE_SUCCEEDED);
  EXPECT_TRUE(j2.done.empty());
  EXPECT_EQ(j2.result.fields().at("tasks_merged").number_value(), 1);
  EXPECT_EQ(j2.wall_seconds, 2.5);
}

TEST_F(JournalTest, RefusesAFileThatIsNotADatabase) {
  std::ofstream(path_) << "this is a loan tape, not a journal\n"
                       << std::string(4096, 'x');
  auto j = Journal::Open(path_);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(j.status().message(), HasSubstr(path_));
  EXPECT_THAT(j.status().message(), HasSubstr("not a Gridless journal"));
  // Untouched.
  std::ifstream in(path_);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "this is a loan tape, not a journal");
}

TEST_F(JournalTest, RefusesAnotherProgramsDatabase) {
  sqlite3* db;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE accounts (id INTEGER)", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto j = Journal::Open(path_);
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(j.status().message(), HasSubstr("another program"));
}

TEST_F(JournalTest, RefusesANewerFormat) {
  { ASSERT_TRUE(Journal::Open(path_).ok()); }
  sqlite3* db;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto j = Journal::Open(path_);
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(j.status().message(), HasSubstr("newer"));
}

TEST_F(JournalTest, RecordsArriveWhileAFlushWritesAndNoneIsLost) {
  auto j = Journal::Open(path_);
  ASSERT_TRUE(j.ok());
  (*j)->RecordJob("j1", Spec("noop"), absl::FromUnixSeconds(1));
  constexpr uint64_t kTasks = 20000;
  std::thread flusher([&] {
    for (int i = 0; i < 200; ++i) ASSERT_TRUE((*j)->Flush().ok());
  });
  for (uint64_t i = 0; i < kTasks; ++i) {
    (*j)->RecordTaskDone("j1", {0, kTasks - 1 - i, std::to_string(i), 0.5});
  }
  flusher.join();
  ASSERT_TRUE((*j)->Flush().ok());
  auto jobs = (*j)->Load();
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ((*jobs)[0].done.size(), kTasks);
  for (uint64_t i = 0; i < kTasks; ++i) {
    EXPECT_EQ((*jobs)[0].done[i].index, i);
    EXPECT_EQ((*jobs)[0].done[i].partial, std::to_string(kTasks - 1 - i));
  }
}

TEST_F(JournalTest, RefusesAnOlderFormat) {
  { ASSERT_TRUE(Journal::Open(path_).ok()); }
  sqlite3* db;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "PRAGMA user_version=1", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto j = Journal::Open(path_);
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(j.status().message(), HasSubstr("older build"));
}

TEST_F(JournalTest, ForgottenJobsAreDeletedAndTheirNumbersRemembered) {
  {
    auto j = Journal::Open(path_);
    ASSERT_TRUE(j.ok());
    EXPECT_EQ(*(*j)->LastForgottenJobNumber(), 0u);
    google::protobuf::Struct result;
    for (const char* id : {"job-1", "job-2", "job-3"}) {
      (*j)->RecordJob(id, Spec("noop"), absl::FromUnixSeconds(1));
      (*j)->RecordJobEnd(id, v1::JOB_STATE_SUCCEEDED, "", result, 1);
    }
    (*j)->RecordJob("job-4", Spec("noop"), absl::FromUnixSeconds(2));
    (*j)->RecordTaskDone("job-4", {0, 0, "x", 1});
    // Forgotten in the same commit they were recorded in, out of order.
    (*j)->RecordJobForget("job-2", 2);
    (*j)->RecordJobForget("job-1", 1);
    ASSERT_TRUE((*j)->Flush().ok());
  }
  auto j = Journal::Open(path_);
  ASSERT_TRUE(j.ok());
  auto jobs = (*j)->Load();
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].job_id, "job-3");
  EXPECT_EQ((*jobs)[1].job_id, "job-4");
  EXPECT_EQ((*jobs)[1].done.size(), 1u);
  EXPECT_EQ(*(*j)->LastForgottenJobNumber(), 2u);
}

// A format-2 journal (before forgetting existed) is upgraded in place and
// keeps its jobs.
TEST_F(JournalTest, UpgradesAFormat2Journal) {
  {
    auto j = Journal::Open(path_);
    ASSERT_TRUE(j.ok());
    (*j)->RecordJob("job-1", Spec("pi"), absl::FromUnixSeconds(100));
    ASSERT_TRUE((*j)->Flush().ok());
  }
  sqlite3* db;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE counters; PRAGMA user_version=2",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto j = Journal::Open(path_);
  ASSERT_TRUE(j.ok()) << j.status();
  auto jobs = (*j)->Load();
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->size(), 1u);
  EXPECT_EQ(*(*j)->LastForgottenJobNumber(), 0u);
  (*j)->RecordJobForget("job-1", 1);
  ASSERT_TRUE((*j)->Flush().ok());
  EXPECT_EQ(*(*j)->LastForgottenJobNumber(), 1u);
}

TEST_F(JournalTest, UnwritableDirectoryIsAClearError) {
  auto j = Journal::Open("/nonexistent-dir/journal.db");
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(j.status().message(), HasSubstr("/nonexistent-dir/journal.db"));
}

}  // namespace
}  // namespace gridless
