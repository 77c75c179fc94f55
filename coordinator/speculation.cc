// Backup copies of stragglers (see speculation.h).
#include "coordinator/speculation.h"

#include <algorithm>

namespace gridless {

bool Speculation::ScanDue(absl::Time now) {
  if (now < next_scan_) return false;
  next_scan_ = now + kScanInterval;
  return true;
}

std::optional<absl::Duration> Speculation::Threshold(
    const v1::JobSpec& spec,
    absl::FunctionRef<std::optional<absl::Duration>()> median) const {
  double multiple = spec.speculation_multiple();
  if (multiple == 0) multiple = kDefaultMultiple;
  if (multiple < 0) return std::nullopt;
  std::optional<absl::Duration> m = median();
  if (!m.has_value()) return std::nullopt;
  return std::max(*m * multiple, min_delay_);
}

bool Speculation::Want(const TaskKey& task) {
  if (!pending_.insert(task).second) return false;
  wanted_.push_back(task);
  return true;
}

size_t Speculation::Take(size_t max,
                         absl::FunctionRef<Candidate(const TaskKey&)> classify,
                         absl::FunctionRef<void(const TaskKey&)> lease) {
  size_t taken = 0;
  for (size_t n = wanted_.size(); n > 0 && taken < max; --n) {
    const TaskKey key = wanted_.front();
    wanted_.pop_front();
    switch (classify(key)) {
      case Candidate::kDrop:
        pending_.erase(key);
        break;
      case Candidate::kElsewhere:
        wanted_.push_back(key);
        break;
      case Candidate::kTake:
        pending_.erase(key);
        lease(key);
        ++taken;
        break;
    }
  }
  return taken;
}

}  // namespace gridless
