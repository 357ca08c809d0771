import os
import tempfile
import unittest

from harness.cleanup import Cleanup, cleanup_from_state


class CleanupTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.state = os.path.join(self.tmp.name, "state")

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def state_lines(self):
        with open(self.state) as f:
            return f.read().splitlines()

    def test_the_state_file_mirrors_what_is_made(self):
        c = Cleanup(self.state)
        d = self.path("work")
        os.mkdir(d)
        c.add("dir", d)
        entry = c.add("pid", 12345, "fio")
        self.assertEqual(self.state_lines(), [f"dir\t{d}", "pid\t12345\tfio"])
        c.forget(entry)
        self.assertEqual(self.state_lines(), [f"dir\t{d}"])
        c.all()
        self.assertEqual(self.state_lines(), [])
        self.assertFalse(os.path.exists(d))

    def test_a_killed_run_is_undone_from_its_state_file_in_reverse(self):
        d = self.path("work")
        os.mkdir(d)
        f = os.path.join(d, "capture.jsonl")
        open(f, "w").close()
        c = Cleanup(self.state)
        c.add("dir", d)
        c.add("file", f)
        c.add("pid", os.getpid(), "no-such-marker")  # not ours: left alone
        # The harness dies here; bench/run's trap runs:
        cleanup_from_state(self.state)
        self.assertFalse(os.path.exists(d))
        self.assertFalse(os.path.exists(self.state))

    def test_a_missing_state_file_is_nothing_to_do(self):
        cleanup_from_state(self.path("none"))

    def test_kinds_without_an_undo_are_refused(self):
        with self.assertRaises(ValueError):
            Cleanup(self.state).add("mount", "/mnt")


if __name__ == "__main__":
    unittest.main()
