"""`python3 -m harness` as bench/run calls it, for what needs no root: the
phase list for --help, checking BENCH_PHASES, usage errors, and the
clean-up of a killed run's state file."""

import os
import subprocess
import sys
import tempfile
import unittest

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def harness(*args, phases=""):
    env = dict(os.environ, BENCH_PHASES=phases)
    return subprocess.run([sys.executable, "-B", "-m", "harness", *args], cwd=BENCH, env=env,
                          text=True, capture_output=True, timeout=60)


class MainTest(unittest.TestCase):
    def test_list_phases_names_each_in_run_order(self):
        p = harness("--list-phases")
        self.assertEqual(p.returncode, 0, p.stderr)
        names = [line.split()[0] for line in p.stdout.splitlines() if not line.startswith("         ")]
        self.assertEqual(names,
                         ["io", "storm", "cost", "loss", "user", "scale", "export", "sync"])

    def test_check_phases(self):
        self.assertEqual(harness("--check-phases", phases="cost,loss").returncode, 0)
        p = harness("--check-phases", phases="cost,los")
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, "bench: BENCH_PHASES: unknown phase los; the phases are "
                                   "io, storm, cost, loss, user, scale, export, sync\n")

    def test_usage_errors_run_nothing(self):
        for args in (["--bogus"], ["a", "b"]):
            p = harness(*args)
            self.assertEqual(p.returncode, 2, args)
            self.assertTrue(p.stderr.startswith("bench: usage: python3 -m harness [STATE]"), p.stderr)

    def test_cleanup_undoes_a_state_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            made = os.path.join(tmp, "work")
            os.mkdir(made)
            state = os.path.join(tmp, "state")
            with open(state, "w") as f:
                f.write(f"dir\t{made}\n")
            p = harness("--cleanup", state)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(os.listdir(tmp), [])


if __name__ == "__main__":
    unittest.main()
