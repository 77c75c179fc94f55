// JobStats (see job_stats.h).
#include "coordinator/job_stats.h"

#include <algorithm>
#include <cmath>

namespace gridless {
namespace {

// Adds one to time bucket `t` seconds after the start, doubling the bucket
// width (merging pairs) until it fits.
void AddAt(JobStats::Job& job, double t, bool ok) {
  if (!(t >= 0)) t = 0;
  double index = t / job.bucket_seconds;
  while (index >= JobStats::kTimeBuckets) {
    auto halve = [](std::vector<uint64_t>& v) {
      std::vector<uint64_t> out((v.size() + 1) / 2, 0);
      for (size_t i = 0; i < v.size(); ++i) out[i / 2] += v[i];
      v = std::move(out);
    };
    halve(job.succeeded_over_time);
    halve(job.failed_over_time);
    job.bucket_seconds *= 2;
    index = t / job.bucket_seconds;
  }
  const size_t i = static_cast<size_t>(index);
  if (job.succeeded_over_time.size() <= i) {
    job.succeeded_over_time.resize(i + 1, 0);
    job.failed_over_time.resize(i + 1, 0);
  }
  ++(ok ? job.succeeded_over_time : job.failed_over_time)[i];
}

}  // namespace

double JobStats::BucketLow(int i) {
  return i <= 0 ? 0 : std::ldexp(1.0, kMinExponent + i - 1);
}

int JobStats::BucketFor(double seconds) {
  if (!(seconds > 0)) return 0;
  if (std::isinf(seconds)) return kDurationBuckets - 1;
  int exponent = 0;
  std::frexp(seconds, &exponent);  // seconds in [2^(e-1), 2^e)
  // Bucket i covers [2^(kMin+i-1), 2^(kMin+i)): i = e - kMin.
  const int i = exponent - kMinExponent;
  return std::clamp(i, 0, kDurationBuckets - 1);
}

void JobStats::AddJob(const std::string& job_id, Job job) {
  if (jobs_.contains(job_id)) {
    jobs_[job_id] = std::move(job);
    return;
  }
  while (jobs_.size() >= kMaxJobs && !order_.empty()) {
    jobs_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(job_id);
  jobs_.emplace(job_id, std::move(job));
}

void JobStats::OnSubmit(const std::string& job_id, const v1::JobSpec& spec,
                        uint64_t tasks, absl::Time now) {
  Job job;
  job.spec = spec;
  job.submitted = now;
  job.first_stage_tasks = tasks;
  std::lock_guard<std::mutex> lock(mu_);
  AddJob(job_id, std::move(job));
}

void JobStats::OnRestore(const std::string& job_id, const v1::JobSpec& spec,
                         absl::Time submitted) {
  Job job;
  job.spec = spec;
  job.submitted = submitted;
  std::lock_guard<std::mutex> lock(mu_);
  AddJob(job_id, std::move(job));
}

void JobStats::OnResults(WorkerId worker, const v1::ResultBatch& batch,
                         absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  Worker* w = nullptr;
  if (auto it = workers_.find(worker); it != workers_.end()) w = &it->second;
  const std::string* last_id = nullptr;
  Job* job = nullptr;
  for (const v1::TaskResult& r : batch.results()) {
    const bool ok = r.outcome_case() == v1::TaskResult::kPartial;
    if (w != nullptr) ++(ok ? w->succeeded : w->failed);
    if (last_id == nullptr || *last_id != r.job_id()) {
      last_id = &r.job_id();
      auto it = jobs_.find(r.job_id());
      job = it == jobs_.end() ? nullptr : &it->second;
    }
    if (job == nullptr) continue;
    ++job->results;
    AddAt(*job, absl::ToDoubleSeconds(now - job->submitted), ok);
    if (!ok) {
      ++job->errors;
      continue;
    }
    const double seconds = r.run_seconds();
    ++job->durations[BucketFor(seconds)];
    if (std::isfinite(seconds)) {
      job->run_seconds_max = std::max(job->run_seconds_max, seconds);
    }
    if (r.stage() < kMaxStages) ++job->succeeded_by_stage[r.stage()];
  }
}

void JobStats::OnWorkerHello(WorkerId worker, const std::string& name,
                             const std::string& peer, uint32_t slots,
                             absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (workers_.size() >= kMaxWorkers && !workers_.contains(worker)) return;
  Worker& w = workers_[worker];
  w.id = worker;
  w.name = name.substr(0, 256);
  w.peer = peer.substr(0, 256);
  w.slots = slots;
  w.connected = now;
}

void JobStats::OnHeartbeat(WorkerId worker, const v1::Heartbeat& heartbeat,
                           absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(worker);
  if (it == workers_.end()) return;
  it->second.last_heartbeat = now;
  it->second.running = heartbeat.running();
}

void JobStats::OnWorkerGone(WorkerId worker) {
  std::lock_guard<std::mutex> lock(mu_);
  workers_.erase(worker);
}

std::optional<JobStats::Job> JobStats::FindJob(
    const std::string& job_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

std::vector<JobStats::Worker> JobStats::Workers() const {
  std::vector<Worker> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out.reserve(workers_.size());
    for (const auto& [id, w] : workers_) out.push_back(w);
  }
  std::sort(out.begin(), out.end(),
            [](const Worker& a, const Worker& b) { return a.id < b.id; });
  return out;
}

}  // namespace gridless
