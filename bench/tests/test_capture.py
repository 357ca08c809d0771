import json
import unittest

from harness.capture import parse_capture


def lines(*records):
    return [json.dumps(r) + "\n" for r in records]


class ParseCaptureTest(unittest.TestCase):
    def test_counts(self):
        cap = parse_capture(lines(
            {"type": "header", "version": 1},
            {"type": "alloc", "comm": "bench_tool"},
            {"type": "alloc", "comm": "bench_tool"},
            {"type": "alloc", "comm": "kworker/0:1"},
            {"type": "wq", "function": "loop_workfn", "executed": 120},
            {"type": "wq", "function": "wb_workfn", "executed": 3},
            {"type": "lost", "total": 7, "counts": {"alloc": 7, "wq": 0}},
        ))
        self.assertEqual(cap.allocs, 3)
        self.assertEqual(cap.alloc_comms, {"bench_tool": 2, "kworker/0:1": 1})
        self.assertEqual(cap.wq, {"loop_workfn": 120, "wb_workfn": 3})
        self.assertEqual((cap.lost, cap.lost_counts), (7, {"alloc": 7, "wq": 0}))
        self.assertIsNone(cap.summary)

    def test_the_summary_can_count_more_lost_than_the_last_lost_record(self):
        cap = parse_capture(lines({"type": "lost", "total": 7, "counts": {}},
                                  {"type": "summary", "lost": 9}))
        self.assertEqual(cap.lost, 9)
        cap = parse_capture(lines({"type": "lost", "total": 7, "counts": {}},
                                  {"type": "summary", "lost": 2}))
        self.assertEqual(cap.lost, 7)

    def test_empty_capture(self):
        cap = parse_capture([])
        self.assertEqual((cap.allocs, cap.lost, cap.wq), (0, 0, {}))


if __name__ == "__main__":
    unittest.main()
