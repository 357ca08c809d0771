"""Phase cost: each BPF program's ns/event from the kernel's run-time
statistics, next to an empty program on the same hook attached in the same
run (bench/floor.bpf.c, the floor); bpftrace's programs likewise, in runs of
their own. The floor process holds the stats on (BPF_ENABLE_STATS is
fd-scoped), so they are on for this phase only."""

import glob
import json
import os
import re
from dataclasses import dataclass, field

from . import config
from .fio import fio, storm_writes, zram_reads
from .goals import Goal, Row, stat_row
from .log import log
from .procs import bpftrace_tracer, floor_tracer, run, run_tracked, submitwatch_tracer
from .stats import ProgCounters, above_floor, cost_between, median, spread

BIO = "sw_block_bio_queue"
PERCPU = "sw_percpu_alloc"
BPFTRACE_PERCPU = "percpu_alloc_pe"
BEFORE = "before"
# Rides along with bpftrace's run, which attaches nothing to the workqueue hooks.
CLOCK = "clock"
# Each workqueue program runs once per work item of the host.
WQ_GOAL_NS = 100
# bpftrace names its programs after the tracepoint, truncated.
BPFTRACE_FLOOR = {"block_bio_queue": "floor_block_bio_queue",
                  "percpu_alloc_pe": "floor_percpu_alloc"}


def floor_program(name):
    """The empty program on the hook `name` runs on."""
    return BPFTRACE_FLOOR.get(name, name.replace("sw_", "floor_", 1))


def clock_program(name):
    """The one-clock-read program (`bench_tool floor --clock`) on the hook
    `name` runs on; there is one where a workqueue program reads the clock."""
    return name.replace("sw_", "clock_", 1)


@dataclass
class ProgramCost:
    owner: str
    program: str
    events: list = field(default_factory=list)  # per round
    ns: list = field(default_factory=list)      # ns/event, rounds it ran
    floor: list = field(default_factory=list)   # the floor's ns/event, rounds both ran
    above: list = field(default_factory=list)   # ns - floor of those rounds

    def add(self, cost, floor):
        self.events.append(cost.events)
        if cost.ns_per_event is None:
            return
        self.ns.append(cost.ns_per_event)
        gap = above_floor(cost, floor)
        if gap is not None:
            self.floor.append(floor.ns_per_event)
            self.above.append(gap)


@dataclass
class CostResult:
    programs: list         # ProgramCost, by owner and program
    bio_by_workload: dict  # workload -> sw_block_bio_queue above the floor per round
    # clock_ program -> one bpf_ktime_get_ns() above the floor, per round
    clock: dict = field(default_factory=dict)


def named_costs(names, before, after):
    """{program name: Cost} between two readings {prog id: ProgCounters}."""
    return {names.get(i, str(i)): c for i, c in cost_between(before, after).items()}


def parse_fdinfo(text):
    """(prog id, ProgCounters) of a BPF program fd's fdinfo; None for any
    other fd (a map, a link, a file)."""
    fields = [re.search(rf"^{k}:\s+(\d+)", text, re.M) for k in ("prog_id", "run_time_ns", "run_cnt")]
    if not all(fields):
        return None
    prog_id, ns, cnt = (int(m.group(1)) for m in fields)
    return prog_id, ProgCounters(ns, cnt)


def _prog_counters(pids):
    """{prog id: ProgCounters} of the programs the processes hold."""
    counters = {}
    for pid in pids:
        for path in glob.glob(f"/proc/{pid}/fdinfo/*"):
            try:
                with open(path) as f:
                    prog = parse_fdinfo(f.read())
            except OSError:
                continue
            if prog:
                counters[prog[0]] = prog[1]
    return counters


def _prog_names(ids):
    progs = json.loads(run(["bpftool", "prog", "show", "-j"]).stdout)
    return {p["id"]: p.get("name", str(p["id"])) for p in progs if p["id"] in ids}


def _tracer(cleanup, who, capture):
    if who == "bpftrace":
        return bpftrace_tracer(cleanup)
    if who == CLOCK:
        return floor_tracer(cleanup, ["--clock"])
    binary = os.path.join(config.BASELINE_BUILD, "submitwatch") if who == BEFORE else None
    return submitwatch_tracer(cleanup, capture, binary=binary)


