"""Goals as data and the goals table: a phase's rows say what was measured,
how it reads, and (for a goal) the comparison and threshold it must meet."""

import operator
from dataclasses import dataclass
from typing import Any, Optional

from .stats import median, spread

COMPARISONS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
               "==": operator.eq}


@dataclass(frozen=True)
class Goal:
    comparison: str  # a key of COMPARISONS
    threshold: Any
    text: str = ""   # how the table shows it; default "<comparison> <threshold>"

    def __post_init__(self):
        if self.comparison not in COMPARISONS:
            raise ValueError(f"unknown comparison {self.comparison!r}")

    def __str__(self):
        return self.text or f"{self.comparison} {self.threshold:,g}"

    def met(self, measured):
        # No measurement (nan, None) meets no goal.
        try:
            return bool(COMPARISONS[self.comparison](measured, self.threshold))
        except TypeError:
            return False


@dataclass(frozen=True)
class Row:
    measure: str
    value: str
    goal: Optional[Goal] = None
    measured: Any = None  # what the goal compares

    @property
    def verdict(self):
        if self.goal is None:
            return ""
        return "PASS" if self.goal.met(self.measured) else "MISS"


def stat_row(measure, xs, fmt="{:.0f}", goal=None, measured=median):
    """A row showing `median [min-max]` of xs; a goal compares measured(xs)."""
    return Row(measure, spread(xs, fmt), goal, measured(xs) if xs else float("nan"))


def format_table(rows):
    """The goals table's lines, columns as wide as their widest cell."""
    if not rows:
        return []
    cells = [(r.measure, r.value, str(r.goal or ""), r.verdict) for r in rows]
    w1, w2, w3 = (max(len(c[i]) for c in cells) for i in range(3))
    return [f"   {m:<{w1}}  {v:<{w2}}  {g:<{w3}}  {verdict}"
            for m, v, g, verdict in [("measure", "value", "goal", "verdict")] + cells]


def tally(rows):
    """(PASS count, MISS count)."""
    verdicts = [r.verdict for r in rows]
    return verdicts.count("PASS"), verdicts.count("MISS")
