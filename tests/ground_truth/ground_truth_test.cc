// Ground truth: the 2011 bug class and its fixes reproduced by a real kernel
// module (tests/kmod/) in a real kernel, in the attach mode
// SUBMITWATCH_TEST_MODE forces. scripts/qemu-test runs these in its guests
// (CI=true: they fail, never skip, when the module cannot be loaded);
// scripts/test does not, since a host kernel needs the module built for it.
//
// One `record` takes every device's IO from fresh cgroups; the tests assert
// what the model, `report` (text and JSON) and `top --replay` make of it,
// and a live `check` per device. Each device's observed cell is printed as a
// SUBMITWATCH-GT line, from which scripts/qemu-test draws the device x mode
// table.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "cases.h"
#include "gtest/gtest.h"
#include "kernel_accounting.h"
#include "kernel_fixtures.h"
#include "loader/hook_table.h"
#include "model/gfp.h"
#include "model/model.h"
#include "model/names.h"
#include "model/records.h"
#include "model/verdict.h"
#include "capture/capture_reader.h"
#include "capture/capture_writer.h"
#include "capture/json_parser.h"
#include "test_module.h"
#include "tmux_driver.h"

namespace submitwatch::testing {
namespace {

constexpr int kCgroupsPerDevice = 2;
// Per cgroup: the first bio allocates, the others must not.
constexpr int kBlocks = 4;
// Every bio of the failing device fails its blkg.
constexpr int kFailBlocks = 2;
// swgt_percpu_exhaust() fails once per size, 32 KiB down to 8 bytes.
constexpr uint64_t kExhaustSizes = 13;

const char* const kCounters[] = {"case_allocs",      "case_failures",     "cgroup_overflows",
                                 "exhaust_allocs",   "exhaust_failures",  "exhaust_overflows",
                                 "remap_fallbacks",  "remap_own_blkg"};

std::string Str(std::string_view s) { return std::string(s); }

// `sh -c 'join the cgroup; exec dd ...'` as one shell command: O_DIRECT
// writes of `blocks` 4 KiB blocks to /dev/<device>, or reads.
std::string DdFromCgroup(const TestCgroup& cgroup, const std::string& device, int blocks,
                         bool reads = false) {
  const std::string dev = "/dev/" + device;
  const std::string files = reads ? absl::StrCat("if=", dev, " of=/dev/null iflag=direct")
                                  : absl::StrCat("if=/dev/zero of=", dev, " oflag=direct");
  return absl::StrCat(
      "sh -c ", ShellQuote(absl::StrCat("echo $$ > ", ShellQuote(cgroup.dir() + "/cgroup.procs"),
                                        " && exec dd ", files, " bs=4096 count=", blocks,
                                        " status=none")));
}

// The function of a symbolized frame ("blkg_alloc+0x4f" -> "blkg_alloc").
std::string FrameFunction(const std::string& frame) { return frame.substr(0, frame.find('+')); }

// What the tracepoint-only BPF program tests: a return address inside one of
// the submit-path functions (or a compiler-made part, "foo.isra.0").
bool StackHasSubmitPathFrame(const std::vector<std::string>& stack) {
  for (const std::string& frame : stack) {
    const std::string fn = FrameFunction(frame);
    for (const std::string& name : SubmitPathFunctions()) {
      if (fn == name || absl::StartsWith(fn, name + ".")) return true;
    }
  }
  return false;
}

bool StackHas(const std::vector<std::string>& stack, const std::string& function) {
  for (const std::string& frame : stack) {
    if (FrameFunction(frame) == function) return true;
  }
  return false;
}

std::string HookMode(const CaptureHeader& header, const std::string& hook) {
  for (const auto& h : header.hooks) {
    if (h.hook == hook) return h.mode;
  }
  return "";
}

// Whitespace-separated cells of a screen or report line.
std::vector<std::string> Cells(absl::string_view line) {
  return absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
}

// A screen cell shows `want`: the same, or cut to the width of its column
// (a path keeps its end and starts with '~', other cells end with '~').
bool CellShows(const std::string& have, const std::string& want) {
  if (have == want) return true;
  if (have.size() < 2) return false;
  if (have.front() == '~') return absl::EndsWith(want, have.substr(1));
  if (have.back() == '~') return absl::StartsWith(want, have.substr(0, have.size() - 1));
  return false;
}

// The line whose cells include every one of `cells` (a multi-word cell as
// consecutive cells), or "" when none does.
std::string LineWithCells(const std::vector<std::string>& lines,
                          const std::vector<std::string>& cells) {
  for (const std::string& line : lines) {
    const std::vector<std::string> have = Cells(line);
    bool all = true;
    for (const std::string& want : cells) {
      const std::vector<std::string> words = Cells(want);
      bool found = false;
      for (size_t i = 0; !found && i + words.size() <= have.size(); ++i) {
        found = std::equal(words.begin(), words.end(), have.begin() + i,
                           [](const std::string& w, const std::string& h) { return CellShows(h, w); });
      }
      all = all && found;
    }
    if (all) return line;
  }
  return "";
}

std::string CountCell(uint64_t count, uint64_t failed) {
  if (failed == 0) return absl::StrCat(count);
  return absl::StrCat(count, " (", failed, Str(names::kFailedSuffix), ")");
}

std::string VerdictCell(Verdict verdict) {
  return verdict == Verdict::kUnsafe ? absl::StrCat(Str(names::kUnsafeMark), Str(VerdictName(verdict)))
                                     : Str(VerdictName(verdict));
}

const JsonValue* FindObject(const JsonValue& array,
                            const std::vector<std::pair<std::string, std::string>>& fields) {
  const JsonValue::Array* items = array.AsArray();
  if (items == nullptr) return nullptr;
  for (const JsonValue& item : *items) {
    bool all = true;
    for (const auto& [key, value] : fields) {
      const JsonValue* v = item.Find(key);
      all = all && v != nullptr && v->AsString() != nullptr && *v->AsString() == value;
    }
    if (all) return &item;
  }
  return nullptr;
}

uint64_t UintField(const JsonValue* object, const std::string& key) {
  const JsonValue* v = object != nullptr ? object->Find(key) : nullptr;
  return v != nullptr && v->AsUint64() ? *v->AsUint64() : ~0ull;
}

// Everything one run made and read back, shared by the tests.
struct GroundTruthRun {
  std::string error;  // why it could not run; empty when it did
  std::unique_ptr<TestModule> module;
  std::vector<std::unique_ptr<KernelAccounting>> accounting;  // one per device
  std::map<std::string, std::vector<std::unique_ptr<TestCgroup>>> cgroups;  // by device
  std::string capture;
  std::string mode;           // the submit path's mode in the capture
  bool slab = false;          // recorded with --slab
  std::string slab_refusal;   // what `record --slab` said when refused
  std::vector<Record> records;
  Model model;
  std::vector<AllocRow> allocs;
  std::vector<CgroupRow> cgroup_rows;
  std::vector<WqRow> wqs;
  std::map<std::string, uint64_t> counted;  // the module's counters, this run's share
};

class GroundTruth : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    run_ = new GroundTruthRun;
    run_->error = Prepare(*run_);
  }

