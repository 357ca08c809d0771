"""Phase io: fio 4 KiB random direct reads on zram (1 and 2 jobs) and direct
writes on the loop device in a throttled cgroup, untraced vs submitwatch
record vs bench/equivalent.bt; the 1-job reads also under the empty programs
alone (the floor: what any BPF program on those hooks costs the IO)."""

from dataclasses import dataclass

from .fio import fio, loop_writes, zram_reads
from .goals import Goal, stat_row
from .interleave import (BPFTRACE, FLOOR, SUBMITWATCH, UNTRACED, USER_STACKS, Interleaved,
                         interleaved)
from .stats import spread

VARIANTS = (UNTRACED, SUBMITWATCH, BPFTRACE)
RATIO = "{:.3f}"
ZRAM1, ZRAM2, LOOP = "zram randread 1 job", "zram randread 2 jobs", "loop randwrite, throttled cgroup"


@dataclass
class IOResult:
    zram1: Interleaved
    zram2: Interleaved
    loop: Interleaved

    def labelled(self):
        return ((ZRAM1, self.zram1), (ZRAM2, self.zram2), (LOOP, self.loop))


def measure(lab):
    def reads(jobs, variants):
        return interleaved(lab, f"IO: fio 4 KiB random direct reads, psync, {jobs} job(s), {lab.zram}",
                           variants, lambda s: fio(lab.cleanup, zram_reads(lab.zram, jobs), s))

    zram1 = reads(1, VARIANTS + (FLOOR,))
    zram2 = reads(2, VARIANTS)
    # record --user-stacks here only: its footprint (libbcc loaded) is what
    # is measured; its IO cost is the default record's plus rare events.
    loop = interleaved(lab, f"IO: fio 4 KiB random direct writes, psync, 1 job, {lab.loop} "
                       "in the throttled cgroup", VARIANTS + (USER_STACKS,),
                       lambda s: fio(lab.cleanup, loop_writes(lab.loop), s, lab.cgroup))
    return IOResult(zram1, zram2, loop)


def ratio_lines(io):
    lines = []
    for label, d in io.labelled():
        lines += [f"   {label:<34} IOPS untraced {spread(d.iops[UNTRACED])}, submitwatch "
                  f"{spread(d.iops[SUBMITWATCH])}, bpftrace {spread(d.iops[BPFTRACE])}",
                  f"   {'':<34} submitwatch/untraced {spread(d.ratios(SUBMITWATCH, UNTRACED), RATIO)}, "
                  f"submitwatch/bpftrace {spread(d.ratios(SUBMITWATCH, BPFTRACE), RATIO)}, "
                  f"bpftrace/untraced {spread(d.ratios(BPFTRACE, UNTRACED), RATIO)}"]
        if USER_STACKS in d.iops:
            lines.append(f"   {'':<34} record --user-stacks {spread(d.iops[USER_STACKS])}: "
                         f"/untraced {spread(d.ratios(USER_STACKS, UNTRACED), RATIO)}")
        if FLOOR in d.iops:
            lines.append(f"   {'':<34} empty programs (floor) {spread(d.iops[FLOOR])}: floor/untraced "
                         f"{spread(d.ratios(FLOOR, UNTRACED), RATIO)}, submitwatch/floor "
                         f"{spread(d.ratios(SUBMITWATCH, FLOOR), RATIO)}")
    return lines


def rows(io):
    z = io.zram1
    out = [stat_row("IOPS submitwatch/untraced, zram 1 job", z.ratios(SUBMITWATCH, UNTRACED), RATIO,
                    Goal(">=", 0.98)),
           stat_row("IOPS empty programs (floor)/untraced, zram 1 job", z.ratios(FLOOR, UNTRACED), RATIO),
           stat_row("IOPS submitwatch/bpftrace, zram 1 job", z.ratios(SUBMITWATCH, BPFTRACE), RATIO,
                    Goal(">", 1))]
    for label, d in io.labelled()[1:]:
        out += [stat_row(f"IOPS submitwatch/untraced, {label}", d.ratios(SUBMITWATCH, UNTRACED), RATIO),
                stat_row(f"IOPS submitwatch/bpftrace, {label}", d.ratios(SUBMITWATCH, BPFTRACE), RATIO)]
        if USER_STACKS in d.iops:
            out.append(stat_row(f"IOPS record --user-stacks/untraced, {label}",
                                d.ratios(USER_STACKS, UNTRACED), RATIO))
    return out
