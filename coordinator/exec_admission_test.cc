#include "coordinator/exec_admission.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

TEST(ExecAdmissionTest, ExecNeedsAllowExecOtherKindsDoNot) {
  EXPECT_TRUE(CheckKindAdmitted("exec", true).ok());
  EXPECT_TRUE(CheckKindAdmitted("wordcount", false).ok());
  EXPECT_TRUE(CheckKindAdmitted("pi", false).ok());
  absl::Status s = CheckKindAdmitted("exec", false);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("--allow-exec"));
  EXPECT_THAT(s.message(), HasSubstr("\"exec\""));
}

Journal::JobRecord Record(const std::string& id, const std::string& kind,
                          v1::JobState state) {
  Journal::JobRecord r;
  r.job_id = id;
  r.spec.set_kind(kind);
  r.state = state;
  r.submitted = absl::FromUnixSeconds(1000);
  r.done.push_back({});
  return r;
}

TEST(ExecAdmissionTest, UnfinishedExecJobsOfAJournalFailWithoutAllowExec) {
  std::vector<Journal::JobRecord> jobs = {
      Record("job-1", "exec", v1::JOB_STATE_RUNNING),
      Record("job-2", "pi", v1::JOB_STATE_RUNNING),
      Record("job-3", "exec", v1::JOB_STATE_SUCCEEDED),
      Record("job-4", "exec", v1::JOB_STATE_UNSPECIFIED),
  };
  std::vector<Journal::JobRecord> allowed = jobs;
  EXPECT_EQ(
      FailUnadmittedJobs(allowed, true, absl::FromUnixSeconds(1010), nullptr),
      0u);
  EXPECT_EQ(allowed[0].state, v1::JOB_STATE_RUNNING);

  EXPECT_EQ(
      FailUnadmittedJobs(jobs, false, absl::FromUnixSeconds(1010), nullptr),
      2u);
  for (int i : {0, 3}) {
    EXPECT_EQ(jobs[i].state, v1::JOB_STATE_FAILED) << i;
    EXPECT_THAT(jobs[i].error, HasSubstr("not resumed"));
    EXPECT_THAT(jobs[i].error, HasSubstr("--allow-exec"));
    EXPECT_EQ(jobs[i].wall_seconds, 10);
    EXPECT_TRUE(jobs[i].done.empty());
  }
  EXPECT_EQ(jobs[1].state, v1::JOB_STATE_RUNNING);    // not exec
  EXPECT_EQ(jobs[2].state, v1::JOB_STATE_SUCCEEDED);  // ended already
  EXPECT_EQ(jobs[2].error, "");
}

}  // namespace
}  // namespace gridless
