#include "jobs/mapreduce/text_gen.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/sv.h"
#include "jobs/random.h"

namespace gridless::mapreduce {
namespace {

constexpr const char* kSyllables[] = {
    "ba", "be", "bi", "bo", "ca", "ce",  "da",  "de", "di", "fa", "ga", "ha",
    "he", "in", "ja", "ka", "la", "le",  "li",  "lo", "ma", "me", "mi", "mo",
    "na", "ne", "no", "pa", "pe", "ra",  "re",  "ri", "ro", "sa", "se", "si",
    "so", "ta", "te", "ti", "to", "tha", "the", "va", "ve", "wa", "we", "ya",
    "za", "qu", "st", "ng", "ck", "ea",  "ou",  "ly", "er", "an", "on", "at"};
constexpr uint32_t kNumSyllables = sizeof(kSyllables) / sizeof(kSyllables[0]);

void AppendWord(uint64_t seed, uint32_t rank, bool capital, std::string& out) {
  PhiloxStream rng(seed, /*stream=*/0x5457, rank);
  uint32_t n = 1 + (rank < 20 ? 0 : rng() % 4);
  size_t start = out.size();
  for (uint32_t i = 0; i < n; ++i) out += kSyllables[rng() % kNumSyllables];
  if (capital) out[start] = static_cast<char>(out[start] - 'a' + 'A');
}

}  // namespace

void MakeTextLine(uint64_t seed, uint64_t index, uint32_t vocabulary,
                  std::string& out) {
  PhiloxStream rng(seed, /*stream=*/0x5458, index);
  size_t start = out.size();
  size_t target = 40 + rng() % 81;
  double log_v = std::log(static_cast<double>(vocabulary) + 1.0);
  bool sentence_start = true;
  while (out.size() - start < target) {
    uint32_t r = rng();
    auto rank =
        static_cast<uint32_t>(std::exp(rng.Uniform01Open() * log_v)) - 1;
    if (rank >= vocabulary) rank = vocabulary - 1;
    if (r % 50 == 0) {
      CatTo(&out, r % 10000);
    } else {
      AppendWord(seed, rank, sentence_start || r % 23 == 0, out);
    }
    sentence_start = false;
    switch ((r >> 8) % 16) {
      case 0:
        out += ". ";
        sentence_start = true;
        break;
      case 1:
        out += ", ";
        break;
      case 2:
        out += "'s ";
        break;
      case 3:
        out += " - ";
        break;
      default:
        out += ' ';
    }
  }
  out += '\n';
}

}  // namespace gridless::mapreduce
