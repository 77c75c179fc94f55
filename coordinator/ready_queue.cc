// Per-job FIFOs, a delayed set and round-robin batching (see ready_queue.h).
#include "coordinator/ready_queue.h"

#include <algorithm>

namespace gridless {

void ReadyQueue::PushRange(JobHandle job, uint32_t stage, uint64_t begin,
                           uint64_t end) {
  if (begin >= end) return;
  JobQueue& q = jobs_[job];
  // Extend the last range when contiguous (a stage pushed in pieces).
  if (!q.ranges.empty() && q.ranges.back().stage == stage &&
      q.ranges.back().end == begin) {
    q.ranges.back().end = end;
  } else {
    q.ranges.push_back(Range{stage, begin, end});
  }
  q.ready += end - begin;
  ready_ += end - begin;
  if (!q.in_ring) {
    q.in_ring = true;
    ring_.push_back(job);
  }
}

void ReadyQueue::PushDelayed(const TaskKey& task, absl::Time not_before) {
  delayed_.push(Delayed{not_before, delayed_seq_++, task});
}

size_t ReadyQueue::ReleaseDue(absl::Time now) {
  size_t moved = 0;
  while (!delayed_.empty() && delayed_.top().not_before <= now) {
    Push(delayed_.top().task);
    delayed_.pop();
    ++moved;
  }
  return moved;
}

size_t ReadyQueue::TakeBatch(size_t max, std::vector<TaskKey>* out) {
  static const absl::flat_hash_set<JobHandle> kNone;
  return TakeBatch(max, out, kNone);
}

size_t ReadyQueue::TakeBatch(size_t max, std::vector<TaskKey>* out,
                             const absl::flat_hash_set<JobHandle>& skip) {
  size_t taken = 0;
  while (taken < max && !ring_.empty()) {
    // The first job in turn not skipped; the skipped ones keep their place.
    size_t pos = 0;
    if (!skip.empty()) {
      while (pos < ring_.size() && skip.contains(ring_[pos])) ++pos;
      if (pos == ring_.size()) break;
    }
    const JobHandle job = ring_[pos];
    ring_.erase(ring_.begin() + static_cast<ptrdiff_t>(pos));
    auto it = jobs_.find(job);
    if (it == jobs_.end()) continue;  // removed meanwhile
    JobQueue& q = it->second;
    // Alone in the ring (but for skipped jobs): no one to be fair to, take
    // a whole chunk.
    const bool alone =
        skip.empty()
            ? ring_.empty()
            : std::all_of(ring_.begin(), ring_.end(),
                          [&](JobHandle h) { return skip.contains(h); });
    uint64_t want = alone ? max - taken : 1;
    while (want > 0 && !q.ranges.empty()) {
      Range& r = q.ranges.front();
      const uint64_t n = std::min<uint64_t>(want, r.end - r.begin);
      for (uint64_t i = 0; i < n; ++i) {
        out->push_back(TaskKey{job, r.stage, r.begin + i});
      }
      r.begin += n;
      want -= n;
      taken += n;
      q.ready -= n;
      ready_ -= n;
      if (r.begin == r.end) q.ranges.pop_front();
    }
    if (q.ready > 0) {
      ring_.push_back(job);
    } else {
      q.in_ring = false;
    }
  }
  return taken;
}

size_t ReadyQueue::RemoveJob(JobHandle job) {
  size_t dropped = 0;
  if (auto it = jobs_.find(job); it != jobs_.end()) {
    dropped += it->second.ready;
    ready_ -= it->second.ready;
    jobs_.erase(it);
    ring_.erase(std::remove(ring_.begin(), ring_.end(), job), ring_.end());
  }
  // Rebuild the delayed set without the job's tasks (cancellation is rare).
  std::vector<Delayed> keep;
  keep.reserve(delayed_.size());
  while (!delayed_.empty()) {
    if (delayed_.top().task.job == job) {
      ++dropped;
    } else {
      keep.push_back(delayed_.top());
    }
    delayed_.pop();
  }
  for (Delayed& d : keep) delayed_.push(d);
  return dropped;
}

uint64_t ReadyQueue::ready(JobHandle job) const {
  auto it = jobs_.find(job);
  return it == jobs_.end() ? 0 : it->second.ready;
}

absl::Time ReadyQueue::next_release() const {
  return delayed_.empty() ? absl::InfiniteFuture() : delayed_.top().not_before;
}

}  // namespace gridless
