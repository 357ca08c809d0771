"""The counts the harness needs from a `submitwatch record` capture."""

import json
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class Capture:
    allocs: int = 0
    alloc_comms: dict = field(default_factory=dict)  # comm -> alloc records
    lost: int = 0
    lost_counts: dict = field(default_factory=dict)  # event kind -> lost
    summary: Optional[dict] = None
    wq: dict = field(default_factory=dict)           # work function -> executed


def parse_capture(lines):
    cap = Capture()
    for line in lines:
        r = json.loads(line)
        t = r.get("type")
        if t == "alloc":
            cap.allocs += 1
            cap.alloc_comms[r["comm"]] = cap.alloc_comms.get(r["comm"], 0) + 1
        elif t == "lost":
            cap.lost = r["total"]
            cap.lost_counts = r["counts"]
        elif t == "summary":
            cap.summary = r
        elif t == "wq":
            cap.wq[r["function"]] = r["executed"]
    if cap.summary:
        cap.lost = max(cap.lost, cap.summary["lost"])
    return cap


def read_capture(path):
    with open(path) as f:
        return parse_capture(f)
