"""The arithmetic every phase shares: medians with [min-max], paired ratios,
and a BPF program's ns/event over a stretch and above the floor's."""

import statistics
from typing import NamedTuple, Optional


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def spread(xs, fmt="{:.0f}"):
    """`median [min-max]`, each formatted with fmt; "n/a" for no values."""
    if not xs:
        return "n/a"
    return f"{fmt.format(median(xs))} [{fmt.format(min(xs))}-{fmt.format(max(xs))}]"


def paired_ratios(a, b):
    """a[i] / b[i] of the same rounds; a round where b is 0 has none."""
    return [x / y for x, y in zip(a, b) if y]


class ProgCounters(NamedTuple):
    """A program's run-time statistics as fdinfo shows them (cumulative)."""
    run_time_ns: int
    run_cnt: int


class Cost(NamedTuple):
    """What a program cost over one stretch of a run."""
    ns_per_event: Optional[float]  # None: it did not run
    events: int


def cost_between(before, after):
    """{key: Cost} from two readings {key: ProgCounters}; a key missing from
    `before` was loaded within the stretch and counts from zero."""
    costs = {}
    for key, (t1, c1) in after.items():
        t0, c0 = before.get(key, (0, 0))
        n = c1 - c0
        costs[key] = Cost((t1 - t0) / n if n > 0 else None, n)
    return costs


def above_floor(cost, floor):
    """A program's ns/event above the empty program's on the same hook in the
    same stretch, or None where either did not run."""
    if cost is None or floor is None or cost.ns_per_event is None or floor.ns_per_event is None:
        return None
    return cost.ns_per_event - floor.ns_per_event