  static void TearDownTestSuite() {
    if (run_ != nullptr) unlink(run_->capture.c_str());
    delete run_;  // cgroups first, then the module (members in reverse)
    run_ = nullptr;
  }

  void SetUp() override {
    if (!run_->error.empty()) SW_SKIP_OR_FAIL(run_->error);
  }

  static std::string Prepare(GroundTruthRun& run) {
    if (std::string why = KernelTestPrerequisites(); !why.empty()) return why;
    const std::string path = TestModule::PathForThisKernel();
    if (path.empty()) {
      return "no ground-truth module for this kernel (scripts/qemu-test builds one per guest "
             "kernel with tests/kmod/build)";
    }
    auto module = TestModule::Load(path);
    if (!module.ok()) return module.status().ToString();
    run.module = *std::move(module);

    std::map<std::string, uint64_t> before;
    for (const char* name : kCounters) {
      auto value = run.module->Counter(name);
      if (!value.ok()) return value.status().ToString();
      before[name] = *value;
    }

    std::vector<std::string> workload;
    auto add_device = [&](const std::string& device, int blocks, bool reads) -> std::string {
      auto accounting = KernelAccounting::On("/dev/" + device);
      if (!accounting.ok()) return accounting.status().ToString();
      run.accounting.push_back(*std::move(accounting));
      for (int i = 0; i < kCgroupsPerDevice; ++i) {
        auto cg = TestCgroup::Create(absl::StrCat("gt-", device, "-", i));
        if (!cg.ok()) return cg.status().ToString();
        workload.push_back(DdFromCgroup(**cg, device, blocks, reads));
        run.cgroups[device].push_back(*std::move(cg));
      }
      return "";
    };
    for (const GroundTruthCase& c : AllocationCases()) {
      if (std::string e = add_device(c.device, kBlocks, c.reads); !e.empty()) return e;
    }
    if (std::string e = add_device(kFailDevice, kFailBlocks, false); !e.empty()) return e;
    // The lower disk's counters too: that they list none of these cgroups
    // then means something.
    auto lower = KernelAccounting::On(absl::StrCat("/dev/", kFailLowerDisk));
    if (!lower.ok()) return lower.status().ToString();
    run.accounting.push_back(*std::move(lower));
    // The worker runs after the dd that queued it: wait for it (10 s at most)
    // before the workload ends, and with it the recording.
    const uint64_t case_allocs = before["case_allocs"] + AllocationCases().size() * kCgroupsPerDevice;
    workload.push_back(absl::StrCat(
        "i=0; while [ \"$(cat /sys/module/", TestModule::kName,
        "/parameters/case_allocs)\" -lt ", case_allocs, " ] && [ $i -lt 100 ]; do sleep 0.1; "
        "i=$((i+1)); done"));
    const std::string script = absl::StrJoin(workload, " && ");

    run.capture = TempPath("ground-truth.jsonl");
    // --slab needs the per-task submit depth; tracepoint-only mode refuses it
    // (the refusal is what that mode must show for the slab cases).
    std::vector<std::string> args = {"--slab", "--ringbuf-size", "16M", "-o", run.capture,
                                     "--", "sh", "-c", script};
    CommandResult r = RunCommand(SubmitwatchCommand("record", args));
    if (r.exit_code == 1 && absl::StrContains(r.output, "--slab needs the submit path hooked")) {
      run.slab_refusal = r.output;
      // The refused run did no IO: the cgroups are still fresh.
      args.erase(args.begin());
      r = RunCommand(SubmitwatchCommand("record", args));
    } else {
      run.slab = true;
    }
    if (r.exit_code != 0) return absl::StrCat("record failed (", r.exit_code, "): ", r.output);

    auto records = CaptureReader::ReadAll(run.capture);
    if (!records.ok()) return records.status().ToString();
    if (records->empty() || !std::holds_alternative<CaptureHeader>(records->front())) {
      return "the capture has no header";
    }
    run.records = *std::move(records);
    run.mode = HookMode(std::get<CaptureHeader>(run.records.front()), HookName(Hook::kSubmitPath));
    for (const Record& record : run.records) run.model.Add(record);
    run.allocs = run.model.AllocRows();
    run.cgroup_rows = run.model.CgroupRows();
    run.wqs = run.model.WqRows();
    for (const char* name : kCounters) {
      auto value = run.module->Counter(name);
      if (!value.ok()) return value.status().ToString();
      run.counted[name] = *value - before[name];
    }
    return "";
  }

