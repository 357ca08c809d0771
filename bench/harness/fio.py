"""The fio workloads: random direct reads on zram, direct writes on the loop
device, and the storm of buffered writes with an fsync each."""

import json

from . import config
from .procs import run_tracked


def fio(cleanup, args, seconds, cgroup=None):
    """Runs fio for `seconds` (in `cgroup` if given); its total IOPS."""
    argv = ["fio", "--output-format=json", "--group_reporting", "--time_based",
            f"--runtime={seconds}", "--name=bench", *args]
    if cgroup:
        argv = ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup] + argv
    out = run_tracked(cleanup, argv, "fio").stdout
    job = json.loads(out[out.index("{"):])["jobs"][0]
    return job["read"]["iops"] + job["write"]["iops"]


def _psync_4k(dev, rw, direct, jobs, size, *extra):
    return [f"--filename={dev}", f"--rw={rw}", "--bs=4k", f"--direct={direct}",
            "--ioengine=psync", *extra, f"--numjobs={jobs}", f"--size={size}"]


def zram_reads(dev, jobs):
    return _psync_4k(dev, "randread", 1, jobs, config.ZRAM_BYTES)


def loop_writes(dev):
    return _psync_4k(dev, "randwrite", 1, 1, config.LOOP_BYTES)


def storm_writes(dev):
    # Buffered 4 KiB writes, each followed by fsync: every write becomes a bio
    # and a flush, each a loop work item, plus the writeback around them.
    return _psync_4k(dev, "randwrite", 0, 1, config.LOOP_BYTES, "--fsync=1")
