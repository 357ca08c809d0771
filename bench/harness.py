#!/usr/bin/python3
"""submitwatch's benchmark harness; bench/run is the entry point.

Measures side by side in one run, variants interleaved round by round, and
prints medians with [min-max]:
  1. IO overhead: fio 4 KiB random direct reads on a zram device (1 and 2
     jobs), and 4 KiB direct writes on a loop device in a throttled cgroup:
     untraced vs `submitwatch record` (default hooks) vs bench/equivalent.bt.
  2. BPF cost per event of each program, from the kernel's run-time
     statistics, next to an empty program on the same hook (bench/floor.bpf.c).
  3. User-space throughput (bench_model, Google Benchmark) and `report` of a
     1 GiB synthetic capture (time, peak RSS).
  4. Footprint: RSS and start-to-attached of `record` vs bpftrace.
  5. Workqueue hooks under a work-item storm: overhead and lost events.
  6. Loss: 100k per-cpu allocations/s with --all-allocs, and the loss
     counter's exactness under a flood.
Then each goal of issue 7 with its measured value and PASS/MISS.

Everything it makes (zram device, loop device, cgroup, files, processes) is
written to a state file as it is made and undone on exit, also on failure;
`harness.py --cleanup STATE` undoes what a killed run left (bench/run's trap).
"""

import datetime
import glob
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BENCH_BUILD_DIR", os.path.join(ROOT, "build-bench"))
SUBMITWATCH = os.path.join(BUILD, "submitwatch")
BENCH_TOOL = os.path.join(BUILD, "bench", "bench_tool")
BENCH_MODEL = os.path.join(BUILD, "bench", "bench_model")
EQUIVALENT_BT = os.path.join(ROOT, "bench", "equivalent.bt")

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))  # per fio run
CAPTURE_BYTES = int(os.environ.get("BENCH_CAPTURE_BYTES", str(1 << 30)))
REPORT_RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "3"))
TMP_PARENT = os.environ.get("BENCH_TMPDIR", "/var/tmp")
ZRAM_BYTES = 512 << 20
LOOP_BYTES = 256 << 20
# Not binding (the loop device does far less here), so the ratio is the
# tracer's cost on the throttled path, not the limit's.
THROTTLE_WRITE_BPS = 4 << 30
ALLOC_RATE = int(os.environ.get("BENCH_ALLOC_RATE", "110000"))

VARIANTS = ("untraced", "submitwatch", "bpftrace")
# The goal's run also has the empty programs of bench/floor.bpf.c attached on
# their own: what any BPF program on those hooks costs the IO, before a body.
GOAL_VARIANTS = VARIANTS + ("floor",)


def log(msg=""):
    print(msg, flush=True)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def spread(xs, fmt="{:.0f}"):
    """median [min-max]"""
    if not xs:
        return "n/a"
    return f"{fmt.format(median(xs))} [{fmt.format(min(xs))}-{fmt.format(max(xs))}]"


def run(argv, check=True, **kw):
    return subprocess.run(argv, check=check, text=True, capture_output=True, **kw)


CLEANUP = None  # the run's Cleanup, once main() made it


