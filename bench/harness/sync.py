"""Phase sync: what keeping the capture durable costs. `record --all-allocs
--verbose` during a per-cpu allocation flood (the capture grows by megabytes a
second), its capture on BENCH_TMPDIR's file system, with --sync-interval 0
(never synced while recording) and the default 1 s, interleaved: the writer
thread's fdatasync time and CPU (from record's closing "capture writer" line),
and whether event consumption kept up (lost events, record's CPU)."""

import os
import re
from dataclasses import dataclass
from typing import NamedTuple

from . import config
from .capture import read_capture
from .goals import Goal, Row, stat_row
from .interleave import rotated
from .log import log
from .procs import key_values, run_tracked, submitwatch_tracer

SECONDS = 5
NEVER, DEFAULT = "0", "1s"  # --sync-interval values; 1s is the default
VARIANTS = (NEVER, DEFAULT)

_WRITER = re.compile(
    r"capture writer: (?P<bytes>\d+) bytes in (?P<writes>\d+) writes; (?P<syncs>\d+) fdatasync, "
    r"mean (?P<mean_ms>[\d.]+) ms, max (?P<max_ms>[\d.]+) ms; writer thread CPU "
    r"(?P<cpu_ms>[\d.]+) ms in (?P<wall_s>[\d.]+) s")


class WriterLine(NamedTuple):
    bytes: int
    writes: int
    syncs: int
    mean_ms: float
    max_ms: float
    cpu_ms: float
    wall_s: float


def parse_writer_line(lines):
    """The figures of record --verbose's "capture writer" line, or None."""
    for line in lines:
        m = _WRITER.search(line)
        if m:
            d = m.groupdict()
            return WriterLine(int(d["bytes"]), int(d["writes"]), int(d["syncs"]),
                              float(d["mean_ms"]), float(d["max_ms"]), float(d["cpu_ms"]),
                              float(d["wall_s"]))
    return None


class SyncRound(NamedTuple):
    writer: WriterLine
    record_cpu_pct: float  # record's CPU over the flood, % of one core
    lost: int
    mib_per_s: float       # capture written while the flood ran


@dataclass
class SyncResult:
    rounds: dict  # --sync-interval -> SyncRound of each round

    def of(self, interval, field):
        return [getattr(r, field) for r in self.rounds[interval]]

    def writer(self, interval, field):
        return [getattr(r.writer, field) for r in self.rounds[interval]]


def _round(lab, interval):
    capture = os.path.join(lab.workdir, "sync.jsonl")
    extra = ["--all-allocs", "--verbose"] + (["--sync-interval", interval] if interval != DEFAULT
                                             else [])
    tracer = submitwatch_tracer(lab.cleanup, capture, extra).start()
    flood = key_values(run_tracked(lab.cleanup, [
        config.BENCH_TOOL, "percpu-flood", "--rate", str(config.ALLOC_RATE // 5), "--batch", "250",
        "--threads", "1", "--seconds", str(SECONDS)], "bench_tool").stdout)
    sample = tracer.sample()
    tracer.stop()
    writer = parse_writer_line(tracer.tail)
    if writer is None:
        raise RuntimeError("record --verbose printed no capture writer line:\n  " +
                           "\n  ".join(tracer.tail))
    cap = read_capture(capture)
    os.unlink(capture)
    seconds = float(flood["seconds"])
    result = SyncRound(writer, sample.cpu_s / seconds * 100, cap.lost,
                       writer.bytes / writer.wall_s / (1 << 20))
    log(f"   --sync-interval {interval:<3}: {writer.syncs} fdatasync, mean {writer.mean_ms:.1f} ms, "
        f"max {writer.max_ms:.1f} ms; writer thread CPU {writer.cpu_ms:.0f} ms in "
        f"{writer.wall_s:.1f} s; capture {result.mib_per_s:.1f} MiB/s; record CPU "
        f"{result.record_cpu_pct:.0f}%; lost {cap.lost}")
    return result


def measure(lab):
    log(f"\n-- Sync: `record --all-allocs` while the kernel makes ~{config.ALLOC_RATE // 5:,} "
        f"per-cpu allocations/s for {SECONDS} s, the capture in {config.TMP_PARENT}; "
        "--sync-interval 0 (never) interleaved with the default 1s")
    rounds = {v: [] for v in VARIANTS}
    for r in range(config.RUNS):
        for interval in rotated(VARIANTS, r):
            rounds[interval].append(_round(lab, interval))
    return SyncResult(rounds)


def _cpu_pct(result, interval):
    return [100 * w.cpu_ms / 1000 / w.wall_s for w in
            (r.writer for r in result.rounds[interval]) if w.wall_s]


def rows(res):
    lost = res.of(DEFAULT, "lost") + res.of(NEVER, "lost")
    return [
        stat_row("capture fdatasync at the default 1 s interval: mean ms",
                 res.writer(DEFAULT, "mean_ms"), "{:.1f}"),
        stat_row("capture fdatasync at the default 1 s interval: max ms",
                 res.writer(DEFAULT, "max_ms"), "{:.1f}"),
        stat_row("capture writer thread CPU, sync 1s (% of one core)", _cpu_pct(res, DEFAULT),
                 "{:.2f}"),
        stat_row("capture writer thread CPU, never synced (% of one core)", _cpu_pct(res, NEVER),
                 "{:.2f}"),
        stat_row("record CPU during the flood, sync 1s (% of one core)",
                 res.of(DEFAULT, "record_cpu_pct")),
        stat_row("record CPU during the flood, never synced (% of one core)",
                 res.of(NEVER, "record_cpu_pct")),
        stat_row("capture written during the flood (MiB/s)", res.of(DEFAULT, "mib_per_s"),
                 "{:.1f}"),
        Row("lost events per run, sync 1s; never synced",
            f"{res.of(DEFAULT, 'lost')}; {res.of(NEVER, 'lost')}", Goal("==", 0, "0"), sum(lost)),
    ]
