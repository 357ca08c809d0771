#include <string>

#include "gtest/gtest.h"
#include "model/gfp.h"
#include "model/model.h"
#include "sinks/report/report_json.h"
#include "sinks/report/report_text.h"
#include "sinks/report/text_table.h"

namespace submitwatch {
namespace {

// A small capture: a cgroup whose first bios fell back to the root, the seed
// deadlock's allocation, a safe one, and the deferral worker.
void Fill(Model& model) {
  CaptureHeader header;
  header.tool_version = "0.1.0";
  header.host = "node1";
  header.kernel = "6.8.0-45-generic";
  header.start_monotonic_ns = 1'000'000'000;
  header.hooks = {{"percpu_alloc", "tracepoint", ""}, {"submit_path", "fentry", ""}};
  model.Add(header);

  BlkgRecord fallback;
  fallback.ts_ns = 3'000'000'000;
  fallback.first_seen_ns = 1'100'000'000;
  fallback.cgroup_id = 10;
  fallback.cgroup = "/vm/disk1";
  fallback.dev_major = 7;
  fallback.disk = "loop0";
  fallback.blkg_cgroup_id = 1;
  fallback.blkg_cgroup = "/";
  fallback.online = true;
  fallback.has_stats = true;
  fallback.bios = 12;
  fallback.bytes = 49152;
  model.Add(fallback);
  BlkgRecord own = fallback;
  own.first_seen_ns = 1'102'500'000;
  own.blkg_cgroup_id = 10;
  own.blkg_cgroup = "/vm/disk1";
  own.bios = 100;
  own.bytes = 1048576;
  model.Add(own);

  AllocRecord unsafe;
  unsafe.ts_ns = 1'100'000'000;
  unsafe.allocator = Allocator::kPercpu;
  unsafe.site = "blkg_alloc";
  unsafe.gfp_raw = kGfpNoioMask;
  unsafe.context = kContextSubmit | kContextReclaim;
  unsafe.bytes = 1024;
  unsafe.cgroup_id = 10;
  unsafe.cgroup = "/vm/disk1";
  unsafe.pid = 4242;
  unsafe.comm = "qemu-kvm";
  unsafe.stack = {"pcpu_alloc_noprof+0x1a", "blkg_alloc+0x4f"};
  model.Add(unsafe);
  model.Add(unsafe);

  AllocRecord noio = unsafe;
  noio.allocator = Allocator::kSlab;
  noio.site = "bio_alloc_bioset";
  noio.gfp_raw = kGfpKernelMask;
  noio.task_flags = kTaskMemallocNoio;
  noio.context = kContextSubmit;
  noio.bytes = 256;
  for (int i = 0; i < 3; ++i) model.Add(noio);

  AllocRecord worker = unsafe;
  worker.context = kContextWorker;
  worker.work_func = "blkg_async_bio_workfn";
  worker.comm = "kworker/2:1";
  worker.cgroup = "/";
  worker.gfp_raw = kGfpKernelMask;
  model.Add(worker);

  WqRecord wq;
  wq.ts_ns = 3'000'000'000;
  wq.function = "blkg_async_bio_workfn";
  wq.queued = 5;
  wq.activated = 5;
  wq.executed = 4;
  wq.latency_log2.assign(40, 0);
  wq.runtime_log2.assign(40, 0);
  wq.latency_log2[14] = 4;  // [16.4us, 32.8us)
  wq.latency_max_ns = 20'000;
  wq.runtime_log2[20] = 4;  // [1.05ms, 2.1ms)
  model.Add(wq);

  model.Add(LostRecord{3'000'000'000, {{"alloc", 2}}});
  CaptureSummary summary;
  summary.ts_ns = 3'000'000'000;
  summary.duration_ns = 2'000'000'000;
  summary.events = 9;
  summary.lost = 2;
  summary.workload_exit = 0;
  model.Add(summary);
}

TEST(TextTable, AlignsAndTrimsTrailingBlanks) {
  TextTable table({{"NAME"}, {"N", TextTable::Align::kRight}, {"NOTE"}});
  table.AddRow({"a", "1", ""});
  table.AddRow({"long", "100", "x"});
  EXPECT_EQ(table.Render(),
            "NAME    N  NOTE\n"
            "a       1\n"
            "long  100  x\n");
}

TEST(ReportText, ShowsHeaderAndTables) {
  Model model;
  Fill(model);
  EXPECT_EQ(RenderReportText(model),
            "host: node1  kernel: 6.8.0-45-generic  version: 0.1.0\n"
            "modes: percpu_alloc=tracepoint submit_path=fentry\n"
            "duration: 2.00s  events: 9  lost: 2 (alloc=2)\n"
            "\n"
            "Cgroups\n"
            "CGROUP     DISK   STATE  BIOS   BYTES  ELSEWHERE  CHARGED_TO  TIME_TO_READY\n"
            "/vm/disk1  loop0  ready   112  1.0MiB         12  /                   2.5ms\n"
            "\n"
            "Submit-path allocations\n"
            "VERDICT  SITE              ALLOCATOR  CONTEXT                       GFP                              COUNT   BYTES  CGROUP     COMM\n"
            "!UNSAFE  blkg_alloc        percpu     submit+reclaim                GFP_NOIO                             2  2.0KiB  /vm/disk1  qemu-kvm\n"
            "noio     bio_alloc_bioset  slab       submit                        GFP_KERNEL (effective GFP_NOIO)      3    768B  /vm/disk1  qemu-kvm\n"
            "outside  blkg_alloc        percpu     worker:blkg_async_bio_workfn  GFP_KERNEL                           1  1.0KiB  /          kworker/2:1\n"
            "\n"
            "Workqueues\n"
            "FUNCTION               QUEUED  EXECUTED  LAT_P50  LAT_P99  LAT_MAX  RUN_P99  PERCPU\n"
            "blkg_async_bio_workfn       5         4   20.0us   20.0us   20.0us    2.1ms  yes\n");
}

TEST(ReportText, EmptyModel) {
  Model model;
  EXPECT_EQ(RenderReportText(model),
            "duration: 0ns  events: 0  lost: 0\n"
            "\n"
            "Cgroups\n"
            "(none)\n"
            "\n"
            "Submit-path allocations\n"
            "(none)\n"
            "\n"
            "Workqueues\n"
            "(none)\n");
}

TEST(ReportText, MarksKernelThreadsAndFailures) {
  Model model;
  BlkgRecord kthread;
  kthread.ts_ns = 10;
  kthread.kthread = true;
  kthread.blkg_cgroup_id = 30;
  kthread.blkg_cgroup = "/k";
  kthread.disk = "vda";
  kthread.bios = 1;
  kthread.bytes = 512;
  model.Add(kthread);
  AllocRecord fail;
  fail.ts_ns = 5;
  fail.failed = true;
  fail.context = kContextSubmit;
  fail.gfp_raw = kGfpNowaitMask | kGfpNowarn;
  fail.site = "blkg_alloc";
  fail.cgroup_id = 20;
  fail.cgroup = "/c";
  fail.comm = "dd";
  model.Add(fail);
  const std::string text = RenderReportText(model);
  EXPECT_NE(text.find("/c            ?     failed      0     0B          0  -                       -\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("/k (kthread)  vda   pending     1   512B          0  -                       -\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("atomic   blkg_alloc  percpu     submit   GFP_NOWAIT|__GFP_NOWARN  1 (1 failed)     0B  /c      dd\n"),
            std::string::npos)
      << text;
}

// A capture taken with --user-stacks: every stack of every row, the user
// part below the kernel part, with why frames are not named.
void AddUserStacks(Model& model) {
  CaptureHeader header;
  header.host = "node1";
  header.user_stacks = true;
  model.Add(header);
  AllocRecord a;
  a.ts_ns = 10;
  a.allocator = Allocator::kPercpu;
  a.is_atomic = true;
  a.gfp_raw = kGfpNowaitMask;
  a.context = kContextSubmit;
  a.site = "blkg_alloc";
  a.cgroup = "/db";
  a.comm = "postgres";
  a.stack = {"pcpu_alloc_noprof+0x656", "blkg_alloc+0x7b", "entry_SYSCALL_64_after_hwframe+0x76"};
  a.user_stack = {"__libc_pwrite64+0x12 (libc.so.6)", "XLogWrite+0x3c1 (postgres)",
                  "main+0x8c (postgres)"};
  model.Add(a);
  model.Add(a);
  AllocRecord gone = a;
  gone.user_stack = {"0x7f1c2a4e51a2", "0x55d0c0a011a4"};
  gone.user_stack_fallback = "exited";
  model.Add(gone);
  AllocRecord kthread = a;
  kthread.comm = "kworker/0:1";
  kthread.user_stack.clear();
  model.Add(kthread);
}

TEST(ReportText, StacksOfACaptureWithUserStacks) {
  Model model;
  AddUserStacks(model);
  const std::string text = RenderReportText(model);
  const std::string stacks =
      "\n"
      "Stacks\n"
      "atomic blkg_alloc  CGROUP /db  COMM postgres\n"
      "  stack 1 of 2: 2 of 3 records\n"
      "    pcpu_alloc_noprof+0x656\n"
      "    blkg_alloc+0x7b\n"
      "    entry_SYSCALL_64_after_hwframe+0x76\n"
      "  user stack:\n"
      "    __libc_pwrite64+0x12 (libc.so.6)\n"
      "    XLogWrite+0x3c1 (postgres)\n"
      "    main+0x8c (postgres)\n"
      "  stack 2 of 2: 1 of 3 records\n"
      "    pcpu_alloc_noprof+0x656\n"
      "    blkg_alloc+0x7b\n"
      "    entry_SYSCALL_64_after_hwframe+0x76\n"
      "  user stack (exited):\n"
      "    0x7f1c2a4e51a2\n"
      "    0x55d0c0a011a4\n"
      "atomic blkg_alloc  CGROUP /db  COMM kworker/0:1\n"
      "  stack 1 of 1: 1 of 1 records\n"
      "    pcpu_alloc_noprof+0x656\n"
      "    blkg_alloc+0x7b\n"
      "    entry_SYSCALL_64_after_hwframe+0x76\n"
      "\n"
      "Workqueues\n";
  EXPECT_NE(text.find(stacks), std::string::npos) << text;
  // Without user stacks the text report has no such section.
  Model plain;
  Fill(plain);
  EXPECT_EQ(RenderReportText(plain).find("\nStacks\n"), std::string::npos);
}

TEST(ReportJson, CarriesUserStacksWhereRecorded) {
  Model model;
  AddUserStacks(model);
  const std::string json = RenderReportJson(model);
  for (const char* expected : {
           "\"user_stacks\":true",
           "\"stacks\":[{\"count\":2,\"stack\":[\"pcpu_alloc_noprof+0x656\",\"blkg_alloc+0x7b\","
           "\"entry_SYSCALL_64_after_hwframe+0x76\"],\"user_stack\":[\"__libc_pwrite64+0x12 "
           "(libc.so.6)\",\"XLogWrite+0x3c1 (postgres)\",\"main+0x8c (postgres)\"],"
           "\"user_stack_fallback\":\"\"},{\"count\":1,",
           "\"user_stack\":[\"0x7f1c2a4e51a2\",\"0x55d0c0a011a4\"],\"user_stack_fallback\":\"exited\"}",
           // The kernel thread's stack has no user part at all.
           "\"comm\":\"kworker/0:1\"",
       }) {
    EXPECT_NE(json.find(expected), std::string::npos) << "missing " << expected << "\nin " << json;
  }
  const size_t kworker = json.find("\"comm\":\"kworker/0:1\"");
  EXPECT_EQ(json.find("user_stack\"", kworker), std::string::npos) << json;
}

TEST(ReportJson, SchemaOneWithTheTables) {
  Model model;
  Fill(model);
  const std::string json = RenderReportJson(model);
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.rfind("{\"schema\":1,\"header\":{", 0), 0u) << json;
  EXPECT_EQ(json.substr(json.size() - 2), "}\n");
  EXPECT_EQ(json.find('\n'), json.size() - 1);
  for (const char* expected : {
           "\"host\":\"node1\"",
           "\"hooks\":[{\"hook\":\"percpu_alloc\",\"mode\":\"tracepoint\",\"detail\":\"\"},",
           "\"summary\":{\"duration_ns\":2000000000,\"events\":9,\"lost\":2,\"workload_exit\":0,"
           "\"evicted\":{},\"peak_map_entries\":0}",
           "\"cgroups\":[{\"cgroup\":\"/vm/disk1\",\"cgroup_id\":10,\"kthread\":false,"
           "\"disk\":\"loop0\",\"dev_major\":7,\"dev_minor\":0,\"state\":\"ready\","
           "\"bios\":112,\"bytes\":1097728,\"own_bios\":100,\"own_bytes\":1048576,"
           "\"elsewhere_bios\":12,\"elsewhere_bytes\":49152,\"charged_to\":\"/\","
           "\"failed_allocs\":0,\"throttled_bios\":0,\"passed_bios\":0,\"throttle_wait_ns\":0,"
           "\"throttle_wait_max_ns\":0,\"first_io_ns\":1100000000,\"ready_ns\":1102500000,"
           "\"time_to_ready_ns\":2500000,\"last_ts_ns\":3000000000}]",
           "\"allocations\":[{\"verdict\":\"UNSAFE\",\"site\":\"blkg_alloc\",\"site_offset\":\"\","
           "\"allocator\":\"percpu\",\"context\":\"submit+reclaim\",\"work_func\":\"\","
           "\"gfp\":\"GFP_NOIO\",\"gfp_raw\":3072,\"effective_gfp\":\"GFP_NOIO\","
           "\"effective_gfp_raw\":3072,\"task_flags\":0,\"cgroup\":\"/vm/disk1\","
           "\"cgroup_id\":10,\"comm\":\"qemu-kvm\",\"count\":2,\"failed_count\":0,"
           "\"bytes\":2048,\"first_ns\":1100000000,\"last_ns\":1100000000,\"pids\":[4242],"
           "\"stacks\":[{\"count\":2,\"stack\":[\"pcpu_alloc_noprof+0x1a\",\"blkg_alloc+0x4f\"]}],"
           "\"other_stacks\":0}",
           "\"verdict\":\"noio\",\"site\":\"bio_alloc_bioset\"",
           "\"gfp\":\"GFP_KERNEL\",\"gfp_raw\":3264,\"effective_gfp\":\"GFP_NOIO\"",
           "\"workqueues\":[{\"function\":\"blkg_async_bio_workfn\",\"queued\":5,\"activated\":5,"
           "\"executed\":4,\"latency_p50_ns\":20000,\"latency_p99_ns\":20000,"
           "\"latency_max_ns\":20000,\"runtime_p50_ns\":2097152,\"runtime_p99_ns\":2097152,"
           "\"runtime_max_ns\":2097152,\"latency_log2\":[0,",
           "\"allocates_percpu\":true}]",
           "\"lost\":{\"total\":2,\"counts\":{\"alloc\":2}}}\n",
       }) {
    EXPECT_NE(json.find(expected), std::string::npos) << "missing " << expected << "\nin " << json;
  }
}

TEST(ReportJson, EmptyModelIsStillComplete) {
  Model model;
  EXPECT_EQ(RenderReportJson(model),
            "{\"schema\":1,\"header\":null,\"summary\":{\"duration_ns\":0,\"events\":0,"
            "\"lost\":0,\"workload_exit\":-1,\"evicted\":{},\"peak_map_entries\":0},"
            "\"cgroups\":[],\"allocations\":[],"
            "\"workqueues\":[],\"lost\":{\"total\":0,\"counts\":{}}}\n");
}

}  // namespace
}  // namespace submitwatch
