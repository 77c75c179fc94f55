// Synthetic English-like text for `wordcount` (gridless gen-text): words
// drawn from a pseudo-vocabulary with a Zipf-like (log-uniform rank)
// frequency, some capitalized, with punctuation and numbers between them.
// Line i depends only on (seed, i).
//
// Thread-safe (free functions).
#ifndef GRIDLESS_JOBS_MAPREDUCE_TEXT_GEN_H_
#define GRIDLESS_JOBS_MAPREDUCE_TEXT_GEN_H_

#include <cstdint>
#include <string>

namespace gridless::mapreduce {

// Appends line `index` (40..120 bytes and a '\n').
void MakeTextLine(uint64_t seed, uint64_t index, uint32_t vocabulary,
                  std::string& out);

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_TEXT_GEN_H_
