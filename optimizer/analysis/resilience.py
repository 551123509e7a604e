"""Resilient planning: plan for a withdrawal instead of only measuring it.

The resilient plan earmarks **backfill reserves** on the essential lines
(priority 1): pledged units kept at home, inside their nation's pledge, cap
and budget, such that whichever single nation withdraws from an essential
line, the other nations' reserves on that line can replace its units
(``define_backfill_reserves`` in :mod:`optimizer.model`, math in
``docs/model.md``).  It is reported side by side with the nominal plan:

- what robustness **costs**: the change in shortfall score, personnel and cost;
- what it **buys**: after each single withdrawal, how many essential units
  could not be replaced from pledges the plan leaves unused
  (:func:`uncovered_after_withdrawal`, computed from the plans alone, the same
  way for both).

Over time (contract section 5) both are period by period: reserves are held
in a period and count in the rotation windows like deployed units.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Callable

from optimizer.analysis.executor import run_all
from optimizer.analysis.variants import Variant, plan_variant
from optimizer.data import PlanningData, build_planning_data
from optimizer.reader import RawTables

ESSENTIAL_PRIORITY = 1


def uncovered_after_withdrawal(data: PlanningData, units: dict[tuple, int], priority: int = ESSENTIAL_PRIORITY) -> dict[str, int]:
    """For each nation holding essential units: how many of them no other nation could replace from
    its unused pledge (within its remaining cap), line by line — and, over time, period by period
    (unit-periods), a replacement also keeping the other nation's rotation windows: in period t it
    has room for q − the most units any window through t already holds.  ``units`` are keyed
    (n, u, s, t), or (n, u, s) for one period."""
    units = {(k if len(k) == 4 else (*k, 1)): v for k, v in units.items()}
    essential = {(r.unit_type, r.sector) for r in data.requirements.itertuples() if r.priority <= priority}
    personnel = data.unit_types["personnel"].to_dict()
    used: dict[tuple[str, str, int], int] = {}
    nation_personnel: dict[tuple[str, int], int] = {}
    for (n, u, s, t), k in units.items():
        used[(n, u, t)] = used.get((n, u, t), 0) + k
        nation_personnel[(n, t)] = nation_personnel.get((n, t), 0) + k * int(personnel[u])
    pledged = {(p.nation, p.unit_type): int(p.max_units) for p in data.pledges.itertuples()}
    cap = data.nations["cap_personnel"].to_dict()
    last = data.periods
    placements_on: dict[tuple[str, str, int], set[str]] = {}
    for row in data.triples.itertuples():
        placements_on.setdefault((row.unit_type, row.sector, int(getattr(row, "period", 1))), set()).add(row.nation)

    def free_units(other: str, u: str, t: int) -> int:
        d = data.dwell(other)
        fullest = max(sum(used.get((other, u, tau), 0) for tau in range(start, min(last, start + d) + 1))
                      for start in range(max(1, t - d), t + 1))
        return pledged.get((other, u), 0) - fullest

    out: dict[str, int] = {}
    for n in sorted({n for (n, u, s, t) in units if (u, s) in essential}):
        lost = 0
        for (m, u, s, t), k in units.items():
            if m != n or (u, s) not in essential:
                continue
            spare = 0
            for other in placements_on.get((u, s, t), ()):
                if other == n:
                    continue
                room = (int(cap[other]) - nation_personnel.get((other, t), 0)) // int(personnel[u])
                spare += max(0, min(free_units(other, u, t), room))
            lost += max(0, k - spare)
        out[n] = lost
    return out


def _side(data: PlanningData, result) -> dict:
    uncovered = uncovered_after_withdrawal(data, result.units)
    worst = max(uncovered.items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0))
    return {
        "shortfall_score": result.shortfall_score,
        "personnel": result.personnel,
        "cost_musd": result.cost_musd,
        "lines_unfilled": result.lines_unfilled,
        "uncovered_essential_units_total": sum(uncovered.values()),
        "worst_withdrawal": {"nation": worst[0], "uncovered_essential_units": worst[1]},
        "uncovered_by_nation": uncovered,
    }


def resilient_comparison(raw: RawTables, executor: Executor, progress: Callable | None = None) -> dict:
    """Plan nominally and with backfill reserves; compare what robustness costs and buys.

    Over time (contract section 5) reserves are held period by period and count in the rotation
    windows as deployed units do; the uncovered units are unit-periods; personnel and cost are the
    plans' totals (their weakest period)."""
    data = build_planning_data(raw)
    over_time = data.periods > 1
    nominal, resilient = run_all(
        executor,
        plan_variant,
        [(raw, Variant("nominal")), (raw, Variant("resilient", reserve_priority=ESSENTIAL_PRIORITY))],
        progress,
    )
    a, b = _side(data, nominal), _side(data, resilient)
    return {
        "essential_priority": ESSENTIAL_PRIORITY,
        "nominal": a,
        "resilient": b,
        "reserves": [{"nation": n, "unit_type": u, "sector": s, **({"period": t} if over_time else {}), "units": k}
                     for (n, u, s, t), k in sorted(resilient.reserves.items())],
        "costs": {
            "shortfall_score": b["shortfall_score"] - a["shortfall_score"],
            "personnel": b["personnel"] - a["personnel"],
            "cost_musd": round(b["cost_musd"] - a["cost_musd"], 6),
        },
        "buys": {
            "uncovered_essential_units_total": a["uncovered_essential_units_total"] - b["uncovered_essential_units_total"],
            "worst_withdrawal": a["worst_withdrawal"]["uncovered_essential_units"] - b["worst_withdrawal"]["uncovered_essential_units"],
        },
    }
