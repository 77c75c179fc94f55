#include "cli/failures_output.h"

#include <algorithm>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::FailuresResponse SampleFailures() {
  v1::FailuresResponse f;
  f.set_job_id("job-3");
  f.set_state(v1::JOB_STATE_PARTIAL);
  v1::DeadLetter& d = *f.add_dead_letters();
  d.set_stage(0);
  d.set_task_index(7);
  for (uint32_t i = 1; i <= 3; ++i) {
    v1::AttemptRecord& a = *d.add_attempts();
    a.set_attempt(i);
    a.set_worker(i == 3 ? "host:42:last" : "host:41:w");
    a.set_seconds(0.25 * i);
    a.set_code(static_cast<int32_t>(absl::StatusCode::kInternal));
    a.set_message(i == 3 ? "injected failure of task 7" : "worker died");
    a.set_retryable(true);
  }
  v1::DeadLetter& p = *f.add_dead_letters();
  p.set_stage(1);
  p.set_task_index(12);
  v1::AttemptRecord& a = *p.add_attempts();
  a.set_attempt(1);
  a.set_code(static_cast<int32_t>(absl::StatusCode::kInvalidArgument));
  a.set_message("bad shard \"x\"");
  a.set_retryable(false);
  return f;
}

TEST(FailuresToTextTest, OneRowPerDeadLetterWithItsLastAttempt) {
  std::string text = FailuresToText(SampleFailures(), /*verbose=*/false);
  EXPECT_THAT(text, HasSubstr("job job-3 partial: 2 dead-lettered tasks\n"));
  EXPECT_THAT(text, HasSubstr("STAGE"));
  EXPECT_THAT(text, HasSubstr("LAST ERROR"));
  EXPECT_THAT(text, HasSubstr("INTERNAL: injected failure of task 7"));
  EXPECT_THAT(text, HasSubstr("host:42:last"));
  EXPECT_THAT(text, HasSubstr(" yes "));
  EXPECT_THAT(text, HasSubstr("0.750"));
  EXPECT_THAT(text, HasSubstr("INVALID_ARGUMENT: bad shard"));
  EXPECT_THAT(text, HasSubstr(" no "));
  // Not verbose: the earlier attempts are not shown.
  EXPECT_THAT(text, Not(HasSubstr("worker died")));
  // Four lines: title, header, two rows.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
}

TEST(FailuresToTextTest, VerboseShowsEveryAttempt) {
  std::string text = FailuresToText(SampleFailures(), /*verbose=*/true);
  EXPECT_THAT(text, HasSubstr("attempt 1: worker host:41:w, 0.250 s, "
                              "retryable, INTERNAL: worker died"));
  EXPECT_THAT(text, HasSubstr("attempt 3: worker host:42:last"));
  EXPECT_THAT(text, HasSubstr("attempt 1: worker -, 0.000 s, permanent, "
                              "INVALID_ARGUMENT"));
}

TEST(FailuresToTextTest, NoDeadLetters) {
  v1::FailuresResponse f;
  f.set_job_id("job-1");
  f.set_state(v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(FailuresToText(f, false),
            "job job-1 succeeded: no dead-lettered tasks\n");
  EXPECT_EQ(FailuresToJson(f),
            "{\"job_id\":\"job-1\",\"state\":\"succeeded\","
            "\"dead_letters\":[]}");
}

TEST(FailuresToJsonTest, EveryAttemptAsValidJson) {
  std::string json = FailuresToJson(SampleFailures());
  EXPECT_THAT(json,
              HasSubstr("{\"stage\":0,\"task\":7,\"attempts\":[{\"attempt\":1,"
                        "\"worker\":\"host:41:w\",\"seconds\":0.25,\"code\":"
                        "\"INTERNAL\",\"message\":\"worker died\","
                        "\"retryable\":true},"));
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok())
      << json;
  const auto& dead = parsed.fields().at("dead_letters").list_value();
  ASSERT_EQ(dead.values_size(), 2);
  const auto& second = dead.values(1).struct_value().fields();
  EXPECT_EQ(second.at("task").number_value(), 12);
  const auto& attempt =
      second.at("attempts").list_value().values(0).struct_value().fields();
  EXPECT_EQ(attempt.at("message").string_value(), "bad shard \"x\"");
  EXPECT_FALSE(attempt.at("retryable").bool_value());
}

TEST(StatusCodeNameTest, KnownAndUnknownCodes) {
  EXPECT_EQ(StatusCodeName(4), "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(99), "99");
}

TEST(DeadLetterHintTest, PartialAndFailedJobsPointToFailuresAndRetry) {
  v1::Progress p;
  p.set_job_id("job-3");
  p.set_state(v1::JOB_STATE_PARTIAL);
  p.mutable_tasks()->set_failed(2);
  EXPECT_EQ(DeadLetterHint(p, ""),
            "partial result: 2 tasks dead-lettered; see `gridless failures "
            "job-3`, rerun them with `gridless retry job-3`");
  p.set_state(v1::JOB_STATE_FAILED);
  p.mutable_tasks()->set_failed(1);
  EXPECT_EQ(DeadLetterHint(p, " --coordinator h:1"),
            "1 task dead-lettered; see `gridless failures job-3 --coordinator "
            "h:1`, rerun them with `gridless retry job-3 --coordinator h:1`");
  // Nothing dead-lettered, or a state where it does not apply: no hint.
  p.mutable_tasks()->set_failed(0);
  EXPECT_EQ(DeadLetterHint(p, ""), "");
  p.mutable_tasks()->set_failed(1);
  p.set_state(v1::JOB_STATE_CANCELLED);
  EXPECT_EQ(DeadLetterHint(p, ""), "");
}

TEST(CoordinatorFlagForTest, OnlyForANonDefaultAddress) {
  EXPECT_EQ(CoordinatorFlagFor(""), "");
  EXPECT_EQ(CoordinatorFlagFor("10.0.0.9:7070"),
            " --coordinator 10.0.0.9:7070");
}

}  // namespace
}  // namespace gridless
