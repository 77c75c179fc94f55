// Tests of HOST:PORT parsing: the coordinator's ParseHostPort and
// FormatHostPort, and the worker's ValidateAddress.
#include "common/address.h"

#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

TEST(ParseHostPortTest, ParsesHostAndPort) {
  auto a = ParseHostPort("127.0.0.1:7070", "--listen");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 7070);
  a = ParseHostPort("[::1]:0", "--listen");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 0);
  a = ParseHostPort("localhost:65535", "--listen");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(FormatHostPort("::1", 80), "[::1]:80");
  EXPECT_EQ(FormatHostPort("127.0.0.1", 80), "127.0.0.1:80");
}

TEST(ParseHostPortTest, MalformedAddressesNameTheFlagAndText) {
  for (const char* bad :
       {"", "7070", "127.0.0.1", "127.0.0.1:", ":7070", "127.0.0.1:70000",
        "127.0.0.1:-1", "host:80x", "::1:80", "[::1]80", "[::1"}) {
    auto a = ParseHostPort(bad, "--listen");
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(a.status().message().find("--listen"), std::string::npos);
    EXPECT_NE(a.status().message().find(std::string("\"") + bad + "\""),
              std::string::npos)
        << a.status();
  }
}

TEST(ParseHostPortTest, SaysWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"[::1", "missing ']'"},
      {"[::1]80", "missing ':PORT' after ']'"},
      {"7070", "missing ':PORT'"},
      {"::1:80", "an IPv6 host must be in brackets, e.g. [::1]:7070"},
      {":7070", "missing HOST"},
      {"host:80x", "port \"80x\" is not a number in [0, 65535]"},
  };
  for (const auto& [text, why] : cases) {
    EXPECT_EQ(ParseHostPort(text, "--listen").status().message(),
              std::string("--listen \"") + text + "\": " + why +
                  "; expected HOST:PORT such as 127.0.0.1:7070");
  }
}

TEST(ValidateAddressTest, AcceptsHostPortForms) {
  for (const char* ok :
       {"127.0.0.1:7070", "localhost:1", "coordinator:65535", "[::1]:7070",
        "my-host.example.com:80", "unix:/tmp/gridless.sock"}) {
    EXPECT_TRUE(ValidateAddress(ok, "--coordinator").ok()) << ok;
  }
}

TEST(ValidateAddressTest, RejectsWithAClearMessage) {
  for (const char* bad :
       {"", "127.0.0.1", "127.0.0.1:", ":7070", "host:0", "host:65536",
        "host:70a", "host:+80", "::1:7070", "ho st:80", "unix:"}) {
    absl::Status s = ValidateAddress(bad, "--coordinator");
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("--coordinator")) << bad;
    EXPECT_THAT(s.message(), HasSubstr("HOST:PORT")) << bad;
  }
}

TEST(ValidateAddressTest, SaysWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"127.0.0.1", "no port"},
      {"::1:7070", "missing or malformed host"},
      {"[::1]:]:80", "missing or malformed host"},
      {"host:0", "port must be a number in 1..65535"},
      {"unix:", "empty unix socket path"},
  };
  for (const auto& [text, why] : cases) {
    EXPECT_EQ(ValidateAddress(text, "--coordinator").message(),
              std::string("--coordinator: bad address \"") + text +
                  "\": " + why + "; expected HOST:PORT, e.g. 127.0.0.1:7070");
  }
}

}  // namespace
}  // namespace gridless
