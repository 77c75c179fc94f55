// Tokens, TLS credentials, the loopback rule and the Authorizer (see
// auth.h).
#include "common/auth.h"

#include <arpa/inet.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/client_interceptor.h>
#include <sys/prctl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

extern char** environ;

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace gridless {
namespace {

constexpr size_t kMaxTokenBytes = 4096;
constexpr size_t kMaxPemBytes = 1 << 20;
constexpr char kBearer[] = "Bearer ";

// The whole file, or INVALID_ARGUMENT naming `flag` and `path`.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          absl::string_view flag,
                                          size_t max_bytes) {
  if (path.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": expected a file name, got an empty one"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", path, ": cannot read the file (", std::strerror(errno),
        "); check the path and its permissions"));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": cannot read the file"));
  }
  std::string text = std::move(contents).str();
  if (text.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path, ": the file is ", text.size(),
                     " bytes, more than the ", max_bytes, " expected"));
  }
  return text;
}

class TokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit TokenInterceptor(const std::string* value) : value_(value) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace(kAuthorizationKey, *value_);
    }
    methods->Proceed();
  }

 private:
  const std::string* const value_;  // owned by the factory
};

class TokenInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit TokenInterceptorFactory(const std::string& token)
      : value_(absl::StrCat(kBearer, token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new TokenInterceptor(&value_);
  }

 private:
  const std::string value_;
};

}  // namespace

const char* RoleName(Role role) {
  return role == Role::kWorker ? "worker" : "client";
}

absl::Status ValidateToken(absl::string_view token, absl::string_view where) {
  if (token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where,
                     ": the token is empty; put the token on the "
                     "first line"));
  }
  if (token.size() > kMaxTokenBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": the token is ", token.size(),
                     " bytes long; at most ", kMaxTokenBytes, " are allowed"));
  }
  for (size_t i = 0; i < token.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(token[i]);
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: the token has a space, control or non-ASCII character at "
          "byte %d; use printable ASCII only (e.g. `openssl rand -hex 32`)",
          std::string(where), i + 1));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadTokenFile(const std::string& path,
                                          absl::string_view flag) {
  auto text = ReadSmallFile(path, flag, kMaxTokenBytes + 64);
  if (!text.ok()) return text.status();
  const std::string token(absl::StripTrailingAsciiWhitespace(*text));
  if (auto s = ValidateToken(token, absl::StrCat(flag, " ", path)); !s.ok()) {
    return s;
  }
  return token;
}

absl::StatusOr<std::string> ReadPemFile(const std::string& path,
                                        absl::string_view flag) {
  auto text = ReadSmallFile(path, flag, kMaxPemBytes);
  if (!text.ok()) return text.status();
  if (!absl::StrContains(*text, "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", path,
                     ": not a PEM file (no \"-----BEGIN\" line); expected a "
                     "certificate or key in PEM format"));
  }
  return text;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  // Every byte of `a` is visited whatever the contents; a length mismatch
  // is folded into the same accumulator.
  volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    const unsigned char other =
        i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = diff | (static_cast<unsigned char>(a[i]) ^ other);
  }
  return diff == 0;
}

std::string NewRandomToken() {
  std::random_device entropy;  // /dev/urandom on Linux
  std::string token;
  for (int i = 0; i < 8; ++i) {
    absl::StrAppend(
        &token, absl::Hex(static_cast<uint32_t>(entropy()), absl::kZeroPad8));
  }
  return token;
}

// ------------------------------------------------ the process's secrets --

void ScrubTokenFromEnvironment() {
  const size_t prefix = std::strlen(kTokenEnv);
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::strncmp(*e, kTokenEnv, prefix) != 0 || (*e)[prefix] != '=') {
      continue;
    }
    // Through a volatile pointer, so the stores are not optimized away.
    volatile char* value = *e + prefix + 1;
    for (; *value != '\0'; ++value) *value = '\0';
  }
  ::unsetenv(kTokenEnv);
}

