// What bench/run needs from C++, one subcommand each:
//
//   floor                    attach an empty program to every hook submitwatch
//                            uses (bench/floor.bpf.c); print "attached"; wait
//                            for SIGINT/SIGTERM. With --stats, hold the
//                            kernel's BPF run-time statistics on meanwhile
//                            (fd-scoped: they go off when this process exits,
//                            however it exits). With --clock, instead a
//                            program that only reads the clock on each hook
//                            where submitwatch's workqueue programs do.
//   percpu-flood             make the kernel call alloc_percpu() about RATE
//                            times a second for SECONDS, from THREADS
//                            threads: each BPF per-CPU hash map created with
//                            prealloc allocates one per-cpu value per entry.
//   loss-exact               the loss counter's exactness: submitwatch's BPF
//                            object with --all-allocs and a tiny ring buffer,
//                            a flood, then detach and compare the number of
//                            times the program ran with events received + lost.
//   synth-capture            write a synthetic capture of about BYTES bytes,
//                            or with --churn N, one like the churn soak's:
//                            N cgroups that do IO and go, a few thousand at
//                            a time.
//   scale-snapshot           the scale phase's snapshot: submitwatch's BPF
//                            object loaded in this process with room for KEYS
//                            keys, filled with KEYS synthetic (blkg, cgroup)
//                            keys (scale_fill.bpf.c), then ROUNDS snapshots
//                            (kernel map read, fold, model update), every
//                            key's count changed before each; their times.
//   scale-fill               the same keys put into the maps of a running
//                            `submitwatch record` (its PID), which then holds
//                            them for its RSS to be read.
//   exporter                 serve /metrics as `submitwatch serve` does, over
//                            a synthetic model of PAIRS (cgroup, disk) pairs
//                            and FUNCTIONS work functions, republished every
//                            second; print where, how many series and what a
//                            publish costs; wait for SIGINT/SIGTERM.
//
// Everything prints one "key=value ..." line for the harness to parse. All
// of it runs under the tool's malloc policy (common/malloc_policy.h).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "bpf/events.h"
#include "capture/capture_writer.h"
#include "capture/output_file.h"
#include "collector/collector.h"
#include "common/errno_text.h"
#include "common/malloc_policy.h"
#include "floor.skel.h"
#include "loader/bpf_session.h"
#include "model/model.h"
#include "scale_fill.h"
#include "scale_fill.skel.h"
#include "submitwatch.skel.h"
#include "symbols/cgroup_paths.h"
#include "symbols/disk_names.h"
#include "symbols/kernel_symbols.h"
#include "sinks/export/metrics_exchange.h"
#include "sinks/export/metrics_exposition.h"
#include "sinks/http/metrics_server.h"
#include "synthetic_exporter.h"
#include "synthetic_records.h"

namespace submitwatch::bench {
namespace {

volatile sig_atomic_t g_stop = 0;
void OnStop(int) { g_stop = 1; }

int Fail(const std::string& what) {
  fprintf(stderr, "bench_tool: %s\n", what.c_str());
  return 1;
}

// "--name VALUE" from argv, or `fallback`.
std::string Flag(const std::vector<std::string>& args, const std::string& name,
                 const std::string& fallback) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--" + name) return args[i + 1];
  }
  return fallback;
}

bool HasFlag(const std::vector<std::string>& args, const std::string& name) {
  for (const std::string& a : args) {
    if (a == "--" + name) return true;
  }
  return false;
}

uint64_t NumberFlag(const std::vector<std::string>& args, const std::string& name,
                    uint64_t fallback) {
  uint64_t v = fallback;
  const std::string text = Flag(args, name, "");
  if (!text.empty() && !absl::SimpleAtoi(text, &v)) {
    fprintf(stderr, "bench_tool: --%s: not a number: %s\n", name.c_str(), text.c_str());
    exit(2);
  }
  return v;
}

// --- floor -------------------------------------------------------------------

