#include "absl/strings/string_view.h"
#include "collector/collector.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <malloc.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "collector/blkg_fold.h"
#include "common/errno_text.h"
#include "submitwatch.skel.h"

namespace submitwatch {
namespace {

// The records carry the kernel's bits and slots as they are; these are the
// facts records.h restates without including the BPF header.
static_assert(kContextSubmit == SW_CTX_SUBMIT && kContextWorker == SW_CTX_WORKER &&
              kContextReclaim == SW_CTX_RECLAIM && kContextBioList == SW_CTX_BIO_LIST);
static_assert(kTaskMemalloc == SW_PF_MEMALLOC && kTaskKswapd == SW_PF_KSWAPD &&
              kTaskMemallocNofs == SW_PF_MEMALLOC_NOFS && kTaskMemallocNoio == SW_PF_MEMALLOC_NOIO);
static_assert(kLostSlotNames.size() == SW_LOST_SLOTS);
static_assert(kLostSlotNames[SW_LOST_ALLOC] == "alloc" &&
              kLostSlotNames[SW_LOST_BLKG_SEEN] == "blkg_seen" &&
              kLostSlotNames[SW_LOST_WQ_PENDING] == "wq_pending" &&
              kLostSlotNames[SW_LOST_SUBMIT_DEPTH] == "submit_depth" &&
              kLostSlotNames[SW_LOST_CGROUP] == "cgroup" &&
              kLostSlotNames[SW_LOST_BIO_TABLE] == "bio_table_full");

// Frames of the tracing machinery itself and of the per-cpu allocator sit on
// top of every stack; they say nothing about who allocated.
bool IsTracingFrame(std::string_view fn) {
  return fn.starts_with("bpf_") || fn.starts_with("__bpf_") || fn.starts_with("__traceiter_") ||
         fn.starts_with("trace_") || fn.starts_with("perf_");
}

bool IsAllocatorFrame(std::string_view fn) {
  return fn.starts_with("pcpu_alloc") || fn.starts_with("__alloc_percpu") ||
         fn.starts_with("alloc_percpu");
}

absl::Status MapError(const char* what, int err) {
  return absl::InternalError(absl::StrCat("reading BPF map ", what, ": ", ErrnoText(err)));
}

// Deletes an entry and returns its last values in one step where the kernel
// can (5.14+ for hash maps), so no increment lands between the read and the
// delete; older kernels read then delete.
absl::Status TakeEntry(int fd, const void* key, void* values, bool* found) {
  *found = false;
  if (bpf_map_lookup_and_delete_elem(fd, key, values) == 0) {
    *found = true;
    return absl::OkStatus();
  }
  if (errno == ENOENT) return absl::OkStatus();
  constexpr int kKernelEnotsupp = 524;  // ENOTSUPP: not in the uapi headers
  if (errno != EINVAL && errno != kKernelEnotsupp && errno != EOPNOTSUPP) {
    return MapError("an entry to evict", errno);
  }
  if (bpf_map_lookup_elem(fd, key, values) != 0) {
    return errno == ENOENT ? absl::OkStatus() : MapError("an entry to evict", errno);
  }
  if (bpf_map_delete_elem(fd, key) != 0 && errno != ENOENT) {
    return MapError("an entry to evict", errno);
  }
  *found = true;
  return absl::OkStatus();
}

ThrottleRecord SumThrottle(absl::Span<const sw_throttle_stats> per_cpu) {
  ThrottleRecord r;
  for (const sw_throttle_stats& s : per_cpu) {
    r.throttled += s.throttled;
    r.passed += s.passed;
    r.queued_ns += s.queued_ns;
    r.queued_max_ns = std::max(r.queued_max_ns, s.queued_max_ns);
    // Identity fields are set on the CPUs that saw the blkg.
    if (s.blkg_cgroup_id != 0) {
      r.cgroup_id = s.blkg_cgroup_id;
      r.dev_major = s.dev_major;
      r.dev_minor = s.dev_minor;
    }
  }
  return r;
}

void AddThrottle(ThrottleRecord& into, const ThrottleRecord& r) {
  into.throttled += r.throttled;
  into.passed += r.passed;
  into.queued_ns += r.queued_ns;
  into.queued_max_ns = std::max(into.queued_max_ns, r.queued_max_ns);
}

// How long rows of a removed cgroup stay after its rmdir, for bios still in
// flight (queued in a throttle, or in a loop device's worker) when it went.
// Its later writeback is not its own: the kernel moves a dead cgroup's
// inodes to a live ancestor. Memory is the churn rate times this.
constexpr uint64_t kDeadCgroupGraceNs = 10'000'000'000ull;

// Keys from which a snapshot's temporary vectors are worth giving back.
constexpr size_t kTrimAfterKeys = 10000;

}  // namespace

uint64_t Collector::MonotonicNowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + ts.tv_nsec;
}

