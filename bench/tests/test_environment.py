"""What the lab makes for the phases that need nothing but a work
directory, and the tracefs check that comes before anything is made (no
devices, no root)."""

import os
import tempfile
import unittest
from unittest import mock

from harness import config, environment
from harness.cleanup import Cleanup
from harness.environment import TRACEFS, make_lab


class MakeLabTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name
        self.cleanup = Cleanup(os.path.join(self.tmp, "state"))
        patcher = mock.patch.object(config, "TMP_PARENT", self.tmp)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_without_tracefs_a_bpftrace_phase_stops_before_making_anything(self):
        with mock.patch.object(environment, "TRACEFS_EVENTS", (os.path.join(self.tmp, "none"),)):
            with self.assertRaisesRegex(RuntimeError, "bpftrace needs tracefs, which is not mounted: "
                                                      "mount -t tracefs"):
                make_lab(self.cleanup, frozenset({TRACEFS}))
        self.assertEqual(self.cleanup.entries, [])
        self.assertEqual(os.listdir(self.tmp), [])

    def test_no_devices_only_a_work_directory(self):
        with mock.patch.object(environment, "TRACEFS_EVENTS", (self.tmp,)):
            lab, line = make_lab(self.cleanup, frozenset({TRACEFS}))
        self.assertIsNone(line)
        self.assertEqual((lab.zram, lab.loop, lab.cgroup), (None, None, None))
        self.assertEqual(os.path.dirname(lab.workdir), self.tmp)
        self.assertEqual(self.cleanup.entries, [("dir", [lab.workdir])])
        self.cleanup.all()
        self.assertFalse(os.path.exists(lab.workdir))


if __name__ == "__main__":
    unittest.main()
