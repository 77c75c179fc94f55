#include "jobs/mapreduce/store.h"

#include <filesystem>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jobs/mapreduce/crc32c.h"
#include "jobs/mapreduce/file_util.h"
#include "jobs/mapreduce/test_util.h"

namespace gridless::mapreduce {
namespace {

using ::testing::HasSubstr;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

TEST(Crc32cTest, KnownValues) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  std::string long_text(1000, 'x');
  for (size_t i = 0; i < long_text.size(); ++i) long_text[i] = char(i * 7);
  // Extending piecewise equals one pass (and covers the 8-byte loop).
  uint32_t c = Crc32cExtend(0, std::string_view(long_text).substr(0, 13));
  c = Crc32cExtend(c, std::string_view(long_text).substr(13));
  EXPECT_EQ(c, Crc32c(long_text));
}

TEST(FileStoreTest, PutGetListDelete) {
  TempDir dir;
  auto store = OpenStore("file://" + dir.path() + "/store");
  ASSERT_TRUE(store.ok()) << store.status();
  auto info = (*store)->Put("job-1/map-00000/run-00001", "hello");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->size, 5u);
  EXPECT_EQ(info->crc32c, Crc32c("hello"));
  ASSERT_TRUE((*store)->Put("job-1/map-00001/run-00000", "").ok());
  ASSERT_TRUE((*store)->Put("job-2/x", "other job").ok());
  auto got = (*store)->Get("job-1/map-00000/run-00001", *info);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "hello");

  auto list = (*store)->List("job-1");
  ASSERT_TRUE(list.ok());
  EXPECT_THAT(*list, ::testing::ElementsAre("job-1/map-00000/run-00001",
                                            "job-1/map-00001/run-00000"));
  ASSERT_TRUE((*store)->DeletePrefix("job-1").ok());
  EXPECT_TRUE((*store)->List("job-1")->empty());
  EXPECT_EQ((*store)->List("")->size(), 1u);  // job-2 untouched
  EXPECT_TRUE((*store)->Delete("job-1/never-existed").ok());
}

TEST(FileStoreTest, CorruptTruncatedAndMissingObjectsAreNamed) {
  TempDir dir;
  auto store = OpenStore("file://" + dir.path());
  ASSERT_TRUE(store.ok());
  const std::string name = "j/map-00003/run-00000";
  auto info = (*store)->Put(name, "0123456789");
  ASSERT_TRUE(info.ok());

  WriteFile(dir / name, "0123456788");  // same size, one byte flipped
  auto corrupt = (*store)->Get(name, *info);
  EXPECT_EQ(corrupt.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(corrupt.status().message(), HasSubstr(name));
  EXPECT_THAT(corrupt.status().message(), HasSubstr("crc32c"));

  WriteFile(dir / name, "01234");
  auto truncated = (*store)->Get(name, *info);
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(truncated.status().message(), HasSubstr("5 bytes, expected 10"));

  ASSERT_TRUE((*store)->Delete(name).ok());
  auto missing = (*store)->Get(name, *info);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(name));
}

// Issue 15: GetBlob (a read-only mapping of the file) checks exactly what
// Get checks, and its bytes outlive a rename over the object.
TEST(FileStoreTest, GetBlobMapsTheObjectAndChecksItLikeGet) {
  TempDir dir;
  auto store = OpenStore("file://" + dir.path());
  ASSERT_TRUE(store.ok());
  const std::string name = "j/map-00001/run-00002";
  const std::string data(3 << 20, 'q');
  auto info = (*store)->Put(name, data);
  ASSERT_TRUE(info.ok());
  auto blob = (*store)->GetBlob(name, *info);
  ASSERT_TRUE(blob.ok()) << blob.status();
  ASSERT_TRUE((*store)->Put(name, "replaced").ok());
  EXPECT_EQ((*blob)->data(), data);

  auto empty_info = (*store)->Put("j/empty", "");
  ASSERT_TRUE(empty_info.ok());
  auto empty = (*store)->GetBlob("j/empty", *empty_info);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ((*empty)->data(), "");

  info = (*store)->Put(name, "0123456789");
  ASSERT_TRUE(info.ok());
  WriteFile(dir / name, "0123456788");
  auto corrupt = (*store)->GetBlob(name, *info);
  EXPECT_EQ(corrupt.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(corrupt.status().message(), HasSubstr("crc32c"));
  WriteFile(dir / name, "01234");
  auto truncated = (*store)->GetBlob(name, *info);
  EXPECT_EQ(truncated.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(truncated.status().message(), HasSubstr("5 bytes, expected 10"));
  ASSERT_TRUE((*store)->Delete(name).ok());
  auto missing = (*store)->GetBlob(name, *info);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(name));
}

TEST(FileStoreTest, PutLeavesNoTemporaryFiles) {
  TempDir dir;
  auto store = OpenStore("file://" + dir.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("a/b", std::string(3 << 20, 'z')).ok());
  ASSERT_TRUE((*store)->Put("a/b", "replaced").ok());
  EXPECT_EQ(ReadFile(dir / "a/b"), "replaced");
  int entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir / "a")) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