Collector::Collector(const BpfSession& session, Sources sources, Sink sink, int nr_cpus)
    : session_(session), sources_(sources), sink_(std::move(sink)), nr_cpus_(nr_cpus),
      map_reader_(nr_cpus), blkgs_(&sources.cgroups->names()) {
  std::get<AllocRecord>(alloc_scratch_).stack.reserve(SW_STACK_DEPTH);
  spare_frames_.reserve(SW_STACK_DEPTH);
}

Collector::~Collector() { ring_buffer__free(ring_); }

absl::StatusOr<std::unique_ptr<Collector>> Collector::Create(const BpfSession& session,
                                                             Sources sources, Sink sink) {
  const int nr_cpus = libbpf_num_possible_cpus();
  if (nr_cpus <= 0) {
    return absl::InternalError("cannot count the possible CPUs (/sys/devices/system/cpu/possible)");
  }
  std::unique_ptr<Collector> c(new Collector(session, sources, std::move(sink), nr_cpus));
  absl::StatusOr<std::unique_ptr<BlkgSlots>> slots =
      BlkgSlots::Map(bpf_map__fd(session.skel()->maps.blkg_slots), c->nr_cpus_);
  if (!slots.ok()) return slots.status();
  c->slots_ = *std::move(slots);
  absl::StatusOr<std::unique_ptr<BlkgTable>> table =
      BlkgTable::Map(bpf_map__fd(session.skel()->maps.blkg_table_keys),
                     bpf_map__fd(session.skel()->maps.blkg_table),
                     session.skel()->rodata->blkg_table_stride, c->nr_cpus_);
  if (!table.ok()) return table.status();
  c->table_ = *std::move(table);
  c->ring_ = ring_buffer__new(bpf_map__fd(session.skel()->maps.events), &Collector::OnEvent,
                              c.get(), nullptr);
  if (c->ring_ == nullptr) {
    return absl::InternalError(absl::StrCat("cannot map the BPF ring buffer: ", ErrnoText(errno)));
  }
  return c;
}

absl::StatusOr<int> Collector::Poll(int timeout_ms) {
  int n = ring_buffer__poll(ring_, timeout_ms);
  if (n == -EINTR) n = 0;
  if (n < 0) return absl::InternalError(absl::StrCat("polling the ring buffer: ", ErrnoText(-n)));
  // The programs wake us only when the ring is half full (no wakeup per
  // event), so what arrived quietly is consumed here, once per poll.
  absl::StatusOr<int> drained = Drain();
  if (!drained.ok()) return drained.status();
  return n + *drained;
}

absl::StatusOr<int> Collector::Drain() {
  int n = ring_buffer__consume(ring_);
  if (n < 0) return absl::InternalError(absl::StrCat("draining the ring buffer: ", ErrnoText(-n)));
  return n;
}

int Collector::OnEvent(void* ctx, void* data, size_t size) {
  return static_cast<Collector*>(ctx)->HandleEvent(data, size);
}

