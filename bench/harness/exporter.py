"""Phase export: what `submitwatch serve` costs at 10,000 series. bench_model
times publishing a snapshot (tables -> series, on the collector's thread) and
rendering one scrape (on the HTTP server's thread), one core;
`bench_tool exporter` serves a synthetic model of that size over HTTP as
serve does, and the harness scrapes it in both formats (wall time per scrape,
client included) and reads its RSS; then the real `submitwatch serve` on this
host, with the series it has here."""

import json
import os
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Optional

from . import config
from .goals import Goal, Row, stat_row
from .log import log
from .procs import Tracer, run
from .stats import spread

SCRAPES = 20  # per format, per round
OPENMETRICS = ("application/openmetrics-text;version=1.0.0,"
               "text/plain;version=0.0.4;q=0.5")  # as Prometheus asks
TEXT = "text/plain;version=0.0.4"
PUBLISH = "BM_ExporterPublish"
RENDER_TEXT = "BM_ExporterRender/0"
RENDER_OPENMETRICS = "BM_ExporterRender/1"


@dataclass
class ScrapeResult:
    series: int = 0                                   # samples in one scrape
    bytes: int = 0
    ms: dict = field(default_factory=dict)            # format -> ms of each scrape
    rss_mib: list = field(default_factory=list)       # after the scrapes, each round
    hwm_mib: list = field(default_factory=list)       # peak, each round


@dataclass
class ExportResult:
    benchmark_ms: dict            # benchmark -> ms per operation of each repetition; {} if not built
    benchmark_series: int         # samples the benchmarks render
    synthetic: ScrapeResult
    live: Optional[ScrapeResult]  # the real serve here; None if it could not start


def ms_per_op(benchmark_json):
    """{run name: [real-time ms per iteration of each repetition]}, and the
    series count the benchmarks report."""
    ms, series = {}, 0
    for b in benchmark_json["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
        ms.setdefault(b["run_name"], []).append(b["real_time"] * scale)
        series = int(b.get("series", series))
    return ms, series


def count_series(text):
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))


def _scrape(port, accept):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Accept": accept})
    t0 = time.monotonic()
    with urllib.request.urlopen(request, timeout=30) as r:
        body = r.read()
    return (time.monotonic() - t0) * 1000, body.decode("utf-8")


def _scrape_rounds(tracer, port, result, rounds):
    for r in range(rounds):
        for fmt, accept in (("text", TEXT), ("openmetrics", OPENMETRICS)):
            for _ in range(SCRAPES):
                ms, body = _scrape(port, accept)
                result.ms.setdefault(fmt, []).append(ms)
        result.series = count_series(body)
        result.bytes = len(body.encode("utf-8"))
        sample = tracer.sample()
        result.rss_mib.append(sample.rss_kib / 1024)
        result.hwm_mib.append(sample.hwm_kib / 1024)
        log(f"   round {r + 1}/{rounds}: {result.series:,} series, {result.bytes / 1024:,.0f} KiB; "
            f"text {spread(result.ms['text'][-SCRAPES:], '{:.1f}')} ms, "
            f"OpenMetrics {spread(result.ms['openmetrics'][-SCRAPES:], '{:.1f}')} ms; "
            f"RSS {sample.rss_kib / 1024:.1f} MiB (peak {sample.hwm_kib / 1024:.1f})")


def _benchmarks(workdir):
    if not os.path.exists(config.BENCH_MODEL):
        log("   bench_model was not built (Google Benchmark missing)")
        return {}, 0
    out = os.path.join(workdir, "bench_exporter.json")
    run([config.BENCH_MODEL, "--benchmark_filter=BM_Exporter", f"--benchmark_repetitions={config.RUNS}",
         "--benchmark_min_time=0.2", f"--benchmark_out={out}", "--benchmark_out_format=json"])
    with open(out) as f:
        ms, series = ms_per_op(json.load(f))
    os.unlink(out)
    for name in (PUBLISH, RENDER_TEXT, RENDER_OPENMETRICS):
        log(f"   {name:<28} {spread(ms.get(name, []), '{:.2f}'):>24} ms per operation")
    return ms, series


def _synthetic(cleanup):
    lines = []

    def ready(line):
        lines.append(line)
        return line.startswith("port=")
    tracer = Tracer(cleanup, "bench_tool exporter", [config.BENCH_TOOL, "exporter"], ready).start()
    try:
        info = dict(kv.split("=", 1) for kv in lines[-1].split())
        log(f"   bench_tool exporter: {int(info['series']):,} series; a publish took "
            f"{int(info['publish_us']) / 1000:.2f} ms")
        result = ScrapeResult()
        _scrape_rounds(tracer, int(info["port"]), result, config.RUNS)
    finally:
        tracer.stop()
    return result


def _live(cleanup):
    port = []

    def ready(line):
        if "serving http://127.0.0.1:" in line:
            port.append(int(line.split("127.0.0.1:")[1].split("/")[0]))
            return True
        return False
    tracer = Tracer(cleanup, "submitwatch serve",
                    [config.SUBMITWATCH, "serve", "--listen", "127.0.0.1:0"], ready)
    try:
        tracer.start(timeout=60)
    except RuntimeError as e:
        log(f"   submitwatch serve did not start: {e}")
        return None
    try:
        time.sleep(3)  # a few snapshots
        result = ScrapeResult()
        _scrape_rounds(tracer, port[0], result, 1)
    finally:
        tracer.stop()
    return result


def measure(lab):
    log(f"\n-- The exporter at 10,000 series: bench_model (one core, {config.RUNS} repetitions)")
    ms, series = _benchmarks(lab.workdir)
    log(f"\n-- bench_tool exporter over HTTP ({config.RUNS} rounds of {SCRAPES} scrapes per format)")
    synthetic = _synthetic(lab.cleanup)
    log("\n-- submitwatch serve on this host (its own series)")
    live = _live(lab.cleanup)
    return ExportResult(ms, series, synthetic, live)


def rows(res):
    s = res.synthetic
    n = f"{s.series / 1000:.1f}k series"
    out = [
        stat_row(f"serve scrape, {n}, Prometheus text (ms, HTTP client included)",
                 s.ms.get("text", []), "{:.1f}", Goal("<", 100)),
        stat_row(f"serve scrape, {n}, OpenMetrics (ms, HTTP client included)",
                 s.ms.get("openmetrics", []), "{:.1f}", Goal("<", 100)),
        stat_row(f"serve RSS, {n} (MiB, peak)", s.hwm_mib, "{:.1f}", Goal("<", 64), max),
        Row(f"serve exposition, {n} (KiB)", f"{s.bytes / 1024:,.0f}"),
    ]
    if res.benchmark_ms:
        b = f"{res.benchmark_series / 1000:.1f}k series"
        out += [
            stat_row(f"render one scrape, {b}, text (ms, one core)", res.benchmark_ms.get(RENDER_TEXT, []),
                     "{:.2f}"),
            stat_row(f"render one scrape, {b}, OpenMetrics (ms, one core)",
                     res.benchmark_ms.get(RENDER_OPENMETRICS, []), "{:.2f}"),
            stat_row(f"publish a snapshot, {b} (ms, one core, collector thread)",
                     res.benchmark_ms.get(PUBLISH, []), "{:.2f}"),
        ]
    if res.live:
        live = res.live
        out += [
            stat_row(f"serve on this host, {live.series:,} series: scrape (ms)",
                     live.ms.get("openmetrics", []), "{:.1f}"),
            stat_row("serve on this host: RSS (MiB, peak)", live.hwm_mib, "{:.1f}", None, max),
        ]
    return out
