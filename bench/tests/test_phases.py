"""The phase table, the interleaving order, and each phase's rows and ratio
lines from made-up results (no devices, no root)."""

import unittest

from harness import exporter, footprint, io_overhead, loss, phases, storm, sync, user_space
from harness.capture import Capture
from harness.interleave import Interleaved, rotated
from harness.procs import Sample, key_values


def cells(rows):
    return [(r.measure, r.value, str(r.goal or ""), r.verdict) for r in rows]


class SelectTest(unittest.TestCase):
    def test_default_is_every_phase_in_run_order(self):
        self.assertEqual([p.name for p in phases.select("")],
                         ["io", "storm", "cost", "loss", "user", "scale", "export", "sync"])
        self.assertEqual(phases.select("all"), phases.PHASES)

    def test_a_subset_runs_in_run_order(self):
        self.assertEqual([p.name for p in phases.select("user,cost")], ["cost", "user"])
        self.assertEqual([p.name for p in phases.select(" loss  io ")], ["io", "loss"])

    def test_unknown_names_are_refused_with_the_known_ones(self):
        with self.assertRaisesRegex(ValueError, "unknown phase bogus, x; the phases are io, storm"):
            phases.select("cost,bogus,x")

    def test_the_table_orders_every_phase_and_the_footprint(self):
        self.assertEqual(sorted(phases.TABLE_ORDER), sorted(list(phases.BY_NAME) + ["footprint"]))


class RotationTest(unittest.TestCase):
    def test_each_round_starts_one_variant_later(self):
        v = ("untraced", "submitwatch", "bpftrace", "floor")
        self.assertEqual([rotated(v, r)[0] for r in range(5)],
                         ["untraced", "submitwatch", "bpftrace", "floor", "untraced"])
        self.assertEqual(rotated(v, 2), ("bpftrace", "floor", "untraced", "submitwatch"))


def runs(untraced, submitwatch, bpftrace=None, floor=None, lost=()):
    iops = {"untraced": untraced, "submitwatch": submitwatch}
    if bpftrace is not None:
        iops["bpftrace"] = bpftrace
    if floor is not None:
        iops["floor"] = floor
    return Interleaved(iops, [Capture(lost=n) for n in lost])


class IOTest(unittest.TestCase):
    def setUp(self):
        three = runs([100.0, 100.0], [99.0, 97.0], [90.0, 80.0])
        self.io = io_overhead.IOResult(runs([100.0, 200.0], [99.0, 198.0], [90.0, 180.0],
                                            [101.0, 202.0]), three, three)

    def test_rows(self):
        got = cells(io_overhead.rows(self.io))
        self.assertEqual(got[:3], [
            ("IOPS submitwatch/untraced, zram 1 job", "0.990 [0.990-0.990]", ">= 0.98", "PASS"),
            ("IOPS empty programs (floor)/untraced, zram 1 job", "1.010 [1.010-1.010]", "", ""),
            ("IOPS submitwatch/bpftrace, zram 1 job", "1.100 [1.100-1.100]", "> 1", "PASS")])
        self.assertEqual(got[3], ("IOPS submitwatch/untraced, zram randread 2 jobs",
                                  "0.980 [0.970-0.990]", "", ""))
        self.assertEqual(len(got), 7)

    def test_ratio_lines(self):
        lines = io_overhead.ratio_lines(self.io)
        self.assertEqual(len(lines), 3 + 2 + 2)
        self.assertEqual(lines[0], "   zram randread 1 job                IOPS untraced 150 [100-200], "
                                   "submitwatch 148 [99-198], bpftrace 135 [90-180]")
        self.assertTrue(lines[2].startswith(" " * 38 + "empty programs (floor) 152 [101-202]: "
                                            "floor/untraced 1.010 [1.010-1.010], submitwatch/floor"))


class UserStacksIOTest(unittest.TestCase):
    def test_the_loop_runs_show_record_with_user_stacks_beside_the_others(self):
        zram1 = runs([100.0, 100.0], [99.0, 97.0], [90.0, 80.0], [101.0, 101.0])
        three = runs([100.0, 100.0], [99.0, 97.0], [90.0, 80.0])
        loop = runs([100.0, 100.0], [99.0, 97.0], [90.0, 80.0])
        loop.iops["submitwatch --user-stacks"] = [98.0, 96.0]
        io = io_overhead.IOResult(zram1, three, loop)
        got = cells(io_overhead.rows(io))
        self.assertEqual(got[-1], ("IOPS record --user-stacks/untraced, loop randwrite, throttled "
                                   "cgroup", "0.970 [0.960-0.980]", "", ""))
        self.assertEqual(len(got), 8)
        self.assertEqual(io_overhead.ratio_lines(io)[-1],
                         " " * 38 + "record --user-stacks 97 [96-98]: /untraced 0.970 [0.960-0.980]")