int Collector::HandleEvent(const void* data, size_t size) {
  ++events_;
  if (size < sizeof(sw_event_header)) {
    ++malformed_;
    return 0;
  }
  sw_event_header header;
  memcpy(&header, data, sizeof(header));
  if (header.kind == SW_EVENT_ALLOC && size >= sizeof(sw_alloc_event)) {
    sw_alloc_event e;
    memcpy(&e, data, sizeof(e));
    HandleAlloc(e, nullptr);
  } else if (header.kind == SW_EVENT_ALLOC_USER && size >= sizeof(sw_alloc_user_event)) {
    sw_alloc_user_event e;
    memcpy(&e, data, sizeof(e));
    HandleAlloc(e.alloc, &e);
  } else if (header.kind == SW_EVENT_BLKG_SEEN && size >= sizeof(sw_blkg_seen_event)) {
    sw_blkg_seen_event e;
    memcpy(&e, data, sizeof(e));
    HandleBlkgSeen(e);
  } else if (header.kind == SW_EVENT_CGROUP && size >= sizeof(sw_cgroup_event)) {
    sw_cgroup_event e;
    memcpy(&e, data, sizeof(e));
    HandleCgroup(e);
  } else {
    ++malformed_;
  }
  return 0;
}

// Per event: decoded into alloc_scratch_, whose strings keep their capacity
// from one event to the next, so once warm this allocates nothing, but for
// the user stack of --user-stacks, symbolized into strings of its own.
void Collector::HandleAlloc(const sw_alloc_event& e, const sw_alloc_user_event* user) {
  const KernelSymbols& symbols = *sources_.symbols;
  AllocRecord& r = std::get<AllocRecord>(alloc_scratch_);
  r.user_stack.clear();
  r.user_stack_fallback.clear();
  // First: the process may exit any moment, and its mappings and files go
  // with it; the rest (a new cgroup's path) can wait.
  if (user != nullptr && sources_.user_symbols != nullptr) {
    const uint32_t user_depth = std::min<uint32_t>(user->user_stack_depth, SW_USER_STACK_DEPTH);
    UserStack stack = sources_.user_symbols->Symbolize(
        {e.pid, user->start_boottime, user->mnt_ns},
        absl::Span<const uint64_t>(user->user_stack, user_depth));
    r.user_stack = std::move(stack.frames);
    r.user_stack_fallback = std::move(stack.fallback);
  }
  r.ts_ns = e.hdr.ts_ns;
  r.allocator = e.allocator == SW_ALLOCATOR_SLAB   ? Allocator::kSlab
                : e.allocator == SW_ALLOCATOR_PAGE ? Allocator::kPage
                                                   : Allocator::kPercpu;
  r.failed = e.failed;
  r.is_atomic = e.is_atomic;
  r.gfp_raw = e.gfp_flags;
  r.task_flags = e.task_flags;
  r.context = e.context;
  r.size = e.size;
  r.bytes = e.bytes_alloc;
  r.cgroup_id = e.cgroup_id;
  r.cgroup.assign(sources_.cgroups->Path(e.cgroup_id));
  r.pid = e.pid;
  r.tid = e.tid;
  r.comm.assign(e.comm, strnlen(e.comm, SW_COMM_LEN));
  r.work_func.clear();
  if (e.work_func != 0) r.work_func.assign(symbols.FunctionName(e.work_func));

  const uint32_t depth = std::min<uint32_t>(e.stack_depth, SW_STACK_DEPTH);
  uint32_t first = 0;
  // The BPF program's own frame is not in kallsyms' text ranges: unknown
  // frames on top are tracing machinery too.
  while (first < depth) {
    const std::string_view fn = symbols.FunctionName(e.stack[first]);
    if (!fn.empty() && !IsTracingFrame(fn)) break;
    ++first;
  }
  // The failure tracepoint has no call site: it is the first frame past the
  // allocator's own.
  uint64_t call_site = e.call_site;
  if (call_site == 0) {
    for (uint32_t i = first; i < depth; ++i) {
      if (!IsAllocatorFrame(symbols.FunctionName(e.stack[i]))) {
        call_site = e.stack[i];
        break;
      }
    }
  }
  // Frames beyond this event's depth park in spare_frames_ with their
  // capacity, for the next deeper stack.
  const size_t frames = depth - first;
  while (r.stack.size() > frames) {
    spare_frames_.push_back(std::move(r.stack.back()));
    r.stack.pop_back();
  }
  while (r.stack.size() < frames) {
    if (spare_frames_.empty()) {
      r.stack.emplace_back();
    } else {
      r.stack.push_back(std::move(spare_frames_.back()));
      spare_frames_.pop_back();
    }
  }
  for (size_t i = 0; i < frames; ++i) {
    r.stack[i].clear();
    symbols.AppendFormat(r.stack[i], e.stack[first + i]);
  }
  r.site_offset.clear();
  if (call_site != 0) {
    r.site.assign(symbols.FunctionName(call_site));
    symbols.AppendFormat(r.site_offset, call_site);
    if (r.site.empty()) r.site = r.site_offset;
  } else {
    r.site.assign("unknown");
  }
  sink_(alloc_scratch_);
}

