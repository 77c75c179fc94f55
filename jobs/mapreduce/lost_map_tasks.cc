#include "jobs/mapreduce/lost_map_tasks.h"

#include <algorithm>
#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/sv.h"

namespace gridless::mapreduce {
namespace {

constexpr std::string_view kMarker = "[lost_map_tasks=";

std::optional<std::vector<uint64_t>> ParseList(std::string_view list) {
  std::vector<uint64_t> out;
  for (absl::string_view part : absl::StrSplit(Sv(list), ',')) {
    uint64_t v;
    if (!absl::SimpleAtoi(part, &v)) return std::nullopt;
    out.push_back(v);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

absl::Status LostMapTasksError(std::vector<uint64_t> tasks,
                               std::string_view detail) {
  std::sort(tasks.begin(), tasks.end());
  tasks.erase(std::unique(tasks.begin(), tasks.end()), tasks.end());
  std::string list = absl::StrJoin(tasks, ",");
  absl::Status s = absl::DataLossError(Cat(detail, " ", kMarker, list, "]"));
  s.SetPayload(Sv(kLostMapTasksTypeUrl), absl::Cord(list));
  return s;
}

std::optional<std::vector<uint64_t>> LostMapTasks(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kDataLoss) return std::nullopt;
  if (auto payload = status.GetPayload(Sv(kLostMapTasksTypeUrl))) {
    return ParseList(std::string(*payload));
  }
  std::string_view msg = StdSv(status.message());
  size_t at = msg.rfind(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = msg.substr(at + kMarker.size());
  size_t close = rest.find(']');
  if (close == std::string_view::npos) return std::nullopt;
  return ParseList(rest.substr(0, close));
}

}  // namespace gridless::mapreduce