class StormTest(unittest.TestCase):
    def test_lost_events_miss_the_goal(self):
        result = storm.StormResult(runs([10.0, 12.0], [9.0, 12.0], lost=[0, 2]), [26651.0, 24900.0])
        self.assertEqual(cells(storm.rows(result)), [
            ("workqueue storm ops submitwatch/untraced", "0.950 [0.900-1.000]", "", ""),
            ("workqueue storm: work items/s, lost events", "25,776/s, lost 2", "0 lost", "MISS")])


class LossTest(unittest.TestCase):
    def test_rows(self):
        one = [loss.LossRound(111321.0, 556607, 0, 30.0), loss.LossRound(111000.0, 556607, 0, 32.0)]
        four = [loss.LossRound(111321.0, 556607, 0, 36.0)]
        result = loss.LossResult({"1M": one, "4M": four}, loss.Exactness(100150, 500, 99650, 0),
                                 Capture(allocs=195190, lost=5117))
        self.assertEqual(cells(loss.rows(result)), [
            ("--all-allocs (default ring 1 MiB): achieved alloc events/s", "111160 [111000-111321]",
             ">= 100,000", "PASS"),
            ("--all-allocs (default ring 1 MiB): lost events per run", "[0, 0]", "0", "PASS"),
            ("record CPU at that rate (% of one core)", "31 [30-32]", "", ""),
            ("--all-allocs (--ringbuf-size 4M): achieved events/s; lost per run",
             "111321 [111321-111321]; [0]", "", ""),
            ("loss counter exact (4 KiB ring flood)",
             "ran 100,150 = received 500 + lost 99,650 (diff 0)", "diff 0, lost > 0", "PASS"),
            ("record --ringbuf-size 4K flood: received, lost", "195,190, 5,117", "", "")])

    def test_exactness_needs_losses(self):
        result = loss.LossResult({"1M": [], "4M": []}, loss.Exactness(10, 10, 0, 0), Capture())
        self.assertEqual(loss.rows(result)[4].verdict, "MISS")


class SyncTest(unittest.TestCase):
    LINE = ("submitwatch: capture writer: 29509 bytes in 9 writes; 8 fdatasync, mean 3.461 ms, "
            "max 4.165 ms; writer thread CPU 1.7 ms in 8.0 s")

    def test_parses_record_verbose_writer_line(self):
        self.assertEqual(sync.parse_writer_line(["libbpf: noise", self.LINE, "later"]),
                         sync.WriterLine(29509, 9, 8, 3.461, 4.165, 1.7, 8.0))
        self.assertIsNone(sync.parse_writer_line(["submitwatch: attached 9 programs"]))

    def test_rows(self):
        synced = sync.WriterLine(50 << 20, 40, 5, 12.0, 20.0, 60.0, 6.0)
        never = sync.WriterLine(50 << 20, 40, 0, 0.0, 0.0, 30.0, 6.0)
        result = sync.SyncResult({
            sync.DEFAULT: [sync.SyncRound(synced, 21.0, 0, 8.3)],
            sync.NEVER: [sync.SyncRound(never, 20.0, 0, 8.3)]})
        self.assertEqual(cells(sync.rows(result)), [
            ("capture fdatasync at the default 1 s interval: mean ms", "12.0 [12.0-12.0]", "", ""),
            ("capture fdatasync at the default 1 s interval: max ms", "20.0 [20.0-20.0]", "", ""),
            ("capture writer thread CPU, sync 1s (% of one core)", "1.00 [1.00-1.00]", "", ""),
            ("capture writer thread CPU, never synced (% of one core)", "0.50 [0.50-0.50]", "",
             ""),
            ("record CPU during the flood, sync 1s (% of one core)", "21 [21-21]", "", ""),
            ("record CPU during the flood, never synced (% of one core)", "20 [20-20]", "", ""),
            ("capture written during the flood (MiB/s)", "8.3 [8.3-8.3]", "", ""),
            ("lost events per run, sync 1s; never synced", "[0]; [0]", "0", "PASS")])

    def test_a_lost_event_misses_the_goal(self):
        w = sync.WriterLine(1, 1, 1, 1.0, 1.0, 1.0, 1.0)
        result = sync.SyncResult({sync.DEFAULT: [sync.SyncRound(w, 1.0, 3, 1.0)],
                                  sync.NEVER: [sync.SyncRound(w, 1.0, 0, 1.0)]})
        self.assertEqual(sync.rows(result)[-1].verdict, "MISS")


