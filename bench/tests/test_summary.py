"""The end of a run: the ratios section and the goals table of the phases
that ran, in the table's order, and the tally (from made-up results)."""

import contextlib
import io
import unittest

from harness import cost, footprint, io_overhead, loss, phases, runner, storm, sync, user_space
from harness.capture import Capture
from harness.interleave import Interleaved
from harness.procs import Sample


def printed(selected, results, fp):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runner.summary(selected, results, fp)
    return out.getvalue().splitlines()


def interleaved(*variants):
    return Interleaved({v: [100.0, 110.0] for v in variants}, [Capture(), Capture()])


V = ("untraced", "submitwatch", "bpftrace")
RESULTS = {
    "io": io_overhead.IOResult(interleaved(*V, "floor"), interleaved(*V), interleaved(*V)),
    "storm": storm.StormResult(interleaved("untraced", "submitwatch"), [25000.0, 26000.0]),
    "cost": cost.CostResult([cost.ProgramCost("submitwatch", "sw_block_bio_queue", [10],
                                              [100.0], [60.0], [40.0])], {}),
    "loss": loss.LossResult({"1M": [loss.LossRound(111000.0, 5, 0, 30.0)], "4M": []},
                            loss.Exactness(10, 4, 6, 0), Capture()),
    "user": user_space.UserResult({}, user_space.ReportResult(10, [8.0], [28.0])),
    "sync": sync.SyncResult({
        sync.DEFAULT: [sync.SyncRound(sync.WriterLine(1 << 20, 4, 4, 9.0, 14.0, 8.0, 5.0), 20.0, 0,
                                      0.2)],
        sync.NEVER: [sync.SyncRound(sync.WriterLine(1 << 20, 4, 0, 0.0, 0.0, 4.0, 5.0), 19.0, 0,
                                    0.2)]}),
}


class SummaryTest(unittest.TestCase):
    def test_every_phase(self):
        fp = footprint.Footprint()

        class Attached:
            attached_s = 0.2
        fp.note("submitwatch", Attached(), Sample(1024, 2048, 0.1, False), 8)
        lines = printed(phases.PHASES, RESULTS, fp)
        self.assertEqual(lines[:2], ["", "== Ratios (median of per-round ratios [min-max]; IOPS medians) =="])
        self.assertEqual(lines[2], "   zram randread 1 job                IOPS untraced 105 [100-110], "
                                   "submitwatch 105 [100-110], bpftrace 105 [100-110]")
        self.assertTrue(lines[4].startswith(" " * 38 + "empty programs (floor) 105 [100-110]"))
        self.assertTrue(lines[9].startswith("   workqueue storm                    ops/s untraced"))
        self.assertEqual(lines[10:12], ["", "== Goals (issues 7 and 18) and other measures =="])
        self.assertEqual(lines[12].split(), ["measure", "value", "goal", "verdict"])
        measures = [line[3:].split("  ")[0] for line in lines[13:-2]]
        # io, storm, cost, user, the footprint, loss: issue 7's order.
        self.assertEqual([measures[i] for i in (0, 7, 9, 10, 13, 21)], [
            "IOPS submitwatch/untraced, zram 1 job",
            "workqueue storm ops submitwatch/untraced",
            "block_bio_queue ns/bio above the empty-program floor",
            "report 1.00 GiB capture: seconds",
            "record steady-state RSS (MiB, end of each IO run)",
            "--all-allocs (default ring 1 MiB): achieved alloc events/s"])
        # ...and sync's eight after them.
        self.assertEqual(len(measures), 35)
        self.assertEqual(measures[27], "capture fdatasync at the default 1 s interval: mean ms")
        # bpftrace never ran here: its rows say so instead of a number.
        self.assertIn("bpftrace start to attached (ms) n/a".split(), [line.split() for line in lines])
        self.assertEqual(lines[-2:], ["", "   goals: 12 PASS, 1 MISS"])

    def test_one_phase_prints_its_goals_only(self):
        lines = printed([phases.BY_NAME["loss"]], {"loss": RESULTS["loss"]}, footprint.Footprint())
        self.assertNotIn("== Ratios (median of per-round ratios [min-max]; IOPS medians) ==", lines)
        self.assertEqual(lines[1], "== Goals (issues 7 and 18) and other measures ==")
        self.assertEqual(len(lines), 2 + 1 + 6 + 2)  # header, 6 rows, tally
        self.assertEqual(lines[-1], "   goals: 3 PASS, 0 MISS")


if __name__ == "__main__":
    unittest.main()
