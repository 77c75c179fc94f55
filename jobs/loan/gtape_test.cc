// The columnar .gtape: every field round-trips, loan-mc on a .gtape gives
// the text tape's result bit for bit (and loans.csv byte for byte), the
// coordinator plans without reading a row, and forged files are refused
// with the loan and field named, never read out of bounds.
#include "jobs/loan/gtape.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "google/protobuf/util/message_differencer.h"
#include "jobs/builtin_kinds.h"
#include "jobs/loan/loan_source.h"
#include "jobs/loan/synthetic.h"
#include "jobs/local_run.h"

namespace gridless::loan {
namespace {

using google::protobuf::Struct;

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/gtape_test_" + name;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}
void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The file format spec (gtape.h): the column table starts after the 200-byte
// header, 48 bytes an entry (name[24], type, reserved, offset, bytes).
constexpr size_t kHeaderStructBytes = 200;
constexpr size_t kColumnEntryBytes = 48;
size_t ColumnEntry(const std::string& file, const std::string& name) {
  uint32_t columns;
  std::memcpy(&columns, file.data() + 12, 4);
  for (uint32_t i = 0; i < columns; ++i) {
    size_t at = kHeaderStructBytes + i * kColumnEntryBytes;
    if (name == file.data() + at) return at;
  }
  ADD_FAILURE() << "no column " << name;
  return 0;
}
uint64_t ColumnOffset(const std::string& file, const std::string& name) {
  uint64_t offset;
  std::memcpy(&offset, file.data() + ColumnEntry(file, name) + 32, 8);
  return offset;
}

class GtapeTest : public testing::Test {
 protected:
  void SetUp() override {
    text_ = TempPath("tape.psv");
    gtape_ = TempPath("tape.gtape");
    ASSERT_TRUE(
        WriteSyntheticTape(text_, TapeFormat::kFannieSflp, 700, 5).ok());
    auto tape = ReadTape(text_, {});
    ASSERT_TRUE(tape.ok()) << tape.status();
    tape_ = *std::move(tape);
    ASSERT_TRUE(WriteGtape(tape_, tape_.format, gtape_).ok());
  }
  v1::JobSpec Spec(const std::string& tape, const std::string& out) {
    v1::JobSpec spec;
    spec.set_kind("loan-mc");
    spec.set_seed(31);
    auto& f = *spec.mutable_params()->mutable_fields();
    f["tape"].set_string_value(tape);
    f["paths"].set_number_value(24);
    f["loan_block"].set_number_value(128);
    f["path_block"].set_number_value(8);
    f["volatility"].set_number_value(0.012);
    f["default_rate_sensitivity"].set_number_value(4);
    if (!out.empty()) {
      f["out"].set_string_value(out);
      f["per_loan"].set_bool_value(true);
    }
    return spec;
  }
  std::string text_, gtape_;
  LoanTape tape_;
};

TEST_F(GtapeTest, EveryFieldRoundTrips) {
  EXPECT_TRUE(IsGtapeFile(gtape_));
  EXPECT_FALSE(IsGtapeFile(text_));
  auto r = GtapeReader::Open(gtape_);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ((*r)->loans(), tape_.loans.size());
  EXPECT_EQ((*r)->source_format(), TapeFormat::kFannieSflp);
  EXPECT_EQ((*r)->facts().rows, tape_.rows);
  EXPECT_EQ((*r)->facts().inactive_loans, tape_.inactive_loans);
  int32_t max_remaining = 0;
  for (const Loan& l : tape_.loans)
    max_remaining = std::max(max_remaining, l.remaining);
  EXPECT_EQ((*r)->max_remaining(), max_remaining);
  std::vector<Loan> got(tape_.loans.size());
  ASSERT_TRUE((*r)->Fill(0, static_cast<int>(got.size()), got.data()).ok());
  for (size_t i = 0; i < got.size(); ++i) {
    const Loan& a = tape_.loans[i];
    const Loan& b = got[i];
    ASSERT_EQ(a.balance, b.balance) << i;
    ASSERT_EQ(a.orig_balance, b.orig_balance) << i;
    ASSERT_EQ(a.rate, b.rate) << i;
    ASSERT_EQ(a.net_rate, b.net_rate) << i;
    ASSERT_EQ(a.term, b.term) << i;
    ASSERT_EQ(a.age, b.age) << i;
    ASSERT_EQ(a.remaining, b.remaining) << i;
    ASSERT_EQ(a.fico, b.fico) << i;
    ASSERT_EQ(a.ltv, b.ltv) << i;
    ASSERT_EQ(a.dti, b.dti) << i;
    ASSERT_EQ(a.state, b.state) << i;
    ASSERT_EQ(a.id, (*r)->Id(i)) << i;
  }
  EXPECT_EQ((*r)->Id(tape_.loans.size()), "");
  EXPECT_FALSE((*r)->Fill(tape_.loans.size() - 1, 2, got.data()).ok());
}

TEST_F(GtapeTest, LoanMcGivesTheTextTapesResultBitForBit) {
  auto kind = NewLoanMcKind();
  const std::string out_text = TempPath("out_text"), out_g = TempPath("out_g");
  auto a = RunJobLocally(*kind, Spec(text_, out_text));
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = RunJobLocally(*kind, Spec(gtape_, out_g), {7});
  ASSERT_TRUE(b.ok()) << b.status();
  Struct ra = *a, rb = *b;
  // The manifests differ by design (another file, another format).
  EXPECT_EQ(rb.fields()
                .at("manifest")
                .struct_value()
                .fields()
                .at("tape")
                .struct_value()
                .fields()
                .at("format")
                .string_value(),
            "gtape");
  for (Struct* s : {&ra, &rb}) {
    s->mutable_fields()->erase("manifest");
    s->mutable_fields()->erase("out");
  }
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(ra, rb))
      << ra.DebugString() << "\nvs\n"
      << rb.DebugString();
  EXPECT_EQ(ReadAll(out_text + "/loans.csv"), ReadAll(out_g + "/loans.csv"));
  EXPECT_EQ(ReadAll(out_text + "/paths.csv"), ReadAll(out_g + "/paths.csv"));
}

TEST_F(GtapeTest, PlanReadsTheHeaderOnlyAndTheTaskCatchesABadValue) {
  std::string file = ReadAll(gtape_);
  // Loan 300's remaining term beyond anything: only the task reading loan
  // 300 may notice.
  int32_t bad = 9999;
  std::memcpy(&file[ColumnOffset(file, "remaining") + 300 * 4], &bad, 4);
  const std::string forged = TempPath("bad_value.gtape");
  WriteAll(forged, file);

  auto kind = NewLoanMcKind();
  v1::JobSpec spec = Spec(forged, "");
  JobContext job{"j", spec, Params(spec.params())};
  PlanContext plan{job, 0, {}};
  auto tasks = kind->Plan(plan);
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  EXPECT_EQ(tasks->size(), 6u * 3u);  // 700 loans / 128, 24 paths / 8

  auto result = RunJobLocally(*kind, spec);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("loan 300"), std::string::npos)
      << result.status();
  EXPECT_NE(result.status().message().find("\"remaining\""), std::string::npos);
}

