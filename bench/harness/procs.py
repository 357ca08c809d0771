"""Child processes: commands run to completion, and tracers that run
alongside a workload (submitwatch record, bpftrace, the empty-program floor)."""

import os
import signal
import subprocess
import threading
import time
from typing import NamedTuple

from . import config


def run(argv, check=True, **kw):
    return subprocess.run(argv, check=check, text=True, capture_output=True, **kw)


def run_tracked(cleanup, argv, marker):
    """run(), with the child in the state file while it runs: a harness killed
    meanwhile leaves bench/run's trap a process to stop (it holds the devices)."""
    p = subprocess.Popen(argv, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    entry = cleanup.add("pid", p.pid, marker)
    try:
        out, err = p.communicate()
    finally:
        cleanup.forget(entry)
    if p.returncode != 0:
        raise subprocess.CalledProcessError(p.returncode, argv, out, err)
    return subprocess.CompletedProcess(argv, p.returncode, out, err)


def key_values(text):
    """bench_tool's one "key=value ..." line as a dict of strings."""
    return dict(kv.split("=", 1) for kv in text.split())


class Sample(NamedTuple):
    """A tracer as /proc shows it, CPU counted from its attach."""
    rss_kib: int
    hwm_kib: int
    cpu_s: float
    libbcc: bool


def _status_kib(pid):
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


def _cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _maps_mention(pid, needle):
    try:
        with open(f"/proc/{pid}/maps") as f:
            return any(needle in line for line in f)
    except OSError:
        return False


def mapped_rss_kib(pid, name):
    """The resident KiB of pid's mappings of `name` (smaps' path field)."""
    total, inside = 0, False
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                fields = line.split()
                if "-" in fields[0] and len(fields) >= 5 and ":" not in fields[0]:
                    inside = len(fields) >= 6 and fields[5] == name
                elif inside and fields[0] == "Rss:":
                    total += int(fields[1])
    except OSError:
        pass
    return total


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
        self.cpu0 = _cpu_seconds(self.proc.pid)
        return self

    def sample(self):
        pid = self.proc.pid
        kib = _status_kib(pid)
        return Sample(kib.get("VmRSS", 0), kib.get("VmHWM", 0), _cpu_seconds(pid) - self.cpu0,
                      _maps_mention(pid, "libbcc"))

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


def submitwatch_tracer(cleanup, capture, extra=(), binary=None):
    return Tracer(cleanup, "submitwatch record",
                  [binary or config.SUBMITWATCH, "record", "-o", capture, *extra],
                  lambda line: line.startswith("submitwatch: attached"))


def bpftrace_tracer(cleanup):
    return Tracer(cleanup, "bpftrace", ["bpftrace", config.EQUIVALENT_BT],
                  lambda line: line.strip() == "attached")


def floor_tracer(cleanup, extra=()):
    """bench/floor.bpf.c's empty programs on the hooks submitwatch uses."""
    return Tracer(cleanup, "floor", [config.BENCH_TOOL, "floor", *extra],
                  lambda line: line.strip() == "attached")