// The empty programs (floor_*), or with --clock the one-clock-read ones
// (clock_*), never both: each set is measured apart from the other.
int Floor(const std::vector<std::string>& args) {
  int stats_fd = -1;
  if (HasFlag(args, "stats")) {
    stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
    if (stats_fd < 0) return Fail(absl::StrCat("BPF_ENABLE_STATS: ", ErrnoText(errno)));
  }
  const bool clock = HasFlag(args, "clock");
  floor_bpf* skel = floor_bpf::open();
  if (skel == nullptr) return Fail(absl::StrCat("opening bench/floor.bpf.c: ", ErrnoText(errno)));
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel->obj) {
    bpf_program__set_autoload(prog, absl::StartsWith(bpf_program__name(prog), "clock_") == clock);
  }
  if (floor_bpf::load(skel) != 0) {
    floor_bpf::destroy(skel);
    return Fail(absl::StrCat("loading bench/floor.bpf.c: ", ErrnoText(errno)));
  }
  std::vector<bpf_link*> links;
  auto detach = [&] {
    for (bpf_link* link : links) bpf_link__destroy(link);
    floor_bpf::destroy(skel);
  };
  bpf_object__for_each_program(prog, skel->obj) {
    if (!bpf_program__autoload(prog)) continue;
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr) {
      const int err = errno;
      detach();
      return Fail(absl::StrCat("attaching ", bpf_program__name(prog), ": ", ErrnoText(err)));
    }
    links.push_back(link);
  }
  signal(SIGINT, OnStop);
  signal(SIGTERM, OnStop);
  printf("attached\n");
  fflush(stdout);
  while (!g_stop) pause();
  detach();
  if (stats_fd >= 0) close(stats_fd);
  return 0;
}

// --- per-cpu allocations -----------------------------------------------------

// One BPF_MAP_TYPE_PERCPU_HASH with prealloc: the kernel calls
// bpf_map_alloc_percpu() -> __alloc_percpu_gfp() once per entry at creation
// (plus a few for the map's own per-cpu lock counters), in the caller's
// context, and frees them all when the last fd closes.
bool CreatePercpuMap(uint32_t entries) {
  const int fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "swbench_flood", sizeof(uint32_t),
                                sizeof(uint64_t), entries, nullptr);
  if (fd < 0) return false;
  close(fd);
  return true;
}

int PercpuFlood(const std::vector<std::string>& args) {
  const uint64_t rate = NumberFlag(args, "rate", 100000);
  const uint64_t batch = NumberFlag(args, "batch", 1000);
  const uint64_t threads = NumberFlag(args, "threads", 1);
  const double seconds = std::strtod(Flag(args, "seconds", "5").c_str(), nullptr);
  if (rate == 0 || batch == 0 || threads == 0 || seconds <= 0) {
    return Fail("percpu-flood: bad arguments");
  }
  signal(SIGINT, OnStop);
  signal(SIGTERM, OnStop);
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  // Each thread makes rate/threads: with the tracer's cost on every
  // allocation, one thread alone cannot reach 100k/s on a small machine.
  const auto period = std::chrono::duration<double>(static_cast<double>(batch * threads) / rate);
  std::atomic<uint64_t> maps{0};
  std::atomic<int> error{0};
  auto make = [&](uint64_t index) {
    // Staggered so that the threads' batches interleave.
    auto next = start + std::chrono::duration_cast<Clock::duration>(period * index / threads);
    std::this_thread::sleep_until(next);
    // Paced in small batches on an absolute schedule: a steady rate, not
    // bursts, and no drift when one batch is slow.
    while (!g_stop && !error && Clock::now() < end) {
      if (!CreatePercpuMap(static_cast<uint32_t>(batch))) {
        error = errno;
        return;
      }
      ++maps;
      next += std::chrono::duration_cast<Clock::duration>(period);
      std::this_thread::sleep_until(next);
    }
  };
  std::vector<std::thread> workers;
  for (uint64_t i = 0; i < threads; ++i) workers.emplace_back(make, i);
  for (std::thread& t : workers) t.join();
  if (error) return Fail(absl::StrCat("creating a per-CPU BPF map: ", ErrnoText(error)));
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const uint64_t made = maps.load();
  printf("maps=%llu batch=%llu threads=%llu allocs_nominal=%llu seconds=%.3f rate_nominal=%.0f\n",
         static_cast<unsigned long long>(made), static_cast<unsigned long long>(batch),
         static_cast<unsigned long long>(threads), static_cast<unsigned long long>(made * batch),
         elapsed, made * batch / elapsed);
  return 0;
}

// --- loss counter exactness ---------------------------------------------------

struct ExactCount {
  uint64_t received = 0;
};

