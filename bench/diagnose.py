"""What makes a workbook's stage 1 hard: where the relaxation's gap comes from.

    python bench/diagnose.py WORKBOOK [--plain] [--time-limit 120]

Solves stage 1 (the shortfall score) several times on the same model, each
time keeping integrality on one family of variables only and relaxing the
rest to continuous:

- ``LP``: every variable continuous (the root relaxation HiGHS starts from);
- ``x only``: units integer, the binaries continuous (what the knapsacks of
  caps, budgets, targets and lead shares cost);
- ``z only`` / ``y only`` / ``lead only``: one family of binaries integer
  (interoperability presence, taking part, lead), everything else continuous;
- ``MIP``: the model as solved.

The share of the gap ``MIP − LP`` each restriction closes on its own says
which structure the relaxation gets wrong (docs/model.md, "Performance").
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def stage1_bound(data, strong: bool, integer: set[str], time_limit: float) -> tuple[float, float, float]:
    """(incumbent, bound, seconds) of stage 1 with integrality kept only on the families in ``integer``."""
    import pyomo.environ as pyo

    from optimizer.model import build_model
    from optimizer.highs_adapter import new_solver as _solver
    from optimizer.solve import STAGE1_ABS_GAP

    m = build_model(data, strong)
    families = {"x": m.units, "y": m.takes_part, "z": m.present, "lead": m.lead}
    for name, var in families.items():
        if name not in integer:
            for v in var.values():
                v.domain = pyo.Reals  # bounds stay: binaries keep [0, 1], units [0, ub]
    opt = _solver()
    opt.config.time_limit = time_limit
    opt.config.rel_gap = 0.0
    opt.config.abs_gap = STAGE1_ABS_GAP
    t0 = time.perf_counter()
    res = opt.solve(m)
    return res.incumbent_objective, res.objective_bound, time.perf_counter() - t0


def main() -> None:
    from optimizer.data import load_planning_data

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workbook")
    ap.add_argument("--plain", action="store_true", help="diagnose the plain formulation")
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args()
    data = load_planning_data(args.workbook)
    strong = not args.plain
    runs = [("LP", set()), ("x only", {"x"}), ("z only", {"z"}), ("y only", {"y"}), ("lead only", {"lead"}), ("MIP", {"x", "y", "z", "lead"})]
    results = {name: stage1_bound(data, strong, families, args.time_limit) for name, families in runs}
    lp, mip = results["LP"][0], results["MIP"][1]
    print(f"{Path(args.workbook).name}: stage 1, {'strong' if strong else 'plain'} formulation")
    print("| integrality kept on | stage-1 bound | share of the gap closed | seconds |")
    print("|---|---|---|---|")
    for name, (inc, bound, secs) in results.items():
        value = inc if name == "LP" else bound
        share = max(0.0, (value - lp) / (mip - lp)) if mip - lp > 1e-9 else 1.0
        print(f"| {name} | {value:,.0f} | {100 * share:.0f} % | {secs:.2f} |")


if __name__ == "__main__":
    main()
