"""The interleaving loop with stand-in tracers and workload: the order each
round runs its variants in, what it keeps of each run, and a tracer that
fails (no processes, no devices, no root)."""

import os
import tempfile
import unittest
from unittest import mock

from harness import config, interleave
from harness.environment import Lab
from harness.interleave import BPFTRACE, FLOOR, SUBMITWATCH, UNTRACED, USER_STACKS, interleaved
from harness.procs import Sample


class FakeTracer:
    """Stands in for a tracer process; a submitwatch one leaves a capture
    with `lost` lost events when it stops, as `record` does."""

    def __init__(self, world, variant, capture, rc=0):
        self.world, self.variant, self.capture, self.rc = world, variant, capture, rc
        self.attached_s = 0.2
        self.tail = ["submitwatch: error: the ring buffer is gone"]

    def start(self):
        self.world.running = self.variant
        return self

    def sample(self):
        return Sample(12 * 1024, 30 * 1024, 0.4, False)

    def stop(self):
        self.world.running = UNTRACED
        if self.variant in (SUBMITWATCH, USER_STACKS):
            self.world.captures += 1
            with open(self.capture, "w") as f:
                f.write('{"type": "lost", "total": %d, "counts": {}}\n' % self.world.captures)
        return self.rc


class World:
    """What ran: the variant under each workload run, in order."""

    def __init__(self, rc=0):
        self.running = UNTRACED
        self.order = []
        self.captures = 0
        self.rc = rc

    def tracer(self, cleanup, variant, capture):
        return None if variant == UNTRACED else FakeTracer(self, variant, capture, self.rc)

    def workload(self, seconds):
        self.order.append(self.running)
        return 1000.0 * len(self.order) + seconds


class InterleavedTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.lab = Lab(cleanup=None, workdir=tmp.name)
        for name, value in (("RUNS", 3), ("SECONDS", 2.0)):
            patcher = mock.patch.object(config, name, value)
            patcher.start()
            self.addCleanup(patcher.stop)

    def run_rounds(self, world, variants):
        with mock.patch.object(interleave, "_tracer", world.tracer), \
                mock.patch.object(interleave, "log"):
            return interleaved(self.lab, "title", variants, world.workload)

    def test_each_round_rotates_the_order_and_keeps_each_variants_runs(self):
        world = World()
        result = self.run_rounds(world, (UNTRACED, SUBMITWATCH, BPFTRACE, FLOOR))
        self.assertEqual(world.order, [UNTRACED, SUBMITWATCH, BPFTRACE, FLOOR,
                                       SUBMITWATCH, BPFTRACE, FLOOR, UNTRACED,
                                       BPFTRACE, FLOOR, UNTRACED, SUBMITWATCH])
        # The workload's value is 1000 * its place in the run order + seconds.
        self.assertEqual(result.iops, {UNTRACED: [1002.0, 8002.0, 11002.0],
                                       SUBMITWATCH: [2002.0, 5002.0, 12002.0],
                                       BPFTRACE: [3002.0, 6002.0, 9002.0],
                                       FLOOR: [4002.0, 7002.0, 10002.0]})
        self.assertEqual(result.ratios(SUBMITWATCH, UNTRACED),
                         [2002.0 / 1002.0, 5002.0 / 8002.0, 12002.0 / 11002.0])

    def test_each_submitwatch_run_leaves_a_capture_that_is_read_and_removed(self):
        result = self.run_rounds(World(), (UNTRACED, SUBMITWATCH))
        self.assertEqual(result.lost, [1, 2, 3])
        self.assertEqual(os.listdir(self.lab.workdir), [])

    def test_a_user_stacks_run_leaves_its_capture_removed_and_out_of_the_loss_count(self):
        result = self.run_rounds(World(), (UNTRACED, SUBMITWATCH, USER_STACKS))
        self.assertEqual(len(result.lost), 3)  # the default record's runs only
        self.assertEqual(len(result.iops[USER_STACKS]), 3)
        self.assertEqual(os.listdir(self.lab.workdir), [])
        self.assertEqual(self.lab.footprint.by_tracer[USER_STACKS].rss_mib, [12.0] * 3)

    def test_the_footprint_counts_record_and_bpftrace_only(self):
        self.run_rounds(World(), (UNTRACED, SUBMITWATCH, BPFTRACE, FLOOR))
        fp = self.lab.footprint
        self.assertEqual(fp.runs, 6)
        self.assertEqual(fp.by_tracer[SUBMITWATCH].rss_mib, [12.0] * 3)
        self.assertEqual(fp.by_tracer[BPFTRACE].attach_ms, [200.0] * 3)
        self.assertEqual(fp.by_tracer[SUBMITWATCH].cpu_pct, [20.0] * 3)  # 0.4 s of 2 s

    def test_a_record_that_fails_ends_the_phase_with_its_output(self):
        with self.assertRaisesRegex(RuntimeError, "record exited 1:\n  submitwatch: error: the ring"):
            self.run_rounds(World(rc=1), (UNTRACED, SUBMITWATCH))


if __name__ == "__main__":
    unittest.main()
