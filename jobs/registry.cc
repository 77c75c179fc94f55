#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "jobs/job.h"

namespace gridless {

absl::Status JobRegistry::Register(std::unique_ptr<JobKind> kind) {
  if (kind == nullptr) return absl::InvalidArgumentError("null job kind");
  for (const auto& k : kinds_) {
    if (k->Name() == kind->Name()) {
      return absl::AlreadyExistsError(absl::StrCat("job kind \"",
                                                   std::string(kind->Name()),
                                                   "\" is already registered"));
    }
  }
  kinds_.push_back(std::move(kind));
  std::sort(kinds_.begin(), kinds_.end(),
            [](const auto& a, const auto& b) { return a->Name() < b->Name(); });
  return absl::OkStatus();
}

absl::StatusOr<const JobKind*> JobRegistry::Find(std::string_view name) const {
  for (const auto& k : kinds_) {
    if (k->Name() == name) return k.get();
  }
  std::vector<std::string> names;
  for (const auto& k : kinds_) names.push_back(std::string(k->Name()));
  return absl::NotFoundError(
      absl::StrCat("unknown job kind \"", std::string(name),
                   "\"; known kinds: ", absl::StrJoin(names, ", ")));
}

std::vector<const JobKind*> JobRegistry::All() const {
  std::vector<const JobKind*> out;
  for (const auto& k : kinds_) out.push_back(k.get());
  return out;
}

}  // namespace gridless
