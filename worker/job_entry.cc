#include "worker/job_entry.h"

#include <exception>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace gridless {

JobEntry::JobEntry(std::string job_id, v1::JobSpec spec,
                   const JobRegistry* registry)
    : job_id_(std::move(job_id)), spec_(std::move(spec)), registry_(registry) {}

absl::StatusOr<TaskRunner*> JobEntry::Runner() {
  std::call_once(once_, [this] { Prepare(); });
  if (!status_.ok()) return status_;
  return runner_.get();
}

void JobEntry::Prepare() {
  auto prefix = [this] {
    return absl::StrCat("preparing job ", job_id_, " (kind \"", spec_.kind(),
                        "\"): ");
  };
  absl::StatusOr<const JobKind*> kind = registry_->Find(spec_.kind());
  if (!kind.ok()) {
    status_ = absl::Status(kind.status().code(),
                           absl::StrCat(prefix(), kind.status().message()));
    return;
  }
  try {
    JobContext context{job_id_, spec_, Params(spec_.params())};
    absl::StatusOr<std::unique_ptr<TaskRunner>> runner =
        (*kind)->Prepare(context);
    if (!runner.ok()) {
      status_ = absl::Status(runner.status().code(),
                             absl::StrCat(prefix(), runner.status().message()));
      status_.SetPayload(kPrepareFailedTypeUrl, absl::Cord("1"));
    } else if (*runner == nullptr) {
      status_ = absl::InternalError(
          absl::StrCat(prefix(), "Prepare returned a null runner"));
    } else {
      runner_ = std::move(*runner);
    }
  } catch (const std::exception& e) {
    status_ = absl::InternalError(absl::StrCat(prefix(), "threw ", e.what()));
  } catch (...) {
    status_ = absl::InternalError(
        absl::StrCat(prefix(), "threw a non-standard exception"));
  }
}

}  // namespace gridless