// A worker SIGKILLed mid-Put leaves its hidden temporary file behind; the
// job's clean-up removes it with the objects, and nothing outside the
// prefix.
TEST(FileStoreTest, DeletePrefixRemovesTemporaryFilesOfKilledWriters) {
  TempDir dir;
  auto store = OpenStore("file://" + dir.path());
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("job-1/map-00000/run-00000", "a").ok());
  ASSERT_TRUE((*store)->Put("job-10/map-00000/run-00000", "b").ok());
  WriteFile(dir / "job-1/map-00000/.run-00001.tmp-4242-0", "half a ru");
  ASSERT_TRUE((*store)->DeletePrefix("job-1").ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "job-1"));
  EXPECT_THAT(*(*store)->List(""),
              ::testing::ElementsAre("job-10/map-00000/run-00000"));
  EXPECT_TRUE((*store)->DeletePrefix("job-1").ok()) << "already gone is OK";
  EXPECT_FALSE((*store)->DeletePrefix("").ok()) << "never the whole store";
  EXPECT_FALSE((*store)->DeletePrefix("../job-10").ok());
  EXPECT_TRUE(std::filesystem::exists(dir / "job-10/map-00000/run-00000"));
}

TEST(OutputDirectoryTest, TidyKeepsThisRunsPartsAndNothingElseOfOurs) {
  TempDir dir;
  for (const char* name :
       {"part-00000", "part-00001", "part-00002", ".part-00001.tmp-77-3",
        ".part-00004.tmp-78-0", "notes.txt", ".hidden", "part-x"}) {
    WriteFile(dir / name, name);
  }
  TidyOutputDirectory(dir.path(), 2);
  auto names = ListDirectory(dir.path());
  ASSERT_TRUE(names.ok());
  // part-00002 is from an earlier run with more reducers; the .tmp files
  // are from killed writers; files the job did not name are the user's.
  EXPECT_THAT(*names,
              ::testing::ElementsAre(".hidden", "notes.txt", "part-00000",
                                     "part-00001", "part-x"));
}

TEST(StoreTest, RejectsBadNamesAndUrls) {
  TempDir dir;
  auto store = OpenStore("file://" + dir.path());
  ASSERT_TRUE(store.ok());
  for (const char* bad :
       {"", "/abs", "a//b", "../x", "a/./b", "a b", ".hidden"}) {
    EXPECT_EQ((*store)->Put(bad, "x").status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  auto s3 = OpenStore("s3://bucket/prefix");
  EXPECT_EQ(s3.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(s3.status().message(), HasSubstr("\"s3\""));
  EXPECT_THAT(s3.status().message(), HasSubstr("file://"));
  EXPECT_EQ(OpenStore("/just/a/path").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenStore("file://relative/dir").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(StoreTest, NewSchemesPlugInWithoutTouchingKinds) {
  TempDir dir;
  std::string root = dir.path();
  ASSERT_TRUE(RegisterStoreScheme("testfs", [root](std::string_view) {
                return OpenStore("file://" + root);
              }).ok());
  EXPECT_EQ(RegisterStoreScheme("testfs", nullptr).code(),
            absl::StatusCode::kAlreadyExists);
  auto store = OpenStore("testfs://anything");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->Put("x", "y").ok());
  EXPECT_EQ(ReadFile(dir / "x"), "y");
}

}  // namespace
}  // namespace gridless::mapreduce
