"""What a perfect MIP start would buy each stage on the workbench's what-ifs.

    python bench/start_oracle.py data/contributions.xlsx --changes 6 --time-limit 90

The what-ifs are :mod:`bench.whatif_bench`'s (same seed, same sequence of
changes).  Each is planned three times: as the workbench plans it; with the
first plan's own values (its stage-2 optimum, or best plan at the limit)
handed to stage 1 as its MIP start; and with them handed to both stages.
Prints one line per run with each stage's seconds, the status and both
objectives.  If a stage started at the optimum is still slow, its bound,
not its incumbent, is what a faster what-if needs (docs/performance.md,
"What-ifs on the mission").  Uses the solve session's internals on purpose:
a diagnosis, not an engine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def run(data, start_by_name: dict | None, stages: tuple[str, ...]):
    """One plan of ``data``; ``start_by_name`` (values by variable name) handed to ``stages`` as their start."""
    import pyomo.environ as pyo

    from optimizer import solve as solve_module

    session = solve_module._Session(data)
    if start_by_name is not None:
        by_name = {v.name: v for v in session.m.component_data_objects(pyo.Var)}
        start = {id(by_name[n]): x for n, x in start_by_name.items() if n in by_name}
        plain_stage = session._stage

        def stage(name, deadline, rel_gap, abs_gap, given, start_name, best_score=None):
            if name in stages:
                return plain_stage(name, deadline, rel_gap, abs_gap, start, "oracle", best_score)
            return plain_stage(name, deadline, rel_gap, abs_gap, given, start_name, best_score)

        session._stage = stage
    solution = session.solve()
    values = session.highs.values()
    by_name = {v.name: values[id(v)] for v in session.m.component_data_objects(pyo.Var) if id(v) in values}
    return solution, dict(session.timings), by_name


def main(argv=None) -> int:
    from whatif_bench import whatif_states

    from optimizer.data import build_planning_data

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workbook", type=Path)
    ap.add_argument("--changes", type=int, default=6)
    ap.add_argument("--time-limit", type=float, default=90.0)
    args = ap.parse_args(argv)
    for change, raw in whatif_states(args.workbook, args.changes, args.time_limit):
        data = build_planning_data(raw)
        first, timings, values = run(data, None, ())
        rows = [("as planned", first, timings)]
        for label, stages in (("optimum as stage-1 start", ("stage1",)), ("optimum as both stages' start", ("stage1", "stage2"))):
            solution, t, _ = run(data, values, stages)
            rows.append((label, solution, t))
        for label, solution, t in rows:
            print(f"{change:<45} {label:<32} stage 1 {t.get('stage1', 0):6.2f} s  stage 2 {t.get('stage2', 0):6.2f} s  "
                  f"{solution.status:<10} score {solution.stage1_score:,.0f}  stage 2 {solution.stage2_objective or 0:,.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
