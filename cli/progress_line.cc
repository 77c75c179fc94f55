#include "cli/progress_line.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/result_output.h"

namespace gridless {
namespace {

// Throughput is measured over this much job time.
constexpr double kRateWindowS = 5.0;

std::string FormatEta(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  int64_t t = static_cast<int64_t>(std::ceil(s));
  if (t >= 3600) {
    return absl::StrFormat("%d:%02d:%02d", t / 3600, (t / 60) % 60, t % 60);
  }
  return absl::StrFormat("%d:%02d", t / 60, t % 60);
}

std::string FormatRate(double rate) {
  if (rate >= 100) return absl::StrFormat("%.0f", rate);
  return absl::StrFormat("%.3g", rate);
}

double Done(const v1::Progress& p) {
  return static_cast<double>(p.tasks().succeeded() + p.tasks().failed());
}

}  // namespace

std::string FormatProgressLine(const v1::Progress& p, double rate,
                               std::optional<double> eta_s) {
  const v1::TaskCounts& t = p.tasks();
  std::string id = p.job_id().substr(0, 8);
  std::string out = absl::StrCat(p.kind(), " ", id, ": ", t.succeeded(), "/",
                                 t.total(), " tasks");
  if (t.total() > 0) {
    // Rounded down: 100% only when every task is done.
    absl::StrAppend(
        &out, absl::StrFormat(" (%d%%)", 100 * t.succeeded() / t.total()));
  }
  absl::StrAppend(&out, ", ", t.failed(), " failed, ", t.retried(), " retried",
                  ExtraTaskCounts(t), ", ", p.workers(),
                  p.workers() == 1 ? " worker" : " workers");
  if (rate >= 0) absl::StrAppend(&out, ", ", FormatRate(rate), " tasks/s");
  if (IsFinal(p.state())) {
    absl::StrAppend(&out, ", ", StateName(p.state()), " in ",
                    FormatDuration(p.wall_seconds()));
  } else if (eta_s.has_value()) {
    absl::StrAppend(&out, ", ETA ", FormatEta(*eta_s));
  }
  return out;
}

double ProgressLine::rate() const {
  if (window_.size() < 2) return -1;
  double dt = window_.back().first - window_.front().first;
  if (dt <= 0) return -1;
  return (window_.back().second - window_.front().second) / dt;
}

void ProgressLine::Update(const v1::Progress& p) {
  window_.emplace_back(p.wall_seconds(), Done(p));
  while (window_.size() > 2 &&
         window_.back().first - window_[1].first >= kRateWindowS) {
    window_.pop_front();
  }
  last_ = p;
  last_is_written_ = false;
  if (tty_ || !last_written_at_.has_value() ||
      p.wall_seconds() - *last_written_at_ >= log_interval_s_ ||
      IsFinal(p.state())) {
    Write(p);
  }
}

void ProgressLine::Write(const v1::Progress& p) {
  double r = rate();
  std::optional<double> eta;
  double left = static_cast<double>(p.tasks().total()) - Done(p);
  if (r > 0) eta = left / r;
  if (left <= 0) eta = 0;
  std::string line = FormatProgressLine(p, r, eta);
  if (tty_) {
    size_t width = line.size();
    if (line.size() < drawn_width_)
      line.append(drawn_width_ - line.size(), ' ');
    drawn_width_ = width;
    std::fprintf(out_, "\r%s", line.c_str());
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
  last_written_at_ = p.wall_seconds();
  last_is_written_ = true;
}

void ProgressLine::Log(const std::string& message) {
  if (tty_ && drawn_width_ > 0) {
    std::string line = message;
    if (line.size() < drawn_width_)
      line.append(drawn_width_ - line.size(), ' ');
    std::fprintf(out_, "\r%s\n", line.c_str());
    drawn_width_ = 0;
    if (last_.has_value()) Write(*last_);
  } else {
    std::fprintf(out_, "%s\n", message.c_str());
  }
  std::fflush(out_);
}

void ProgressLine::Finish() {
  if (!last_.has_value()) return;
  if (!last_is_written_) Write(*last_);
  if (tty_) {
    std::fputs("\n", out_);
    std::fflush(out_);
    drawn_width_ = 0;
  }
  last_.reset();
}

}  // namespace gridless
