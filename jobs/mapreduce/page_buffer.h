// PageBuffer: a large byte buffer straight from the kernel (an anonymous
// mapping asking for transparent huge pages), for the sort kind's split
// data, index and runs.  Unlike std::string it is not zero-filled by the
// program, and with huge pages a 100 MB buffer costs ~50 page faults
// instead of ~25,000 (which matters most in virtual machines, where a
// fault is expensive) and few TLB misses in a random gather.
//
// Released buffers are kept for reuse by the next task of the process (at
// most kMaxCachedBuffers, kMaxCachedBytes in all), so a worker running map
// task after map task neither faults in nor zeroes its memory again.  A
// kept buffer is marked MADV_FREE: the kernel may take its pages back
// under memory pressure (a reuse then gets fresh zero pages).  So the
// contents of a new buffer are unspecified.
//
// Move-only; owned by one task.  Allocate and release are thread-safe.
#ifndef GRIDLESS_JOBS_MAPREDUCE_PAGE_BUFFER_H_
#define GRIDLESS_JOBS_MAPREDUCE_PAGE_BUFFER_H_

#include <cstddef>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"

namespace gridless::mapreduce {

class PageBuffer {
 public:
  static constexpr size_t kMaxCachedBuffers = 8;
  static constexpr size_t kMaxCachedBytes = size_t{1} << 30;

  PageBuffer() = default;
  // `size` bytes of unspecified contents (size 0: an empty buffer, no
  // mapping).  RESOURCE_EXHAUSTED when the kernel refuses the mapping.
  static absl::StatusOr<PageBuffer> Allocate(size_t size);
  PageBuffer(PageBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)),
        capacity_(std::exchange(o.capacity_, 0)) {}
  PageBuffer& operator=(PageBuffer&& o) noexcept {
    if (this != &o) {
      Release();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }
  ~PageBuffer() { Release(); }

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return {data_, size_}; }

 private:
  void Release();
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;  // bytes mapped
};

}  // namespace gridless::mapreduce

#endif  // GRIDLESS_JOBS_MAPREDUCE_PAGE_BUFFER_H_
