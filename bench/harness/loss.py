"""Phase loss: `record --all-allocs` at ~ALLOC_RATE per-cpu allocations/s
(BPF per-CPU hash maps, one allocation per entry), with the default ring and
a 4 MiB one; the loss counter's exactness under a flood into a 4 KiB ring
(program runs = received + lost, counted after detaching); and that flood
through `record` end to end."""

import os
import subprocess
from dataclasses import dataclass
from typing import NamedTuple

from . import config
from .capture import Capture, read_capture
from .goals import Goal, Row, stat_row
from .log import log
from .procs import key_values, run_tracked, submitwatch_tracer
from .stats import spread

ROUNDS = 3
DEFAULT_RING, BIG_RING = "1M", "4M"


class LossRound(NamedTuple):
    rate: float     # alloc events/s the capture shows (received + lost)
    allocs: int     # alloc records in the capture, all processes
    lost: int
    cpu_pct: float  # record's CPU, % of one core


class Exactness(NamedTuple):
    generated: int  # program runs
    received: int
    lost: int
    difference: int


@dataclass
class LossResult:
    rings: dict  # ring size -> LossRound of each round
    exact: Exactness
    flood: Capture


def _flood_round(lab, ring, r):
    capture = os.path.join(lab.workdir, "loss.jsonl")
    extra = ["--all-allocs"] + (["--ringbuf-size", ring] if ring != DEFAULT_RING else [])
    tracer = submitwatch_tracer(lab.cleanup, capture, extra).start()
    flood = key_values(run_tracked(lab.cleanup, [
        config.BENCH_TOOL, "percpu-flood", "--rate", str(config.ALLOC_RATE), "--batch", "250",
        "--threads", "1", "--seconds", "5"], "bench_tool").stdout)
    sample = tracer.sample()
    tracer.stop()
    cap = read_capture(capture)
    os.unlink(capture)
    flood_events = cap.alloc_comms.get("bench_tool", 0)
    seconds = float(flood["seconds"])
    # Lost events cannot be told apart by process: all are charged to the flood.
    result = LossRound((flood_events + cap.lost) / seconds, cap.allocs, cap.lost,
                       sample.cpu_s / seconds * 100)
    log(f"   round {r + 1}/{ROUNDS}, ring {ring}: {flood_events:,} flood events in {seconds:.2f}s "
        f"= {result.rate:,.0f}/s; {cap.allocs:,} alloc records in all, {cap.lost} lost; "
        f"record CPU {result.cpu_pct:.0f}%, RSS {sample.rss_kib / 1024:.1f} MiB")
    return result


def _exactness():
    log("\n-- Loss counter exactness: submitwatch's BPF object, --all-allocs, a 4 KiB ring "
        "buffer, 100,000 allocations; detached, then program runs vs received + lost")
    out = subprocess.run([config.BENCH_TOOL, "loss-exact", "--ringbuf", "4096", "--allocs", "100000"],
                         text=True, capture_output=True)
    if out.returncode not in (0, 3):  # 3: it ran, and the counts differ
        raise RuntimeError(f"bench_tool loss-exact failed: {out.stderr.strip()}")
    kv = key_values(out.stdout)
    exact = Exactness(*(int(kv[k]) for k in Exactness._fields))
    log(f"   program ran {exact.generated:,} times; received {exact.received:,}, "
        f"lost {exact.lost:,}; difference {exact.difference}")
    return exact


def _record_flood(lab):
    log("\n-- The same flood through `record --all-allocs --ringbuf-size 4K` (end to end)")
    capture = os.path.join(lab.workdir, "flood.jsonl")
    tracer = submitwatch_tracer(lab.cleanup, capture, ["--all-allocs", "--ringbuf-size", "4K"]).start()
    run_tracked(lab.cleanup, [config.BENCH_TOOL, "percpu-flood", "--rate", "100000",
                              "--batch", "2000", "--seconds", "2"], "bench_tool")
    tracer.stop()
    cap = read_capture(capture)
    os.unlink(capture)
    log(f"   capture: {cap.allocs:,} alloc records, lost {cap.lost:,} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(cap.lost_counts.items()) if v)}); "
        f"summary lost {cap.summary['lost'] if cap.summary else '?'}")
    return cap


def measure(lab):
    log(f"\n-- Loss: `record --all-allocs` while the kernel makes ~{config.ALLOC_RATE:,} per-cpu "
        "allocations/s (BPF per-CPU hash maps with prealloc, 250 entries each, one thread; "
        "the achieved rate is what the capture shows); the default 1 MiB ring buffer "
        "interleaved with --ringbuf-size 4M")
    rings = {DEFAULT_RING: [], BIG_RING: []}
    for r in range(ROUNDS):
        for ring in rings:
            rings[ring].append(_flood_round(lab, ring, r))
    return LossResult(rings, _exactness(), _record_flood(lab))


def rows(res):
    default, big = res.rings[DEFAULT_RING], res.rings[BIG_RING]
    lost = [x.lost for x in default]
    ex, fl = res.exact, res.flood
    return [
        stat_row("--all-allocs (default ring 1 MiB): achieved alloc events/s",
                 [x.rate for x in default], goal=Goal(">=", 100000)),
        Row("--all-allocs (default ring 1 MiB): lost events per run", f"{lost}",
            Goal("==", 0, "0"), sum(lost)),
        stat_row("record CPU at that rate (% of one core)", [x.cpu_pct for x in default]),
        Row("--all-allocs (--ringbuf-size 4M): achieved events/s; lost per run",
            f"{spread([x.rate for x in big])}; {[x.lost for x in big]}"),
        Row("loss counter exact (4 KiB ring flood)",
            f"ran {ex.generated:,} = received {ex.received:,} + lost {ex.lost:,} "
            f"(diff {ex.difference})", Goal("==", True, "diff 0, lost > 0"),
            ex.difference == 0 and ex.lost > 0),
        Row("record --ringbuf-size 4K flood: received, lost", f"{fl.allocs:,}, {fl.lost:,}"),
    ]
