"""What the interleaved IO runs saw of each tracer: start to attached, RSS,
CPU, and whether record mapped libbcc."""

from dataclasses import dataclass, field

from .goals import Goal, Row, stat_row

TRACERS = ("submitwatch", "bpftrace")
MIB = "{:.1f}"


@dataclass
class TracerFootprint:
    attach_ms: list = field(default_factory=list)
    rss_mib: list = field(default_factory=list)
    hwm_mib: list = field(default_factory=list)
    cpu_pct: list = field(default_factory=list)


@dataclass
class Footprint:
    by_tracer: dict = field(default_factory=lambda: {t: TracerFootprint() for t in TRACERS})
    libbcc: bool = False
    runs: int = 0

    def note(self, variant, tracer, sample, seconds):
        fp = self.by_tracer.get(variant)
        if fp is None:
            return
        self.runs += 1
        fp.attach_ms.append(tracer.attached_s * 1000)
        fp.rss_mib.append(sample.rss_kib / 1024)
        fp.hwm_mib.append(sample.hwm_kib / 1024)
        fp.cpu_pct.append(100 * sample.cpu_s / seconds)
        if variant == "submitwatch" and sample.libbcc:
            self.libbcc = True


def rows(fp):
    sw, bt = fp.by_tracer["submitwatch"], fp.by_tracer["bpftrace"]
    return [
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
