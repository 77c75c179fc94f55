#include "jobs/loan/gtape.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"

namespace gridless::loan {
namespace {

constexpr uint32_t kVersion = 1;
constexpr int kMaxProblems = 16;  // room in the header for more reasons
static_assert(kNumRowProblems <= kMaxProblems);

struct GtapeHeader {
  char magic[8];
  uint32_t version;
  uint32_t columns;  // entries in the column table after the header
  uint64_t loans;
  uint64_t file_bytes;
  int32_t max_remaining;
  int32_t source_format;  // TapeFormat
  double total_remaining;
  int64_t rows;
  int64_t skipped_rows;
  int64_t inactive_loans;
  int64_t skipped_by_problem[kMaxProblems];
};

enum class ColumnType : uint32_t {
  kF64 = 1,
  kI32 = 2,
  kChar2 = 3,    // two bytes per loan (US state codes), NUL-padded
  kOffsets = 4,  // loans + 1 u64 offsets into a kBytes column
  kBytes = 5,
};

struct GtapeColumn {
  char name[24];
  uint32_t type;
  uint32_t reserved;
  uint64_t offset;
  uint64_t bytes;
};

constexpr uint64_t kMaxColumns =
    (kGtapeHeaderBytes - sizeof(GtapeHeader)) / sizeof(GtapeColumn);
constexpr uint64_t kMaxIdBytes = 1024;

template <typename T>
T Load(const char* column, uint64_t i) {
  T v;
  std::memcpy(&v, column + i * sizeof(T), sizeof(T));
  return v;
}

uint64_t Align64(uint64_t x) { return (x + 63) / 64 * 64; }

// Appends a column's bytes 64-byte aligned and its table entry.
void AddColumn(std::string& file, std::vector<GtapeColumn>& table,
               const char* name, ColumnType type, const void* data,
               uint64_t bytes) {
  file.resize(Align64(file.size()), '\0');
  GtapeColumn c{};
  std::strncpy(c.name, name, sizeof(c.name) - 1);
  c.type = static_cast<uint32_t>(type);
  c.offset = file.size();
  c.bytes = bytes;
  file.append(static_cast<const char*>(data), bytes);
  table.push_back(c);
}

template <typename T, typename F>
void AddFixed(std::string& file, std::vector<GtapeColumn>& table,
              const char* name, ColumnType type, const LoanTape& tape, F get) {
  std::vector<T> values;
  values.reserve(tape.loans.size());
  for (const Loan& l : tape.loans) values.push_back(get(l));
  AddColumn(file, table, name, type, values.data(), values.size() * sizeof(T));
}

}  // namespace

bool IsGtapeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  char magic[sizeof(kGtapeMagic)] = {};
  const bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                  ::pread(fd, magic, sizeof(magic), 0) ==
                      static_cast<ssize_t>(sizeof(magic)) &&
                  std::memcmp(magic, kGtapeMagic, sizeof(magic)) == 0;
  ::close(fd);
  return ok;
}

