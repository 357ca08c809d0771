"""Phase scale: what the tool's costs do as the number N of (cgroup, disk)
pairs grows, at N = 1k, 10k and 100k, so that the growth rate shows and not
one point only:

* snapshot: submitwatch's BPF object loaded by bench_tool, its maps filled
  with N synthetic keys by bench/scale_fill.bpf.c (their cgroup and
  first-seen events through the real ring buffer), then the collector's
  snapshot (kernel map read, fold, model update) with every key's count
  changed; the first snapshot, which places N new pairs, apart. bench_tool
  runs under the tool's malloc policy (userspace/common/malloc_policy.h),
  so memory is kept and faulted in as in the tool;
* the model alone (Google Benchmark, synthetic rows): N new pairs, and one
  snapshot of N changed rows;
* a `top` frame (frame built from the model, then the screen laid out,
  sorted by bios/s and filtered to a tenth of the rows) after a snapshot that
  moved 10% of the pairs, and after one that moved none;
* `record`'s RSS and CPU holding N keys (filled into its maps while it runs);
* `report` of a capture like the churn soak's, with N cgroups that come and
  go (and 350,000, the soak's size).

With a baseline build (bench/run --baseline REV), each is measured for both
builds, interleaved round by round, and shown before and after."""

import json
import math
import os
import subprocess
import time
from dataclasses import dataclass, field
from typing import NamedTuple

from . import config
from .goals import Goal, Row, stat_row
from .interleave import rotated
from .log import log
from .procs import Tracer, key_values, mapped_rss_kib, run, run_tracked
from .stats import median, spread

SIZES = (1_000, 10_000, 100_000)
CHURN_SIZES = (1_000, 10_000, 100_000, 350_000)
SNAPSHOT_ROUNDS = 3  # snapshots per bench_tool run, each one a sample
HOLD_SECONDS = 2.5   # record holds the keys this long (two snapshots) before its RSS is read
GOAL_N = 100_000
SOAK_N = 350_000
# A cost that grows as N log N grows by this exponent from 10k to 100k:
# log10(10 * log(1e5) / log(1e4)).
N_LOG_N_EXPONENT = math.log10(10 * 5 / 4)


class Build(NamedTuple):
    name: str  # "before" (the baseline) or "after" (this tree)
    submitwatch: str
    bench_tool: str
    bench_model: str


def builds():
    """This tree's build, and the baseline's first where there is one."""
    now = Build("after", config.SUBMITWATCH, config.BENCH_TOOL, config.BENCH_MODEL)
    if not config.BASELINE_BUILD:
        return [now]
    base = config.BASELINE_BUILD
    return [Build("before", os.path.join(base, "submitwatch"),
                  os.path.join(base, "bench", "bench_tool"),
                  os.path.join(base, "bench", "bench_model")), now]


class Measure(NamedTuple):
    key: str
    label: str  # in the phase's curve table
    unit: str
    fmt: str = "{:.1f}"


MEASURES = (
    Measure("snapshot_ms", "snapshot, kernel maps + model, every pair changed", "ms", "{:.2f}"),
    Measure("first_ms", "first snapshot (N new pairs placed)", "ms"),
    Measure("cpu_pct", "snapshot CPU at the 1 s interval", "% of a CPU", "{:.2f}"),
    Measure("BM_ScaleNewPairs", "model: N new pairs", "ms", "{:.2f}"),
    Measure("BM_ScaleSnapshotRows", "model: a snapshot of N changed rows", "ms", "{:.2f}"),
    Measure("BM_ScaleTopFrame", "top frame, sort + filter, 10% of pairs changed", "ms", "{:.2f}"),
    Measure("BM_ScaleTopFrameIdle", "top frame, sort + filter, nothing changed", "ms", "{:.2f}"),
    Measure("record_rss_mib", "record RSS holding N keys", "MiB"),
    Measure("record_bpf_map_mib", "of which BPF maps mapped in (the kernel's memory)", "MiB"),
    Measure("record_cpu_pct", "record CPU holding N keys, none changing", "% of a CPU"),
    Measure("report_s", "report of a churn capture of N cgroups", "s", "{:.2f}"),
    Measure("report_rss_mib", "report peak RSS, churn capture", "MiB"),
)
BY_KEY = {m.key: m for m in MEASURES}
MODEL_BENCHMARKS = ("BM_ScaleNewPairs", "BM_ScaleSnapshotRows", "BM_ScaleTopFrame",
                    "BM_ScaleTopFrameIdle")