  static std::vector<std::string> CgroupPaths(const std::string& device) {
    std::vector<std::string> paths;
    for (const auto& cg : run_->cgroups.at(device)) paths.push_back(cg->path());
    return paths;
  }

  static std::vector<const AllocRow*> RowsAt(const std::string& site) {
    std::vector<const AllocRow*> rows;
    for (const AllocRow& row : run_->allocs) {
      if (row.site == site) rows.push_back(&row);
    }
    return rows;
  }

  static std::vector<const AllocRecord*> RecordsAt(const std::string& site) {
    std::vector<const AllocRecord*> out;
    for (const Record& record : run_->records) {
      if (const auto* a = std::get_if<AllocRecord>(&record); a != nullptr && a->site == site) {
        out.push_back(a);
      }
    }
    return out;
  }

  static const CgroupRow* PairRow(const std::string& cgroup, const std::string& disk) {
    for (const CgroupRow& row : run_->cgroup_rows) {
      if (row.cgroup == cgroup && row.disk == disk && !row.kthread) return &row;
    }
    return nullptr;
  }

  // `check --replay` of the device's own records (its cgroups', and its
  // worker's allocations): its exit status, *output what it printed.
  static int ReplayCheck(const std::string& device, const std::string& worker,
                         std::string* output) {
    const std::vector<std::string> paths = CgroupPaths(device);
    const auto ours = [&](const std::string& cgroup) {
      return std::find(paths.begin(), paths.end(), cgroup) != paths.end();
    };
    const std::string capture = TempPath(absl::StrCat("ground-truth-", device, ".jsonl"));
    {
      std::ofstream out(capture);
      for (const Record& record : run_->records) {
        bool keep = true;
        if (const auto* a = std::get_if<AllocRecord>(&record)) {
          keep = ours(a->cgroup) || (!worker.empty() && a->work_func == worker);
        } else if (const auto* b = std::get_if<BlkgRecord>(&record)) {
          keep = ours(b->cgroup);
        } else if (const auto* t = std::get_if<ThrottleRecord>(&record)) {
          keep = ours(t->cgroup);
        }
        if (keep) out << CaptureWriter::FormatRecord(record) << "\n";
      }
    }
    CommandResult r = RunCommand({SUBMITWATCH_BINARY, "check", "--replay", capture});
    unlink(capture.c_str());
    *output = r.output;
    return r.exit_code;
  }