absl::Status WriteGtape(const LoanTape& tape, TapeFormat source_format,
                        const std::string& path) {
  const uint64_t n = tape.loans.size();
  std::string file(kGtapeHeaderBytes, '\0');
  std::vector<GtapeColumn> table;
  AddFixed<double>(file, table, "balance", ColumnType::kF64, tape,
                   [](const Loan& l) { return l.balance; });
  AddFixed<double>(file, table, "orig_balance", ColumnType::kF64, tape,
                   [](const Loan& l) { return l.orig_balance; });
  AddFixed<double>(file, table, "rate", ColumnType::kF64, tape,
                   [](const Loan& l) { return l.rate; });
  AddFixed<double>(file, table, "net_rate", ColumnType::kF64, tape,
                   [](const Loan& l) { return l.net_rate; });
  AddFixed<int32_t>(file, table, "term", ColumnType::kI32, tape,
                    [](const Loan& l) { return l.term; });
  AddFixed<int32_t>(file, table, "age", ColumnType::kI32, tape,
                    [](const Loan& l) { return l.age; });
  AddFixed<int32_t>(file, table, "remaining", ColumnType::kI32, tape,
                    [](const Loan& l) { return l.remaining; });
  AddFixed<int32_t>(file, table, "fico", ColumnType::kI32, tape,
                    [](const Loan& l) { return l.fico; });
  AddFixed<double>(file, table, "ltv", ColumnType::kF64, tape,
                   [](const Loan& l) { return l.ltv; });
  AddFixed<double>(file, table, "dti", ColumnType::kF64, tape,
                   [](const Loan& l) { return l.dti; });
  std::string states(2 * n, '\0');
  std::vector<uint64_t> id_offsets;
  id_offsets.reserve(n + 1);
  id_offsets.push_back(0);
  std::string ids;
  int32_t max_remaining = 1;
  double total_remaining = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const Loan& l = tape.loans[i];
    std::memcpy(&states[2 * i], l.state.data(),
                std::min<size_t>(2, l.state.size()));
    const std::string_view id = std::string_view(l.id).substr(0, kMaxIdBytes);
    ids.append(id);
    id_offsets.push_back(ids.size());
    max_remaining = std::max(max_remaining, l.remaining);
    total_remaining += l.remaining;
  }
  AddColumn(file, table, "state", ColumnType::kChar2, states.data(),
            states.size());
  AddColumn(file, table, "id_offsets", ColumnType::kOffsets, id_offsets.data(),
            id_offsets.size() * sizeof(uint64_t));
  AddColumn(file, table, "id_bytes", ColumnType::kBytes, ids.data(),
            ids.size());

  GtapeHeader h{};
  std::memcpy(h.magic, kGtapeMagic, sizeof(h.magic));
  h.version = kVersion;
  h.columns = static_cast<uint32_t>(table.size());
  h.loans = n;
  h.file_bytes = file.size();
  h.max_remaining = max_remaining;
  h.source_format = static_cast<int32_t>(source_format);
  h.total_remaining = total_remaining;
  h.rows = tape.rows;
  h.skipped_rows = tape.skipped_rows;
  h.inactive_loans = tape.inactive_loans;
  for (int i = 0; i < kNumRowProblems; ++i) {
    h.skipped_by_problem[i] = tape.skipped_by_problem[i];
  }
  std::memcpy(file.data(), &h, sizeof(h));
  std::memcpy(file.data() + sizeof(h), table.data(),
              table.size() * sizeof(GtapeColumn));
  return WriteFileAtomically(path, file);
}

GtapeReader::~GtapeReader() {
  if (base_ != nullptr) ::munmap(const_cast<char*>(base_), bytes_);
}

