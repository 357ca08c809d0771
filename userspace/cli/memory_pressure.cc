#include "cli/memory_pressure.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/mman.h>
#include <linux/capability.h>
#include <sys/resource.h>

#include <cerrno>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/privileges.h"
#include "common/errno_text.h"
#include "common/malloc_policy.h"

namespace submitwatch {
namespace {

constexpr size_t kThreadStackBytes = 256 << 10;

// nice is per thread: every thread there is now (the capture writer was
// started before), and those started later inherit it from this one.
// Returns the errno of the first refusal, 0 when all were raised.
int RaisePriority() {
  int refused = 0;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return setpriority(PRIO_PROCESS, 0, kRecorderNice) == 0 ? 0 : errno;
  while (const dirent* entry = readdir(tasks)) {
    int tid = 0;
    if (!absl::SimpleAtoi(entry->d_name, &tid)) continue;
    if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), kRecorderNice) != 0 && refused == 0) {
      refused = errno;
    }
  }
  closedir(tasks);
  return refused;
}

}  // namespace

void BoundMemoryForLocking() {
  ApplyMallocPolicy();
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) == 0) {
    if (pthread_attr_setstacksize(&attr, kThreadStackBytes) == 0) pthread_setattr_default_np(&attr);
    pthread_attr_destroy(&attr);
  }
}

PressureSetup PrepareForPressure(bool lock_memory) {
  PressureSetup setup;
  if (!lock_memory) {
    setup.prioritized = RaisePriority() == 0;
    setup.warning =
        "with --user-stacks the recorder does not lock its memory (libbcc and LLVM would pin "
        "about 230 MiB): under memory pressure it may stall";
    return setup;
  }
  rlimit limit{kMemoryLockLimitBytes, kMemoryLockLimitBytes};
  if (setrlimit(RLIMIT_MEMLOCK, &limit) != 0 && getrlimit(RLIMIT_MEMLOCK, &limit) == 0 &&
      limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_MEMLOCK, &limit);
  }
  getrlimit(RLIMIT_MEMLOCK, &limit);
  const bool limit_suffices =
      limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= kMemoryLockLimitBytes;
  std::string refused;
  if (limit_suffices || HasEffectiveCapability(CAP_IPC_LOCK)) {
    if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0) {
      setup.locked = true;
      setup.keep_ipc_lock = !limit_suffices;
    } else {
      refused = absl::StrCat("cannot lock its memory (mlockall: ", ErrnoText(errno), ")");
    }
  } else {
    refused = absl::StrCat("cannot lock its memory (RLIMIT_MEMLOCK is ", limit.rlim_cur >> 10,
                           " KiB and it has no CAP_IPC_LOCK)");
  }
  if (!refused.empty()) {
    absl::StrAppend(&refused, ": under memory pressure it may stall and lose events; run it as "
                              "root or raise `ulimit -l` to ",
                    kMemoryLockLimitBytes >> 20, " MiB");
  }
  if (const int err = RaisePriority(); err == 0) {
    setup.prioritized = true;
  } else {
    absl::StrAppend(&refused, refused.empty() ? "" : "; ", "cannot raise its priority (nice ",
                    kRecorderNice, ": ", ErrnoText(err), ")");
  }
  if (!refused.empty()) setup.warning = absl::StrCat("the recorder ", refused);
  return setup;
}

}  // namespace submitwatch
