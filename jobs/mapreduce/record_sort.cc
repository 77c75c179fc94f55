#include "jobs/mapreduce/record_sort.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace gridless::mapreduce {
namespace {

constexpr size_t kBuckets = size_t{1} << 16;

uint64_t KeyLow(const char* rec) {
  return (uint64_t{static_cast<unsigned char>(rec[8])} << 8) |
         static_cast<unsigned char>(rec[9]);
}

}  // namespace

void SortRecordIndex(const char* recs, size_t n, KeyIndex* out,
                     KeyIndex* scratch) {
  if (n == 0) return;
  std::vector<size_t> start(kBuckets + 1, 0);
  KeyIndex* a = scratch;
  for (size_t i = 0; i < n; ++i) {
    const char* rec = recs + i * kRecordSize;
    const uint64_t prefix = KeyPrefix(rec);
    a[i] = {prefix, (KeyLow(rec) << 48) | i};
    ++start[(prefix >> 48) + 1];
  }
  for (size_t b = 1; b <= kBuckets; ++b) start[b] += start[b - 1];
  // start[b] is where bucket b begins; `next` advances as it fills.
  std::vector<size_t> next(start.begin(), start.end() - 1);
  KeyIndex* o = out;
  for (size_t i = 0; i < n; ++i) o[next[a[i].prefix >> 48]++] = a[i];
  auto less = [recs](const KeyIndex& x, const KeyIndex& y) {
    if (x.prefix != y.prefix) return x.prefix < y.prefix;
    if (x.key_low() != y.key_low()) return x.key_low() < y.key_low();
    return std::memcmp(recs + x.index() * kRecordSize + kKeySize,
                       recs + y.index() * kRecordSize + kKeySize,
                       kRecordSize - kKeySize) < 0;
  };
  for (size_t b = 0; b < kBuckets; ++b) {
    if (start[b + 1] - start[b] > 1) {
      std::sort(o + start[b], o + start[b + 1], less);
    }
  }
}

std::vector<size_t> RangeBoundaries(const KeyIndex* sorted, size_t n,
                                    std::string_view splitters) {
  const size_t k = splitters.size() / kKeySize;
  std::vector<size_t> b(k + 2, 0);
  for (size_t j = 0; j < k; ++j) {
    const char* s = splitters.data() + j * kKeySize;
    const uint64_t sp = KeyPrefix(s), sl = KeyLow(s);
    const KeyIndex* it = std::lower_bound(
        sorted + b[j], sorted + n, 0, [sp, sl](const KeyIndex& e, int) {
          return e.prefix < sp || (e.prefix == sp && e.key_low() < sl);
        });
    b[j + 1] = static_cast<size_t>(it - sorted);
  }
  b[k + 1] = n;
  return b;
}

namespace {

// A loser tree over k >= 2 sorted runs.  Node 0 holds the current winner
// (the run with the smallest head); nodes 1..k-1 the loser of the match
// played there; run s is leaf k + s, whose parent is (k + s) / 2.
class LoserTree {
 public:
  explicit LoserTree(const std::vector<std::string_view>& runs)
      : k_(runs.size()), cur_(k_), end_(k_), key_(k_), node_(k_) {
    for (size_t s = 0; s < k_; ++s) {
      cur_[s] = runs[s].data();
      end_[s] = runs[s].data() + runs[s].size();
      key_[s] = cur_[s] != end_[s] ? KeyPrefix(cur_[s]) : 0;
    }
    // Winners of each subtree, bottom up; node_[n] keeps the loser.
    std::vector<size_t> winner(2 * k_);
    for (size_t s = 0; s < k_; ++s) winner[k_ + s] = s;
    for (size_t n = k_ - 1; n >= 1; --n) {
      const size_t l = winner[2 * n], r = winner[2 * n + 1];
      if (Less(r, l)) {
        winner[n] = r;
        node_[n] = l;
      } else {
        winner[n] = l;
        node_[n] = r;
      }
    }
    node_[0] = winner[1];
  }

  // The smallest head, or nullptr when every run is exhausted.
  const char* Top() const {
    const size_t w = node_[0];
    return cur_[w] != end_[w] ? cur_[w] : nullptr;
  }

  // Advances the winning run and replays its path to the root.
  void Pop() {
    size_t w = node_[0];
    cur_[w] += kRecordSize;
    key_[w] = cur_[w] != end_[w] ? KeyPrefix(cur_[w]) : 0;
    for (size_t n = (k_ + w) / 2; n >= 1; n /= 2) {
      if (Less(node_[n], w)) std::swap(node_[n], w);
    }
    node_[0] = w;
  }

 private:
  // Whether run a's head comes before run b's; an exhausted run comes last
  // and equal heads go by run number.
  bool Less(size_t a, size_t b) const {
    const bool a_done = cur_[a] == end_[a], b_done = cur_[b] == end_[b];
    if (a_done || b_done) return !a_done && b_done;
    if (key_[a] != key_[b]) return key_[a] < key_[b];
    const int c = std::memcmp(cur_[a] + 8, cur_[b] + 8, kRecordSize - 8);
    return c != 0 ? c < 0 : a < b;
  }

  const size_t k_;
  std::vector<const char*> cur_, end_;
  std::vector<uint64_t> key_;
  std::vector<size_t> node_;
};

}  // namespace

absl::Status MergeRuns(const std::vector<std::string_view>& runs,
                       size_t block_bytes,
                       absl::FunctionRef<absl::Status(std::string_view)> sink) {
  std::vector<std::string_view> live;
  for (std::string_view r : runs) {
    if (!r.empty()) live.push_back(r);
  }
  if (live.empty()) return absl::OkStatus();
  if (live.size() == 1) return sink(live[0]);
  const size_t block =
      std::max<size_t>(1, block_bytes / kRecordSize) * kRecordSize;
  std::string buf(block, '\0');
  size_t used = 0;
  LoserTree tree(live);
  for (const char* rec = tree.Top(); rec != nullptr; rec = tree.Top()) {
    std::memcpy(buf.data() + used, rec, kRecordSize);
    used += kRecordSize;
    if (used == block) {
      if (auto s = sink(std::string_view(buf.data(), used)); !s.ok()) return s;
      used = 0;
    }
    tree.Pop();
  }
  if (used > 0) return sink(std::string_view(buf.data(), used));
  return absl::OkStatus();
}

}  // namespace gridless::mapreduce