void Collector::HandleBlkgSeen(const sw_blkg_seen_event& e) {
  BlkgRecord row;
  row.first_seen_ns = e.hdr.ts_ns;
  row.kthread = e.kthread;
  row.cgroup_id = e.key.task_cgroup_id;
  row.cgroup = row.kthread ? "" : sources_.cgroups->Path(e.key.task_cgroup_id);
  row.dev_major = e.dev_major;
  row.dev_minor = e.dev_minor;
  const size_t name_len = strnlen(e.disk_name, SW_DISK_NAME_LEN);
  row.disk = name_len > 0 && name_len < SW_DISK_NAME_LEN
                 ? std::string(e.disk_name, name_len)
                 : sources_.disks->Name(e.dev_major, e.dev_minor);
  row.blkg_cgroup_id = e.blkg_cgroup_id;
  row.blkg_cgroup = sources_.cgroups->Path(e.blkg_cgroup_id);
  row.online = e.online;
  row.has_stats = e.has_stats;
  blkgs_.Seen(e.key, row, e.diskseq);
}

void Collector::HandleCgroup(const sw_cgroup_event& e) {
  if (static_cast<int>(e.hierarchy_id) != sources_.cgroups->hierarchy().hierarchy_id) return;
  const size_t len = strnlen(e.path, SW_CGROUP_PATH_LEN);
  if (len > 0 && len < SW_CGROUP_PATH_LEN) {
    sources_.cgroups->Remember(e.cgroup_id, std::string(e.path, len));
  }
  if (e.removed) dead_cgroups_.try_emplace(e.cgroup_id, e.hdr.ts_ns);
}

const char* Collector::EvictionReason(uint64_t cgroup_id, uint64_t blkg_cgroup_id,
                                      uint32_t major, uint32_t minor, uint64_t diskseq) {
  if ((cgroup_id != 0 && dead_cgroups_.contains(cgroup_id)) ||
      (blkg_cgroup_id != 0 && dead_cgroups_.contains(blkg_cgroup_id))) {
    return "cgroup";
  }
  const uint64_t dev = (uint64_t{major} << 32) | minor;
  auto it = disk_now_.find(dev);
  if (it == disk_now_.end()) it = disk_now_.emplace(dev, sources_.disks->Sequence(major, minor)).first;
  // A new diskseq under the same numbers is another disk: the old one's
  // blkgs are freed and their addresses may be reused.
  if (!it->second || (diskseq != 0 && *it->second != 0 && *it->second != diskseq)) {
    sources_.disks->Forget(major, minor);
    return "disk";
  }
  return nullptr;
}

