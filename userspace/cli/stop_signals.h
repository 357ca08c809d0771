// SIGINT/SIGTERM/SIGHUP ask the live loop to stop cleanly (drain, write the
// summary, detach); SIGPIPE is ignored so a closed reader shows up as EPIPE.
#ifndef SUBMITWATCH_CLI_STOP_SIGNALS_H_
#define SUBMITWATCH_CLI_STOP_SIGNALS_H_

namespace submitwatch {

void InstallStopSignals();
bool StopRequested();
// For a forked workload: the dispositions it would have had without us.
void RestoreDefaultSignals();

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_STOP_SIGNALS_H_