int CountAlloc(void* ctx, void* data, size_t size) {
  sw_event_header header;
  if (size < sizeof(header)) return 0;
  memcpy(&header, data, sizeof(header));
  if (header.kind == SW_EVENT_ALLOC) ++static_cast<ExactCount*>(ctx)->received;
  return 0;
}

uint64_t RunCount(int prog_fd) {
  bpf_prog_info info = {};
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) return 0;
  return info.run_cnt;
}

int LossExact(const std::vector<std::string>& args) {
  const uint64_t ringbuf = NumberFlag(args, "ringbuf", 4096);
  const uint64_t allocs = NumberFlag(args, "allocs", 100000);
  const uint64_t batch = NumberFlag(args, "batch", 2000);
  // Statistics on before attaching: every run of the program is counted.
  const int stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
  if (stats_fd < 0) return Fail(absl::StrCat("BPF_ENABLE_STATS: ", ErrnoText(errno)));

  LoaderOptions options;
  options.all_allocs = true;
  options.ringbuf_bytes = static_cast<uint32_t>(ringbuf);
  absl::StatusOr<std::unique_ptr<BpfSession>> session = BpfSession::Open(options);
  if (!session.ok()) return Fail(std::string(session.status().message()));
  submitwatch_bpf* skel = (*session)->skel();
  // Our own references: the maps and programs outlive the session, so after
  // it detaches everything (a synchronous unregister) the counts are final.
  const int events_fd = dup(bpf_map__fd(skel->maps.events));
  const int lost_fd = dup(bpf_map__fd(skel->maps.lost));
  const int alloc_fd = dup(bpf_program__fd(skel->progs.sw_percpu_alloc));
  const int fail_fd = dup(bpf_program__fd(skel->progs.sw_percpu_alloc_fail));
  if (events_fd < 0 || lost_fd < 0 || alloc_fd < 0 || fail_fd < 0) {
    return Fail(absl::StrCat("dup: ", ErrnoText(errno)));
  }
  ExactCount count;
  ring_buffer* ring = ring_buffer__new(events_fd, CountAlloc, &count, nullptr);
  if (ring == nullptr) return Fail(absl::StrCat("ring_buffer__new: ", ErrnoText(errno)));

  uint64_t made = 0;
  while (made < allocs) {
    if (!CreatePercpuMap(static_cast<uint32_t>(batch))) {
      return Fail(absl::StrCat("creating a per-CPU BPF map: ", ErrnoText(errno)));
    }
    made += batch;
    ring_buffer__consume(ring);
  }
  session->reset();  // detach: nothing runs from here on
  ring_buffer__consume(ring);
  const int cpus = libbpf_num_possible_cpus();
  std::vector<uint64_t> per_cpu(cpus);
  uint32_t slot = SW_LOST_ALLOC;
  uint64_t lost = 0;
  if (bpf_map_lookup_elem(lost_fd, &slot, per_cpu.data()) != 0) {
    return Fail(absl::StrCat("reading the lost counters: ", ErrnoText(errno)));
  }
  for (uint64_t n : per_cpu) lost += n;
  const uint64_t generated = RunCount(alloc_fd) + RunCount(fail_fd);
  ring_buffer__free(ring);
  close(stats_fd);
  printf("generated=%llu received=%llu lost=%llu difference=%lld ringbuf=%llu\n",
         static_cast<unsigned long long>(generated),
         static_cast<unsigned long long>(count.received),
         static_cast<unsigned long long>(lost),
         static_cast<long long>(generated) - static_cast<long long>(count.received + lost),
         static_cast<unsigned long long>(ringbuf));
  return generated == count.received + lost ? 0 : 3;
}

// --- synthetic capture -------------------------------------------------------

