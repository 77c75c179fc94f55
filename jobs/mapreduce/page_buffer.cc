#include "jobs/mapreduce/page_buffer.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace gridless::mapreduce {
namespace {

struct Mapping {
  char* data;
  size_t capacity;
};

// Released mappings kept for reuse, oldest first.
class Cache {
 public:
  // A kept mapping of at least `size` bytes and at most twice that (so a
  // small request does not pin a large mapping), or {nullptr, 0}.
  Mapping Take(size_t size) {
    absl::MutexLock lock(&mu_);
    size_t best = kept_.size();
    for (size_t i = 0; i < kept_.size(); ++i) {
      const size_t c = kept_[i].capacity;
      if (c >= size && c / 2 <= size &&
          (best == kept_.size() || c < kept_[best].capacity)) {
        best = i;
      }
    }
    if (best == kept_.size()) return {nullptr, 0};
    Mapping m = kept_[best];
    kept_.erase(kept_.begin() + static_cast<std::ptrdiff_t>(best));
    bytes_ -= m.capacity;
    return m;
  }

  // Keeps `m`, dropping the oldest mappings beyond the limits.
  void Give(Mapping m) {
    if (m.capacity > PageBuffer::kMaxCachedBytes) {
      ::munmap(m.data, m.capacity);
      return;
    }
#ifdef MADV_FREE
    (void)::madvise(m.data, m.capacity, MADV_FREE);
#endif
    std::vector<Mapping> drop;
    {
      absl::MutexLock lock(&mu_);
      kept_.push_back(m);
      bytes_ += m.capacity;
      while (kept_.size() > PageBuffer::kMaxCachedBuffers ||
             bytes_ > PageBuffer::kMaxCachedBytes) {
        drop.push_back(kept_.front());
        bytes_ -= kept_.front().capacity;
        kept_.erase(kept_.begin());
      }
    }
    for (const Mapping& d : drop) ::munmap(d.data, d.capacity);
  }

 private:
  absl::Mutex mu_;
  std::vector<Mapping> kept_ ABSL_GUARDED_BY(mu_);
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

Cache& TheCache() {
  static Cache* cache = new Cache();
  return *cache;
}

}  // namespace

absl::StatusOr<PageBuffer> PageBuffer::Allocate(size_t size) {
  PageBuffer b;
  if (size == 0) return b;
  Mapping m = TheCache().Take(size);
  if (m.data == nullptr) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "cannot allocate ", size, " bytes: ", std::strerror(errno)));
    }
#ifdef MADV_HUGEPAGE
    (void)::madvise(p, size, MADV_HUGEPAGE);  // a hint; fine when refused
#endif
    m = {static_cast<char*>(p), size};
  }
  b.data_ = m.data;
  b.size_ = size;
  b.capacity_ = m.capacity;
  return b;
}

void PageBuffer::Release() {
  if (data_ != nullptr) TheCache().Give({data_, capacity_});
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
}

}  // namespace gridless::mapreduce
