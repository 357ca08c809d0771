"""Where the binaries are and the run's settings (bench/run --help)."""

import os

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(BENCH)
BUILD = os.environ.get("BENCH_BUILD_DIR", os.path.join(ROOT, "build-bench"))
SUBMITWATCH = os.path.join(BUILD, "submitwatch")
BENCH_TOOL = os.path.join(BUILD, "bench", "bench_tool")
BENCH_MODEL = os.path.join(BUILD, "bench", "bench_model")
EQUIVALENT_BT = os.path.join(BENCH, "equivalent.bt")
# Another build of the tree (bench/run --baseline REV): the phases that
# compare builds (cost, scale) measure it too, interleaved, as "before".
BASELINE_BUILD = os.environ.get("BENCH_BASELINE_BUILD", "")

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))  # per fio run
CAPTURE_BYTES = int(os.environ.get("BENCH_CAPTURE_BYTES", str(1 << 30)))
REPORT_RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "3"))
TMP_PARENT = os.environ.get("BENCH_TMPDIR", "/var/tmp")
ALLOC_RATE = int(os.environ.get("BENCH_ALLOC_RATE", "110000"))
ZRAM_BYTES = 512 << 20
LOOP_BYTES = 256 << 20
# Not binding (the loop device does far less here), so the ratio is the
# tracer's cost on the throttled path, not the limit's.
THROTTLE_WRITE_BPS = 4 << 30
