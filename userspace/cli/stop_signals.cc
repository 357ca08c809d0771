#include "cli/stop_signals.h"

#include <signal.h>

#include <csignal>

namespace submitwatch {
namespace {

// A signal handler can only touch a lock-free flag; this is the one global.
volatile std::sig_atomic_t stop_requested = 0;

void OnStopSignal(int) { stop_requested = 1; }

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

}  // namespace

void InstallStopSignals() {
  struct sigaction sa = {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a blocking poll returns at once
  for (int sig : kStopSignals) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool StopRequested() { return stop_requested != 0; }

void RestoreDefaultSignals() {
  for (int sig : kStopSignals) signal(sig, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
}

}  // namespace submitwatch
