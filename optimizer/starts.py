"""Warm starts: a plan's values turned into a MIP start HiGHS will accept.

A start comes from the last plan (a what-if re-solve) or from stage 1's plan
(stage 2).  :func:`repair_start` fits its units to the model's current bounds
and sets every other variable from them; :func:`start_objectives` is what the
start is worth, so the solve can choose between two starts.  Values are keyed
by ``id()`` of the pyomo variable, as :class:`optimizer.highs_adapter.HighsModel`
reads and writes them.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import MonomialTermExpression

from optimizer.data import PlanningData


def units_of(m, values: dict[int, float]) -> dict[tuple, int]:
    """Whole units per placement (nation, unit_type, sector) of a plan's values."""
    units = m.units
    return {k: int(round(values.get(id(units[k]), 0.0))) for k in m.idx.triples}


def repair_start(m, data: PlanningData, values: dict[int, float]) -> dict[int, float]:
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
    idx = m.idx
    ub = {k: int(round(pyo.value(m.ub[k]))) for k in idx.triples}
    units = {k: min(max(v, 0), ub[k]) for k, v in units_of(m, values).items()}
    for pair, keys in idx.by_pledge.items():  # pledges (their rows exist only where they can bind)
        excess = sum(units[k] for k in keys) - int(round(pyo.value(m.pledge[pair])))
        for k in sorted(keys, key=lambda k: -units[k]):
            cut = min(excess, units[k])
            units[k] -= max(cut, 0)
            excess -= max(cut, 0)
    minimum = data.nations["min_personnel"]
    share = data.scenario.lead_share
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
        start[id(m.target_short[g])] = float(max(0, data.scenario.target(g) - personnel(idx.by_scope.get(g, []))))
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


def start_objectives(m, values: dict[int, float]) -> tuple[float, float]:
    """(shortfall score, stage-2 objective) of a start, from its values."""
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