absl::StatusOr<std::unique_ptr<GtapeReader>> GtapeReader::Open(
    const std::string& path) {
  auto bad = [&](const std::string& why) {
    return absl::InvalidArgumentError(
        absl::StrCat("loan tape \"", path, "\" (.gtape): ", why,
                     "; re-create it with `gridless convert-tape`"));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat("cannot open loan tape \"", path,
                                            "\": ", std::strerror(errno)));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return bad("not a regular file");
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < kGtapeHeaderBytes) {
    ::close(fd);
    return bad(absl::StrCat("only ", size, " bytes, shorter than the ",
                            kGtapeHeaderBytes, "-byte header"));
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "cannot map loan tape \"", path, "\": ", std::strerror(errno)));
  }
  std::unique_ptr<GtapeReader> r(new GtapeReader());
  r->path_ = path;
  r->base_ = static_cast<const char*>(map);
  r->bytes_ = size;

  GtapeHeader h;
  std::memcpy(&h, r->base_, sizeof(h));
  if (std::memcmp(h.magic, kGtapeMagic, sizeof(h.magic)) != 0) {
    return bad("no GTAPE01 magic");
  }
  if (h.version != kVersion) {
    return bad(absl::StrCat("format version ", h.version,
                            ", this build reads version ", kVersion));
  }
  if (h.file_bytes != size) {
    return bad(absl::StrCat("header says ", h.file_bytes,
                            " bytes, the file has ", size,
                            " (truncated or appended to?)"));
  }
  if (h.columns > kMaxColumns) {
    return bad(absl::StrCat(h.columns, " columns, at most ", kMaxColumns));
  }
  // A loan takes at least 8 bytes of the balance column: bounds every
  // count below against the file's size before any multiplication.
  if (h.loans == 0 || h.loans > size / 8) {
    return bad(absl::StrCat("loan count ", h.loans, " impossible for ", size,
                            " bytes"));
  }
  if (h.max_remaining < 1 || h.max_remaining > 480 ||
      !std::isfinite(h.total_remaining) || h.total_remaining < 0) {
    return bad("bad remaining-term summary in the header");
  }
  if (h.source_format < 0 ||
      h.source_format > static_cast<int32_t>(TapeFormat::kCsv)) {
    return bad(absl::StrCat("unknown source format ", h.source_format));
  }
  r->loans_ = h.loans;
  r->max_remaining_ = h.max_remaining;
  r->total_remaining_ = h.total_remaining;
  r->source_format_ = static_cast<TapeFormat>(h.source_format);
  r->facts_.format = r->source_format_;
  r->facts_.rows = h.rows;
  r->facts_.skipped_rows = h.skipped_rows;
  r->facts_.inactive_loans = h.inactive_loans;
  for (int i = 0; i < kNumRowProblems; ++i) {
    r->facts_.skipped_by_problem[i] = h.skipped_by_problem[i];
  }

  struct Want {
    const char* name;
    ColumnType type;
    const char** slot;
    bool required;
  };
  const Want wants[] = {
      {"balance", ColumnType::kF64, &r->balance_, true},
      {"orig_balance", ColumnType::kF64, &r->orig_balance_, true},
      {"rate", ColumnType::kF64, &r->rate_, true},
      {"net_rate", ColumnType::kF64, &r->net_rate_, true},
      {"term", ColumnType::kI32, &r->term_, true},
      {"age", ColumnType::kI32, &r->age_, true},
      {"remaining", ColumnType::kI32, &r->remaining_, true},
      {"fico", ColumnType::kI32, &r->fico_, false},
      {"ltv", ColumnType::kF64, &r->ltv_, false},
      {"dti", ColumnType::kF64, &r->dti_, false},
      {"state", ColumnType::kChar2, &r->state_, false},
      {"id_offsets", ColumnType::kOffsets, &r->id_offsets_, true},
      {"id_bytes", ColumnType::kBytes, &r->id_bytes_, true},
  };
  uint64_t id_bytes_size = 0;
  for (uint32_t i = 0; i < h.columns; ++i) {
    GtapeColumn c;
    std::memcpy(&c, r->base_ + sizeof(GtapeHeader) + i * sizeof(GtapeColumn),
                sizeof(c));
    if (std::memchr(c.name, '\0', sizeof(c.name)) == nullptr) {
      return bad(absl::StrCat("column ", i, " has an unterminated name"));
    }
    if (c.offset < kGtapeHeaderBytes || c.offset > size ||
        c.bytes > size - c.offset || c.offset % 8 != 0) {
      return bad(absl::StrCat("column \"", c.name, "\" at [", c.offset, ", +",
                              c.bytes, ") is outside the file"));
    }
    for (const Want& w : wants) {
      if (std::strcmp(w.name, c.name) != 0) continue;
      if (c.type != static_cast<uint32_t>(w.type)) {
        return bad(absl::StrCat("column \"", c.name, "\" has type ", c.type));
      }
      uint64_t want_bytes = 0;
      switch (w.type) {
        case ColumnType::kF64:
          want_bytes = h.loans * 8;
          break;
        case ColumnType::kI32:
          want_bytes = h.loans * 4;
          break;
        case ColumnType::kChar2:
          want_bytes = h.loans * 2;
          break;
        case ColumnType::kOffsets:
          want_bytes = (h.loans + 1) * 8;
          break;
        case ColumnType::kBytes:
          want_bytes = c.bytes;
          break;
      }
      if (c.bytes != want_bytes) {
        return bad(absl::StrCat("column \"", c.name, "\" has ", c.bytes,
                                " bytes, expected ", want_bytes, " for ",
                                h.loans, " loans"));
      }
      *w.slot = r->base_ + c.offset;
      if (w.type == ColumnType::kBytes) id_bytes_size = c.bytes;
    }
  }
  for (const Want& w : wants) {
    if (w.required && *w.slot == nullptr) {
      return bad(absl::StrCat("no \"", w.name, "\" column"));
    }
  }
  if (Load<uint64_t>(r->id_offsets_, 0) != 0 ||
      Load<uint64_t>(r->id_offsets_, h.loans) != id_bytes_size) {
    return bad("the loan id offsets do not span the id bytes");
  }
  return r;
}

