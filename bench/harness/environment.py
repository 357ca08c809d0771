"""The run's own devices and cgroup, made for the phases that need them and
registered with the clean-up as they are made."""

import os
import tempfile
import time
from dataclasses import dataclass, field
from typing import Optional

from . import config
from .footprint import Footprint
from .procs import run

ZRAM, LOOP, CGROUP = "zram", "loop", "cgroup"
# Not made, only required: bpftrace finds its tracepoints in tracefs.
TRACEFS = "tracefs"
TRACEFS_EVENTS = ("/sys/kernel/tracing/events", "/sys/kernel/debug/tracing/events")


@dataclass
class Lab:
    """What the phases run on: the clean-up, a work directory and the devices
    they asked for (None where no phase needs one)."""
    cleanup: object
    workdir: str
    zram: Optional[str] = None
    loop: Optional[str] = None
    cgroup: Optional[str] = None
    footprint: Footprint = field(default_factory=Footprint)


def make_lab(cleanup, needs):
    """A Lab with what `needs` names (ZRAM, LOOP, CGROUP; TRACEFS is checked)
    and the log line that says what it is, or None where it has no devices."""
    if TRACEFS in needs and not any(os.path.isdir(p) for p in TRACEFS_EVENTS):
        raise RuntimeError("bpftrace needs tracefs, which is not mounted: "
                           "mount -t tracefs nodev /sys/kernel/tracing")
    workdir = tempfile.mkdtemp(prefix="submitwatch-bench-", dir=config.TMP_PARENT)
    cleanup.add("dir", workdir)
    lab = Lab(cleanup, workdir)
    parts = []
    if LOOP in needs or CGROUP in needs:
        shmdir = tempfile.mkdtemp(prefix="submitwatch-bench-", dir="/dev/shm")
        cleanup.add("dir", shmdir)
    if ZRAM in needs:
        lab.zram = _make_zram(cleanup)
        parts.append(f"{lab.zram} ({config.ZRAM_BYTES >> 20} MiB, random data)")
    if LOOP in needs or CGROUP in needs:
        lab.loop = _make_loop(cleanup, shmdir)
        parts.append(f"{lab.loop} (file on tmpfs, {config.LOOP_BYTES >> 20} MiB)")
    if CGROUP in needs:
        lab.cgroup, throttle = _make_throttled_cgroup(cleanup, lab.loop)
        parts.append(f"cgroup {lab.cgroup} with {throttle}")
    return lab, (f"devices: {', '.join(parts)}" if parts else None)


def _make_zram(cleanup):
    if not os.path.exists("/sys/class/zram-control"):
        run(["modprobe", "zram", "num_devices=0"], check=False)
    if not os.path.exists("/sys/class/zram-control/hot_add"):
        raise RuntimeError("no zram: /sys/class/zram-control is missing (CONFIG_ZRAM?)")
    with open("/sys/class/zram-control/hot_add") as f:
        n = f.read().strip()
    cleanup.add("zram", n)
    with open(f"/sys/block/zram{n}/disksize", "w") as f:
        f.write(str(config.ZRAM_BYTES))
    dev = f"/dev/zram{n}"
    for _ in range(50):
        if os.path.exists(dev):
            break
        time.sleep(0.1)
    # Incompressible data: reads decompress real pages, not the zero-page shortcut.
    run(["dd", "if=/dev/urandom", f"of={dev}", "bs=1M", f"count={config.ZRAM_BYTES >> 20}",
         "oflag=direct", "status=none"])
    return dev


def _make_loop(cleanup, workdir):
    backing = os.path.join(workdir, "loop.img")
    cleanup.add("file", backing)
    with open(backing, "wb") as f:
        f.truncate(config.LOOP_BYTES)
    dev = run(["losetup", "--find", "--show", backing]).stdout.strip()
    cleanup.add("loop", dev, backing)
    return dev


def _make_throttled_cgroup(cleanup, dev):
    """A cgroup with a write limit on `dev`: its directory and the limit."""
    st = os.stat(dev)
    major, minor = os.major(st.st_rdev), os.minor(st.st_rdev)
    bps = config.THROTTLE_WRITE_BPS
    v1 = "/sys/fs/cgroup/blkio"
    if os.path.exists(os.path.join(v1, "blkio.throttle.write_bps_device")):
        return _limited_cgroup(cleanup, "v1", v1, "blkio.throttle.write_bps_device",
                               f"{major}:{minor} {bps}")
    root = "/sys/fs/cgroup"
    with open(os.path.join(root, "cgroup.controllers")) as f:
        if "io" not in f.read().split():
            raise RuntimeError("no io controller: neither cgroup v1 blkio nor v2 io")
    with open(os.path.join(root, "cgroup.subtree_control"), "w") as f:
        f.write("+io")
    return _limited_cgroup(cleanup, "v2", root, "io.max", f"{major}:{minor} wbps={bps}")


def _limited_cgroup(cleanup, version, hierarchy, limit_file, limit):
    """Our cgroup under `hierarchy` with `limit` written to its `limit_file`."""
    path = os.path.join(hierarchy, f"submitwatch-bench-{os.getpid()}")
    os.mkdir(path)
    cleanup.add("cgroup", path)
    with open(os.path.join(path, limit_file), "w") as f:
        f.write(limit)
    return path, f"{version} {limit_file} {limit}"
