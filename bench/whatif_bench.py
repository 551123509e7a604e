"""What-if re-solves as the workbench's solver worker would run them: fresh, or on a kept session.

    python bench/whatif_bench.py data/contributions.xlsx ../shared/bench/hard50_a.xlsx \
        --changes 6 --time-limit 120 --out bench/whatif_results.jsonl

For each workbook: plan it once, then make ``--changes`` what-ifs in turn —
a pledge changed by ±1–2 units and a scenario switch flipped, alternately
(seeded) — and time, for each, the two ways the worker could answer it:

- *fresh*: :func:`optimizer.pipeline.plan_data` on the new planning data
  (what the worker does today: build the model, solve both stages, build
  the plan's tables);
- *session*: a :class:`optimizer.session.Planner` kept from the previous
  what-if: the change pushed into the persistent model's Params, both
  stages warm-started from the previous plan, then the plan's tables.

Both end where the worker sends the plan to the page, so the difference is
the difference in click-to-headline.  Each row also records both plans'
statuses and certified objectives (they must agree: the same stage-1 score,
stage 2 within ``mip_gap``).  Results are appended to ``--out`` as JSON lines
with the date, machine and git commit.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _stage2(plan) -> float | None:
    cert = (plan.solver.get("certificate") or {}).get("stage2") or {}
    return cert.get("objective")


def measure(path: Path, changes: int, time_limit: float | None, seed: int = 0) -> list[dict]:
    from optimizer.pipeline import plan_data
    from optimizer.session import Planner
    from optimizer.solve import SWITCHES

    overrides = (f"time_limit_s={time_limit:g}",) if time_limit else ()
    rng = random.Random(seed)
    t0 = time.perf_counter()
    planner = Planner(path, overrides)
    first = planner.plan()
    rows = [{"workbook": path.name, "change": "first plan", "session_s": time.perf_counter() - t0, "fresh_s": None,
             "session_status": first.status, "session_score": first.shortfall_score, "session_stage2": _stage2(first)}]
    pledges = planner.data.pledges
    for i in range(changes):
        if i % 2:
            switch = SWITCHES[rng.randrange(len(SWITCHES))]
            value = not planner.scenario[switch]
            planner.set_switch(switch, value)
            change = f"{switch} → {'yes' if value else 'no'}"
        else:
            row = pledges.iloc[rng.randrange(len(pledges))]
            new = max(0, planner.pledge(row["nation"], row["unit_type"]) + rng.choice((-2, -1, 1, 2)))
            planner.set_pledge(row["nation"], row["unit_type"], new)
            change = f"{row['nation']} {row['unit_type']} → {new}"
        t0 = time.perf_counter()
        planner.solve()
        again = planner.plan()
        session_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        fresh = plan_data(planner.data)
        fresh_s = time.perf_counter() - t0
        rows.append({
            "workbook": path.name, "change": change, "session_s": session_s, "fresh_s": fresh_s,
            "session_status": again.status, "fresh_status": fresh.status,
            "session_score": again.shortfall_score, "fresh_score": fresh.shortfall_score,
            "session_stage2": _stage2(again), "fresh_stage2": _stage2(fresh), "rebuilds": planner.rebuilds,
        })
        print(f"  {path.name} {change}: session {session_s:.2f} s ({again.status}), fresh {fresh_s:.2f} s ({fresh.status})", flush=True)
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
             "cpus": __import__("os").cpu_count()}
    print("| workbook | what-ifs | session median s | session max s | fresh median s | fresh max s | ratio | same answers |")
    print("|---|---|---|---|---|---|---|---|")
    for path in args.workbooks:
        rows = measure(path, args.changes, args.time_limit)
        with args.out.open("a") as f:
            for row in rows:
                f.write(json.dumps({**stamp, **row}) + "\n")
        resolves = rows[1:]
        session = [r["session_s"] for r in resolves]
        fresh = [r["fresh_s"] for r in resolves]
        same = all(r["session_score"] == r["fresh_score"] for r in resolves)
        print(f"| {path.name} | {len(resolves)} | {statistics.median(session):.2f} | {max(session):.2f} | "
              f"{statistics.median(fresh):.2f} | {max(fresh):.2f} | {statistics.median(session) / statistics.median(fresh):.2f} | "
              f"{'yes' if same else 'NO'} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
