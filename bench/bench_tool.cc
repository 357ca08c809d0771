// What bench/run needs from C++, one subcommand each:
//
//   floor                    attach an empty program to every hook submitwatch
//                            uses (bench/floor.bpf.c); print "attached"; wait
//                            for SIGINT/SIGTERM. With --stats, hold the
//                            kernel's BPF run-time statistics on meanwhile
//                            (fd-scoped: they go off when this process exits,
//                            however it exits).
//   percpu-flood             make the kernel call alloc_percpu() about RATE
//                            times a second for SECONDS, from THREADS
//                            threads: each BPF per-CPU hash map created with
//                            prealloc allocates one per-cpu value per entry.
//   loss-exact               the loss counter's exactness: submitwatch's BPF
//                            object with --all-allocs and a tiny ring buffer,
//                            a flood, then detach and compare the number of
//                            times the program ran with events received + lost.
//   synth-capture            write a synthetic capture of about BYTES bytes.
//   exporter                 serve /metrics as `submitwatch serve` does, over
//                            a synthetic model of PAIRS (cgroup, disk) pairs
//                            and FUNCTIONS work functions, republished every
//                            second; print where, how many series and what a
//                            publish costs; wait for SIGINT/SIGTERM.
//
// Everything prints one "key=value ..." line for the harness to parse.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bpf/events.h"
#include "capture/capture_writer.h"
#include "capture/output_file.h"
#include "common/errno_text.h"
#include "floor.skel.h"
#include "loader/bpf_session.h"
#include "submitwatch.skel.h"
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

int Floor(const std::vector<std::string>& args) {
  int stats_fd = -1;
  if (HasFlag(args, "stats")) {
    stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
    if (stats_fd < 0) return Fail(absl::StrCat("BPF_ENABLE_STATS: ", ErrnoText(errno)));
  }
  floor_bpf* skel = floor_bpf::open_and_load();
  if (skel == nullptr) return Fail(absl::StrCat("loading bench/floor.bpf.c: ", ErrnoText(errno)));
  if (floor_bpf::attach(skel) != 0) {
    floor_bpf::destroy(skel);
    return Fail(absl::StrCat("attaching the floor programs: ", ErrnoText(errno)));
  }
  signal(SIGINT, OnStop);
  signal(SIGTERM, OnStop);
  printf("attached\n");
  fflush(stdout);
  while (!g_stop) pause();
  floor_bpf::destroy(skel);
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

int SynthCapture(const std::vector<std::string>& args) {
  const uint64_t target = NumberFlag(args, "bytes", 1ull << 30);
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
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::string command = args.empty() ? "" : args[0];
  if (command == "floor") return Floor(args);
  if (command == "percpu-flood") return PercpuFlood(args);
  if (command == "loss-exact") return LossExact(args);
  if (command == "synth-capture") return SynthCapture(args);
  if (command == "exporter") return Exporter(args);
  fprintf(stderr,
          "usage: bench_tool floor [--stats]\n"
          "       bench_tool percpu-flood [--rate N] [--batch K] [--threads T] [--seconds S]\n"
          "       bench_tool loss-exact [--ringbuf BYTES] [--allocs N] [--batch K]\n"
          "       bench_tool synth-capture --output FILE [--bytes N]\n"
          "       bench_tool exporter [--pairs N] [--functions F]\n");
  return 2;
}
