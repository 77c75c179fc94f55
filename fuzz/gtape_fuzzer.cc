// libFuzzer target: a .gtape loan tape as a user (or anyone who can write
// to the shared filesystem) could hand a job.  Opens it, reads every loan in
// task-sized blocks and every id.  Any crash, sanitizer report or hang is a
// bug: a forged file must give an error naming the problem (jobs/loan/gtape.h).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "jobs/loan/gtape.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A memfd gives the reader a real path to open and map.
  static const int fd = ::memfd_create("gtape_fuzz", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (::ftruncate(fd, 0) != 0) return 0;
  size_t written = 0;
  while (written < size) {
    ssize_t n = ::pwrite(fd, data + written, size - written,
                         static_cast<off_t>(written));
    if (n <= 0) return 0;
    written += static_cast<size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  auto reader = gridless::loan::GtapeReader::Open(path);
  if (!reader.ok()) return 0;
  const uint64_t loans = (*reader)->loans();
  std::vector<gridless::loan::Loan> block(128);
  for (uint64_t first = 0; first < loans; first += 128) {
    const int n = static_cast<int>(std::min<uint64_t>(128, loans - first));
    if (!(*reader)->Fill(first, n, block.data()).ok()) break;
  }
  for (uint64_t i = 0; i <= loans; ++i) (void)(*reader)->Id(i);
  return 0;
}
