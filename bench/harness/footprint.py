"""What the interleaved IO runs saw of each tracer: start to attached, RSS,
CPU, and whether record mapped libbcc (never by default; with --user-stacks,
which loads it, the same figures side by side)."""

from dataclasses import dataclass, field

from .goals import Goal, Row, stat_row

SUBMITWATCH, USER_STACKS, BPFTRACE = "submitwatch", "submitwatch --user-stacks", "bpftrace"
TRACERS = (SUBMITWATCH, USER_STACKS, BPFTRACE)
MIB = "{:.1f}"


@dataclass
class TracerFootprint:
    attach_ms: list = field(default_factory=list)
    rss_mib: list = field(default_factory=list)
    hwm_mib: list = field(default_factory=list)
    cpu_pct: list = field(default_factory=list)
    libbcc: list = field(default_factory=list)  # whether each run mapped it


@dataclass
class Footprint:
    by_tracer: dict = field(default_factory=lambda: {t: TracerFootprint() for t in TRACERS})
    runs: int = 0

    @property
    def libbcc(self):
        """Whether any default record run mapped libbcc."""
        return any(self.by_tracer[SUBMITWATCH].libbcc)

    def note(self, variant, tracer, sample, seconds):
        fp = self.by_tracer.get(variant)
        if fp is None:
            return
        self.runs += 1
        fp.attach_ms.append(tracer.attached_s * 1000)
        fp.rss_mib.append(sample.rss_kib / 1024)
        fp.hwm_mib.append(sample.hwm_kib / 1024)
        fp.cpu_pct.append(100 * sample.cpu_s / seconds)
        fp.libbcc.append(sample.libbcc)


def rows(fp):
    sw, us, bt = (fp.by_tracer[t] for t in TRACERS)
    out = [
        stat_row("record steady-state RSS (MiB, end of each IO run)", sw.rss_mib, MIB,
                 Goal("<=", 16)),
        stat_row("record peak RSS VmHWM (MiB)", sw.hwm_mib, MIB),
        stat_row("bpftrace steady-state RSS (MiB)", bt.rss_mib, MIB),
        stat_row("record start to attached (ms)", sw.attach_ms, goal=Goal("<=", 250)),
        stat_row("bpftrace start to attached (ms)", bt.attach_ms),
        stat_row("record CPU during IO runs (% of one core)", sw.cpu_pct, "{:.1f}"),
        stat_row("bpftrace CPU during IO runs (% of one core)", bt.cpu_pct, "{:.1f}"),
        Row("libbcc mapped by record (default options)", "yes" if fp.libbcc else "no",
            Goal("==", False, "never"), fp.libbcc),
    ]
    if us.attach_ms:
        mapped = all(us.libbcc)
        out += [
            stat_row("record --user-stacks steady-state RSS (MiB)", us.rss_mib, MIB),
            stat_row("record --user-stacks peak RSS VmHWM (MiB)", us.hwm_mib, MIB),
            stat_row("record --user-stacks start to attached (ms)", us.attach_ms),
            stat_row("record --user-stacks CPU during IO runs (% of one core)", us.cpu_pct,
                     "{:.1f}"),
            Row("libbcc mapped by record --user-stacks", "yes" if mapped else "no",
                Goal("==", True, "every run"), mapped),
        ]
    return out
