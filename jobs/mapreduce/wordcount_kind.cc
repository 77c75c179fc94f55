// `wordcount`: counts words in text files.
//
// The `tokenizer` parameter says what a word is (tokenizer.h).  By default
// (`letters`) a word is a maximal run of ASCII letters [A-Za-z]; every other
// byte (digits, punctuation, whitespace, bytes >= 0x80) separates words.
// This is exactly what
//   LC_ALL=C tr -cs A-Za-z '\n' < FILE | sort | uniq -c
// counts (ignoring the empty line tr emits when a file starts with a
// non-letter).  `whitespace` splits on ASCII whitespace as Hadoop's
// WordCount does; `unicode-letters` takes runs of UTF-8 letters.  Case is
// kept ("The" and "the" are different words) unless `lower` is true, which
// folds ASCII A-Z to a-z first.
//
// Map: counts the split's words in a hash table (the map-side combiner),
// hash-partitions them by word into R runs, each sorted.  Reduce: sums the
// counts of its runs and writes "word<TAB>count" lines sorted by word (byte
// order) to part-RRRRR.  With `top` N, the result also lists the N most
// frequent words (ties broken by word).
#include <algorithm>
#include <charconv>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/builtin_kinds.h"
#include "jobs/mapreduce/byte_codec.h"
#include "jobs/mapreduce/shuffle_kind.h"
#include "jobs/mapreduce/stable_hash.h"
#include "jobs/mapreduce/text_runs.h"
#include "jobs/mapreduce/tokenizer.h"
#include "jobs/pod_codec.h"

namespace gridless {
namespace mapreduce {
namespace {

struct WordCount {
  std::string word;
  uint64_t count;
};

// Most frequent first, then by word.
bool MoreFrequent(const WordCount& a, const WordCount& b) {
  if (a.count != b.count) return a.count > b.count;
  return a.word < b.word;
}

// extra = varint total words, varint n, n x (bytes word, varint count).
struct WordExtra {
  uint64_t total = 0;
  std::vector<WordCount> top;
};

std::string EncodeExtra(const WordExtra& e) {
  ByteWriter w;
  w.Varint(e.total);
  w.Varint(e.top.size());
  for (const auto& wc : e.top) {
    w.Bytes(wc.word);
    w.Varint(wc.count);
  }
  return w.Take();
}

// `top`: the job's "top"; a partial listing more words is refused.
absl::StatusOr<WordExtra> DecodeExtra(std::string_view bytes, uint64_t top) {
  ByteReader r(bytes, "wordcount partial");
  WordExtra e;
  auto total = r.Varint();
  if (!total.ok()) return total.status();
  e.total = *total;
  auto n = r.Varint();
  if (!n.ok()) return n.status();
  if (*n > top) {
    return absl::InvalidArgumentError(
        absl::StrCat("wordcount partial refused: ", *n,
                     " top words, more than the job's top of ", top));
  }
  for (uint64_t i = 0; i < *n; ++i) {
    auto word = r.Bytes();
    if (!word.ok()) return word.status();
    auto count = r.Varint();
    if (!count.ok()) return count.status();
    e.top.push_back({std::string(*word), *count});
  }
  if (auto s = r.ExpectDone(); !s.ok()) return s;
  return e;
}

void KeepTop(std::vector<WordCount>& v, size_t n) {
  if (v.size() > n) {
    std::partial_sort(v.begin(), v.begin() + n, v.end(), MoreFrequent);
    v.resize(n);
  } else {
    std::sort(v.begin(), v.end(), MoreFrequent);
  }
}

class WordcountLogic final : public ShuffleLogic {
 public:
  WordcountLogic(uint64_t top, Tokenizer tokenizer, bool lower)
      : top_(top), tokenizer_(tokenizer), lower_(lower) {}

