#include "cli/progress_line.h"

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::Progress Snapshot(double wall, uint64_t done, uint64_t total,
                      v1::JobState state = v1::JOB_STATE_RUNNING) {
  v1::Progress p;
  p.set_job_id("0123456789abcdef");
  p.set_kind("pi");
  p.set_state(state);
  p.set_wall_seconds(wall);
  p.set_workers(3);
  p.mutable_tasks()->set_total(total);
  p.mutable_tasks()->set_succeeded(done);
  p.mutable_tasks()->set_retried(2);
  p.mutable_tasks()->set_failed(1);
  return p;
}

// Captures what a ProgressLine writes.
class Capture {
 public:
  Capture() : file_(std::tmpfile()) {}
  ~Capture() { std::fclose(file_); }
  FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    std::rewind(file_);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), file_)) > 0) out.append(buf, n);
    return out;
  }

 private:
  FILE* file_;
};

TEST(FormatProgressLineTest, ShowsCountsRateAndEta) {
  std::string line = FormatProgressLine(Snapshot(10, 120, 200), 40.0, 2.0);
  EXPECT_EQ(line,
            "pi 01234567: 120/200 tasks (60%), 1 failed, 2 retried, 3 workers, "
            "40 tasks/s, ETA 0:02");
}

TEST(FormatProgressLineTest, FinalStateReplacesEta) {
  std::string line = FormatProgressLine(
      Snapshot(12.5, 200, 200, v1::JOB_STATE_SUCCEEDED), 50.0, 0.0);
  EXPECT_THAT(line, HasSubstr("succeeded in 12.5 s"));
  EXPECT_THAT(line, Not(HasSubstr("ETA")));
}

TEST(ProgressLineTest, RateComesFromRecentSnapshots) {
  Capture c;
  ProgressLine line(c.file(), /*tty=*/true);
  line.Update(Snapshot(0, 0, 1000));
  EXPECT_LT(line.rate(), 0);  // unknown from one snapshot
  line.Update(Snapshot(1, 100, 1000));
  // done counts failed tasks too: (101 - 1) / 1 s.
  EXPECT_DOUBLE_EQ(line.rate(), 100.0);
  // A slow start is forgotten once it leaves the 5-second window.
  for (int t = 2; t <= 20; ++t)
    line.Update(Snapshot(t, 100 + (t - 1) * 10, 1000));
  EXPECT_NEAR(line.rate(), 10.0, 1e-9);
}

TEST(ProgressLineTest, TerminalRewritesInPlace) {
  Capture c;
  {
    ProgressLine line(c.file(), /*tty=*/true);
    line.Update(Snapshot(0, 0, 10));
    line.Update(Snapshot(1, 5, 10));
    line.Finish();
  }
  std::string text = c.text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\r'), 2);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_EQ(text.back(), '\n');
}

TEST(ProgressLineTest, LogFileGetsOneLineEveryInterval) {
  Capture c;
  {
    ProgressLine line(c.file(), /*tty=*/false, /*log_interval_s=*/2.0);
    for (int i = 0; i <= 40; ++i) line.Update(Snapshot(i * 0.25, i, 100));
    line.Finish();
  }
  std::string text = c.text();
  // Snapshots span 10 s: lines at 0, 2, 4, 6, 8, 10 s.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\r'), 0);
}

TEST(ProgressLineTest, FinishWritesTheLastSnapshotOnce) {
  Capture c;
  {
    ProgressLine line(c.file(), /*tty=*/false, 2.0);
    line.Update(Snapshot(0, 0, 10));
    line.Update(Snapshot(0.5, 7, 10));  // not due yet
    line.Finish();
    line.Finish();
  }
  std::string text = c.text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_THAT(text, HasSubstr("7/10 tasks"));
}

TEST(ProgressLineTest, LogKeepsTheLineIntact) {
  Capture c;
  {
    ProgressLine line(c.file(), /*tty=*/true);
    line.Update(Snapshot(0, 3, 10));
    line.Log("worker pid 7 died");
  }
  std::string text = c.text();
  EXPECT_THAT(text, HasSubstr("worker pid 7 died"));
  // The message ends its own line and the progress line is redrawn after it.
  size_t msg = text.find("worker pid 7 died");
  EXPECT_NE(text.find('\n', msg), std::string::npos);
  EXPECT_NE(text.find("3/10 tasks", msg), std::string::npos);
}

}  // namespace
}  // namespace gridless
