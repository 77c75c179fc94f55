#include "jobs/mapreduce/sort_records.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/sv.h"
#include "jobs/mapreduce/input_splits.h"
#include "jobs/random.h"

namespace gridless::mapreduce {

void MakeRecord(uint64_t seed, uint64_t index, char* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  PhiloxStream rng(seed, /*stream=*/0x5052, index);
  uint64_t a = (static_cast<uint64_t>(rng()) << 32) | rng();
  uint64_t b = (static_cast<uint64_t>(rng()) << 32) | rng();
  uint64_t filler = (static_cast<uint64_t>(rng()) << 32) | rng();
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(' ' + a % 95);
    a /= 95;
  }
  for (int i = 8; i < 10; ++i) {
    out[i] = static_cast<char>(' ' + b % 95);
    b /= 95;
  }
  out[10] = out[11] = ' ';
  for (int i = 0; i < 16; ++i) out[12 + i] = '0';  // high 64 bits of the number
  for (int i = 0; i < 16; ++i)
    out[28 + i] = kHex[(index >> (60 - 4 * i)) & 0xF];
  out[44] = out[45] = ' ';
  for (int g = 0; g < 13; ++g) {
    char c = kHex[(filler >> (4 * g)) & 0xF];
    for (int k = 0; k < 4; ++k) out[46 + 4 * g + k] = c;
  }
  out[98] = '\r';
  out[99] = '\n';
}

absl::Status CheckRecord(const char* rec, const std::string& path,
                         uint64_t offset) {
  if (rec[kRecordSize - 1] != '\n') {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: malformed record: byte 99 is 0x%02x, expected a newline (sort "
        "reads 100-byte lines as written by gensort -a or gridless "
        "gen-records)",
        Where(path, offset), static_cast<unsigned char>(rec[kRecordSize - 1])));
  }
  if (const void* nl = std::memchr(rec, '\n', kRecordSize - 1)) {
    size_t at = static_cast<const char*>(nl) - rec;
    return absl::InvalidArgumentError(
        Cat(Where(path, offset), ": malformed record: newline at byte ", at,
            " of the 100-byte record (a line of the wrong length?)"));
  }
  return absl::OkStatus();
}

}  // namespace gridless::mapreduce
