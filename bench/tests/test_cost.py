import unittest

from harness.cost import (CostResult, ProgramCost, clock_program, floor_program, named_costs,
                          parse_fdinfo, rows)
from harness.stats import Cost, ProgCounters


class FloorProgramTest(unittest.TestCase):
    def test_submitwatch_programs_map_by_prefix(self):
        self.assertEqual(floor_program("sw_block_bio_queue"), "floor_block_bio_queue")
        self.assertEqual(floor_program("sw_wq_execute_start"), "floor_wq_execute_start")

    def test_the_clock_read_on_the_same_hook(self):
        self.assertEqual(clock_program("sw_wq_execute_end"), "clock_wq_execute_end")

    def test_bpftrace_programs_are_named_after_the_truncated_tracepoint(self):
        self.assertEqual(floor_program("block_bio_queue"), "floor_block_bio_queue")
        self.assertEqual(floor_program("percpu_alloc_pe"), "floor_percpu_alloc")


class FdinfoTest(unittest.TestCase):
    # As the kernel prints them (bpf_prog_show_fdinfo, bpf_link_show_fdinfo).
    PROG = ("pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1055\nprog_type:\t26\n"
            "prog_jited:\t1\nprog_tag:\t2f1d4b6d5a8c2d0e\nmemlock:\t4096\nprog_id:\t412\n"
            "run_time_ns:\t83150211\nrun_cnt:\t832058\nrecursion_misses:\t0\nverified_insns:\t91\n")
    LINK = ("pos:\t0\nflags:\t02000000\nmnt_id:\t15\nino:\t1055\nlink_type:\ttracing\n"
            "link_id:\t57\nprog_tag:\t2f1d4b6d5a8c2d0e\nprog_id:\t412\nattach_type:\t24\n")

    def test_a_program_fd(self):
        self.assertEqual(parse_fdinfo(self.PROG), (412, ProgCounters(83150211, 832058)))

    def test_a_link_to_the_same_program_is_not_counted_again(self):
        self.assertIsNone(parse_fdinfo(self.LINK))

    def test_any_other_fd(self):
        self.assertIsNone(parse_fdinfo("pos:\t0\nflags:\t0100000\nmnt_id:\t23\nino:\t3\n"))


class FoldTest(unittest.TestCase):
    def test_named_costs_key_by_program_name(self):
        names = {3: "sw_block_bio_queue", 4: "floor_block_bio_queue"}
        before = {3: ProgCounters(0, 0), 4: ProgCounters(100, 1), 9: ProgCounters(0, 0)}
        after = {3: ProgCounters(1010, 10), 4: ProgCounters(730, 11), 9: ProgCounters(5, 1)}
        self.assertEqual(named_costs(names, before, after),
                         {"sw_block_bio_queue": Cost(101.0, 10),
                          "floor_block_bio_queue": Cost(63.0, 10), "9": Cost(5.0, 1)})

    def test_rounds_pair_the_program_with_the_floor_of_the_same_round(self):
        p = ProgramCost("submitwatch", "sw_wq_queue_work")
        p.add(Cost(519.0, 58525), Cost(78.0, 58525))
        p.add(Cost(None, 0), Cost(70.0, 3))        # did not run: events only
        p.add(Cost(440.0, 100), None)             # no floor that round: no gap
        p.add(Cost(577.0, 200), Cost(82.0, 200))
        self.assertEqual(p.events, [58525, 0, 100, 200])
        self.assertEqual(p.ns, [519.0, 440.0, 577.0])
        self.assertEqual(p.floor, [78.0, 82.0])
        self.assertEqual(p.above, [441.0, 495.0])


class RowsTest(unittest.TestCase):
    def test_goal_row_and_the_rest(self):
        bio = ProgramCost("submitwatch", "sw_block_bio_queue", [832058], [101.0, 94.0, 106.0],
                          [63.0, 59.0, 66.0], [38.0, 35.0, 40.0])
        bt = ProgramCost("bpftrace", "block_bio_queue", [744418], [330.0], [63.0], [267.0])
        idle = ProgramCost("submitwatch", "sw_cgroup_mkdir", [0])
        no_floor = ProgramCost("submitwatch", "sw_other", [5], [12.0])
        result = CostResult([bt, bio, idle, no_floor], {"zram reads": [35.0], "workqueue storm": [92.0]})
        got = [(r.measure, r.value, str(r.goal or ""), r.verdict) for r in rows(result)]
        self.assertEqual(got, [
            ("block_bio_queue ns/bio above the empty-program floor", "38 [35-40] (101 vs floor 63)",
             "<= 40", "PASS"),
            ("  of which zram reads alone", "35 [35-35]", "", ""),
            ("  of which workqueue storm alone", "92 [92-92]", "", ""),
            ("block_bio_queue (bpftrace) ns/event above floor", "267 [267-267]", "", ""),
            ("sw_other (submitwatch) ns/event", "12 [12-12]", "", ""),
        ])

    def test_workqueue_and_percpu_goals_with_the_baseline_beside(self):
        wq = ProgramCost("submitwatch", "sw_wq_queue_work", [100], [150.0], [70.0], [80.0])
        wq_before = ProgramCost("before", "sw_wq_queue_work", [100], [511.0], [70.0], [441.0])
        pc = ProgramCost("submitwatch", "sw_percpu_alloc", [100], [3100.0], [60.0], [3040.0])
        bt = ProgramCost("bpftrace", "percpu_alloc_pe", [100], [3094.0], [60.0], [3034.0])
        got = [(r.measure, r.value, str(r.goal or ""), r.verdict)
               for r in rows(CostResult([bt, wq_before, pc, wq], {}))]
        self.assertEqual(got, [
            ("percpu_alloc_pe (bpftrace) ns/event above floor", "3034 [3034-3034]", "", ""),
            ("sw_percpu_alloc (submitwatch) ns/event above floor", "3040 [3040-3040]",
             "< bpftrace's 3034", "MISS"),
            ("sw_wq_queue_work (submitwatch) ns/event above floor", "80 [80-80] (before 441)",
             "<= 100", "PASS"),
        ])

    def test_the_clock_read_under_the_program_that_takes_one(self):
        wq = ProgramCost("submitwatch", "sw_wq_execute_start", [100], [160.0], [62.0], [98.0])
        wq_before = ProgramCost("before", "sw_wq_execute_start", [100], [170.0], [62.0], [108.0])
        activate = ProgramCost("submitwatch", "sw_wq_activate_work", [100], [70.0], [58.0], [12.0])
        clock = {"clock_wq_execute_start": [49.0, 47.0, 51.0]}
        got = [(r.measure, r.value, str(r.goal or ""), r.verdict)
               for r in rows(CostResult([wq_before, activate, wq], {}, clock))]
        self.assertEqual(got, [
            ("sw_wq_activate_work (submitwatch) ns/event above floor", "12 [12-12]", "<= 100", "PASS"),
            ("sw_wq_execute_start (submitwatch) ns/event above floor", "98 [98-98] (before 108)",
             "<= 100", "PASS"),
            ("  of which one bpf_ktime_get_ns() alone", "49 [47-51]", "", ""),
        ])

    def test_no_goal_row_without_a_floor(self):
        bio = ProgramCost("submitwatch", "sw_block_bio_queue", [10], [101.0])
        self.assertEqual(rows(CostResult([bio], {})), [])


if __name__ == "__main__":
    unittest.main()