absl::Status Collector::Snapshot(uint64_t now_ns) {
  if (absl::Status s = SnapshotBlkgs(now_ns); !s.ok()) return s;
  if (absl::Status s = SnapshotWorkqueues(now_ns); !s.ok()) return s;
  if (absl::Status s = SnapshotThrottle(now_ns); !s.ok()) return s;
  if (absl::Status s = SnapshotLost(now_ns); !s.ok()) return s;
  // Rows of cgroups removed long enough ago were dropped above; their ids
  // and paths go too.
  for (auto it = dead_cgroups_.begin(); it != dead_cgroups_.end();) {
    if (now_ns - std::min(now_ns, it->second) >= kDeadCgroupGraceNs) {
      if (forgotten_) forgotten_(it->first);
      sources_.cgroups->Forget(it->first);
      dead_cgroups_.erase(it++);
    } else {
      ++it;
    }
  }
  // Hash tables keep their largest size; after a burst of churn, give the
  // memory back.
  if (dead_cgroups_.size() * 4 < dead_cgroups_.capacity()) dead_cgroups_.rehash(0);
  sources_.cgroups->Compact();
  blkgs_.Compact();
  // A snapshot of many keys folds them in vectors of megabytes, freed at
  // its end; malloc keeps such blocks once it has seen them freed (its mmap
  // threshold rises), so hand the pages back rather than hold them all
  // interval long. Cheap next to the snapshot: it only walks free chunks.
  if (blkgs_.entries() >= kTrimAfterKeys) malloc_trim(0);
  return absl::OkStatus();
}

bool Collector::DeadLongEnough(uint64_t cgroup_id, uint64_t now_ns) const {
  auto it = dead_cgroups_.find(cgroup_id);
  return it != dead_cgroups_.end() && now_ns - std::min(now_ns, it->second) >= kDeadCgroupGraceNs;
}

absl::Status Collector::FreeTableIndexes() {
  const int fd = bpf_map__fd(session_.skel()->maps.blkg_table_free);
  for (uint32_t index : table_indexes_to_free_) {
    // A program that found the index before its key left the hash may have
    // counted in it since: that goes with the zeroing, not to the next key.
    table_->Zero(index);
    if (bpf_map_update_elem(fd, nullptr, &index, BPF_ANY) != 0) {
      return absl::InternalError(
          absl::StrCat("giving back a bio table index: ", ErrnoText(errno)));
    }
  }
  table_indexes_to_free_.clear();
  return absl::OkStatus();
}

absl::Status Collector::TakeTableIndex(const BlkgKeyCounts& k, sw_blkg_counters* last) {
  const int fd = bpf_map__fd(session_.skel()->maps.blkg_index);
  uint32_t index = 0;
  if (bpf_map_lookup_elem(fd, &k.key, &index) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return MapError("the bio table's index", errno);
  }
  if (index != k.index) return absl::OkStatus();
  if (bpf_map_delete_elem(fd, &k.key) != 0 && errno != ENOENT) {
    return MapError("the bio table's index", errno);
  }
  // Out of the hash, the index gets no new counts; those that came since
  // the read are in its last counts.
  *last = table_->Counts(index);
  table_->Unname(index);
  table_indexes_to_free_.push_back(index);
  return absl::OkStatus();
}

