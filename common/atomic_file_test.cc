#include "common/atomic_file.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AtomicFileTest, ReplacesTheWholeFileAndLeavesNoTemporary) {
  std::string dir = ::testing::TempDir() + "/atomic_file_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = dir + "/result.json";
  ASSERT_TRUE(WriteFileAtomically(path, "old contents, longer\n").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "new\n").ok());
  EXPECT_EQ(Read(path), "new\n");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(AtomicFileTest, WithoutSyncTheFileIsStillReplacedWhole) {
  std::string dir = ::testing::TempDir() + "/atomic_file_nosync_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = dir + "/part";
  ASSERT_TRUE(WriteFileAtomically(path, "first\n", /*sync=*/false).ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second\n", /*sync=*/false).ok());
  EXPECT_EQ(Read(path), "second\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(AtomicFileTest, MissingDirectoryNamesThePath) {
  auto s = WriteFileAtomically("/nonexistent-dir/result.json", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(),
              ::testing::HasSubstr("/nonexistent-dir/result.json"));
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string FreshDir(const std::string& name) {
  std::string dir = ::testing::TempDir() + "/" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(AtomicFileWriterTest, StreamsIntoAHiddenTemporaryAndCommitsWhole) {
  std::string dir = FreshDir("atomic_writer_stream");
  std::string path = dir + "/part-00000";
  AtomicFileWriter w;
  ASSERT_TRUE(w.Open(path).ok());
  ASSERT_TRUE(w.Append("hello ").ok());
  ASSERT_TRUE(w.Append(std::string(3 << 20, 'x')).ok());  // past the buffer
  ASSERT_TRUE(w.Append("!").ok());
  // Before Commit only the temporary file exists, under a name map-reduce's
  // tidy-up recognizes.
  std::vector<std::string> before = Names(dir);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_TRUE(IsTempName(before[0])) << before[0];
  EXPECT_EQ(before[0].rfind(".part-00000.tmp-", 0), 0u) << before[0];
  ASSERT_TRUE(w.Commit().ok());
  EXPECT_EQ(w.bytes(), 6u + (3u << 20) + 1u);
  EXPECT_EQ(Names(dir), std::vector<std::string>{"part-00000"});
  EXPECT_EQ(Read(path), "hello " + std::string(3 << 20, 'x') + "!");
}

TEST(AtomicFileWriterTest, AnUncommittedWriterLeavesTheOldFileAndNoTemporary) {
  std::string dir = FreshDir("atomic_writer_abandon");
  std::string path = dir + "/out.csv";
  ASSERT_TRUE(WriteFileAtomically(path, "old\n").ok());
  {
    AtomicFileWriter w;
    ASSERT_TRUE(w.Open(path).ok());
    ASSERT_TRUE(w.Append(std::string(2 << 20, 'n')).ok());
  }  // destroyed mid-write, as when a generator's row fails
  EXPECT_EQ(Names(dir), std::vector<std::string>{"out.csv"});
  EXPECT_EQ(Read(path), "old\n");
}

TEST(AtomicFileWriterTest, AFailingWriteLeavesNoFinalFileAndNoTemporary) {
  std::string dir = FreshDir("atomic_writer_fail");
  std::string path = dir + "/tape.csv";
  AtomicFileWriter w;
  ASSERT_TRUE(w.Open(path).ok());
  ASSERT_TRUE(w.Append("some rows\n").ok());
  // The disk goes away under the writer: its descriptor is closed.
  ASSERT_EQ(::close(w.fd()), 0);
  absl::Status s = w.Commit();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), ::testing::HasSubstr(path));
  EXPECT_TRUE(Names(dir).empty()) << Names(dir).size();
}

TEST(AtomicFileWriterTest, TakesTheTemporaryNameItIsGiven) {
  std::string dir = FreshDir("atomic_writer_temp_name");
  std::string path = dir + "/final";
  AtomicFileWriter w;
  ASSERT_TRUE(w.Open(path, dir + "/my-temp").ok());
  EXPECT_EQ(w.temp_path(), dir + "/my-temp");
  ASSERT_TRUE(w.Append("x").ok());
  EXPECT_EQ(Names(dir), std::vector<std::string>{"my-temp"});
  ASSERT_TRUE(w.Commit(/*sync=*/false).ok());
  EXPECT_EQ(Names(dir), std::vector<std::string>{"final"});
  // An existing temporary file is never reused.
  WriteFileAtomically(dir + "/taken", "y").IgnoreError();
  AtomicFileWriter again;
  EXPECT_FALSE(again.Open(path, dir + "/taken").ok());
  EXPECT_EQ(Read(dir + "/taken"), "y");
}

TEST(AtomicFileWriterTest, TemporaryNamesAreHiddenAndUnique) {
  std::string a = TempPathFor("/d/part-00001");
  std::string b = TempPathFor("/d/part-00001");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("/d/.part-00001.tmp-", 0), 0u) << a;
  EXPECT_TRUE(IsTempName(a.substr(3)));
  EXPECT_FALSE(IsTempName("part-00001"));
  EXPECT_FALSE(IsTempName(".hidden"));
}

}  // namespace
}  // namespace gridless
