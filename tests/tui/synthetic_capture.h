// A capture file made by the test with the project's writer: every pane has
// rows in every interesting state, with exact, known values.
#ifndef SUBMITWATCH_TESTS_TUI_SYNTHETIC_CAPTURE_H_
#define SUBMITWATCH_TESTS_TUI_SYNTHETIC_CAPTURE_H_

#include <string>

namespace submitwatch::testing {

namespace synthetic {
inline constexpr char kHost[] = "tui-test-host";
inline constexpr char kKernel[] = "6.18.0-tuitest";
// Cgroups, one per readiness state.
inline constexpr char kReadyCgroup[] = "/tenants/ready-a";
inline constexpr char kFallbackCgroup[] = "/tenants/fallback-b";
inline constexpr char kFailedCgroup[] = "/tenants/failed-c";
inline constexpr char kPendingCgroup[] = "/tenants/pending-d";
inline constexpr char kDisk[] = "loop7";
// The UNSAFE row: few records, so it sorts below the atomic row by count.
inline constexpr char kUnsafeSite[] = "throtl_pd_alloc";
inline constexpr char kUnsafeComm[] = "fio";
inline constexpr int kUnsafeCount = 3;
// The atomic blkg_alloc row: the most frequent.
inline constexpr char kAtomicComm[] = "dd";
inline constexpr int kAtomicCount = 40;
// A frame only the UNSAFE row's stacks have.
inline constexpr char kUnsafeFrame[] = "blk_throtl_bio+0x1e3";
inline constexpr char kUnsafeOtherFrame[] = "submit_bio_wait+0x5a";
// Work functions; the second allocates per-cpu memory in its workers.
inline constexpr char kLoopWork[] = "loop_workfn";
inline constexpr char kPercpuWork[] = "blkg_async_alloc_workfn";
inline constexpr char kQuietWork[] = "psi_avgs_work";
// Shown only where "cannot see" is written out in full (the help screen).
inline constexpr char kBlindSpotTail[] = "slab and page allocations are not traced";
}  // namespace synthetic

// Writes the capture to `path`; false on an I/O error.
bool WriteSyntheticCapture(const std::string& path);

}  // namespace submitwatch::testing

#endif  // SUBMITWATCH_TESTS_TUI_SYNTHETIC_CAPTURE_H_
