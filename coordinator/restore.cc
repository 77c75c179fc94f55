// Rebuilding jobs from the journal (see restore.h).
#include "coordinator/restore.h"

#include <algorithm>
#include <string>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace gridless {

std::optional<JobHandle> JobHandleOf(absl::string_view id) {
  JobHandle h = 0;
  if (!absl::ConsumePrefix(&id, "job-") || !absl::SimpleAtoi(id, &h) ||
      h == 0) {
    return std::nullopt;
  }
  return h;
}

RestoredJob RestoreJob(Journal::JobRecord saved, JobHandle handle,
                       const JobRegistry& registry, uint32_t max_attempts,
                       uint64_t max_tasks_per_job, absl::Time now) {
  RestoredJob out;
  const bool unfinished = saved.state == v1::JOB_STATE_RUNNING ||
                          saved.state == v1::JOB_STATE_UNSPECIFIED;
  out.wall_seconds = unfinished ? absl::ToDoubleSeconds(now - saved.submitted)
                                : saved.wall_seconds;
  auto ended = [&](v1::JobState state, std::string error) {
    return JobRecord::Ended(saved.job_id, handle, saved.spec, state,
                            std::move(error), std::move(saved.result),
                            saved.submitted, out.wall_seconds);
  };
  if (!unfinished) {
    out.record = ended(saved.state, saved.error);
    return out;
  }
  auto kind = registry.Find(saved.spec.kind());
  absl::StatusOr<std::unique_ptr<JobRecord>> job =
      kind.ok()
          ? JobRecord::Create(saved.job_id, handle, saved.spec, *kind,
                              max_attempts, saved.submitted, max_tasks_per_job)
          : absl::StatusOr<std::unique_ptr<JobRecord>>(kind.status());
  if (!job.ok()) {
    out.what = RestoredJob::What::kFailed;
    out.record = ended(v1::JOB_STATE_FAILED,
                       absl::StrCat("could not resume the job after a "
                                    "coordinator restart: ",
                                    job.status().message()));
    return out;
  }
  out.what = RestoredJob::What::kRunning;
  JobRecord* record = job->get();
  std::sort(saved.done.begin(), saved.done.end(),
            [](const Journal::TaskDone& a, const Journal::TaskDone& b) {
              return std::tie(a.stage, a.index) < std::tie(b.stage, b.index);
            });
  for (Journal::TaskDone& t : saved.done) {
    if (record->finished()) break;
    if (t.stage != record->stage() || t.index >= record->stage_tasks() ||
        record->merged(t.index)) {
      continue;
    }
    record->OnSucceeded(t.index, std::move(t.partial), t.run_seconds, now);
  }
  if (!record->finished()) {
    // The unmerged tasks, as ranges.
    uint64_t begin = 0;
    const uint64_t n = record->stage_tasks();
    while (begin < n) {
      while (begin < n && record->merged(begin)) ++begin;
      uint64_t end = begin;
      while (end < n && !record->merged(end)) ++end;
      if (end > begin) out.to_queue.emplace_back(begin, end);
      begin = end;
    }
  }
  out.record = *std::move(job);
  return out;
}

}  // namespace gridless
