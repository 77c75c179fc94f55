// Job kinds for the worker's tests (test-only library).
//
// Kind "test": each task's payload is a command:
//   anything else  -> partial "partial:" + payload
//   "fail"         -> INVALID_ARGUMENT
//   "throw"        -> throws std::runtime_error("boom")
//   "block"        -> counts itself started, then waits until Release() or
//                     its cancellation (CANCELLED)
//   "wait-cancel"  -> waits for its cancellation, then CANCELLED
// Waiting tasks give up after 20 s (INTERNAL) so that a broken test fails
// instead of hanging.  Parameter "fail_prepare" (bool) makes Prepare fail.
//
// TestControl is shared by the test and the tasks; thread-safe.
#ifndef GRIDLESS_WORKER_TEST_KINDS_H_
#define GRIDLESS_WORKER_TEST_KINDS_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "jobs/job.h"

namespace gridless::testing {

class TestControl {
 public:
  // Blocks until `n` "block" tasks have started; false after `timeout`.
  bool WaitStarted(int n, absl::Duration timeout = absl::Seconds(10));
  void Release();

  // Called by the tasks.
  void Started();
  bool released() const;

  std::atomic<int> prepares{0};
  std::atomic<int> runs{0};

 private:
  // std::mutex so that TSan sees it (see coordinator/scheduler.h).
  mutable std::mutex mu_;
  std::condition_variable changed_;
  int started_ ABSL_GUARDED_BY(mu_) = 0;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
};

// Registered as "test"; `control` must outlive the kind.
std::unique_ptr<JobKind> NewTestKind(TestControl* control);

}  // namespace gridless::testing

#endif  // GRIDLESS_WORKER_TEST_KINDS_H_