bool MakeProcessNonDumpable() {
  return ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0;
}

// ---------------------------------------------------------------- server --

void AddServerAuthFlags(FlagSet& flags, ServerAuthFlags* out) {
  flags.String("token-file", &out->token_file,
               "file holding the token workers and clients must present "
               "(both roles)");
  flags.String("worker-token-file", &out->worker_token_file,
               "file holding the workers' token (overrides --token-file for "
               "workers)");
  flags.String("client-token-file", &out->client_token_file,
               "file holding the clients' token (overrides --token-file for "
               "submit, watch, result, cancel, list, failures, retry)");
  flags.String("tls-cert", &out->tls_cert,
               "PEM certificate chain of this coordinator (turns on TLS; "
               "needs --tls-key)");
  flags.String("tls-key", &out->tls_key, "PEM private key of --tls-cert");
  flags.String("tls-client-ca", &out->tls_client_ca,
               "PEM CA bundle; clients and workers must present a "
               "certificate it signed (mutual TLS)");
}

absl::StatusOr<ServerAuthOptions> LoadServerAuth(const ServerAuthFlags& flags) {
  ServerAuthOptions options;
  if (!flags.token_file.empty()) {
    auto token = ReadTokenFile(flags.token_file, "--token-file");
    if (!token.ok()) return token.status();
    options.worker_token = options.client_token = *token;
  }
  if (!flags.worker_token_file.empty()) {
    auto token = ReadTokenFile(flags.worker_token_file, "--worker-token-file");
    if (!token.ok()) return token.status();
    options.worker_token = *token;
  }
  if (!flags.client_token_file.empty()) {
    auto token = ReadTokenFile(flags.client_token_file, "--client-token-file");
    if (!token.ok()) return token.status();
    options.client_token = *token;
  }
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together: give both (the certificate "
        "chain and its private key) or neither");
  }
  if (!flags.tls_client_ca.empty() && flags.tls_cert.empty()) {
    return absl::InvalidArgumentError(
        "--tls-client-ca needs TLS: add --tls-cert and --tls-key");
  }
  if (!flags.tls_cert.empty()) {
    auto cert = ReadPemFile(flags.tls_cert, "--tls-cert");
    if (!cert.ok()) return cert.status();
    auto key = ReadPemFile(flags.tls_key, "--tls-key");
    if (!key.ok()) return key.status();
    options.tls.cert_chain_pem = *std::move(cert);
    options.tls.private_key_pem = *std::move(key);
  }
  if (!flags.tls_client_ca.empty()) {
    auto ca = ReadPemFile(flags.tls_client_ca, "--tls-client-ca");
    if (!ca.ok()) return ca.status();
    options.tls.client_ca_pem = *std::move(ca);
  }
  return options;
}

