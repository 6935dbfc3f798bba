// mirakuru/cleanup.hpp — stop every service gracefully when the runner is interrupted.
//
//   int main(int argc, char** argv) {
//     ::testing::InitGoogleTest(&argc, argv);
//     mirakuru::install_termination_handler();   // mirakuru::gtest_main does this for you
//     return RUN_ALL_TESTS();
//   }
//
// Without it, a runner killed by SIGINT (Ctrl-C) or SIGTERM (a CI or ctest timeout) still
// leaves nothing behind: each service's guardian sees the runner vanish and stops the service
// itself with its stop_signal, a 500 ms grace, then SIGKILL (see docs/cleanup.md). With it, the
// services get their *own* stop sequence first — Options::stop_signal, the full stop_timeout
// (default: timeout), then kill_signal — so databases flush and servers close cleanly.
#pragma once

namespace mirakuru {

// Installs handlers for SIGINT and SIGTERM in this process. On the first of them:
//   1. every service this process started and that is still running (any executor, any
//      thread, service sets included) is stopped with its own stop sequence, all in parallel;
//      the runner waits until each one and its descendants are dead and reaped;
//      then the temporary directory of every ServiceSet still alive in this process (its
//      ${tmpdir}s) is removed — the re-raise below ends the runner before any destructor runs.
//      As on the normal path, the ${tmpdir} of a service that had failed (start() or stop()
//      threw) before the signal arrived is kept for inspection, and its path logged (warn);
//   2. the handler that was installed before this call, if it was a function, is called (from
//      a mirakuru thread, not in signal context, with the original siginfo_t and a null
//      ucontext);
//   3. the signal is raised again with its default disposition, so the runner ends with the
//      conventional status: killed by that signal (a shell shows 130 for SIGINT, 143 for
//      SIGTERM; ctest reports the signal).
// A second SIGINT/SIGTERM while step 1 runs ends the runner at once (the "press Ctrl-C again"
// convention); the guardians then finish the cleanup within ~0.5 s.
//
// Idempotent and thread-safe: later calls do nothing. A signal that is *ignored* (SIG_IGN)
// when this is called — a background job of a non-interactive shell, `nohup` — stays ignored.
// A handler installed for SIGINT/SIGTERM *after* this call replaces this one (chain to it
// yourself if you need both).
//
// Cost: one pipe and one blocked thread, created here; nothing per service or per test.
// The signal handler only writes to that pipe (async-signal-safe); the thread does the work.
//
// Forks: in a forked copy of the runner (a GoogleTest "fast" death test, user code) the
// parent's services are never touched; there the signal behaves as if this had not been
// called (the previous handler, or the default action). A re-exec'd copy ("threadsafe" death
// tests) is a new program and installs its own.
//
// Throws std::system_error if the pipe or the thread cannot be created (nothing is installed
// then).
void install_termination_handler();

// The signal (SIGINT or SIGTERM) that the termination handler of this process is acting on,
// from the moment it arrives until the runner ends; 0 when none arrived (or no handler is
// installed). Code that sees its services vanish can tell an interruption from a crash: the
// GoogleTest layer reports "interrupted by signal 2 (SIGINT)", not a service that exited.
// Thread-safe and async-signal-safe.
int termination_signal() noexcept;

}  // namespace mirakuru
