// Forgetting ended jobs (see ended_jobs.h).
#include "coordinator/ended_jobs.h"

namespace gridless {

std::vector<JobHandle> EndedJobs::Note(JobHandle job) {
  Reopen(job);
  sequence_[job] = next_;
  order_.emplace(next_++, job);
  std::vector<JobHandle> forget;
  while (order_.size() > keep_) {
    const JobHandle oldest = order_.begin()->second;
    order_.erase(order_.begin());
    sequence_.erase(oldest);
    forget.push_back(oldest);
  }
  return forget;
}

void EndedJobs::Reopen(JobHandle job) {
  if (auto seq = sequence_.find(job); seq != sequence_.end()) {
    order_.erase(seq->second);
    sequence_.erase(seq);
  }
}

}  // namespace gridless
