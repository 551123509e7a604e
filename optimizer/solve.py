"""The two lexicographic stages on HiGHS (pyomo's persistent ``highs`` interface).

Stage 1 minimises the shortfall score and is proven exactly: the score is
integral at every plan, so an absolute gap below 1 proves the optimum.
Stage 2 keeps the score at that optimum (``score ≤ best + ½``) and minimises
the weighted cost, fairness and nation count within the Scenario's
``mip_gap``, warm-started from the stage-1 plan.

``time_limit_s`` bounds both stages together.  If it runs out, the best plan
found so far is returned with status ``time_limit``; x = 0 is always a valid
plan, so there is always one to return.

:func:`solve` — one workbook, one plan (the command line, the app's jobs,
the analyses) — is pyomo-free at its interface.  :class:`_Session` holds one
model in HiGHS and solves it as often as asked; the what-if sessions of
:mod:`optimizer.session` keep one alive across changes.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections import defaultdict
import pandas as pd
import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import MonomialTermExpression
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from optimizer.certify import STAGE2_ABS_GAP, STAGE_NAMES, Attempt, assess_attempt, judge_stage, overall_status, plan_objectives, relative_gap
from optimizer.data import PlanningData
from optimizer.model import build_model
from optimizer.solution import Solution

RANDOM_SEED = 20260106  # fixed: the same workbook gives the same plan
STAGE1_ABS_GAP = 0.999  # score is integral: incumbent − bound < 1 proves the optimum
SWITCHES = ("ceasefire_in_place", "un_mandate", "us_backstop")

# pyomo's solve() would re-scan the model and re-push every mutable value,
# which makes HiGHS drop a MIP start set after the explicit update().
_NO_AUTO_UPDATES = {
    "auto_updates": {
        "check_for_new_or_removed_constraints": False,
        "check_for_new_or_removed_vars": False,
        "check_for_new_or_removed_params": False,
        "check_for_new_objective": False,
        "update_constraints": False,
        "update_vars": False,
        "update_parameters": False,
        "update_named_expressions": False,
        "update_objective": False,
    }
}


class SolverFailure(RuntimeError):
    """The solver could not be run or failed; nothing should be written."""


@contextlib.contextmanager
def _ctrl_c_noted():
    """Note a Ctrl-C that arrives while HiGHS runs, so the caller can raise it afterwards.

    HiGHS calls back into Python during a solve (pyomo's log capture); the
    KeyboardInterrupt that Python raises in such a callback is caught by
    highspy, and the solve ends at once with model status "solve error",
    which would otherwise pass for a time limit and be written as a plan.
    The handler still raises KeyboardInterrupt (so HiGHS stops at once) and
    records it.  Only Python's own default handler is replaced, in the main
    thread: an ignored SIGINT (solver pools) or an application's own handler
    is left alone.
    """
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield caught
        return

    def handler(signum, frame):
        caught.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _solver() -> Highs:
    opt = Highs()
    if not opt.available():
        raise SolverFailure("HiGHS (highspy) is not available; install the project's dependencies")
    opt.config.threads = 1
    opt.config.load_solutions = False
    opt.config.raise_exception_on_nonoptimal_result = False
    opt.config.solver_options["random_seed"] = RANDOM_SEED
    opt.config.solver_options["output_flag"] = False
    return opt


def _has_solution(res) -> bool:
    return res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)


def _version() -> str:
    """HiGHS's version without creating a Highs object (which prints HiGHS's banner on the terminal)."""
    from importlib.metadata import version

    return version("highspy")


class _Session:
    """One model handed to HiGHS once and solved in two stages, as often as asked.

    Every transfer between pyomo and HiGHS after the build (the instance,
    later updates, MIP starts, reading solutions back) is timed as
    ``handover``; ``stage1``/``stage2`` are HiGHS's own run times.
    """

    #: presolve settings of the runs without a MIP start after a run whose figures disagree (tests set () to see the guard alone)
    recovery_presolve: tuple[str, ...] = ("choose", "off")

    def __init__(self, data: PlanningData, *, strong: bool = True, universe: PlanningData | None = None, mutable: bool = False,
                 reference: bool = False):
        self.data = data
        self.reference = reference  # every run without a MIP start and with presolve off (the differential tests' second solve)
        self.timings: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = {}
        t0 = time.perf_counter()
        if universe is None and not mutable:
            # the one-off path calls build_model(data) exactly (tests wrap it to remove a family)
            self.m = build_model(data) if strong else build_model(data, strong=False)
        else:
            self.m = build_model(data, strong, universe=universe, mutable=mutable)
        m = self.m
        if not hasattr(m, "stage1_rhs"):
            m.stage1_rhs = pyo.Param(initialize=float("inf"), mutable=True)
        self.timings["build"] = time.perf_counter() - t0
        self.opt = _solver()
        self.last: dict[int, float] | None = None  # the last plan, as values by variable id
        self.empty = not m.idx.triples
        if self.empty:
            return
        t0 = time.perf_counter()
        try:
            self.opt.set_instance(m)
        except Exception as exc:  # pyomo/HiGHS raise many kinds; one clear line for the user
            raise SolverFailure(f"HiGHS could not take the model: {type(exc).__name__}: {exc}") from exc
        self.highs = self.opt._solver_model
        self.highs.setOptionValue("output_flag", False)  # a fresh Highs() logs until the first solve sets it
        self.timings["handover"] += time.perf_counter() - t0

    # -- transfers --------------------------------------------------------------

    def _read(self) -> dict[int, float]:
        """The solution HiGHS holds, as values by variable id."""
        col_value = self.highs.getSolution().col_value
        return {vid: col_value[col] for vid, col in self.opt._pyomo_var_to_solver_var_map.items()}

    def _units(self, values: dict[int, float]) -> dict[tuple, int]:
        units = self.m.units
        return {k: int(round(values.get(id(units[k]), 0.0))) for k in self.m.idx.triples}

    def _set_start(self, values: dict[int, float]) -> None:
        """Hand HiGHS a plan as its first incumbent (a MIP start).

        pyomo's interface has no warm-start call, so the values go through the
        underlying highspy object, after the model is up to date.  HiGHS
        checks the start and ignores it if infeasible.
        """
        import highspy

        col_of = self.opt._pyomo_var_to_solver_var_map
        col_value = [0.0] * self.highs.getNumCol()
        for vid, col in col_of.items():
            col_value[col] = values.get(vid, 0.0)
        sol = highspy.HighsSolution()
        sol.col_value = col_value
        sol.value_valid = True
        self.highs.setSolution(sol)

    def _start(self, values: dict[int, float]) -> dict[int, float]:
        """A MIP start for the current state from a plan's values (the last plan, or stage 1's).

        The units are repaired to the current bounds — clipped to each
        placement's bound and pledge, nations below their minimum withdrawn,
        sectors whose lead cannot lead any more given another candidate that
        can or emptied — and every other variable is set from the units: the
        slacks at max(0, ·), y, z, lead and v as the plan has them, and each
        fairness deviation at its least, |P[n] − fair[n]|, so the start's
        objective is the plan's own.  HiGHS checks the start and ignores it
        if it is infeasible all the same.
        """
        m, idx = self.m, self.m.idx
        ub = {k: int(round(pyo.value(m.ub[k]))) for k in idx.triples}
        units = {k: min(max(v, 0), ub[k]) for k, v in self._units(values).items()}
        for pair, keys in idx.by_pledge.items():  # pledges (their rows exist only where they can bind)
            excess = sum(units[k] for k in keys) - int(round(pyo.value(m.pledge[pair])))
            for k in sorted(keys, key=lambda k: -units[k]):
                cut = min(excess, units[k])
                units[k] -= max(cut, 0)
                excess -= max(cut, 0)
        minimum = self.data.nations["min_personnel"]
        share = self.data.scenario.lead_share
        open_leads = {(n, s) for n, s in m.lead_pairs if pyo.value(m.lead_open[(n, s)]) > 0.5}
        candidates = defaultdict(list)
        for n, s in open_leads:
            candidates[s].append(n)
        previous = {s: n for n, s in m.lead_pairs if values.get(id(m.lead[n, s]), 0.0) > 0.5}

        def personnel(keys):
            return sum(idx.personnel[k] * units[k] for k in keys)

        leads: dict[str, str] = {}
        for _ in range(len(idx.by_nation) + len(candidates) + 1):  # each pass withdraws something, or stops
            changed = False
            for n, keys in idx.by_nation.items():
                if 0 < personnel(keys) < minimum[n]:
                    for k in keys:
                        units[k] = 0
                    changed = True
            leads, leading = {}, set()
            for s in candidates:
                total = personnel(idx.by_sector[s])
                if total == 0:
                    continue
                able = [n for n in candidates[s] if n not in leading and personnel(idx.by_nation_sector[(n, s)]) >= share * total - 1e-9
                        and personnel(idx.by_nation_sector[(n, s)]) > 0]
                if able:
                    lead = previous.get(s) if previous.get(s) in able else max(able, key=lambda n: personnel(idx.by_nation_sector[(n, s)]))
                    leads[s] = lead
                    leading.add(lead)
                else:
                    for k in idx.by_sector[s]:
                        units[k] = 0
                    changed = True
            if not changed:
                break

        start = {id(m.units[k]): float(v) for k, v in units.items()}
        for (u, s), need in m.line_min.items():
            start[id(m.line_short[(u, s)])] = float(max(0, need - sum(units[k] for k in idx.by_line.get((u, s), []))))
        for g in m.target_short:
            start[id(m.target_short[g])] = float(max(0, self.data.scenario.target(g) - personnel(idx.by_scope.get(g, []))))
        placed = {n: personnel(keys) for n, keys in idx.by_nation.items()}
        for n in m.takes_part:
            start[id(m.takes_part[n])] = 1.0 if placed[n] > 0 else 0.0
        for n, s in m.present_pairs:
            start[id(m.present[n, s])] = 1.0 if personnel(idx.by_nation_sector[(n, s)]) > 0 else 0.0
        for n, s in m.lead_pairs:
            chosen = leads.get(s) == n
            start[id(m.lead[n, s])] = 1.0 if chosen else 0.0
            start[id(m.lead_personnel[n, s])] = float(personnel(idx.by_nation_sector[(n, s)])) if chosen else 0.0
        for n in m.fair_deviation:
            start[id(m.fair_deviation[n])] = abs(placed[n] - pyo.value(m.fair[n]))
        return start

    def _objectives(self, values: dict[int, float]) -> tuple[float, float]:
        """(shortfall score, stage-2 objective) of a start, from its values."""
        m = self.m
        score = sum(pyo.value(w) * values.get(id(v), 0.0) for w, v in m.score_terms)
        cost = 0.0
        for arg in m.stage2_expr.expr.args:  # a LinearExpression: monomials, bare variables, the constant
            if isinstance(arg, MonomialTermExpression):
                coef, var = arg.args
                cost += pyo.value(coef) * values.get(id(var), 0.0)
            elif getattr(arg, "is_variable_type", lambda: False)():
                cost += values.get(id(arg), 0.0)
            else:
                cost += pyo.value(arg)
        return score, cost

    def _run(self, stage: str, time_limit: float, rel_gap: float, abs_gap: float, start: dict[int, float] | None,
             presolve: str = "choose"):
        opt = self.opt
        opt.config.time_limit = max(time_limit, 0.01)
        opt.config.rel_gap = rel_gap
        opt.config.abs_gap = abs_gap
        opt.config.solver_options["presolve"] = presolve
        t0 = time.perf_counter()
        opt.update()
        if start is not None:
            self._set_start(start)
        else:  # HiGHS would take the solution it holds (the last run's) as a MIP start
            self.highs.clearSolver()
        self.timings["handover"] += time.perf_counter() - t0
        try:
            with _ctrl_c_noted() as interrupted:
                res = opt.solve(self.m, **_NO_AUTO_UPDATES)
        except Exception as exc:  # pyomo/HiGHS raise many kinds; one clear line for the user
            raise SolverFailure(f"HiGHS failed in {stage.replace('stage', 'stage ')}: {type(exc).__name__}: {exc}") from exc
        if interrupted:
            raise KeyboardInterrupt  # HiGHS swallowed it (see _ctrl_c_noted); the plan so far is not a plan
        if res.termination_condition == TerminationCondition.error:
            raise SolverFailure(f"HiGHS failed in {stage.replace('stage', 'stage ')}: model status "
                                f"{self.highs.modelStatusToString(self.highs.getModelStatus())}")
        run_time = res.timing_info.timer.get_total_time("optimize")
        self.timings[stage] += run_time
        self.timings["handover"] += float(res.timing_info.wall_time) - run_time
        info = self.highs.getInfo()
        # summed over a stage's runs (a re-solve after a disagreement costs its iterations too)
        self.counts[f"{stage}_nodes"] = self.counts.get(f"{stage}_nodes", 0) + int(max(info.mip_node_count, 0))
        self.counts[f"{stage}_lp_iterations"] = self.counts.get(f"{stage}_lp_iterations", 0) + int(max(info.simplex_iteration_count, 0))
        return res

    # -- the two stages ---------------------------------------------------------

    def _stage(self, stage: str, deadline: float, rel_gap: float, abs_gap: float, start: dict[int, float] | None,
               start_name: str, best_score: float | None = None):
        """Run one stage until a run's figures agree with its own plan, and certify it.

        The first run takes ``start`` (if any) with presolve on.  When its
        figures disagree (:func:`optimizer.certify.assess_attempt`) the stage is
        run again without the start, then without the start and with presolve
        off — the measured cause is HiGHS mapping a MIP start through presolve
        (docs/model.md § Certified plans).  A run that stops at the time limit
        with consistent figures is not repeated.  Returns (values of the chosen
        plan or None, its units, the stage's certificate).
        """
        if self.reference:
            plans = [(None, "none", "off")]
        else:
            plans = [(start, start_name if start is not None else "none", "choose")]
            plans += [(None, "none", presolve) for presolve in self.recovery_presolve if (None, "none", presolve) != plans[0]]
        attempts: list[Attempt] = []
        kept: list[tuple[Attempt, dict, dict]] = []
        for run_start, name, presolve in plans:
            remaining = deadline - time.perf_counter()
            if attempts and remaining <= 0.01:
                break
            res = self._run(stage, remaining, rel_gap, abs_gap, run_start, presolve)
            attempt = Attempt(start=name, presolve="on" if presolve == "choose" else presolve,
                              termination=str(self.highs.modelStatusToString(self.highs.getModelStatus())))
            if _has_solution(res):
                t1 = time.perf_counter()
                values = self._read()
                units = self._units(values)
                self.timings["handover"] += time.perf_counter() - t1
                t1 = time.perf_counter()
                score, sharing = plan_objectives(self.data, _units_frame(units))
                columns = self._objectives(values)
                self.timings["certify"] += time.perf_counter() - t1
                attempt.solver_objective = float(res.incumbent_objective)
                attempt.bound = None if res.objective_bound is None else float(res.objective_bound)
                attempt.columns_objective = columns[0] if stage == "stage1" else columns[1]
                attempt.objective = score if stage == "stage1" else sharing
                attempt.score = score
                kept.append((attempt, values, units))
            assess_attempt(attempt, best_score)
            attempts.append(attempt)
            timed_out = res.termination_condition != TerminationCondition.convergenceCriteriaSatisfied
            if attempt.consistent or (timed_out and attempt.objective is None):
                break
        # the plan: the best of the consistent runs; with none, the best plan any run returned (unverified)
        pool = [k for k in kept if k[0].consistent] or [k for k in kept if best_score is None or k[0].score <= best_score + 0.5]
        chosen = min(pool, key=lambda k: k[0].objective) if pool else None
        certificate = judge_stage(stage, attempts, chosen[0] if chosen else None, self.data.scenario.mip_gap)
        return (chosen[1], chosen[2], certificate) if chosen else (None, {}, certificate)

    def solve(self, warm: bool = False, start: float | None = None) -> Solution:
        """Both stages within the Scenario's time limit (counted from ``start``); ``warm``: start from the last plan."""
        data, m = self.data, self.m
        sc = data.scenario
        start = time.perf_counter() if start is None else start
        if self.empty:  # nothing can be placed: the empty plan is the only plan
            return _empty_solution(data, start, dict(self.timings))
        deadline = start + sc.time_limit_s

        m.stage2.deactivate()
        m.stage1.activate()
        if hasattr(m, "stage2_rows"):
            m.stage2_rows.deactivate()  # analysis ε-constraint: stage 2 only
        m.stage1_rhs = float("inf")
        t0 = time.perf_counter()
        start1 = self._start(self.last) if warm and self.last is not None else None
        self.timings["handover"] += time.perf_counter() - t0
        values, chosen, cert1 = self._stage("stage1", deadline, 0.0, STAGE1_ABS_GAP, start1, "previous plan")
        has1 = values is not None
        cert2 = None

        weighted = sc.weight_cost > 0 or sc.weight_fairness > 0 or sc.weight_nations > 0
        remaining = deadline - time.perf_counter()
        if has1 and weighted and remaining > 0.01:
            best = cert1["objective"]  # the plan's own score, recomputed
            m.stage1_rhs = best + 0.5
            if not len(m.stage1_bound):
                m.stage1_bound.add(m.shortfall_score <= m.stage1_rhs)
            m.stage1.deactivate()
            m.stage2.activate()
            if hasattr(m, "stage2_rows"):
                m.stage2_rows.activate()
            t0 = time.perf_counter()
            start2 = None if self.reference else self._start(values)
            if start1 is not None:  # a re-solve: the previous plan may still be as good in stage 1, and better in stage 2
                score1, cost1 = self._objectives(start1)
                if score1 <= best + 0.5 and cost1 < self._objectives(start2)[1]:
                    start2 = start1
            self.timings["handover"] += time.perf_counter() - t0
            values2, chosen2, cert2 = self._stage("stage2", deadline, sc.mip_gap, STAGE2_ABS_GAP, start2, "stage-1 plan", best_score=best)
            if values2 is not None:
                values, chosen = values2, chosen2
        status = overall_status(cert1, cert2)
        if weighted and has1 and cert2 is None and status == "optimal":
            status = "time_limit"  # no time was left for stage 2
        gap = (cert2 or cert1)["gap"]
        if has1:
            self.last = values
        else:  # no run returned a plan in time: x = 0, always valid, is handed out
            values = {}
            empty = plan_objectives(data, _units_frame({}))[0]
            cert1.update(objective=empty, gap=relative_gap(empty, cert1["bound"]), absolute_gap=max(0.0, empty - cert1["bound"]),
                         verified="no run returned a plan within the time limit: the empty plan (x = 0, always valid) is handed out")
        certificate = {"status": status, "stage1": cert1, "stage2": cert2}
        warnings = ()
        if status == "unverified":
            bad = [c for c in (cert1, cert2) if c and c["verdict"] == "unverified"]
            warnings = (f"the plan is UNVERIFIED: in {STAGE_NAMES[bad[0]['stage']]} ({bad[0]['stage'].replace('stage', 'stage ')}) "
                        f"{bad[0]['verified']}; do not sign it off as optimal",)

        reserve_keys = getattr(m, "reserve_keys", [])
        reserves = pd.DataFrame(
            [(*k, int(round(values.get(id(m.reserve[k]), 0.0)))) for k in reserve_keys if has1 and values.get(id(m.reserve[k]), 0.0) > 0.5],
            columns=["nation", "unit_type", "sector", "units"],
        ) if reserve_keys else None
        units = _units_frame(chosen)
        h = self.highs
        counts = {
            "variables": m.nvariables(),
            "constraints": m.nconstraints(),
            "placements": len(m.idx.triples),
            "columns": h.getNumCol(),
            "integer_columns": sum(1 for v in self.opt._vars.values() if v[0].is_integer()),
            "rows": h.getNumRow(),
            "nonzeros": h.getNumNz(),
            **self.counts,
        }
        return Solution(
            units=units,
            leads=self._leads(values, chosen),
            status=status,
            stage1_proven=cert1["verdict"] == "proven",
            stage1_score=cert1["objective"] if has1 else float("nan"),
            stage2_objective=None if cert2 is None else cert2["objective"],
            gap=float(gap),
            solver_name="HiGHS",
            solver_version=".".join(str(v) for v in self.opt.version()),
            seconds=time.perf_counter() - start,
            timings=dict(self.timings),
            counts=counts,
            reserves=reserves,
            certificate=certificate,
            warnings=warnings,
        )

    def _leads(self, values: dict[int, float], chosen: dict[tuple, int]) -> pd.DataFrame:
        """The lead of each needs_lead sector that holds units, as chosen by the solver.

        When the plan came from a fallback (no incumbent), there are no units and so no leads.
        """
        rows = []
        held = {s for (n, u, s), v in chosen.items() if v > 0}
        for n, s in self.m.lead_pairs:
            if s in held and values.get(id(self.m.lead[n, s]), 0.0) > 0.5:
                rows.append((s, n))
        order = {s: i for i, s in enumerate(self.data.sectors.index)}
        rows.sort(key=lambda r: order[r[0]])
        return pd.DataFrame(rows, columns=["sector", "nation"])


def _units_frame(chosen: dict[tuple, int]) -> pd.DataFrame:
    """The placements holding units, as rows nation, unit_type, sector, units (model order)."""
    return pd.DataFrame([(n, u, s, v) for (n, u, s), v in chosen.items() if v > 0], columns=["nation", "unit_type", "sector", "units"])


def solve(data: PlanningData, strong: bool = True, *, reference: bool = False) -> Solution:
    """Build the model, run both stages, return the plan as plain tables.

    ``strong=False`` solves the plain formulation (for comparisons; same plans' scores).
    ``reference=True`` runs every stage without a MIP start and with presolve
    off: slower, and the second opinion the differential tests compare with.
    """
    start = time.perf_counter()
    session = _Session(data, strong=strong, reference=reference)
    solution = session.solve(start=start)
    solution.seconds = time.perf_counter() - start
    return solution


def _empty_solution(data: PlanningData, start: float, timings: dict) -> Solution:
    return Solution(
        units=pd.DataFrame(columns=["nation", "unit_type", "sector", "units"]),
        leads=pd.DataFrame(columns=["sector", "nation"]),
        status="optimal",
        stage1_proven=True,
        stage1_score=float("nan"),
        stage2_objective=None,
        gap=0.0,
        solver_name="HiGHS",
        solver_version=_version(),
        seconds=time.perf_counter() - start,
        timings=timings,
        counts={"variables": 0, "constraints": 0, "placements": 0},
        certificate={"status": "optimal", "stage1": None, "stage2": None},  # no placement: x = 0 is the only plan
    )
