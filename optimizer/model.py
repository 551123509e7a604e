"""The mixed-integer model (pyomo), one function per constraint family.

Notation (see ``docs/model.md`` for the full formulation):

- ``T``: valid placements (n, u, s) from :attr:`PlanningData.triples`,
  with upper bound ``ub[n,u,s]``; ``p[u]`` personnel per unit, ``c[n,u]``
  yearly cost of one unit of u for nation n;
- ``L``: requirement lines (u, s) with ``min[l]``, ``max[l]``, weight ``w[l]``;
- ``P[n] = Σ_{(n,u,s)∈T} p[u]·x[n,u,s]``, the personnel of nation n;
- ``P[s] = Σ_{(n,u,s)∈T} p[u]·x[n,u,s]``, the personnel in sector s.

H1 (eligibility), H3 (risk) and H10 (caveats) hold by construction: ``T``
holds no placement they forbid (:func:`optimizer.data._valid_triples`), so no
variable exists for it.  Every other family is a function below, called in
order by :func:`build_model`.  No function filters a Cartesian product: each
iterates a sparse table precomputed in the data layer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyomo.environ as pyo

from optimizer.data import SCOPES, PlanningData


@dataclass
class ModelIndex:
    """Sparse groupings of the placements, computed once from ``data.triples``."""

    triples: list[tuple[str, str, str]]
    upper_bound: dict[tuple, int]
    personnel: dict[tuple, int]
    cost: dict[tuple, float]
    by_nation: dict[str, list[tuple]]
    by_pledge: dict[tuple[str, str], list[tuple]]
    by_line: dict[tuple[str, str], list[tuple]]
    by_sector: dict[str, list[tuple]]
    by_nation_sector: dict[tuple[str, str], list[tuple]]
    by_scope: dict[str, list[tuple]]


def index_placements(data: PlanningData) -> ModelIndex:
    t = data.triples
    keys = list(zip(t["nation"], t["unit_type"], t["sector"]))
    idx = ModelIndex(
        triples=keys,
        upper_bound=dict(zip(keys, (int(v) for v in t["upper_bound"]))),
        personnel=dict(zip(keys, (int(v) for v in t["personnel"]))),
        cost=dict(zip(keys, (float(v) for v in t["cost_musd"]))),
        by_nation=defaultdict(list),
        by_pledge=defaultdict(list),
        by_line=defaultdict(list),
        by_sector=defaultdict(list),
        by_nation_sector=defaultdict(list),
        by_scope=defaultdict(list),
    )
    for key, domain in zip(keys, t["domain"]):
        n, u, s = key
        idx.by_nation[n].append(key)
        idx.by_pledge[(n, u)].append(key)
        idx.by_line[(u, s)].append(key)
        idx.by_sector[s].append(key)
        idx.by_nation_sector[(n, s)].append(key)
        idx.by_scope["force"].append(key)
        idx.by_scope[domain].append(key)
    return idx


def _personnel(m, keys) -> object:
    return sum(m.idx.personnel[k] * m.units[k] for k in keys)


# ------------------------------------------------------------------ variables


def add_unit_variables(m, data: PlanningData) -> None:
    """x[n,u,s] ∈ {0, …, ub[n,u,s]} for (n,u,s) ∈ T.

    ub = min(pledge[n,u], max[u,s], ⌊cap[n]/p[u]⌋, ⌊budget[n]/c[n,u]⌋): the
    tightest bound each single constraint family implies on its own.
    """
    m.placements = pyo.Set(initialize=m.idx.triples, dimen=3, ordered=True)
    m.units = pyo.Var(m.placements, domain=pyo.NonNegativeIntegers, bounds=lambda _, n, u, s: (0, m.idx.upper_bound[(n, u, s)]))
    m.nation_personnel = {n: _personnel(m, keys) for n, keys in m.idx.by_nation.items()}


# ------------------------------------------------------------- hard constraints


def define_pledge_limits(m, data: PlanningData) -> None:
    """H2: Σ_s x[n,u,s] ≤ pledge[n,u] for every pledge spread over two or more lines.

    A pledge with a single placement is already enforced by that variable's bound.
    """
    pledged = {(r.nation, r.unit_type): int(r.max_units) for r in data.pledges.itertuples()}
    rows = [(pair, keys) for pair, keys in m.idx.by_pledge.items() if len(keys) > 1 and sum(m.idx.upper_bound[k] for k in keys) > pledged[pair]]
    m.pledge_limit = pyo.ConstraintList()
    for pair, keys in rows:
        m.pledge_limit.add(sum(m.units[k] for k in keys) <= pledged[pair])


def define_personnel_caps(m, data: PlanningData) -> None:
    """H4: P[n] ≤ cap[n] = min(max_personnel[n], ⌊sustainable_share·active_personnel[n]⌋).

    Written only where the placements' bounds could exceed the cap.
    """
    cap = data.nations["cap_personnel"]
    m.personnel_cap = pyo.ConstraintList()
    for n, keys in m.idx.by_nation.items():
        if sum(m.idx.upper_bound[k] * m.idx.personnel[k] for k in keys) > cap[n]:
            m.personnel_cap.add(m.nation_personnel[n] <= int(cap[n]))


def define_minimum_contributions(m, data: PlanningData) -> None:
    """H5: P[n] = 0 or P[n] ≥ min_personnel[n], with y[n] ∈ {0,1} "n takes part".

        min_personnel[n]·y[n] ≤ P[n] ≤ R[n]·y[n],   R[n] = min(cap[n], Σ ub·p)

    y[n] is created for every nation with placements when the nation count
    is weighted in stage 2 (weight_nations > 0), else only where
    min_personnel[n] > 0.  R[n] is the most n can send, so the upper link
    cuts off nothing.
    """
    minimum = data.nations["min_personnel"]
    cap = data.nations["cap_personnel"]
    count_nations = data.scenario.weight_nations > 0
    needed = [n for n in m.idx.by_nation if count_nations or minimum[n] > 0]
    m.takes_part = pyo.Var(needed, domain=pyo.Binary)
    m.minimum_contribution = pyo.ConstraintList()
    for n in needed:
        reach = min(int(cap[n]), sum(m.idx.upper_bound[k] * m.idx.personnel[k] for k in m.idx.by_nation[n]))
        if minimum[n] > 0:
            m.minimum_contribution.add(m.nation_personnel[n] >= int(minimum[n]) * m.takes_part[n])
        m.minimum_contribution.add(m.nation_personnel[n] <= reach * m.takes_part[n])


def define_budgets(m, data: PlanningData) -> None:
    """H6: Σ_{u,s} c[n,u]·x[n,u,s] ≤ budget[n] where a budget is given and could bind."""
    budget = data.nations["budget_musd"]
    m.budget = pyo.ConstraintList()
    for n, keys in m.idx.by_nation.items():
        b = budget[n]
        if b is None or b != b:  # blank (None or NaN): no budget
            continue
        if sum(m.idx.upper_bound[k] * m.idx.cost[k] for k in keys) > b:
            m.budget.add(sum(m.idx.cost[k] * m.units[k] for k in keys) <= float(b))


def define_interoperability(m, data: PlanningData) -> None:
    """H7: at most K = max_nations_per_sector distinct nations hold units in a sector.

        x[n,u,s] ≤ ub[n,u,s]·z[n,s]     for (n,u,s) ∈ T
        Σ_n z[n,s] ≤ K

    z[n,s] ∈ {0,1} "n holds units in s", created only for sectors where more
    than K nations have placements (elsewhere the limit cannot bind).  The
    per-placement link is the disaggregated (tighter) form.
    """
    limit = data.scenario.max_nations_per_sector
    m.present_index = []
    if limit is not None:
        for s, keys in m.idx.by_sector.items():
            nations = list(dict.fromkeys(k[0] for k in keys))
            if len(nations) > limit:
                m.present_index.extend((n, s) for n in nations)
    m.present = pyo.Var(m.present_index, domain=pyo.Binary)
    m.interoperability = pyo.ConstraintList()
    by_sector = defaultdict(list)
    for n, s in m.present_index:
        by_sector[s].append(n)
        for k in m.idx.by_nation_sector[(n, s)]:
            m.interoperability.add(m.units[k] <= m.idx.upper_bound[k] * m.present[n, s])
    for s, nations in by_sector.items():
        m.interoperability.add(sum(m.present[n, s] for n in nations) <= limit)


def define_leads(m, data: PlanningData) -> None:
    """H8: each needs_lead sector holding units has exactly one lead nation.

    With lead[n,s] ∈ {0,1} for the candidates C (eligible, can_lead, with
    placements in s) and v[n,s] ≥ 0 the personnel n provides as lead:

        x[n',u,s] ≤ ub[n',u,s]·Σ_n lead[n,s]      every placement in s   (units need a lead)
        Σ_n lead[n,s] ≤ 1                                                 (at most one)
        lead[n,s] ≤ Σ_u x[n,u,s]                                          (the lead holds units)
        v[n,s] ≤ P[n,s],  v[n,s] ≤ M[n,s]·lead[n,s]                       (v = P[n,s] of the lead, else 0)
        Σ_n v[n,s] ≥ lead_share·P[s]                                      (the lead's share)
        Σ_s lead[n,s] ≤ 1                                                 (a nation leads one sector)

    M[n,s] is the most n can place in s (bounds and cap), so the link cuts
    nothing off.  Placements in a needs_lead sector without candidates were
    removed in the data layer.  Sectors without needs_lead get no lead.
    """
    cands = data.lead_candidates
    m.lead_index = list(zip(cands["nation"], cands["sector"]))
    reach = dict(zip(m.lead_index, (int(v) for v in cands["max_personnel"])))
    m.lead = pyo.Var(m.lead_index, domain=pyo.Binary)
    m.lead_personnel = pyo.Var(m.lead_index, domain=pyo.NonNegativeReals, bounds=lambda _, n, s: (0, reach[(n, s)]))
    m.leads = pyo.ConstraintList()
    by_sector, by_nation = defaultdict(list), defaultdict(list)
    for n, s in m.lead_index:
        by_sector[s].append(n)
        by_nation[n].append(s)
    share = data.scenario.lead_share
    for s, nations in by_sector.items():
        any_lead = sum(m.lead[n, s] for n in nations)
        m.leads.add(any_lead <= 1)
        for k in m.idx.by_sector[s]:
            m.leads.add(m.units[k] <= m.idx.upper_bound[k] * any_lead)
        for n in nations:
            here = m.idx.by_nation_sector[(n, s)]
            m.leads.add(m.lead[n, s] <= sum(m.units[k] for k in here))
            m.leads.add(m.lead_personnel[n, s] <= _personnel(m, here))
            m.leads.add(m.lead_personnel[n, s] <= reach[(n, s)] * m.lead[n, s])
        if share > 0:
            m.leads.add(sum(m.lead_personnel[n, s] for n in nations) >= share * _personnel(m, m.idx.by_sector[s]))
    for n, sectors in by_nation.items():
        if len(sectors) > 1:
            m.leads.add(sum(m.lead[n, s] for s in sectors) <= 1)


def define_line_limits(m, data: PlanningData) -> None:
    """H9: Σ_n x[n,u,s] ≤ max[u,s] where a line maximum is given and could bind."""
    m.line_limit = pyo.ConstraintList()
    for line in data.requirements.itertuples():
        if line.max_units is None or line.max_units != line.max_units:
            continue
        keys = m.idx.by_line.get((line.unit_type, line.sector), [])
        if len(keys) > 1 and sum(m.idx.upper_bound[k] for k in keys) > line.max_units:
            m.line_limit.add(sum(m.units[k] for k in keys) <= int(line.max_units))


# ------------------------------------------------------------------ objectives


def define_shortfall(m, data: PlanningData) -> None:
    """Shortfall slacks and the stage-1 score.

        short[l] ≥ min[l] − Σ_n x[n,l],   0 ≤ short[l] ≤ min[l]
        gap[g]   ≥ target[g] − P[g],      0 ≤ gap[g] ≤ target[g],   g ∈ {force, land, sea, air}
        score    = Σ_l w[l]·p[u_l]·short[l] + Σ_g gap[g]

    At an optimum each slack equals its max(0, ·) of the contract.
    """
    req = data.requirements
    m.lines = list(zip(req["unit_type"], req["sector"]))
    line_min = dict(zip(m.lines, (int(v) for v in req["min_units"])))
    line_weight = dict(zip(m.lines, (int(w) * int(p) for w, p in zip(req["weight"], req["personnel"]))))
    m.line_short = pyo.Var(m.lines, domain=pyo.NonNegativeReals, bounds=lambda _, u, s: (0, line_min[(u, s)]))
    m.shortfall = pyo.ConstraintList()
    for line in m.lines:
        if line_min[line] > 0:
            m.shortfall.add(m.line_short[line] + sum(m.units[k] for k in m.idx.by_line.get(line, [])) >= line_min[line])
        else:
            m.line_short[line].fix(0)
    sc = data.scenario
    targets = {g: sc.target(g) for g in SCOPES}
    m.target_short = pyo.Var(list(SCOPES), domain=pyo.NonNegativeReals, bounds=lambda _, g: (0, targets[g]))
    for g in SCOPES:
        if targets[g] > 0:
            m.shortfall.add(m.target_short[g] + _personnel(m, m.idx.by_scope.get(g, [])) >= targets[g])
        else:
            m.target_short[g].fix(0)
    m.shortfall_score = pyo.Expression(
        expr=sum(line_weight[l] * m.line_short[l] for l in m.lines) + sum(m.target_short[g] for g in SCOPES)
    )
    m.stage1 = pyo.Objective(expr=m.shortfall_score, sense=pyo.minimize)


def define_stage2_objective(m, data: PlanningData) -> None:
    """Stage 2: weight_cost·Σ cost + weight_fairness·Σ_n |P[n] − fair[n]| + weight_nations·Σ_n y[n].

    |P[n] − fair[n]| ≤ d[n] through d[n] ≥ P[n] − fair[n] and d[n] ≥ fair[n] − P[n],
    for eligible nations with placements; for the others P[n] = 0 and the
    term is the constant fair[n].  The stage-1 optimum is imposed later, by
    the solve, as ``shortfall_score ≤ best + ½`` (scores are integral).
    """
    sc = data.scenario
    fair = data.nations["fair_personnel"]
    cost = sum(m.idx.cost[k] * m.units[k] for k in m.idx.triples) if m.idx.triples else 0
    placed = list(m.idx.by_nation)
    m.fair_deviation = pyo.Var(placed if sc.weight_fairness > 0 else [], domain=pyo.NonNegativeReals)
    m.fairness = pyo.ConstraintList()
    for n in (placed if sc.weight_fairness > 0 else []):
        m.fairness.add(m.fair_deviation[n] >= m.nation_personnel[n] - float(fair[n]))
        m.fairness.add(m.fair_deviation[n] >= float(fair[n]) - m.nation_personnel[n])
    unplaced_fair = float(sum(fair[n] for n in data.nations.index if n not in m.idx.by_nation))
    deviation = sum(m.fair_deviation[n] for n in m.fair_deviation) + unplaced_fair
    count = sum(m.takes_part[n] for n in m.takes_part) if sc.weight_nations > 0 else 0
    m.stage2_expr = pyo.Expression(expr=sc.weight_cost * cost + sc.weight_fairness * deviation + sc.weight_nations * count)
    m.stage2 = pyo.Objective(expr=m.stage2_expr, sense=pyo.minimize)
    m.stage2.deactivate()
    m.stage1_bound = pyo.ConstraintList()  # filled by the solve with the stage-1 optimum


def build_model(data: PlanningData) -> pyo.ConcreteModel:
    """The whole model, family by family."""
    m = pyo.ConcreteModel(name="forceplan")
    m.idx = index_placements(data)
    add_unit_variables(m, data)
    define_pledge_limits(m, data)  # H2
    define_personnel_caps(m, data)  # H4
    define_minimum_contributions(m, data)  # H5
    define_budgets(m, data)  # H6
    define_interoperability(m, data)  # H7
    define_leads(m, data)  # H8
    define_line_limits(m, data)  # H9
    define_shortfall(m, data)  # stage 1
    define_stage2_objective(m, data)  # stage 2
    return m
