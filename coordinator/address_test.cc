// Tests of HOST:PORT parsing, formatting and the bind check.
#include "coordinator/address.h"

#include <unistd.h>

#include "gtest/gtest.h"

namespace gridless {
namespace {

TEST(AddressTest, ParsesHostAndPort) {
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

TEST(AddressTest, MalformedAddressesNameTheFlagAndText) {
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

TEST(AddressTest, ListenReportsThePortAndRefusesAPortInUse) {
  int port = 0;
  auto fd = ListenTcp({"127.0.0.1", 0}, "--listen", &port);
  ASSERT_TRUE(fd.ok()) << fd.status();
  EXPECT_GT(port, 0);
  absl::Status s = CheckBindable({"127.0.0.1", port}, "--listen");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << s;
  EXPECT_NE(s.message().find("in use"), std::string::npos) << s;
  close(*fd);
}

TEST(AddressTest, ANonLocalAddressCannotBeBound) {
  // 192.0.2.0/24 is TEST-NET-1: never assigned to this machine.
  absl::Status s = CheckBindable({"192.0.2.1", 0}, "--listen");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
}

}  // namespace
}  // namespace gridless
