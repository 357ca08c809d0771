// User-space throughput on one core: the model (the hot path of replay and of
// the live TUI) and the capture writer and reader. Items are events (alloc
// records, capture lines) or rows (map-snapshot records taken in, table rows
// built); bench/run reads items_per_second from the JSON output.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "benchmark/benchmark.h"
#include "capture/capture_reader.h"
#include "capture/capture_writer.h"
#include "model/model.h"
#include "sinks/tui/frame_builder.h"
#include "sinks/tui/screen.h"
#include "sinks/tui/view_state.h"
#include "sinks/export/metrics_exposition.h"
#include "synthetic_exporter.h"
#include "synthetic_records.h"

namespace submitwatch::bench {
namespace {

constexpr size_t kAllocMix = 4096;  // distinct records cycled through
constexpr size_t kBlkgRows = 1024;  // (cgroup, disk) rows in one snapshot
constexpr size_t kWqRows = 256;     // work functions in one snapshot
constexpr size_t kSnapshots = 8;

std::vector<Record> AllocMix() {
  SyntheticRecords gen(1);
  std::vector<Record> records;
  records.reserve(kAllocMix);
  for (size_t i = 0; i < kAllocMix; ++i) records.emplace_back(gen.NextAlloc());
  return records;
}

// Alloc events through Model::Add, as `report` and the live view feed them.
void BM_ModelAddAlloc(benchmark::State& state) {
  const std::vector<Record> records = AllocMix();
  Model model;
  for (const Record& r : records) model.Add(r);  // groups exist: steady state
  size_t i = 0;
  for (auto _ : state) {
    model.Add(records[i++ % kAllocMix]);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ModelAddAlloc);

template <typename MakeSnapshot>
std::vector<Record> Snapshots(MakeSnapshot make) {
  SyntheticRecords gen(2);
  std::vector<Record> records;
  for (size_t s = 0; s < kSnapshots; ++s) {
    for (auto& row : make(gen)) records.emplace_back(std::move(row));
  }
  return records;
}

// Feeds the snapshots over and over, each pass shifted past the previous one
// as the collector's later reads would be: no record is stale, so each one
// updates its row.
void AddSnapshotsInALoop(benchmark::State& state, std::vector<Record> records) {
  const auto ts_of = [](Record& r) -> uint64_t& {
    if (auto* b = std::get_if<BlkgRecord>(&r)) return b->ts_ns;
    return std::get<WqRecord>(r).ts_ns;
  };
  const uint64_t shift = ts_of(records.back()) - ts_of(records.front()) +
                         SyntheticRecords::kSnapshotIntervalNs;
  Model model;
  size_t i = 0;
  for (auto _ : state) {
    if (i == records.size()) {
      state.PauseTiming();
      for (Record& r : records) ts_of(r) += shift;
      i = 0;
      state.ResumeTiming();
    }
    model.Add(records[i++]);
  }
  state.SetItemsProcessed(state.iterations());
}

// Map-snapshot rows taken in: one BlkgRecord per (cgroup, disk, blkg) per interval.
void BM_ModelAddBlkgRows(benchmark::State& state) {
  AddSnapshotsInALoop(
      state, Snapshots([](SyntheticRecords& g) { return g.BlkgSnapshot(kBlkgRows); }));
}
BENCHMARK(BM_ModelAddBlkgRows);

// One WqRecord (two 40-bucket histograms) per work function per interval.
void BM_ModelAddWqRows(benchmark::State& state) {
  AddSnapshotsInALoop(state,
                      Snapshots([](SyntheticRecords& g) { return g.WqSnapshot(kWqRows); }));
}
BENCHMARK(BM_ModelAddWqRows);

// The cgroup readiness table built from the snapshot rows (once per TUI frame).
void BM_ModelCgroupRows(benchmark::State& state) {
  SyntheticRecords gen(3);
  Model model;
  for (BlkgRecord& r : gen.BlkgSnapshot(kBlkgRows)) model.Add(r);
  size_t rows = 0;
  for (auto _ : state) {
    std::vector<CgroupRow> table = model.CgroupRows();
    rows += table.size();
    benchmark::DoNotOptimize(table.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
}
BENCHMARK(BM_ModelCgroupRows);

void BM_ModelWqRows(benchmark::State& state) {
  SyntheticRecords gen(4);
  Model model;
  for (WqRecord& r : gen.WqSnapshot(kWqRows)) model.Add(r);
  size_t rows = 0;
  for (auto _ : state) {
    std::vector<WqRow> table = model.WqRows();
    rows += table.size();
    benchmark::DoNotOptimize(table.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
}
BENCHMARK(BM_ModelWqRows);

// The allocation table (with its stacks) after a long capture.
void BM_ModelAllocRows(benchmark::State& state) {
  SyntheticRecords gen(5);
  Model model;
  for (int i = 0; i < 100000; ++i) model.Add(gen.NextAlloc());
  size_t rows = 0;
  for (auto _ : state) {
    std::vector<AllocRow> table = model.AllocRows();
    rows += table.size();
    benchmark::DoNotOptimize(table.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
}
BENCHMARK(BM_ModelAllocRows);

// One capture line per alloc event, as `record` writes them.
void BM_CaptureFormatAlloc(benchmark::State& state) {
  const std::vector<Record> records = AllocMix();
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    std::string line = CaptureWriter::FormatRecord(records[i++ % kAllocMix]);
    bytes += line.size() + 1;
    benchmark::DoNotOptimize(line.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_CaptureFormatAlloc);

// One alloc line parsed back into a Record, as `report` reads them.
void BM_CaptureParseAlloc(benchmark::State& state) {
  std::vector<std::string> lines;
  for (const Record& r : AllocMix()) lines.push_back(CaptureWriter::FormatRecord(r));
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& line = lines[i++ % lines.size()];
    absl::StatusOr<Record> r = ParseRecordLine(line);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      break;
    }
    bytes += line.size() + 1;
    benchmark::DoNotOptimize(&*r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_CaptureParseAlloc);

// A whole capture file (page-cached) through CaptureReader: lines, parsing,
// the file-level checks. Items are records.
void BM_CaptureReadFile(benchmark::State& state) {
  char path[] = "/tmp/submitwatch-bench-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) {
    state.SkipWithError("mkstemp failed");
    return;
  }
  SyntheticRecords gen(6);
  size_t records = 0;
  {
    CaptureWriter writer;
    std::string text;
    writer.AppendLine(Record(gen.Header()), text);
    for (int i = 0; i < 50000; ++i) {
      writer.AppendLine(Record(gen.NextAlloc()), text);
      if (i % 5000 == 4999) {
        for (BlkgRecord& r : gen.BlkgSnapshot(64)) writer.AppendLine(Record(std::move(r)), text);
        records += 64;
      }
    }
    records += 50000;
    writer.AppendLine(Record(gen.Summary(records)), text);
    records += 2;
    for (size_t done = 0; done < text.size();) {
      const ssize_t n = write(fd, text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  }
  close(fd);
  const off_t size = [&] {
    const int f = open(path, O_RDONLY);
    const off_t end = lseek(f, 0, SEEK_END);
    close(f);
    return end;
  }();
  for (auto _ : state) {
    absl::StatusOr<CaptureReader> reader = CaptureReader::Open(path);
    if (!reader.ok()) {
      state.SkipWithError(std::string(reader.status().message()).c_str());
      break;
    }
    size_t n = 0;
    while (true) {
      absl::StatusOr<std::optional<Record>> r = reader->Next();
      if (!r.ok() || !r->has_value()) break;
      ++n;
    }
    if (n != records) {
      state.SkipWithError("record count mismatch");
      break;
    }
  }
  unlink(path);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * records));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}
BENCHMARK(BM_CaptureReadFile)->Unit(benchmark::kMillisecond);

// --- scale: costs by the number of (cgroup, disk) pairs, state.range(0) ------

constexpr uint64_t kSecondNs = 1'000'000'000ull;

// A model holding `pairs` pairs, each taken in once at `ts_ns`.
void AddPairs(Model& model, size_t pairs, uint64_t bios, uint64_t ts_ns) {
  for (size_t i = 0; i < pairs; ++i) model.Add(SyntheticRecords::PairRow(i, bios, ts_ns));
}

// A fresh model taking in `pairs` pairs it has not seen, then building its
// table once: what the first snapshot of a big host, or a capture of many
// short-lived cgroups, costs.
void BM_ScaleNewPairs(benchmark::State& state) {
  const size_t pairs = static_cast<size_t>(state.range(0));
  std::vector<BlkgRecord> rows;
  rows.reserve(pairs);
  for (size_t i = 0; i < pairs; ++i) rows.push_back(SyntheticRecords::PairRow(i, 1, kSecondNs));
  for (auto _ : state) {
    Model model;
    for (const BlkgRecord& r : rows) model.Add(r);
    std::vector<CgroupRow> table = model.CgroupRows();
    benchmark::DoNotOptimize(table.data());
    state.PauseTiming();
    table = {};
    { Model gone = std::move(model); }  // freeing it is not the benchmark's
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * pairs));
}
BENCHMARK(BM_ScaleNewPairs)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

// One snapshot in which every pair's count changed, into a model that holds
// them all: the model's part of a snapshot (the collector's read and fold of
// the kernel maps is bench_tool scale-snapshot's).
void BM_ScaleSnapshotRows(benchmark::State& state) {
  const size_t pairs = static_cast<size_t>(state.range(0));
  Model model;
  AddPairs(model, pairs, 1, kSecondNs);
  std::vector<BlkgRecord> rows;
  rows.reserve(pairs);
  for (size_t i = 0; i < pairs; ++i) rows.push_back(SyntheticRecords::PairRow(i, 1, kSecondNs));
  uint64_t n = 1;
  for (auto _ : state) {
    state.PauseTiming();
    ++n;
    for (BlkgRecord& r : rows) {
      r.ts_ns = n * kSecondNs;
      r.bios = n;
      r.bytes = n * 4096;
    }
    state.ResumeTiming();
    for (const BlkgRecord& r : rows) model.Add(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * pairs));
}
BENCHMARK(BM_ScaleSnapshotRows)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

// A `top` frame on a 200x50 terminal, sorted by bios/s and filtered to one
// slice in ten: the frame built from the model, then its screen laid out.
// Between frames, a snapshot in which `changed_per_mille` of the pairs moved.
void TopFrames(benchmark::State& state, size_t changed_per_mille) {
  const size_t pairs = static_cast<size_t>(state.range(0));
  Model model;
  AddPairs(model, pairs, 1, kSecondNs);
  tui::FrameBuilder builder;
  tui::FeedStatus status;
  status.live = true;
  tui::ViewState view;
  view.HandleKey({tui::Key::kChar, 's'});  // by bios/s
  view.HandleKey({tui::Key::kChar, '/'});
  for (char c : std::string("slice3")) view.HandleKey({tui::Key::kChar, c});
  view.HandleKey({tui::Key::kEnter});
  uint64_t now = kSecondNs;
  tui::ComposeScreen(*builder.Build(model, now, kSecondNs / 2, status), view, 200, 50);
  const size_t step = changed_per_mille == 0 ? 0 : 1000 / changed_per_mille;
  size_t offset = 0;
  for (auto _ : state) {
    state.PauseTiming();
    now += kSecondNs;
    for (size_t i = offset; step != 0 && i < pairs; i += step) {
      model.Add(SyntheticRecords::PairRow(i, now / kSecondNs * (i % 13 + 1), now));
    }
    offset = step == 0 ? 0 : (offset + 1) % step;
    state.ResumeTiming();
    std::shared_ptr<const tui::Frame> frame = builder.Build(model, now, kSecondNs / 2, status);
    tui::Screen screen = tui::ComposeScreen(*frame, view, 200, 50);
    benchmark::DoNotOptimize(screen.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * pairs));
}

void BM_ScaleTopFrame(benchmark::State& state) { TopFrames(state, 100); }
BENCHMARK(BM_ScaleTopFrame)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_ScaleTopFrameIdle(benchmark::State& state) { TopFrames(state, 0); }
BENCHMARK(BM_ScaleTopFrameIdle)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
// serve's cost at 10,000 series: publishing a snapshot on the collector's
// thread (tables, series, copy), and rendering one scrape on the server's.
// Items are exposition samples (series).
constexpr size_t kExporterPairs = 1100;
constexpr size_t kExporterFunctions = 10;

size_t SampleLines(const std::string& text) {
  size_t samples = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t end = text.find('\n', at);
    if (text[at] != '#') ++samples;
    at = end == std::string::npos ? text.size() : end + 1;
  }
  return samples;
}

void BM_ExporterPublish(benchmark::State& state) {
  SyntheticExporter exporter(kExporterPairs, kExporterFunctions);
  const size_t series =
      SampleLines(RenderMetrics(exporter.Publish(), ExpositionFormat::kPrometheusText));
  size_t published = 0;
  for (auto _ : state) {
    MetricsSnapshot snapshot = exporter.Publish();
    benchmark::DoNotOptimize(snapshot.cgroups.data());
    published += series;
  }
  state.SetItemsProcessed(static_cast<int64_t>(published));
  state.counters["series"] = static_cast<double>(series);
}
BENCHMARK(BM_ExporterPublish)->Unit(benchmark::kMillisecond);

void BM_ExporterRender(benchmark::State& state) {
  SyntheticExporter exporter(kExporterPairs, kExporterFunctions);
  const MetricsSnapshot snapshot = exporter.Publish();
  const auto format = static_cast<ExpositionFormat>(state.range(0));
  const size_t series = SampleLines(RenderMetrics(snapshot, format));
  size_t rendered = 0;
  for (auto _ : state) {
    std::string text = RenderMetrics(snapshot, format);
    benchmark::DoNotOptimize(text.data());
    rendered += series;
  }
  state.SetItemsProcessed(static_cast<int64_t>(rendered));
  state.counters["series"] = static_cast<double>(series);
}
BENCHMARK(BM_ExporterRender)
    ->Arg(static_cast<int>(ExpositionFormat::kPrometheusText))
    ->Arg(static_cast<int>(ExpositionFormat::kOpenMetrics))
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace submitwatch::bench

BENCHMARK_MAIN();
