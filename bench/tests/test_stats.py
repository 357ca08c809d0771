import math
import unittest

from harness.stats import Cost, ProgCounters, above_floor, cost_between, median, paired_ratios, spread


class MedianSpreadTest(unittest.TestCase):
    def test_median_of_odd_and_even_counts(self):
        self.assertEqual(median([3, 1, 2]), 2)
        self.assertEqual(median([4, 1, 3, 2]), 2.5)

    def test_median_of_nothing_is_nan(self):
        self.assertTrue(math.isnan(median([])))

    def test_spread_is_median_min_max(self):
        self.assertEqual(spread([306841, 288474, 311669, 300849, 310793]), "306841 [288474-311669]")
        self.assertEqual(spread([1.0104, 0.9651, 1.0702], "{:.3f}"), "1.010 [0.965-1.070]")

    def test_spread_of_nothing(self):
        self.assertEqual(spread([]), "n/a")

    def test_paired_ratios_skip_rounds_without_a_base(self):
        self.assertEqual(paired_ratios([10, 20, 30], [5, 0, 10]), [2.0, 3.0])
        self.assertEqual(paired_ratios([10, 20], [5]), [2.0])


class CostTest(unittest.TestCase):
    def test_delta_of_two_readings(self):
        before = {7: ProgCounters(1000, 10)}
        after = {7: ProgCounters(3000, 30)}
        self.assertEqual(cost_between(before, after), {7: Cost(100.0, 20)})

    def test_program_loaded_within_the_stretch_counts_from_zero(self):
        self.assertEqual(cost_between({}, {8: ProgCounters(500, 5)}), {8: Cost(100.0, 5)})

    def test_program_that_did_not_run_has_no_ns_per_event(self):
        r = ProgCounters(1000, 10)
        self.assertEqual(cost_between({1: r}, {1: r}), {1: Cost(None, 0)})

    def test_above_floor(self):
        self.assertEqual(above_floor(Cost(101.0, 5), Cost(63.0, 5)), 38.0)

    def test_above_floor_needs_both_to_have_run(self):
        self.assertIsNone(above_floor(Cost(101.0, 5), None))
        self.assertIsNone(above_floor(None, Cost(63.0, 5)))
        self.assertIsNone(above_floor(Cost(None, 0), Cost(63.0, 5)))
        self.assertIsNone(above_floor(Cost(101.0, 5), Cost(None, 0)))


if __name__ == "__main__":
    unittest.main()