// Like the churn soak's capture (README, "Cgroups and disks that come and
// go"): passes of 2,000 cgroups over 20 disks, each cgroup's first bio
// creating its blkg (an atomic per-cpu allocation in the submit path), its
// row in the snapshot after its IO (evicted later with the same counts, so
// not written again), then gone; a few long-lived rows throughout.
void WriteChurn(uint64_t cgroups, const std::function<void(const Record&)>& write) {
  constexpr uint64_t kPass = 2000;
  constexpr uint32_t kDisks = 20;
  constexpr uint64_t kSecond = 1'000'000'000ull;
  SyntheticRecords gen(11);
  uint64_t now = gen.now_ns();
  // Named as the churn test names its cgroups: pass, disk, cgroup.
  const auto path = [](uint64_t index) {
    return absl::StrCat("/submitwatch-test-4242-churn-", index / kPass, "-", index % kDisks, "-",
                        index % kPass / kDisks);
  };
  const auto row = [&](uint64_t index, uint64_t bios, uint64_t ts) {
    BlkgRecord r;
    r.ts_ns = ts;
    r.first_seen_ns = ts - kSecond / 2;
    r.cgroup_id = 100000 + index;
    r.cgroup = path(index);
    r.dev_major = 7;
    r.dev_minor = static_cast<uint32_t>(index % kDisks);
    r.disk = absl::StrCat("loop", r.dev_minor);
    r.blkg_cgroup_id = r.cgroup_id;
    r.blkg_cgroup = r.cgroup;
    r.online = true;
    r.has_stats = true;
    r.bios = bios;
    r.bytes = bios * 4096;
    return r;
  };
  uint64_t long_lived = 0;
  for (uint64_t first = 0; first < cgroups; first += kPass) {
    const uint64_t end = std::min(cgroups, first + kPass);
    for (uint64_t i = first; i < end; ++i) {
      AllocRecord a = gen.NextAlloc();
      a.ts_ns = now + (i - first) * 1000;
      a.site = "blkg_alloc";
      a.site_offset = "blkg_alloc+0x4f";
      a.gfp_raw = 0x800;  // GFP_NOWAIT
      a.is_atomic = true;
      a.failed = false;
      a.context = kContextSubmit;
      a.task_flags = 0x400040;
      a.work_func.clear();
      a.cgroup_id = 100000 + i;
      a.cgroup = path(i);
      a.comm = "dd";
      write(Record(std::move(a)));
    }
    now += kSecond;
    for (uint64_t i = first; i < end; ++i) write(Record(row(i, 8, now)));
    for (BlkgRecord& r : gen.BlkgSnapshot(16)) {
      r.ts_ns = now;
      r.bios = r.bytes = ++long_lived;
      write(Record(std::move(r)));
    }
    now += kSecond;
    LostRecord lost = gen.Lost();
    lost.ts_ns = now;
    write(Record(std::move(lost)));
  }
  CaptureSummary summary = gen.Summary(cgroups);
  summary.ts_ns = now;
  summary.evicted = {{"cgroup", cgroups}};
  summary.peak_map_entries = kPass + 16;
  write(Record(std::move(summary)));
}

int SynthCapture(const std::vector<std::string>& args) {
  const uint64_t target = NumberFlag(args, "bytes", 1ull << 30);
  const uint64_t churn = NumberFlag(args, "churn", 0);
  const std::string path = Flag(args, "output", "");
  if (path.empty()) return Fail("synth-capture: --output FILE is required");
  absl::StatusOr<OutputFile> out = OutputFile::Create(path);
  if (!out.ok()) return Fail(std::string(out.status().message()));
  SyntheticRecords gen(7);
  // Lines as CaptureWriter formats them, written in large blocks.
  std::string buffer;
  uint64_t bytes = 0, records = 0, allocs = 0;
  absl::Status status;
  auto flush = [&]() {
    size_t done = 0;
    while (status.ok() && done < buffer.size()) {
      const ssize_t n = ::write(out->fd(), buffer.data() + done, buffer.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = absl::DataLossError(absl::StrCat("writing ", path, ": ", ErrnoText(errno)));
      } else {
        done += static_cast<size_t>(n);
      }
    }
    buffer.clear();
  };
  auto write = [&](const Record& r) {
    buffer += CaptureWriter::FormatRecord(r);
    buffer += '\n';
    ++records;
    if (buffer.size() >= (4u << 20)) {
      bytes += buffer.size();
      flush();
    }
  };
  write(Record(gen.Header()));
  if (churn != 0) {
    WriteChurn(churn, write);
    bytes += buffer.size();
    flush();
    if (status.ok()) status = out->Commit();
    if (!status.ok()) return Fail(std::string(status.message()));
    printf("records=%llu cgroups=%llu bytes=%llu\n", static_cast<unsigned long long>(records),
           static_cast<unsigned long long>(churn), static_cast<unsigned long long>(bytes));
    return 0;
  }
  // Like a 1 s interval on a busy host: ~20k allocation events between
  // snapshots of 256 (cgroup, disk) rows and 64 work functions.
  while (status.ok() && bytes + buffer.size() < target) {
    for (int i = 0; i < 20000; ++i, ++allocs) write(Record(gen.NextAlloc()));
    for (BlkgRecord& r : gen.BlkgSnapshot(256)) write(Record(std::move(r)));
    for (WqRecord& r : gen.WqSnapshot(64)) write(Record(std::move(r)));
    write(Record(gen.Lost()));
  }
  write(Record(gen.Summary(allocs)));
  bytes += buffer.size();
  flush();
  if (status.ok()) status = out->Commit();
  if (!status.ok()) return Fail(std::string(status.message()));
  printf("records=%llu allocs=%llu bytes=%llu\n", static_cast<unsigned long long>(records),
         static_cast<unsigned long long>(allocs), static_cast<unsigned long long>(bytes));
  return 0;
}

