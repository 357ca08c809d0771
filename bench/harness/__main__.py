"""python3 -m harness [STATE] | --cleanup STATE | --check-phases | --list-phases
(with bench/ on the path; bench/run is the entry point). BENCH_PHASES picks
the phases (phases.py); the state file is where the clean-up is mirrored."""

import os
import subprocess
import sys
import tempfile

from .cleanup import Interrupted, cleanup_from_state


def _main(argv):
    if len(argv) == 2 and argv[0] == "--cleanup":
        cleanup_from_state(argv[1])  # before importing the rest: the trap must work
        return 0
    from . import phases, runner
    if argv == ["--list-phases"]:
        print(phases.describe())
        return 0
    try:
        selected = phases.select(os.environ.get("BENCH_PHASES", ""))
    except ValueError as e:
        print(f"bench: BENCH_PHASES: {e}", file=sys.stderr)
        return 2
    if argv == ["--check-phases"]:
        return 0
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        print(f"bench: usage: {__doc__.splitlines()[0]}", file=sys.stderr)
        return 2
    state = argv[0] if argv else os.path.join(tempfile.gettempdir(),
                                              f"submitwatch-bench-{os.getpid()}.state")
    try:
        runner.main(state, selected)
    except Interrupted as e:
        print(f"bench: interrupted ({e}); cleaned up", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.CalledProcessError) as e:
        detail = getattr(e, "stderr", None)
        print(f"bench: {e}" + (f"\n{detail.strip()}" if detail else ""), file=sys.stderr)
        return 1
    return 0


sys.exit(_main(sys.argv[1:]))
