#include "common/varint.h"

namespace gridless {

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

bool GetVarint(std::string_view& in, uint64_t& v) {
  uint64_t value = 0;
  const size_t limit =
      in.size() < kMaxVarintBytes ? in.size() : kMaxVarintBytes;
  for (size_t i = 0; i < limit; ++i) {
    const uint8_t b = static_cast<uint8_t>(in[i]);
    // The tenth byte holds bit 63 only: anything more is a value past
    // 2^64 - 1 (or an eleventh byte), which would otherwise wrap silently.
    if (i == kMaxVarintBytes - 1 && b > 1) return false;
    value |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      in.remove_prefix(i + 1);
      v = value;
      return true;
    }
  }
  return false;  // cut short, or ten bytes that all say "more"
}

}  // namespace gridless
