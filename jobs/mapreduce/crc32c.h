// CRC-32C (Castagnoli), the checksum of every object in a shuffle store and
// of the records validate-sort compares.  Uses the SSE4.2 instruction when
// the CPU has it, a table otherwise; both give the same value.
//
// Thread-safe (pure functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_CRC32C_H_
#define GRIDLESS_JOBS_MAPREDUCE_CRC32C_H_

#include <cstdint>
#include <string_view>

namespace gridless::mapreduce {

// Extends `crc` (the CRC of the bytes before `data`; 0 for none) over `data`.
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_CRC32C_H_
