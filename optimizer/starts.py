"""The stage-2 MIP start: stage 1's plan, with every other variable set from its units.

:func:`repair_start` turns the values of stage 1's plan into a start HiGHS
accepts for stage 2 (the slacks, y, z, lead and v as the plan has them, each
fairness deviation at its least); :func:`start_objectives` is what a plan's
values are worth to the model, which the certificate compares with HiGHS's
own figures.  Values are keyed by ``id()`` of the pyomo variable, as
:class:`optimizer.highs_adapter.HighsModel` reads and writes them.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import MonomialTermExpression

from optimizer.data import PlanningData


def units_of(m, values: dict[int, float]) -> dict[tuple, int]:
    """Whole units per placement (nation, unit_type, sector, period) of a plan's values."""
    units = m.units
    return {k: int(round(values.get(id(units[k]), 0.0))) for k in m.idx.triples}


def repair_start(m, data: PlanningData, values: dict[int, float]) -> dict[int, float]:
    """The stage-2 start from stage 1's plan on the same model.

    The units are the plan's, rounded (and kept within each placement's
    bound); the leads are the plan's; every other variable is set from them:
    the slacks at max(0, ·), y and z by whether the nation (in the sector)
    holds units, v as the lead's personnel, each fairness deviation at
    its least, |P[n,t] − fair[n,t]|, and each handover at |x_t − x_{t−1}|, so the start's objective is the plan's own.
    HiGHS checks the start and ignores it if it is infeasible all the same.
    """
    idx = m.idx
    units = {k: min(max(v, 0), idx.upper_bound[k]) for k, v in units_of(m, values).items()}

    def personnel(keys):
        return sum(idx.personnel[k] * units[k] for k in keys)

    start = {id(m.units[k]): float(v) for k, v in units.items()}
    for line, need in m.line_min.items():
        start[id(m.line_short[line])] = float(max(0, need - sum(units[k] for k in idx.by_line.get(line, []))))
    targets = {(g, int(t)): int(v) for t, g, v in zip(data.targets["period"], data.targets["scope"], data.targets["target"])}
    for gt in m.target_short:
        start[id(m.target_short[gt])] = float(max(0, targets[gt] - personnel(idx.by_scope.get(gt, []))))
    placed = {nt: personnel(keys) for nt, keys in idx.by_nation.items()}
    for nt in m.takes_part:
        start[id(m.takes_part[nt])] = 1.0 if placed[nt] > 0 else 0.0
    for nst in m.present_pairs:
        start[id(m.present[nst])] = 1.0 if personnel(idx.by_nation_sector[nst]) > 0 else 0.0
    for nst in m.lead_pairs:
        chosen = values.get(id(m.lead[nst]), 0.0) > 0.5
        start[id(m.lead[nst])] = 1.0 if chosen else 0.0
        start[id(m.lead_personnel[nst])] = float(personnel(idx.by_nation_sector[nst])) if chosen else 0.0
    for nt in m.fair_deviation:
        start[id(m.fair_deviation[nt])] = abs(placed[nt] - m.fair[nt])
    for n, u, s, t in m.churn_keys:
        start[id(m.churn[n, u, s, t])] = float(abs(units.get((n, u, s, t), 0) - units.get((n, u, s, t - 1), 0)))
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
