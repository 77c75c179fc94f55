// Bookkeeping, staging and reduce of one job (see job_record.h).
#include "coordinator/job_record.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace gridless {

absl::StatusOr<std::unique_ptr<JobRecord>> JobRecord::Create(
    std::string id, JobHandle handle, v1::JobSpec spec, const JobKind* kind,
    uint32_t max_attempts, absl::Time now) {
  std::unique_ptr<JobRecord> job(new JobRecord(
      std::move(id), handle, std::move(spec), kind, max_attempts, now));
  if (auto s = job->EnterStage(0, std::string(), now); !s.ok()) return s;
  return job;
}

JobRecord::JobRecord(std::string id, JobHandle handle, v1::JobSpec spec,
                     const JobKind* kind, uint32_t max_attempts, absl::Time now)
    : id_(std::move(id)),
      handle_(handle),
      spec_(std::move(spec)),
      ctx_{id_, spec_, Params(spec_.params())},
      kind_(kind),
      max_attempts_(max_attempts < 1 ? 1 : max_attempts),
      submitted_(now) {}

bool JobRecord::merged(uint64_t index) const {
  return reducer_ != nullptr && reducer_->HasTask(index);
}

uint32_t JobRecord::StartAttempt(uint64_t index) {
  counts_.set_running(counts_.running() + 1);
  return ++attempts_[index];
}

void JobRecord::EndAttempt() {
  if (counts_.running() > 0) counts_.set_running(counts_.running() - 1);
}

void JobRecord::UndoAttempt(uint64_t index) {
  if (index < attempts_.size() && attempts_[index] > 0) --attempts_[index];
}

absl::Status JobRecord::EnterStage(uint32_t stage, std::string previous,
                                   absl::Time now) {
  const uint32_t num_stages = kind_->NumStages() < 1 ? 1 : kind_->NumStages();
  for (;;) {
    auto tasks = kind_->Plan(PlanContext{ctx_, stage, previous});
    if (!tasks.ok()) return tasks.status();
    stage_ = stage;
    payloads_ = *std::move(tasks);
    attempts_.assign(payloads_.size(), 0);
    counts_.set_total(counts_.total() + payloads_.size());
    reducer_ = std::make_unique<TreeReducer>(
        payloads_.size(), [this](std::string& acc, std::string_view right) {
          return kind_->Merge(acc, right, ctx_);
        });
    if (!payloads_.empty()) return absl::OkStatus();
    previous.clear();  // an empty stage's accumulator is ""
    if (stage + 1 >= num_stages) break;
    ++stage;
  }
  auto result = kind_->Finalize(ctx_, previous);
  if (!result.ok()) {
    return absl::Status(result.status().code(),
                        absl::StrCat("finalizing the result failed: ",
                                     result.status().message()));
  }
  result_ = *std::move(result);
  Finish(v1::JOB_STATE_SUCCEEDED, "", now);
  return absl::OkStatus();
}

uint64_t JobRecord::OnSucceeded(uint64_t index, std::string partial,
                                double run_seconds, absl::Time now) {
  if (finished()) return 0;
  if (auto s = reducer_->Add(index, std::move(partial)); !s.ok()) {
    if (s.code() == absl::StatusCode::kAlreadyExists) return 0;  // merged once
    Finish(v1::JOB_STATE_FAILED,
           absl::StrCat("merging the partial of task ", index, " (stage ",
                        stage_, ") failed: ", s.message(),
                        " (the job kind refused it; retrying cannot help)"),
           now);
    return 0;
  }
  worker_seconds_ += run_seconds;
  counts_.set_succeeded(counts_.succeeded() + 1);
  if (!reducer_->complete()) return 0;

  auto acc = reducer_->Result();
  if (!acc.ok()) {
    Finish(v1::JOB_STATE_FAILED, std::string(acc.status().message()), now);
    return 0;
  }
  const uint32_t num_stages = kind_->NumStages() < 1 ? 1 : kind_->NumStages();
  if (stage_ + 1 < num_stages) {
    const uint32_t next = stage_ + 1;
    if (auto s = EnterStage(next, *std::move(acc), now); !s.ok()) {
      Finish(v1::JOB_STATE_FAILED,
             absl::StrCat("planning stage ", next, " failed: ", s.message()),
             now);
      return 0;
    }
    return finished() ? 0 : payloads_.size();
  }
  auto result = kind_->Finalize(ctx_, *acc);
  if (!result.ok()) {
    Finish(v1::JOB_STATE_FAILED,
           absl::StrCat("finalizing the result failed: ",
                        result.status().message()),
           now);
    return 0;
  }
  result_ = *std::move(result);
  Finish(v1::JOB_STATE_SUCCEEDED, "", now);
  return 0;
}

void JobRecord::FailTask(std::string error, absl::Time now) {
  if (finished()) return;
  counts_.set_failed(counts_.failed() + 1);
  Finish(v1::JOB_STATE_FAILED, std::move(error), now);
}

void JobRecord::Cancel(absl::Time now) {
  if (finished()) return;
  Finish(v1::JOB_STATE_CANCELLED,
         absl::StrCat("cancelled by a client after ", counts_.succeeded(),
                      " of ", counts_.total(), " tasks had finished"),
         now);
}

void JobRecord::Finish(v1::JobState state, std::string error, absl::Time now) {
  state_ = state;
  error_ = std::move(error);
  ended_ = now;
  counts_.set_running(0);
  // The tasks are done with: release their memory, keep the summary.
  std::vector<std::string>().swap(payloads_);
  std::vector<uint32_t>().swap(attempts_);
  reducer_.reset();
}

v1::Progress JobRecord::Progress(absl::Time now, uint32_t workers) const {
  v1::Progress p;
  p.set_job_id(id_);
  p.set_kind(spec_.kind());
  p.set_name(spec_.name());
  p.set_state(state_);
  *p.mutable_tasks() = counts_;
  const absl::Time end = finished() ? ended_ : now;
  p.set_wall_seconds(absl::ToDoubleSeconds(end - submitted_));
  p.set_worker_seconds(worker_seconds_);
  p.set_error(error_);
  p.set_workers(workers);
  return p;
}

}  // namespace gridless