std::shared_ptr<grpc::ServerCredentials> NewServerCredentials(
    const ServerTlsOptions& tls) {
  if (!tls.enabled()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl(
      tls.mutual() ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                   : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  ssl.pem_root_certs = tls.client_ca_pem;
  ssl.pem_key_cert_pairs.push_back({tls.private_key_pem, tls.cert_chain_pem});
  return grpc::SslServerCredentials(ssl);
}

bool IsLoopbackHost(absl::string_view host) {
  const std::string h(host);
  if (absl::EqualsIgnoreCase(h, "localhost")) return true;
  in_addr v4;
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

absl::Status CheckExposure(absl::string_view host,
                           const ServerAuthOptions& options,
                           bool insecure_allow_remote) {
  if (insecure_allow_remote || IsLoopbackHost(host)) return absl::OkStatus();
  const bool worker_ok = !options.worker_token.empty() || options.tls.mutual();
  const bool client_ok = !options.client_token.empty() || options.tls.mutual();
  if (worker_ok && client_ok) return absl::OkStatus();
  std::string open_roles = !worker_ok && !client_ok ? "workers and clients"
                           : !worker_ok             ? "workers"
                                                    : "clients";
  std::string fix = !worker_ok && !client_ok
                        ? "add --token-file FILE (or --worker-token-file and "
                          "--client-token-file)"
                    : !worker_ok
                        ? "add --worker-token-file FILE (or --token-file FILE)"
                        : "add --client-token-file FILE (or --token-file FILE)";
  std::string tls_note =
      options.tls.enabled()
          ? " (TLS without --tls-client-ca encrypts but does not "
            "authenticate)"
          : "";
  return absl::InvalidArgumentError(absl::StrCat(
      "--listen host \"", host, "\" is not a loopback address, and ",
      open_roles, " would need no credentials", tls_note, ": ", fix,
      ", or mutual TLS (--tls-cert, --tls-key, --tls-client-ca); on a "
      "trusted network --insecure-allow-remote skips this check (see "
      "docs/SECURITY.md)"));
}

Authorizer::Authorizer(const ServerAuthOptions& options, const Clock* clock,
                       LogFn log)
    : worker_token_(options.worker_token),
      client_token_(options.client_token),
      clock_(clock != nullptr ? clock : RealClock::Get()),
      log_(log != nullptr ? std::move(log) : [](absl::string_view line) {
        std::fprintf(stderr, "gridless-coordinator: %.*s\n",
                     static_cast<int>(line.size()), line.data());
      }) {}

bool Authorizer::open(Role role) const {
  return (role == Role::kWorker ? worker_token_ : client_token_).empty();
}

grpc::Status Authorizer::Check(std::optional<absl::string_view> authorization,
                               Role role) const {
  const std::string& want =
      role == Role::kWorker ? worker_token_ : client_token_;
  if (want.empty()) return grpc::Status::OK;
  const char* name = RoleName(role);
  if (!authorization.has_value()) {
    return grpc::Status(
        grpc::StatusCode::UNAUTHENTICATED,
        absl::StrCat("missing token: this coordinator requires a token for "
                     "the ",
                     name, " role; pass --token-file FILE or set ", kTokenEnv));
  }
  absl::string_view presented = *authorization;
  if (presented.size() < sizeof(kBearer) - 1 ||
      !absl::EqualsIgnoreCase(presented.substr(0, sizeof(kBearer) - 1),
                              kBearer)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "malformed authorization metadata: expected "
                        "\"Bearer TOKEN\"");
  }
  presented.remove_prefix(sizeof(kBearer) - 1);
  if (ConstantTimeEquals(presented, want)) return grpc::Status::OK;
  const std::string& other =
      role == Role::kWorker ? client_token_ : worker_token_;
  if (!other.empty() && ConstantTimeEquals(presented, other)) {
    return grpc::Status(
        grpc::StatusCode::UNAUTHENTICATED,
        absl::StrCat(
            "wrong token for the ", name, " role: this is the ",
            role == Role::kWorker ? "client" : "worker", " token, and ",
            role == Role::kWorker ? "a client may not act as a worker"
                                  : "a worker may not submit or manage jobs"));
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      absl::StrCat("wrong token for the ", name,
                                   " role; check --token-file or ", kTokenEnv));
}

grpc::Status Authorizer::Authorize(const grpc::ServerContextBase& context,
                                   Role role) const {
  if (open(role)) return grpc::Status::OK;
  std::optional<absl::string_view> authorization;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find(kAuthorizationKey); it != metadata.end()) {
    authorization = absl::string_view(it->second.data(), it->second.size());
  }
  return AuthorizeMetadata(authorization, context.peer(), role);
}

grpc::Status Authorizer::AuthorizeMetadata(
    std::optional<absl::string_view> authorization, const std::string& peer,
    Role role) const {
  grpc::Status status = Check(authorization, role);
  if (!status.ok()) {
    ++refused_;
    LogRefusal(peer, status);
  }
  return status;
}

void Authorizer::LogRefusal(const std::string& peer,
                            const grpc::Status& status) const {
  std::string summary;
  bool print = false;
  bool last = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = clock_->Now();
    if (now - window_start_ >= kLogWindow) {
      if (suppressed_ > 0) {
        summary = absl::StrCat(suppressed_,
                               " more refused calls were not logged in the "
                               "previous ",
                               absl::FormatDuration(kLogWindow));
      }
      window_start_ = now;
      logged_ = 0;
      suppressed_ = 0;
    }
    if (logged_ < kLogBurst) {
      print = true;
      last = ++logged_ == kLogBurst;
    } else {
      ++suppressed_;
    }
  }
  if (!summary.empty()) log_(summary);
  if (print) {
    log_(absl::StrCat("refused a call from ", peer.empty() ? "?" : peer, ": ",
                      status.error_message(),
                      last ? " (further refusals are counted, not logged, "
                             "for the rest of this minute)"
                           : ""));
  }
}