  // A live `check` of dd's from fresh cgroups to `devices`: its exit status.
  static int LiveCheck(const std::vector<const GroundTruthCase*>& devices, bool with_fail_device,
                       std::string* output) {
    std::vector<std::unique_ptr<TestCgroup>> cgroups;
    std::vector<std::string> workload;
    const auto add = [&](const std::string& device, int blocks, bool reads) {
      auto cg = TestCgroup::Create(absl::StrCat("gt-check-", device));
      EXPECT_TRUE(cg.ok()) << cg.status();
      if (!cg.ok()) return;
      workload.push_back(DdFromCgroup(**cg, device, blocks, reads));
      cgroups.push_back(*std::move(cg));
    };
    for (const GroundTruthCase* c : devices) add(c->device, kBlocks, c->reads);
    if (with_fail_device) add(kFailDevice, kFailBlocks, false);
    std::vector<std::string> args;
    if (run_->slab) args.push_back("--slab");
    for (const char* a : {"--", "sh", "-c"}) args.push_back(a);
    args.push_back(absl::StrJoin(workload, " && "));
    CommandResult r = RunCommand(SubmitwatchCommand("check", args));
    *output = r.output;
    return r.exit_code;
  }

  static void PrintCell(const std::string& device, const std::string& cell) {
    std::cout << "SUBMITWATCH-GT mode=" << run_->mode << " device=" << device
              << " observed=" << cell << std::endl;
  }

  static inline GroundTruthRun* run_ = nullptr;
};

TEST_F(GroundTruth, NothingLostAndTheModuleDidWhatItSays) {
  const auto* summary = std::get_if<CaptureSummary>(&run_->records.back());
  ASSERT_NE(summary, nullptr) << "the capture has no summary";
  EXPECT_EQ(summary->workload_exit, 0);
  EXPECT_EQ(summary->lost, 0u);
  if (!TestMode().empty()) {
    EXPECT_EQ(run_->mode, TestMode());
  }
  EXPECT_EQ(run_->slab, run_->mode != "tracepoint") << run_->slab_refusal;
  // One allocation per (device, cgroup), none failed, none unremembered.
  EXPECT_EQ(run_->counted["case_allocs"], AllocationCases().size() * kCgroupsPerDevice);
  EXPECT_EQ(run_->counted["case_failures"], 0u);
  EXPECT_EQ(run_->counted["cgroup_overflows"], 0u);
}

TEST_F(GroundTruth, EveryCaseHasItsVerdictSiteContextCgroupCommAndCount) {
  for (const GroundTruthCase& c : AllocationCases()) {
    SCOPED_TRACE(c.device);
    const std::vector<const AllocRow*> rows = RowsAt(c.site);
    std::string cell;
    if (c.needs_slab && !run_->slab) {
      // Tracepoint-only mode: --slab was refused, and without it no slab
      // allocation is traced.
      EXPECT_TRUE(absl::StrContains(run_->slab_refusal, "--slab needs the submit path hooked"));
      EXPECT_TRUE(rows.empty()) << rows.size() << " rows at " << c.site;
      cell = "unseen (--slab refused)";
    } else if (c.worker) {
      const std::string context = ContextText(kContextWorker, c.site);
      uint64_t count = 0;
      for (const AllocRow* row : rows) {
        EXPECT_EQ(row->verdict, c.verdict);
        EXPECT_EQ(row->allocator, c.allocator);
        EXPECT_EQ(row->context_text, context);
        EXPECT_EQ(row->work_func, c.site);
        // kworkers live in the root cgroup: the stats are allocated for the
        // cgroup, not by it.
        EXPECT_EQ(row->cgroup, "/");
        EXPECT_TRUE(absl::StartsWith(row->comm, "kworker/")) << row->comm;
        EXPECT_EQ(row->failed, 0u);
        EXPECT_NE(row->gfp_raw & kGfpDirectReclaim, 0u) << row->gfp;
        count += row->count;
      }
      EXPECT_EQ(count, static_cast<uint64_t>(kCgroupsPerDevice));
      bool marked = false;
      for (const WqRow& wq : run_->wqs) {
        if (wq.function != c.site) continue;
        marked = wq.allocates_percpu;
        EXPECT_EQ(wq.queued, static_cast<uint64_t>(kCgroupsPerDevice));
        EXPECT_EQ(wq.executed, static_cast<uint64_t>(kCgroupsPerDevice));
        // Every item was queued while attached: each one's latency, once.
        uint64_t timed = 0;
        for (uint64_t n : wq.latency_log2) timed += n;
        EXPECT_EQ(timed, static_cast<uint64_t>(kCgroupsPerDevice));
      }
      EXPECT_TRUE(marked) << c.site << " has no PERCPU mark in the Workqueues table";
      if (!rows.empty()) cell = absl::StrCat(Str(VerdictName(rows[0]->verdict)), " ", rows[0]->context_text);
    } else {
      std::set<std::string> cgroups;
      for (const AllocRow* row : rows) {
        EXPECT_EQ(row->verdict, c.verdict) << row->cgroup;
        EXPECT_EQ(row->allocator, c.allocator);
        EXPECT_EQ(row->context_text, Str(names::kContextSubmit));
        EXPECT_EQ(row->comm, "dd");
        EXPECT_EQ(row->count, 1u) << row->cgroup;
        EXPECT_EQ(row->failed, 0u);
        cgroups.insert(row->cgroup);
        switch (c.verdict) {
          case Verdict::kUnsafe:
            EXPECT_NE(row->gfp_raw & kGfpDirectReclaim, 0u) << row->gfp;
            EXPECT_NE(row->effective_gfp_raw & kGfpIo, 0u) << row->effective_gfp;
            break;
          case Verdict::kAtomic:
            EXPECT_EQ(row->gfp_raw & kGfpDirectReclaim, 0u) << row->gfp;
            break;
          case Verdict::kNoio:
            EXPECT_NE(row->gfp_raw & kGfpDirectReclaim, 0u) << row->gfp;
            EXPECT_EQ(row->effective_gfp_raw & kGfpIo, 0u) << row->effective_gfp;
            break;
          case Verdict::kOutside:
            break;
        }
        if (std::string(c.site) == "swgt_slab_noio_scope_alloc") {
          // GFP_KERNEL as passed; GFP_NOIO from the task's scope.
          EXPECT_NE(row->gfp_raw & kGfpIo, 0u) << row->gfp;
          EXPECT_NE(row->task_flags & kTaskMemallocNoio, 0u);
        }
      }
      const std::vector<std::string> paths = CgroupPaths(c.device);
      EXPECT_EQ(cgroups, std::set<std::string>(paths.begin(), paths.end()));
      EXPECT_EQ(rows.size(), paths.size());
      if (!rows.empty()) cell = absl::StrCat(Str(VerdictName(rows[0]->verdict)), " ", rows[0]->context_text);
    }

    std::string output;
    const int check = ReplayCheck(c.device, c.worker ? c.site : "", &output);
    const bool seen = !c.needs_slab || run_->slab;
    EXPECT_EQ(check, c.check_fails && seen ? 1 : 0) << output;
    if (c.check_fails && seen) {
      EXPECT_TRUE(absl::StrContains(output, "check: FAIL: ")) << output;
      EXPECT_FALSE(LineWithCells(absl::StrSplit(output, '\n'), {VerdictCell(c.verdict), c.site})
                       .empty())
          << output;
    }
    PrintCell(c.device, absl::StrCat(cell.empty() ? "MISSING" : cell, "; check ", check));
  }
}

