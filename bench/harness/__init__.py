"""submitwatch's benchmark harness; bench/run is the entry point.

Measures side by side in one run, variants interleaved round by round, and
prints medians with [min-max], one phase after another (phases.py lists
them), then each goal of issues 7 and 18 with its measured value and PASS/MISS.

Everything it makes (zram device, loop device, cgroup, files, processes) is
written to a state file as it is made and undone on exit, also on failure;
`python3 -m harness --cleanup STATE` undoes what a killed run left (bench/run's
trap).

The pure parts (stats, goals, capture parsing, the cost fold) have no I/O and
are tested by bench/tests without root.
"""
