// RunWorker: the connect / session / reconnect loop around one TaskExecutor.
#include "worker/worker.h"

#include <grpcpp/channel.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/address.h"
#include "common/backoff.h"
#include "worker/session.h"
#include "worker/task_executor.h"
#include "worker/task_gate.h"
#include "worker/worker_log.h"
#include "worker/worker_metrics.h"

namespace gridless {
namespace {

constexpr absl::Duration kBackoffInitial = absl::Milliseconds(100);
constexpr absl::Duration kBackoffMax = absl::Seconds(5);
// One connection attempt waits at most this long (a silent network).
constexpr absl::Duration kAttemptTimeout = absl::Seconds(5);
// A stream that lived this long counts as a working connection.
constexpr absl::Duration kHealthySession = absl::Seconds(1);
constexpr absl::Duration kDrainPoll = absl::Milliseconds(50);

absl::Status Validate(const WorkerOptions& o) {
  if (auto s = ValidateAddress(o.coordinator, "coordinator"); !s.ok()) {
    return s;
  }
  auto bad = [](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("worker options: ", what));
  };
  if (o.slots < 0) return bad("slots must be >= 0 (0 = the number of cores)");
  if (o.prefetch_per_slot < 0) return bad("prefetch_per_slot must be >= 0");
  if (o.idle_exit < absl::ZeroDuration()) return bad("idle_exit must be >= 0");
  if (o.connect_timeout < absl::ZeroDuration()) {
    return bad("connect_timeout must be >= 0");
  }
  if (o.heartbeat_interval <= absl::ZeroDuration()) {
    return bad("heartbeat_interval must be > 0");
  }
  if (o.registry == nullptr) return bad("registry is required");
  return absl::OkStatus();
}

std::string NewWorkerId(uint64_t random) {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return absl::StrFormat("%s:%d:%08x", host, static_cast<int>(getpid()),
                         static_cast<uint32_t>(random));
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target,
                                          const ClientAuthOptions& auth) {
  grpc::ChannelArguments args;
  // A fresh subchannel per channel: gRPC's own reconnect backoff must not
  // carry over between our attempts.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  // Task batches are sized by the coordinator; do not refuse big payloads.
  args.SetMaxReceiveMessageSize(256 << 20);
  return NewClientChannel(target, auth, args);
}

// True once the channel is READY; false when the attempt failed, `deadline`
// passed or *drain was set.
bool WaitReady(grpc::Channel& channel, absl::Time deadline,
               const std::atomic<bool>& drain) {
  grpc_connectivity_state state = channel.GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE ||
        state == GRPC_CHANNEL_SHUTDOWN || drain.load()) {
      return false;
    }
    const absl::Time now = absl::Now();
    if (now >= deadline) return false;
    channel.WaitForStateChange(
        state, absl::ToChronoTime(std::min(deadline, now + kDrainPoll)));
    state = channel.GetState(/*try_to_connect=*/true);
  }
  return true;
}

// Sleeps for `d`, waking early when *drain is set.
void SleepUnlessDrained(absl::Duration d, const std::atomic<bool>& drain) {
  const absl::Time until = absl::Now() + d;
  for (absl::Time now = absl::Now(); now < until && !drain.load();
       now = absl::Now()) {
    absl::SleepFor(std::min(until - now, kDrainPoll));
  }
}

absl::Status Unreachable(const WorkerOptions& o) {
  return absl::UnavailableError(
      absl::StrCat("cannot reach the coordinator at ", o.coordinator,
                   " (tried for ", absl::FormatDuration(o.connect_timeout),
                   "): is gridless-coordinator running at ", o.coordinator,
                   "? check --coordinator",
                   o.auth.tls() ? "; with TLS, also check that --tls-ca "
                                  "signed the coordinator's certificate and "
                                  "that it names this address"
                                : ""));
}

}  // namespace

absl::Status RunWorker(const WorkerOptions& options, std::atomic<bool>* drain) {
  if (auto s = Validate(options); !s.ok()) return s;
  std::atomic<bool> never(false);
  if (drain == nullptr) drain = &never;

  std::random_device entropy;
  const uint64_t seed = (uint64_t{entropy()} << 32) ^ entropy();
  SessionConfig config;
  config.options = &options;
  config.slots =
      options.slots > 0
          ? options.slots
          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  config.worker_id = NewWorkerId(seed);

  ExecutorOptions executor_options;
  executor_options.slots = config.slots;
  WorkerTelemetry::Global().SetSlots(config.slots);
  executor_options.registry = options.registry;
  // Return credits in quarters of the grant, so that the coordinator refills
  // the queue before it runs dry.
  executor_options.flush_results = static_cast<size_t>(std::clamp<int64_t>(
      int64_t{config.slots} * options.prefetch_per_slot / 4, 1, 1024));
  std::optional<TaskGate> gate;
  if (!options.task_gate.empty()) {
    gate.emplace(options.task_gate);
    executor_options.gate = &*gate;
  }
  TaskExecutor executor(executor_options);

  Backoff backoff(kBackoffInitial, kBackoffMax, seed, Backoff::Jitter::kEqual);
  absl::Time unreachable_since = absl::Now();
  for (;;) {
    if (drain->load()) return absl::OkStatus();  // Nothing is held.
    const absl::Time give_up = options.connect_timeout > absl::ZeroDuration()
                                   ? unreachable_since + options.connect_timeout
                                   : absl::InfiniteFuture();
    std::shared_ptr<grpc::Channel> channel =
        NewChannel(options.coordinator, options.auth);
    if (!WaitReady(*channel, std::min(give_up, absl::Now() + kAttemptTimeout),
                   *drain)) {
      if (drain->load()) return absl::OkStatus();
      const absl::Time now = absl::Now();
      if (now >= give_up) return Unreachable(options);
      SleepUnlessDrained(std::min(backoff.Next(), give_up - now), *drain);
      continue;
    }

    const absl::Time started = absl::Now();
    SessionOutcome outcome = RunSession(channel, config, executor, drain);
    switch (outcome.end) {
      case SessionEnd::kDrained:
      case SessionEnd::kIdle:
        WorkerLog(options, "goodbye");
        return absl::OkStatus();
      case SessionEnd::kRejected:
        executor.Reset();
        return absl::Status(
            outcome.status.code(),
            absl::StrCat("the coordinator at ", options.coordinator,
                         " refused this worker: ", outcome.status.message()));
      case SessionEnd::kBroken:
        break;
    }
    // The coordinator requeues this stream's leases: drop everything held.
    executor.Reset();
    WorkerLog(options,
              absl::StrCat("lost the coordinator at ", options.coordinator,
                           " (", outcome.status.ToString(), "); reconnecting"));
    if (outcome.received || absl::Now() - started >= kHealthySession) {
      backoff.Reset();
    }
    unreachable_since = absl::Now();
    SleepUnlessDrained(backoff.Next(), *drain);
  }
}

}  // namespace gridless
