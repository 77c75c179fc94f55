#include "common/auth.h"

#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace gridless {
namespace {

using ::testing::HasSubstr;

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "/auth_test.XXXXXX";
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() {
    for (const auto& f : files_) std::remove(f.c_str());
    rmdir(path_.c_str());
  }
  std::string Write(const std::string& name, const std::string& contents) {
    std::string p = path_ + "/" + name;
    std::ofstream(p, std::ios::binary) << contents;
    files_.push_back(p);
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

constexpr char kPem[] =
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

TEST(TokenFileTest, StripsTheTrailingNewline) {
  TempDir dir;
  auto token = ReadTokenFile(dir.Write("t", "s3cret-Token\n"), "--token-file");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "s3cret-Token");
  token = ReadTokenFile(dir.Write("crlf", "abc\r\n\n"), "--token-file");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "abc");
}

TEST(TokenFileTest, EmptyFileIsRefusedNamingIt) {
  TempDir dir;
  const std::string path = dir.Write("empty", "\n");
  auto token = ReadTokenFile(path, "--worker-token-file");
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(), HasSubstr("--worker-token-file"));
  EXPECT_THAT(token.status().message(), HasSubstr(path));
  EXPECT_THAT(token.status().message(), HasSubstr("empty"));
}

TEST(TokenFileTest, MissingFileIsRefusedNamingIt) {
  auto token = ReadTokenFile("/nonexistent/token", "--token-file");
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(),
              HasSubstr("--token-file /nonexistent/token: cannot read"));
}

TEST(TokenFileTest, InnerSpaceIsRefused) {
  TempDir dir;
  auto token = ReadTokenFile(dir.Write("t", "two words\n"), "--token-file");
  ASSERT_FALSE(token.ok());
  EXPECT_THAT(token.status().message(), HasSubstr("byte 4"));
}

TEST(PemFileTest, RequiresAPemBlock) {
  TempDir dir;
  EXPECT_TRUE(ReadPemFile(dir.Write("ok.pem", kPem), "--tls-ca").ok());
  auto bad = ReadPemFile(dir.Write("bad.pem", "hello"), "--tls-ca");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("not a PEM file"));
}

TEST(ConstantTimeEqualsTest, ComparesContentsAndLengths) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
  EXPECT_FALSE(ConstantTimeEquals(std::string("a\0", 2), "a"));
}

TEST(NewRandomTokenTest, IsAValidTokenAndDiffers) {
  const std::string a = NewRandomToken();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_TRUE(ValidateToken(a, "t").ok());
  EXPECT_NE(a, NewRandomToken());
}

ServerAuthOptions SeparateTokens() {
  ServerAuthOptions o;
  o.worker_token = "worker-secret";
  o.client_token = "client-secret";
  return o;
}

TEST(AuthorizerTest, OpenRolesAcceptAnything) {
  Authorizer open(ServerAuthOptions{});
  EXPECT_TRUE(open.open(Role::kWorker));
  EXPECT_TRUE(open.Check(std::nullopt, Role::kClient).ok());
  EXPECT_TRUE(open.Check("Bearer junk", Role::kWorker).ok());
}

TEST(AuthorizerTest, RightTokenForEachRole) {
  Authorizer a(SeparateTokens());
  EXPECT_TRUE(a.Check("Bearer worker-secret", Role::kWorker).ok());
  EXPECT_TRUE(a.Check("Bearer client-secret", Role::kClient).ok());
  EXPECT_TRUE(a.Check("bearer client-secret", Role::kClient).ok());
}

TEST(AuthorizerTest, MissingToken) {
  Authorizer a(SeparateTokens());
  grpc::Status s = a.Check(std::nullopt, Role::kClient);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("missing token"));
  EXPECT_THAT(s.error_message(), HasSubstr("client role"));
}