absl::Status Collector::SnapshotBlkgs(uint64_t now_ns) {
  disk_now_.clear();
  evicted_blkgs_.clear();
  // Indexes emptied by the previous snapshot: a second has passed, no
  // program still counts in them.
  if (absl::Status s = FreeTableIndexes(); !s.ok()) return s;

  std::vector<BlkgSlots::Occupied> slots = slots_->Read();
  uint64_t next_index = 0;
  const uint32_t zero = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(session_.skel()->maps.blkg_table_next), &zero,
                          &next_index) != 0) {
    return MapError("blkg_table_next", errno);
  }
  std::vector<BlkgKeyCounts> table;
  table.reserve(blkgs_.entries() + blkgs_.entries() / 8);
  table_->Read(next_index, &table);
  const BlkgFold fold = FoldBlkgCounts(std::move(table), std::move(slots));
  peak_entries_ = std::max<uint64_t>(peak_entries_, fold.keys.size());

  blkgs_.BeginSnapshot();
  const std::vector<DoomedBlkgKey> doomed = FeedLiveKeys(
      fold, blkgs_, [&](const sw_blkg_key& key, const BlkgRows::Entry& e) {
        return EvictionReason(key.task_cgroup_id, e.blkg_cgroup_id, e.dev_major, e.dev_minor,
                              e.diskseq);
      });

  const int seen_fd = bpf_map__fd(session_.skel()->maps.blkg_seen);
  for (const DoomedBlkgKey& d : doomed) {
    const BlkgKeyCounts& k = *d.counts;
    // The dedupe entry goes first: a bio that comes back after its slots and
    // index are gone then announces itself again.
    bpf_map_delete_elem(seen_fd, &k.key);
    sw_blkg_counters taken{};
    sw_blkg_counters left = k.counts;  // as read, in what could not be taken now
    bool all_cleared = true;
    for (size_t i = k.slots_begin; i < k.slots_end; ++i) {
      sw_blkg_counters last;
      if (slots_->Clear(fold.slots[i], &last)) {
        taken.bios += last.bios;
        taken.bytes += last.bytes;
      } else {
        all_cleared = false;
        left.bios += fold.slots[i].counts.bios;
        left.bytes += fold.slots[i].counts.bytes;
      }
    }
    if (!all_cleared) {
      // A slot changed under us: keep what was cleared, try the rest (and the
      // table's index) at the next snapshot.
      blkgs_.Retire(k.key, taken, /*keep_entry=*/true);
      blkgs_.Live(k.key, left);
      continue;
    }
    if (k.in_table()) {
      sw_blkg_counters last = k.counts;
      if (absl::Status s = TakeTableIndex(k, &last); !s.ok()) return s;
      taken.bios += last.bios;
      taken.bytes += last.bytes;
    }
    blkgs_.Retire(k.key, taken);
    evicted_blkgs_.insert(k.key.blkg);
    ++evicted_[d.reason];
  }
  blkgs_.EndSnapshot(
      now_ns,
      [&](const BlkgRecord& r) {
        // Assigned into one Record, which keeps its strings' buffers.
        std::get<BlkgRecord>(blkg_record_) = r;
        sink_(blkg_record_);
      },
      [&](uint64_t row_cgroup_id) { return DeadLongEnough(row_cgroup_id, now_ns); });
  return absl::OkStatus();
}

std::string Collector::WorkFunctionName(uint64_t func) const {
  std::string name(sources_.symbols->FunctionName(func));
  return name.empty() ? sources_.symbols->Format(func) : name;
}

// A number is handed out before its function is inserted, and one whose
// insert lost a race is never used: numbers without a function are looked
// for again at the next snapshot (a read of a few thousand entries at most).
absl::Status Collector::ReadWorkFuncs(uint64_t next) {
  wq_funcs_.resize(std::max<size_t>(wq_funcs_.size(), next));
  absl::Status s = plain_map_reader_.ForEach<uint64_t, uint64_t>(
      bpf_map__fd(session_.skel()->maps.wq_funcs), "wq_funcs",
      [&](uint64_t func, absl::Span<const uint64_t> number) {
        if (number[0] >= wq_funcs_.size() || wq_funcs_[number[0]].func != 0) return;
        WqFunc& f = wq_funcs_[number[0]];
        f.func = func;
        f.name = WorkFunctionName(func);
      },
      SW_WQ_FUNCS);
  unnamed_wq_funcs_ = 0;
  for (const WqFunc& f : wq_funcs_) unnamed_wq_funcs_ += f.func == 0;
  return s;
}

