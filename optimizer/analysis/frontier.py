"""Frontiers: the largest force under each combination of conditions, and the
cost–fairness trade-off of the plan.

**Conditions.**  For each of the 8 combinations of ceasefire / UN mandate /
US backstop: the largest force the coalition can field (stage 1 with no line
minimums and an unreachable force target, i.e. maximise personnel under
H1–H10), and the plan against the statement of requirements (its personnel
and shortfall score).

**Over time** (contract section 5) each combination holds in every period
(the ``*_from`` cells are set aside); the largest and the planned force are
those the coalition holds once built up: their average over the periods whose
force target is the peak one (a build-up period, whose lines are not all in
force yet, would say more about the build-up than about the conditions; an
average, because units resting under the rotation rule move strength from
one period to the next).  The largest force maximises the sum over those
periods, so it is never below the plan's.  Each row also gives every period's
figures, and the trade-off's
cost is the yearly cost averaged over the periods (stage 2 minimises their
sum); the fairness deviation is summed over nations and periods, as stage 2
counts it.
"""

from __future__ import annotations

import itertools
from concurrent.futures import Executor
from typing import Callable

from optimizer.analysis.executor import run_all
from optimizer.analysis.variants import Variant, plan_variant
from optimizer.reader import RawTables
from optimizer.schema import SWITCH_FROM, SWITCHES


def peak_periods(raw: RawTables) -> list[int]:
    """The periods whose force target is the peak one: the Scenario's, unless the Phases sheet sets another."""
    periods = int(raw.scenario.get("periods") or 1)
    target = {t: float(raw.scenario["force_target"]) for t in range(1, periods + 1)}
    phases = raw.tables.get("Phases")
    if phases is not None:
        for period, force in zip(phases["period"], phases["force_target"]):
            if force is not None and force == force:  # a blank cell takes the Scenario's value
                target[int(period)] = float(force)
    peak = max(target.values())
    return [t for t in sorted(target) if target[t] == peak]


def condition_frontier(raw: RawTables, executor: Executor, progress: Callable | None = None) -> list[dict]:
    combos = list(itertools.product((False, True), repeat=3))
    periods = int(raw.scenario.get("periods") or 1)
    every_period = tuple((SWITCH_FROM[name], None) for name in SWITCHES) if periods > 1 else ()
    peak = peak_periods(raw) if periods > 1 else [1]
    tasks = []
    for combo in combos:
        switches = tuple(zip(SWITCHES, combo))
        label = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in switches)
        tasks.append((raw, Variant(f"largest force: {label}", scenario=switches + every_period, stage2=False, maximise_force=True,
                                   maximise_in=tuple(peak) if periods > 1 else (), key=("max",) + combo)))
        tasks.append((raw, Variant(f"plan: {label}", scenario=switches + every_period, key=("plan",) + combo)))
    results = run_all(executor, plan_variant, tasks, progress)

    def held(r) -> int:  # the force held once built up: the average over the peak periods
        return round(sum(r.period_personnel[t] for t in peak) / len(peak)) if periods > 1 else r.personnel

    rows = []
    for i, combo in enumerate(combos):
        largest, plan = results[2 * i], results[2 * i + 1]
        over_time = {"max_personnel_by_period": [largest.period_personnel[t] for t in sorted(largest.period_personnel)],
                     "planned_personnel_by_period": [plan.period_personnel[t] for t in sorted(plan.period_personnel)],
                     "peak_periods": peak} if periods > 1 else {}
        rows.append({
            **dict(zip(SWITCHES, combo)),
            "max_personnel": held(largest),
            "planned_personnel": held(plan),
            "shortfall_score": plan.shortfall_score,
            "lines_unfilled": plan.lines_unfilled,
            "force_target": int(raw.scenario["force_target"]),
            "nations_taking_part": sum(1 for p in plan.nation_personnel.values() if p > 0),
            "cost_musd": plan.mean_cost_musd if periods > 1 else plan.cost_musd,
            **over_time,
        })
    return rows


def format_frontier(result: dict) -> str:
    yn = lambda b: "yes" if b else "no "  # noqa: E731
    out = ["largest force by condition (ceasefire / UN mandate / US backstop):",
           f"  {'ceasefire':<10}{'UN':<5}{'US':<5}{'largest':>10}{'planned':>10}{'shortfall':>12}{'unfilled':>10}"]
    for r in result["conditions"]:
        out.append(f"  {yn(r['ceasefire_in_place']):<10}{yn(r['un_mandate']):<5}{yn(r['us_backstop']):<5}"
                   f"{r['max_personnel']:>10,}{r['planned_personnel']:>10,}{r['shortfall_score']:>12,.0f}{r['lines_unfilled']:>10}")
    if result.get("tradeoff"):
        out.append("cost–fairness trade-off (same shortfall score):")
        for p in result["tradeoff"]:
            out.append(f"  cost {p['cost_musd']:>12,.1f} M USD   deviation from fair shares {p['fairness_deviation']:>10,.0f}   {p['label']}")
    return "\n".join(out)


TRADEOFF_POINTS = 6  # ε values between the two extremes


def cost_fairness_tradeoff(raw: RawTables, executor: Executor, points: int = TRADEOFF_POINTS, progress: Callable | None = None) -> list[dict]:
    """The cost–fairness trade-off of the plan by an ε-constraint sweep.

    Every point keeps the stage-1 optimum (the shortfall score).  The two
    extremes: least cost (fairness unweighted) and least deviation from the
    fair shares (cost unweighted).  Between them, for ε evenly spaced from
    the least deviation to the deviation of the least-cost plan: least cost
    subject to Σ_n |P[n] − fair[n]| ≤ ε.
    """
    extremes = run_all(executor, plan_variant, [
        (raw, Variant("least cost", scenario=(("weight_cost", 1.0), ("weight_fairness", 0.0), ("weight_nations", 0.0)), key=("cost",))),
        (raw, Variant("fairest", scenario=(("weight_cost", 0.0), ("weight_fairness", 1.0), ("weight_nations", 0.0)), key=("fair",))),
    ], progress)
    cheapest, fairest = extremes
    lo, hi = fairest.fairness_deviation, cheapest.fairness_deviation
    tasks = []
    if hi > lo + 1e-6 and points > 0:
        for i in range(1, points + 1):
            eps = lo + (hi - lo) * i / (points + 1)
            tasks.append((raw, Variant(f"least cost with deviation ≤ {eps:,.0f}", fairness_cap=eps,
                                       scenario=(("weight_cost", 1.0), ("weight_fairness", 0.0), ("weight_nations", 0.0)), key=("eps", eps))))
    middle = run_all(executor, plan_variant, tasks, progress) if tasks else []
    rows = []
    for r in [fairest, *middle, cheapest]:
        rows.append({
            "label": r.label,
            "epsilon": r.key[1] if r.key and r.key[0] == "eps" else None,
            "cost_musd": round(r.mean_cost_musd, 6),
            "fairness_deviation": round(r.fairness_deviation, 3),
            "shortfall_score": r.shortfall_score,
            "personnel": r.personnel,
            "status": r.status,
        })
    return rows