TEST(AuthorizerTest, WrongAndMalformedTokens) {
  Authorizer a(SeparateTokens());
  grpc::Status s = a.Check("Bearer nope", Role::kWorker);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("wrong token for the worker role"));
  s = a.Check("worker-secret", Role::kWorker);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("malformed"));
  s = a.Check("Bearer worker-secretX", Role::kWorker);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST(AuthorizerTest, RolesAreSeparate) {
  Authorizer a(SeparateTokens());
  grpc::Status s = a.Check("Bearer worker-secret", Role::kClient);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("wrong token for the client role"));
  EXPECT_THAT(s.error_message(), HasSubstr("worker may not submit"));
  s = a.Check("Bearer client-secret", Role::kWorker);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("client may not act as a worker"));
}

TEST(AuthorizerTest, OneTokenServesBothRoles) {
  ServerAuthOptions o;
  o.worker_token = o.client_token = "shared";
  Authorizer a(o);
  EXPECT_TRUE(a.Check("Bearer shared", Role::kWorker).ok());
  EXPECT_TRUE(a.Check("Bearer shared", Role::kClient).ok());
}

TEST(AuthorizerTest, RefusalsAreLoggedWithThePeerAndRateLimited) {
  FakeClock clock;
  std::vector<std::string> lines;
  Authorizer a(SeparateTokens(), &clock,
               [&](absl::string_view line) { lines.emplace_back(line); });
  EXPECT_TRUE(a.AuthorizeMetadata("Bearer client-secret", "ipv4:10.0.0.1:5",
                                  Role::kClient)
                  .ok());
  EXPECT_TRUE(lines.empty());
  for (int i = 0; i < 1000; ++i) {
    EXPECT_FALSE(
        a.AuthorizeMetadata(std::nullopt, "ipv4:10.0.0.9:4242", Role::kClient)
            .ok());
  }
  EXPECT_EQ(a.refused(), 1000u);
  ASSERT_EQ(lines.size(), static_cast<size_t>(Authorizer::kLogBurst));
  EXPECT_THAT(lines[0], HasSubstr("ipv4:10.0.0.9:4242"));
  EXPECT_THAT(lines[0], HasSubstr("missing token"));
  EXPECT_THAT(lines.back(), HasSubstr("counted, not logged"));
  // After the window, the next refusal sums up the ones not logged.
  clock.Advance(Authorizer::kLogWindow);
  EXPECT_FALSE(
      a.AuthorizeMetadata("Bearer x", "ipv4:10.0.0.9:1", Role::kWorker).ok());
  ASSERT_EQ(lines.size(), static_cast<size_t>(Authorizer::kLogBurst) + 2);
  EXPECT_THAT(lines[Authorizer::kLogBurst],
              HasSubstr(absl::StrCat(1000 - Authorizer::kLogBurst,
                                     " more refused calls")));
  EXPECT_THAT(lines.back(), HasSubstr("wrong token for the worker role"));
}

TEST(LoopbackTest, RecognisesLoopbackHosts) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "localhost",
                           "LocalHost", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.1",
                           "example.com", "128.0.0.1", "::ffff:10.0.0.1", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(ExposureTest, LoopbackNeedsNothing) {
  EXPECT_TRUE(CheckExposure("127.0.0.1", ServerAuthOptions{}, false).ok());
}

TEST(ExposureTest, RemoteWithoutAuthIsRefusedNamingTheFlag) {
  absl::Status s = CheckExposure("0.0.0.0", ServerAuthOptions{}, false);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("--token-file"));
  EXPECT_THAT(s.message(), HasSubstr("--insecure-allow-remote"));
  EXPECT_TRUE(CheckExposure("0.0.0.0", ServerAuthOptions{}, true).ok());
}

TEST(ExposureTest, EveryRoleMustBeAuthenticated) {
  ServerAuthOptions o;
  o.worker_token = "w";
  absl::Status s = CheckExposure("10.0.0.1", o, false);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("--client-token-file"));
  o.client_token = "c";
  EXPECT_TRUE(CheckExposure("10.0.0.1", o, false).ok());
}

