// Authentication of Gridless peers: bearer tokens per role, optional TLS and
// mutual TLS, and the rule that keeps an unauthenticated coordinator on
// loopback.  See docs/SECURITY.md for the user's view.
//
// Two roles use the coordinator: workers (WorkerService.Work) and clients
// (JobService: submit, watch, result, cancel, list, failures, retry).  Each
// role may have a token; a peer presents it as gRPC metadata
// `authorization: Bearer TOKEN`, compared in constant time.  A role without
// a token is open.  The same token for both roles is allowed
// (`--token-file`); separate tokens (`--worker-token-file`,
// `--client-token-file`) keep a worker from submitting jobs and a client from
// posing as a worker.
//
//   Server:  ServerAuthFlags flags; AddServerAuthFlags(fs, &flags);
//            auto auth = LoadServerAuth(flags);          // reads the files
//            Authorizer authorizer(*auth);
//            ... in a handler:
//            if (auto s = authorizer.Authorize(*context, Role::kClient);
//                !s.ok()) return s;
//   Client:  ClientAuthFlags flags; AddClientAuthFlags(fs, &flags);
//            auto auth = LoadClientAuth(flags);   // or $GRIDLESS_TOKEN
//            auto channel = NewClientChannel(address, *auth, args);
//
// Thread-safety: Authorizer::Authorize may be called from any thread; the
// free functions are thread-safe (LoadClientAuth reads the environment).
#ifndef GRIDLESS_COMMON_AUTH_H_
#define GRIDLESS_COMMON_AUTH_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/status.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/flags.h"

namespace gridless {

enum class Role { kWorker, kClient };
// "worker", "client".
const char* RoleName(Role role);

// The environment variable clients and workers read their token from when
// no --token-file is given.
inline constexpr char kTokenEnv[] = "GRIDLESS_TOKEN";
// The metadata key carrying "Bearer TOKEN".
inline constexpr char kAuthorizationKey[] = "authorization";

// ---------------------------------------------------------------- tokens --

// OK when `token` can be sent as metadata: 1 to 4096 printable ASCII
// characters without spaces.  INVALID_ARGUMENT naming `where` otherwise.
absl::Status ValidateToken(absl::string_view token, absl::string_view where);
// Reads a token from `path`; trailing whitespace (the newline an editor or
// `echo` adds) is stripped.  INVALID_ARGUMENT naming `flag` and the file when
// it cannot be read, is empty or holds something that is not a token.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path,
                                          absl::string_view flag);
// Reads a PEM file (certificate, key or CA bundle).  INVALID_ARGUMENT naming
// `flag` and the file when it cannot be read or holds no PEM block.
absl::StatusOr<std::string> ReadPemFile(const std::string& path,
                                        absl::string_view flag);
// Equality whose running time depends only on the lengths, not on where the
// strings differ.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);
// 32 random bytes from the system's entropy source, as 64 hex digits.
std::string NewRandomToken();

// ------------------------------------------------ the process's secrets --

// Takes GRIDLESS_TOKEN out of this process's environment: its value is
// overwritten in place with NUL bytes (so /proc/PID/environ, which shows the
// environment the process started with, no longer holds it) and the
// variable is removed.  Call after LoadClientAuth has read it, before any
// thread starts (it changes the environment).
void ScrubTokenFromEnvironment();
// Makes this process non-dumpable (prctl PR_SET_DUMPABLE 0): processes of
// the same user, unless root, can then no longer read its memory,
// environment or file descriptors under /proc/PID, nor ptrace it, and it
// writes no core dump.  Its children start dumpable again.  For processes
// that hold a token and start programs (the worker, `gridless run`).
// False when the kernel refused.
bool MakeProcessNonDumpable();

// ---------------------------------------------------------------- server --

struct ServerTlsOptions {
  // PEM contents (not paths).  TLS is on when cert_chain is set; a client CA
  // makes it mutual: clients must present a certificate it signed.
  std::string cert_chain_pem;
  std::string private_key_pem;
  std::string client_ca_pem;
  bool enabled() const { return !cert_chain_pem.empty(); }
  bool mutual() const { return !client_ca_pem.empty(); }
};

struct ServerAuthOptions {
  // "" = the role is open (anyone who can connect may act in it).
  std::string worker_token;
  std::string client_token;
  ServerTlsOptions tls;
};

// The coordinator's flags, as given (paths).
struct ServerAuthFlags {
  std::string token_file;         // --token-file: both roles
  std::string worker_token_file;  // --worker-token-file
  std::string client_token_file;  // --client-token-file
  std::string tls_cert;           // --tls-cert
  std::string tls_key;            // --tls-key
  std::string tls_client_ca;      // --tls-client-ca
};
// Registers the six flags above on `flags`.
void AddServerAuthFlags(FlagSet& flags, ServerAuthFlags* out);
// Reads the files.  INVALID_ARGUMENT for an unreadable or empty file, for
// --token-file together with a per-role file, for --tls-cert without
// --tls-key (or the reverse), and for --tls-client-ca without --tls-cert.
absl::StatusOr<ServerAuthOptions> LoadServerAuth(const ServerAuthFlags& flags);