@dataclass
class ScaleResult:
    builds: list                                 # build names, in table order
    values: dict = field(default_factory=dict)   # (build, measure, n) -> [samples]
    notes: list = field(default_factory=list)    # what could not be measured

    def add(self, build, measure, n, value):
        self.values.setdefault((build, measure, n), []).append(value)

    def samples(self, build, measure, n):
        return self.values.get((build, measure, n), [])

    def sizes(self, measure):
        return sorted({n for (_, m, n) in self.values if m == measure})


def growth_exponent(small, large, n_small, n_large):
    """The exponent k of a cost growing as N^k between two sizes, from the
    medians; None when either is missing or not positive."""
    a, b = median(small), median(large)
    if not small or not large or a <= 0 or b <= 0:
        return None
    return math.log(b / a) / math.log(n_large / n_small)


def fit_line(points):
    """Least-squares (intercept, slope) of [(x, y)]; None for fewer than two x."""
    if len({x for x, _ in points}) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    slope = (sum((x - mx) * (y - my) for x, y in points) /
             sum((x - mx) ** 2 for x, _ in points))
    return my - slope * mx, slope


def parse_snapshot(text):
    """bench_tool scale-snapshot's line: {first_ms, snapshot_ms: [...]}."""
    kv = key_values(text)
    return {"first_ms": float(kv["first_ms"]),
            "snapshot_ms": [float(x) for x in kv["snapshot_ms"].split(",") if x]}


def model_times_ms(benchmark_json):
    """{(benchmark, N): [ms per iteration of each repetition]} of Google
    Benchmark's JSON, for the BM_Scale* benchmarks."""
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    out = {}
    for b in benchmark_json["benchmarks"]:
        if b.get("run_type") != "iteration" or "/" not in b.get("run_name", ""):
            continue
        name, arg = b["run_name"].split("/", 1)
        if name in MODEL_BENCHMARKS:
            out.setdefault((name, int(arg)), []).append(b["real_time"] * scale[b["time_unit"]])
    return out


def _snapshots(res, build, lab):
    for n in SIZES:
        try:
            out = run_tracked(lab.cleanup, [build.bench_tool, "scale-snapshot", "--keys", str(n),
                                            "--rounds", str(SNAPSHOT_ROUNDS), "--disk", lab.loop],
                              "bench_tool").stdout
        except subprocess.CalledProcessError as e:
            res.notes.append(f"{build.name}: scale-snapshot N={n}: {e.stderr.strip()}")
            return
        got = parse_snapshot(out)
        res.add(build.name, "first_ms", n, got["first_ms"])
        for ms in got["snapshot_ms"]:
            res.add(build.name, "snapshot_ms", n, ms)
            res.add(build.name, "cpu_pct", n, ms / 10)  # of 1,000 ms


def _model(res, build, workdir):
    if not os.path.exists(build.bench_model):
        res.notes.append(f"{build.name}: bench_model was not built (Google Benchmark missing)")
        return
    out = os.path.join(workdir, "scale_model.json")
    try:
        run([build.bench_model, "--benchmark_filter=^BM_Scale", "--benchmark_min_time=0.2",
             f"--benchmark_out={out}", "--benchmark_out_format=json"])
        with open(out) as f:
            times = model_times_ms(json.load(f))
    finally:
        if os.path.exists(out):
            os.unlink(out)
    for (name, n), ms in times.items():
        for x in ms:
            res.add(build.name, name, n, x)