TEST(ExposureTest, TlsAloneIsNotEnoughButMutualTlsIs) {
  ServerAuthOptions o;
  o.tls.cert_chain_pem = kPem;
  o.tls.private_key_pem = kPem;
  absl::Status s = CheckExposure("10.0.0.1", o, false);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("does not authenticate"));
  o.tls.client_ca_pem = kPem;
  EXPECT_TRUE(CheckExposure("10.0.0.1", o, false).ok());
}

TEST(LoadServerAuthTest, PerRoleFilesOverrideTheSharedOne) {
  TempDir dir;
  ServerAuthFlags flags;
  flags.token_file = dir.Write("shared", "shared\n");
  flags.worker_token_file = dir.Write("worker", "worker\n");
  auto o = LoadServerAuth(flags);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->worker_token, "worker");
  EXPECT_EQ(o->client_token, "shared");
  EXPECT_FALSE(o->tls.enabled());
}

TEST(LoadServerAuthTest, TlsFlagsGoTogether) {
  TempDir dir;
  ServerAuthFlags flags;
  flags.tls_cert = dir.Write("cert.pem", kPem);
  auto o = LoadServerAuth(flags);
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(o.status().message(), HasSubstr("--tls-key"));
  flags.tls_cert.clear();
  flags.tls_client_ca = dir.Write("ca.pem", kPem);
  o = LoadServerAuth(flags);
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(o.status().message(), HasSubstr("--tls-client-ca needs TLS"));
  flags.tls_cert = dir.Write("cert2.pem", kPem);
  flags.tls_key = dir.Write("key.pem", kPem);
  o = LoadServerAuth(flags);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->tls.enabled());
  EXPECT_TRUE(o->tls.mutual());
}

TEST(LoadClientAuthTest, TokenFromFileOrEnvironment) {
  TempDir dir;
  setenv(kTokenEnv, "from-env\n", 1);
  ClientAuthFlags flags;
  auto o = LoadClientAuth(flags);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->token, "from-env");
  flags.token_file = dir.Write("t", "from-file\n");
  o = LoadClientAuth(flags);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->token, "from-file");
  setenv(kTokenEnv, "bad token", 1);
  flags.token_file.clear();
  o = LoadClientAuth(flags);
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(o.status().message(), HasSubstr("$GRIDLESS_TOKEN"));
  unsetenv(kTokenEnv);
  o = LoadClientAuth(flags);
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->token.empty());
}

TEST(LoadClientAuthTest, ClientCertificateNeedsTheCa) {
  TempDir dir;
  ClientAuthFlags flags;
  flags.tls_cert = dir.Write("c.pem", kPem);
  flags.tls_key = dir.Write("k.pem", kPem);
  auto o = LoadClientAuth(flags);
  ASSERT_FALSE(o.ok());
  EXPECT_THAT(o.status().message(), HasSubstr("--tls-ca"));
  flags.tls_ca = dir.Write("ca.pem", kPem);
  o = LoadClientAuth(flags);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->tls());
}

TEST(ProcessSecretsTest, ScrubTokenFromEnvironmentZeroesAndRemovesIt) {
  ::setenv("GRIDLESS_TOKEN_NOT_IT", "kept", 1);
  ::setenv(kTokenEnv, "scrub-me-please", 1);
  // The environment entry itself ("GRIDLESS_TOKEN=scrub-me-please"): its
  // bytes are what /proc/PID/environ shows for a variable the process
  // started with.
  char* value = std::getenv(kTokenEnv);
  ASSERT_NE(value, nullptr);
  const size_t size = std::strlen(value);
  ScrubTokenFromEnvironment();
  EXPECT_EQ(std::getenv(kTokenEnv), nullptr);
  // glibc keeps the strings setenv made; the value's bytes are now zero.
  EXPECT_EQ(std::string(value, size), std::string(size, '\0'));
  EXPECT_STREQ(std::getenv("GRIDLESS_TOKEN_NOT_IT"), "kept");
  ::unsetenv("GRIDLESS_TOKEN_NOT_IT");
}

TEST(ProcessSecretsTest, MakeProcessNonDumpable) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // in a child, so the test binary stays dumpable
    _exit(MakeProcessNonDumpable() && ::prctl(PR_GET_DUMPABLE) == 0 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace gridless