TEST_F(GroundTruth, FailedBlkgAllocationMakesThePairFailed) {
  const uint64_t bios = kCgroupsPerDevice * kFailBlocks;
  // The module's account: every bio remapped with nothing atomic left, and
  // every one charged to an ancestor (the rare free on another CPU that
  // lets the blkg through shows here).
  EXPECT_EQ(run_->counted["remap_fallbacks"], bios);
  EXPECT_EQ(run_->counted["remap_own_blkg"], 0u);
  EXPECT_EQ(run_->counted["exhaust_overflows"], 0u);
  EXPECT_EQ(run_->counted["exhaust_failures"], bios * kExhaustSizes);

  std::string state;
  for (const std::string& cgroup : CgroupPaths(kFailDevice)) {
    SCOPED_TRACE(cgroup);
    // The disk the module wrote to is the cgroup's own and ready ...
    const CgroupRow* upper = PairRow(cgroup, kFailDevice);
    ASSERT_NE(upper, nullptr);
    EXPECT_EQ(upper->state, Readiness::kReady);
    EXPECT_EQ(upper->bios, static_cast<uint64_t>(kFailBlocks));
    // ... the one it remapped to has no blkg for the cgroup: its bios went
    // to the root's, after a failed allocation in the submit path.
    const CgroupRow* lower = PairRow(cgroup, kFailLowerDisk);
    ASSERT_NE(lower, nullptr) << "no row for " << kFailLowerDisk;
    EXPECT_EQ(lower->state, Readiness::kFailed);
    EXPECT_EQ(lower->bios, static_cast<uint64_t>(kFailBlocks));
    EXPECT_EQ(lower->elsewhere_bios, static_cast<uint64_t>(kFailBlocks));
    EXPECT_EQ(lower->own_bios, 0u);
    EXPECT_EQ(lower->charged_to, "/");
    // The kernel's failure per bio and the module's own, one per size.
    EXPECT_EQ(lower->failed_allocs, kFailBlocks * (1 + kExhaustSizes));
    state = ReadinessName(lower->state);

    // The kernel's: blkg_alloc() -> percpu_ref_init(), atomic, in the submit
    // path of the dd in the cgroup.
    uint64_t kernel_failures = 0;
    for (const AllocRecord* a : RecordsAt(kFailKernelSite)) {
      if (!a->failed || a->cgroup != cgroup) continue;
      ++kernel_failures;
      EXPECT_TRUE(StackHas(a->stack, kFailKernelCaller)) << absl::StrJoin(a->stack, " ");
      EXPECT_EQ(a->allocator, Allocator::kPercpu);
      EXPECT_TRUE(a->is_atomic);
      EXPECT_NE(a->context & kContextSubmit, 0u);
      EXPECT_EQ(a->comm, "dd");
      EXPECT_EQ(ClassifyAlloc(*a), Verdict::kAtomic);
    }
    EXPECT_EQ(kernel_failures, static_cast<uint64_t>(kFailBlocks));
    // ... and its rows. The first bio's bio_init() made the upper disk's
    // blkg (bio_associate_blkg() counts as the submit path): one more
    // percpu_ref_init(), which succeeded, and with --slab its kzalloc() of
    // the ref's data. Nothing else at that site in the cgroup.
    uint64_t percpu_count = 0, percpu_failed = 0, slab_count = 0;
    for (const AllocRow* row : RowsAt(kFailKernelSite)) {
      if (row->cgroup != cgroup) continue;
      EXPECT_EQ(row->verdict, Verdict::kAtomic) << row->gfp;
      EXPECT_EQ(row->context_text, Str(names::kContextSubmit));
      EXPECT_EQ(row->comm, "dd");
      if (row->allocator == Allocator::kPercpu) {
        percpu_count += row->count;
        percpu_failed += row->failed;
      } else {
        EXPECT_EQ(row->allocator, Allocator::kSlab);
        EXPECT_EQ(row->failed, 0u);
        slab_count += row->count;
      }
    }
    EXPECT_EQ(percpu_count, static_cast<uint64_t>(kFailBlocks + 1));
    EXPECT_EQ(percpu_failed, static_cast<uint64_t>(kFailBlocks));
    EXPECT_EQ(slab_count, run_->slab ? 1u : 0u);
  }
  // The module's own attempts: every one, taken or failed, is a row's count.
  uint64_t count = 0, failed = 0;
  const std::vector<std::string> fail_cgroups = CgroupPaths(kFailDevice);
  std::set<std::string> exhaust_cgroups;
  for (const AllocRow* row : RowsAt(kFailExhaustSite)) {
    EXPECT_EQ(row->verdict, Verdict::kAtomic);
    EXPECT_EQ(row->allocator, Allocator::kPercpu);
    exhaust_cgroups.insert(row->cgroup);
    EXPECT_EQ(row->context_text, Str(names::kContextSubmit));
    EXPECT_EQ(row->comm, "dd");
    count += row->count;
    failed += row->failed;
  }
  // One exhaustion per bio, each in the dd of a cgroup of the device's.
  EXPECT_EQ(exhaust_cgroups, std::set<std::string>(fail_cgroups.begin(), fail_cgroups.end()));
  EXPECT_EQ(failed, run_->counted["exhaust_failures"]);
  EXPECT_EQ(count, run_->counted["exhaust_allocs"] + run_->counted["exhaust_failures"]);

  std::string output;
  const int check = ReplayCheck(kFailDevice, "", &output);
  EXPECT_EQ(check, 1) << output;
  EXPECT_TRUE(absl::StrContains(output, "check: FAIL: ")) << output;
  EXPECT_FALSE(LineWithCells(absl::StrSplit(output, '\n'),
                             {kFailLowerDisk, Str(names::kReadyFailed)})
                   .empty())
      << output;
  PrintCell(kFailDevice, absl::StrCat(state.empty() ? "MISSING" : state, " (",
                                      kFailLowerDisk, " charged to /); check ", check));
}

