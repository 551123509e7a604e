"""The whole pipeline as two calls, for the command line, the app and scripts.

    plan = plan_workbook("data/contributions.xlsx", ["un_mandate=yes"])
    write_outputs(plan, "reports/with-mandate")

Neither exposes pyomo objects: a :class:`~optimizer.results.PlanResult` is
plain pandas tables and dicts.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from optimizer.data import PlanningData, load_planning_data
from optimizer.results import PlanResult, build_results
from optimizer.solve import solve


def plan_data(data: PlanningData, on_interim: Callable[[PlanResult], None] | None = None) -> PlanResult:
    """Solve validated planning data and return the plan's tables.

    ``on_interim``, if given, is handed the stage-1 plan's tables (status
    ``interim``: the shortfall final, the sharing not yet optimised) while
    stage 2 runs — the workbench shows it at once; nothing writes it out.
    """
    if on_interim is None:
        return build_results(data, solve(data))
    return build_results(data, solve(data, on_interim=lambda solution: on_interim(build_results(data, solution))))


def plan_workbook(path: str | os.PathLike, overrides: list[str] | tuple[str, ...] = ()) -> PlanResult:
    """Read, validate and solve a workbook.  Raises ``InputError`` or ``SolverFailure``."""
    return plan_data(load_planning_data(path, overrides))


def write_outputs(plan: PlanResult, out_dir: str | os.PathLike, *, report: bool = True) -> list[Path]:
    """Write every output of a plan into ``out_dir`` and return their paths:
    ``plan.xlsx``, ``plan.json``, then ``report.pdf`` (unless ``report=False``).

    All or nothing (:func:`optimizer.atomic.staged_files`): each file is written
    in full to a hidden temporary file first; only then are they renamed into
    place, ``plan.json`` last (a new ``plan.json`` means the whole run is in
    place), with Ctrl-C held back for those few renames.  Any failure or
    interruption before that (KeyboardInterrupt included) leaves every earlier
    output exactly as it was.

    If only the report fails, the xlsx and json are still put in place, a stale
    ``report.pdf`` from an earlier plan is removed (so no report contradicts
    plan.json) and :class:`optimizer.report.ReportError` is raised, naming
    the cause in one line; ``forceplan report DIR`` rebuilds it.
    """
    from optimizer.atomic import staged_files
    from optimizer.outputs import plan_to_dict, write_plan_json, write_plan_xlsx

    if plan.status == "interim":  # stage 1's plan shown while stage 2 runs is not a plan to hand out
        raise ValueError("an interim plan (stage 1 while stage 2 runs) is never written out")

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    xlsx, json_path, pdf = out / "plan.xlsx", out / "plan.json", out / "report.pdf"
    failure = None
    with staged_files() as stage:
        write_plan_xlsx(plan, stage.path(xlsx))
        if report:
            from optimizer.report import ReportError, write_report

            try:
                write_report(plan_to_dict(plan), stage.path(pdf))
            except Exception as exc:  # KeyboardInterrupt, SystemExit: as they are (nothing is put in place)
                stage.drop(pdf)
                stage.remove(pdf)
                failure = ReportError(f"{pdf}: {type(exc).__name__}: {exc}")
                failure.__cause__ = exc
        write_plan_json(plan, stage.path(json_path))
    if failure is not None:
        raise failure
    return [xlsx, json_path] + ([pdf] if report else [])
