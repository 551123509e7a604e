"""The two lexicographic stages on HiGHS (pyomo's persistent ``highs`` interface).

Stage 1 minimises the shortfall score and is proven exactly: the score is
integral at every plan, so an absolute gap below 1 proves the optimum.
Stage 2 keeps the score at that optimum (``score ≤ best + ½``) and minimises
the weighted cost, fairness and nation count within the Scenario's
``mip_gap``, warm-started from the stage-1 plan.

``time_limit_s`` bounds both stages together.  If it runs out, the best plan
found so far is returned with status ``time_limit``; x = 0 is always a valid
plan, so there is always one to return.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from optimizer.data import PlanningData
from optimizer.model import build_model

RANDOM_SEED = 20260106  # fixed: the same workbook gives the same plan
STAGE1_ABS_GAP = 0.999  # score is integral: incumbent − bound < 1 proves the optimum


class SolverFailure(RuntimeError):
    """The solver could not be run or failed; nothing should be written."""


@dataclass
class Solution:
    """The chosen units and leads, plain data (no pyomo objects)."""

    units: pd.DataFrame  # nation, unit_type, sector, units (> 0 only)
    leads: pd.DataFrame  # sector, nation
    status: str  # "optimal" | "time_limit"
    stage1_proven: bool
    stage1_score: float
    stage2_objective: float | None
    gap: float  # relative gap of the last stage solved (0 when proven)
    solver_name: str
    solver_version: str
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _solver(time_limit: float, rel_gap: float, abs_gap: float) -> Highs:
    opt = Highs()
    if not opt.available():
        raise SolverFailure("HiGHS (highspy) is not available; install the project's dependencies")
    opt.config.threads = 1
    opt.config.load_solutions = False
    opt.config.raise_exception_on_nonoptimal_result = False
    opt.config.time_limit = max(time_limit, 0.01)
    opt.config.rel_gap = rel_gap
    opt.config.abs_gap = abs_gap
    opt.config.solver_options["random_seed"] = RANDOM_SEED
    opt.config.solver_options["output_flag"] = False
    return opt


def _has_solution(res) -> bool:
    return res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)


def _relative_gap(incumbent: float | None, bound: float | None) -> float:
    """(incumbent − bound) / incumbent.  Both objectives are ≥ 0, so 0 is always a
    valid bound and the gap never exceeds 1; unknown counts as 1."""
    if incumbent is None:
        return 1.0
    bound = max(0.0, bound if bound is not None else 0.0)
    if incumbent - bound <= 1e-9:
        return 0.0
    return min(1.0, (incumbent - bound) / max(abs(incumbent), 1e-10))


def _values(m) -> dict:
    return {k: int(round(pyo.value(m.units[k]))) for k in m.idx.triples}


def _warm_start(opt: Highs, m, values: dict) -> None:
    """Hand HiGHS a known feasible plan (the stage-1 optimum) as its first incumbent.

    pyomo's interface has no warm-start call, so the values go through the
    underlying highspy object; the model must be up to date first.
    """
    highs = getattr(opt, "_solver_model", None)
    col_of = getattr(opt, "_pyomo_var_to_solver_var_map", None)
    if highs is None or col_of is None:
        return
    import highspy

    opt.update()
    n_cols = highs.getNumCol()
    sol = highspy.HighsSolution()
    col_values = [0.0] * n_cols
    for var in m.component_data_objects(pyo.Var, active=True):
        col = col_of.get(id(var))
        if col is not None and var.value is not None:
            col_values[col] = float(var.value)
    sol.col_value = col_values
    sol.value_valid = True
    highs.setSolution(sol)


def solve(data: PlanningData) -> Solution:
    """Build the model, run both stages, return the plan as plain tables."""
    sc = data.scenario
    start = time.perf_counter()
    timings: dict[str, float] = {}

    t0 = time.perf_counter()
    m = build_model(data)
    timings["build"] = time.perf_counter() - t0

    if not m.idx.triples:  # nothing can be placed: the empty plan is the only plan
        return _empty_solution(data, start, timings)

    deadline = start + sc.time_limit_s
    opt = _solver(sc.time_limit_s, rel_gap=0.0, abs_gap=STAGE1_ABS_GAP)
    version = ".".join(str(v) for v in opt.version())

    t0 = time.perf_counter()
    try:
        res1 = opt.solve(m)
    except Exception as exc:  # pyomo/HiGHS raise many kinds; one clear line for the user
        raise SolverFailure(f"HiGHS failed in stage 1: {type(exc).__name__}: {exc}") from exc
    timings["stage1"] = time.perf_counter() - t0
    timings["handover"] = float(getattr(res1.timing_info, "wall_time", 0.0) or 0.0) - float(getattr(res1.timing_info, "highs_time", 0.0) or 0.0)

    if _has_solution(res1):
        res1.solution_loader.load_vars()
        stage1_values = _values(m)
    else:  # no incumbent before the limit: the empty plan is always valid
        stage1_values = {k: 0 for k in m.idx.triples}
        for k in m.idx.triples:
            m.units[k].set_value(0)
    stage1_proven = res1.termination_condition == TerminationCondition.convergenceCriteriaSatisfied
    stage1_score = pyo.value(m.shortfall_score) if _has_solution(res1) else None
    chosen = stage1_values
    gap = 0.0 if stage1_proven else _relative_gap(res1.incumbent_objective, res1.objective_bound)
    stage2_value = None
    status = "optimal" if stage1_proven else "time_limit"

    weighted = sc.weight_cost > 0 or sc.weight_fairness > 0 or sc.weight_nations > 0
    remaining = deadline - time.perf_counter()
    if _has_solution(res1) and weighted and remaining > 0.01:
        best = float(res1.incumbent_objective)
        m.stage1_bound.add(m.shortfall_score <= best + 0.5)
        m.stage1.deactivate()
        m.stage2.activate()
        t0 = time.perf_counter()
        try:
            opt.config.time_limit = remaining
            opt.config.rel_gap = sc.mip_gap
            opt.config.abs_gap = 1e-6
            _warm_start(opt, m, stage1_values)
            res2 = opt.solve(m)
        except Exception as exc:
            raise SolverFailure(f"HiGHS failed in stage 2: {type(exc).__name__}: {exc}") from exc
        timings["stage2"] = time.perf_counter() - t0
        if _has_solution(res2):
            res2.solution_loader.load_vars()
            chosen = _values(m)
            stage2_value = float(res2.incumbent_objective)
            gap = _relative_gap(res2.incumbent_objective, res2.objective_bound)
            if res2.termination_condition != TerminationCondition.convergenceCriteriaSatisfied:
                status = "time_limit"
        else:
            status = "time_limit"
    elif weighted and _has_solution(res1):
        status = "time_limit"

    if not _has_solution(res1):
        status = "time_limit"
        stage1_score = None

    units = pd.DataFrame(
        [(n, u, s, v) for (n, u, s), v in chosen.items() if v > 0],
        columns=["nation", "unit_type", "sector", "units"],
    )
    leads = _leads_of(m, chosen, data)
    counts = {"variables": m.nvariables(), "constraints": m.nconstraints(), "placements": len(m.idx.triples)}
    return Solution(
        units=units,
        leads=leads,
        status=status,
        stage1_proven=stage1_proven,
        stage1_score=float(stage1_score) if stage1_score is not None else float("nan"),
        stage2_objective=stage2_value,
        gap=float(gap),
        solver_name="HiGHS",
        solver_version=version,
        seconds=time.perf_counter() - start,
        timings=timings,
        counts=counts,
    )


def _leads_of(m, chosen: dict, data: PlanningData) -> pd.DataFrame:
    """The lead of each needs_lead sector that holds units, as chosen by the solver.

    When the plan came from a fallback (no incumbent), there are no units and so no leads.
    """
    rows = []
    held = {s for (n, u, s), v in chosen.items() if v > 0}
    for n, s in m.lead_index:
        value = m.lead[n, s].value
        if s in held and value is not None and value > 0.5:
            rows.append((s, n))
    order = {s: i for i, s in enumerate(data.sectors.index)}
    rows.sort(key=lambda r: order[r[0]])
    return pd.DataFrame(rows, columns=["sector", "nation"])


def _empty_solution(data: PlanningData, start: float, timings: dict) -> Solution:
    import highspy

    h = highspy.Highs()
    return Solution(
        units=pd.DataFrame(columns=["nation", "unit_type", "sector", "units"]),
        leads=pd.DataFrame(columns=["sector", "nation"]),
        status="optimal",
        stage1_proven=True,
        stage1_score=float("nan"),
        stage2_objective=None,
        gap=0.0,
        solver_name="HiGHS",
        solver_version=f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}",
        seconds=time.perf_counter() - start,
        timings=timings,
        counts={"variables": 0, "constraints": 0, "placements": 0},
    )
