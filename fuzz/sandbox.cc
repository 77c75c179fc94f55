// The fuzzers' scratch directory (see sandbox.h).
#include "fuzz/sandbox.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>

#include "jobs/loan/synthetic.h"
#include "jobs/loan/tape.h"

namespace gridless::fuzz {
namespace {

namespace fs = std::filesystem;

void WriteFile(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    std::fprintf(stderr, "fuzz sandbox: cannot write %s\n", path.c_str());
    std::abort();
  }
}

// One 100-byte gensort -a record: 10-byte key, 2 spaces, 32 hex digits of
// row id, 2 spaces, 52 filler characters, \r\n.
std::string GensortRecord(int i) {
  char key[11];
  std::snprintf(key, sizeof(key), "%c%c%08d", 'A' + (i * 7) % 26,
                'a' + (i * 3) % 26, i * 7919 % 100000000);
  char id[33];
  std::snprintf(id, sizeof(id), "%032X", i);
  std::string r = std::string(key, 10) + "  " + id + "  " +
                  std::string(52, static_cast<char>('A' + i % 26)) + "\r\n";
  return r;
}

void WriteFixtures(const fs::path& root) {
  WriteFile(root / "text/a.txt",
            "the quick brown fox\njumps over the lazy dog\n");
  WriteFile(root / "text/b.txt",
            "to be or not to be\nthat is the question\n\n");
  WriteFile(root / "text/empty.txt", "");
  std::string records;
  for (int i = 0; i < 12; ++i) records += GensortRecord(i);
  WriteFile(root / "sort/records", records);
  WriteFile(root / "visits/uservisits.csv",
            "158.112.27.3,nbizrgdziebsaecsecujfjcqtvnpcnxxwiopmddorcxnlijdiz,"
            "1979-12-12,339.0876,Mozilla/5.0,AUS,AUS-EN,word,3\n"
            "10.1.2.3,pageurl,2000-01-01,1.5,agent,USA,USA-EN,search,8\n"
            "10.1.2.9,pageurl,2000-01-02,2.25,agent,USA,USA-EN,search,1\n");
  WriteFile(root / "rankings/rankings.csv",
            "url1,1200,10\nurl2,5,3\nurl3,99999,1\n");
  fs::create_directories(root / "tapes");
  const struct {
    const char* name;
    loan::TapeFormat format;
  } tapes[] = {{"loans.csv", loan::TapeFormat::kCsv},
               {"loans.sflp", loan::TapeFormat::kFannieSflp},
               {"loans.acq", loan::TapeFormat::kFannieAcq},
               {"loans.freddie", loan::TapeFormat::kFreddieOrig}};
  for (const auto& t : tapes) {
    auto status = loan::WriteSyntheticTape((root / "tapes" / t.name).string(),
                                           t.format, 6, 11);
    if (!status.ok()) {
      std::fprintf(stderr, "fuzz sandbox: %s\n", status.ToString().c_str());
      std::abort();
    }
  }
}

std::string* root_path = nullptr;

void RemoveSandbox() {
  if (root_path == nullptr) return;
  std::error_code ec;
  fs::remove_all(*root_path, ec);
}

// Keeps `value` inside the sandbox: drops empty, "." and ".." segments and
// NUL bytes, so the result is a relative path with no way up.
std::string Contain(std::string_view value) {
  std::string out;
  size_t i = 0;
  while (i <= value.size()) {
    size_t j = value.find('/', i);
    if (j == std::string_view::npos) j = value.size();
    std::string segment;
    for (char c : value.substr(i, j - i)) {
      if (c != '\0') segment.push_back(c);
    }
    if (!segment.empty() && segment != "." && segment != "..") {
      if (!out.empty()) out.push_back('/');
      out += segment;
    }
    i = j + 1;
  }
  return out;
}

bool IsPathParam(std::string_view name) {
  return name == "input" || name == "output" || name == "tape" || name == "out";
}

bool IsSizeParam(std::string_view name) {
  return name == "tasks" || name == "shards" || name == "reducers" ||
         name == "samples" || name == "paths" || name == "loan_block" ||
         name == "path_block" || name == "top";
}

}  // namespace

const std::string& Sandbox() {
  static const std::string* root = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp ? tmp : "/tmp") +
                          "/gridless-fuzz-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("fuzz sandbox: mkdtemp");
      std::abort();
    }
    std::error_code ec;
    auto* path = new std::string(fs::canonical(pattern, ec).string());
    if (ec) *path = pattern;
    WriteFixtures(*path);
    root_path = path;
    std::atexit(RemoveSandbox);
    return path;
  }();
  return *root;
}

void SandboxSpec(v1::JobSpec* spec) {
  const std::string& root = Sandbox();
  for (auto& [name, value] : *spec->mutable_params()->mutable_fields()) {
    if (IsPathParam(name) &&
        value.kind_case() == google::protobuf::Value::kStringValue) {
      std::string contained = Contain(value.string_value());
      // Empty stays empty: "no output" is a case the kinds handle.
      if (!value.string_value().empty()) {
        value.set_string_value(root + "/" + contained);
      }
    } else if (name == "store" &&
               value.kind_case() == google::protobuf::Value::kStringValue) {
      const std::string& url = value.string_value();
      const size_t sep = url.find("://");
      if (sep != std::string::npos && sep > 0) {
        value.set_string_value(url.substr(0, sep) + "://" + root + "/store/" +
                               Contain(url.substr(sep + 3)));
      }
    } else if (IsSizeParam(name) &&
               value.kind_case() == google::protobuf::Value::kNumberValue) {
      const double v = value.number_value();
      if (v > kMaxSize && v <= 1e9)
        value.set_number_value(std::fmod(v, kMaxSize));
    }
  }
}

}  // namespace gridless::fuzz