def _record_footprint(res, build, lab):
    capture = os.path.join(lab.workdir, "scale.jsonl")
    for n in SIZES:
        room = max(16384, n + n // 4)
        tracer = Tracer(lab.cleanup, "submitwatch record",
                        [build.submitwatch, "record", "-o", capture, "--bio-keys", str(room)],
                        lambda line: line.startswith("submitwatch: attached")).start()
        try:
            run_tracked(lab.cleanup, [build.bench_tool, "scale-fill", "--pid", str(tracer.proc.pid),
                                      "--keys", str(n), "--disk", lab.loop], "bench_tool")
            time.sleep(1.2)  # the snapshot that takes them in
            before = tracer.sample()
            time.sleep(HOLD_SECONDS)
            after = tracer.sample()
            bpf_maps_kib = mapped_rss_kib(tracer.proc.pid, "anon_inode:bpf-map")
        except subprocess.CalledProcessError as e:
            res.notes.append(f"{build.name}: scale-fill N={n}: {e.stderr.strip()}")
            return
        finally:
            tracer.stop()
            if os.path.exists(capture):
                os.unlink(capture)
        res.add(build.name, "record_rss_mib", n, after.rss_kib / 1024)
        res.add(build.name, "record_bpf_map_mib", n, bpf_maps_kib / 1024)
        res.add(build.name, "record_cpu_pct", n, 100 * (after.cpu_s - before.cpu_s) / HOLD_SECONDS)


def _churn_reports(res, order, lab):
    path = os.path.join(lab.workdir, "churn.jsonl")
    lab.cleanup.add("file", path)
    for n in CHURN_SIZES:
        gen = key_values(run([config.BENCH_TOOL, "synth-capture", "--churn", str(n),
                              "--output", path]).stdout)
        for r in range(config.REPORT_RUNS):
            for build in rotated(order, r):
                t0 = time.monotonic()
                with open(os.devnull, "w") as null:
                    p = subprocess.Popen([build.submitwatch, "report", path], stdout=null,
                                         stderr=subprocess.PIPE)
                    _, status, usage = os.wait4(p.pid, 0)
                elapsed = time.monotonic() - t0
                if os.waitstatus_to_exitcode(status) != 0:
                    raise RuntimeError(f"submitwatch report failed: {p.stderr.read().decode()}")
                res.add(build.name, "report_s", n, elapsed)
                res.add(build.name, "report_rss_mib", n, usage.ru_maxrss / 1024)
        log(f"   churn capture of {n:,} cgroups ({int(gen['bytes']) >> 20} MiB): reported "
            f"{config.REPORT_RUNS} times by each build")
    os.unlink(path)


def measure(lab):
    order = builds()
    names = ", ".join(b.name for b in order)
    log(f"\n-- Scale: N (cgroup, disk) pairs at N = {', '.join(f'{n:,}' for n in SIZES)}"
        f" ({config.RUNS} rounds{'; builds ' + names + ' interleaved' if len(order) > 1 else ''})")
    res = ScaleResult([b.name for b in order])
    for r in range(config.RUNS):
        for build in rotated(order, r):
            _snapshots(res, build, lab)
            _model(res, build, lab.workdir)
            _record_footprint(res, build, lab)
        log(f"   round {r + 1}/{config.RUNS} done")
    _churn_reports(res, order, lab)
    for line in curve_lines(res):
        log(line)
    return res


def _cell(res, build, m, n):
    xs = res.samples(build, m.key, n)
    return spread(xs, m.fmt) if xs else "n/a"


def curve_lines(res):
    """The phase's table: each measure at each N (medians [min-max]), per
    build, with its growth exponent from 10k to 100k."""
    sizes = [n for n in sorted(set(SIZES) | set(CHURN_SIZES))
             if any(res.samples(b, m.key, n) for b in res.builds for m in MEASURES)]
    labelled = len(res.builds) > 1
    table = [["measure"] + (["build"] if labelled else []) + [f"N={n:,}" for n in sizes] +
             ["growth"]]
    for m in MEASURES:
        ns = res.sizes(m.key)
        if not ns:
            continue
        for i, build in enumerate(res.builds):
            k = growth_exponent(res.samples(build, m.key, 10_000),
                                res.samples(build, m.key, 100_000), 10_000, 100_000)
            table.append([f"{m.label} ({m.unit})" if i == 0 else ""] +
                         ([build] if labelled else []) +
                         [_cell(res, build, m, n) if n in ns else "" for n in sizes] +
                         [f"N^{k:.2f}" if k is not None else ""])
    widths = [max(len(row[c]) for row in table) for c in range(len(table[0]))]
    first_number = 2 if labelled else 1
    lines = ["   " + "  ".join(cell.rjust(w) if c >= first_number else cell.ljust(w)
                               for c, (cell, w) in enumerate(zip(row, widths))).rstrip()
             for row in table]
    lines.append(f"   growth: the exponent k of N^k from N=10,000 to 100,000 (N log N: "
                 f"{N_LOG_N_EXPONENT:.2f}; linear 1.00; quadratic 2.00)")
    rss = rss_formula(res, res.builds[-1])
    if rss:
        lines.append(f"   record RSS ~ {rss[0]:.1f} MiB + {rss[1] * 1024 * 1024:.0f} bytes per key "
                     f"(least squares over the N above)")
    lines += [f"   note: {n}" for n in res.notes]
    return lines


def rss_formula(res, build):
    """(MiB at no keys, MiB per key) of record's RSS, fitted; None without data."""
    points = [(n, x) for n in SIZES for x in res.samples(build, "record_rss_mib", n)]
    return fit_line(points)


def _with_before(res, key, n, fmt):
    """" (before X)" when the baseline measured it."""
    if len(res.builds) < 2:
        return ""
    xs = res.samples(res.builds[0], key, n)
    return f" (before {fmt.format(median(xs))})" if xs else ""


def _goal_row(res, measure, key, n, goal, fmt):
    build = res.builds[-1]
    xs = res.samples(build, key, n)
    row = stat_row(measure, xs, fmt, goal)
    return Row(row.measure, row.value + _with_before(res, key, n, fmt), row.goal, row.measured)


def rows(res):
    after = res.builds[-1]
    out = [
        _goal_row(res, f"scale: snapshot of {GOAL_N:,} pairs, kernel maps + model (ms)",
                  "snapshot_ms", GOAL_N, Goal("<=", 50), "{:.1f}"),
        _goal_row(res, f"scale: snapshot CPU at the 1 s interval, {GOAL_N:,} pairs (%)",
                  "cpu_pct", GOAL_N, Goal("<=", 5), "{:.2f}"),
        _goal_row(res, f"scale: top frame at {GOAL_N:,} pairs, sort + filter (ms)",
                  "BM_ScaleTopFrame", GOAL_N, Goal("<=", 20), "{:.1f}"),
        _goal_row(res, f"scale: report of a {SOAK_N:,}-cgroup churn capture (s)",
                  "report_s", SOAK_N, Goal("<=", 5), "{:.2f}"),
        _goal_row(res, f"scale: record RSS holding {GOAL_N:,} keys (MiB)",
                  "record_rss_mib", GOAL_N, Goal("<=", 64), "{:.1f}"),
    ]
    maps = res.samples(after, "record_bpf_map_mib", GOAL_N)
    if maps:
        # The bio table and slots, mapped to be read without a syscall: the
        # kernel's memory, counted in the RSS only because it is mapped.
        out.append(Row("scale: of that RSS, BPF maps mapped in (MiB)",
                       f"{median(maps):.1f}" + _with_before(res, "record_bpf_map_mib", GOAL_N,
                                                            "{:.1f}")))
    rss = rss_formula(res, after)
    if rss:
        out.append(Row("scale: record RSS growth (least squares)",
                       f"{rss[0]:.1f} MiB + {rss[1] * 1024 * 1024:.0f} bytes per key"))
    for key in ("snapshot_ms", "first_ms", "BM_ScaleTopFrame", "BM_ScaleNewPairs", "report_s",
                "record_rss_mib"):
        k = growth_exponent(res.samples(after, key, 10_000), res.samples(after, key, 100_000),
                            10_000, 100_000)
        if k is None:
            continue
        goal = None if key == "record_rss_mib" else Goal(
            "<=", 1.25, f"<= N^1.25 (N log N: N^{N_LOG_N_EXPONENT:.2f})")
        out.append(Row(f"scale: growth 10k -> 100k, {BY_KEY[key].label}", f"N^{k:.2f}", goal, k))
    return out
