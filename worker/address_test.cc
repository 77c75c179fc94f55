#include "worker/address.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

TEST(AddressTest, AcceptsHostPortForms) {
  for (const char* ok :
       {"127.0.0.1:7070", "localhost:1", "coordinator:65535", "[::1]:7070",
        "my-host.example.com:80", "unix:/tmp/gridless.sock"}) {
    EXPECT_TRUE(ValidateAddress(ok, "--coordinator").ok()) << ok;
  }
}

TEST(AddressTest, RejectsWithAClearMessage) {
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", ":7070", "host:0", "host:65536",
        "host:70a", "host:+80", "::1:7070", "ho st:80", "unix:"}) {
    absl::Status s = ValidateAddress(bad, "--coordinator");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("--coordinator")) << bad;
    EXPECT_THAT(s.message(), HasSubstr("HOST:PORT")) << bad;
  }
}

}  // namespace
}  // namespace gridless