class FootprintTest(unittest.TestCase):
    class Attached:
        attached_s = 0.208

    def test_notes_only_tracers_and_flags_libbcc(self):
        fp = footprint.Footprint()
        fp.note("submitwatch", self.Attached(), Sample(12902, 31130, 0.008, False), 8)
        fp.note("floor", self.Attached(), Sample(1, 1, 0.0, True), 8)
        self.assertEqual(fp.runs, 1)
        got = cells(footprint.rows(fp))
        self.assertEqual(got[0], ("record steady-state RSS (MiB, end of each IO run)", "12.6 [12.6-12.6]",
                                  "<= 16", "PASS"))
        self.assertEqual(got[3], ("record start to attached (ms)", "208 [208-208]", "<= 250", "PASS"))
        self.assertEqual(got[5], ("record CPU during IO runs (% of one core)", "0.1 [0.1-0.1]", "", ""))
        self.assertEqual(got[7], ("libbcc mapped by record (default options)", "no", "never", "PASS"))
        fp.note("submitwatch", self.Attached(), Sample(12902, 31130, 0.0, True), 8)
        self.assertEqual(footprint.rows(fp)[7].verdict, "MISS")
        # No --user-stacks run: no rows for it.
        self.assertEqual(len(footprint.rows(fp)), 8)

    def test_user_stacks_runs_get_their_own_rows(self):
        fp = footprint.Footprint()
        fp.note("submitwatch", self.Attached(), Sample(12902, 31130, 0.008, False), 8)
        fp.note("submitwatch --user-stacks", self.Attached(), Sample(40960, 61440, 0.016, True), 8)
        got = cells(footprint.rows(fp))
        # The default options' figures do not take the variant's in.
        self.assertEqual(got[0][1], "12.6 [12.6-12.6]")
        self.assertEqual(got[7], ("libbcc mapped by record (default options)", "no", "never", "PASS"))
        self.assertEqual(got[8:], [
            ("record --user-stacks steady-state RSS (MiB)", "40.0 [40.0-40.0]", "", ""),
            ("record --user-stacks peak RSS VmHWM (MiB)", "60.0 [60.0-60.0]", "", ""),
            ("record --user-stacks start to attached (ms)", "208 [208-208]", "", ""),
            ("record --user-stacks CPU during IO runs (% of one core)", "0.2 [0.2-0.2]", "", ""),
            ("libbcc mapped by record --user-stacks", "yes", "every run", "PASS")])


class UserSpaceTest(unittest.TestCase):
    def test_items_per_second_keeps_iterations_only(self):
        data = {"benchmarks": [
            {"run_name": "BM_ModelAddAlloc", "run_type": "iteration", "items_per_second": 8.0e6},
            {"run_name": "BM_ModelAddAlloc", "run_type": "iteration", "items_per_second": 8.3e6},
            {"run_name": "BM_ModelAddAlloc", "run_type": "aggregate", "items_per_second": 8.1e6},
            {"run_name": "BM_Other", "run_type": "iteration"}]}
        self.assertEqual(user_space.items_per_second(data), {"BM_ModelAddAlloc": [8.0e6, 8.3e6]})

    def test_rows(self):
        rates = {"BM_ModelAddAlloc": [8.28e6], "BM_ModelCgroupRows": [18.93e6]}
        report = user_space.ReportResult(1463114, [7.87, 8.20, 7.53], [28.4, 27.8, 27.7])
        got = cells(user_space.rows(user_space.UserResult(rates, report)))
        self.assertEqual(got[0], ("model alloc events/s (M, one core)", "8.28 [8.28-8.28]", ">= 5", "PASS"))
        self.assertEqual(got[1], ("model: BlkgRecord snapshot rows in (M rows/s, one core)", "n/a",
                                  ">= 20", "MISS"))
        self.assertEqual(got[3], ("model: CgroupRows() rows built (M rows/s; 1024 rows: 54 us)",
                                  "18.93 [18.93-18.93]", "", ""))
        self.assertEqual(got[5][0], "model: AllocRows() rows built (M rows/s)")
        self.assertEqual(got[8][0], "BM_CaptureReadFile (M events/s)")
        self.assertEqual(got[9:], [
            ("report 1.00 GiB capture: seconds", "7.9 [7.5-8.2]", "< 30", "PASS"),
            ("report: records/s (M)", "0.19 [0.18-0.19]", "", ""),
            ("report: peak RSS (MiB)", "27.8 [27.7-28.4]", "< 100", "PASS")])

    def test_no_bench_model_no_rows(self):
        self.assertEqual(user_space.rows(user_space.UserResult({}, None)), [])


