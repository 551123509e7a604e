"""Exhaustive search for the lexicographic optimum of tiny instances.

Independent of :mod:`optimizer`: it parses the workbook with
:mod:`plan_checker` and enumerates every integer plan ``x[n,u,s]``.

Search order
------------
1. For each eligible nation and each unit type it pledges, the *allowed*
   sectors are the requirement lines of that type that H3 (risk) and H10
   (caveats) permit.  Every way to spread at most ``max_units`` (H2) units
   over those sectors is one *distribution*.
2. A nation's *option* is one distribution per pledged unit type; options
   breaking the nation-local constraints H4 (cap), H5 (minimum), H6 (budget)
   or a line's own maximum (H9) are dropped at once.
3. A depth-first search combines one option per nation, pruning on H9 (line
   totals) and H7 (nations per sector) as it goes.  At each complete plan H8
   is decided by searching for a lead assignment (a matching of sectors that
   need a lead to distinct nations that qualify), then the shortfall score
   and the stage-2 objective are evaluated.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator, Mapping

from tests.plan_checker import (
    Instance,
    Triple,
    churn_of,
    hard_violations,
    read_instance,
    rotation_violations,
    sector_personnel,
    shortfall_of,
    stage2_of,
)

SCORE_TOL = 1e-9


def _distributions(total_max: int, slots: int) -> Iterator[tuple[int, ...]]:
    """Every tuple of ``slots`` non-negative ints with sum <= ``total_max``."""
    if slots == 0:
        yield ()
        return
    for first in range(total_max + 1):
        for rest in _distributions(total_max - first, slots - 1):
            yield (first,) + rest


def find_leads(inst: Instance, units: Mapping[Triple, int]) -> dict[str, str] | None:
    """A lead for every needs_lead sector holding units satisfying H8, or None if none exists."""
    by_sector = sector_personnel(inst, units)
    share = inst.scenario["lead_share"]
    needing = [s for s, sector in inst.sectors.items() if sector.needs_lead and by_sector[s]]
    candidates = {
        s: [
            n for n, p in by_sector[s].items()
            if inst.nations[n].can_lead and p >= share * sum(by_sector[s].values()) - 1e-6
        ]
        for s in needing
    }
    needing.sort(key=lambda s: len(candidates[s]))  # most constrained first

    def assign(i: int, used: dict[str, str]) -> dict[str, str] | None:
        if i == len(needing):
            return dict(used)
        s = needing[i]
        for n in candidates[s]:
            if n not in used.values():
                used[s] = n
                found = assign(i + 1, used)
                if found is not None:
                    return found
                del used[s]
        return None

    return assign(0, {})


def nation_options(inst: Instance, nation: str) -> list[dict[Triple, int]]:
    """Every assignment of one nation's units satisfying H1-H6, H10 and per-line H9."""
    if not inst.eligible(nation):
        return [{}]
    groups = []  # per pledged unit type: list of partial assignments
    for unit_type in inst.unit_types:
        pledged = inst.pledges.get((nation, unit_type), 0)
        sectors = [s for (u, s) in inst.lines if u == unit_type and inst.allowed(nation, u, s)]
        if pledged == 0 or not sectors:
            continue
        groups.append([
            {(nation, unit_type, s): x for s, x in zip(sectors, dist) if x}
            for dist in _distributions(pledged, len(sectors))
        ])
    nation_rec = inst.nations[nation]
    cap = inst.cap(nation)
    options = []
    for combo in itertools.product(*groups):
        units: dict[Triple, int] = {}
        for part in combo:
            units.update(part)
        personnel = sum(x * inst.unit_types[u].personnel for (_n, u, _s), x in units.items())
        cost = sum(x * inst.unit_cost(nation, u) for (_n, u, _s), x in units.items())
        if personnel > cap or 0 < personnel < nation_rec.min_personnel:
            continue
        if nation_rec.budget_musd is not None and cost > nation_rec.budget_musd + 1e-6:
            continue
        if any(
            inst.lines[(u, s)].max_units is not None and x > inst.lines[(u, s)].max_units
            for (_n, u, s), x in units.items()
        ):
            continue
        options.append(units)
    return options


