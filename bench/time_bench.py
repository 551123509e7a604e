"""Benchmark of the plan over time (contract section 5): the model over T periods, strong against plain.

    python bench/time_bench.py [--cases default6,default6-timeline,M6] [--seeds 2] [--periods 6]
                               [--limit 120] [--out bench/time_results.jsonl]

Cases (each a contract workbook with a timeline written into it by :func:`with_timeline`):

- ``default``: the committed default workbook as it is: the mission over six tours (build-up,
  dwell for the nations offering a single contingent, late arrivals; its README sheet);
- ``default6``: the default workbook at one moment planned over ``--periods`` periods (no dwell, no
  phases: each period the same; what ``--set periods=6`` does);
- ``default6-timeline``: the default workbook at one moment with a seeded timeline: dwell 0–2 per
  nation, some nations available from period 2, some lines from period 2, a build-up phase
  (period 1 at 60 % of the force target);
- ``M6``: the 50-nation class of ``bench/run.py`` (size M: 50 nations × 30 unit types × 8
  sectors) with the same seeded timeline, ``--seeds`` seeds;
- ``hard50``: ``../shared/bench/hard50_a.xlsx`` with the timeline.

Each case runs end to end (read to plan tables) in a fresh subprocess with the strong and the plain
formulation, with ``time_limit_s = --limit``; a row per case and formulation is appended to ``--out``
with the total time, the stages' times, the status, the gap and both objectives.  Speed is only ever
measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.instances import bench_workbook, default_one_period  # noqa: E402
from bench.run import git_commit, machine, versions  # noqa: E402

DEFAULT_WORKBOOK = ROOT / "data" / "contributions.xlsx"
HARD50 = ROOT.parent / "shared" / "bench" / "hard50_a.xlsx"


def _column(ws, name: str) -> int:
    """The 1-based column of header ``name`` in ``ws``, added at the end when missing."""
    header = [c.value for c in ws[1]]
    if name in header:
        return header.index(name) + 1
    ws.cell(row=1, column=len(header) + 1, value=name)
    return len(header) + 1


def with_timeline(src: Path, dst: Path, periods: int, seed: int | None) -> Path:
    """Copy ``src`` to ``dst`` planned over ``periods`` periods; with a ``seed``, also a seeded timeline:
    dwell 0 (half the nations), 1 (30 %) or 2 (20 %); one nation in ten available from period 2;
    one line in seven from period 2; period 1's force target at 60 % (build-up)."""
    wb = openpyxl.load_workbook(src)
    scen = wb["Scenario"]
    rows = {r[0].value: r[1] for r in scen.iter_rows(min_row=2) if r[0].value}
    for name, value in {"periods": periods, "period_months": 6, "start_month": "2027-01"}.items():
        if name in rows:
            rows[name].value = value
        else:
            scen.append([name, value])
    if seed is not None:
        rng = random.Random(seed)
        nations = wb["Nations"]
        dwell, first = _column(nations, "dwell_periods"), _column(nations, "available_from")
        for row in nations.iter_rows(min_row=2):
            if row[0].value is None:
                continue
            nations.cell(row=row[0].row, column=dwell, value=rng.choices([0, 1, 2], [5, 3, 2])[0])
            nations.cell(row=row[0].row, column=first, value=2 if rng.random() < 0.1 else 1)
        req = wb["Requirements"]
        start = _column(req, "from_period")
        for row in req.iter_rows(min_row=2):
            if row[0].value is not None:
                req.cell(row=row[0].row, column=start, value=2 if rng.random() < 1 / 7 else 1)
        force = next(r[1].value for r in scen.iter_rows(min_row=2) if r[0].value == "force_target")
        phases = wb["Phases"] if "Phases" in wb.sheetnames else wb.create_sheet("Phases")
        if phases.max_row <= 1 and phases.cell(row=1, column=1).value is None:
            phases.append(["period", "force_target", "land_target", "sea_target", "air_target"])
        phases.append([1, int(0.6 * float(force))])
    wb.save(dst)
    return dst


def cases(names: list[str], seeds: int, periods: int, workdir: Path) -> list[tuple[str, Path]]:
    workdir.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        if name == "default":
            out.append((name, DEFAULT_WORKBOOK))
        elif name == "default6":
            out.append((name, with_timeline(default_one_period(workdir), workdir / f"default-{periods}.xlsx", periods, None)))
        elif name == "default6-timeline":
            out.append((name, with_timeline(default_one_period(workdir), workdir / f"default-{periods}-timeline.xlsx", periods, 0)))
        elif name == "M6":
            for seed in range(seeds):
                src = bench_workbook(workdir, "M", seed)
                out.append((f"M6-{seed}", with_timeline(src, workdir / f"M-{seed}-{periods}.xlsx", periods, seed)))
        elif name == "hard50":
            out.append((name, with_timeline(HARD50, workdir / f"hard50_a-{periods}.xlsx", periods, 0)))
        else:
            raise SystemExit(f"unknown case {name!r}")
    return out


def measure(path: Path, formulation: str, limit: float) -> dict:
    """One end-to-end plan in this process: read, solve both stages, plan tables."""
    from optimizer.data import load_planning_data
    from optimizer.results import build_results
    from optimizer.solve import solve

    t0 = time.perf_counter()
    data = load_planning_data(path, [f"time_limit_s={limit}"])
    t1 = time.perf_counter()
    solution = solve(data, strong=formulation == "strong")
    plan = build_results(data, solution)
    t2 = time.perf_counter()
    return {"read_s": round(t1 - t0, 3), "total_s": round(t2 - t0, 3), "status": plan.status, "gap": plan.solver["gap"],
            "shortfall_score": plan.shortfall_score, "stage2_objective": plan.solver["stage2_objective"],
            "timings_s": plan.solver["timings_s"], "placements": plan.solver.get("placements"),
            "rows": plan.solver.get("rows"), "columns": plan.solver.get("columns"), "periods": data.periods}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", default="default,default6,default6-timeline,M6")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--periods", type=int, default=6)
    ap.add_argument("--limit", type=float, default=120.0, help="time_limit_s of every solve")
    ap.add_argument("--formulations", default="strong,plain")
    ap.add_argument("--workdir", default=str(ROOT / "bench" / "out"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "time_results.jsonl"))
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--formulation", default="strong", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(Path(args.one), args.formulation, args.limit)))
        return
    header = {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(), "commit": git_commit(), **versions()}
    with open(args.out, "a", encoding="utf-8") as fh:
        for name, path in cases(args.cases.split(","), args.seeds, args.periods, Path(args.workdir)):
            for formulation in args.formulations.split(","):
                cmd = [sys.executable, __file__, "--one", str(path), "--formulation", formulation, "--limit", str(args.limit)]
                proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3 * args.limit + 120)
                row = {"case": name, "formulation": formulation}
                if proc.returncode == 0:
                    row.update(json.loads(proc.stdout.strip().splitlines()[-1]))
                else:
                    row["error"] = proc.stderr.strip().splitlines()[-1:] or ["failed"]
                print(json.dumps(row), flush=True)
                fh.write(json.dumps({**header, **row}) + "\n")
                fh.flush()


if __name__ == "__main__":
    main()