// The referee: on every device, each cgroup's blkg has the bios and bytes
// the kernel counted for it. The failing device's bios to the lower disk
// went to the root's blkg: neither side has any for the cgroup there.
TEST_F(GroundTruth, TheKernelsOwnCountersAgreeOnEveryPair) {
  for (const auto& [device, cgroups] : run_->cgroups) {
    for (const std::unique_ptr<TestCgroup>& cg : cgroups) {
      SCOPED_TRACE(cg->path());
      ExpectKernelAgrees(run_->records, *cg, "/dev/" + device);
      if (device != kFailDevice) continue;
      const std::string lower = absl::StrCat("/dev/", kFailLowerDisk);
      absl::StatusOr<KernelIo> kernel = KernelIoOf(cg->dir(), cg->v2(), lower);
      EXPECT_TRUE(absl::IsNotFound(kernel.status())) << kernel.status();
      EXPECT_EQ(ToolIoOfBlkg(run_->records, cg->path(), kFailLowerDisk).bios, 0u);
    }
  }
}

// `check` live: clean while the fixed devices get IO, failing while the
// buggy ones do, with a finding for each of them.
TEST_F(GroundTruth, LiveCheckIsCleanOnTheFixedDevicesAndFailsOnTheBuggyOnes) {
  std::vector<const GroundTruthCase*> fixed, buggy;
  for (const GroundTruthCase& c : AllocationCases()) (c.check_fails ? buggy : fixed).push_back(&c);
  std::string output;
  EXPECT_EQ(LiveCheck(fixed, false, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "check: clean") ||
              absl::StrContains(output, "check: passed: "))
      << output;

  EXPECT_EQ(LiveCheck(buggy, true, &output), 1) << output;
  EXPECT_TRUE(absl::StrContains(output, "check: FAIL: ")) << output;
  const std::vector<std::string> lines = absl::StrSplit(output, '\n');
  for (const GroundTruthCase* c : buggy) {
    const bool seen = !c->needs_slab || run_->slab;
    EXPECT_EQ(LineWithCells(lines, {VerdictCell(c->verdict), c->site}).empty(), !seen)
        << c->device << ":\n" << output;
  }
  EXPECT_FALSE(LineWithCells(lines, {kFailLowerDisk, Str(names::kReadyFailed)}).empty()) << output;
}

