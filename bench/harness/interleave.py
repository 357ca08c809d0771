"""Variants of one workload side by side: each round runs every variant once,
the order rotated round by round so that no variant always runs first (cold)
or last (after the others' writeback)."""

import os
from dataclasses import dataclass

from . import config
from .capture import read_capture
from .log import log
from .procs import bpftrace_tracer, floor_tracer, submitwatch_tracer
from .stats import paired_ratios

UNTRACED, SUBMITWATCH, BPFTRACE, FLOOR = "untraced", "submitwatch", "bpftrace", "floor"
# record --user-stacks: libbcc loaded, user stacks symbolized (issue 17).
USER_STACKS = "submitwatch --user-stacks"
RECORDS = (SUBMITWATCH, USER_STACKS)


@dataclass
class Interleaved:
    iops: dict      # variant -> IOPS of each round
    captures: list  # the Capture of each default submitwatch run, in order

    @property
    def lost(self):
        return [c.lost for c in self.captures]

    def ratios(self, a, b):
        """Variant a's IOPS over b's, round by round."""
        return paired_ratios(self.iops[a], self.iops[b])


def rotated(variants, r):
    """The order of round r."""
    k = r % len(variants)
    return variants[k:] + variants[:k]


def _tracer(cleanup, variant, capture):
    if variant == SUBMITWATCH:
        return submitwatch_tracer(cleanup, capture)
    if variant == USER_STACKS:
        return submitwatch_tracer(cleanup, capture, ("--user-stacks",))
    if variant == BPFTRACE:
        return bpftrace_tracer(cleanup)
    if variant == FLOOR:
        return floor_tracer(cleanup)
    return None


def interleaved(lab, title, variants, workload):
    """Runs workload(seconds) config.RUNS rounds under each variant; the
    tracers' footprint goes to lab.footprint."""
    log(f"\n-- {title}")
    iops = {v: [] for v in variants}
    captures = []
    capture = os.path.join(lab.workdir, "ab.jsonl")
    for r in range(config.RUNS):
        line = []
        for v in rotated(variants, r):
            tracer = _tracer(lab.cleanup, v, capture)
            if tracer:
                tracer.start()
            value = workload(config.SECONDS)
            if tracer:
                lab.footprint.note(v, tracer, tracer.sample(), config.SECONDS)
                rc = tracer.stop()
                if rc not in (0, None) and v in RECORDS:
                    raise RuntimeError(f"{v} record exited {rc}:\n  " + "\n  ".join(tracer.tail))
            if v == SUBMITWATCH:
                captures.append(read_capture(capture))
            if v in RECORDS:
                os.unlink(capture)
            iops[v].append(value)
            line.append(f"{v} {value:,.0f}")
        log(f"   round {r + 1}/{config.RUNS}: " + "  ".join(line) + " IOPS")
    return Interleaved(iops, captures)
