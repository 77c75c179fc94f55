#include "jobs/mapreduce/sort_validation.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/sv.h"
#include "jobs/mapreduce/crc32c.h"
#include "jobs/mapreduce/file_util.h"
#include "jobs/mapreduce/input_splits.h"
#include "jobs/mapreduce/sort_records.h"

namespace gridless::mapreduce {

absl::StatusOr<RecordSummary> SummarizeRecords(
    const std::vector<std::string>& files) {
  RecordSummary sum;
  char prev[kRecordSize];
  bool have_prev = false;
  constexpr size_t kChunk = kRecordSize * 10000;
  std::string buf;
  for (const auto& path : files) {
    uint64_t file_size = 0;
    auto opened = OpenRegularFile(path, &file_size);
    if (!opened.ok()) return opened.status();
    const int fd = *opened;
    const uint64_t* size = &file_size;
    if (*size % kRecordSize != 0) {
      ::close(fd);
      uint64_t partial = *size - *size % kRecordSize;
      return absl::InvalidArgumentError(
          Cat(Where(path, partial), ": file has ", *size,
              " bytes, not a whole number of 100-byte records"));
    }
    for (uint64_t off = 0; off < *size; off += kChunk) {
      buf.clear();
      uint64_t n = std::min<uint64_t>(kChunk, *size - off);
      if (auto s = ReadRange(fd, path, off, n, &buf); !s.ok()) {
        ::close(fd);
        return s;
      }
      for (size_t i = 0; i < n; i += kRecordSize) {
        const char* rec = buf.data() + i;
        if (auto s = CheckRecord(rec, path, off + i); !s.ok()) {
          ::close(fd);
          return s;
        }
        ++sum.records;
        sum.checksum += Crc32c(std::string_view(rec, kRecordSize));
        if (have_prev) {
          int c = std::memcmp(prev, rec, kRecordSize);
          if (c > 0 && sum.first_unordered.empty()) {
            sum.first_unordered = Where(path, off + i);
          }
          if (std::memcmp(prev, rec, kKeySize) == 0) ++sum.duplicates;
        }
        std::memcpy(prev, rec, kRecordSize);
        have_prev = true;
      }
    }
    ::close(fd);
  }
  return sum;
}

absl::StatusOr<std::vector<std::string>> PartFiles(const std::string& dir) {
  auto names = ListDirectory(dir);
  if (!names.ok()) return names.status();
  std::vector<std::string> parts;
  for (const auto& n : *names) {
    if (PartIndex(n) >= 0) {
      parts.push_back(Cat(dir, "/", n));
    }
  }
  if (parts.empty()) {
    return absl::NotFoundError(Cat("no part-NNNNN files in \"", dir, "\""));
  }
  return parts;
}

std::string SortValidation::Report() const {
  std::string r = absl::StrFormat(
      "input:  %d records, checksum %016x\n"
      "output: %d records in %d files, checksum %016x, %d duplicate keys\n",
      input.records, input.checksum, output.records, output_files,
      output.checksum, output.duplicates);
  if (!output.first_unordered.empty()) {
    CatTo(&r, "FAIL: record out of order at ", output.first_unordered, "\n");
  }
  if (input.records != output.records) {
    CatTo(&r, "FAIL: record counts differ\n");
  }
  if (input.checksum != output.checksum) {
    CatTo(&r,
          "FAIL: checksums differ (records lost, added or "
          "changed)\n");
  }
  if (ok()) CatTo(&r, "SUCCESS: output is sorted and complete\n");
  return r;
}

absl::StatusOr<SortValidation> ValidateSort(
    const std::vector<std::string>& inputs, const std::string& output_dir) {
  SortValidation v;
  auto in = SummarizeRecords(inputs);
  if (!in.ok()) return in.status();
  v.input = *in;
  auto parts = PartFiles(output_dir);
  if (!parts.ok()) return parts.status();
  v.output_files = parts->size();
  auto out = SummarizeRecords(*parts);
  if (!out.ok()) return out.status();
  v.output = *out;
  return v;
}

}  // namespace gridless::mapreduce