// Tracepoint-only mode has no submit depth: it finds the submit path from
// current->bio_list or, failing that, a return address inside a listed
// submit-path function on the allocation's stack. Every per-cpu case must be
// found by the stack alone too, so neither signal hides the other's misses.
TEST_F(GroundTruth, EveryPerCpuSubmitCaseHasASubmitPathFrameOnItsStack) {
  std::vector<std::pair<std::string, std::string>> sites = {
      {kFailExhaustSite, kFailDevice}, {kFailKernelSite, kFailDevice}};
  for (const GroundTruthCase& c : AllocationCases()) {
    if (c.allocator == Allocator::kPercpu && !c.worker) sites.emplace_back(c.site, c.device);
  }
  for (const auto& [site, device] : sites) {
    SCOPED_TRACE(site);
    const std::vector<std::string> paths = CgroupPaths(device);
    uint64_t ours = 0;
    for (const AllocRecord* a : RecordsAt(site)) {
      if (std::find(paths.begin(), paths.end(), a->cgroup) == paths.end()) continue;
      // The kernel's own percpu_ref_init() also runs when bio_init() makes
      // the upper disk's blkg, before submit_bio(): only its failures are
      // the module's doing.
      if (site == kFailKernelSite && !a->failed) continue;
      ++ours;
      EXPECT_NE(a->context & kContextSubmit, 0u);
      EXPECT_TRUE(StackHasSubmitPathFrame(a->stack)) << absl::StrJoin(a->stack, " ");
      // The submit path runs with current->bio_list set from
      // __submit_bio_noacct*() down, drivers' callbacks included.
      EXPECT_NE(a->context & kContextBioList, 0u);
    }
    EXPECT_GT(ours, 0u);
  }
}