TEST_F(GtapeTest, ForgedHeadersAndColumnsAreRefusedNamingTheProblem) {
  const std::string good = ReadAll(gtape_);
  const std::string forged = TempPath("forged.gtape");
  auto open_with = [&](std::string bytes) {
    WriteAll(forged, bytes);
    return GtapeReader::Open(forged).status();
  };
  auto expect_refused = [&](std::string bytes, const char* words) {
    absl::Status s = open_with(std::move(bytes));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find(words), std::string::npos) << s;
  };

  expect_refused(good.substr(0, good.size() - 1), "truncated");
  expect_refused(good.substr(0, 100), "shorter than");
  {
    std::string b = good;
    b[0] = 'X';
    expect_refused(b, "magic");
  }
  {
    std::string b = good;
    uint32_t version = 7;
    std::memcpy(&b[8], &version, 4);
    expect_refused(b, "version 7");
  }
  {
    std::string b = good;  // a loan count that would overflow loans * 8
    uint64_t loans = ~uint64_t{0} / 4;
    std::memcpy(&b[16], &loans, 8);
    expect_refused(b, "loan count");
  }
  {
    std::string b = good;  // a column pointing past the end
    uint64_t offset = ~uint64_t{0} - 8;
    std::memcpy(&b[ColumnEntry(b, "rate") + 32], &offset, 8);
    expect_refused(b, "outside the file");
  }
  {
    std::string b = good;  // a column whose size does not match the count
    uint64_t bytes = 8;
    std::memcpy(&b[ColumnEntry(b, "balance") + 40], &bytes, 8);
    expect_refused(b, "expected");
  }
  {
    std::string b = good;  // a required column renamed away
    std::memcpy(&b[ColumnEntry(b, "term")], "tern", 4);
    expect_refused(b, "no \"term\" column");
  }
  {
    std::string b = good;  // id offsets not ending at the id bytes
    uint64_t last = 1;
    std::memcpy(&b[ColumnOffset(b, "id_offsets") + tape_.loans.size() * 8],
                &last, 8);
    expect_refused(b, "id offsets");
  }
  {
    std::string b = good;  // one id offset out of order: that id reads empty
    uint64_t big = ~uint64_t{0};
    std::memcpy(&b[ColumnOffset(b, "id_offsets") + 5 * 8], &big, 8);
    WriteAll(forged, b);
    auto r = GtapeReader::Open(forged);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ((*r)->Id(4), "");
    EXPECT_EQ((*r)->Id(5), "");
    EXPECT_EQ((*r)->Id(6), tape_.loans[6].id);
  }
  {
    std::string b = good;  // NaN balance
    double nan = std::nan("");
    std::memcpy(&b[ColumnOffset(b, "balance") + 2 * 8], &nan, 8);
    WriteAll(forged, b);
    auto r = GtapeReader::Open(forged);
    ASSERT_TRUE(r.ok());
    std::vector<Loan> loans(4);
    absl::Status s = (*r)->Fill(0, 4, loans.data());
    EXPECT_NE(s.message().find("loan 2 has an invalid \"balance\""),
              std::string::npos)
        << s;
  }
}

TEST_F(GtapeTest, TextReaderOptionsAreRefusedForAGtape) {
  TapeOptions options;
  options.format = TapeFormat::kCsv;
  auto s = OpenLoanSource(gtape_, options);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("drop the \"format\""),
            std::string::npos);
  EXPECT_EQ(OpenLoanSource(TempPath("absent.gtape"), {}).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace gridless::loan
