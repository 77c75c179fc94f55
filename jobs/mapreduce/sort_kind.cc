// `sort`: sorts 100-byte gensort -a records (sort_records.h) into R output
// files whose concatenation is globally sorted (byte order of the whole
// record, the order of `LC_ALL=C sort`).
//
// Plan samples `samples` records evenly spread over the input (as TeraSort
// samples in its client) and picks R-1 splitter keys at the sample's
// quantiles.  Map checks every record, sorts the split's (key, index) pairs
// (record_sort.h: an MSD radix pass on two key bytes, then small buckets),
// cuts the sorted order at the splitters (a record goes to the number of
// splitters <= its key) and gathers each reducer's records into its run:
// records move once.  Reduce maps its sorted runs and merges them with a
// loser tree into part-RRRRR, written in 4 MiB blocks.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/builtin_kinds.h"
#include "jobs/mapreduce/file_util.h"
#include "jobs/mapreduce/page_buffer.h"
#include "jobs/mapreduce/record_sort.h"
#include "jobs/mapreduce/shuffle_kind.h"
#include "jobs/mapreduce/sort_records.h"

namespace gridless {
namespace mapreduce {
namespace {

class SortLogic final : public ShuffleLogic {
 public:
  absl::Status Map(const SplitData& split, std::string_view shared,
                   MapRuns& runs, uint64_t& records) const override {
    const size_t r_count = runs.size();
    if (shared.size() != (r_count - 1) * kKeySize) {
      return absl::InvalidArgumentError(
          Cat("sort map task: ", shared.size() / kKeySize, " splitters for ",
              r_count, " reducers"));
    }
    const std::string_view d = split.bytes();
    const size_t n = d.size() / kRecordSize;
    if (n >= kMaxSortRecords) {
      return absl::InvalidArgumentError(
          Cat("sort map task: ", n, " records in one split, more than ",
              kMaxSortRecords - 1, "; lower split_bytes"));
    }
    for (size_t i = 0; i < n; ++i) {
      if (auto s = CheckRecord(d.data() + i * kRecordSize, split.path,
                               split.offset + i * kRecordSize);
          !s.ok()) {
        return s;
      }
    }
    records = n;
    auto index = PageBuffer::Allocate(2 * n * sizeof(KeyIndex));
    if (!index.ok()) return index.status();
    KeyIndex* sorted = reinterpret_cast<KeyIndex*>(index->data());
    SortRecordIndex(d.data(), n, sorted, sorted + n);
    std::vector<size_t> bounds = RangeBoundaries(sorted, n, shared);
    // Gather the records in sorted order, reducer after reducer: the only
    // record move.  Run r is [bounds[r], bounds[r + 1]) records.
    auto packed = PageBuffer::Allocate(n * kRecordSize);
    if (!packed.ok()) return packed.status();
    char* out = packed->data();
    constexpr size_t kAhead = 8;
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) {
        const char* ahead = d.data() + sorted[i + kAhead].index() * kRecordSize;
        __builtin_prefetch(ahead);
        __builtin_prefetch(ahead + 64);
      }
      std::memcpy(out + i * kRecordSize,
                  d.data() + sorted[i].index() * kRecordSize, kRecordSize);
    }
    std::vector<size_t> ends(r_count);
    for (size_t r = 0; r < r_count; ++r) ends[r] = bounds[r + 1] * kRecordSize;
    runs.SetPacked(*std::move(packed), std::move(ends));
    return absl::OkStatus();
  }

  absl::StatusOr<ReduceResult> Reduce(const std::vector<std::string_view>& runs,
                                      AtomicFileWriter& out) const override {
    uint64_t total = 0;
    for (std::string_view run : runs) {
      if (run.size() % kRecordSize != 0) {
        return absl::DataLossError("sort run: not a whole number of records");
      }
      total += run.size() / kRecordSize;
    }
    double write_s = 0;
    auto s = MergeRuns(runs, kOutputBlock, [&](std::string_view block) {
      const auto t0 = std::chrono::steady_clock::now();
      absl::Status st = out.Append(block);
      write_s +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
              .count();
      return st;
    });
    if (!s.ok()) return s;
    ReduceResult result;
    result.records = total;
    result.write_seconds = write_s;
    return result;
  }

 private:
  // Merged output goes to the file in blocks of this many bytes (written
  // straight from the block: AtomicFileWriter does not copy blocks >= 1 MiB).
  static constexpr size_t kOutputBlock = size_t{4} << 20;
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