// --- scale: synthetic keys in submitwatch's own maps --------------------------

// Made-up identities, far from what the kernel hands out: blkg "addresses"
// are never dereferenced, and no cgroup has ids this high.
constexpr uint64_t kScaleBlkgBase = 0xffff'dead'0000'0000ull;
constexpr uint64_t kScaleCgroupBase = 1ull << 48;
constexpr char kScalePrefix[] = "/submitwatch-bench-scale";
// Keys per fill run: the ring buffer (1 MiB by default) holds ~2,400 keys'
// events; a run also stops on its own when the ring is 3/4 full.
constexpr uint32_t kFillChunk = 1024;

struct ScaleDisk {
  uint32_t major = 0;
  uint32_t minor = 0;
  std::string name;
};

// The block device at `path`: the keys' disk must exist, or the collector
// would take its keys for a removed disk's and evict them.
absl::StatusOr<ScaleDisk> DiskAt(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": ", ErrnoText(errno)));
  }
  if (!S_ISBLK(st.st_mode)) return absl::InvalidArgumentError(absl::StrCat(path, ": not a block device"));
  ScaleDisk disk{major(st.st_rdev), minor(st.st_rdev),
                 std::filesystem::path(path).filename().string()};
  return disk;
}

// The maps of a submitwatch that scale_fill.bpf.c fills.
struct ToolMaps {
  int events = -1;
  int blkg_index = -1;
  int blkg_table = -1;
  int blkg_table_keys = -1;
  int blkg_table_free = -1;
  int blkg_table_next = -1;
};

// scale_fill.bpf.c loaded over a running submitwatch's events ring and bio
// table.
class KeyFiller {
 public:
  static absl::StatusOr<std::unique_ptr<KeyFiller>> Open(const ToolMaps& maps) {
    std::unique_ptr<KeyFiller> f(new KeyFiller);
    f->skel_ = scale_fill_bpf::open();
    if (f->skel_ == nullptr) {
      return absl::InternalError(absl::StrCat("opening scale_fill.bpf.c: ", ErrnoText(errno)));
    }
    // The table's stride is its index hash's size (the tool's --bio-keys).
    bpf_map_info index_info = {};
    uint32_t len = sizeof(index_info);
    if (bpf_obj_get_info_by_fd(maps.blkg_index, &index_info, &len) != 0) {
      return absl::InternalError(absl::StrCat("reading blkg_index's size: ", ErrnoText(errno)));
    }
    f->skel_->rodata->blkg_table_stride = index_info.max_entries;
    if (bpf_map__reuse_fd(f->skel_->maps.events, maps.events) != 0 ||
        bpf_map__reuse_fd(f->skel_->maps.blkg_index, maps.blkg_index) != 0 ||
        bpf_map__reuse_fd(f->skel_->maps.blkg_table, maps.blkg_table) != 0 ||
        bpf_map__reuse_fd(f->skel_->maps.blkg_table_keys, maps.blkg_table_keys) != 0 ||
        bpf_map__reuse_fd(f->skel_->maps.blkg_table_free, maps.blkg_table_free) != 0 ||
        bpf_map__reuse_fd(f->skel_->maps.blkg_table_next, maps.blkg_table_next) != 0) {
      return absl::InternalError(absl::StrCat("reusing submitwatch's maps: ", ErrnoText(errno)));
    }
    if (scale_fill_bpf::load(f->skel_) != 0) {
      return absl::InternalError(absl::StrCat("loading scale_fill.bpf.c: ", ErrnoText(errno)));
    }
    return f;
  }
  ~KeyFiller() { scale_fill_bpf::destroy(skel_); }

