// Counter-based random numbers for deterministic jobs.
//
// PhiloxStream is Philox4x32-10 (Random123) keyed by the job seed, with the
// counter made of (stream, index, block): every (seed, stream, index) triple
// names an independent sequence of 2^34 32-bit words.  A job uses `stream` to
// separate purposes (rate paths, default draws...) and `index` for the path
// or sample number, so path p gets the same draws whichever task, worker or
// attempt computes it.
//
// It models the C++ UniformRandomBitGenerator concept, so Boost.Random's
// distributions run on top of it:
//   gridless::PhiloxStream rng(seed, /*stream=*/1, /*index=*/path);
//   boost::random::normal_distribution<double> normal;  // ziggurat
//   double z = normal(rng);
// Distributions may keep state between calls (boost's do not for these two);
// create them per sequence to stay deterministic.
//
// Not thread-safe: one PhiloxStream per thread (they are 40 bytes, cheap).
#ifndef GRIDLESS_JOBS_RANDOM_H_
#define GRIDLESS_JOBS_RANDOM_H_

#include <Random123/philox.h>

#include <cstdint>
#include <limits>

namespace gridless {

class PhiloxStream {
 public:
  using result_type = uint32_t;
  using Engine = r123::Philox4x32_R<10>;

  PhiloxStream(uint64_t seed, uint32_t stream, uint64_t index) {
    key_ = {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}};
    ctr_ = {{0u, stream, static_cast<uint32_t>(index),
             static_cast<uint32_t>(index >> 32)}};
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() {
    return std::numeric_limits<uint32_t>::max();
  }

  result_type operator()() {
    if (pos_ == 4) {
      out_ = Engine()(ctr_, key_);
      ++ctr_.v[0];
      pos_ = 0;
    }
    return out_.v[pos_++];
  }

  // A double in (0, 1), never 0 or 1: safe for log() and inverse CDFs.
  double Uniform01Open() {
    uint64_t hi = (*this)();
    uint64_t lo = (*this)();
    uint64_t bits53 = ((hi << 32) | lo) >> 11;
    return (static_cast<double>(bits53) + 0.5) * 0x1.0p-53;
  }

 private:
  Engine::ctr_type ctr_;
  Engine::key_type key_;
  Engine::ctr_type out_{};
  int pos_ = 4;
};

}  // namespace gridless

#endif  // GRIDLESS_JOBS_RANDOM_H_