absl::StatusOr<Collector::QueuedLeft> Collector::QueuedLeftPerCpu() {
  QueuedLeft left;
  absl::Status s = map_reader_.ForEachOfFirst<sw_current_work>(
      bpf_map__fd(session_.skel()->maps.current_work), "current_work", 1,
      [&](uint32_t, absl::Span<const sw_current_work> per_cpu) {
        for (const sw_current_work& c : per_cpu) {
          if (c.queued_func == 0) continue;
          // At most one per CPU, once: a scan of the functions is enough.
          bool numbered = false;
          for (uint32_t n = 0; n < wq_funcs_.size() && !numbered; ++n) {
            if (wq_funcs_[n].func == c.queued_func) {
              ++left.by_number[n];
              numbered = true;
            }
          }
          if (!numbered) ++left.unnumbered[c.queued_func];
        }
      });
  if (!s.ok()) return s;
  return left;
}

absl::Status Collector::SnapshotWorkqueues(uint64_t now_ns) {
  const uint32_t zero = 0;
  uint64_t next = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(session_.skel()->maps.wq_func_next), &zero, &next) != 0) {
    return MapError("wq_func_next", errno);
  }
  // The counter goes on past SW_WQ_FUNCS when the table is full; those
  // numbers were refused.
  next = std::min<uint64_t>(next, SW_WQ_FUNCS);
  if (next > wq_funcs_.size() || unnamed_wq_funcs_ > 0) {
    if (absl::Status s = ReadWorkFuncs(next); !s.ok()) return s;
  }
  // While attached, a CPU's queue left out lands in wq_stats at that CPU's
  // next queue or activation, so the counts only lag; adding it here could
  // count it twice, were it to land between the two reads.
  QueuedLeft queued_left;
  if (detached_) {
    absl::StatusOr<QueuedLeft> left = QueuedLeftPerCpu();
    if (!left.ok()) return left.status();
    queued_left = *std::move(left);
  }
  for (const auto& [func, n] : queued_left.unnumbered) {
    WqRecord r;
    r.ts_ns = now_ns;
    r.function = WorkFunctionName(func);
    r.queued = n;
    r.latency_log2.assign(SW_HIST_BUCKETS, 0);
    r.runtime_log2.assign(SW_HIST_BUCKETS, 0);
    sink_(Record(std::move(r)));
  }
  return map_reader_.ForEachOfFirst<sw_wq_stats>(
      bpf_map__fd(session_.skel()->maps.wq_stats), "wq_stats", static_cast<uint32_t>(next),
      [&](uint32_t number, absl::Span<const sw_wq_stats> per_cpu) {
        if (number >= wq_funcs_.size()) return;
        WqFunc& f = wq_funcs_[number];
        // A number taken at the moment of the read is named next time.
        if (f.func == 0) return;
        auto left = queued_left.by_number.find(number);
        const uint64_t queued_left_here = left == queued_left.by_number.end() ? 0 : left->second;
        uint64_t queued = queued_left_here, executed = 0;
        for (const sw_wq_stats& s : per_cpu) {
          queued += s.queued;
          executed += s.executed;
        }
        if (f.queued == queued && f.executed == executed) return;
        f.queued = queued;
        f.executed = executed;
        WqRecord r;
        r.ts_ns = now_ns;
        r.function = f.name;
        r.latency_log2.assign(SW_HIST_BUCKETS, 0);
        r.runtime_log2.assign(SW_HIST_BUCKETS, 0);
        r.queued = queued_left_here;
        for (const sw_wq_stats& s : per_cpu) {
          r.queued += s.queued;
          r.activated += s.activated;
          r.executed += s.executed;
          r.latency_max_ns = std::max(r.latency_max_ns, s.latency_max_ns);
          r.runtime_max_ns = std::max(r.runtime_max_ns, s.runtime_max_ns);
          r.latency_sum_ns += s.latency_sum_ns;
          r.runtime_sum_ns += s.runtime_sum_ns;
          for (int i = 0; i < SW_HIST_BUCKETS; ++i) {
            r.latency_log2[i] += s.latency_log2[i];
            r.runtime_log2[i] += s.runtime_log2[i];
          }
        }
        sink_(Record(std::move(r)));
      });
}

