// The run manifest: SHA-256 against published vectors, the manifest a loan-mc
// result carries (tape facts, every parameter after defaults, seed, build),
// and VerifyManifest catching a changed, truncated or missing tape.
#include "jobs/loan/manifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "jobs/builtin_kinds.h"
#include "jobs/loan/synthetic.h"
#include "jobs/loan/tape.h"
#include "jobs/local_run.h"

namespace gridless::loan {
namespace {

using google::protobuf::Struct;

std::string TempPath(const std::string& name) {
  return testing::TempDir() + "/manifest_test_" + name;
}

const Struct& Obj(const Struct& s, const std::string& key) {
  return s.fields().at(key).struct_value();
}

TEST(Sha256Test, MatchesThePublishedVectors) {
  // FIPS 180-2 examples.
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // A file larger than one read block hashes like the same bytes in memory.
  std::string big(3 * (1 << 20) + 17, 'x');
  for (size_t i = 0; i < big.size(); i += 4093) big[i] = static_cast<char>(i);
  const std::string path = TempPath("big.bin");
  std::ofstream(path, std::ios::binary) << big;
  auto d = DigestFile(path);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->bytes, big.size());
  EXPECT_EQ(d->sha256, Sha256Hex(big));
}

TEST(Sha256Test, RefusesWhatIsNotARegularFile) {
  EXPECT_EQ(DigestFile(TempPath("absent")).status().code(),
            absl::StatusCode::kNotFound);
  auto dir = DigestFile(testing::TempDir());
  EXPECT_EQ(dir.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(dir.status().message().find("not a regular file"),
            std::string::npos);
}

class ManifestTest : public testing::Test {
 protected:
  void SetUp() override {
    tape_ = TempPath("tape.psv");
    ASSERT_TRUE(WriteSyntheticTape(tape_, TapeFormat::kFannieSflp, 50, 3).ok());
    spec_.set_kind("loan-mc");
    spec_.set_seed(1234567890123456789ull);
    auto& f = *spec_.mutable_params()->mutable_fields();
    f["tape"].set_string_value(tape_);
    f["paths"].set_number_value(8);
    f["psa"].set_number_value(250);
  }
  absl::StatusOr<Struct> Run() {
    auto kind = NewLoanMcKind();
    return RunJobLocally(*kind, spec_);
  }
  std::string tape_;
  v1::JobSpec spec_;
};

TEST_F(ManifestTest, ResultCarriesTapeParametersSeedAndBuild) {
  auto result = Run();
  ASSERT_TRUE(result.ok()) << result.status();
  const Struct& m = Obj(*result, "manifest");
  const Struct& tape = Obj(m, "tape");
  std::ifstream in(tape_, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  EXPECT_EQ(tape.fields().at("path").string_value(), tape_);
  EXPECT_EQ(tape.fields().at("bytes").number_value(), bytes.size());
  EXPECT_EQ(tape.fields().at("sha256").string_value(), Sha256Hex(bytes));
  EXPECT_EQ(tape.fields().at("format").string_value(), "fannie-sflp");
  // Performance files hold several monthly rows per loan: rows, not loans.
  EXPECT_EQ(tape.fields().at("rows_read").number_value(),
            result->fields().at("tape_rows").number_value());
  EXPECT_GT(tape.fields().at("rows_read").number_value(), 50);
  EXPECT_EQ(tape.fields().at("rows_skipped").number_value(), 0);

  // Given parameters as given; the others at their documented defaults.
  const Struct& params = Obj(m, "parameters");
  EXPECT_EQ(params.fields().at("psa").number_value(), 250);
  EXPECT_EQ(params.fields().at("paths").number_value(), 8);
  for (const ParamInfo& info : NewLoanMcKind()->Parameters()) {
    EXPECT_TRUE(params.fields().contains(info.name)) << info.name;
  }
  EXPECT_EQ(params.fields().at("skip_bad_rows").bool_value(), false);

  // The seed exactly (above 2^53, a JSON number would round it).
  EXPECT_EQ(m.fields().at("seed").string_value(), "1234567890123456789");
  EXPECT_EQ(params.fields().at("seed").string_value(), "1234567890123456789");
  const Struct& build = Obj(m, "build");
  EXPECT_EQ(build.fields().at("id").string_value(), GRIDLESS_BUILD_ID);
  EXPECT_FALSE(build.fields().at("git_revision").string_value().empty());
  const std::string clone = m.fields().at("kernel_clone").string_value();
  EXPECT_TRUE(clone == "avx2" || clone == "baseline") << clone;

  std::vector<std::string> notes;
  EXPECT_TRUE(VerifyManifest(m, &notes).ok());
  EXPECT_TRUE(notes.empty());
}

TEST_F(ManifestTest, SameSpecSameManifest) {
  auto a = Run();
  auto b = Run();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Obj(*a, "manifest").DebugString(),
            Obj(*b, "manifest").DebugString());
}

TEST_F(ManifestTest, VerifyCatchesAChangedTruncatedOrMissingTape) {
  auto result = Run();
  ASSERT_TRUE(result.ok()) << result.status();
  const Struct m = Obj(*result, "manifest");

  // One byte changed, same size: only the hash can tell.
  std::fstream f(tape_, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(-2, std::ios::end);
  f.put('9');
  f.close();
  absl::Status changed = VerifyManifest(m, nullptr);
  EXPECT_EQ(changed.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(changed.message().find("changed since the run"), std::string::npos)
      << changed;

  std::filesystem::resize_file(tape_, 10);
  EXPECT_EQ(VerifyManifest(m, nullptr).code(),
            absl::StatusCode::kFailedPrecondition);

  std::filesystem::remove(tape_);
  absl::Status missing = VerifyManifest(m, nullptr);
  EXPECT_EQ(missing.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.message().find("cannot be read"), std::string::npos);
}

TEST(VerifyManifestTest, RefusesAManifestWithoutTapeFacts) {
  Struct m;
  EXPECT_EQ(VerifyManifest(m, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  (*(*m.mutable_fields())["tape"]
        .mutable_struct_value()
        ->mutable_fields())["path"]
      .set_number_value(3);
  EXPECT_EQ(VerifyManifest(m, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(DetectTapeFormatOfFileTest, ReadsTheFirstLineOnly) {
  const std::string csv = TempPath("t.csv");
  ASSERT_TRUE(WriteSyntheticTape(csv, TapeFormat::kCsv, 5, 1).ok());
  auto f = DetectTapeFormatOfFile(csv);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(*f, TapeFormat::kCsv);
  EXPECT_FALSE(DetectTapeFormatOfFile(testing::TempDir()).ok());
}

}  // namespace
}  // namespace gridless::loan
