"""What the run's header says about the machine and what else runs on it."""

import datetime
import json
import os
import subprocess

from .procs import run


def facts():
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return (f"date: {date}; kernel: {os.uname().release}; machine: {os.cpu_count()} CPUs, "
            f"{mem_kib / (1 << 20):.1f} GiB memory")


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
