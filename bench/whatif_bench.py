"""What-if re-solves as the workbench's solver worker runs them: each one a fresh plan.

    python bench/whatif_bench.py data/contributions.xlsx ../shared/bench/hard50_a.xlsx \
        --changes 12 --time-limit 120 --out bench/whatif_results.jsonl

For each workbook: plan it once, then make ``--changes`` what-ifs in turn —
a pledge changed by ±1–2 units and a scenario switch flipped, alternately
(seeded) — and time each as the workbench answers it: the validated
planning data built from the changed tables (the page's part), then
:func:`optimizer.pipeline.plan_data` (the worker's: build the model, solve
both stages, certify, build the plan's tables).  That is click to headline
less the browser's rerun, which ``bench/app_bench.py`` measures in Chromium.

Why every what-if is a fresh plan, not a re-solve of a kept model, is
measured and written down in docs/performance.md ("One what-if engine").
Rows are appended to ``--out`` as JSON lines with the date, machine and git
commit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def whatif_states(path: Path, changes: int, time_limit: float | None, seed: int = 0):
    """(what changed, the raw tables after it) for the first plan and each of ``changes`` what-ifs in turn:
    a pledge changed by ±1–2 units and a scenario switch flipped, alternately (seeded)."""
    from optimizer.reader import read_tables
    from optimizer.schema import SWITCHES

    raw = read_tables(path, (f"time_limit_s={time_limit:g}",) if time_limit else ())
    rng = random.Random(seed)
    for i in range(changes + 1):
        change = "first plan"
        if i and i % 2 == 0:
            switch = SWITCHES[rng.randrange(len(SWITCHES))]
            raw = replace(raw, scenario={**raw.scenario, switch: not raw.scenario.get(switch, False)})
            change = f"{switch} → {'yes' if raw.scenario[switch] else 'no'}"
        elif i:
            pledges = raw.tables["Pledges"].copy()
            row = rng.randrange(len(pledges))
            pledges.loc[pledges.index[row], "max_units"] = max(0, int(pledges["max_units"].iloc[row]) + rng.choice((-2, -1, 1, 2)))
            raw = replace(raw, tables={**raw.tables, "Pledges": pledges})
            change = f"{pledges['nation'].iloc[row]} {pledges['unit_type'].iloc[row]} → {pledges['max_units'].iloc[row]}"
        yield change, raw


def measure(path: Path, changes: int, time_limit: float | None, seed: int = 0) -> list[dict]:
    from optimizer.data import build_planning_data
    from optimizer.pipeline import plan_data

    rows = []
    for change, raw in whatif_states(path, changes, time_limit, seed):
        t0 = time.perf_counter()
        data = build_planning_data(raw)
        t1 = time.perf_counter()
        plan = plan_data(data)
        t2 = time.perf_counter()
        cert = plan.solver.get("certificate") or {}
        rows.append({"workbook": path.name, "change": change, "data_s": t1 - t0, "plan_s": t2 - t1, "total_s": t2 - t0,
                     "status": plan.status, "shortfall_score": plan.shortfall_score,
                     "stage2": (cert.get("stage2") or {}).get("objective")})
        print(f"  {path.name} {change}: {t2 - t0:.2f} s ({plan.status})", flush=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workbooks", nargs="+", type=Path)
    ap.add_argument("--changes", type=int, default=12)
    ap.add_argument("--time-limit", type=float, default=None, help="time_limit_s for every solve (default: the workbook's)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "whatif_results.jsonl")
    args = ap.parse_args(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    stamp = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "machine": platform.node(), "commit": commit,
             "cpus": os.cpu_count()}
    lines = ["| workbook | what-ifs | median s | max s | optimal |", "|---|---|---|---|---|"]
    for path in args.workbooks:
        rows = measure(path, args.changes, args.time_limit)
        with args.out.open("a") as f:
            for row in rows:
                f.write(json.dumps({**stamp, **row}) + "\n")
        whatifs = [r["total_s"] for r in rows[1:]]
        optimal = sum(r["status"] == "optimal" for r in rows[1:])
        lines.append(f"| {path.name} | {len(whatifs)} | {statistics.median(whatifs):.2f} | {max(whatifs):.2f} | {optimal} of {len(whatifs)} |")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