// ---------------------------------------------------------------- client --

void AddClientAuthFlags(FlagSet& flags, ClientAuthFlags* out) {
  flags.String("token-file", &out->token_file,
               absl::StrCat("file holding the token to present to the "
                            "coordinator (default: $",
                            kTokenEnv, ")"));
  flags.String("tls-ca", &out->tls_ca,
               "PEM CA bundle that signed the coordinator's certificate "
               "(turns on TLS)");
  flags.String("tls-cert", &out->tls_cert,
               "PEM client certificate for mutual TLS (needs --tls-key and "
               "--tls-ca)");
  flags.String("tls-key", &out->tls_key, "PEM private key of --tls-cert");
}

absl::StatusOr<ClientAuthOptions> LoadClientAuth(const ClientAuthFlags& flags) {
  ClientAuthOptions options;
  if (!flags.token_file.empty()) {
    auto token = ReadTokenFile(flags.token_file, "--token-file");
    if (!token.ok()) return token.status();
    options.token = *std::move(token);
  } else if (const char* env = std::getenv(kTokenEnv);
             env != nullptr && *env != '\0') {
    const std::string token(absl::StripTrailingAsciiWhitespace(env));
    if (auto s = ValidateToken(token, absl::StrCat("$", kTokenEnv)); !s.ok()) {
      return s;
    }
    options.token = token;
  }
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert and --tls-key go together: give both (the client "
        "certificate and its private key) or neither");
  }
  if (!flags.tls_cert.empty() && flags.tls_ca.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert needs --tls-ca (the CA that signed the coordinator's "
        "certificate)");
  }
  if (!flags.tls_ca.empty()) {
    auto ca = ReadPemFile(flags.tls_ca, "--tls-ca");
    if (!ca.ok()) return ca.status();
    options.tls_ca_pem = *std::move(ca);
  }
  if (!flags.tls_cert.empty()) {
    auto cert = ReadPemFile(flags.tls_cert, "--tls-cert");
    if (!cert.ok()) return cert.status();
    auto key = ReadPemFile(flags.tls_key, "--tls-key");
    if (!key.ok()) return key.status();
    options.tls_cert_pem = *std::move(cert);
    options.tls_key_pem = *std::move(key);
  }
  return options;
}

std::shared_ptr<grpc::Channel> NewClientChannel(const std::string& target,
                                                const ClientAuthOptions& auth,
                                                grpc::ChannelArguments args) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (auth.tls()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = auth.tls_ca_pem;
    ssl.pem_cert_chain = auth.tls_cert_pem;
    ssl.pem_private_key = auth.tls_key_pem;
    credentials = grpc::SslCredentials(ssl);
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  if (auth.token.empty()) {
    return grpc::CreateCustomChannel(target, credentials, args);
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<TokenInterceptorFactory>(auth.token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, credentials, args, std::move(interceptors));
}

}  // namespace gridless
