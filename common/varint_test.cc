#include "common/varint.h"

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace gridless {
namespace {

// The encoders this codec replaced, verbatim: the bytes they wrote (journal
// task batches, map-reduce payloads, partials and shuffle runs) must read
// back, and the new encoder must write the same bytes.
void OldJournalPutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void OldByteWriterVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::string Bytes(std::initializer_list<uint8_t> b) {
  return std::string(b.begin(), b.end());
}

std::vector<uint64_t> Samples() {
  std::vector<uint64_t> v = {0,
                             1,
                             127,
                             128,
                             300,
                             16383,
                             16384,
                             (uint64_t{1} << 32) - 1,
                             uint64_t{1} << 32,
                             (uint64_t{1} << 63) - 1,
                             uint64_t{1} << 63,
                             UINT64_MAX};
  std::mt19937_64 rng(14);  // fixed seed
  for (int i = 0; i < 2000; ++i) v.push_back(rng() >> (rng() % 64));
  return v;
}

TEST(VarintTest, GoldenBytes) {
  const std::vector<std::pair<uint64_t, std::string>> golden = {
      {0, Bytes({0x00})},
      {1, Bytes({0x01})},
      {127, Bytes({0x7f})},
      {128, Bytes({0x80, 0x01})},
      {300, Bytes({0xac, 0x02})},
      {16384, Bytes({0x80, 0x80, 0x01})},
      {uint64_t{1} << 32, Bytes({0x80, 0x80, 0x80, 0x80, 0x10})},
      {uint64_t{1} << 63,
       Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01})},
      {UINT64_MAX,
       Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})},
  };
  for (const auto& [value, bytes] : golden) {
    std::string out;
    PutVarint(out, value);
    EXPECT_EQ(out, bytes) << value;
    EXPECT_EQ(VarintLength(value), bytes.size()) << value;
    std::string_view in = bytes;
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint(in, got)) << value;
    EXPECT_EQ(got, value);
    EXPECT_TRUE(in.empty());
  }
}

TEST(VarintTest, WritesAndReadsWhatTheOldEncodersWrote) {
  std::string old_journal, old_bytes, ours;
  const std::vector<uint64_t> values = Samples();
  for (uint64_t v : values) {
    OldJournalPutVarint(old_journal, v);
    OldByteWriterVarint(old_bytes, v);
    PutVarint(ours, v);
  }
  EXPECT_EQ(ours, old_journal);
  EXPECT_EQ(ours, old_bytes);
  std::string_view in = old_journal;
  for (uint64_t v : values) {
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint(in, got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(VarintTest, AcceptsLongerThanNeededEncodingsInRange) {
  std::string_view in("\x80\x00", 2);
  uint64_t v = 7;
  ASSERT_TRUE(GetVarint(in, v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(in.empty());
}

// Each hostile input fails and leaves `in` and `v` as they were.
void ExpectRejected(const std::string& bytes, const char* why) {
  std::string_view in = bytes;
  uint64_t v = 42;
  EXPECT_FALSE(GetVarint(in, v)) << why;
  EXPECT_EQ(in.size(), bytes.size()) << why;
  EXPECT_EQ(v, 42u) << why;
}

TEST(VarintTest, RejectsHostileInput) {
  ExpectRejected("", "empty");
  ExpectRejected(Bytes({0x80}), "cut after one byte");
  ExpectRejected(Bytes({0xff, 0xff, 0xff}), "cut after three bytes");
  ExpectRejected(std::string(9, '\x80'), "nine bytes all saying more");
  ExpectRejected(std::string(10, '\x80'), "ten bytes all saying more");
  ExpectRejected(std::string(11, '\x80') + '\x00', "twelve bytes");
  ExpectRejected(std::string(64, '\xff'), "a long run of 0xff");
  // A tenth byte of 2: 2^64, one past the largest value.
  ExpectRejected(
      Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02}),
      "2^64");
  ExpectRejected(
      Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}),
      "2^70 - 1");
  // A tenth byte of 1 with "more" set: an eleventh byte would follow.
  ExpectRejected(
      Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00}),
      "eleven bytes");
}

TEST(VarintTest, EveryPrefixOfAValidStreamIsCleanlyRejectedOrRead) {
  std::string stream;
  for (uint64_t v : Samples()) PutVarint(stream, v);
  // Cutting anywhere never reads past the cut or crashes.
  for (size_t cut = 0; cut < 200 && cut <= stream.size(); ++cut) {
    std::string_view in(stream.data(), cut);
    uint64_t v;
    while (GetVarint(in, v)) {
    }
    EXPECT_LT(in.size(), kMaxVarintBytes);
  }
}

}  // namespace
}  // namespace gridless