  absl::Status Map(const SplitData& split, std::string_view, MapRuns& runs,
                   uint64_t& records) const override {
    std::string_view d = split.data;
    records += static_cast<uint64_t>(std::count(d.begin(), d.end(), '\n'));
    if (!d.empty() && d.back() != '\n') ++records;
    std::string folded;
    if (lower_) {
      folded.assign(d);
      for (char& c : folded) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      }
      d = folded;
    }
    absl::flat_hash_map<std::string_view, uint64_t> counts;
    ForEachWord(d, tokenizer_, [&counts](std::string_view w) { ++counts[w]; });
    uint32_t r_count = static_cast<uint32_t>(runs.size());
    std::vector<std::vector<std::pair<std::string_view, uint64_t>>> parts(
        r_count);
    for (const auto& kv : counts) {
      parts[HashPartition(kv.first, r_count)].push_back(kv);
    }
    char buf[24];
    for (uint32_t r = 0; r < r_count; ++r) {
      std::sort(parts[r].begin(), parts[r].end());
      for (const auto& [word, count] : parts[r]) {
        auto end = std::to_chars(buf, buf + sizeof(buf), count).ptr;
        AppendKeyValue(runs[r], word, std::string_view(buf, end - buf));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ReduceResult> Reduce(const std::vector<std::string_view>& runs,
                                      AtomicFileWriter& out) const override {
    absl::flat_hash_map<std::string_view, uint64_t> counts;
    for (const auto& run : runs) {
      auto s = ForEachKeyValue(
          run, "wordcount run",
          [&](std::string_view word, std::string_view value) -> absl::Status {
            uint64_t c;
            if (!absl::SimpleAtoi(Sv(value), &c)) {
              return absl::DataLossError("wordcount run: bad count");
            }
            counts[word] += c;
            return absl::OkStatus();
          });
      if (!s.ok()) return s;
    }
    std::vector<std::pair<std::string_view, uint64_t>> sorted(counts.begin(),
                                                              counts.end());
    std::sort(sorted.begin(), sorted.end());
    WordExtra extra;
    std::string text;
    char buf[24];
    for (const auto& [word, count] : sorted) {
      auto end = std::to_chars(buf, buf + sizeof(buf), count).ptr;
      AppendKeyValue(text, word, std::string_view(buf, end - buf));
      if (text.size() >= (1 << 20)) {
        if (auto s = out.Append(text); !s.ok()) return s;
        text.clear();
      }
      extra.total += count;
    }
    if (auto s = out.Append(text); !s.ok()) return s;
    if (top_ > 0) {
      for (const auto& [word, count] : sorted) {
        extra.top.push_back({std::string(word), count});
      }
      KeepTop(extra.top, top_);
    }
    return ReduceResult{sorted.size(), EncodeExtra(extra)};
  }

 private:
  uint64_t top_;
  Tokenizer tokenizer_;
  bool lower_;
};

absl::StatusOr<uint64_t> ReadTop(const Params& p) {
  auto top = p.Int("top", 0, 0, 1000000);
  if (!top.ok()) return top.status();
  return static_cast<uint64_t>(*top);
}

class WordcountKind final : public ShuffleKind {
 public:
  std::string_view Name() const override { return "wordcount"; }
  std::string_view Description() const override {
    return "counts words (tokenizer: letters [A-Za-z]+, whitespace or "
           "unicode-letters) in text files; writes word<TAB>count lines";
  }

 protected:
  std::vector<ParamInfo> KindParameters() const override {
    return {
        {"top", "int", "0",
         "also report the N most frequent words in the result (0 = "
         "none), 0..1000000"},
        {"tokenizer", "string", "letters",
         "what a word is: letters (runs of [A-Za-z]), whitespace (runs "
         "of bytes other than ASCII whitespace, as Hadoop's WordCount) "
         "or unicode-letters (runs of UTF-8 letters; bytes that are not "
         "UTF-8 separate words)"},
        {"lower", "bool", "false", "fold ASCII A-Z to a-z before counting"}};
  }
  RecordFormat Format() const override { return RecordFormat::Lines(); }
  absl::StatusOr<std::unique_ptr<ShuffleLogic>> NewLogic(
      const Params& params) const override {
    auto top = ReadTop(params);
    if (!top.ok()) return top.status();
    auto name = params.String("tokenizer", "letters");
    if (!name.ok()) return name.status();
    auto tokenizer = ParseTokenizer(*name);
    if (!tokenizer.ok()) return tokenizer.status();
    auto lower = params.Bool("lower", false);
    if (!lower.ok()) return lower.status();
    return std::make_unique<WordcountLogic>(*top, *tokenizer, *lower);
  }
  absl::Status MergeExtra(std::string& acc, std::string_view right,
                          const Params& params) const override {
    auto top = ReadTop(params);
    if (!top.ok()) return top.status();
    auto a = DecodeExtra(acc, *top);
    if (!a.ok()) return RefusedPartial(a.status());
    auto b = DecodeExtra(right, *top);
    if (!b.ok()) return RefusedPartial(b.status());
    if (auto s = AddCounts(a->total, b->total, ~uint64_t{0},
                           "wordcount partial", "words", &a->total);
        !s.ok()) {
      return s;
    }
    for (auto& wc : b->top) a->top.push_back(std::move(wc));
    KeepTop(a->top, *top);
    acc = EncodeExtra(*a);
    return absl::OkStatus();
  }
  absl::Status FinalizeExtra(std::string_view extra, const Params& params,
                             google::protobuf::Struct& result) const override {
    auto top = ReadTop(params);
    if (!top.ok()) return top.status();
    auto e = DecodeExtra(extra, *top);
    if (!e.ok()) return e.status();
    auto& f = *result.mutable_fields();
    f["words"].set_number_value(static_cast<double>(e->total));
    f["distinct_words"].set_number_value(f["records"].number_value());
    if (!e->top.empty()) {
      auto* list = f["top"].mutable_list_value();
      for (const auto& wc : e->top) {
        auto& item =
            *list->add_values()->mutable_struct_value()->mutable_fields();
        item["word"].set_string_value(wc.word);
        item["count"].set_number_value(static_cast<double>(wc.count));
      }
    }
    return absl::OkStatus();
  }
};

}  // namespace
}  // namespace mapreduce

std::unique_ptr<JobKind> NewWordcountKind() {
  return std::make_unique<mapreduce::WordcountKind>();
}

}  // namespace gridless
