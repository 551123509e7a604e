"""Frontiers: the largest force under each combination of conditions, and the
cost–fairness trade-off of the plan.

**Conditions.**  For each of the 8 combinations of ceasefire / UN mandate /
US backstop: the largest force the coalition can field (stage 1 with no line
minimums and an unreachable force target, i.e. maximise personnel under
H1–H10), and the plan against the statement of requirements (its personnel
and shortfall score).
"""

from __future__ import annotations

import itertools
from concurrent.futures import Executor
from typing import Callable

from optimizer.analysis.executor import run_all
from optimizer.analysis.variants import Variant, plan_variant
from optimizer.reader import RawTables

SWITCHES = ("ceasefire_in_place", "un_mandate", "us_backstop")


def condition_frontier(raw: RawTables, executor: Executor, progress: Callable | None = None) -> list[dict]:
    combos = list(itertools.product((False, True), repeat=3))
    tasks = []
    for combo in combos:
        switches = tuple(zip(SWITCHES, combo))
        label = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in switches)
        tasks.append((raw, Variant(f"largest force: {label}", scenario=switches, stage2=False, maximise_force=True, key=("max",) + combo)))
        tasks.append((raw, Variant(f"plan: {label}", scenario=switches, key=("plan",) + combo)))
    results = run_all(executor, plan_variant, tasks, progress)
    rows = []
    for i, combo in enumerate(combos):
        largest, plan = results[2 * i], results[2 * i + 1]
        rows.append({
            **dict(zip(SWITCHES, combo)),
            "max_personnel": largest.personnel,
            "planned_personnel": plan.personnel,
            "shortfall_score": plan.shortfall_score,
            "lines_unfilled": plan.lines_unfilled,
            "force_target": int(raw.scenario["force_target"]),
            "nations_taking_part": sum(1 for p in plan.nation_personnel.values() if p > 0),
            "cost_musd": plan.cost_musd,
        })
    return rows


def format_frontier(result: dict) -> str:
    yn = lambda b: "yes" if b else "no "  # noqa: E731
    out = ["largest force by condition (ceasefire / UN mandate / US backstop):",
           f"  {'ceasefire':<10}{'UN':<5}{'US':<5}{'largest':>10}{'planned':>10}{'shortfall':>12}{'unfilled':>10}"]
    for r in result["conditions"]:
        out.append(f"  {yn(r['ceasefire_in_place']):<10}{yn(r['un_mandate']):<5}{yn(r['us_backstop']):<5}"
                   f"{r['max_personnel']:>10,}{r['planned_personnel']:>10,}{r['shortfall_score']:>12,.0f}{r['lines_unfilled']:>10}")
    return "\n".join(out)
