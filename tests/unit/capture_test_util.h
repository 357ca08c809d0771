// Shared by the capture tests: temp files that clean up after themselves and
// records with every field set to a distinct non-default value, so a field
// the writer or reader drops shows up as a mismatch.
#ifndef SUBMITWATCH_TESTS_UNIT_CAPTURE_TEST_UTIL_H_
#define SUBMITWATCH_TESTS_UNIT_CAPTURE_TEST_UTIL_H_

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "gtest/gtest.h"
#include "model/records.h"

namespace submitwatch::testing_util {

// A file under testing::TempDir(), removed when this goes out of scope.
class TempFile {
 public:
  explicit TempFile(std::string_view contents = "") {
    static std::atomic<int> counter{0};
    path_ = ::testing::TempDir() + "/submitwatch_capture_test_" +
            std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".jsonl";
    Write(contents);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { ::unlink(path_.c_str()); }

  void Write(std::string_view contents) const {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << path_;
    size_t done = 0;
    while (done < contents.size()) {
      const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
      ASSERT_GT(n, 0);
      done += static_cast<size_t>(n);
    }
    ::close(fd);
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A fresh directory under testing::TempDir(), removed with all it holds when
// this goes out of scope.
class ScratchDir {
 public:
  ScratchDir() {
    std::string dir = ::testing::TempDir() + "/submitwatch_test_XXXXXX";
    if (::mkdtemp(dir.data()) != nullptr) path_ = dir;
    EXPECT_FALSE(path_.empty()) << "mkdtemp " << dir;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    if (!path_.empty()) std::filesystem::remove_all(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline CaptureHeader FullHeader() {
  CaptureHeader h;
  h.tool_version = "0.1.0";
  h.host = "kvm-07";
  h.kernel = "6.1.0-18-amd64";
  h.start_unix_ns = 1700000000123456789;
  h.start_monotonic_ns = 5000000000;
  h.cgroup_hierarchy = "v2 at /sys/fs/cgroup";
  h.all_allocs = true;
  h.user_stacks = true;
  h.hooks = {{"percpu_alloc", "tracepoint", "submit path from stack walk"},
             {"submit_bio", "fentry", ""}};
  h.blind_spots = {"allocations under 64 bytes", "kworker bios"};
  return h;
}

inline AllocRecord FullAlloc() {
  AllocRecord r;
  r.ts_ns = 5000001000;
  r.allocator = Allocator::kPercpu;
  r.failed = true;
  r.is_atomic = false;
  r.site = "blkg_alloc";
  r.site_offset = "blkg_alloc+0x4f";
  r.gfp_raw = 0xcc0;  // GFP_KERNEL
  r.task_flags = 0x00000800;  // PF_MEMALLOC
  r.context = kContextSubmit | kContextReclaim | kContextBioList;
  r.work_func = "";
  r.size = 48;
  r.bytes = 3072;
  r.cgroup_id = 18446744073709551615ull;  // exact beyond 2^53
  r.cgroup = "/machine.slice/vm-1";
  r.pid = 4242;
  r.tid = 4243;
  r.comm = "qemu-kvm";
  r.stack = {"pcpu_alloc+0x1a", "blkg_alloc+0x4f", "blkg_create+0x2b0",
             "submit_bio_noacct+0x1c7"};
  return r;
}

// FullAlloc as --user-stacks records it: a user stack below the kernel's,
// partly symbolized.
inline AllocRecord UserStackAlloc() {
  AllocRecord r = FullAlloc();
  r.user_stack = {"__libc_pwrite64+0x12 (libc.so.6)", "qemu-kvm+0x4a1f20",
                  "main+0x8c (qemu-kvm)"};
  r.user_stack_fallback = "no_symbols";
  return r;
}

inline AllocRecord WorkerAlloc() {
  AllocRecord r;
  r.ts_ns = 5000002000;
  r.allocator = Allocator::kSlab;
  r.is_atomic = true;
  r.site = "blkg_async_bio_workfn";
  r.site_offset = "blkg_async_bio_workfn+0x10";
  r.gfp_raw = 0x800;
  r.task_flags = kTaskMemallocNoio;
  r.context = kContextWorker;
  r.work_func = "blkg_async_bio_workfn";
  r.size = 1;
  r.bytes = 8;
  r.cgroup_id = 1;
  r.cgroup = "/";
  r.pid = 7;
  r.tid = 7;
  r.comm = "kworker/u8:2";
  return r;
}

inline BlkgRecord FullBlkg() {
  BlkgRecord r;
  r.ts_ns = 5000003000;
  r.first_seen_ns = 5000000500;
  r.cgroup_id = 77;
  r.cgroup = "/machine.slice/vm-1";
  r.kthread = false;
  r.dev_major = 7;
  r.dev_minor = 3;
  r.disk = "loop3";
  r.blkg_cgroup_id = 77;
  r.blkg_cgroup = "/machine.slice/vm-1";
  r.online = true;
  r.has_stats = true;
  r.bios = 1024;
  r.bytes = 4194304;
  return r;
}

inline WqRecord FullWq() {
  WqRecord r;
  r.ts_ns = 5000004000;
  r.function = "blkg_async_bio_workfn";
  r.queued = 10;
  r.activated = 9;
  r.executed = 8;
  r.latency_max_ns = 123456;
  r.runtime_max_ns = 6543;
  r.latency_log2 = {0, 0, 1, 5, 2};
  r.runtime_log2 = {3, 0, 7};
  r.latency_sum_ns = 40000;
  r.runtime_sum_ns = 30000;
  return r;
}

inline LostRecord FullLost() {
  LostRecord r;
  r.ts_ns = 5000005000;
  r.counts = {{"alloc", 3}, {"ringbuf", 12}};
  return r;
}

inline ThrottleRecord FullThrottle() {
  ThrottleRecord r;
  r.ts_ns = 5000005500;
  r.cgroup_id = 77;
  r.cgroup = "/machine.slice/vm-1";
  r.dev_major = 7;
  r.dev_minor = 3;
  r.disk = "loop3";
  r.throttled = 12;
  r.passed = 30;
  r.queued_ns = 9876543;
  r.queued_max_ns = 1234567;
  return r;
}

inline CaptureSummary FullSummary() {
  CaptureSummary s;
  s.ts_ns = 5000006000;
  s.duration_ns = 6000;
  s.events = 42;
  s.lost = 15;
  s.workload_exit = 3;
  s.evicted = {{"cgroup", 2000}, {"disk", 20}};
  s.peak_map_entries = 405;
  s.program_runs = {{"sw_percpu_alloc", 120}};
  return s;
}

// records.h has no operator== (and should not need one for tests): compare
// field by field, which also names the field that differs.
inline void ExpectSame(const CaptureHeader& a, const CaptureHeader& b) {
  EXPECT_EQ(a.format, b.format);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.tool_version, b.tool_version);
  EXPECT_EQ(a.host, b.host);
  EXPECT_EQ(a.kernel, b.kernel);
  EXPECT_EQ(a.start_unix_ns, b.start_unix_ns);
  EXPECT_EQ(a.start_monotonic_ns, b.start_monotonic_ns);
  EXPECT_EQ(a.cgroup_hierarchy, b.cgroup_hierarchy);
  EXPECT_EQ(a.all_allocs, b.all_allocs);
  EXPECT_EQ(a.user_stacks, b.user_stacks);
  ASSERT_EQ(a.hooks.size(), b.hooks.size());
  for (size_t i = 0; i < a.hooks.size(); ++i) {
    EXPECT_EQ(a.hooks[i].hook, b.hooks[i].hook) << i;
    EXPECT_EQ(a.hooks[i].mode, b.hooks[i].mode) << i;
    EXPECT_EQ(a.hooks[i].detail, b.hooks[i].detail) << i;
  }
  EXPECT_EQ(a.blind_spots, b.blind_spots);
}

inline void ExpectSame(const AllocRecord& a, const AllocRecord& b) {
  EXPECT_EQ(a.ts_ns, b.ts_ns);
  EXPECT_EQ(a.allocator, b.allocator);
  EXPECT_EQ(a.failed, b.failed);
  EXPECT_EQ(a.is_atomic, b.is_atomic);
  EXPECT_EQ(a.site, b.site);
  EXPECT_EQ(a.site_offset, b.site_offset);
  EXPECT_EQ(a.gfp_raw, b.gfp_raw);
  EXPECT_EQ(a.task_flags, b.task_flags);
  EXPECT_EQ(a.context, b.context);
  EXPECT_EQ(a.work_func, b.work_func);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.cgroup_id, b.cgroup_id);
  EXPECT_EQ(a.cgroup, b.cgroup);
  EXPECT_EQ(a.pid, b.pid);
  EXPECT_EQ(a.tid, b.tid);
  EXPECT_EQ(a.comm, b.comm);
  EXPECT_EQ(a.stack, b.stack);
  EXPECT_EQ(a.user_stack, b.user_stack);
  EXPECT_EQ(a.user_stack_fallback, b.user_stack_fallback);
}

inline void ExpectSame(const BlkgRecord& a, const BlkgRecord& b) {
  EXPECT_EQ(a.ts_ns, b.ts_ns);
  EXPECT_EQ(a.first_seen_ns, b.first_seen_ns);
  EXPECT_EQ(a.cgroup_id, b.cgroup_id);
  EXPECT_EQ(a.cgroup, b.cgroup);
  EXPECT_EQ(a.kthread, b.kthread);
  EXPECT_EQ(a.dev_major, b.dev_major);
  EXPECT_EQ(a.dev_minor, b.dev_minor);
  EXPECT_EQ(a.disk, b.disk);
  EXPECT_EQ(a.blkg_cgroup_id, b.blkg_cgroup_id);
  EXPECT_EQ(a.blkg_cgroup, b.blkg_cgroup);
  EXPECT_EQ(a.online, b.online);
  EXPECT_EQ(a.has_stats, b.has_stats);
  EXPECT_EQ(a.bios, b.bios);
  EXPECT_EQ(a.bytes, b.bytes);
}

inline void ExpectSame(const WqRecord& a, const WqRecord& b) {
  EXPECT_EQ(a.ts_ns, b.ts_ns);
  EXPECT_EQ(a.function, b.function);
  EXPECT_EQ(a.queued, b.queued);
  EXPECT_EQ(a.activated, b.activated);
  EXPECT_EQ(a.executed, b.executed);
  EXPECT_EQ(a.latency_max_ns, b.latency_max_ns);
  EXPECT_EQ(a.runtime_max_ns, b.runtime_max_ns);
  EXPECT_EQ(a.latency_log2, b.latency_log2);
  EXPECT_EQ(a.runtime_log2, b.runtime_log2);
  EXPECT_EQ(a.latency_sum_ns, b.latency_sum_ns);
  EXPECT_EQ(a.runtime_sum_ns, b.runtime_sum_ns);
}

inline void ExpectSame(const LostRecord& a, const LostRecord& b) {
  EXPECT_EQ(a.ts_ns, b.ts_ns);
  EXPECT_EQ(a.counts, b.counts);
}

inline void ExpectSame(const ThrottleRecord& a, const ThrottleRecord& b) {
  EXPECT_EQ(a.ts_ns, b.ts_ns);
  EXPECT_EQ(a.cgroup_id, b.cgroup_id);
  EXPECT_EQ(a.cgroup, b.cgroup);
  EXPECT_EQ(a.dev_major, b.dev_major);
  EXPECT_EQ(a.dev_minor, b.dev_minor);
  EXPECT_EQ(a.disk, b.disk);
  EXPECT_EQ(a.throttled, b.throttled);
  EXPECT_EQ(a.passed, b.passed);
  EXPECT_EQ(a.queued_ns, b.queued_ns);
  EXPECT_EQ(a.queued_max_ns, b.queued_max_ns);
}

inline void ExpectSame(const CaptureSummary& a, const CaptureSummary& b) {
  EXPECT_EQ(a.ts_ns, b.ts_ns);
  EXPECT_EQ(a.duration_ns, b.duration_ns);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.lost, b.lost);
  EXPECT_EQ(a.workload_exit, b.workload_exit);
  EXPECT_EQ(a.evicted, b.evicted);
  EXPECT_EQ(a.peak_map_entries, b.peak_map_entries);
  EXPECT_EQ(a.program_runs, b.program_runs);
}

inline void ExpectSameRecord(const Record& a, const Record& b) {
  ASSERT_EQ(a.index(), b.index());
  std::visit(
      [&b](const auto& left) {
        using T = std::decay_t<decltype(left)>;
        ExpectSame(left, std::get<T>(b));
      },
      a);
}

}  // namespace submitwatch::testing_util

#endif  // SUBMITWATCH_TESTS_UNIT_CAPTURE_TEST_UTIL_H_
