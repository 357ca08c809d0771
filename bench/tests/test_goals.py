import math
import unittest

from harness.goals import Goal, Row, format_table, stat_row, tally


class GoalTest(unittest.TestCase):
    def test_default_text_is_comparison_and_threshold(self):
        self.assertEqual(str(Goal(">=", 0.98)), ">= 0.98")
        self.assertEqual(str(Goal(">", 1)), "> 1")
        self.assertEqual(str(Goal(">=", 100000)), ">= 100,000")
        self.assertEqual(str(Goal("==", 0, "0 lost")), "0 lost")

    def test_comparisons(self):
        self.assertTrue(Goal("<=", 40).met(40))
        self.assertFalse(Goal("<", 30).met(30))
        self.assertTrue(Goal(">", 1).met(1.01))
        self.assertFalse(Goal(">=", 0.98).met(0.979))
        self.assertTrue(Goal("==", False, "never").met(False))
        self.assertFalse(Goal("==", 0).met(3))

    def test_no_measurement_meets_no_goal(self):
        self.assertFalse(Goal(">=", 5).met(float("nan")))
        self.assertFalse(Goal("<=", 5).met(float("nan")))
        self.assertFalse(Goal("<=", 5).met(None))

    def test_unknown_comparison_is_refused(self):
        with self.assertRaises(ValueError):
            Goal("~", 1)


class RowTest(unittest.TestCase):
    def test_verdict(self):
        self.assertEqual(Row("a", "1").verdict, "")
        self.assertEqual(Row("a", "1", Goal("<=", 16), 12.6).verdict, "PASS")
        self.assertEqual(Row("a", "20", Goal("<=", 16), 20).verdict, "MISS")

    def test_stat_row_compares_the_median_unless_told(self):
        r = stat_row("rss", [27.8, 28.4, 27.7], "{:.1f}", Goal("<", 28))
        self.assertEqual((r.value, r.measured, r.verdict), ("27.8 [27.7-28.4]", 27.8, "PASS"))
        r = stat_row("rss", [27.8, 28.4, 27.7], "{:.1f}", Goal("<", 28), max)
        self.assertEqual((r.measured, r.verdict), (28.4, "MISS"))

    def test_stat_row_without_values_misses_its_goal(self):
        r = stat_row("x", [], goal=Goal(">=", 5))
        self.assertEqual(r.value, "n/a")
        self.assertTrue(math.isnan(r.measured))
        self.assertEqual(r.verdict, "MISS")


class TableTest(unittest.TestCase):
    def test_columns_are_as_wide_as_their_widest_cell(self):
        rows = [Row("IOPS submitwatch/untraced, zram 1 job", "1.010 [0.965-1.070]", Goal(">=", 0.98), 1.01),
                Row("IOPS empty programs (floor)/untraced, zram 1 job", "1.026 [0.947-1.187]"),
                Row("libbcc mapped by record (default options)", "no", Goal("==", False, "never"), False)]
        self.assertEqual(format_table(rows), [
            "   measure                                           value                goal     verdict",
            "   IOPS submitwatch/untraced, zram 1 job             1.010 [0.965-1.070]  >= 0.98  PASS",
            "   IOPS empty programs (floor)/untraced, zram 1 job  1.026 [0.947-1.187]           ",
            "   libbcc mapped by record (default options)         no                   never    PASS",
        ])

    def test_no_rows_no_table(self):
        self.assertEqual(format_table([]), [])

    def test_tally(self):
        rows = [Row("a", "", Goal("<", 1), 0), Row("b", "", Goal("<", 1), 2), Row("c", ""),
                Row("d", "", Goal(">", 1), 2)]
        self.assertEqual(tally(rows), (2, 1))


if __name__ == "__main__":
    unittest.main()