  // Keys [0, n) with counts `bios` (+ index % 7); with `announce`, their
  // cgroup and first-seen events too, calling wait() whenever the ring
  // buffer needs draining.
  absl::Status Fill(sw_scale_fill args, uint32_t n, const std::function<void()>& wait) {
    for (uint32_t first = 0; first < n;) {
      args.first = first;
      args.count = std::min(kFillChunk, n - first);
      args.done = args.ring_full = 0;
      LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));
      if (bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.fill_keys), &opts) != 0) {
        return absl::InternalError(absl::StrCat("running fill_keys: ", ErrnoText(errno)));
      }
      if (args.done == 0 && !args.ring_full) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "the bio table took ", first, " keys of ", n, ": too small (--bio-keys)"));
      }
      first += args.done;
      if (args.announce) wait();
    }
    return absl::OkStatus();
  }

 private:
  KeyFiller() = default;
  scale_fill_bpf* skel_ = nullptr;
};

sw_scale_fill FillArgs(const ScaleDisk& disk, int hierarchy_id) {
  sw_scale_fill args{};
  args.blkg_base = kScaleBlkgBase;
  args.cgroup_id_base = kScaleCgroupBase;
  args.bios = 1;
  args.dev_major = disk.major;
  args.dev_minor = disk.minor;
  args.hierarchy_id = static_cast<uint32_t>(hierarchy_id);
  args.announce = 1;
  static_assert(sizeof(kScalePrefix) <= SW_SCALE_PREFIX_LEN);
  memcpy(args.prefix, kScalePrefix, sizeof(kScalePrefix));
  memcpy(args.disk_name, disk.name.data(), std::min<size_t>(disk.name.size(), SW_DISK_NAME_LEN - 1));
  return args;
}

uint32_t RoomFor(uint64_t keys) {
  // The tool's default, or the keys with a quarter to spare.
  return static_cast<uint32_t>(std::max<uint64_t>(16384, keys + keys / 4));
}

// This thread's CPU time: on a busy machine, what the wall time would be
// on an idle one.
double ThreadCpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string JoinMs(const std::vector<double>& ms) {
  return absl::StrJoin(ms, ",", [](std::string* out, double v) {
    absl::StrAppend(out, absl::StrFormat("%.3f", v));
  });
}