def run_tracked(argv, marker):
    """run(), with the child in the state file while it runs: a harness killed
    meanwhile leaves bench/run's trap a process to stop (it holds the devices)."""
    p = subprocess.Popen(argv, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    entry = CLEANUP.add("pid", p.pid, marker) if CLEANUP else None
    try:
        out, err = p.communicate()
    finally:
        if entry:
            CLEANUP.forget(entry)
    if p.returncode != 0:
        raise subprocess.CalledProcessError(p.returncode, argv, out, err)
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


# --- clean-up: everything made is undone, in reverse order -------------------

def undo(kind, args):
    """Undoes one thing the harness made; safe to call when it is gone."""
    try:
        if kind == "pid":
            pid, marker = int(args[0]), args[1]
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if marker.encode() not in f.read():
                        return  # not ours any more
            except OSError:
                return
            os.kill(pid, signal.SIGINT)
            for _ in range(50):
                if not os.path.exists(f"/proc/{pid}"):
                    return
                time.sleep(0.1)
            os.kill(pid, signal.SIGKILL)
        elif kind == "cgroup":
            for _ in range(50):
                try:
                    os.rmdir(args[0])
                    return
                except FileNotFoundError:
                    return
                except OSError:
                    time.sleep(0.1)  # its last task is still exiting
        elif kind == "loop":
            dev, backing = args
            name = os.path.basename(dev)
            try:
                with open(f"/sys/block/{name}/loop/backing_file") as f:
                    current = f.read().strip()
            except OSError:
                return
            if current.replace(" (deleted)", "") == backing:
                subprocess.run(["losetup", "-d", dev], check=False)
        elif kind == "zram":
            n = args[0]
            if os.path.exists(f"/sys/block/zram{n}"):
                with open(f"/sys/block/zram{n}/reset", "w") as f:
                    f.write("1")
                with open("/sys/class/zram-control/hot_remove", "w") as f:
                    f.write(n)
        elif kind == "file":
            if os.path.exists(args[0]):
                os.unlink(args[0])
        elif kind == "dir":
            shutil.rmtree(args[0], ignore_errors=True)
        elif kind == "sysctl":
            with open("/proc/sys/" + args[0].replace(".", "/"), "w") as f:
                f.write(args[1])
    except OSError as e:
        print(f"bench: clean-up of {kind} {' '.join(args)} failed: {e}", file=sys.stderr)


class Cleanup:
    def __init__(self, state_path):
        self.state_path = state_path
        self.entries = []

    def _save(self):
        with open(self.state_path + ".new", "w") as f:
            for kind, args in self.entries:
                f.write("\t".join([kind] + [str(a) for a in args]) + "\n")
        os.replace(self.state_path + ".new", self.state_path)

    def add(self, kind, *args):
        entry = (kind, [str(a) for a in args])
        self.entries.append(entry)
        self._save()
        return entry

    def done(self, entry):
        """Undoes one entry now."""
        if entry in self.entries:
            undo(*entry)
            self.entries.remove(entry)
            self._save()

    def forget(self, entry):
        if entry in self.entries:
            self.entries.remove(entry)
            self._save()

    def all(self):
        while self.entries:
            self.done(self.entries[-1])


def cleanup_from_state(path):
    try:
        with open(path) as f:
            lines = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    except FileNotFoundError:
        return
    for fields in reversed(lines):
        undo(fields[0], fields[1:])
    os.unlink(path)


class Interrupted(Exception):
    pass


def on_signal(signum, frame):
    raise Interrupted(f"signal {signum}")


# --- processes ---------------------------------------------------------------

def proc_status(pid):
    """VmRSS and VmHWM in KiB."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return out


def proc_cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def maps_mention(pid, needle):
    try:
        with open(f"/proc/{pid}/maps") as f:
            return any(needle in line for line in f)
    except OSError:
        return False


class Tracer:
    """A tracer process; `attached_s` is the time from spawn to its ready mark."""

    def __init__(self, cleanup, name, argv, ready):
        self.cleanup, self.name, self.argv, self.ready = cleanup, name, argv, ready
        self.proc = None
        self.attached_s = None
        self.tail = []
        self._event = threading.Event()

    def start(self, timeout=30):
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.entry = self.cleanup.add("pid", self.proc.pid, os.path.basename(self.argv[0]))

        def reader():
            # Keeps draining: bpftrace prints its maps at exit and must not block.
            for raw in self.proc.stdout:
                line = raw.decode(errors="replace").rstrip("\n")
                if not self._event.is_set() and self.ready(line):
                    self.attached_s = time.monotonic() - t0
                    self._event.set()
                self.tail = (self.tail + [line])[-20:]
            self._event.set()

        threading.Thread(target=reader, daemon=True).start()
        self._event.wait(timeout)
        if self.attached_s is None:
            self.stop()
            raise RuntimeError(f"{self.name} did not attach within {timeout}s:\n  " +
                               "\n  ".join(self.tail))
        self.cpu0 = proc_cpu_seconds(self.proc.pid)
        return self

    def sample(self):
        s = proc_status(self.proc.pid)
        s["cpu_s"] = proc_cpu_seconds(self.proc.pid) - self.cpu0
        s["libbcc"] = maps_mention(self.proc.pid, "libbcc")
        return s

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.cleanup.forget(self.entry)
        return self.proc.returncode


def submitwatch_tracer(cleanup, capture, extra=()):
    return Tracer(cleanup, "submitwatch record",
                  [SUBMITWATCH, "record", "-o", capture, *extra],
                  lambda line: line.startswith("submitwatch: attached"))


def bpftrace_tracer(cleanup):
    return Tracer(cleanup, "bpftrace", ["bpftrace", EQUIVALENT_BT],
                  lambda line: line.strip() == "attached")


def read_capture(path):
    """Counts of a capture: alloc records (by comm), lost, summary, wq rows."""
    out = {"allocs": 0, "alloc_comms": {}, "lost": 0, "lost_counts": {}, "summary": None,
           "wq": {}}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            t = r.get("type")
            if t == "alloc":
                out["allocs"] += 1
                out["alloc_comms"][r["comm"]] = out["alloc_comms"].get(r["comm"], 0) + 1
            elif t == "lost":
                out["lost"] = r["total"]
                out["lost_counts"] = r["counts"]
            elif t == "summary":
                out["summary"] = r
            elif t == "wq":
                out["wq"][r["function"]] = r["executed"]
    if out["summary"]:
        out["lost"] = max(out["lost"], out["summary"]["lost"])
    return out


# --- the machine ---------------------------------------------------------------

def machine_facts():
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "kernel": os.uname().release,
        "nproc": os.cpu_count(),
        "memory": f"{mem_kib / (1 << 20):.1f} GiB",
    }


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def foreign_bpf_tracers():
    """Tracing programs loaded by other processes: they tax every variant."""
    try:
        progs = json.loads(run(["bpftool", "prog", "show", "-j"]).stdout)
    except (subprocess.CalledProcessError, json.JSONDecodeError, FileNotFoundError):
        return []
    return [p.get("name", "?") for p in progs
            if p.get("type") in ("tracing", "raw_tracepoint", "tracepoint", "kprobe")]


def bpf_stats_sysctl():
    try:
        with open("/proc/sys/kernel/bpf_stats_enabled") as f:
            return f.read().strip()
    except OSError:
        return "?"


# --- devices and cgroups ----------------------------------------------------------

def make_zram(cleanup):
    if not os.path.exists("/sys/class/zram-control"):
        subprocess.run(["modprobe", "zram", "num_devices=0"], check=False)
    if not os.path.exists("/sys/class/zram-control/hot_add"):
        raise RuntimeError("no zram: /sys/class/zram-control is missing (CONFIG_ZRAM?)")
    with open("/sys/class/zram-control/hot_add") as f:
        n = f.read().strip()
    cleanup.add("zram", n)
    with open(f"/sys/block/zram{n}/disksize", "w") as f:
        f.write(str(ZRAM_BYTES))
    dev = f"/dev/zram{n}"
    for _ in range(50):
        if os.path.exists(dev):
            break
        time.sleep(0.1)
    # Incompressible data: reads decompress real pages, not the zero-page shortcut.
    run(["dd", "if=/dev/urandom", f"of={dev}", "bs=1M", f"count={ZRAM_BYTES >> 20}",
         "oflag=direct", "status=none"])
    return dev


def make_loop(cleanup, workdir):
    backing = os.path.join(workdir, "loop.img")
    cleanup.add("file", backing)
    with open(backing, "wb") as f:
        f.truncate(LOOP_BYTES)
    dev = run(["losetup", "--find", "--show", backing]).stdout.strip()
    cleanup.add("loop", dev, backing)
    return dev


def dev_numbers(dev):
    st = os.stat(dev)
    return os.major(st.st_rdev), os.minor(st.st_rdev)


def make_throttled_cgroup(cleanup, dev):
    """A cgroup with a write limit on `dev`; returns its directory."""
    major, minor = dev_numbers(dev)
    name = f"submitwatch-bench-{os.getpid()}"
    v1 = "/sys/fs/cgroup/blkio"
    if os.path.exists(os.path.join(v1, "blkio.throttle.write_bps_device")):
        path = os.path.join(v1, name)
        os.mkdir(path)
        cleanup.add("cgroup", path)
        with open(os.path.join(path, "blkio.throttle.write_bps_device"), "w") as f:
            f.write(f"{major}:{minor} {THROTTLE_WRITE_BPS}")
        return path, f"v1 blkio.throttle.write_bps_device {major}:{minor} {THROTTLE_WRITE_BPS}"
    root = "/sys/fs/cgroup"
    with open(os.path.join(root, "cgroup.controllers")) as f:
        if "io" not in f.read().split():
            raise RuntimeError("no io controller: neither cgroup v1 blkio nor v2 io")
    with open(os.path.join(root, "cgroup.subtree_control"), "w") as f:
        f.write("+io")
    path = os.path.join(root, name)
    os.mkdir(path)
    cleanup.add("cgroup", path)
    with open(os.path.join(path, "io.max"), "w") as f:
        f.write(f"{major}:{minor} wbps={THROTTLE_WRITE_BPS}")
    return path, f"v2 io.max {major}:{minor} wbps={THROTTLE_WRITE_BPS}"


# --- fio ----------------------------------------------------------------------

def fio(args, seconds, cgroup=None):
    """Runs fio for `seconds`; returns its total IOPS (reads + writes)."""
    argv = ["fio", "--output-format=json", "--group_reporting", "--time_based",
            f"--runtime={seconds}", "--name=bench", *args]
    if cgroup:
        argv = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup] + argv
    out = run_tracked(argv, "fio").stdout
    data = json.loads(out[out.index("{"):])
    job = data["jobs"][0]
    return job["read"]["iops"] + job["write"]["iops"]


def zram_read_args(dev, jobs):
    return [f"--filename={dev}", "--rw=randread", "--bs=4k", "--direct=1", "--ioengine=psync",
            f"--numjobs={jobs}", f"--size={ZRAM_BYTES}"]


def loop_write_args(dev):
    return [f"--filename={dev}", "--rw=randwrite", "--bs=4k", "--direct=1", "--ioengine=psync",
            "--numjobs=1", f"--size={LOOP_BYTES}"]


def storm_args(dev):
    # Buffered 4 KiB writes, each followed by fsync: every write becomes a bio
    # and a flush, each a loop work item, plus the writeback around them.
    return [f"--filename={dev}", "--rw=randwrite", "--bs=4k", "--direct=0", "--ioengine=psync",
            "--fsync=1", "--numjobs=1", f"--size={LOOP_BYTES}"]


class Footprint:
    """What the IO runs saw of each tracer: start latency, RSS, CPU, libbcc."""

    def __init__(self):
        self.attach_ms = {"submitwatch": [], "bpftrace": []}
        self.rss_kib = {"submitwatch": [], "bpftrace": []}
        self.hwm_kib = {"submitwatch": [], "bpftrace": []}
        self.cpu_pct = {"submitwatch": [], "bpftrace": []}
        self.libbcc = False

    def note(self, variant, tracer, sample, seconds):
        self.attach_ms[variant].append(tracer.attached_s * 1000)
        self.rss_kib[variant].append(sample.get("VmRSS", 0))
        self.hwm_kib[variant].append(sample.get("VmHWM", 0))
        self.cpu_pct[variant].append(100 * sample["cpu_s"] / seconds)
        if variant == "submitwatch" and sample["libbcc"]:
            self.libbcc = True


def ab_runs(title, cleanup, workdir, footprint, variants, workload, seconds, note_capture=None):
    """Variants interleaved, the order rotated each round; returns IOPS lists."""
    log(f"\n-- {title}")
    iops = {v: [] for v in variants}
    lost = []
    for r in range(RUNS):
        order = variants[r % len(variants):] + variants[:r % len(variants)]
        line = []
        for v in order:
            tracer = None
            capture = os.path.join(workdir, "ab.jsonl")
            if v == "submitwatch":
                tracer = submitwatch_tracer(cleanup, capture).start()
            elif v == "bpftrace":
                tracer = bpftrace_tracer(cleanup).start()
            elif v == "floor":
                tracer = Tracer(cleanup, "floor", [BENCH_TOOL, "floor"],
                                lambda line: line.strip() == "attached").start()
            value = workload(seconds)
            if tracer:
                sample = tracer.sample()
                if v in footprint.attach_ms:
                    footprint.note(v, tracer, sample, seconds)
                rc = tracer.stop()
                if rc not in (0, None) and v == "submitwatch":
                    raise RuntimeError(f"submitwatch record exited {rc}:\n  " + "\n  ".join(tracer.tail))
            if v == "submitwatch":
                cap = read_capture(capture)
                lost.append(cap["lost"])
                if note_capture:
                    note_capture(cap, seconds)
                os.unlink(capture)
            iops[v].append(value)
            line.append(f"{v} {value:,.0f}")
        log(f"   round {r + 1}/{RUNS}: " + "  ".join(line) + " IOPS")
    return iops, lost


def paired_ratios(a, b):
    return [x / y for x, y in zip(a, b) if y]


# --- BPF cost per event ----------------------------------------------------------------

def prog_stats(pids):
    """{prog_id: (run_time_ns, run_cnt)} of the programs the processes hold."""
    stats = {}
    for pid in pids:
        for path in glob.glob(f"/proc/{pid}/fdinfo/*"):
            try:
                with open(path) as f:
                    text = f.read()
            except OSError:
                continue
            m_id = re.search(r"^prog_id:\s+(\d+)", text, re.M)
            m_t = re.search(r"^run_time_ns:\s+(\d+)", text, re.M)
            m_c = re.search(r"^run_cnt:\s+(\d+)", text, re.M)
            if m_id and m_t and m_c:
                stats[int(m_id.group(1))] = (int(m_t.group(1)), int(m_c.group(1)))
    return stats


def prog_names(ids):
    progs = json.loads(run(["bpftool", "prog", "show", "-j"]).stdout)
    return {p["id"]: p.get("name", str(p["id"])) for p in progs if p["id"] in ids}


def bio_cost_above_floor(names, before, after):
    """sw_block_bio_queue's ns/bio minus the floor's over one stretch, or None."""
    per = {}
    for i, (t1, c1) in after.items():
        t0, c0 = before.get(i, (0, 0))
        if c1 > c0:
            per[names.get(i)] = (t1 - t0) / (c1 - c0)
    if "sw_block_bio_queue" not in per or "floor_block_bio_queue" not in per:
        return None
    return per["sw_block_bio_queue"] - per["floor_block_bio_queue"]


def bpf_cost(cleanup, workdir, zram, loop):
    log("\n-- BPF cost per event, from run-time stats (on for this phase only: fd-scoped, "
        "held by the floor process). Each round runs the workload twice: with submitwatch "
        "attached, then with bpftrace, each next to the empty-program floor")
    floor = Tracer(cleanup, "floor", [BENCH_TOOL, "floor", "--stats"],
                   lambda line: line.strip() == "attached").start()
    capture = os.path.join(workdir, "cost.jsonl")
    per_event = {}  # (owner, program) -> [ns/event per round]
    floor_of = {}   # (owner, program) -> [floor ns/event of the same runs]
    events = {}
    # submitwatch's block_bio_queue above the floor in each workload alone.
    bio_by_workload = {}
    # bpftrace's programs are named after the tracepoint, truncated.
    floor_name = {"block_bio_queue": "floor_block_bio_queue",
                  "percpu_alloc_pe": "floor_percpu_alloc"}
    try:
        for r in range(RUNS):
            for who in ("submitwatch", "bpftrace"):
                tracer = (submitwatch_tracer(cleanup, capture) if who == "submitwatch"
                          else bpftrace_tracer(cleanup)).start()
                owners = [floor.proc.pid, tracer.proc.pid]
                before = prog_stats(owners)
                names = prog_names(set(before))
                theirs = set(prog_stats([tracer.proc.pid]))
                fio(zram_read_args(zram, 1), 3)
                after_reads = prog_stats(owners)
                fio(storm_args(loop), 2)
                after_storm = prog_stats(owners)
                run_tracked([BENCH_TOOL, "percpu-flood", "--rate", "20000", "--batch", "200",
                             "--seconds", "1"], "bench_tool")
                after = prog_stats(owners)
                tracer.stop()
                if who == "submitwatch":
                    for part, t0, t1 in (("zram reads", before, after_reads),
                                         ("workqueue storm", after_reads, after_storm)):
                        above = bio_cost_above_floor(names, t0, t1)
                        if above is not None:
                            bio_by_workload.setdefault(part, []).append(above)
                cost = {}
                for i, (t1, c1) in after.items():
                    t0, c0 = before.get(i, (0, 0))
                    cost[names.get(i, str(i))] = ((t1 - t0) / (c1 - c0) if c1 > c0 else None, c1 - c0)
                for i in theirs:
                    name = names.get(i, str(i))
                    ns, n = cost[name]
                    fl = cost.get(floor_name.get(name, name.replace("sw_", "floor_", 1)), (None, 0))[0]
                    events.setdefault((who, name), []).append(n)
                    if ns is not None:
                        per_event.setdefault((who, name), []).append(ns)
                        if fl is not None:
                            floor_of.setdefault((who, name), []).append(fl)
            log(f"   round {r + 1}/{RUNS} done")
    finally:
        floor.stop()
        if os.path.exists(capture):
            os.unlink(capture)
    table = []
    for key in sorted(events):
        who, name = key
        ns, fl = per_event.get(key, []), floor_of.get(key, [])
        above = [x - y for x, y in zip(ns, fl)] if len(fl) == len(ns) else []
        table.append((who, name, median(events[key]), ns, fl, above))
    log(f"   {'owner':<12} {'program':<24} {'events/run':>12}  {'ns/event':<22} "
        f"{'floor ns/event':<20} {'above floor':<20}")
    for who, name, ev, ns, fl, above in table:
        log(f"   {who:<12} {name:<24} {ev:>12,.0f}  {spread(ns, '{:.0f}'):<22} "
            f"{spread(fl, '{:.0f}'):<20} {spread(above, '{:.0f}'):<20}")
    for part, above in bio_by_workload.items():
        log(f"   submitwatch sw_block_bio_queue, {part} alone: {spread(above, '{:.0f}')} ns "
            "above the floor")
    return table, bio_by_workload


# --- loss ----------------------------------------------------------------------------

def loss_tests(cleanup, workdir):
    log(f"\n-- Loss: `record --all-allocs` while the kernel makes ~{ALLOC_RATE:,} per-cpu "
        "allocations/s (BPF per-CPU hash maps with prealloc, 250 entries each, one thread; "
        "the achieved rate is what the capture shows); the default 1 MiB ring buffer "
        "interleaved with --ringbuf-size 4M")
    results = {"1M": [], "4M": []}
    for r in range(3):
        for ring in ("1M", "4M"):
            capture = os.path.join(workdir, "loss.jsonl")
            extra = ["--all-allocs"] + (["--ringbuf-size", ring] if ring != "1M" else [])
            tracer = submitwatch_tracer(cleanup, capture, extra).start()
            flood = run_tracked([BENCH_TOOL, "percpu-flood", "--rate", str(ALLOC_RATE),
                                 "--batch", "250", "--threads", "1", "--seconds", "5"],
                                "bench_tool").stdout
            sample = tracer.sample()
            tracer.stop()
            fields = dict(kv.split("=") for kv in flood.split())
            cap = read_capture(capture)
            os.unlink(capture)
            flood_events = cap["alloc_comms"].get("bench_tool", 0)
            seconds = float(fields["seconds"])
            # Lost events cannot be told apart by process: all are charged to the flood.
            rate = (flood_events + cap["lost"]) / seconds
            cpu = sample["cpu_s"] / seconds * 100
            results[ring].append((rate, cap["allocs"], cap["lost"], cpu))
            log(f"   round {r + 1}/3, ring {ring}: {flood_events:,} flood events in {seconds:.2f}s "
                f"= {rate:,.0f}/s; {cap['allocs']:,} alloc records in all, {cap['lost']} lost; "
                f"record CPU {cpu:.0f}%, RSS {sample.get('VmRSS', 0) / 1024:.1f} MiB")

    log("\n-- Loss counter exactness: submitwatch's BPF object, --all-allocs, a 4 KiB ring "
        "buffer, 100,000 allocations; detached, then program runs vs received + lost")
    out = subprocess.run([BENCH_TOOL, "loss-exact", "--ringbuf", "4096", "--allocs", "100000"],
                         text=True, capture_output=True)
    if out.returncode not in (0, 3):
        raise RuntimeError(f"bench_tool loss-exact failed: {out.stderr.strip()}")
    exact = dict(kv.split("=") for kv in out.stdout.split())
    exact = {k: int(v) for k, v in exact.items()}
    log(f"   program ran {exact['generated']:,} times; received {exact['received']:,}, "
        f"lost {exact['lost']:,}; difference {exact['difference']}")

    log("\n-- The same flood through `record --all-allocs --ringbuf-size 4K` (end to end)")
    capture = os.path.join(workdir, "flood.jsonl")
    tracer = submitwatch_tracer(cleanup, capture, ["--all-allocs", "--ringbuf-size", "4K"]).start()
    run_tracked([BENCH_TOOL, "percpu-flood", "--rate", "100000", "--batch", "2000", "--seconds", "2"],
                "bench_tool")
    tracer.stop()
    cap = read_capture(capture)
    os.unlink(capture)
    log(f"   capture: {cap['allocs']:,} alloc records, lost {cap['lost']:,} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(cap['lost_counts'].items()) if v)}); "
        f"summary lost {cap['summary']['lost'] if cap['summary'] else '?'}")
    return results, exact, cap


# --- user space ----------------------------------------------------------------------

MODEL_BENCHMARKS = [
    ("BM_ModelAddAlloc", "model: alloc events in", "events/s"),
    ("BM_ModelAddBlkgRows", "model: BlkgRecord snapshot rows in", "rows/s"),
    ("BM_ModelAddWqRows", "model: WqRecord snapshot rows in", "rows/s"),
    ("BM_ModelCgroupRows", "model: CgroupRows() rows built", "rows/s"),
    ("BM_ModelWqRows", "model: WqRows() rows built", "rows/s"),
    ("BM_ModelAllocRows", "model: AllocRows() rows built", "rows/s"),
    ("BM_CaptureFormatAlloc", "capture writer: alloc lines", "events/s"),
    ("BM_CaptureParseAlloc", "capture reader: alloc lines parsed", "events/s"),
    ("BM_CaptureReadFile", "capture reader: whole file", "events/s"),
]
# The goal's "map-snapshot rows" are the rows the model takes in from each
# read of the kernel's maps.
SNAPSHOT_BENCHMARKS = ("BM_ModelAddBlkgRows", "BM_ModelAddWqRows")
# Tables built from the model for each TUI frame and each report: no goal of
# their own; printed with what one frame of the benchmark's size costs.
TABLE_BENCHMARKS = (("BM_ModelCgroupRows", 1024), ("BM_ModelWqRows", 256), ("BM_ModelAllocRows", None))


def model_benchmarks(workdir):
    log("\n-- User space on one core: bench_model (Google Benchmark, "
        f"{RUNS} repetitions; items/s)")
    if not os.path.exists(BENCH_MODEL):
        log("   bench_model was not built (Google Benchmark missing)")
        return {}
    out = os.path.join(workdir, "bench_model.json")
    run([BENCH_MODEL, f"--benchmark_repetitions={RUNS}", "--benchmark_min_time=0.2",
         f"--benchmark_out={out}", "--benchmark_out_format=json"])
    with open(out) as f:
        data = json.load(f)
    os.unlink(out)
    rates = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration" or "items_per_second" not in b:
            continue
        rates.setdefault(b["run_name"], []).append(b["items_per_second"])
    for name, label, unit in MODEL_BENCHMARKS:
        xs = [x / 1e6 for x in rates.get(name, [])]
        log(f"   {label:<40} {spread(xs, '{:.2f}'):>24} M {unit}")
    return rates


def report_replay(cleanup, workdir):
    free = shutil.disk_usage(workdir).free
    if free < CAPTURE_BYTES * 1.2:
        log(f"\n-- report of a synthetic capture: skipped, {free >> 20} MiB free in {workdir}")
        return None
    log(f"\n-- `report` of a {CAPTURE_BYTES / (1 << 30):.2f} GiB synthetic capture "
        f"(in {workdir}, page-cached; {REPORT_RUNS} runs)")
    path = os.path.join(workdir, "synthetic.jsonl")
    cleanup.add("file", path)
    t0 = time.monotonic()
    gen = dict(kv.split("=") for kv in
               run([BENCH_TOOL, "synth-capture", "--bytes", str(CAPTURE_BYTES), "--output", path]).stdout.split())
    records = int(gen["records"])
    log(f"   wrote {records:,} records, {int(gen['bytes']) / (1 << 20):,.0f} MiB in {time.monotonic() - t0:.1f}s")
    times, rss = [], []
    for r in range(REPORT_RUNS):
        t0 = time.monotonic()
        with open(os.devnull, "w") as null:
            p = subprocess.Popen([SUBMITWATCH, "report", path], stdout=null, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(p.pid, 0)
        elapsed = time.monotonic() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"submitwatch report failed: {p.stderr.read().decode()}")
        times.append(elapsed)
        rss.append(usage.ru_maxrss / 1024)
        log(f"   run {r + 1}/{REPORT_RUNS}: {elapsed:.2f}s, {records / elapsed / 1e6:.2f} M records/s, "
            f"peak RSS {usage.ru_maxrss / 1024:.1f} MiB")
    os.unlink(path)
    return {"records": records, "times": times, "rss": rss}


# --- the whole run -------------------------------------------------------------------------

def main():
    state = sys.argv[1] if len(sys.argv) > 1 else os.path.join(tempfile.gettempdir(),
                                                                  f"submitwatch-bench-{os.getpid()}.state")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    global CLEANUP
    cleanup = CLEANUP = Cleanup(state)
    t_start = time.monotonic()
    facts = machine_facts()
    log("submitwatch benchmark (bench/run)")
    log(f"date: {facts['date']}; kernel: {facts['kernel']}; machine: {facts['nproc']} CPUs, "
        f"{facts['memory']} memory")
    try:
        fio_version = run(["fio", "--version"]).stdout.strip()
        bt_version = run(["bpftrace", "--version"]).stdout.strip()
    except FileNotFoundError as e:
        raise RuntimeError(f"{e.filename} is missing: bench/run installs it") from None
    log(f"tools: {fio_version}, {bt_version}, submitwatch {run([SUBMITWATCH, '--version']).stdout.strip()}")
    log(f"settings: {RUNS} interleaved rounds, fio runs of {SECONDS:g}s, variant order rotated "
        "each round; ratios are medians of the per-round ratios [min-max]")
    log(f"load average at start: {loadavg()}; kernel.bpf_stats_enabled={bpf_stats_sysctl()}")
    foreign = foreign_bpf_tracers()
    if foreign:
        log(f"note: {len(foreign)} tracing BPF programs of other processes are loaded "
            f"({', '.join(sorted(set(foreign))[:8])}); they tax every variant alike")

    results = {}
    try:
        workdir = tempfile.mkdtemp(prefix="submitwatch-bench-", dir=TMP_PARENT)
        cleanup.add("dir", workdir)
        shmdir = tempfile.mkdtemp(prefix="submitwatch-bench-", dir="/dev/shm")
        cleanup.add("dir", shmdir)
        zram = make_zram(cleanup)
        loop = make_loop(cleanup, shmdir)
        cgroup, throttle = make_throttled_cgroup(cleanup, loop)
        log(f"devices: {zram} ({ZRAM_BYTES >> 20} MiB, random data), {loop} (file on tmpfs, "
            f"{LOOP_BYTES >> 20} MiB), cgroup {cgroup} with {throttle}")
        fp = Footprint()

        # 1. IO overhead.
        for jobs in (1, 2):
            results[f"zram{jobs}"], results[f"zram{jobs}_lost"] = ab_runs(
                f"IO: fio 4 KiB random direct reads, psync, {jobs} job(s), {zram}",
                cleanup, workdir, fp, GOAL_VARIANTS if jobs == 1 else VARIANTS,
                lambda s, jobs=jobs: fio(zram_read_args(zram, jobs), s), SECONDS)
        results["loop"], results["loop_lost"] = ab_runs(
            f"IO: fio 4 KiB random direct writes, psync, 1 job, {loop} in the throttled cgroup",
            cleanup, workdir, fp, VARIANTS,
            lambda s: fio(loop_write_args(loop), s, cgroup), SECONDS)

        # 5. Workqueue storm.
        work_rates = []

        def note_storm(cap, seconds):
            work_rates.append(sum(cap["wq"].values()) / seconds)

        results["storm"], results["storm_lost"] = ab_runs(
            f"Workqueue storm: fio 4 KiB buffered random writes + fsync each, {loop}",
            cleanup, workdir, fp, ("untraced", "submitwatch"),
            lambda s: fio(storm_args(loop), s), SECONDS, note_storm)
        results["work_rates"] = work_rates
        log(f"   work items executed (from the capture): {spread(work_rates)} /s; "
            f"lost events per run: {results['storm_lost']}")

        # 2. BPF cost.
        results["cost"] = bpf_cost(cleanup, workdir, zram, loop)

        # 6. Loss.
        results["loss"], results["exact"], results["flood"] = loss_tests(cleanup, workdir)

        # 3. User space.
        results["model"] = model_benchmarks(workdir)
        results["report"] = report_replay(cleanup, workdir)
        results["footprint"] = fp
    finally:
        # A second Ctrl-C must not cut the clean-up short.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        cleanup.all()
    elapsed = time.monotonic() - t_start
    summary(results, elapsed)
    log(f"\nload average at end: {loadavg()}; harness time {elapsed / 60:.1f} min "
        "(without build); everything it made was removed")


def verdict(ok):
    return "PASS" if ok else "MISS"


def summary(res, elapsed):
    fp = res["footprint"]
    rows = []

    def row(what, value, goal="", ok=None):
        rows.append((what, value, goal, "" if ok is None else verdict(ok)))

    log("\n== Ratios (median of per-round ratios [min-max]; IOPS medians) ==")
    for key, label in (("zram1", "zram randread 1 job"), ("zram2", "zram randread 2 jobs"),
                       ("loop", "loop randwrite, throttled cgroup")):
        d = res[key]
        vs_untraced = paired_ratios(d["submitwatch"], d["untraced"])
        vs_bpftrace = paired_ratios(d["submitwatch"], d["bpftrace"])
        bt_untraced = paired_ratios(d["bpftrace"], d["untraced"])
        log(f"   {label:<34} IOPS untraced {spread(d['untraced'])}, submitwatch "
            f"{spread(d['submitwatch'])}, bpftrace {spread(d['bpftrace'])}")
        log(f"   {'':<34} submitwatch/untraced {spread(vs_untraced, '{:.3f}')}, "
            f"submitwatch/bpftrace {spread(vs_bpftrace, '{:.3f}')}, "
            f"bpftrace/untraced {spread(bt_untraced, '{:.3f}')}")
        if key == "zram1":
            floor_untraced = paired_ratios(d["floor"], d["untraced"])
            log(f"   {'':<34} empty programs (floor) {spread(d['floor'])}: floor/untraced "
                f"{spread(floor_untraced, '{:.3f}')}, submitwatch/floor "
                f"{spread(paired_ratios(d['submitwatch'], d['floor']), '{:.3f}')}")
            row("IOPS submitwatch/untraced, zram 1 job", spread(vs_untraced, "{:.3f}"), ">= 0.98",
                median(vs_untraced) >= 0.98)
            row("IOPS empty programs (floor)/untraced, zram 1 job", spread(floor_untraced, "{:.3f}"))
            row("IOPS submitwatch/bpftrace, zram 1 job", spread(vs_bpftrace, "{:.3f}"), "> 1",
                median(vs_bpftrace) > 1)
        else:
            row(f"IOPS submitwatch/untraced, {label}", spread(vs_untraced, "{:.3f}"))
            row(f"IOPS submitwatch/bpftrace, {label}", spread(vs_bpftrace, "{:.3f}"))
    storm = res["storm"]
    storm_ratio = paired_ratios(storm["submitwatch"], storm["untraced"])
    log(f"   {'workqueue storm':<34} ops/s untraced {spread(storm['untraced'])}, submitwatch "
        f"{spread(storm['submitwatch'])}; ratio {spread(storm_ratio, '{:.3f}')}")
    row("workqueue storm ops submitwatch/untraced", spread(storm_ratio, "{:.3f}"))
    row("workqueue storm: work items/s, lost events",
        f"{median(res['work_rates']):,.0f}/s, lost {sum(res['storm_lost'])}", "0 lost",
        sum(res["storm_lost"]) == 0)

    cost, bio_by_workload = res["cost"]
    bio = [t for t in cost if t[0] == "submitwatch" and t[1] == "sw_block_bio_queue"]
    if bio and bio[0][5]:
        above = bio[0][5]
        row("block_bio_queue ns/bio above the empty-program floor",
            f"{spread(above, '{:.0f}')} ({median(bio[0][3]):.0f} vs floor {median(bio[0][4]):.0f})",
            "<= 40", median(above) <= 40)
    for part, above in bio_by_workload.items():
        row(f"  of which {part} alone", spread(above, "{:.0f}"))
    for who, name, ev, ns, fl, above in cost:
        if name in ("sw_block_bio_queue",) or not ns:
            continue
        row(f"{name} ({who}) ns/event above floor" if fl else f"{name} ({who}) ns/event",
            spread(above if fl else ns, "{:.0f}"))

    rates = res["model"]
    if rates:
        alloc = [x / 1e6 for x in rates.get("BM_ModelAddAlloc", [])]
        row("model alloc events/s (M, one core)", spread(alloc, "{:.2f}"), ">= 5", median(alloc) >= 5)
        labels = {n: label for n, label, _ in MODEL_BENCHMARKS}
        for n in SNAPSHOT_BENCHMARKS:
            xs = [x / 1e6 for x in rates.get(n, [])]
            row(f"{labels[n]} (M rows/s, one core)", spread(xs, "{:.2f}"), ">= 20", median(xs) >= 20)
        for n, frame_rows in TABLE_BENCHMARKS:
            xs = [x / 1e6 for x in rates.get(n, [])]
            if not xs:
                continue
            frame = f"; {frame_rows} rows: {frame_rows / median(xs):.0f} us" if frame_rows else ""
            row(f"{labels[n]} (M rows/s{frame})", spread(xs, "{:.2f}"))
        for n in ("BM_CaptureFormatAlloc", "BM_CaptureParseAlloc", "BM_CaptureReadFile"):
            row(f"{n} (M events/s)", spread([x / 1e6 for x in rates.get(n, [])], "{:.2f}"))
    rep = res["report"]
    if rep:
        row(f"report {CAPTURE_BYTES / (1 << 30):.2f} GiB capture: seconds",
            spread(rep["times"], "{:.1f}"), "< 30", median(rep["times"]) < 30)
        row("report: records/s (M)", spread([rep["records"] / t / 1e6 for t in rep["times"]], "{:.2f}"))
        row("report: peak RSS (MiB)", spread(rep["rss"], "{:.1f}"), "< 100", max(rep["rss"]) < 100)

    rss = [x / 1024 for x in fp.rss_kib["submitwatch"]]
    hwm = [x / 1024 for x in fp.hwm_kib["submitwatch"]]
    row("record steady-state RSS (MiB, end of each IO run)", spread(rss, "{:.1f}"), "<= 16",
        median(rss) <= 16)
    row("record peak RSS VmHWM (MiB)", spread(hwm, "{:.1f}"))
    row("bpftrace steady-state RSS (MiB)", spread([x / 1024 for x in fp.rss_kib["bpftrace"]], "{:.1f}"))
    att = fp.attach_ms["submitwatch"]
    row("record start to attached (ms)", spread(att), "<= 250", median(att) <= 250)
    row("bpftrace start to attached (ms)", spread(fp.attach_ms["bpftrace"]))
    row("record CPU during IO runs (% of one core)", spread(fp.cpu_pct["submitwatch"], "{:.1f}"))
    row("bpftrace CPU during IO runs (% of one core)", spread(fp.cpu_pct["bpftrace"], "{:.1f}"))
    row("libbcc mapped by record (default options)", "yes" if fp.libbcc else "no", "never",
        not fp.libbcc)

    for ring, label in (("1M", "default ring 1 MiB"), ("4M", "--ringbuf-size 4M")):
        loss = res["loss"][ring]
        achieved = [x[0] for x in loss]
        lost = [x[2] for x in loss]
        if ring == "1M":
            row(f"--all-allocs ({label}): achieved alloc events/s", spread(achieved), ">= 100,000",
                median(achieved) >= 100000)
            row(f"--all-allocs ({label}): lost events per run", f"{lost}", "0", sum(lost) == 0)
            row("record CPU at that rate (% of one core)", spread([x[3] for x in loss]))
        else:
            row(f"--all-allocs ({label}): achieved events/s; lost per run",
                f"{spread(achieved)}; {lost}")
    ex = res["exact"]
    row("loss counter exact (4 KiB ring flood)",
        f"ran {ex['generated']:,} = received {ex['received']:,} + lost {ex['lost']:,} "
        f"(diff {ex['difference']})", "diff 0, lost > 0", ex["difference"] == 0 and ex["lost"] > 0)
    fl = res["flood"]
    row("record --ringbuf-size 4K flood: received, lost", f"{fl['allocs']:,}, {fl['lost']:,}")

    log("\n== Goals (issue 7) and other measures ==")
    w1 = max(len(r[0]) for r in rows)
    w2 = max(len(r[1]) for r in rows)
    w3 = max(len(r[2]) for r in rows)
    log(f"   {'measure':<{w1}}  {'value':<{w2}}  {'goal':<{w3}}  verdict")
    for what, value, goal, v in rows:
        log(f"   {what:<{w1}}  {value:<{w2}}  {goal:<{w3}}  {v}")
    passed = sum(1 for r in rows if r[3] == "PASS")
    missed = sum(1 for r in rows if r[3] == "MISS")
    log(f"\n   goals: {passed} PASS, {missed} MISS")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--cleanup":
        cleanup_from_state(sys.argv[2])
        sys.exit(0)
    try:
        main()
    except Interrupted as e:
        print(f"bench: interrupted ({e}); cleaned up", file=sys.stderr)
        sys.exit(130)
    except (RuntimeError, subprocess.CalledProcessError) as e:
        detail = getattr(e, "stderr", None)
        print(f"bench: {e}" + (f"\n{detail.strip()}" if detail else ""), file=sys.stderr)
        sys.exit(1)
