// The lost-previous-tasks convention (see job.h).
#include "jobs/job.h"

#include <algorithm>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace gridless {

absl::Status LostPreviousTasksError(std::vector<uint64_t> tasks,
                                    std::string_view detail) {
  std::sort(tasks.begin(), tasks.end());
  tasks.erase(std::unique(tasks.begin(), tasks.end()), tasks.end());
  absl::Status s =
      absl::DataLossError(absl::string_view(detail.data(), detail.size()));
  s.SetPayload(absl::string_view(kLostPreviousTasksTypeUrl.data(),
                                 kLostPreviousTasksTypeUrl.size()),
               absl::Cord(absl::StrJoin(tasks, ",")));
  return s;
}

std::optional<std::vector<uint64_t>> LostPreviousTasks(
    const absl::Status& status) {
  if (status.code() != absl::StatusCode::kDataLoss) return std::nullopt;
  auto payload = status.GetPayload(absl::string_view(
      kLostPreviousTasksTypeUrl.data(), kLostPreviousTasksTypeUrl.size()));
  if (!payload.has_value()) return std::nullopt;
  std::vector<uint64_t> out;
  for (absl::string_view part :
       absl::StrSplit(std::string(*payload), ',', absl::SkipEmpty())) {
    uint64_t v;
    if (!absl::SimpleAtoi(part, &v)) return std::nullopt;
    out.push_back(v);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace gridless