std::string_view GtapeReader::Id(uint64_t i) const {
  if (i >= loans_) return {};
  const uint64_t begin = Load<uint64_t>(id_offsets_, i);
  const uint64_t end = Load<uint64_t>(id_offsets_, i + 1);
  const uint64_t total = Load<uint64_t>(id_offsets_, loans_);
  // Checked here, per id, rather than all 20 million at Open.
  if (begin > end || end > total || end - begin > kMaxIdBytes) return {};
  return std::string_view(id_bytes_ + begin, end - begin);
}

absl::Status GtapeReader::Fill(uint64_t first, int n, Loan* out) const {
  if (n < 0 || first > loans_ || static_cast<uint64_t>(n) > loans_ - first) {
    return absl::InvalidArgumentError(absl::StrCat(
        "loans [", first, ", +", n, ") outside the tape's ", loans_, " loans"));
  }
  for (int k = 0; k < n; ++k) {
    const uint64_t i = first + k;
    Loan& l = out[k];
    l.balance = Load<double>(balance_, i);
    l.orig_balance = Load<double>(orig_balance_, i);
    l.rate = Load<double>(rate_, i);
    l.net_rate = Load<double>(net_rate_, i);
    l.term = Load<int32_t>(term_, i);
    l.age = Load<int32_t>(age_, i);
    l.remaining = Load<int32_t>(remaining_, i);
    l.fico = fico_ != nullptr ? Load<int32_t>(fico_, i) : 0;
    l.ltv = ltv_ != nullptr ? Load<double>(ltv_, i) : 0;
    l.dti = dti_ != nullptr ? Load<double>(dti_, i) : 0;
    if (state_ != nullptr) {
      const char* s = state_ + 2 * i;
      l.state.assign(s, s[1] != '\0' ? 2 : (s[0] != '\0' ? 1 : 0));
    } else {
      l.state.clear();
    }
    l.id.clear();
    const char* field = nullptr;
    if (!(l.balance > 0 && l.balance <= 1e15))
      field = "balance";
    else if (!(l.orig_balance > 0 && l.orig_balance <= 1e15))
      field = "orig_balance";
    else if (!(l.rate > 0 && l.rate <= 0.3))
      field = "rate";
    else if (!(std::isfinite(l.net_rate) && l.net_rate <= 0.3))
      field = "net_rate";
    else if (l.term < 1 || l.term > 480)
      field = "term";
    else if (l.age < 0 || l.age >= 480)
      field = "age";
    else if (l.remaining < 1 || l.remaining > max_remaining_)
      field = "remaining";
    else if (l.fico < 0 || l.fico > 1000)
      field = "fico";
    else if (!(l.ltv >= 0 && l.ltv <= 1000))
      field = "ltv";
    else if (!(l.dti >= 0 && l.dti <= 1000))
      field = "dti";
    if (field != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "loan tape \"", path_, "\" (.gtape): loan ", i, " has an invalid \"",
          field, "\"; re-create the file with `gridless convert-tape`"));
    }
  }
  return absl::OkStatus();
}

}  // namespace gridless::loan
