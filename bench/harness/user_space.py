"""Phase user: bench_model (Google Benchmark on one core: the alloc events
and map-snapshot rows the model takes in, the tables built for each `top`
frame, the capture writer and reader) and `report` of a synthetic capture
(time, records/s, peak RSS)."""

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from typing import NamedTuple, Optional

from . import config
from .goals import Goal, stat_row
from .log import log
from .procs import key_values, run
from .stats import median, spread

M = "{:.2f}"


class Benchmark(NamedTuple):
    name: str
    label: str     # in the phase's own table
    unit: str
    measure: str   # in the goals table; {frame} is what one frame costs
    goal: Optional[Goal] = None
    frame_rows: int = 0  # rows of the benchmark's table: one frame's worth

    def row(self, rates):
        xs = [x / 1e6 for x in rates.get(self.name, [])]
        frame = (f"; {self.frame_rows} rows: {self.frame_rows / median(xs):.0f} us"
                 if self.frame_rows and xs else "")
        return stat_row(self.measure.format(frame=frame), xs, M, self.goal)


# The goals' "map-snapshot rows" are the rows the model takes in from each
# read of the kernel's maps; the tables built for each frame have no goal.
BENCHMARKS = (
    Benchmark("BM_ModelAddAlloc", "model: alloc events in", "events/s",
              "model alloc events/s (M, one core)", Goal(">=", 5)),
    Benchmark("BM_ModelAddBlkgRows", "model: BlkgRecord snapshot rows in", "rows/s",
              "model: BlkgRecord snapshot rows in (M rows/s, one core)", Goal(">=", 20)),
    Benchmark("BM_ModelAddWqRows", "model: WqRecord snapshot rows in", "rows/s",
              "model: WqRecord snapshot rows in (M rows/s, one core)", Goal(">=", 20)),
    Benchmark("BM_ModelCgroupRows", "model: CgroupRows() rows built", "rows/s",
              "model: CgroupRows() rows built (M rows/s{frame})", frame_rows=1024),
    Benchmark("BM_ModelWqRows", "model: WqRows() rows built", "rows/s",
              "model: WqRows() rows built (M rows/s{frame})", frame_rows=256),
    Benchmark("BM_ModelAllocRows", "model: AllocRows() rows built", "rows/s",
              "model: AllocRows() rows built (M rows/s{frame})"),
    Benchmark("BM_CaptureFormatAlloc", "capture writer: alloc lines", "events/s",
              "BM_CaptureFormatAlloc (M events/s)"),
    Benchmark("BM_CaptureParseAlloc", "capture reader: alloc lines parsed", "events/s",
              "BM_CaptureParseAlloc (M events/s)"),
    Benchmark("BM_CaptureReadFile", "capture reader: whole file", "events/s",
              "BM_CaptureReadFile (M events/s)"),
)


@dataclass
class ReportResult:
    records: int
    times: list    # seconds per run
    rss_mib: list  # peak RSS per run


@dataclass
class UserResult:
    rates: dict                      # benchmark -> items/s of each repetition; {} if not built
    report: Optional[ReportResult]   # None: no room for the capture


def items_per_second(benchmark_json):
    """{run name: [items/s of each repetition]} of Google Benchmark's JSON."""
    rates = {}
    for b in benchmark_json["benchmarks"]:
        if b.get("run_type") == "iteration" and "items_per_second" in b:
            rates.setdefault(b["run_name"], []).append(b["items_per_second"])
    return rates


def _model_benchmarks(workdir):
    log("\n-- User space on one core: bench_model (Google Benchmark, "
        f"{config.RUNS} repetitions; items/s)")
    if not os.path.exists(config.BENCH_MODEL):
        log("   bench_model was not built (Google Benchmark missing)")
        return {}
    out = os.path.join(workdir, "bench_model.json")
    # The exporter's benchmarks are the export phase's.
    run([config.BENCH_MODEL, "--benchmark_filter=-BM_Exporter", f"--benchmark_repetitions={config.RUNS}",
         "--benchmark_min_time=0.2",
         f"--benchmark_out={out}", "--benchmark_out_format=json"])
    with open(out) as f:
        rates = items_per_second(json.load(f))
    os.unlink(out)
    for b in BENCHMARKS:
        log(f"   {b.label:<40} {spread([x / 1e6 for x in rates.get(b.name, [])], M):>24} M {b.unit}")
    return rates


def _gib():
    return f"{config.CAPTURE_BYTES / (1 << 30):.2f} GiB"


def _report_replay(cleanup, workdir):
    free = shutil.disk_usage(workdir).free
    if free < config.CAPTURE_BYTES * 1.2:
        log(f"\n-- report of a synthetic capture: skipped, {free >> 20} MiB free in {workdir}")
        return None
    log(f"\n-- `report` of a {_gib()} synthetic capture (in {workdir}, page-cached; "
        f"{config.REPORT_RUNS} runs)")
    path = os.path.join(workdir, "synthetic.jsonl")
    cleanup.add("file", path)
    t0 = time.monotonic()
    gen = key_values(run([config.BENCH_TOOL, "synth-capture", "--bytes", str(config.CAPTURE_BYTES),
                          "--output", path]).stdout)
    records = int(gen["records"])
    log(f"   wrote {records:,} records, {int(gen['bytes']) / (1 << 20):,.0f} MiB in "
        f"{time.monotonic() - t0:.1f}s")
    result = ReportResult(records, [], [])
    for r in range(config.REPORT_RUNS):
        t0 = time.monotonic()
        with open(os.devnull, "w") as null:
            p = subprocess.Popen([config.SUBMITWATCH, "report", path], stdout=null, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(p.pid, 0)
        elapsed = time.monotonic() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"submitwatch report failed: {p.stderr.read().decode()}")
        result.times.append(elapsed)
        result.rss_mib.append(usage.ru_maxrss / 1024)
        log(f"   run {r + 1}/{config.REPORT_RUNS}: {elapsed:.2f}s, {records / elapsed / 1e6:.2f} M "
            f"records/s, peak RSS {usage.ru_maxrss / 1024:.1f} MiB")
    os.unlink(path)
    return result


def measure(lab):
    return UserResult(_model_benchmarks(lab.workdir), _report_replay(lab.cleanup, lab.workdir))


def rows(res):
    out = [b.row(res.rates) for b in BENCHMARKS] if res.rates else []
    rep = res.report
    if rep:
        out += [stat_row(f"report {_gib()} capture: seconds", rep.times, "{:.1f}", Goal("<", 30)),
                stat_row("report: records/s (M)", [rep.records / t / 1e6 for t in rep.times], M),
                stat_row("report: peak RSS (MiB)", rep.rss_mib, "{:.1f}", Goal("<", 100), max)]
    return out
