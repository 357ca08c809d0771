#include "synthetic_records.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace submitwatch::bench {
namespace {

constexpr uint64_t kGfpKernel = 0xcc0;            // GFP_KERNEL
constexpr uint64_t kGfpKernelAccount = 0x400cc0;  // GFP_KERNEL_ACCOUNT
constexpr uint64_t kGfpNowait = 0x800;            // GFP_NOWAIT
constexpr uint64_t kGfpNoio = 0xc00;              // GFP_NOIO

std::string Frame(const std::string& fn, uint32_t offset) {
  return absl::StrFormat("%s+0x%x", fn, offset);
}

}  // namespace

SyntheticRecords::SyntheticRecords(uint64_t seed) : rng_(seed) {
  // Call sites of alloc_percpu() on a 6.x kernel, with the paths that reach
  // them; the submit-path and worker ones are what submitwatch looks for.
  struct SiteSpec {
    const char* name;
    uint32_t offset;
    uint64_t gfp;
    uint32_t context;
    const char* work_func;
    std::vector<std::vector<const char*>> callers;  // outermost last
  };
  const std::vector<SiteSpec> specs = {
      {"mm_init", 0x2bf, kGfpKernelAccount, 0, "",
       {{"copy_process", "kernel_clone", "__do_sys_clone", "do_syscall_64",
         "entry_SYSCALL_64_after_hwframe"},
        {"alloc_bprm", "do_execveat_common.isra.0", "__x64_sys_execve", "do_syscall_64",
         "entry_SYSCALL_64_after_hwframe"}}},
      {"__percpu_counter_init_many", 0x27, kGfpKernelAccount, 0, "",
       {{"mm_init", "copy_process", "kernel_clone", "__do_sys_clone", "do_syscall_64",
         "entry_SYSCALL_64_after_hwframe"},
        {"mm_init", "alloc_bprm", "do_execveat_common.isra.0", "__x64_sys_execve",
         "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}}},
      {"blkg_alloc", 0x4f, kGfpNowait, kContextSubmit, "",
       {{"blkg_create", "bio_associate_blkg_from_css", "bio_associate_blkg", "bio_init",
         "bio_alloc_bioset", "do_mpage_readpage", "mpage_readahead", "read_pages",
         "page_cache_ra_unbounded", "filemap_get_pages", "filemap_read", "vfs_read",
         "ksys_read", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"},
        {"blkg_create", "bio_associate_blkg_from_css", "bio_associate_blkg",
         "__blkdev_direct_IO_simple", "blkdev_read_iter", "vfs_read", "ksys_pread64",
         "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}}},
      {"blkg_alloc", 0x4f, kGfpKernel, kContextWorker, "blkg_async_bio_workfn",
       {{"blkg_create", "blkg_lookup_create", "bio_associate_blkg_from_css",
         "blkg_async_bio_workfn", "process_one_work", "worker_thread", "kthread",
         "ret_from_fork", "ret_from_fork_asm"}}},
      {"throtl_pd_alloc", 0x3a, kGfpKernel, kContextSubmit | kContextReclaim, "",
       {{"blkcg_activate_policy", "blk_throtl_init", "tg_set_conf", "blkg_conf_prep",
         "__submit_bio", "submit_bio_noacct_nocheck", "swap_writepage", "pageout",
         "shrink_folio_list", "shrink_lruvec", "try_to_free_pages", "__alloc_pages_slowpath",
         "__alloc_pages", "do_anonymous_page", "handle_mm_fault", "exc_page_fault",
         "asm_exc_page_fault"}}},
      {"bpf_map_alloc_percpu", 0x59, kGfpKernelAccount, 0, "",
       {{"htab_map_alloc", "map_create", "__sys_bpf", "__x64_sys_bpf", "do_syscall_64",
         "entry_SYSCALL_64_after_hwframe"}}},
      {"percpu_ref_init", 0x4e, kGfpKernel, 0, "",
       {{"blk_alloc_queue", "blk_mq_alloc_queue", "loop_add", "loop_control_ioctl",
         "__x64_sys_ioctl", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"},
        {"cgroup_create", "cgroup_mkdir", "kernfs_iop_mkdir", "vfs_mkdir", "do_mkdirat",
         "__x64_sys_mkdir", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}}},
      {"alloc_vfsmnt", 0x9c, kGfpKernel, 0, "",
       {{"vfs_create_mount", "fc_mount", "vfs_kern_mount", "do_new_mount", "path_mount",
         "__x64_sys_mount", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}}},
      {"mempool_alloc_noprof", 0x6d, kGfpNoio, kContextSubmit, "",
       {{"bio_alloc_bioset", "blkdev_direct_IO", "blkdev_write_iter", "vfs_write",
         "ksys_pwrite64", "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}}},
      {"css_rstat_init", 0x31, kGfpKernel, 0, "",
       {{"css_create", "cgroup_apply_control_enable", "cgroup_mkdir", "kernfs_iop_mkdir",
         "vfs_mkdir", "do_mkdirat", "__x64_sys_mkdir", "do_syscall_64",
         "entry_SYSCALL_64_after_hwframe"}}},
      {"sock_inuse_add", 0x22, kGfpKernel, 0, "",
       {{"sk_alloc", "inet_create", "__sock_create", "__sys_socket", "__x64_sys_socket",
         "do_syscall_64", "entry_SYSCALL_64_after_hwframe"}}},
      {"io_ring_ctx_alloc", 0x118, kGfpKernel, 0, "",
       {{"io_uring_create", "io_uring_setup", "__x64_sys_io_uring_setup", "do_syscall_64",
         "entry_SYSCALL_64_after_hwframe"}}},
  };
  uint32_t offset = 0x10;
  for (const SiteSpec& spec : specs) {
    Site site;
    site.name = spec.name;
    site.offset = Frame(spec.name, spec.offset);
    site.gfp = spec.gfp;
    site.atomic = (spec.gfp & 0x400) == 0;  // no __GFP_DIRECT_RECLAIM
    site.context = spec.context;
    site.work_func = spec.work_func;
    for (const auto& callers : spec.callers) {
      std::vector<std::string> stack = {Frame("pcpu_alloc_noprof", 0x656), site.offset};
      for (const char* fn : callers) stack.push_back(Frame(fn, offset = offset * 7 % 0x3f1 + 0x11));
      site.stacks.push_back(stack);
      // A variant through another inlined caller offset: groups see a few stacks.
      std::vector<std::string> variant = stack;
      variant.back() = Frame(callers.back(), 0x76);
      if (variant.size() > 3) variant[3] = Frame(callers[1], 0x1a2);
      site.stacks.push_back(variant);
    }
    sites_.push_back(std::move(site));
  }
  cgroups_ = {"/", "/system.slice", "/system.slice/sshd.service",
              "/system.slice/systemd-journald.service", "/user.slice/user-0.slice"};
  for (int pod = 0; pod < 40; ++pod) {
    cgroups_.push_back(absl::StrFormat("/kubepods/burstable/pod%08x-7c1e-4b2a-9f3d/%012x",
                                       0x5a3c0000u + pod * 977, 0xc0ffee000000ull + pod));
  }
  for (int vm = 0; vm < 20; ++vm) {
    cgroups_.push_back(absl::StrFormat("/machine.slice/machine-qemu\\x2d%d\\x2dvm%d.scope", vm, vm));
  }
  comms_ = {"kworker/u8:2", "qemu-kvm", "containerd-shim", "java", "postgres", "nginx",
            "fio", "bash", "systemd", "kubelet", "runc", "mysqld", "python3", "dd",
            "jbd2/vda1-8", "kswapd0"};
  disks_ = {"vda", "vdb", "nvme0n1", "nvme1n1", "sda", "loop0", "loop1", "dm-0"};
  work_funcs_ = {"wb_workfn", "loop_workfn", "blk_mq_run_work_fn", "blk_mq_requeue_work",
                 "blkg_async_bio_workfn", "vmstat_update", "psi_avgs_work", "flush_to_ldisc",
                 "mmput_async_fn", "bpf_map_free_deferred", "css_killed_work_fn",
                 "xfs_end_io", "ext4_end_io_rsv_work", "kblockd_flush", "disk_events_workfn",
                 "free_work", "drain_local_pages_wq", "lru_add_drain_per_cpu"};
  for (int i = 0; static_cast<int>(work_funcs_.size()) < 256; ++i) {
    work_funcs_.push_back(absl::StrFormat("driver_work_%d+0x%x", i, 0x40 + i));
  }
}

size_t SyntheticRecords::Skewed(size_t n) {
  // min of two uniforms: index i drawn with probability ~ 2(n-i)/n^2.
  std::uniform_int_distribution<size_t> d(0, n - 1);
  return std::min(d(rng_), d(rng_));
}

CaptureHeader SyntheticRecords::Header() const {
  CaptureHeader h;
  h.tool_version = "bench";
  h.host = "synthetic";
  h.kernel = "6.18.0-synthetic";
  h.start_unix_ns = 1'700'000'000'000'000'000ll;
  h.start_monotonic_ns = start_ns_;
  h.cgroup_hierarchy = "v2 at /sys/fs/cgroup";
  h.all_allocs = true;
  h.hooks = {{"percpu_alloc", "tracepoint", "slab and page allocations are not traced"},
             {"block_bio_queue", "tracepoint", "none"},
             {"workqueue", "tracepoint", "none"}};
  h.blind_spots = {"percpu_alloc: slab and page allocations are not traced"};
  return h;
}

AllocRecord SyntheticRecords::NextAlloc() {
  now_ns_ += 1000 + rng_() % 9000;
  const Site& site = sites_[Skewed(sites_.size())];
  AllocRecord r;
  r.ts_ns = now_ns_;
  r.allocator = Allocator::kPercpu;
  r.failed = rng_() % 10000 == 0;
  r.is_atomic = site.atomic;
  r.site = site.name;
  r.site_offset = site.offset;
  r.gfp_raw = site.gfp;
  r.context = site.context;
  r.task_flags = (site.context & kContextReclaim) ? 0x400840 : 0x400040;
  if (site.context & kContextWorker) r.task_flags |= 0x00200020;  // kthread, wq worker
  r.work_func = site.work_func;
  r.size = 8u << (rng_() % 4);
  r.bytes = r.size * 2;
  const size_t cg = Skewed(cgroups_.size());
  r.cgroup_id = 1 + cg * 4099;
  r.cgroup = cgroups_[cg];
  r.comm = comms_[Skewed(comms_.size())];
  r.pid = 1000 + static_cast<uint32_t>(rng_() % 20000);
  r.tid = r.pid + static_cast<uint32_t>(rng_() % 4);
  // Most allocations of a group repeat its first stack.
  r.stack = site.stacks[rng_() % 8 == 0 ? rng_() % site.stacks.size() : 0];
  return r;
}

std::vector<BlkgRecord> SyntheticRecords::BlkgSnapshot(size_t rows) {
  ++snapshot_;
  now_ns_ += kSnapshotIntervalNs;
  std::vector<BlkgRecord> out;
  out.reserve(rows);
  for (size_t i = 0; i < rows; ++i) {
    BlkgRecord r;
    r.ts_ns = now_ns_;
    r.first_seen_ns = start_ns_ + i * 1000;
    const size_t cg = i % cgroups_.size();
    const size_t disk = (i / cgroups_.size()) % disks_.size();
    // Rows beyond cgroups x disks are kernel-thread rows of the same pairs.
    r.kthread = i >= cgroups_.size() * disks_.size();
    r.cgroup_id = r.kthread ? 0 : 1 + cg * 4099;
    r.cgroup = r.kthread ? "" : cgroups_[cg];
    r.dev_major = disk < 5 ? 252 + static_cast<uint32_t>(disk) : 7;
    r.dev_minor = static_cast<uint32_t>(disk) * 16 + static_cast<uint32_t>(i % 7);
    r.disk = disks_[disk];
    // Every fifth pair falls back to the root's blkg.
    const bool fallback = i % 5 == 4;
    r.blkg_cgroup_id = fallback ? 1 : 1 + cg * 4099;
    r.blkg_cgroup = fallback ? "/" : cgroups_[cg];
    r.online = true;
    r.has_stats = !fallback;
    r.bios = snapshot_ * (i + 1) * 17;
    r.bytes = r.bios * 4096;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<WqRecord> SyntheticRecords::WqSnapshot(size_t functions) {
  ++snapshot_;
  now_ns_ += kSnapshotIntervalNs;
  std::vector<WqRecord> out;
  out.reserve(functions);
  for (size_t i = 0; i < functions; ++i) {
    WqRecord r;
    r.ts_ns = now_ns_;
    r.function = i < work_funcs_.size() ? work_funcs_[i] : absl::StrCat("work_fn_", i);
    r.queued = snapshot_ * (i + 3) * 11;
    r.activated = r.queued;
    r.executed = r.queued - i % 3;
    r.latency_max_ns = 1000 + i * 37;
    r.runtime_max_ns = 5000 + i * 91;
    r.latency_log2.assign(40, 0);
    r.runtime_log2.assign(40, 0);
    for (int b = 8; b < 22; ++b) {
      r.latency_log2[b] = r.executed >> (b - 7);
      r.runtime_log2[b + 2] = r.executed >> (b - 6);
    }
    out.push_back(std::move(r));
  }
  return out;
}

BlkgRecord SyntheticRecords::PairRow(size_t index, uint64_t bios, uint64_t ts_ns) {
  static const char* const kDisks[] = {"vda", "vdb", "nvme0n1", "nvme1n1",
                                       "sda", "sdb", "dm-0",    "dm-1"};
  const size_t disk = index % 8;
  const size_t cgroup = index / 8;
  BlkgRecord r;
  r.ts_ns = ts_ns;
  r.first_seen_ns = 1'000'000'000ull + index;
  r.cgroup_id = 1000 + cgroup;
  r.cgroup = absl::StrFormat("/kubepods/slice%d/pod%06x-4b2a-9f3d/%08x", cgroup % 10, cgroup / 4,
                             0xc0ffee00 + cgroup);
  r.dev_major = 252 + static_cast<uint32_t>(disk / 4);
  r.dev_minor = static_cast<uint32_t>(disk % 4) * 16;
  r.disk = kDisks[disk];
  const bool fallback = index % 5 == 4;
  r.blkg_cgroup_id = fallback ? 1 : r.cgroup_id;
  r.blkg_cgroup = fallback ? "/" : r.cgroup;
  r.online = true;
  r.has_stats = !fallback;
  r.bios = bios;
  r.bytes = bios * 4096;
  return r;
}

LostRecord SyntheticRecords::Lost() const {
  LostRecord r;
  r.ts_ns = now_ns_;
  r.counts = {{"alloc", 0}, {"blkg_seen", 0}, {"wq_pending", 0}, {"submit_depth", 0},
              {"malformed", 0}};
  return r;
}

CaptureSummary SyntheticRecords::Summary(uint64_t events) const {
  CaptureSummary s;
  s.ts_ns = now_ns_;
  s.duration_ns = now_ns_ - start_ns_;
  s.events = events;
  return s;
}

}  // namespace submitwatch::bench
