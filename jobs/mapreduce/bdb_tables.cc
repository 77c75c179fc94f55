#include "jobs/mapreduce/bdb_tables.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/sv.h"
#include "jobs/random.h"

namespace gridless::mapreduce {
namespace {

constexpr std::string_view kAgents[] = {
    "Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US)",
    "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)",
    "Opera/9.80 (X11; Linux i686; U; en) Presto/2.2.15 Version/10.10",
    "Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10_6_3; en-us)",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
    "Mozilla/5.0 (iPhone; U; CPU like Mac OS X) AppleWebKit/420+"};
constexpr std::string_view kCountries[] = {"USA", "DEU", "FRA", "JPN", "BRA",
                                           "IND", "CHN", "GBR", "CAN", "MEX"};
constexpr std::string_view kLanguages[] = {"en", "de", "fr", "ja",
                                           "pt", "hi", "zh", "es"};
constexpr std::string_view kWords[] = {
    "abalone", "banjo",  "cadence", "dormant", "egret",   "fjord",
    "gable",   "hamlet", "inkwell", "jovial",  "kestrel", "lantern",
    "meadow",  "nimbus", "obelisk", "pylon",   "quartz",  "rhubarb"};

template <size_t N>
std::string_view Pick(const std::string_view (&a)[N], uint32_t r) {
  return a[r % N];
}

// Lowercase letters, length in [lo, hi].
void AppendWord(PhiloxStream& rng, int lo, int hi, std::string& out) {
  int len = lo + static_cast<int>(rng() % (hi - lo + 1));
  for (int i = 0; i < len; ++i)
    out.push_back(static_cast<char>('a' + rng() % 26));
}

void AppendPageUrl(uint64_t seed, uint64_t page, std::string& out) {
  PhiloxStream rng(seed, /*stream=*/0x4255, page);
  AppendWord(rng, 10, 40, out);
  CatTo(&out, page);
}

}  // namespace

bool SplitColumns(std::string_view line, int n, std::string_view* fields) {
  int k = 0;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      if (k == n) return false;
      fields[k++] = line.substr(start, i - start);
      start = i + 1;
    }
  }
  return k == n;
}

void MakeRow(BdbTable table, uint64_t seed, uint64_t index,
             uint64_t rankings_rows, std::string& out) {
  if (table == BdbTable::kRankings) {
    PhiloxStream rng(seed, /*stream=*/0x4252, index);
    AppendPageUrl(seed, index, out);
    // pageRank: mostly small, a few large (like a power law).
    double u = rng.Uniform01Open();
    int rank = static_cast<int>(1.0 / (u * u * u + 0.0001));
    CatTo(&out, ",", rank % 10000, ",", 1 + rng() % 100, "\n");
    return;
  }
  PhiloxStream rng(seed, /*stream=*/0x4256, index);
  // sourceIP: first octets skewed so that short prefixes repeat.
  uint32_t a = rng(), b = rng();
  CatTo(&out, 1 + (a % 254) % ((a >> 8) % 32 + 8), ".", (a >> 16) % 256, ".",
        b % 256, ".", (b >> 8) % 256, ",");
  AppendPageUrl(seed, rankings_rows == 0 ? 0 : rng() % rankings_rows, out);
  uint32_t d = rng();
  absl::StrAppendFormat(&out, ",%04d-%02d-%02d,", 1970 + d % 50,
                        1 + (d >> 8) % 12, 1 + (d >> 16) % 28);
  // adRevenue: a float with up to 8 decimals, like the benchmark's.
  absl::StrAppendFormat(&out, "%.8f", rng.Uniform01Open());
  uint32_t c = rng();
  CatTo(&out, ",", Pick(kAgents, c), ",", Pick(kCountries, c >> 8), ",");
  CatTo(&out, Pick(kCountries, c >> 8), "-", Pick(kLanguages, c >> 16), ",",
        Pick(kWords, rng()), ",", 1 + rng() % 100, "\n");
}

}  // namespace gridless::mapreduce
