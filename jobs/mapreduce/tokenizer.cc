#include "jobs/mapreduce/tokenizer.h"

#include <algorithm>

#include "common/sv.h"

namespace gridless::mapreduce {
namespace {

struct Range {
  uint32_t lo, hi;
};
constexpr Range kLetterRanges[] = {
#include "jobs/mapreduce/unicode_letters.inc"
};

struct ByteTable {
  bool in[256] = {};
};

constexpr ByteTable AsciiLetters() {
  ByteTable t;
  for (int c = 'a'; c <= 'z'; ++c) t.in[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t.in[c] = true;
  return t;
}
constexpr ByteTable kAsciiLetters = AsciiLetters();

constexpr ByteTable NotSpace() {
  ByteTable t;
  for (int c = 0; c < 256; ++c) t.in[c] = true;
  for (char c : {' ', '\t', '\n', '\v', '\f', '\r'}) {
    t.in[static_cast<unsigned char>(c)] = false;
  }
  return t;
}
constexpr ByteTable kNotSpace = NotSpace();

// Words are maximal runs of bytes in `t`.
void ForEachRun(std::string_view text, const ByteTable& t,
                absl::FunctionRef<void(std::string_view)> fn) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    if (!t.in[p[i]]) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < n && t.in[p[i]]) ++i;
    fn(text.substr(start, i - start));
  }
}

bool Continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Length of the letter at text[i] (0 when it is no letter or not UTF-8).
size_t LetterAt(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return kAsciiLetters.in[c] ? 1 : 0;
  uint32_t cp;
  const size_t len = DecodeUtf8(text.substr(i), &cp);
  return len > 0 && IsUnicodeLetter(cp) ? len : 0;
}

}  // namespace

absl::StatusOr<Tokenizer> ParseTokenizer(std::string_view name) {
  if (name == "letters") return Tokenizer::kLetters;
  if (name == "whitespace") return Tokenizer::kWhitespace;
  if (name == "unicode-letters") return Tokenizer::kUnicodeLetters;
  return absl::InvalidArgumentError(
      Cat("parameter \"tokenizer\": unknown value \"", name,
          "\"; allowed: letters, whitespace, unicode-letters"));
}

bool IsUnicodeLetter(uint32_t cp) {
  const Range* end = kLetterRanges + std::size(kLetterRanges);
  const Range* it =
      std::upper_bound(kLetterRanges, end, cp,
                       [](uint32_t v, const Range& r) { return v < r.lo; });
  return it != kLetterRanges && cp <= (it - 1)->hi;
}

size_t DecodeUtf8(std::string_view s, uint32_t* cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  if (n == 0) return 0;
  const unsigned char c = p[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // no overlong forms
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;  // a continuation byte, C0, C1 or F5..FF
  }
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (!Continuation(p[k])) return 0;
  }
  uint32_t v = c & (0xFF >> (len + 1));
  for (size_t k = 1; k < len; ++k) v = (v << 6) | (p[k] & 0x3F);
  *cp = v;
  return len;
}

void ForEachWord(std::string_view text, Tokenizer tokenizer,
                 absl::FunctionRef<void(std::string_view)> fn) {
  switch (tokenizer) {
    case Tokenizer::kLetters:
      return ForEachRun(text, kAsciiLetters, fn);
    case Tokenizer::kWhitespace:
      return ForEachRun(text, kNotSpace, fn);
    case Tokenizer::kUnicodeLetters:
      break;
  }
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    size_t len = LetterAt(text, i);
    if (len == 0) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (len > 0) {
      i += len;
      len = i < n ? LetterAt(text, i) : 0;
    }
    fn(text.substr(start, i - start));
  }
}

}  // namespace gridless::mapreduce
