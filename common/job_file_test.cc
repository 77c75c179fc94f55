#include "common/job_file.h"

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

TEST(JobFileTest, ParsesKindSeedAndParams) {
  auto spec = ParseJobSpecJson(
      R"({"kind": "pi", "seed": 7, "max_attempts": 2,
          "params": {"samples": 1000, "tasks": 4}})",
      "job.json");
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->kind(), "pi");
  EXPECT_EQ(spec->seed(), 7u);
  EXPECT_EQ(spec->max_attempts(), 2u);
  EXPECT_EQ(spec->params().fields().at("samples").number_value(), 1000);
}

TEST(JobFileTest, MalformedJsonNamesTheFile) {
  auto spec = ParseJobSpecJson("{\"kind\": ", "bad.json");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(spec.status().message(), HasSubstr("bad.json"));
}

TEST(JobFileTest, UnknownTopLevelFieldIsRefused) {
  auto spec = ParseJobSpecJson(R"({"kind": "pi", "sead": 7})", "typo.json");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.status().message(), HasSubstr("sead"));
}

TEST(JobFileTest, MissingKindIsRefused) {
  auto spec = ParseJobSpecJson(R"({"seed": 7})", "nokind.json");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(spec.status().message(), HasSubstr("kind"));
}

TEST(JobFileTest, MissingFileIsNotFound) {
  auto spec = ReadJobFile("/nonexistent/job.json");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(spec.status().message(), HasSubstr("/nonexistent/job.json"));
}

TEST(JobFileTest, RoundTripsThroughJson) {
  auto spec = ParseJobSpecJson(R"({"kind": "noop", "seed": 3,
      "params": {"tasks": 10, "fail": [1, 2]}})",
                               "a.json");
  ASSERT_TRUE(spec.ok());
  auto again = ParseJobSpecJson(JobSpecToJson(*spec), "b.json");
  ASSERT_TRUE(again.ok()) << again.status();
  // Not SerializeAsString: protobuf's map order (Struct.fields) may differ
  // between two equal maps, which made this test flaky.
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*again, *spec))
      << JobSpecToJson(*again) << " vs " << JobSpecToJson(*spec);
}

}  // namespace
}  // namespace gridless
