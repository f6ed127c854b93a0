#!/usr/bin/env python
"""How long the planner's what-if takes: the demo office's weekday with 6 windows, n seeds.

The day of the demo office (its catalogue, the simulator's default mix and service
times, ~380 applicants spread over 08–19 like the demo's Monday) with 6 windows open
08–19, run through `run_whatif` exactly as the planner's page runs it (real services on
scratch in-memory SQLite databases, one per seed). Prints the seconds, the calls, the
day's mean wait and the load average before and after.
Run: `python benchmarks/whatif.py [--seeds 3] [--windows 6]`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from queue_server.config_io import ConfigFile
from queue_server.demo import CATALOGUE
from queue_server.simulation.config import DEFAULT_MIX, WEEKDAY_SHAPE
from queue_server.simulation.history import DEMO_DAILY_TOTALS
from queue_server.simulation.whatif import ServiceProfile, WhatIfPlan, run_whatif

LIMIT_S = {"intake": 900.0, "issuance": 600.0, "consultation": 900.0}


def demo_plan(windows: int) -> WhatIfPlan:
    """The demo's Monday with `windows` open from 08:00 to 19:00."""
    weight = sum(WEEKDAY_SHAPE.values())
    arrivals = [DEMO_DAILY_TOTALS["mon"] * WEEKDAY_SHAPE.get(h, 0.0) / weight for h in range(24)]
    services = CATALOGUE["services"]
    return WhatIfPlan(
        windows=[windows if 8 <= h < 19 else 0 for h in range(24)],
        arrivals=arrivals,
        services=[
            ServiceProfile(code, share, minutes * 60.0, LIMIT_S[services[code]["kind"]])
            for code, (share, minutes) in DEFAULT_MIX.items()
        ],
        catalogue=ConfigFile.model_validate({k: v for k, v in CATALOGUE.items() if k != "offices"}),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--windows", type=int, default=6)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    began = time.perf_counter()
    result = run_whatif(demo_plan(args.windows), seeds=args.seeds)
    seconds = time.perf_counter() - began
    print(
        f"  what-if, {args.windows} windows, {result.seeds} seeds: {result.calls} calls "
        f"({result.calls / result.seeds:.0f} a day) in {seconds:.1f} s "
        f"({1000 * seconds / max(result.calls, 1):.0f} ms a call); mean wait "
        f"{result.mean_wait_s / 60:.1f} min, within the limit {result.within_share or 0:.1%}"
    )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