// grpc::SslServerCredentials (requiring and verifying client certificates
// when mutual) or grpc::InsecureServerCredentials when TLS is off.
std::shared_ptr<grpc::ServerCredentials> NewServerCredentials(
    const ServerTlsOptions& tls);

// True for 127.0.0.0/8, ::1, ::ffff:127.x.y.z and "localhost".  Any other
// name counts as remote, since it may resolve anywhere.
bool IsLoopbackHost(absl::string_view host);
// The loopback rule: a coordinator listening on a non-loopback `host` must
// authenticate both roles (a token for each, or mutual TLS), unless
// `insecure_allow_remote`.  INVALID_ARGUMENT saying which flag to add
// otherwise.
absl::Status CheckExposure(absl::string_view host,
                           const ServerAuthOptions& options,
                           bool insecure_allow_remote);

// Checks the credentials of incoming calls.  Refusals are UNAUTHENTICATED
// and are logged with the peer's address, at most kLogBurst lines per
// kLogWindow; the rest are counted, and the first refusal after the window
// logs their number in one line, so a flood cannot fill a disk.
class Authorizer {
 public:
  static constexpr int kLogBurst = 20;
  static constexpr absl::Duration kLogWindow = absl::Minutes(1);
  using LogFn = std::function<void(absl::string_view line)>;

  // `clock` (nullptr = RealClock) must outlive the authorizer; `log`
  // defaults to one line on stderr prefixed with "gridless-coordinator: ".
  explicit Authorizer(const ServerAuthOptions& options,
                      const Clock* clock = nullptr, LogFn log = nullptr);

  // OK when the call may act in `role`; UNAUTHENTICATED otherwise (logged).
  grpc::Status Authorize(const grpc::ServerContextBase& context,
                         Role role) const;
  // Authorize's core, from the value of the authorization metadata
  // (nullopt: absent) and the peer's address (logged on refusal).
  grpc::Status AuthorizeMetadata(std::optional<absl::string_view> authorization,
                                 const std::string& peer, Role role) const;
  // The decision alone.  Not logged, not counted.
  grpc::Status Check(std::optional<absl::string_view> authorization,
                     Role role) const;

  bool open(Role role) const;
  // Calls refused so far.
  uint64_t refused() const { return refused_.load(); }

 private:
  void LogRefusal(const std::string& peer, const grpc::Status& status) const;

  const std::string worker_token_;
  const std::string client_token_;
  const Clock* const clock_;
  const LogFn log_;
  mutable std::atomic<uint64_t> refused_{0};
  mutable std::mutex mu_;
  mutable absl::Time window_start_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  mutable int logged_ ABSL_GUARDED_BY(mu_) = 0;
  mutable uint64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

// ---------------------------------------------------------------- client --

struct ClientAuthOptions {
  std::string token;  // "" = send none
  // PEM contents.  TLS is on when ca_pem is set (the CA that signed the
  // coordinator's certificate); cert and key add a client certificate for
  // mutual TLS.
  std::string tls_ca_pem;
  std::string tls_cert_pem;
  std::string tls_key_pem;
  bool tls() const { return !tls_ca_pem.empty(); }
};

// The flags of clients and workers, as given (paths).
struct ClientAuthFlags {
  std::string token_file;  // --token-file (else $GRIDLESS_TOKEN)
  std::string tls_ca;      // --tls-ca
  std::string tls_cert;    // --tls-cert
  std::string tls_key;     // --tls-key
};
// Registers --token-file, --tls-ca, --tls-cert and --tls-key on `flags`.
void AddClientAuthFlags(FlagSet& flags, ClientAuthFlags* out);
// Reads the files; without --token-file the token comes from
// $GRIDLESS_TOKEN (none when unset or empty).  INVALID_ARGUMENT naming the
// flag (or the variable) for a bad file or token, for --tls-cert without
// --tls-key (or the reverse), and for a client certificate without --tls-ca.
absl::StatusOr<ClientAuthOptions> LoadClientAuth(const ClientAuthFlags& flags);

// A channel to `target` with TLS when configured, sending the token (if any)
// on every call.  `args` carries the caller's own channel arguments.
std::shared_ptr<grpc::Channel> NewClientChannel(const std::string& target,
                                                const ClientAuthOptions& auth,
                                                grpc::ChannelArguments args);

}  // namespace gridless

#endif  // GRIDLESS_COMMON_AUTH_H_
