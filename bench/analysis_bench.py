"""Benchmark of the analyses (issue 5): N-1 on the default workbook, Monte Carlo
throughput, and Dask scaling from 1 to 2 workers.

    python bench/analysis_bench.py [--samples 1000] [--skip-mc] [--out bench/analysis_results.jsonl]

Run it on a quiet machine: every figure is wall-clock time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from distributed import LocalCluster

    from optimizer.analysis.executor import make_executor, run_all
    from optimizer.analysis.stress import monte_carlo, n_minus_k
    from optimizer.analysis.variants import Variant, plan_variant
    from optimizer.reader import read_tables

    ap = argparse.ArgumentParser()
    ap.add_argument("--workbook", default=str(ROOT / "data" / "contributions.xlsx"))
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--scaling-samples", type=int, default=60)
    ap.add_argument("--skip-mc", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "bench" / "analysis_results.jsonl"))
    args = ap.parse_args()
    raw = read_tables(args.workbook)
    rows = []

    def record(name: str, seconds: float, **extra) -> None:
        row = {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": f"{platform.machine()} {os.cpu_count()} cores",
               "benchmark": name, "seconds": round(seconds, 2), **extra}
        rows.append(row)
        print(json.dumps(row), flush=True)

    with make_executor(workers=2) as pool:
        pool.submit(int, 0).result()  # start the workers before timing
        # N-1 alone (the target): the base plan and one re-plan per nation taking part.
        t0 = time.perf_counter()
        base = plan_variant(raw, Variant("base"))
        taking_part = [n for n, p in base.nation_personnel.items() if p > 0]
        singles = [(raw, Variant(f"without {n}", decline=(n,), key=(n,))) for n in taking_part]
        run_all(pool, plan_variant, singles)
        record("N-1, local pool, 2 workers", time.perf_counter() - t0, solves=1 + len(singles))
        t0 = time.perf_counter()
        base = plan_variant(raw, Variant("base"))
        n1, n2 = n_minus_k(raw, pool, base)
        record("N-1 and N-2, local pool, 2 workers", time.perf_counter() - t0, solves=1 + len(n1) + len(n2), n_minus_1=len(n1))
        if not args.skip_mc:
            t0 = time.perf_counter()
            mc = monte_carlo(raw, pool, samples=args.samples, seed=0)
            record(f"Monte Carlo {args.samples} samples, local pool, 2 workers", time.perf_counter() - t0,
                   distinct_solves=mc["distinct_solves"], p_target_met=mc["p_target_met"])

    throughput = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            with make_executor(cluster.scheduler_address) as ex:
                ex.submit(int, 0).result()
                t0 = time.perf_counter()
                mc = monte_carlo(raw, ex, samples=args.scaling_samples, seed=1)
                seconds = time.perf_counter() - t0
        throughput[workers] = mc["distinct_solves"] / seconds
        record(f"Dask LocalCluster, {workers} worker(s)", seconds, solves=mc["distinct_solves"], solves_per_s=round(throughput[workers], 3))
    record("Dask speed-up 2 vs 1 workers", 0.0, speedup=round(throughput[2] / throughput[1], 3))
    with open(args.out, "a", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