class ExportTest(unittest.TestCase):
    def test_ms_per_op_reads_real_time_in_its_unit_and_the_series(self):
        data = {"benchmarks": [
            {"run_name": "BM_ExporterPublish", "run_type": "iteration", "real_time": 1.5,
             "time_unit": "ms", "series": 10900.0},
            {"run_name": "BM_ExporterRender/0", "run_type": "iteration", "real_time": 2500.0,
             "time_unit": "us", "series": 10900.0},
            {"run_name": "BM_ExporterRender/0", "run_type": "aggregate", "real_time": 9.0,
             "time_unit": "ms"}]}
        self.assertEqual(exporter.ms_per_op(data),
                         ({"BM_ExporterPublish": [1.5], "BM_ExporterRender/0": [2.5]}, 10900))

    def test_count_series_skips_metadata(self):
        self.assertEqual(exporter.count_series("# HELP a x\n# TYPE a counter\na_total 1\n"
                                               "b{c=\"# x\"} 2\n# EOF\n"), 2)

    def test_rows(self):
        synthetic = exporter.ScrapeResult(10900, 2 << 20, {"text": [20.0, 30.0, 25.0],
                                                           "openmetrics": [18.0, 120.0, 22.0]},
                                          [18.0, 18.5], [18.7, 19.0])
        live = exporter.ScrapeResult(1800, 190000, {"text": [3.0], "openmetrics": [4.0]}, [9.0], [9.5])
        res = exporter.ExportResult({"BM_ExporterPublish": [1.5, 1.4], "BM_ExporterRender/0": [2.5],
                                     "BM_ExporterRender/1": [2.2]}, 10900, synthetic, live)
        self.assertEqual(cells(exporter.rows(res)), [
            ("serve scrape, 10.9k series, Prometheus text (ms, HTTP client included)",
             "25.0 [20.0-30.0]", "< 100", "PASS"),
            ("serve scrape, 10.9k series, OpenMetrics (ms, HTTP client included)",
             "22.0 [18.0-120.0]", "< 100", "PASS"),
            ("serve RSS, 10.9k series (MiB, peak)", "18.9 [18.7-19.0]", "< 64", "PASS"),
            ("serve exposition, 10.9k series (KiB)", "2,048", "", ""),
            ("render one scrape, 10.9k series, text (ms, one core)", "2.50 [2.50-2.50]", "", ""),
            ("render one scrape, 10.9k series, OpenMetrics (ms, one core)", "2.20 [2.20-2.20]", "", ""),
            ("publish a snapshot, 10.9k series (ms, one core, collector thread)",
             "1.45 [1.40-1.50]", "", ""),
            ("serve on this host, 1,800 series: scrape (ms)", "4.0 [4.0-4.0]", "", ""),
            ("serve on this host: RSS (MiB, peak)", "9.5 [9.5-9.5]", "", ""),
        ])

    def test_without_bench_model_or_serve(self):
        res = exporter.ExportResult({}, 0, exporter.ScrapeResult(), None)
        got = cells(exporter.rows(res))
        self.assertEqual(len(got), 4)
        self.assertEqual(got[0][1:], ("n/a", "< 100", "MISS"))


class KeyValuesTest(unittest.TestCase):
    def test_bench_tool_line(self):
        self.assertEqual(key_values("generated=100150 received=500 lost=99650 difference=0\n"),
                         {"generated": "100150", "received": "500", "lost": "99650", "difference": "0"})


if __name__ == "__main__":
    unittest.main()
