"""One run: the header, the selected phases on the devices they need, the
clean-up (also on failure and signals), then the summary."""

import time

from . import config, footprint, machine, phases
from .cleanup import Cleanup, ignore_signals, raise_on_signals
from .environment import make_lab
from .goals import format_table, tally
from .log import log
from .procs import run


def _header(selected):
    log("submitwatch benchmark (bench/run)")
    log(machine.facts())
    try:
        fio_version = run(["fio", "--version"]).stdout.strip()
        bt_version = run(["bpftrace", "--version"]).stdout.strip()
    except FileNotFoundError as e:
        raise RuntimeError(f"{e.filename} is missing: bench/run installs it") from None
    log(f"tools: {fio_version}, {bt_version}, submitwatch "
        f"{run([config.SUBMITWATCH, '--version']).stdout.strip()}")
    log(f"settings: {config.RUNS} interleaved rounds, fio runs of {config.SECONDS:g}s, variant "
        "order rotated each round; ratios are medians of the per-round ratios [min-max]")
    if config.BASELINE_BUILD:
        log(f"baseline (\"before\" in the cost and scale phases): {config.BASELINE_BUILD}")
    if len(selected) < len(phases.PHASES):
        log(f"phases: {', '.join(p.name for p in selected)} (of {', '.join(phases.BY_NAME)})")
    log(f"load average at start: {machine.loadavg()}; "
        f"kernel.bpf_stats_enabled={machine.bpf_stats_sysctl()}")
    foreign = machine.foreign_bpf_tracers()
    if foreign:
        log(f"note: {len(foreign)} tracing BPF programs of other processes are loaded "
            f"({', '.join(sorted(set(foreign))[:8])}); they tax every variant alike")


def summary(selected, results, fp):
    """The ratios and the goals table of what ran."""
    ratio_lines = [line for p in selected if p.ratio_lines for line in p.ratio_lines(results[p.name])]
    if ratio_lines:
        log("\n== Ratios (median of per-round ratios [min-max]; IOPS medians) ==")
        for line in ratio_lines:
            log(line)
    rows = []
    for name in phases.TABLE_ORDER:
        if name == "footprint":
            rows += footprint.rows(fp) if fp.runs else []
        elif name in results:
            rows += phases.BY_NAME[name].rows(results[name])
    log("\n== Goals (issues 7 and 18) and other measures ==")
    for line in format_table(rows):
        log(line)
    passed, missed = tally(rows)
    log(f"\n   goals: {passed} PASS, {missed} MISS")


def main(state, selected):
    raise_on_signals()
    cleanup = Cleanup(state)
    t_start = time.monotonic()
    _header(selected)
    results = {}
    try:
        lab, devices = make_lab(cleanup, frozenset().union(*(p.needs for p in selected)))
        if devices:
            log(devices)
        for p in selected:
            results[p.name] = p.measure(lab)
    finally:
        ignore_signals()
        cleanup.all()
    elapsed = time.monotonic() - t_start
    summary(selected, results, lab.footprint)
    log(f"\nload average at end: {machine.loadavg()}; harness time {elapsed / 60:.1f} min "
        "(without build); everything it made was removed")
