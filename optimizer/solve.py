"""The two lexicographic stages on HiGHS (pyomo's persistent ``highs`` interface).

Stage 1 minimises the shortfall score and is proven exactly: the score is
integral at every plan, so an absolute gap below 1 proves the optimum.
Stage 2 keeps the score at that optimum (``score ≤ best + ½``) and minimises
the weighted cost, fairness and nation count within the Scenario's
``mip_gap``, warm-started from the stage-1 plan.

``time_limit_s`` bounds both stages together.  If it runs out, the best plan
found so far is returned with status ``time_limit``; x = 0 is always a valid
plan, so there is always one to return.

Each stage is certified (:mod:`optimizer.certify`): its objective is
recomputed from the plan's units and must agree with what HiGHS says of its
columns before HiGHS's bound is trusted; a stage whose runs never agree makes
the plan ``unverified``.

:func:`solve` — one workbook, one plan (the command line, the app's jobs,
the analyses) — is pyomo-free at its interface.  :class:`_Session` holds one
model in HiGHS for the two stages.  Each solve builds its own model: a plan
depends on its inputs alone, never on what was solved before (the
workbench's workers keep no model between what-ifs; why, measured, in
docs/performance.md, "One what-if engine").
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

import pandas as pd

from optimizer.certify import (
    STAGE2_ABS_GAP, STAGE_NAMES, Attempt, assess_attempt, judge_stage, overall_status, plan_gap, plan_objectives, relative_gap,
)
from optimizer.data import PlanningData
from optimizer.highs_adapter import HighsModel, SolverFailure, highs_version
from optimizer.model import STAGE2_ONLY, build_model
from optimizer.solution import LEAD_COLUMNS, UNIT_COLUMNS, Solution
from optimizer.starts import repair_start, start_objectives, units_of

__all__ = ["STAGE1_ABS_GAP", "SolverFailure", "empty_solution", "solve"]

STAGE1_ABS_GAP = 0.999  # score is integral: incumbent − bound < 1 proves the optimum


class _Session:
    """One model handed to HiGHS once and solved in its two stages.

    Every transfer between pyomo and HiGHS after the build (the instance,
    later updates, MIP starts, reading solutions back) is timed as
    ``handover``; ``stage1``/``stage2`` are HiGHS's own run times.
    """

    #: presolve settings of the runs without a MIP start after a run whose figures disagree (tests set () to see the guard alone)
    recovery_presolve: tuple[str, ...] = ("choose", "off")

    def __init__(self, data: PlanningData, *, strong: bool = True, reference: bool = False):
        self.data = data
        self.reference = reference  # every run without a MIP start and with presolve off (the differential tests' second solve)
        self.timings: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = {}
        t0 = time.perf_counter()
        self.m = build_model(data, strong)
        m = self.m
        self.timings["build"] = time.perf_counter() - t0
        self.empty = not m.idx.triples
        if self.empty:
            return
        t0 = time.perf_counter()
        self.highs = HighsModel(m)
        self.timings["handover"] += time.perf_counter() - t0

    def _run(self, stage: str, time_limit: float, rel_gap: float, abs_gap: float, start: dict[int, float] | None,
             presolve: str = "choose"):
        """One HiGHS run of ``stage``; its times and counts added to the session's."""
        run = self.highs.run(stage.replace("stage", "stage "), time_limit, rel_gap, abs_gap, start, presolve)
        self.timings[stage] += run.optimize_seconds
        self.timings["handover"] += run.handover_seconds
        # summed over a stage's runs (a re-solve after a disagreement costs its iterations too)
        self.counts[f"{stage}_nodes"] = self.counts.get(f"{stage}_nodes", 0) + run.nodes
        self.counts[f"{stage}_lp_iterations"] = self.counts.get(f"{stage}_lp_iterations", 0) + run.lp_iterations
        return run

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
            run = self._run(stage, remaining, rel_gap, abs_gap, run_start, presolve)
            attempt = Attempt(start=name, presolve="on" if presolve == "choose" else presolve, termination=run.status_text)
            if run.has_solution:
                t1 = time.perf_counter()
                values = self.highs.values()
                units = units_of(self.m, values)
                self.timings["handover"] += time.perf_counter() - t1
                t1 = time.perf_counter()
                score, sharing = plan_objectives(self.data, _units_frame(units))
                columns = start_objectives(self.m, values)
                self.timings["certify"] += time.perf_counter() - t1
                attempt.solver_objective = run.incumbent
                attempt.bound = run.bound
                attempt.columns_objective = columns[0] if stage == "stage1" else columns[1]
                attempt.objective = score if stage == "stage1" else sharing
                attempt.score = score
                kept.append((attempt, values, units))
            assess_attempt(attempt, best_score)
            attempts.append(attempt)
            timed_out = not run.converged
            if attempt.consistent or (timed_out and attempt.objective is None):
                break
        # the plan: the best of the consistent runs; with none, the best plan any run returned (unverified)
        pool = [k for k in kept if k[0].consistent] or [k for k in kept if best_score is None or k[0].score <= best_score + 0.5]
        chosen = min(pool, key=lambda k: k[0].objective) if pool else None
        certificate = judge_stage(stage, attempts, chosen[0] if chosen else None, self.data.scenario.mip_gap)
        return (chosen[1], chosen[2], certificate) if chosen else (None, {}, certificate)

    def solve(self, start: float | None = None, on_interim: Callable[[Solution], None] | None = None) -> Solution:
        """Both stages within the Scenario's time limit (counted from ``start``).

        ``on_interim``, if given, is handed the stage-1 plan (status ``interim``)
        when stage 1 is done and stage 2 is about to run: its shortfall score is
        already final, its cost, fairness and handovers are not yet optimised.
        The workbench shows it while stage 2 runs; it is never written out.
        """
        data, m = self.data, self.m
        sc = data.scenario
        start = time.perf_counter() if start is None else start
        if self.empty:  # nothing can be placed: the empty plan is the only plan
            return empty_solution(data, start, dict(self.timings))
        deadline = start + sc.time_limit_s

        m.stage2.deactivate()
        m.stage1.activate()
        for name in STAGE2_ONLY:  # analysis ε-constraint: stage 2 only
            getattr(m, name).deactivate()
        values, chosen, cert1 = self._stage("stage1", deadline, 0.0, STAGE1_ABS_GAP, None, "none")
        has1 = values is not None
        cert2 = None

        weighted = stage2_weighted(data)
        remaining = deadline - time.perf_counter()
        if has1 and weighted and remaining > 0.01:
            if on_interim is not None:
                # stage 2 has no bound yet: the interim plan's gap is its sharing objective against 0, as when stage 2 is skipped
                gap = plan_gap(cert1, None, plan_objectives(data, _units_frame(chosen))[1])
                interim = {"status": "interim", "stage1": cert1, "stage2": None}
                on_interim(self._solution(values, chosen, "interim", gap, interim, (), start))
            best = cert1["objective"]  # the plan's own score, recomputed
            m.stage1_bound.add(m.shortfall_score <= best + 0.5)
            m.stage1.deactivate()
            m.stage2.activate()
            for name in STAGE2_ONLY:
                getattr(m, name).activate()
            t0 = time.perf_counter()
            start2 = None if self.reference else repair_start(m, data, values)
            self.timings["handover"] += time.perf_counter() - t0
            values2, chosen2, cert2 = self._stage("stage2", deadline, sc.mip_gap, STAGE2_ABS_GAP, start2, "stage-1 plan", best_score=best)
            if values2 is not None:
                values, chosen = values2, chosen2
        status = overall_status(cert1, cert2)
        skipped = weighted and has1 and cert2 is None  # no time was left for stage 2
        if skipped and status == "optimal":
            status = "time_limit"
        gap = plan_gap(cert1, cert2, plan_objectives(data, _units_frame(chosen))[1] if skipped else None)
        if not has1:  # no run returned a plan in time: x = 0, always valid, is handed out
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

        return self._solution(values, chosen, status, gap, certificate, warnings, start)

    def _solution(self, values: dict[int, float], chosen: dict[tuple, int], status: str, gap: float, certificate: dict,
                  warnings: tuple, start: float) -> Solution:
        """The plan of ``chosen`` (its values as read from HiGHS) as plain tables."""
        m, data = self.m, self.data
        cert1 = certificate["stage1"]
        has1 = bool(values)
        reserve_keys = getattr(m, "reserve_keys", [])
        reserves = pd.DataFrame(
            [(*k, int(round(values.get(id(m.reserve[k]), 0.0)))) for k in reserve_keys if has1 and values.get(id(m.reserve[k]), 0.0) > 0.5],
            columns=["nation", "unit_type", "sector", "period", "units"],
        ) if reserve_keys else None
        if reserves is not None and data.periods == 1:  # one period: as before, without the period
            reserves = reserves.drop(columns="period")
        units = _units_frame(chosen)
        counts = {
            "variables": m.nvariables(),
            "constraints": m.nconstraints(),
            "placements": len(m.idx.triples),
            **self.highs.sizes(),
            **self.counts,
        }
        return Solution(
            units=units,
            leads=self._leads(values, chosen),
            status=status,
            stage1_proven=cert1["verdict"] == "proven",
            stage1_score=cert1["objective"] if has1 else float("nan"),
            stage2_objective=None if certificate["stage2"] is None else certificate["stage2"]["objective"],
            gap=float(gap),
            solver_name="HiGHS",
            solver_version=self.highs.version(),
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
        held = {(s, t) for (n, u, s, t), v in chosen.items() if v > 0}
        for n, s, t in self.m.lead_pairs:
            if (s, t) in held and values.get(id(self.m.lead[n, s, t]), 0.0) > 0.5:
                rows.append((s, t, n))
        order = {s: i for i, s in enumerate(self.data.sectors.index)}
        rows.sort(key=lambda r: (r[1], order[r[0]]))
        return pd.DataFrame(rows, columns=LEAD_COLUMNS)


def _units_frame(chosen: dict[tuple, int]) -> pd.DataFrame:
    """The placements holding units, as rows nation, unit_type, sector, period, units (model order)."""
    return pd.DataFrame([(*k, v) for k, v in chosen.items() if v > 0], columns=UNIT_COLUMNS).astype({"period": int})


def stage2_weighted(data: PlanningData) -> bool:
    """Whether stage 2 has anything to minimise (else stage 1's plan is the plan)."""
    sc = data.scenario
    return sc.weight_cost > 0 or sc.weight_fairness > 0 or sc.weight_nations > 0 or (data.periods > 1 and sc.weight_churn > 0)


def solve(data: PlanningData, strong: bool = True, *, reference: bool = False,
          on_interim: Callable[[Solution], None] | None = None) -> Solution:
    """Build the model, run both stages, return the plan as plain tables.

    ``strong=False`` solves the plain formulation (for comparisons; same plans' scores).
    ``reference=True`` runs every stage without a MIP start and with presolve
    off: slower, and the second opinion the differential tests compare with.
    ``on_interim`` is handed the stage-1 plan while stage 2 runs (:meth:`_Session.solve`).
    """
    start = time.perf_counter()
    session = _Session(data, strong=strong, reference=reference)
    solution = session.solve(start=start, on_interim=on_interim)
    solution.seconds = time.perf_counter() - start
    return solution


def empty_solution(data: PlanningData, start: float, timings: dict) -> Solution:
    return Solution(
        units=pd.DataFrame(columns=UNIT_COLUMNS),
        leads=pd.DataFrame(columns=LEAD_COLUMNS),
        status="optimal",
        stage1_proven=True,
        stage1_score=float("nan"),
        stage2_objective=None,
        gap=0.0,
        solver_name="HiGHS",
        solver_version=highs_version(),
        seconds=time.perf_counter() - start,
        timings=timings,
        counts={"variables": 0, "constraints": 0, "placements": 0},
        certificate={"status": "optimal", "stage1": None, "stage2": None},  # no placement: x = 0 is the only plan
    )
