"""Phase storm: buffered 4 KiB writes with an fsync each on the loop device,
a storm of loop work items: submitwatch's overhead and what it lost."""

from dataclasses import dataclass

from . import config
from .fio import fio, storm_writes
from .goals import Goal, Row, stat_row
from .interleave import SUBMITWATCH, UNTRACED, Interleaved, interleaved
from .log import log
from .stats import median, spread


@dataclass
class StormResult:
    runs: Interleaved
    work_rates: list  # work items executed per second, from each capture

    @property
    def ratios(self):
        return self.runs.ratios(SUBMITWATCH, UNTRACED)


def measure(lab):
    runs = interleaved(lab, f"Workqueue storm: fio 4 KiB buffered random writes + fsync each, {lab.loop}",
                       (UNTRACED, SUBMITWATCH), lambda s: fio(lab.cleanup, storm_writes(lab.loop), s))
    rates = [sum(c.wq.values()) / config.SECONDS for c in runs.captures]
    log(f"   work items executed (from the capture): {spread(rates)} /s; "
        f"lost events per run: {runs.lost}")
    return StormResult(runs, rates)


def ratio_lines(storm):
    iops = storm.runs.iops
    return [f"   {'workqueue storm':<34} ops/s untraced {spread(iops[UNTRACED])}, submitwatch "
            f"{spread(iops[SUBMITWATCH])}; ratio {spread(storm.ratios, '{:.3f}')}"]


def rows(storm):
    lost = sum(storm.runs.lost)
    return [stat_row("workqueue storm ops submitwatch/untraced", storm.ratios, "{:.3f}"),
            Row("workqueue storm: work items/s, lost events",
                f"{median(storm.work_rates):,.0f}/s, lost {lost}", Goal("==", 0, "0 lost"), lost)]
