"""The mixed-integer model (pyomo), one function per constraint family.

Notation (see ``docs/model.md`` for the full formulation):

- ``T``: valid placements (n, u, s, t) from :attr:`PlanningData.triples` —
  nation, unit type, sector and period t = 1 … periods (contract section 5;
  one period: t = 1 only) — with upper bound ``ub[n,u,s,t]``; ``p[u]``
  personnel per unit, ``c[n,u]`` yearly cost of one unit of u for nation n;
- ``L``: requirement lines (u, s) with ``min[l]``, ``max[l]``, weight ``w[l]``,
  each applying in its periods;
- ``P[n,t] = Σ_{(n,u,s,t)∈T} p[u]·x[n,u,s,t]``, the personnel of nation n in t;
- ``P[s,t]``, the personnel in sector s in t.

Every family is written period by period, and every row's index ends with
its period; H2 (the rotation rule) and the handovers of stage 2 are the only
rows that link periods.

H1 (eligibility), H3 (risk) and H10 (caveats) hold by construction: ``T``
holds no placement they forbid (:func:`optimizer.data._valid_triples`), so no
variable exists for it.  Every other family is a function below, called in
order by :func:`build_model`.  No function filters a Cartesian product: each
iterates a sparse table precomputed in the data layer.

Two formulations share these functions.  ``strong=False`` is the *plain*
formulation: the families as the contract states them, each row written
only where it can bind.  ``strong=True`` (the default) adds the measured
strengthenings of ``docs/model.md`` ("Performance"): valid inequalities that
cut off fractional points only, never an integer plan, so both give the same
stage-1 score (``tests/test_formulations.py`` checks it on generated workbooks).

The numbers the rows are written with — the placements' bounds, pledges,
reaches and fair shares — are computed once per model (:class:`ModelValues`);
each model is built for one state of the inputs and solved once per stage.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from optimizer.data import SCOPES, PlanningData


@dataclass
class ModelIndex:
    """Sparse groupings of the placements, computed once from a placements table.

    A placement is k = (n, u, s, t): nation, unit type, sector, period.  Each
    grouping is keyed by the names it is about plus the period, so rows are
    too (``personnel_cap[France,1]``).  ``upper_bound`` is each placement's
    bound: rows are written only where these bounds say they can bind.
    """

    triples: list[tuple[str, str, str, int]]
    upper_bound: dict[tuple, int]
    personnel: dict[tuple, int]
    cost: dict[tuple, float]
    by_nation: dict[tuple[str, int], list[tuple]]
    by_pledge: dict[tuple[str, str, int], list[tuple]]
    by_line: dict[tuple[str, str, int], list[tuple]]
    by_sector: dict[tuple[str, int], list[tuple]]
    by_nation_sector: dict[tuple[str, str, int], list[tuple]]
    by_scope: dict[tuple[str, int], list[tuple]]
    lead_candidates: list[tuple[str, str, int]]
    periods: list[int]


def index_placements(data: PlanningData) -> ModelIndex:
    t = data.triples
    keys = list(zip(t["nation"].tolist(), t["unit_type"].tolist(), t["sector"].tolist(), (int(p) for p in t["period"].tolist())))
    lc = data.lead_candidates
    idx = ModelIndex(
        triples=keys,
        upper_bound=dict(zip(keys, (int(v) for v in t["upper_bound"].tolist()))),
        personnel=dict(zip(keys, (int(v) for v in t["personnel"].tolist()))),
        cost=dict(zip(keys, (float(v) for v in t["cost_musd"].tolist()))),
        by_nation=defaultdict(list),
        by_pledge=defaultdict(list),
        by_line=defaultdict(list),
        by_sector=defaultdict(list),
        by_nation_sector=defaultdict(list),
        by_scope=defaultdict(list),
        lead_candidates=list(zip(lc["nation"], lc["sector"], (int(p) for p in lc["period"]))),
        periods=data.period_list,
    )
    for key, domain in zip(keys, t["domain"].tolist()):
        n, u, s, p = key
        idx.by_nation[(n, p)].append(key)
        idx.by_pledge[(n, u, p)].append(key)
        idx.by_line[(u, s, p)].append(key)
        idx.by_sector[(s, p)].append(key)
        idx.by_nation_sector[(n, s, p)].append(key)
        idx.by_scope[("force", p)].append(key)
        idx.by_scope[(domain, p)].append(key)
    return idx


@dataclass
class ModelValues:
    """The numbers the rows are written with, over the index of the model.

    ub[k]                 bound of placement k
    pledge[n,u]           units pledged
    reach[n,t]            R[n,t] = min(cap[n], Σ_k ub·p over n's placements in t): the most n can send in t
    sector_reach[n,s,t]   M[n,s,t] = min(cap[n], Σ_u ub·p): the most n can place in s in t
    fair[n,t]             GDP fair share of period t (0 when not eligible in t)
    unplaced_fair         Σ_t Σ fair[n,t] over nations without placements in t
    """

    ub: dict
    pledge: dict
    reach: dict
    sector_reach: dict
    fair: dict
    unplaced_fair: float


def model_values(data: PlanningData, idx: ModelIndex) -> ModelValues:
    """The numbers of ``data`` over the placements of ``idx``."""
    ub = dict(idx.upper_bound)
    pledged = {(n, u): int(q) for n, u, q in zip(data.pledges["nation"], data.pledges["unit_type"], data.pledges["max_units"])}
    cap = data.nations["cap_personnel"]
    np_ = data.nation_periods
    fair = {(n, int(p)): float(f) for n, p, f in zip(np_["nation"], np_["period"], np_["fair_personnel"])}

    def reach_of(keys, n):
        return min(int(cap[n]), sum(ub[k] * idx.personnel[k] for k in keys))

    return ModelValues(
        ub=ub,
        pledge={(n, u): pledged.get((n, u), 0) for n, u, _ in idx.by_pledge},
        reach={nt: reach_of(keys, nt[0]) for nt, keys in idx.by_nation.items()},
        sector_reach={nst: reach_of(keys, nst[0]) for nst, keys in idx.by_nation_sector.items()},
        fair={nt: fair[nt] for nt in idx.by_nation},
        unplaced_fair=float(sum(f for nt, f in fair.items() if nt not in idx.by_nation)),
    )


_VALUES = ("ub", "pledge", "reach", "sector_reach", "fair", "unplaced_fair")


def _linear(terms) -> LinearExpression:
    """Σ coef·var over ``(coef, var)`` pairs as one flat pyomo LinearExpression.

    Built directly rather than grown with ``sum()``: the terms keep exactly
    the order given, which fixes the order HiGHS numbers the columns in (the
    floor, ``devtools/floor.py``, reproduces it), and pyomo hands the row over
    on its linear fast path.  A coefficient of 1 is the bare variable.
    """
    return LinearExpression([v if c.__class__ is int and c == 1 else MonomialTermExpression((c, v)) for c, v in terms])


def _declare(m, name: str, rows: dict) -> None:
    """One kind of row as the indexed component ``m.<name>[key]``, rows in the order given.

    Keys are names (nation, ``(nation, sector)``, ``(unit_type, sector)``, …),
    so an LP file or an infeasibility log names each row, e.g.
    ``personnel_cap(France)``; the order of ``rows`` is the order HiGHS
    numbers them in (the floor, ``devtools/floor.py``, reproduces it).
    """
    setattr(m, name, pyo.Constraint(list(rows), rule=rows))


def _personnel_terms(m, keys, sign: int = 1) -> list:
    return [(sign * m.idx.personnel[k], m.units[k]) for k in keys]


# ------------------------------------------------------------------ variables


def add_unit_variables(m, data: PlanningData) -> None:
    """x[n,u,s,t] ∈ {0, …, ub[n,u,s,t]} for (n,u,s,t) ∈ T.

    ub = min(pledge[n,u], max[u,s], ⌊cap[n]/p[u]⌋, ⌊budget[n]/c[n,u]⌋): the
    tightest bound each single constraint family implies on its own.
    """
    m.placements = pyo.Set(initialize=m.idx.triples, dimen=4, ordered=True)
    m.units = pyo.Var(m.placements, domain=pyo.NonNegativeIntegers, bounds=lambda _, n, u, s, t: (0, m.ub[(n, u, s, t)]))


# ------------------------------------------------------------- hard constraints


def rotation_windows(data: PlanningData, idx: ModelIndex) -> dict[tuple[str, str, int], list[tuple]]:
    """H2 over time: the windows ``(n, u, t)`` → placements of Σ_{τ=t…t+d[n]} Σ_s x[n,u,s,τ], those that can bind.

    Windows start at t = 1 … max(1, T − d): a window cut short by the horizon
    ([t, T] with t > T − d) holds a subset of the placements of the window
    starting at T − d.  A window is also left out when its placements are
    those of its left neighbour or fewer, or strictly fewer than its right
    neighbour's (a period without placements of (n, u) at one end); such a
    window's sum is at most its neighbour's.  And, as for every family, a
    window is written only where the placements' bounds can exceed the pledge.
    With one period, or d = 0, the windows are the single periods: H2 as in
    section 2, period by period.
    """
    last = idx.periods[-1]
    by_pair = defaultdict(dict)
    for (n, u, t), keys in idx.by_pledge.items():
        by_pair[(n, u)][t] = keys
    rows = {}
    for t in idx.periods:
        for (n, u), at in by_pair.items():
            d = data.dwell(n)
            starts = max(1, last - d)
            if t > starts:
                continue
            held = [p for p in range(t, min(last, t + d) + 1) if p in at]
            if not held:
                continue
            left = set(p for p in range(t - 1, min(last, t - 1 + d) + 1) if p in at) if t > 1 else None
            right = set(p for p in range(t + 1, min(last, t + 1 + d) + 1) if p in at) if t < starts else None
            if (left is not None and set(held) <= left) or (right is not None and set(held) < right):
                continue
            keys = [k for p in held for k in at[p]]
            rows[(n, u, t)] = keys
    return rows


def define_pledge_limits(m, data: PlanningData) -> None:
    """H2 ``pledge_limit[n,u,t]``: Σ_{τ=t…min(T,t+d[n])} Σ_s x[n,u,s,τ] ≤ pledge[n,u] (section 5's rotation rule).

    Each pledged unit deploys one period, then rests d[n] = dwell_periods
    (``docs/model.md`` proves the window rule is exactly that).  The windows
    that can bind are :func:`rotation_windows`; a window of a single
    placement is already that variable's bound.
    """
    _declare(m, "pledge_limit", {
        window: _linear((1, m.units[k]) for k in keys) <= m.pledge[window[:2]]
        for window, keys in rotation_windows(data, m.idx).items()
        if len(keys) > 1 and sum(m.idx.upper_bound[k] for k in keys) > m.pledge[window[:2]]
    })


def define_personnel_caps(m, data: PlanningData) -> None:
    """H4 ``personnel_cap[n,t]``: P[n,t] ≤ cap[n] = min(max_personnel[n], ⌊sustainable_share·active_personnel[n]⌋).

    Written only where the placements' bounds could exceed the cap.
    """
    cap = data.nations["cap_personnel"]
    _declare(m, "personnel_cap", {
        (n, t): _linear(_personnel_terms(m, keys)) <= int(cap[n])
        for (n, t), keys in m.idx.by_nation.items()
        if sum(m.idx.upper_bound[k] * m.idx.personnel[k] for k in keys) > cap[n]
    })


def define_minimum_contributions(m, data: PlanningData) -> None:
    """H5: P[n,t] = 0 or P[n,t] ≥ min_personnel[n], with y[n,t] ∈ {0,1} "n takes part in t".

        minimum_contribution[n,t]:  P[n,t] − min_personnel[n]·y[n,t] ≥ 0
        takes_part_reach[n,t]:      P[n,t] − R[n,t]·y[n,t] ≤ 0,    R[n,t] = min(cap[n], Σ ub·p)

    y[n,t] is created for every nation with placements in t when the nation
    count is weighted in stage 2 (weight_nations > 0), else only where
    min_personnel[n] > 0.  R[n,t] is the most n can send in t, so the upper
    link cuts off nothing.
    """
    minimum = data.nations["min_personnel"]
    count_nations = data.scenario.weight_nations > 0
    needed = [nt for nt in m.idx.by_nation if count_nations or minimum[nt[0]] > 0]
    m.takes_part = pyo.Var(needed, domain=pyo.Binary)
    _declare(m, "minimum_contribution", {
        nt: _linear([*_personnel_terms(m, m.idx.by_nation[nt]), (-int(minimum[nt[0]]), m.takes_part[nt])]) >= 0
        for nt in needed if minimum[nt[0]] > 0
    })
    _declare(m, "takes_part_reach", {
        nt: _linear([*_personnel_terms(m, m.idx.by_nation[nt]), (-m.reach[nt], m.takes_part[nt])]) <= 0 for nt in needed
    })


def define_budgets(m, data: PlanningData) -> None:
    """H6 ``budget[n,t]``: Σ_{u,s} c[n,u]·x[n,u,s,t] ≤ budget[n] where a budget is given and could bind (each period)."""
    budget = data.nations["budget_musd"]
    rows = {}
    for (n, t), keys in m.idx.by_nation.items():
        b = budget[n]
        if b is None or b != b:  # blank (None or NaN): no budget
            continue
        if sum(m.idx.upper_bound[k] * m.idx.cost[k] for k in keys) > b:
            rows[(n, t)] = _linear((m.idx.cost[k], m.units[k]) for k in keys) <= float(b)
    _declare(m, "budget", rows)


def define_interoperability(m, data: PlanningData) -> None:
    """H7: at most K = max_nations_per_sector distinct nations hold units in a sector, each period.

        presence_link[n,u,s,t]:  x[n,u,s,t] − ub[n,u,s,t]·z[n,s,t] ≤ 0     for (n,u,s,t) ∈ T
        interoperability[s,t]:   Σ_n z[n,s,t] ≤ K

    z[n,s,t] ∈ {0,1} "n holds units in s in t", created only where more
    than K nations have placements in s in t (elsewhere the limit cannot
    bind).  The per-placement link is the disaggregated (tighter) form.
    """
    limit = data.scenario.max_nations_per_sector
    m.present_pairs = []
    if limit is not None:
        for (s, t), keys in m.idx.by_sector.items():
            nations = list(dict.fromkeys(k[0] for k in keys))
            if len(nations) > limit:
                m.present_pairs.extend((n, s, t) for n in nations)
    m.present = pyo.Var(m.present_pairs, domain=pyo.Binary)
    by_sector = defaultdict(list)
    for n, s, t in m.present_pairs:
        by_sector[(s, t)].append(n)
    _declare(m, "presence_link", {
        k: _linear([(1, m.units[k]), (-m.ub[k], m.present[nst])]) <= 0
        for nst in m.present_pairs for k in m.idx.by_nation_sector[nst]
    })
    _declare(m, "interoperability", {st: _linear((1, m.present[n, *st]) for n in nations) <= limit for st, nations in by_sector.items()})


def define_leads(m, data: PlanningData) -> None:
    """H8: each needs_lead sector holding units in a period has exactly one lead nation in it.

    With lead[n,s,t] ∈ {0,1} for the candidates C (eligible in t, can_lead,
    with placements in s in t) and v[n,s,t] ≥ 0 the personnel n provides as lead:

        one_lead[s,t]:               Σ_n lead[n,s,t] ≤ 1                                  (at most one)
        lead_needed[n',u,s,t]:       x[n',u,s,t] − ub[n',u,s,t]·Σ_n lead[n,s,t] ≤ 0       (units need a lead)
        lead_holds_units[n,s,t]:     lead[n,s,t] − Σ_u x[n,u,s,t] ≤ 0                     (the lead holds units)
        lead_personnel_held[n,s,t]:  v[n,s,t] − P[n,s,t] ≤ 0                              (v = P[n,s,t] of the lead,
        lead_personnel_link[n,s,t]:  v[n,s,t] − M[n,s,t]·lead[n,s,t] ≤ 0                   else 0)
        lead_share[s,t]:             Σ_n v[n,s,t] − lead_share·P[s,t] ≥ 0                 (the lead's share)
        one_sector_per_lead[n,t]:    Σ_s lead[n,s,t] ≤ 1                                  (a nation leads one sector)

    M[n,s,t] is the most n can place in s in t (bounds and cap), so the link
    cuts nothing off.  Placements in a needs_lead sector without candidates
    were removed in the data layer.  Sectors without needs_lead get no lead.
    """
    m.lead_pairs = list(m.idx.lead_candidates)
    m.lead = pyo.Var(m.lead_pairs, domain=pyo.Binary)
    m.lead_personnel = pyo.Var(m.lead_pairs, domain=pyo.NonNegativeReals, bounds=lambda _, n, s, t: (0, m.sector_reach[(n, s, t)]))
    by_sector, by_nation = defaultdict(list), defaultdict(list)
    for n, s, t in m.lead_pairs:
        by_sector[(s, t)].append(n)
        by_nation[(n, t)].append(s)
    share = data.scenario.lead_share

    def leads_in(st):
        return [m.lead[n, *st] for n in by_sector[st]]

    _declare(m, "one_lead", {st: _linear((1, lead) for lead in leads_in(st)) <= 1 for st in by_sector})
    _declare(m, "lead_needed", {
        k: _linear([(1, m.units[k]), *((-m.ub[k], lead) for lead in leads_in(st))]) <= 0
        for st in by_sector for k in m.idx.by_sector[st]
    })
    _declare(m, "lead_holds_units", {
        nst: _linear([(1, m.lead[nst]), *((-1, m.units[k]) for k in m.idx.by_nation_sector[nst])]) <= 0
        for nst in m.lead_pairs
    })
    _declare(m, "lead_personnel_held", {
        nst: _linear([(1, m.lead_personnel[nst]), *_personnel_terms(m, m.idx.by_nation_sector[nst], -1)]) <= 0
        for nst in m.lead_pairs
    })
    _declare(m, "lead_personnel_link", {
        nst: _linear([(1, m.lead_personnel[nst]), (-m.sector_reach[nst], m.lead[nst])]) <= 0
        for nst in m.lead_pairs
    })
    _declare(m, "lead_share", {
        st: _linear([*((1, m.lead_personnel[n, *st]) for n in nations),
                     *((-share * m.idx.personnel[k], m.units[k]) for k in m.idx.by_sector[st])]) >= 0
        for st, nations in by_sector.items() if share > 0
    })
    _declare(m, "one_sector_per_lead", {
        nt: _linear((1, m.lead[nt[0], s, nt[1]]) for s in sectors) <= 1 for nt, sectors in by_nation.items() if len(sectors) > 1
    })


def active_lines(data: PlanningData):
    """(unit_type, sector, period, requirement row) for every line in every period it applies in, period-major."""
    records = list(data.requirements.itertuples())
    for t in data.period_list:
        for line in records:
            if line.from_period <= t <= line.until_period:
                yield line.unit_type, line.sector, t, line


def define_line_limits(m, data: PlanningData) -> None:
    """H9 ``line_limit[u,s,t]``: Σ_n x[n,u,s,t] ≤ max[u,s] where a line maximum is given and could bind."""
    rows = {}
    for u, s, t, line in active_lines(data):
        if line.max_units is None or line.max_units != line.max_units:
            continue
        keys = m.idx.by_line.get((u, s, t), [])
        if len(keys) > 1 and sum(m.idx.upper_bound[k] for k in keys) > line.max_units:
            rows[(u, s, t)] = _linear((1, m.units[k]) for k in keys) <= int(line.max_units)
    _declare(m, "line_limit", rows)


# ------------------------------------------------- strengthenings (strong=True)


def define_lead_cover(m, data: PlanningData) -> None:
    """Valid inequality: a needs_lead sector's lines are covered only if it has a lead (H8).

        lead_cover[u,s,t]:  short[l,t] + min[l]·Σ_n lead[n,s,t] ≥ min[l]   for every line l = (u,s) with min[l] > 0, s ∈ S^lead

    Valid: without a lead the sector holds no units in t, so short[l,t] = min[l].
    """
    by_sector = defaultdict(list)
    for n, s, t in m.lead_pairs:
        by_sector[(s, t)].append(n)
    _declare(m, "lead_cover", {
        line: _linear([(1, m.line_short[line]), *((m.line_min[line], m.lead[n, line[1], line[2]]) for n in by_sector[line[1:]])]) >= m.line_min[line]
        for line in m.idx.by_line if line[1:] in by_sector and line in m.line_short
    })


def define_takes_part_link(m, data: PlanningData) -> None:
    """Valid inequality: a nation's units need it to take part, placement by placement (H5, nation count).

        takes_part_link[n,u,s,t]:  x[n,u,s,t] − ub[n,u,s,t]·y[n,t] ≤ 0   for every placement of a nation with y[n,t]

    The disaggregated form of P[n,t] ≤ R[n,t]·y[n,t]: valid (y = 1 whenever n
    has units in t), and in the relaxation y ≥ max x/ub rather than P/R,
    which is what stage 2's nation count (weight_nations) and the minimum
    contributions pay for.
    """
    _declare(m, "takes_part_link", {
        k: _linear([(1, m.units[k]), (-m.ub[k], m.takes_part[nt])]) <= 0 for nt in m.takes_part for k in m.idx.by_nation[nt]
    })


# ------------------------------------------------------------------ objectives


def define_shortfall(m, data: PlanningData) -> None:
    """Shortfall slacks and the stage-1 score, summed over the periods.

        line_shortfall[u,s,t]:  short[l,t] + Σ_n x[n,l,t] ≥ min[l],   0 ≤ short ≤ min[l]    lines applying in t, min[l] > 0
        target_shortfall[g,t]:  gap[g,t] + P[g,t] ≥ target[g,t],    0 ≤ gap ≤ target       targets g ∈ {force, land, sea, air} > 0
        score = Σ_t (Σ_l w[l]·p[u_l]·short[l,t] + Σ_g gap[g,t])

    At an optimum each slack equals its max(0, ·) of the contract (a line
    or target of 0 can never be short and gets no slack).  target[g,t] is
    the Phases sheet's for t where given, else the Scenario's.
    """
    m.line_min = {(u, s, t): int(line.min_units) for u, s, t, line in active_lines(data) if int(line.min_units) > 0}
    line_weight = {(u, s, t): int(line.weight) * int(line.personnel) for u, s, t, line in active_lines(data)}
    m.line_short = pyo.Var(list(m.line_min), domain=pyo.NonNegativeReals, bounds=lambda _, u, s, t: (0, m.line_min[(u, s, t)]))
    _declare(m, "line_shortfall", {
        line: _linear([(1, m.line_short[line]), *((1, m.units[k]) for k in m.idx.by_line.get(line, []))]) >= need
        for line, need in m.line_min.items()
    })
    tg = data.targets
    targets = {(g, int(t)): int(v) for t, g, v in zip(tg["period"], tg["scope"], tg["target"]) if int(v) > 0}
    m.target_short = pyo.Var(list(targets), domain=pyo.NonNegativeReals, bounds=lambda _, g, t: (0, targets[(g, t)]))
    _declare(m, "target_shortfall", {
        gt: _linear([(1, m.target_short[gt]), *_personnel_terms(m, m.idx.by_scope.get(gt, []))]) >= target for gt, target in targets.items()
    })
    m.score_terms = [(line_weight[l], m.line_short[l]) for l in m.line_min] + [(1, m.target_short[gt]) for gt in targets]
    m.shortfall_score = pyo.Expression(expr=_linear(m.score_terms))
    m.stage1 = pyo.Objective(expr=m.shortfall_score, sense=pyo.minimize)


def define_churn(m, data: PlanningData) -> None:
    """Handovers between periods (section 5), for stage 2: h[n,u,s,t] ≥ |x[n,u,s,t] − x[n,u,s,t−1]|, t ≥ 2.

        churn_in[n,u,s,t]:   h − x[n,u,s,t] + x[n,u,s,t−1] ≥ 0      (units arriving)
        churn_out[n,u,s,t]:  h + x[n,u,s,t] − x[n,u,s,t−1] ≥ 0      (units leaving)

    for every (n,u,s) with a placement in t or t − 1 (a missing placement is
    0 units; a row that is then trivially true is not written).  Stage 2
    pays weight_churn·Σ h, so at its optimum h is the absolute change.
    None with one period or weight_churn = 0.
    """
    keys = set(m.idx.triples)
    pairs = []
    if data.scenario.weight_churn > 0:
        seen = set()
        for t in m.idx.periods[1:]:
            for n, u, s, p in m.idx.triples:
                if p in (t - 1, t) and (n, u, s, t) not in seen:
                    seen.add((n, u, s, t))
                    pairs.append((n, u, s, t))
    m.churn_keys = pairs
    m.churn = pyo.Var(pairs, domain=pyo.NonNegativeReals)

    def change(key, sign):
        n, u, s, t = key
        now, before = (n, u, s, t), (n, u, s, t - 1)
        terms = [(1, m.churn[key])]
        if now in keys:
            terms.append((-sign, m.units[now]))
        if before in keys:
            terms.append((sign, m.units[before]))
        return terms

    _declare(m, "churn_in", {k: _linear(change(k, 1)) >= 0 for k in pairs if k in keys})
    _declare(m, "churn_out", {k: _linear(change(k, -1)) >= 0 for k in pairs if (*k[:3], k[3] - 1) in keys})


def define_stage2_objective(m, data: PlanningData) -> None:
    """Stage 2: Σ_t (weight_cost·Σ cost_t + weight_fairness·Σ_n |P[n,t] − fair[n,t]| + weight_nations·Σ_n y[n,t]) + weight_churn·Σ h.

    |P[n,t] − fair[n,t]| ≤ d[n,t] through ``fair_excess[n,t]``: d − P[n,t] ≥ −fair[n,t] and
    ``fair_deficit[n,t]``: d + P[n,t] ≥ fair[n,t], for nations with placements in t;
    for the others P[n,t] = 0 and the term is the constant fair[n,t].  The
    stage-1 optimum is imposed later, by the solve, as
    ``shortfall_score ≤ best + ½`` (scores are integral).
    """
    sc = data.scenario
    placed = list(m.idx.by_nation)
    m.fair_deviation = pyo.Var(placed if sc.weight_fairness > 0 else [], domain=pyo.NonNegativeReals)
    _declare(m, "fair_excess", {
        nt: _linear([(1, m.fair_deviation[nt]), *_personnel_terms(m, m.idx.by_nation[nt], -1)]) >= -m.fair[nt] for nt in m.fair_deviation
    })
    _declare(m, "fair_deficit", {
        nt: _linear([(1, m.fair_deviation[nt]), *_personnel_terms(m, m.idx.by_nation[nt])]) >= m.fair[nt] for nt in m.fair_deviation
    })
    terms = [(sc.weight_cost * m.idx.cost[k], m.units[k]) for k in m.idx.triples] if sc.weight_cost > 0 else []
    terms += [(sc.weight_fairness, m.fair_deviation[nt]) for nt in m.fair_deviation]
    if sc.weight_nations > 0:
        terms += [(sc.weight_nations, m.takes_part[nt]) for nt in m.takes_part]
    terms += [(sc.weight_churn, m.churn[k]) for k in m.churn_keys]
    m.stage2_expr = pyo.Expression(expr=_linear(terms) + sc.weight_fairness * m.unplaced_fair)
    m.stage2 = pyo.Objective(expr=m.stage2_expr, sense=pyo.minimize)
    m.stage2.deactivate()
    m.stage1_bound = pyo.ConstraintList()  # filled by the solve with the stage-1 optimum


#: The families of a plan, in the order they are written (and HiGHS numbers their rows):
#: the hard constraints H2, H4–H9, then the stage-1 shortfall.
PLAN_FAMILIES = (
    "define_pledge_limits",  # H2
    "define_personnel_caps",  # H4
    "define_minimum_contributions",  # H5
    "define_budgets",  # H6
    "define_interoperability",  # H7
    "define_leads",  # H8
    "define_line_limits",  # H9
    "define_shortfall",  # stage 1
)
#: Families only the analyses ask for (off, with no rows, in a plain plan).
ANALYSIS_FAMILIES = ("define_backfill_reserves", "define_fairness_cap")


def families(strong: bool = True, *, analysis: bool = True) -> list[str]:
    """Every family :func:`build_model` calls, in order: the plan's, the strengthenings
    (``strong``), stage 2, then the analysis options (``analysis``).  The floor
    (``devtools/floor.py``) builds the same list with its own counterpart of each."""
    names = list(PLAN_FAMILIES)
    if strong:
        names += [f"define_{name}" for name in STRENGTHENINGS]
    names += ["define_churn", "define_stage2_objective"]
    if analysis:
        names += ANALYSIS_FAMILIES
    return names


def build_model(data: PlanningData, strong: bool = True) -> pyo.ConcreteModel:
    """The whole model, family by family (``strong``: with the strengthenings, the default)."""
    m = pyo.ConcreteModel(name="forceplan")
    m.idx = index_placements(data)
    m.strong = strong
    values = model_values(data, m.idx)
    for name in _VALUES:
        setattr(m, name, getattr(values, name))
    add_unit_variables(m, data)
    for name in families(strong):
        globals()[name](m, data)  # looked up by name: a test may replace one family to prove its test fails
    return m


def define_backfill_reserves(m, data: PlanningData) -> None:
    """Resilient plan (analysis option ``data.reserve_priority``): backfill reserves on essential lines.

    For placements k = (n,u,s,t) on lines of priority ≤ ρ, reserves r[k] ∈ {0,…,ub[k]} are
    pledged units kept at home in period t, earmarked for line (u,s):

        reserve_pledge[n,u,t]:  Σ_{τ=t…t+d[n]} Σ_s (x + r)[n,u,s,τ] ≤ pledge[n,u]   (reserves come out of the pledge)
        reserve_cap[n,t]:       P[n,t] + Σ p[u]·r[n,u,s,t] ≤ cap[n]               (and fit under the cap)
        reserve_budget[n,t]:    Σ c[n,u]·(x + r)[n,u,s,t] ≤ budget[n]             (and the budget, were they sent)
        reserve_cover[n,u,s,t]: Σ_{n' ≠ n} r[n',u,s,t] ≥ x[n,u,s,t]   for every essential placement

    so whichever single nation withdraws from an essential line, the others'
    reserves there can replace its units.  Over time a reserve counts in the
    rotation windows (:func:`rotation_windows`) as a deployed unit does: it
    must be ready in its period, so it is not resting, and were it sent it
    would rest after — an activated reserve never breaks the rotation rule.
    A line that only one nation can serve is exempt (no reserve could exist).
    Reserves are not deployed: they count in no personnel, cost or shortfall
    figure.  Off (no variables, no rows) in a plain plan.
    """
    m.reserve_keys = []
    priority = getattr(data, "reserve_priority", None)
    if priority is not None:
        essential = {(r.unit_type, r.sector) for r in data.requirements.itertuples() if int(r.priority) <= priority}
        m.reserve_keys = [k for k in m.idx.triples if (k[1], k[2]) in essential]
    m.reserve = pyo.Var(m.reserve_keys, domain=pyo.NonNegativeIntegers, bounds=lambda _, n, u, s, t: (0, m.idx.upper_bound[(n, u, s, t)]))
    reserved = set(m.reserve_keys)
    pledged = {(r.nation, r.unit_type): int(r.max_units) for r in data.pledges.itertuples()}
    cap = data.nations["cap_personnel"]
    budget = data.nations["budget_musd"]

    def held(keys):
        return [k for k in keys if k in reserved]

    # over the rotation windows (one period each without dwell, so H2's pledge row with reserves added)
    _declare(m, "reserve_pledge", {
        window: _linear([*((1, m.units[k]) for k in keys), *((1, m.reserve[k]) for k in held(keys))]) <= pledged[window[:2]]
        for window, keys in rotation_windows(data, m.idx).items() if held(keys)
    })
    _declare(m, "reserve_cap", {
        nt: _linear([*((m.idx.personnel[k], m.units[k]) for k in keys), *((m.idx.personnel[k], m.reserve[k]) for k in held(keys))]) <= int(cap[nt[0]])
        for nt, keys in m.idx.by_nation.items() if held(keys)
    })
    _declare(m, "reserve_budget", {
        nt: _linear([*((m.idx.cost[k], m.units[k]) for k in keys), *((m.idx.cost[k], m.reserve[k]) for k in held(keys))]) <= float(budget[nt[0]])
        for nt, keys in m.idx.by_nation.items() if held(keys) and budget[nt[0]] is not None and budget[nt[0]] == budget[nt[0]]
    })
    # a line only one nation can serve cannot be covered: it is exempt (and reported so)
    _declare(m, "reserve_cover", {
        k: _linear([(1, m.reserve[j]) for j in keys if j[0] != k[0]] + [(-1, m.units[k])]) >= 0
        for keys in m.idx.by_line.values() if held(keys) for k in keys if any(j[0] != k[0] for j in keys)
    })


#: The rows only stage 2 may see (analysis options); the solve activates them for stage 2 alone.
STAGE2_ONLY = ("fairness_cap_excess", "fairness_cap_deficit", "fairness_cap")


def define_fairness_cap(m, data: PlanningData) -> None:
    """Trade-off sweep (analysis option ``data.fairness_cap`` = ε): in stage 2 only,

        fairness_cap_excess[n,t], fairness_cap_deficit[n,t]:  e[n,t] ≥ ±(P[n,t] − fair[n,t])
        fairness_cap[total]:                                Σ_{n,t} e[n,t] + Σ_{(n,t) without placements} fair[n,t] ≤ ε

    with its own deviation variables e (stage 2's may not exist when fairness is
    unweighted).  The rows are built inactive; the solve activates the
    :data:`STAGE2_ONLY` rows for stage 2, so the stage-1 optimum is never touched.
    """
    eps = getattr(data, "fairness_cap", None)
    placed = list(m.idx.by_nation) if eps is not None else []
    m.cap_deviation = pyo.Var(placed, domain=pyo.NonNegativeReals)
    fair = m.fair
    _declare(m, "fairness_cap_excess", {
        nt: _linear([(1, m.cap_deviation[nt]), *_personnel_terms(m, m.idx.by_nation[nt], -1)]) >= -float(fair[nt]) for nt in placed
    })
    _declare(m, "fairness_cap_deficit", {
        nt: _linear([(1, m.cap_deviation[nt]), *_personnel_terms(m, m.idx.by_nation[nt])]) >= float(fair[nt]) for nt in placed
    })
    unplaced = m.unplaced_fair
    _declare(m, "fairness_cap", {"total": _linear((1, m.cap_deviation[n]) for n in placed) + unplaced <= float(eps)} if eps is not None else {})
    for name in STAGE2_ONLY:
        getattr(m, name).deactivate()


#: The strengthenings the strong formulation adds, in order (each measured: docs/performance.md).
STRENGTHENINGS: tuple[str, ...] = ("lead_cover", "takes_part_link")
