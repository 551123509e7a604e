"""Benchmark: every stage of the pipeline on seeded workbooks of sizes S, M, L and XL.

    python bench/run.py [--sizes default,S,M,L] [--seeds 3] [--engines pyomo,floor]
                        [--formulation strong|plain] [--tag TEXT] [--out bench/results.jsonl]

``--sizes H50,H100`` is the hard class of issue 15: the workbooks of
``../shared/bench/`` and ``--seeds`` more drawn from the same distributions
(``make bench-hard`` runs it with both formulations, for the ratio to the
plain one).  ``make bench`` runs the defaults (the default workbook, then S, M and L with
three seeds each, on the pyomo path and on the floor; an instance done in
under 10 s is run three times and the run of median total kept, as timings
on a shared machine are noisy): a few minutes on two cores.  XL takes a while (up to its 300 s time limit per solve): run it in the
background, ``python bench/run.py --sizes XL &``.

Each instance runs in a fresh subprocess, so its peak memory (``ru_maxrss``)
is its own and no cache carries over.  Per instance and engine it records the
time to read (+ validate + index), build the model, hand it over to HiGHS
(and every later transfer: stage-2 row and objective, warm start, reading the
solution back), solve stage 1, solve stage 2 (HiGHS's own run times) and
write (the plan's tables, ``plan.json`` and ``plan.xlsx``); the status, gap and scores; peak memory;
and the size of the model HiGHS received (columns, integer columns, rows,
nonzeros).  Engines:

- ``pyomo``: the product (:func:`optimizer.solve.solve`);
- ``floor``: the same model built straight on highspy from numpy arrays
  (:mod:`devtools.floor`), solved with the same options: the lower bound on
  build and hand-over;
(What-if re-solves, fresh as the workbench runs them: ``bench/whatif_bench.py``.)

Rows are appended to ``--out`` (one JSON object per line) with the date,
machine, git commit and versions.  ``python bench/plot.py`` turns them into
the table and plot of ``docs/performance.md``.  Speed is only ever measured
here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.instances import HARD_SIZES, SIZES, bench_workbook, default_one_period, overrides, shared_hard  # noqa: E402


def versions() -> dict:
    import numpy
    import pandas
    import pyomo

    from optimizer.highs_adapter import highs_version  # without a Highs object, which prints HiGHS's banner

    return {
        "python": platform.python_version(),
        "pyomo": pyomo.version.version,
        "highs": highs_version(),
        "numpy": numpy.__version__,
        "pandas": pandas.__version__,
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 if hasattr(os, "sysconf") else 0
    return f"{cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GB, {platform.system()} {platform.release()}"


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "optimizer", "bench"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# ---------------------------------------------------------------- one instance (in the child)


def _write(data, solution) -> tuple[object, float]:
    """The plan's tables, plan.json and plan.xlsx (into a temporary folder); the seconds it took."""
    from optimizer.outputs import write_plan_json, write_plan_xlsx
    from optimizer.results import build_results

    t0 = time.perf_counter()
    plan_result = build_results(data, solution)
    with tempfile.TemporaryDirectory() as tmp:
        write_plan_json(plan_result, Path(tmp) / "plan.json")
        write_plan_xlsx(plan_result, Path(tmp) / "plan.xlsx")
    return plan_result, time.perf_counter() - t0


