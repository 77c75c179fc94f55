#include "jobs/loan/manifest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "jobs/loan/gtape.h"
#include "jobs/loan/kernel.h"
#include "jobs/loan/tape.h"

namespace gridless::loan {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

struct EvpDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using EvpContext = std::unique_ptr<EVP_MD_CTX, EvpDeleter>;

std::string Hex(const unsigned char* bytes, unsigned int n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (unsigned int i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

// The default of one parameter as a JSON value of its declared type; the text
// itself when it is not a literal (e.g. "JobSpec.seed", "automatic").
Value DefaultValue(const ParamInfo& info) {
  Value v;
  double d = 0;
  if ((info.type == "int" || info.type == "double") &&
      absl::SimpleAtod(info.default_value, &d)) {
    v.set_number_value(d);
  } else if (info.type == "bool" &&
             (info.default_value == "true" || info.default_value == "false")) {
    v.set_bool_value(info.default_value == "true");
  } else if (info.type == "list" && info.default_value == "[]") {
    v.mutable_list_value();
  } else {
    v.set_string_value(info.default_value);
  }
  return v;
}

void SetString(Struct& s, const std::string& key, std::string_view value) {
  (*s.mutable_fields())[key].set_string_value(std::string(value));
}
void SetNumber(Struct& s, const std::string& key, double value) {
  (*s.mutable_fields())[key].set_number_value(value);
}

const Value* Field(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? nullptr : &it->second;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), digest, &n, EVP_sha256(), nullptr);
  return Hex(digest, n);
}

absl::StatusOr<FileDigest> DigestFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat("cannot open \"", path, "\": ", std::strerror(errno)));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", path, "\" is not a regular file"));
  }
  EvpContext ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("SHA-256: cannot initialize OpenSSL's digest");
  }
  std::string buffer(1 << 20, '\0');
  FileDigest out;
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) continue;
      return absl::DataLossError(
          absl::StrCat("reading \"", path, "\": ", std::strerror(errno)));
    }
    if (got == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(got));
    out.bytes += static_cast<uint64_t>(got);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &n);
  out.sha256 = Hex(digest, n);
  return out;
}

absl::StatusOr<Struct> BuildManifest(const JobContext& job,
                                     const LoanJobParams& params,
                                     const std::vector<ParamInfo>& infos,
                                     const LoanPartial& acc) {
  auto digest = DigestFile(params.tape);
  if (!digest.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "manifest: cannot hash the loan tape: ", digest.status().message()));
  }
  Struct m;
  SetString(m, "kind", "loan-mc");

  Struct& tape = *(*m.mutable_fields())["tape"].mutable_struct_value();
  SetString(tape, "path", params.tape);
  SetNumber(tape, "bytes", static_cast<double>(digest->bytes));
  SetString(tape, "sha256", digest->sha256);
  if (IsGtapeFile(params.tape)) {
    // The text layout it came from is in the header.
    auto reader = GtapeReader::Open(params.tape);
    if (!reader.ok()) return reader.status();
    SetString(tape, "format", "gtape");
    SetString(tape, "converted_from",
              TapeFormatName((*reader)->source_format()));
  } else {
    TapeFormat format = params.tape_options.format;
    if (format == TapeFormat::kAuto) {
      auto detected = DetectTapeFormatOfFile(params.tape);
      if (detected.ok()) format = *detected;
    }
    SetString(tape, "format", TapeFormatName(format));
  }
  SetNumber(tape, "rows_read", static_cast<double>(acc.header.tape_rows));
  SetNumber(tape, "rows_skipped", static_cast<double>(acc.header.skipped_rows));

  // Every parameter after defaults: the spec's value when given, else the
  // kind's documented default.
  Struct& all = *(*m.mutable_fields())["parameters"].mutable_struct_value();
  const auto& given = job.spec.params().fields();
  for (const ParamInfo& info : infos) {
    auto it = given.find(info.name);
    (*all.mutable_fields())[info.name] =
        it != given.end() ? it->second : DefaultValue(info);
  }
  // The seed actually used (the "seed" parameter or JobSpec.seed), exact: a
  // JSON number would round above 2^53.
  SetString(m, "seed", absl::StrCat(params.seed));
  if (!given.contains("seed")) {
    (*all.mutable_fields())["seed"].set_string_value(absl::StrCat(params.seed));
  }

  Struct& build = *(*m.mutable_fields())["build"].mutable_struct_value();
  const std::string build_id = GRIDLESS_BUILD_ID;
  std::vector<std::string> parts = absl::StrSplit(build_id, '+');
  SetString(build, "id", build_id);
  SetString(build, "version", parts[0]);
  SetString(build, "git_revision", parts.size() > 1 ? parts[1] : "unknown");
  // The clone this machine's kernel runs; every clone gives the same bits
  // (kernel_test), so a worker on another CPU computed the same numbers.
  SetString(m, "kernel_clone", KernelIsa());
  return m;
}

absl::Status VerifyManifest(const Struct& manifest,
                            std::vector<std::string>* notes) {
  const Value* tape = Field(manifest, "tape");
  if (tape == nullptr || !tape->has_struct_value()) {
    return absl::InvalidArgumentError("manifest has no \"tape\" object");
  }
  const Value* path = Field(tape->struct_value(), "path");
  const Value* bytes = Field(tape->struct_value(), "bytes");
  const Value* sha = Field(tape->struct_value(), "sha256");
  if (path == nullptr || !path->has_string_value() || bytes == nullptr ||
      !bytes->has_number_value() || sha == nullptr ||
      !sha->has_string_value()) {
    return absl::InvalidArgumentError(
        "manifest \"tape\" needs \"path\" (string), \"bytes\" (number) and "
        "\"sha256\" (string)");
  }
  auto digest = DigestFile(path->string_value());
  if (!digest.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the tape the result was computed from cannot be read: ",
        digest.status().message(),
        "; restore it at that path (or pass --tape FILE) and re-run"));
  }
  if (static_cast<double>(digest->bytes) != bytes->number_value() ||
      digest->sha256 != sha->string_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tape \"", path->string_value(), "\" changed since the run: now ",
        digest->bytes, " bytes, sha256 ", digest->sha256,
        "; the manifest says ", static_cast<uint64_t>(bytes->number_value()),
        " bytes, sha256 ", sha->string_value(),
        ". Find the original tape (e.g. by its sha256) to reproduce the "
        "result"));
  }
  if (notes != nullptr) {
    const Value* build = Field(manifest, "build");
    const Value* id = build != nullptr && build->has_struct_value()
                          ? Field(build->struct_value(), "id")
                          : nullptr;
    if (id != nullptr && id->string_value() != GRIDLESS_BUILD_ID) {
      notes->push_back(absl::StrCat(
          "the result was computed by build ", id->string_value(), ", this is ",
          GRIDLESS_BUILD_ID,
          ": check out that revision to reproduce it bit for bit"));
    }
  }
  return absl::OkStatus();
}

}  // namespace gridless::loan
