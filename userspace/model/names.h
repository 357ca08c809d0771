// Every user-visible word of the model and its renderers, defined once: the
// TUI, the text and JSON reports, the capture and the man-page checks all
// spell verdicts, states and column headers from here, so they cannot drift.
#ifndef SUBMITWATCH_MODEL_NAMES_H_
#define SUBMITWATCH_MODEL_NAMES_H_

#include <string_view>

namespace submitwatch::names {

// Verdicts (docs/DESIGN.md "Verdict"). UNSAFE is upper case so it stands out in
// plain text and in grep output.
inline constexpr std::string_view kVerdictAtomic = "atomic";
inline constexpr std::string_view kVerdictNoio = "noio";
inline constexpr std::string_view kVerdictUnsafe = "UNSAFE";
inline constexpr std::string_view kVerdictOutside = "outside";

// Allocators.
inline constexpr std::string_view kAllocatorPercpu = "percpu";
inline constexpr std::string_view kAllocatorSlab = "slab";
inline constexpr std::string_view kAllocatorPage = "page";

// Context text: parts joined with kContextJoin, e.g. "submit+worker:fn".
inline constexpr std::string_view kContextSubmit = "submit";
inline constexpr std::string_view kContextWorker = "worker";
inline constexpr std::string_view kContextReclaim = "reclaim";
inline constexpr std::string_view kContextOther = "other";
inline constexpr char kContextJoin = '+';
inline constexpr char kContextWorkerFuncSep = ':';

// Stats readiness of a (cgroup, disk) pair.
inline constexpr std::string_view kReadyReady = "ready";
inline constexpr std::string_view kReadyFallback = "fallback";
inline constexpr std::string_view kReadyFailed = "failed";
inline constexpr std::string_view kReadyPending = "pending";

// gfp text of a zero mask, as the kernel's show_gfp_flags() prints it.
inline constexpr std::string_view kGfpNone = "none";

// Disk of a pair known only from a failed allocation (no bio seen yet).
inline constexpr std::string_view kDiskUnknown = "?";
// Appended to a cgroup path when the bios came from kernel threads.
inline constexpr std::string_view kKthreadSuffix = " (kthread)";
// Shown in a cell that has no value (never ready, no ancestor charged).
inline constexpr std::string_view kNoValue = "-";
inline constexpr std::string_view kYes = "yes";
inline constexpr std::string_view kNo = "no";
// Marks an UNSAFE row at the start of its line so it reads without colour.
inline constexpr std::string_view kUnsafeMark = "!";
// Joins a caller's gfp text and the effective one when the task's scope
// changed it: "GFP_KERNEL (effective GFP_NOIO)".
inline constexpr std::string_view kEffectiveGfpPrefix = " (effective ";
inline constexpr std::string_view kEffectiveGfpSuffix = ")";

// Why frames of a user stack (--user-stacks) are not all
// "function+0xoff (module)": the capture's user_stack_fallback, shown with
// the stack. Worst first: a stack gets the first that applies.
// The process was gone (or its pid another's) before its mappings were
// read: bare addresses.
inline constexpr std::string_view kUserStackExited = "exited";
// /proc/PID/maps could not be read: bare addresses.
inline constexpr std::string_view kUserStackUnreadable = "unreadable";
// Another mount namespace (a container): its files are not parsed,
// module+offset.
inline constexpr std::string_view kUserStackOtherMountNs = "other_mount_ns";
// A module without a symbol for the address (stripped): module+offset.
inline constexpr std::string_view kUserStackNoSymbols = "no_symbols";
// An address in no file mapping (JIT code, a broken frame chain): bare.
inline constexpr std::string_view kUserStackNoMapping = "no_mapping";

// Table titles.
inline constexpr std::string_view kTitleCgroups = "Cgroups";
inline constexpr std::string_view kTitleAllocations = "Submit-path allocations";
inline constexpr std::string_view kTitleWorkqueues = "Workqueues";
// The text report's stacks of each allocation row (captures taken with
// --user-stacks): the kernel part, then the user part below it.
inline constexpr std::string_view kTitleStacks = "Stacks";

// Column headers.
inline constexpr std::string_view kColCgroup = "CGROUP";
inline constexpr std::string_view kColDisk = "DISK";
inline constexpr std::string_view kColState = "STATE";
inline constexpr std::string_view kColBios = "BIOS";
inline constexpr std::string_view kColBytes = "BYTES";
inline constexpr std::string_view kColElsewhere = "ELSEWHERE";
inline constexpr std::string_view kColChargedTo = "CHARGED_TO";
inline constexpr std::string_view kColTimeToReady = "TIME_TO_READY";
inline constexpr std::string_view kColVerdict = "VERDICT";
inline constexpr std::string_view kColSite = "SITE";
inline constexpr std::string_view kColAllocator = "ALLOCATOR";
inline constexpr std::string_view kColContext = "CONTEXT";
inline constexpr std::string_view kColGfp = "GFP";
inline constexpr std::string_view kColCount = "COUNT";
inline constexpr std::string_view kColComm = "COMM";
inline constexpr std::string_view kColFunction = "FUNCTION";
inline constexpr std::string_view kColQueued = "QUEUED";
inline constexpr std::string_view kColExecuted = "EXECUTED";
inline constexpr std::string_view kColLatP50 = "LAT_P50";
inline constexpr std::string_view kColLatP99 = "LAT_P99";
inline constexpr std::string_view kColLatMax = "LAT_MAX";
inline constexpr std::string_view kColRunP99 = "RUN_P99";
inline constexpr std::string_view kColPercpu = "PERCPU";

// Report header labels.
inline constexpr std::string_view kLabelHost = "host";
inline constexpr std::string_view kLabelKernel = "kernel";
inline constexpr std::string_view kLabelModes = "modes";
inline constexpr std::string_view kLabelDuration = "duration";
inline constexpr std::string_view kLabelEvents = "events";
inline constexpr std::string_view kLabelLost = "lost";
inline constexpr std::string_view kLabelEvicted = "evicted";
inline constexpr std::string_view kLabelPeakEntries = "peak entries";
inline constexpr std::string_view kLabelBlindSpots = "blind spots";
inline constexpr std::string_view kLabelVersion = "version";
// Heads the user part of a stack, in the report and the stack view.
inline constexpr std::string_view kLabelUserStack = "user stack";
// A table with no rows.
inline constexpr std::string_view kEmptyTable = "(none)";
// After a count: "12 (3 failed)".
inline constexpr std::string_view kFailedSuffix = " failed";

// The interactive view (`submitwatch top`).
inline constexpr std::string_view kColBiosPerSec = "BIOS/S";
inline constexpr std::string_view kColBytesPerSec = "BYTES/S";
inline constexpr std::string_view kColFirstSeen = "FIRST";
inline constexpr std::string_view kColLastSeen = "LAST";
// Marks a work function whose workers allocate per-cpu memory.
inline constexpr std::string_view kPercpuMark = "*";
inline constexpr std::string_view kLabelLive = "LIVE";
inline constexpr std::string_view kLabelReplay = "REPLAY";
inline constexpr std::string_view kLabelPaused = "PAUSED";
inline constexpr std::string_view kLabelUptime = "up";
inline constexpr std::string_view kLabelFile = "file";
inline constexpr std::string_view kLabelEventsPerSec = "events/s";
inline constexpr std::string_view kLabelBpfCost = "BPF cost";
inline constexpr std::string_view kLabelCannotSee = "cannot see";
inline constexpr std::string_view kLabelSort = "sort";
inline constexpr std::string_view kLabelFilter = "filter";
inline constexpr std::string_view kEndOfCapture = "end of capture";
inline constexpr std::string_view kBpfCostReplay = "n/a (replay)";

// `check`: the --fail-on words. The states reuse the readiness names above
// (failed, fallback, pending); "unsafe" is the verdict as typed on a command line.
inline constexpr std::string_view kFailOnUnsafe = "unsafe";
inline constexpr std::string_view kFailOnAny = "any";
// The verdict line: nothing seen / findings, none of them failing / failing.
inline constexpr std::string_view kCheckClean = "clean";
inline constexpr std::string_view kCheckPassed = "passed";
inline constexpr std::string_view kCheckFail = "FAIL";
inline constexpr std::string_view kTitleCheckCgroups = "Cgroups without their own stats";
inline constexpr std::string_view kColFailedAllocs = "FAILED_ALLOCS";

// `report --format` and `--weight`.
inline constexpr std::string_view kFormatText = "text";
inline constexpr std::string_view kFormatJson = "json";
inline constexpr std::string_view kFormatPerfetto = "perfetto";
inline constexpr std::string_view kFormatFolded = "folded";
inline constexpr std::string_view kWeightCount = "count";
inline constexpr std::string_view kWeightBytes = "bytes";

// Perfetto / Chrome trace: process, thread and counter track names.
inline constexpr std::string_view kTraceToolProcess = "submitwatch";
inline constexpr std::string_view kTraceWorkqueueProcess = "workqueues";
inline constexpr std::string_view kTraceCgroupPrefix = "cgroup ";
inline constexpr std::string_view kTraceReadinessThread = "readiness";
inline constexpr std::string_view kTraceBiosPerSec = "bios/s";
inline constexpr std::string_view kTraceReadiness = "readiness";
inline constexpr std::string_view kTraceLost = "lost events";
inline constexpr std::string_view kTraceOwn = "own";
inline constexpr std::string_view kTraceElsewhere = "elsewhere";
inline constexpr std::string_view kTraceQueuedPerSec = "queued/s";
inline constexpr std::string_view kTraceExecutedPerSec = "executed/s";
inline constexpr std::string_view kTraceExecutedSuffix = " executed";
inline constexpr std::string_view kTraceFailedSuffix = " (failed)";

}  // namespace submitwatch::names

#endif  // SUBMITWATCH_MODEL_NAMES_H_
