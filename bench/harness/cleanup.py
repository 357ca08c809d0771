"""Everything the harness makes is undone, in reverse order, also when it is
killed: each thing is written to the state file as it is made, and bench/run's
trap runs `python3 -m harness --cleanup STATE` on what a killed run left.

Standard library only and imported first, so the trap works even when the
rest of the harness does not."""

import os
import shutil
import signal
import subprocess
import sys
import time

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _undo_pid(pid, marker):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if marker.encode() not in f.read():
                return  # not ours any more
    except OSError:
        return
    os.kill(int(pid), signal.SIGINT)
    for _ in range(50):
        if not os.path.exists(f"/proc/{pid}"):
            return
        time.sleep(0.1)
    os.kill(int(pid), signal.SIGKILL)


def _undo_cgroup(path):
    for _ in range(50):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.1)  # its last task is still exiting


def _undo_loop(dev, backing):
    try:
        with open(f"/sys/block/{os.path.basename(dev)}/loop/backing_file") as f:
            current = f.read().strip()
    except OSError:
        return
    if current.replace(" (deleted)", "") == backing:  # not reused by someone else
        subprocess.run(["losetup", "-d", dev], check=False)


def _undo_zram(n):
    if os.path.exists(f"/sys/block/zram{n}"):
        with open(f"/sys/block/zram{n}/reset", "w") as f:
            f.write("1")
        with open("/sys/class/zram-control/hot_remove", "w") as f:
            f.write(n)


def _undo_file(path):
    if os.path.exists(path):
        os.unlink(path)


def _undo_sysctl(name, value):
    with open("/proc/sys/" + name.replace(".", "/"), "w") as f:
        f.write(value)


UNDO = {
    "pid": _undo_pid,
    "cgroup": _undo_cgroup,
    "loop": _undo_loop,
    "zram": _undo_zram,
    "file": _undo_file,
    "dir": lambda path: shutil.rmtree(path, ignore_errors=True),
    "sysctl": _undo_sysctl,
}


def undo(kind, args):
    """Undoes one thing the harness made; safe to call when it is gone."""
    try:
        UNDO[kind](*args)
    except OSError as e:
        print(f"bench: clean-up of {kind} {' '.join(args)} failed: {e}", file=sys.stderr)


class Cleanup:
    """The things made so far, mirrored in the state file at each change."""

    def __init__(self, state_path):
        self.state_path = state_path
        self.entries = []

    def _save(self):
        with open(self.state_path + ".new", "w") as f:
            for kind, args in self.entries:
                f.write("\t".join([kind] + args) + "\n")
        os.replace(self.state_path + ".new", self.state_path)

    def add(self, kind, *args):
        if kind not in UNDO:
            raise ValueError(f"no undo for {kind!r}")
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
        """Drops an entry that is gone by itself (a process that exited)."""
        if entry in self.entries:
            self.entries.remove(entry)
            self._save()

    def all(self):
        while self.entries:
            self.done(self.entries[-1])


def cleanup_from_state(path):
    try:
        with open(path) as f:
            lines = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    except FileNotFoundError:
        return
    for fields in reversed(lines):
        if fields[0] in UNDO:
            undo(fields[0], fields[1:])
    os.unlink(path)


class Interrupted(Exception):
    pass


def raise_on_signals():
    def on_signal(signum, frame):
        raise Interrupted(f"signal {signum}")
    for sig in SIGNALS:
        signal.signal(sig, on_signal)


def ignore_signals():
    """A second Ctrl-C must not cut the clean-up short."""
    for sig in SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
