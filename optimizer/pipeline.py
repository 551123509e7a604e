"""The whole pipeline as two calls, for the command line, the app and scripts.

    plan = plan_workbook("data/contributions.xlsx", ["un_mandate=yes"])
    write_outputs(plan, "reports/with-mandate")

Neither exposes pyomo objects: a :class:`~optimizer.results.PlanResult` is
plain pandas tables and dicts.
"""

from __future__ import annotations

import os
from pathlib import Path

from optimizer.data import PlanningData, load_planning_data
from optimizer.results import PlanResult, build_results
from optimizer.solve import solve


def plan_data(data: PlanningData) -> PlanResult:
    """Solve validated planning data and return the plan's tables."""
    return build_results(data, solve(data))


def plan_workbook(path: str | os.PathLike, overrides: list[str] | tuple[str, ...] = ()) -> PlanResult:
    """Read, validate and solve a workbook.  Raises ``InputError`` or ``SolverFailure``."""
    return plan_data(load_planning_data(path, overrides))


def write_outputs(plan: PlanResult, out_dir: str | os.PathLike) -> list[Path]:
    """Write every output of a plan into ``out_dir``, each file atomically; return their paths."""
    from optimizer.outputs import write_plan_json, write_plan_xlsx

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "plan.xlsx", out / "plan.json"]
    write_plan_xlsx(plan, written[0])
    write_plan_json(plan, written[1])
    return written
