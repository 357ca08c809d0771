"""The scale phase's arithmetic and tables, from made-up results (no root)."""

import math
import unittest

from harness import scale


def result(builds=("after",), **by_measure):
    """A ScaleResult with {measure: {build: {n: [samples]}}}."""
    res = scale.ScaleResult(list(builds))
    for measure, per_build in by_measure.items():
        for build, per_n in per_build.items():
            for n, xs in per_n.items():
                for x in xs:
                    res.add(build, measure, n, x)
    return res


class GrowthTest(unittest.TestCase):
    def test_exponents_of_known_curves(self):
        self.assertAlmostEqual(scale.growth_exponent([1.0], [10.0], 10_000, 100_000), 1.0)
        self.assertAlmostEqual(scale.growth_exponent([1.0], [100.0], 10_000, 100_000), 2.0)
        self.assertAlmostEqual(scale.growth_exponent([2.0, 1.0, 3.0], [20.0], 10, 100), 1.0)

    def test_n_log_n_is_a_little_above_linear(self):
        n_log_n = [n * math.log(n) for n in (10_000, 100_000)]
        self.assertAlmostEqual(scale.growth_exponent([n_log_n[0]], [n_log_n[1]], 10_000, 100_000),
                               scale.N_LOG_N_EXPONENT)
        self.assertAlmostEqual(scale.N_LOG_N_EXPONENT, 1.097, places=3)

    def test_no_exponent_without_both_points(self):
        self.assertIsNone(scale.growth_exponent([], [1.0], 1, 10))
        self.assertIsNone(scale.growth_exponent([0.0], [1.0], 1, 10))

    def test_fit_line(self):
        self.assertEqual(scale.fit_line([(0, 1.0), (10, 21.0), (10, 21.0)]), (1.0, 2.0))
        self.assertIsNone(scale.fit_line([(5, 1.0), (5, 2.0)]))


class ParseTest(unittest.TestCase):
    def test_snapshot_line(self):
        got = scale.parse_snapshot("keys=1000 fill_ms=1.0 first_ms=3.265 first_rows=1000 "
                                   "snapshot_ms=6.825,2.485 pairs=1000\n")
        self.assertEqual(got, {"first_ms": 3.265, "snapshot_ms": [6.825, 2.485]})

    def test_model_times_in_ms_whatever_the_unit(self):
        doc = {"benchmarks": [
            {"run_name": "BM_ScaleTopFrame/1000", "run_type": "iteration", "real_time": 500.0,
             "time_unit": "us"},
            {"run_name": "BM_ScaleTopFrame/1000", "run_type": "iteration", "real_time": 0.6,
             "time_unit": "ms"},
            {"run_name": "BM_ScaleTopFrame/1000", "run_type": "aggregate", "real_time": 0.55,
             "time_unit": "ms"},
            {"run_name": "BM_ModelWqRows", "run_type": "iteration", "real_time": 1.0,
             "time_unit": "ns"},
            {"run_name": "BM_Other/10", "run_type": "iteration", "real_time": 1.0,
             "time_unit": "ns"}]}
        self.assertEqual(scale.model_times_ms(doc), {("BM_ScaleTopFrame", 1000): [0.5, 0.6]})


class TableTest(unittest.TestCase):
    def setUp(self):
        self.res = result(
            ("before", "after"),
            snapshot_ms={"before": {1_000: [4.0], 10_000: [40.0], 100_000: [400.0, 500.0]},
                         "after": {1_000: [0.5], 10_000: [4.0], 100_000: [45.0]}},
            cpu_pct={"after": {100_000: [4.5]}},
            BM_ScaleTopFrame={"after": {100_000: [12.0]}},
            report_s={"before": {350_000: [20.0]}, "after": {10_000: [0.1], 100_000: [1.0],
                                                           350_000: [3.5]}},
            record_rss_mib={"after": {1_000: [12.0], 10_000: [13.0], 100_000: [23.0]}},
            record_bpf_map_mib={"before": {100_000: [0.5]}, "after": {100_000: [7.0, 7.2]}})

    def test_curve_lines_show_each_build_and_the_growth(self):
        lines = scale.curve_lines(self.res)
        self.assertEqual(lines[0].split()[:3], ["measure", "build", "N=1,000"])
        self.assertIn("N=350,000", lines[0])
        before = lines[1]
        self.assertTrue(before.startswith("   snapshot, kernel maps + model, every pair changed (ms)"))
        self.assertIn("before", before)
        self.assertIn("450.00 [400.00-500.00]", before)
        self.assertTrue(before.rstrip().endswith("N^1.05"))
        self.assertEqual(lines[2].split()[0], "after")
        self.assertTrue(lines[2].rstrip().endswith("N^1.05"))
        self.assertTrue(any(line.startswith("   record RSS ~ 11.9 MiB + ") for line in lines))

    def test_goal_rows(self):
        rows = {r.measure: r for r in scale.rows(self.res)}
        snap = rows["scale: snapshot of 100,000 pairs, kernel maps + model (ms)"]
        self.assertEqual((snap.value, snap.verdict), ("45.0 [45.0-45.0] (before 450.0)", "PASS"))
        self.assertEqual(rows["scale: snapshot CPU at the 1 s interval, 100,000 pairs (%)"].verdict,
                         "PASS")
        self.assertEqual(rows["scale: top frame at 100,000 pairs, sort + filter (ms)"].verdict, "PASS")
        report = rows["scale: report of a 350,000-cgroup churn capture (s)"]
        self.assertEqual((report.value, report.verdict), ("3.50 [3.50-3.50] (before 20.00)", "PASS"))
        self.assertEqual(rows["scale: record RSS holding 100,000 keys (MiB)"].verdict, "PASS")
        growth = rows["scale: growth 10k -> 100k, report of a churn capture of N cgroups"]
        self.assertEqual((growth.value, growth.verdict), ("N^1.00", "PASS"))
        quadratic = rows["scale: growth 10k -> 100k, snapshot, kernel maps + model, every pair changed"]
        self.assertEqual((quadratic.value, quadratic.verdict), ("N^1.05", "PASS"))
        self.assertIn("scale: record RSS growth (least squares)", rows)
        maps = rows["scale: of that RSS, BPF maps mapped in (MiB)"]
        self.assertEqual((maps.value, maps.goal), ("7.1 (before 0.5)", None))

    def test_a_missing_measure_misses_its_goal(self):
        rows = {r.measure: r for r in scale.rows(result())}
        self.assertEqual(rows["scale: snapshot of 100,000 pairs, kernel maps + model (ms)"].verdict,
                         "MISS")

    def test_one_build_has_no_build_column(self):
        lines = scale.curve_lines(result(snapshot_ms={"after": {1_000: [1.0]}}))
        self.assertEqual(lines[0].split()[:2], ["measure", "N=1,000"])
        self.assertNotIn("after", lines[1])


if __name__ == "__main__":
    unittest.main()