absl::Status Collector::SnapshotThrottle(uint64_t now_ns) {
  const int fd = bpf_map__fd(session_.skel()->maps.throttle_stats);
  for (auto& [pair, row] : throttle_rows_) row.live = ThrottleRecord{};
  struct DoomedThrottle {
    uint64_t blkg;
    ThrottleRecord seen;  // as read; the entry's last counts if it is gone when taken
  };
  std::vector<DoomedThrottle> doomed;
  auto row_of = [&](const ThrottleRecord& r) -> ThrottleRow& {
    ThrottleRow& row = throttle_rows_[{r.cgroup_id, r.dev_major, r.dev_minor}];
    row.retired.cgroup_id = row.live.cgroup_id = r.cgroup_id;
    row.retired.dev_major = row.live.dev_major = r.dev_major;
    row.retired.dev_minor = row.live.dev_minor = r.dev_minor;
    return row;
  };
  absl::Status status = map_reader_.ForEach<uint64_t, sw_throttle_stats>(
      fd, "throttle_stats",
      [&](uint64_t blkg, absl::Span<const sw_throttle_stats> per_cpu) {
        ThrottleRecord r = SumThrottle(per_cpu);
        if (evicted_blkgs_.contains(blkg) ||
            EvictionReason(r.cgroup_id, r.cgroup_id, r.dev_major, r.dev_minor, 0) != nullptr) {
          doomed.push_back({blkg, r});
          return;
        }
        AddThrottle(row_of(r).live, r);
      });
  if (!status.ok()) return status;
  std::vector<sw_throttle_stats> per_cpu(nr_cpus_);
  for (const auto& [blkg, seen] : doomed) {
    bool found = false;
    if (absl::Status s = TakeEntry(fd, &blkg, per_cpu.data(), &found); !s.ok()) return s;
    const ThrottleRecord last = found ? SumThrottle(per_cpu) : seen;
    AddThrottle(row_of(seen).retired, last);
  }
  for (auto it = throttle_rows_.begin(); it != throttle_rows_.end();) {
    ThrottleRow& row = it->second;
    ThrottleRecord r = row.retired;
    AddThrottle(r, row.live);
    if (r.throttled != row.emitted.throttled || r.passed != row.emitted.passed) {
      row.emitted = {r.throttled, r.passed};
      r.ts_ns = now_ns;
      r.cgroup = sources_.cgroups->Path(r.cgroup_id);
      r.disk = sources_.disks->Name(r.dev_major, r.dev_minor);
      sink_(Record(std::move(r)));
    }
    if (row.live.throttled == 0 && row.live.passed == 0 &&
        DeadLongEnough(row.retired.cgroup_id, now_ns)) {
      throttle_rows_.erase(it++);
    } else {
      ++it;
    }
  }
  return absl::OkStatus();
}

absl::Status Collector::SnapshotLost(uint64_t now_ns) {
  const int fd = bpf_map__fd(session_.skel()->maps.lost);
  std::vector<uint64_t> per_cpu(nr_cpus_);
  LostRecord r;
  r.ts_ns = now_ns;
  for (uint32_t slot = 0; slot < SW_LOST_SLOTS; ++slot) {
    if (bpf_map_lookup_elem(fd, &slot, per_cpu.data()) != 0) return MapError("lost", errno);
    uint64_t total = 0;
    for (uint64_t n : per_cpu) total += n;
    r.counts[std::string(kLostSlotNames[slot])] = total;
  }
  r.counts[std::string(kLostMalformed)] = malformed_;
  if (r.counts == last_lost_.counts) return absl::OkStatus();
  lost_total_ = r.Total();
  last_lost_ = r;
  sink_(Record(std::move(r)));
  return absl::OkStatus();
}

}  // namespace submitwatch
