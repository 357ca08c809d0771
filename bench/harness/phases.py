"""The phases in the order they run, and the order the summary shows them.
A new phase is a module with measure(lab), rows(result) and, where it
compares IOPS, ratio_lines(result), plus one line here."""

import textwrap
from typing import Callable, NamedTuple, Optional

from . import cost, exporter, io_overhead, loss, scale, storm, sync, user_space
from .environment import CGROUP, LOOP, TRACEFS, ZRAM


class Phase(NamedTuple):
    name: str
    about: str
    needs: frozenset  # what it runs on (environment.ZRAM, LOOP, CGROUP, TRACEFS)
    measure: Callable
    rows: Callable
    ratio_lines: Optional[Callable] = None


PHASES = (
    Phase("io", "IO overhead: fio on zram and on a throttled loop device, untraced vs "
          "record vs bpftrace (and the empty programs alone)",
          frozenset({ZRAM, LOOP, CGROUP, TRACEFS}), io_overhead.measure, io_overhead.rows,
          io_overhead.ratio_lines),
    Phase("storm", "workqueue storm: buffered writes + fsync each, overhead and lost events",
          frozenset({LOOP}), storm.measure, storm.rows, storm.ratio_lines),
    Phase("cost", "BPF cost per event of each program, above the empty-program floor",
          frozenset({ZRAM, LOOP, TRACEFS}), cost.measure, cost.rows),
    Phase("loss", "record --all-allocs at BENCH_ALLOC_RATE allocations/s; the loss "
          "counter's exactness under a flood", frozenset(), loss.measure, loss.rows),
    Phase("user", "bench_model (Google Benchmark) and `report` of a synthetic capture",
          frozenset(), user_space.measure, user_space.rows),
    Phase("scale", "costs at N = 1k, 10k, 100k (cgroup, disk) pairs: snapshot of real kernel "
          "maps, the model, a top frame, record's RSS, report of a churn capture",
          frozenset({LOOP}), scale.measure, scale.rows),
    Phase("export", "serve at 10,000 series: publish and render time (bench_model), scrape "
          "time and RSS over HTTP (bench_tool exporter), and serve on this host",
          frozenset(), exporter.measure, exporter.rows),
    Phase("sync", "keeping the capture durable: fdatasync time and writer thread CPU at the "
          "default --sync-interval 1s, and lost events, vs never syncing, under an allocation "
          "flood", frozenset(), sync.measure, sync.rows),
)
BY_NAME = {p.name: p for p in PHASES}
# The goals table's order; "footprint" is what the io and storm runs saw of
# each tracer.
TABLE_ORDER = ("io", "storm", "cost", "user", "footprint", "loss", "scale", "export", "sync")


def select(text):
    """The phases a BENCH_PHASES value names (commas or spaces; empty or "all":
    every one), in run order; ValueError naming the known ones otherwise."""
    names = set(text.replace(",", " ").split()) - {"all"}
    unknown = sorted(names - BY_NAME.keys())
    if unknown:
        raise ValueError(f"unknown phase {', '.join(unknown)}; the phases are "
                         f"{', '.join(BY_NAME)}")
    return tuple(p for p in PHASES if not names or p.name in names)


def describe():
    return "\n".join(textwrap.fill(p.about, 79, initial_indent=f"  {p.name:<7}",
                                   subsequent_indent=" " * 9) for p in PHASES)
