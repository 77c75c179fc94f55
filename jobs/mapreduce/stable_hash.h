// A hash that is the same in every process, build and machine (unlike
// absl::Hash, which is seeded per process), so that a key lands in the same
// shuffle partition whichever worker maps it.
//
// Thread-safe (pure functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_STABLE_HASH_H_
#define GRIDLESS_JOBS_MAPREDUCE_STABLE_HASH_H_

#include <cstdint>
#include <string_view>

namespace gridless::mapreduce {

// FNV-1a over the bytes, then the MurmurHash3 finalizer to spread the bits.
inline uint64_t StableHash(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// The partition in [0, partitions) of a key: hash partitioning.
inline uint32_t HashPartition(std::string_view key, uint32_t partitions) {
  return static_cast<uint32_t>(
      (static_cast<unsigned __int128>(StableHash(key)) * partitions) >> 64);
}

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_STABLE_HASH_H_
