// Tests of the bind check (parsing: common/address_test.cc).
#include "coordinator/address.h"

#include <unistd.h>

#include "gtest/gtest.h"

namespace gridless {
namespace {

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