def count_plans(inst: Instance) -> int:
    """Upper bound on the plans the search visits (product of per-nation option counts)."""
    total = 1
    for nation in inst.nations:
        total *= len(nation_options(inst, nation))
    return total


def brute_force_optimum(
    workbook_path, scenario_overrides: Mapping[str, Any] | None = None, *, return_plan: bool = False
):
    """(minimum shortfall score, minimum stage-2 objective at that score) over all valid plans.

    With ``return_plan=True`` also returns one optimal ``(units, leads)``.
    """
    inst = read_instance(workbook_path, scenario_overrides)
    per_nation = [nation_options(inst, n) for n in inst.nations]
    per_nation.sort(key=len)
    limit = inst.scenario["max_nations_per_sector"]
    line_max = {key: line.max_units for key, line in inst.lines.items()}

    best: list[Any] = [float("inf"), float("inf"), None]

    def visit(i: int, units: dict[Triple, int], line_totals: dict, holders: dict) -> None:
        if i == len(per_nation):
            leads = find_leads(inst, units)
            if leads is None:
                return
            score = shortfall_of(inst, units)
            if score > best[0] + SCORE_TOL:
                return
            stage2 = stage2_of(inst, units)
            if score < best[0] - SCORE_TOL or stage2 < best[1]:
                best[:] = [score, stage2, (dict(units), leads)]
            return
        for option in per_nation[i]:
            new_totals = dict(line_totals)
            new_holders = {s: set(h) for s, h in holders.items()}
            feasible = True
            for (n, u, s), x in option.items():
                new_totals[(u, s)] = new_totals.get((u, s), 0) + x
                if line_max[(u, s)] is not None and new_totals[(u, s)] > line_max[(u, s)]:
                    feasible = False
                    break
                new_holders.setdefault(s, set()).add(n)
                if limit is not None and len(new_holders[s]) > limit:
                    feasible = False
                    break
            if feasible:
                merged = dict(units)
                merged.update(option)
                visit(i + 1, merged, new_totals, new_holders)

    visit(0, {}, {}, {})
    score, stage2, plan = best
    assert plan is not None, "x = 0 is always feasible"
    assert not hard_violations(inst, *plan), hard_violations(inst, *plan)
    return (score, stage2, plan) if return_plan else (score, stage2)


# --------------------------------------------------------------------------
# Section 5: over two or three periods
# --------------------------------------------------------------------------


def period_plans(inst: Instance) -> list[tuple[dict[Triple, int], float, float]]:
    """Every valid plan of one period (``inst`` is that period's view: H1–H10 with a lead
    assignment), with its shortfall score and stage-2 objective of that period."""
    plans = []
    for combo in itertools.product(*(nation_options(inst, n) for n in inst.nations)):
        units: dict[Triple, int] = {}
        for option in combo:
            units.update(option)
        leads = find_leads(inst, units)
        if leads is None or hard_violations(inst, units, leads):
            continue
        plans.append((units, shortfall_of(inst, units), stage2_of(inst, units)))
    return plans


def brute_force_over_time(workbook_path, scenario_overrides: Mapping[str, Any] | None = None) -> tuple[float, float]:
    """(minimum Σ_t score_t, minimum Σ_t stage2_t + weight_churn·handovers at that score) over every plan of
    all periods: one valid plan per period, combined where the rotation windows (H2 over time) hold."""
    inst = read_instance(workbook_path, scenario_overrides)
    last = inst.periods
    per_period = [period_plans(inst.at(t)) for t in range(1, last + 1)]
    weight = inst.scenario["weight_churn"]
    best = [float("inf"), float("inf")]

    def visit(t: int, units: dict, score: float, stage2: float) -> None:
        if score > best[0] + SCORE_TOL:
            return
        if rotation_violations(inst, units):  # a window broken by the periods so far stays broken
            return
        if t > last:
            total2 = stage2 + weight * churn_of(units, last)
            if score < best[0] - SCORE_TOL or total2 < best[1]:
                best[:] = [score, total2]
            return
        for plan, s1, s2 in per_period[t - 1]:
            merged = dict(units)
            merged.update({(n, u, s, t): x for (n, u, s), x in plan.items()})
            visit(t + 1, merged, score + s1, stage2 + s2)

    visit(1, {}, 0.0, 0.0)
    return best[0], best[1]
