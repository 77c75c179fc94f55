// The live progress line `run` and `watch` show on stderr:
//   pi 3f2a9c: 120/200 tasks (60%), 1 failed, 2 retried, 3 workers,
//   450 tasks/s, ETA 0:03
//
// On a terminal the line is rewritten in place with '\r'; otherwise (a log
// file, CI) one line is written every `log_interval_s` of job time, so logs
// stay short.  Throughput is measured over the last few seconds of snapshots,
// using the snapshots' own wall_seconds as the clock: no real clock is read,
// so the reporter is tested with made-up snapshots.
//
// Not thread-safe: feed it from one thread.
#ifndef GRIDLESS_CLI_PROGRESS_LINE_H_
#define GRIDLESS_CLI_PROGRESS_LINE_H_

#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "gridless/v1/job.pb.h"

namespace gridless {

// The text of one line (no '\r' or newline).  `rate` in tasks/s (< 0 when not
// known yet); `eta_s` in seconds when known.
std::string FormatProgressLine(const v1::Progress& p, double rate,
                               std::optional<double> eta_s);

class ProgressLine {
 public:
  // `out` is not owned (stderr in the CLI).  `tty`: rewrite in place.
  ProgressLine(FILE* out, bool tty, double log_interval_s = 2.0)
      : out_(out), tty_(tty), log_interval_s_(log_interval_s) {}
  ~ProgressLine() { Finish(); }

  // Shows `p` (on a terminal at once; otherwise when the interval is due).
  void Update(const v1::Progress& p);
  // Writes `message` as a line of its own (a warning) without garbling the
  // progress line, which is redrawn after it on a terminal.
  void Log(const std::string& message);
  // Ends the line: on a terminal, redraws the last snapshot and writes a
  // newline; otherwise writes the last snapshot if it was not written yet.
  // Idempotent.
  void Finish();

  // Tasks per second over the recent window; < 0 when unknown.
  double rate() const;

 private:
  void Write(const v1::Progress& p);

  FILE* out_;
  bool tty_;
  double log_interval_s_;
  // (wall_seconds, tasks done) of recent snapshots, oldest first.
  std::deque<std::pair<double, double>> window_;
  std::optional<v1::Progress> last_;
  std::optional<double> last_written_at_;  // wall_seconds of the last write
  bool last_is_written_ = false;
  size_t drawn_width_ = 0;
};

}  // namespace gridless

#endif  // GRIDLESS_CLI_PROGRESS_LINE_H_
