"""Benchmark: time each stage of the pipeline on the default workbook and seeded synthetic ones.

    python bench/run.py [--sizes default,S,M] [--seeds 3] [--out bench/results.jsonl]

Per workbook it records: read (+ validate + index), model build, hand-over to
HiGHS (pyomo's set_instance/update: stage wall time minus HiGHS's own run
time), stage 1 and stage 2 solve times, write (json + xlsx), status, gap and
model size.  Results are appended, one JSON object per line, with the date,
machine and versions, so runs can be compared over time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from optimizer.data import load_planning_data  # noqa: E402
from optimizer.outputs import write_plan_json, write_plan_xlsx  # noqa: E402
from optimizer.results import build_results  # noqa: E402
from optimizer.solve import solve  # noqa: E402
from optimizer.synthetic import generate_workbook  # noqa: E402

SIZES = {"S": (30, 15, 6), "M": (50, 30, 8), "L": (100, 40, 12), "XL": (200, 100, 20)}


def versions() -> dict:
    import highspy
    import pandas
    import pyomo

    h = highspy.Highs()
    return {
        "python": platform.python_version(),
        "pyomo": pyomo.version.version,
        "highs": f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}",
        "pandas": pandas.__version__,
    }


def run_one(path: Path, label: str, seed: int | None, overrides=()) -> dict:
    t0 = time.perf_counter()
    data = load_planning_data(path, overrides)
    read_s = time.perf_counter() - t0
    solution = solve(data)
    t0 = time.perf_counter()
    plan = build_results(data, solution)
    with tempfile.TemporaryDirectory() as tmp:
        write_plan_json(plan, Path(tmp) / "plan.json")
        write_plan_xlsx(plan, Path(tmp) / "plan.xlsx")
    write_s = time.perf_counter() - t0
    t = solution.timings
    total = read_s + solution.seconds + write_s
    overhead = t.get("build", 0) + t.get("handover", 0)
    return {
        "workbook": label,
        "seed": seed,
        "status": solution.status,
        "gap": solution.gap,
        "shortfall_score": plan.shortfall_score,
        "read_s": round(read_s, 4),
        "build_s": round(t.get("build", 0), 4),
        "handover_s": round(t.get("handover", 0), 4),
        "stage1_s": round(t.get("stage1", 0), 4),
        "stage2_s": round(t.get("stage2", 0), 4),
        "write_s": round(write_s, 4),
        "total_s": round(total, 4),
        "overhead_share": round(overhead / total, 4) if total else 0.0,
        **solution.counts,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="default,S,M", help="comma list of default,S,M,L,XL")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.jsonl"))
    args = ap.parse_args()

    header = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores {platform.node()}",
        **versions(),
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes.split(","):
            size = size.strip()
            if size == "default":
                rows.append(run_one(ROOT / "data" / "contributions.xlsx", "default", None))
                print(json.dumps(rows[-1]))
                continue
            n, u, s = SIZES[size]
            for seed in range(args.seeds):
                path = Path(tmp) / f"{size}-{seed}.xlsx"
                generate_workbook(path, n_nations=n, n_unit_types=u, n_sectors=s, seed=seed)
                rows.append(run_one(path, size, seed))
                print(json.dumps(rows[-1]), flush=True)
    with open(args.out, "a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({**header, **row}) + "\n")
    print(f"appended {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
