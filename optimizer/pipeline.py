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


def write_outputs(plan: PlanResult, out_dir: str | os.PathLike, *, report: bool = True) -> list[Path]:
    """Write every output of a plan into ``out_dir``, each file atomically; return their paths.

    Order: ``plan.xlsx``, ``plan.json``, then ``report.pdf`` (unless ``report=False``).
    If the report fails, the xlsx and json are already complete; a stale
    ``report.pdf`` from an earlier plan is removed (so no report contradicts
    plan.json) and :class:`optimizer.report.ReportError` is raised, naming
    the cause in one line; ``forceplan report DIR`` rebuilds it.
    """
    from optimizer.outputs import plan_to_dict, write_plan_json, write_plan_xlsx

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "plan.xlsx", out / "plan.json"]
    write_plan_xlsx(plan, written[0])
    write_plan_json(plan, written[1])
    if report:
        from optimizer.report import ReportError, write_report

        pdf = out / "report.pdf"
        try:
            write_report(plan_to_dict(plan), pdf)
        except BaseException as exc:
            pdf.unlink(missing_ok=True)
            if not isinstance(exc, Exception):
                raise  # KeyboardInterrupt, SystemExit: as they are
            raise ReportError(f"{pdf}: {type(exc).__name__}: {exc}") from exc
        written.append(pdf)
    return written