int ScaleSnapshot(const std::vector<std::string>& args) {
  const uint64_t keys = NumberFlag(args, "keys", 100000);
  const uint64_t rounds = NumberFlag(args, "rounds", 5);
  absl::StatusOr<ScaleDisk> disk = DiskAt(Flag(args, "disk", ""));
  if (!disk.ok()) return Fail(absl::StrCat("scale-snapshot --disk: ", disk.status().message()));
  absl::StatusOr<KernelSymbols> symbols = KernelSymbols::Load();
  if (!symbols.ok()) return Fail(std::string(symbols.status().message()));
  absl::StatusOr<CgroupHierarchy> hierarchy = FindIoHierarchy();
  if (!hierarchy.ok()) return Fail(std::string(hierarchy.status().message()));
  CgroupPaths cgroups(*hierarchy);
  DiskNames disks;
  LoaderOptions options;
  options.bio_keys = RoomFor(keys);
  options.symbols = &*symbols;
  absl::StatusOr<std::unique_ptr<BpfSession>> session = BpfSession::Open(options);
  if (!session.ok()) return Fail(std::string(session.status().message()));
  Model model;
  uint64_t rows = 0;
  absl::StatusOr<std::unique_ptr<Collector>> collector = Collector::Create(
      **session, {&*symbols, &cgroups, &disks}, [&](const Record& r) {
        if (std::holds_alternative<BlkgRecord>(r)) ++rows;
        model.Add(r);
      });
  if (!collector.ok()) return Fail(std::string(collector.status().message()));
  submitwatch_bpf* skel = (*session)->skel();
  absl::StatusOr<std::unique_ptr<KeyFiller>> filler = KeyFiller::Open(
      {bpf_map__fd(skel->maps.events), bpf_map__fd(skel->maps.blkg_index),
       bpf_map__fd(skel->maps.blkg_table), bpf_map__fd(skel->maps.blkg_table_keys),
       bpf_map__fd(skel->maps.blkg_table_free), bpf_map__fd(skel->maps.blkg_table_next)});
  if (!filler.ok()) return Fail(std::string(filler.status().message()));

  sw_scale_fill fill = FillArgs(*disk, hierarchy->hierarchy_id);
  const auto t_fill = std::chrono::steady_clock::now();
  absl::Status status = (*filler)->Fill(fill, static_cast<uint32_t>(keys), [&] {
    if (absl::StatusOr<int> n = (*collector)->Drain(); !n.ok()) status = n.status();
  });
  if (absl::StatusOr<int> n = (*collector)->Drain(); !n.ok()) status = n.status();
  if (!status.ok()) return Fail(std::string(status.message()));
  const double fill_ms = MsSince(t_fill);

  // The first snapshot places every pair: the model's cost of new pairs.
  auto t0 = std::chrono::steady_clock::now();
  if (absl::Status s = (*collector)->Snapshot(Collector::MonotonicNowNs()); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  const double first_ms = MsSince(t0);
  const uint64_t first_rows = rows;
  // Then every pair's count changes between snapshots: each one is read,
  // folded, emitted and taken in by the model.
  std::vector<double> snapshot_ms, snapshot_cpu_ms;
  fill.announce = 0;
  for (uint64_t r = 0; r < rounds; ++r) {
    fill.bios += 10;
    if (absl::Status s = (*filler)->Fill(fill, static_cast<uint32_t>(keys), [] {}); !s.ok()) {
      return Fail(std::string(s.message()));
    }
    rows = 0;
    t0 = std::chrono::steady_clock::now();
    const double cpu0 = ThreadCpuMs();
    if (absl::Status s = (*collector)->Snapshot(Collector::MonotonicNowNs()); !s.ok()) {
      return Fail(std::string(s.message()));
    }
    snapshot_ms.push_back(MsSince(t0));
    snapshot_cpu_ms.push_back(ThreadCpuMs() - cpu0);
    if (rows < keys) {
      return Fail(absl::StrCat("snapshot ", r + 1, " emitted ", rows, " rows of ", keys));
    }
  }
  printf("keys=%llu fill_ms=%.1f first_ms=%.3f first_rows=%llu snapshot_ms=%s "
         "snapshot_cpu_ms=%s pairs=%zu\n",
         static_cast<unsigned long long>(keys), fill_ms, first_ms,
         static_cast<unsigned long long>(first_rows), JoinMs(snapshot_ms).c_str(),
         JoinMs(snapshot_cpu_ms).c_str(), model.CgroupRows().size());
  return 0;
}

// The fd of the map named `name` that process `pid` holds, or -1.
int MapOfProcess(int pid, const std::string& name) {
  for (const auto& fd : std::filesystem::directory_iterator(absl::StrCat("/proc/", pid, "/fdinfo"))) {
    std::ifstream info(fd.path());
    for (std::string text; std::getline(info, text);) {
      absl::string_view line = text;
      uint32_t id = 0;
      if (!absl::ConsumePrefix(&line, "map_id:") ||
          !absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &id)) {
        continue;
      }
      const int map_fd = bpf_map_get_fd_by_id(id);
      if (map_fd < 0) continue;
      bpf_map_info map_info = {};
      uint32_t len = sizeof(map_info);
      if (bpf_obj_get_info_by_fd(map_fd, &map_info, &len) == 0 && name == map_info.name) {
        return map_fd;
      }
      close(map_fd);
    }
  }
  return -1;
}

int ScaleFill(const std::vector<std::string>& args) {
  const uint64_t keys = NumberFlag(args, "keys", 100000);
  const uint64_t pid = NumberFlag(args, "pid", 0);
  absl::StatusOr<ScaleDisk> disk = DiskAt(Flag(args, "disk", ""));
  if (!disk.ok()) return Fail(absl::StrCat("scale-fill --disk: ", disk.status().message()));
  if (pid == 0) return Fail("scale-fill: --pid of a running `submitwatch record` is required");
  absl::StatusOr<CgroupHierarchy> hierarchy = FindIoHierarchy();
  if (!hierarchy.ok()) return Fail(std::string(hierarchy.status().message()));
  ToolMaps maps;
  for (auto [name, fd] : {std::pair{"events", &maps.events}, {"blkg_index", &maps.blkg_index},
                          {"blkg_table", &maps.blkg_table},
                          {"blkg_table_keys", &maps.blkg_table_keys},
                          {"blkg_table_free", &maps.blkg_table_free},
                          {"blkg_table_next", &maps.blkg_table_next}}) {
    *fd = MapOfProcess(static_cast<int>(pid), name);
    if (*fd < 0) return Fail(absl::StrCat("process ", pid, " holds no map ", name));
  }
  absl::StatusOr<std::unique_ptr<KeyFiller>> filler = KeyFiller::Open(maps);
  if (!filler.ok()) return Fail(std::string(filler.status().message()));
  const auto t0 = std::chrono::steady_clock::now();
  // record drains the ring at least every 100 ms.
  absl::Status s = (*filler)->Fill(FillArgs(*disk, hierarchy->hierarchy_id),
                                   static_cast<uint32_t>(keys), [] {
                                     std::this_thread::sleep_for(std::chrono::milliseconds(20));
                                   });
  if (!s.ok()) return Fail(std::string(s.message()));
  printf("keys=%llu fill_ms=%.1f\n", static_cast<unsigned long long>(keys), MsSince(t0));
  return 0;
}