def measure(path: Path, engine: str, formulation: str, sets: tuple[str, ...]) -> dict:
    """Read, solve and write one workbook; every figure of one benchmark row."""
    from optimizer.data import load_planning_data

    t0 = time.perf_counter()
    data = load_planning_data(path, sets)
    read_s = time.perf_counter() - t0
    strong = formulation == "strong"
    if engine == "pyomo":
        from optimizer.solve import solve

        solution = solve(data) if strong else solve(data, strong=False)
    else:
        from devtools.floor import solve_floor

        solution = solve_floor(data, strong=strong)
    plan, write_s = _write(data, solution)
    t = solution.timings
    row = {
        "status": solution.status,
        "gap": solution.gap,
        "stage1_proven": solution.stage1_proven,
        # each stage's own gap: an unproven stage 1 says how far off it is (``gap`` is the last stage's)
        "stage1_gap": ((solution.certificate or {}).get("stage1") or {}).get("gap"),
        "stage2_gap": ((solution.certificate or {}).get("stage2") or {}).get("gap"),
        "shortfall_score": plan.shortfall_score,
        "stage1_score": solution.stage1_score,
        "stage2_objective": solution.stage2_objective,
        "read_s": read_s,
        "build_s": t.get("build", 0.0),
        "handover_s": t.get("handover", 0.0),
        "stage1_s": t.get("stage1", 0.0),
        "stage2_s": t.get("stage2", 0.0),
        "certify_s": t.get("certify", 0.0),  # recomputing each run's objectives from its plan (optimizer.certify)
        "write_s": write_s,
    }
    row["total_s"] = read_s + solution.seconds + write_s
    row["overhead_share"] = (row["build_s"] + row["handover_s"]) / row["total_s"] if row["total_s"] else 0.0
    row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row.update({k: int(v) for k, v in solution.counts.items()})
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}


def run_child(path: Path, engine: str, formulation: str, sets: tuple[str, ...], timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", str(path), "--engine", engine, "--formulation", formulation]
    for s in sets:
        cmd += ["--set", s]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"no answer within {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- the suite (in the parent)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="default,S,M,L", help="comma list of default,S,M,L,XL,H50,H100")
    ap.add_argument("--seeds", type=int, default=3, help="seeds per size (0, 1, …)")
    ap.add_argument("--engines", default="pyomo,floor", help="comma list of pyomo,floor")
    ap.add_argument("--formulation", default="strong", choices=("strong", "plain"))
    ap.add_argument("--tag", default="", help="a label for this run (e.g. 'before: plain formulation')")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each quick instance; the one of median total is kept")
    ap.add_argument("--repeat-below", type=float, default=10.0, help="an instance is quick below this many seconds end to end")
    ap.add_argument("--workdir", default=str(ROOT / "bench" / "out"), help="where the generated workbooks are kept")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results.jsonl"))
    # internal: one instance in this process
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="pyomo", help=argparse.SUPPRESS)
    ap.add_argument("--set", action="append", default=[], help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.one:
        print(json.dumps(measure(Path(args.one), args.engine, args.formulation, tuple(args.set))))
        return

    header = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "commit": git_commit(),
        "tag": args.tag,
        "formulation": args.formulation,
        **versions(),
    }
    print(json.dumps(header))
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    count = 0
    with open(args.out, "a", encoding="utf-8") as fh:
        for size in (s.strip() for s in args.sizes.split(",")):
            if size == "default":
                jobs = [(default_one_period(args.workdir), None, overrides("default"))]  # one period, as before the timeline
            elif size in SIZES or size in HARD_SIZES:
                jobs = [(bench_workbook(args.workdir, size, seed), seed, overrides(size)) for seed in range(args.seeds)]
                if size in HARD_SIZES:  # the class's given workbooks first, named by their file
                    jobs = [(path, path.stem, overrides(size)) for path in shared_hard(size)] + jobs
            else:
                raise SystemExit(f"unknown size {size!r}; known: default, {', '.join([*SIZES, *HARD_SIZES])}")
            for path, seed, sets in jobs:
                limit = float(sets[0].split("=")[1])
                for engine in engines:
                    row = {"size": size, "seed": seed, "engine": engine}
                    row.update(run_child(path, engine, args.formulation, sets, timeout=3 * limit + 120))
                    if "error" not in row and row["total_s"] < args.repeat_below and args.repeat > 1:
                        # quick instances: timings on a shared machine are noisy; keep the run of median total
                        runs = [row] + [{**row, **run_child(path, engine, args.formulation, sets, timeout=3 * limit + 120)} for _ in range(args.repeat - 1)]
                        runs = [r for r in runs if "error" not in r]
                        row = sorted(runs, key=lambda r: r["total_s"])[len(runs) // 2]
                        row["repeats"] = len(runs)
                    print(json.dumps(row), flush=True)
                    fh.write(json.dumps({**header, **row}) + "\n")
                    fh.flush()
                    count += 1
    print(f"appended {count} rows to {args.out}")


if __name__ == "__main__":
    main()