// `report`, `report --format json` and `top --replay` show the rows the
// model has, for every device.
TEST_F(GroundTruth, ReportJsonAndTopShowTheSameRows) {
  struct Row {
    std::vector<std::string> cells;  // as the text tables show them
    std::vector<std::pair<std::string, std::string>> json;
    uint64_t count;
    uint64_t failed;
  };
  std::vector<Row> rows;
  const auto add_alloc = [&](const AllocRow& a) {
    rows.push_back({{VerdictCell(a.verdict), a.site, Str(AllocatorName(a.allocator)),
                     a.context_text, a.cgroup, a.comm, CountCell(a.count, a.failed)},
                    {{"verdict", Str(VerdictName(a.verdict))},
                     {"site", a.site},
                     {"allocator", Str(AllocatorName(a.allocator))},
                     {"context", a.context_text},
                     {"cgroup", a.cgroup},
                     {"comm", a.comm}},
                    a.count,
                    a.failed});
  };
  std::set<std::string> sites = {kFailExhaustSite};
  for (const GroundTruthCase& c : AllocationCases()) sites.insert(c.site);
  const std::vector<std::string> fail_cgroups = CgroupPaths(kFailDevice);
  for (const AllocRow& a : run_->allocs) {
    // The kernel's own blkg_alloc() failures, in the failing device's cgroups.
    const bool kernel_failure =
        a.site == kFailKernelSite && a.failed > 0 &&
        std::find(fail_cgroups.begin(), fail_cgroups.end(), a.cgroup) != fail_cgroups.end();
    if (sites.contains(a.site) || kernel_failure) add_alloc(a);
  }
  ASSERT_GE(rows.size(), 5u);
  std::vector<const CgroupRow*> failed_pairs;
  for (const std::string& cgroup : CgroupPaths(kFailDevice)) {
    const CgroupRow* row = PairRow(cgroup, kFailLowerDisk);
    ASSERT_NE(row, nullptr);
    failed_pairs.push_back(row);
  }

  CommandResult text = RunCommand({SUBMITWATCH_BINARY, "report", run_->capture});
  ASSERT_EQ(text.exit_code, 0) << text.output;
  const std::vector<std::string> text_lines = absl::StrSplit(text.output, '\n');
  CommandResult json_text =
      RunCommand({SUBMITWATCH_BINARY, "report", "--format", "json", run_->capture});
  ASSERT_EQ(json_text.exit_code, 0) << json_text.output;
  absl::StatusOr<JsonValue> json = ParseJson(json_text.output);
  ASSERT_TRUE(json.ok()) << json.status();
  const JsonValue* json_allocs = json->Find("allocations");
  const JsonValue* json_cgroups = json->Find("cgroups");
  const JsonValue* json_wqs = json->Find("workqueues");
  ASSERT_NE(json_allocs, nullptr);
  ASSERT_NE(json_cgroups, nullptr);
  ASSERT_NE(json_wqs, nullptr);

  if (std::string why = TmuxDriver::Unavailable(); !why.empty()) SW_SKIP_OR_FAIL(why);
  TmuxDriver tmux;
  // Tall and wide: every row on one screen, no cell cut.
  ASSERT_TRUE(tmux.Start(absl::StrCat("env NO_COLOR=1 ", ShellQuote(SUBMITWATCH_BINARY),
                                      " top --replay ", ShellQuote(run_->capture), " --speed 0"),
                         260, 200));
  std::vector<std::string> cgroups_pane, allocs_pane, wq_pane;
  ASSERT_TRUE(tmux.WaitForText(Str(names::kEndOfCapture), &cgroups_pane, absl::Seconds(60)))
      << Joined(cgroups_pane);
  tmux.Keys({"2"});
  ASSERT_TRUE(tmux.WaitForText(Str(names::kColSite), &allocs_pane)) << Joined(allocs_pane);
  tmux.Keys({"3"});
  ASSERT_TRUE(tmux.WaitForText(Str(names::kColFunction), &wq_pane)) << Joined(wq_pane);
  tmux.Keys({"q"});

  for (const Row& row : rows) {
    SCOPED_TRACE(absl::StrJoin(row.cells, " | "));
    EXPECT_FALSE(LineWithCells(text_lines, row.cells).empty()) << text.output;
    std::vector<std::string> screen_cells = row.cells;
    // The pane marks UNSAFE rows in a column of its own.
    if (screen_cells[0].starts_with(names::kUnsafeMark)) {
      screen_cells[0] = screen_cells[0].substr(names::kUnsafeMark.size());
    }
    EXPECT_FALSE(LineWithCells(allocs_pane, screen_cells).empty()) << Joined(allocs_pane);
    const JsonValue* j = FindObject(*json_allocs, row.json);
    ASSERT_NE(j, nullptr) << json_text.output;
    EXPECT_EQ(UintField(j, "count"), row.count);
    EXPECT_EQ(UintField(j, "failed_count"), row.failed);
  }
  for (const CgroupRow* pair : failed_pairs) {
    SCOPED_TRACE(pair->cgroup);
    const std::vector<std::string> cells = {pair->cgroup, pair->disk, Str(names::kReadyFailed),
                                            absl::StrCat(pair->bios), "/"};
    EXPECT_FALSE(LineWithCells(text_lines, cells).empty()) << text.output;
    EXPECT_FALSE(LineWithCells(cgroups_pane, cells).empty()) << Joined(cgroups_pane);
    const JsonValue* j = FindObject(*json_cgroups, {{"cgroup", pair->cgroup},
                                                    {"disk", pair->disk},
                                                    {"state", Str(names::kReadyFailed)},
                                                    {"charged_to", "/"}});
    ASSERT_NE(j, nullptr) << json_text.output;
    EXPECT_EQ(UintField(j, "elsewhere_bios"), pair->elsewhere_bios);
    EXPECT_EQ(UintField(j, "failed_allocs"), pair->failed_allocs);
  }
  // The 2011 fix's worker, marked as allocating per-cpu memory.
  const std::string worker = "swgt_percpu_stats_workfn";
  EXPECT_FALSE(LineWithCells(text_lines, {worker, Str(names::kYes)}).empty()) << text.output;
  EXPECT_FALSE(LineWithCells(wq_pane, {worker, Str(names::kYes)}).empty()) << Joined(wq_pane);
  const JsonValue* j = FindObject(*json_wqs, {{"function", worker}});
  ASSERT_NE(j, nullptr) << json_text.output;
  ASSERT_NE(j->Find("allocates_percpu"), nullptr);
  EXPECT_EQ(j->Find("allocates_percpu")->AsBool(), true);
}

}  // namespace
}  // namespace submitwatch::testing