// --- the exporter --------------------------------------------------------------

int Exporter(const std::vector<std::string>& args) {
  const uint64_t pairs = NumberFlag(args, "pairs", 1100);
  const uint64_t functions = NumberFlag(args, "functions", 10);
  SyntheticExporter exporter(pairs, functions);
  MetricsExchange exchange;
  MetricsSnapshot first = exporter.Publish();
  const std::string text = RenderMetrics(first, ExpositionFormat::kPrometheusText);
  exchange.Publish(std::move(first));
  size_t series = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t end = text.find('\n', at);
    if (text[at] != '#') ++series;
    at = end == std::string::npos ? text.size() : end + 1;
  }
  absl::StatusOr<ListenAddress> listen = ParseListenAddress("127.0.0.1:0");
  if (!listen.ok()) return Fail(std::string(listen.status().message()));
  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start(*listen, [&exchange](std::string_view accept) {
        MetricsExchange::Scrape scrape = exchange.Render(accept);
        return MetricsServer::Response{std::move(scrape.content_type), std::move(scrape.body)};
      });
  if (!server.ok()) return Fail(std::string(server.status().message()));
  signal(SIGINT, OnStop);
  signal(SIGTERM, OnStop);
  // As serve's collector thread: a new snapshot every second, the time it
  // takes to publish (tables, series, the copy) printed once.
  uint64_t publish_us = 0;
  for (int turn = 0; !g_stop; ++turn) {
    const auto t0 = std::chrono::steady_clock::now();
    exporter.Advance();
    exchange.Publish(exporter.Publish());
    if (turn == 0) {
      publish_us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::steady_clock::now() - t0)
                                             .count());
      printf("port=%u series=%zu bytes=%zu publish_us=%llu\n", (*server)->bound().port, series,
             text.size(), static_cast<unsigned long long>(publish_us));
      fflush(stdout);
    }
    for (int i = 0; i < 10 && !g_stop; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return 0;
}

}  // namespace
}  // namespace submitwatch::bench

int main(int argc, char** argv) {
  using namespace submitwatch::bench;
  // As the tool's main() does: the snapshot and the exporter here cost what
  // the tool's do only where malloc keeps and gives back memory as it does
  // there (a first snapshot of 10,000 pairs otherwise reuses, without a
  // page fault, heap the tool would have given back).
  submitwatch::ApplyMallocPolicy();
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::string command = args.empty() ? "" : args[0];
  if (command == "floor") return Floor(args);
  if (command == "percpu-flood") return PercpuFlood(args);
  if (command == "loss-exact") return LossExact(args);
  if (command == "synth-capture") return SynthCapture(args);
  if (command == "scale-snapshot") return ScaleSnapshot(args);
  if (command == "scale-fill") return ScaleFill(args);
  if (command == "exporter") return Exporter(args);
  fprintf(stderr,
          "usage: bench_tool floor [--stats] [--clock]\n"
          "       bench_tool percpu-flood [--rate N] [--batch K] [--threads T] [--seconds S]\n"
          "       bench_tool loss-exact [--ringbuf BYTES] [--allocs N] [--batch K]\n"
          "       bench_tool synth-capture --output FILE [--bytes N | --churn CGROUPS]\n"
          "       bench_tool scale-snapshot --disk DEV [--keys N] [--rounds R]\n"
          "       bench_tool scale-fill --pid PID --disk DEV [--keys N]\n"
          "       bench_tool exporter [--pairs N] [--functions F]\n");
  return 2;
}