def measure(lab):
    variants = ["submitwatch"] + ([BEFORE] if config.BASELINE_BUILD else []) + ["bpftrace"]
    log("\n-- BPF cost per event, from run-time stats (on for this phase only: fd-scoped, "
        f"held by the floor process). Each round runs the workload {len(variants)} times: with "
        f"{', then '.join(variants)} attached, each next to the empty-program floor" +
        (" (before: the baseline build's submitwatch)" if config.BASELINE_BUILD else "") +
        "; bpftrace's run also has bench_tool floor --clock's one-clock-read programs on the "
        "workqueue hooks")
    cleanup = lab.cleanup
    floor = floor_tracer(cleanup, ["--stats"]).start()
    capture = os.path.join(lab.workdir, "cost.jsonl")
    programs = {}  # (owner, program) -> ProgramCost
    bio_by_workload = {}
    clock = {}
    try:
        for r in range(config.RUNS):
            for who in variants:
                tracer = _tracer(cleanup, who, capture).start()
                clock_tracer = _tracer(cleanup, CLOCK, capture).start() if who == "bpftrace" else None
                owners = [floor.proc.pid, tracer.proc.pid] + ([clock_tracer.proc.pid] if clock_tracer else [])
                before = _prog_counters(owners)
                names = _prog_names(set(before))
                theirs = set(_prog_counters([tracer.proc.pid]))
                fio(cleanup, zram_reads(lab.zram, 1), 3)
                after_reads = _prog_counters(owners)
                fio(cleanup, storm_writes(lab.loop), 2)
                after_storm = _prog_counters(owners)
                run_tracked(cleanup, [config.BENCH_TOOL, "percpu-flood", "--rate", "20000",
                                      "--batch", "200", "--seconds", "1"], "bench_tool")
                after = _prog_counters(owners)
                tracer.stop()
                if clock_tracer:
                    clock_tracer.stop()
                if who == "submitwatch":
                    for part, t0, t1 in (("zram reads", before, after_reads),
                                         ("workqueue storm", after_reads, after_storm)):
                        costs = named_costs(names, t0, t1)
                        gap = above_floor(costs.get(BIO), costs.get(floor_program(BIO)))
                        if gap is not None:
                            bio_by_workload.setdefault(part, []).append(gap)
                costs = named_costs(names, before, after)
                for name, cost in costs.items():
                    if name.startswith("clock_"):
                        gap = above_floor(cost, costs.get(name.replace("clock_", "floor_", 1)))
                        if gap is not None:
                            clock.setdefault(name, []).append(gap)
                for name in (names.get(i, str(i)) for i in theirs):
                    programs.setdefault((who, name), ProgramCost(who, name)).add(
                        costs[name], costs.get(floor_program(name)))
            log(f"   round {r + 1}/{config.RUNS} done")
    finally:
        floor.stop()
        if os.path.exists(capture):
            os.unlink(capture)
    result = CostResult([programs[k] for k in sorted(programs)], bio_by_workload, clock)
    _log_table(result)
    return result


def _log_table(result):
    log(f"   {'owner':<12} {'program':<24} {'events/run':>12}  {'ns/event':<22} "
        f"{'floor ns/event':<20} {'above floor':<20}")
    for p in result.programs:
        log(f"   {p.owner:<12} {p.program:<24} {median(p.events):>12,.0f}  {spread(p.ns):<22} "
            f"{spread(p.floor):<20} {spread(p.above):<20}")
    for part, above in result.bio_by_workload.items():
        log(f"   submitwatch {BIO}, {part} alone: {spread(above)} ns above the floor")
    for program, above in sorted(result.clock.items()):
        log(f"   {program} (one bpf_ktime_get_ns(), in bpftrace's runs): {spread(above)} ns above the floor")


def _median_above(result, owner, program):
    p = next((p for p in result.programs if (p.owner, p.program) == (owner, program)), None)
    return median(p.above) if p and p.above else None


def rows(result):
    out = []
    bio = next((p for p in result.programs if (p.owner, p.program) == ("submitwatch", BIO)), None)
    if bio and bio.above:
        before = _median_above(result, BEFORE, BIO)
        out.append(Row("block_bio_queue ns/bio above the empty-program floor",
                       f"{spread(bio.above)} ({median(bio.ns):.0f} vs floor {median(bio.floor):.0f})"
                       + (f" (before {before:.0f})" if before is not None else ""),
                       Goal("<=", 40), median(bio.above)))
    out += [stat_row(f"  of which {part} alone", above)
            for part, above in result.bio_by_workload.items()]
    bpftrace_percpu = _median_above(result, "bpftrace", BPFTRACE_PERCPU)
    for p in result.programs:
        # The baseline's figures stand next to this build's.
        if (p.program == BIO and p.owner == "submitwatch") or p.owner == BEFORE or not p.ns:
            continue
        goal = None
        if p.owner == "submitwatch" and p.program.startswith("sw_wq_"):
            goal = Goal("<=", WQ_GOAL_NS)
        elif p.owner == "submitwatch" and p.program == PERCPU and bpftrace_percpu is not None:
            goal = Goal("<", bpftrace_percpu, f"< bpftrace's {bpftrace_percpu:.0f}")
        before = _median_above(result, BEFORE, p.program) if p.owner == "submitwatch" else None
        row = (stat_row(f"{p.program} ({p.owner}) ns/event above floor", p.above, goal=goal)
               if p.floor else stat_row(f"{p.program} ({p.owner}) ns/event", p.ns))
        if before is not None:
            row = Row(row.measure, f"{row.value} (before {before:.0f})", row.goal, row.measured)
        out.append(row)
        clock = result.clock.get(clock_program(p.program)) if p.owner == "submitwatch" else None
        if clock:
            out.append(stat_row("  of which one bpf_ktime_get_ns() alone", clock))
    return out
