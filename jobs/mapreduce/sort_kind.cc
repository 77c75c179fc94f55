// `sort`: sorts 100-byte gensort -a records (sort_records.h) into R output
// files whose concatenation is globally sorted (byte order of the whole
// record, the order of `LC_ALL=C sort`).
//
// Plan samples `samples` records evenly spread over the input (as TeraSort
// samples in its client) and picks R-1 splitter keys at the sample's
// quantiles.  Map checks every record, range-partitions by key (a record
// goes to the number of splitters <= its key) and sorts each run.  Reduce
// merges its sorted runs (a k-way merge) into part-RRRRR.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <queue>

#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/builtin_kinds.h"
#include "jobs/mapreduce/file_util.h"
#include "jobs/mapreduce/shuffle_kind.h"
#include "jobs/mapreduce/sort_records.h"

namespace gridless {
namespace mapreduce {
namespace {

class SortLogic final : public ShuffleLogic {
 public:
  absl::Status Map(const SplitData& split, std::string_view shared,
                   std::vector<std::string>& runs,
                   uint64_t& records) const override {
    const size_t r_count = runs.size();
    if (shared.size() != (r_count - 1) * kKeySize) {
      return absl::InvalidArgumentError(
          Cat("sort map task: ", shared.size() / kKeySize, " splitters for ",
              r_count, " reducers"));
    }
    const std::string& d = split.data;
    size_t n = d.size() / kRecordSize;
    std::vector<std::vector<const char*>> parts(r_count);
    for (auto& p : parts) p.reserve(n / r_count + 16);
    for (size_t i = 0; i < n; ++i) {
      const char* rec = d.data() + i * kRecordSize;
      if (auto s = CheckRecord(rec, split.path, split.offset + i * kRecordSize);
          !s.ok()) {
        return s;
      }
      // Number of splitters <= key.
      size_t lo = 0, hi = r_count - 1;
      while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (std::memcmp(shared.data() + mid * kKeySize, rec, kKeySize) <= 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      parts[lo].push_back(rec);
    }
    records = n;
    for (size_t r = 0; r < r_count; ++r) {
      auto& p = parts[r];
      std::sort(p.begin(), p.end(), RecordLess);
      runs[r].reserve(p.size() * kRecordSize);
      for (const char* rec : p) runs[r].append(rec, kRecordSize);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ReduceResult> Reduce(std::vector<std::string> runs,
                                      AtomicFileWriter& out) const override {
    struct Head {
      const char* rec;
      const char* end;
    };
    auto later = [](const Head& a, const Head& b) {
      return RecordLess(b.rec, a.rec);
    };
    std::priority_queue<Head, std::vector<Head>, decltype(later)> heap(later);
    uint64_t total = 0;
    for (const auto& run : runs) {
      if (run.size() % kRecordSize != 0) {
        return absl::DataLossError("sort run: not a whole number of records");
      }
      total += run.size() / kRecordSize;
      if (!run.empty()) heap.push({run.data(), run.data() + run.size()});
    }
    std::string buf;
    buf.reserve(1 << 20);
    while (!heap.empty()) {
      Head h = heap.top();
      heap.pop();
      buf.append(h.rec, kRecordSize);
      h.rec += kRecordSize;
      if (h.rec != h.end) heap.push(h);
      if (buf.size() >= (1 << 20)) {
        if (auto s = out.Append(buf); !s.ok()) return s;
        buf.clear();
      }
    }
    if (auto s = out.Append(buf); !s.ok()) return s;
    return ReduceResult{total, ""};
  }
};

class SortKind final : public ShuffleKind {
 public:
  std::string_view Name() const override { return "sort"; }
  std::string_view Description() const override {
    return "sorts 100-byte gensort -a records into R range-partitioned "
           "files whose concatenation is sorted";
  }

 protected:
  std::vector<ParamInfo> KindParameters() const override {
    return {{"samples", "int", "10000",
             "records sampled at plan time to choose the R-1 splitters, "
             "1..10000000"}};
  }
  RecordFormat Format() const override {
    return RecordFormat::Fixed(kRecordSize);
  }
  absl::StatusOr<std::unique_ptr<ShuffleLogic>> NewLogic(
      const Params& params) const override {
    if (auto s = params.Int("samples", 10000, 1, 10000000); !s.ok()) {
      return s.status();
    }
    return std::make_unique<SortLogic>();
  }
  absl::StatusOr<std::string> PlanShared(const Params& params,
                                         const std::vector<InputSplit>& splits,
                                         uint32_t reducers) const override {
    auto samples = params.Int("samples", 10000, 1, 10000000);
    if (!samples.ok()) return samples.status();
    uint64_t total = 0;
    for (const auto& s : splits) total += s.length / kRecordSize;
    if (total == 0) return std::string((reducers - 1) * kKeySize, '\0');
    uint64_t count = std::min<uint64_t>(*samples, total);
    std::vector<std::string> keys;
    keys.reserve(count);
    // Sample j is global record floor((j + 1/2) total / count).
    uint64_t j = 0, base = 0;
    for (const auto& split : splits) {
      uint64_t n = split.length / kRecordSize;
      int fd = -1;
      while (j < count) {
        uint64_t g = static_cast<uint64_t>(
            (static_cast<unsigned __int128>(2 * j + 1) * total) / (2 * count));
        if (g >= base + n) break;
        if (fd < 0) {
          uint64_t size = 0;
          auto opened = OpenRegularFile(split.path, &size);
          if (!opened.ok()) return opened.status();
          fd = *opened;
        }
        std::string key;
        auto s =
            ReadRange(fd, split.path, split.offset + (g - base) * kRecordSize,
                      kKeySize, &key);
        if (!s.ok()) {
          ::close(fd);
          return s;
        }
        keys.push_back(std::move(key));
        ++j;
      }
      if (fd >= 0) ::close(fd);
      base += n;
    }
    std::sort(keys.begin(), keys.end());
    std::string shared;
    for (uint32_t k = 1; k < reducers; ++k) {
      shared += keys[static_cast<uint64_t>(k) * keys.size() / reducers];
    }
    return shared;
  }
};

}  // namespace
}  // namespace mapreduce

std::unique_ptr<JobKind> NewSortKind() {
  return std::make_unique<mapreduce::SortKind>();
}

}  // namespace gridless
