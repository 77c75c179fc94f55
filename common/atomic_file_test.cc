#include "common/atomic_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

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

}  // namespace
}  // namespace gridless
