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

    ``upper_bound`` is each placement's bound: rows are written only where
    these bounds say they can bind.
    """

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
    lead_candidates: list[tuple[str, str]]


def index_placements(data: PlanningData) -> ModelIndex:
    t = data.triples
    keys = list(zip(t["nation"].tolist(), t["unit_type"].tolist(), t["sector"].tolist()))
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
        lead_candidates=list(zip(data.lead_candidates["nation"], data.lead_candidates["sector"])),
    )
    for key, domain in zip(keys, t["domain"].tolist()):
        n, u, s = key
        idx.by_nation[n].append(key)
        idx.by_pledge[(n, u)].append(key)
        idx.by_line[(u, s)].append(key)
        idx.by_sector[s].append(key)
        idx.by_nation_sector[(n, s)].append(key)
        idx.by_scope["force"].append(key)
        idx.by_scope[domain].append(key)
    return idx


@dataclass
class ModelValues:
    """The numbers the rows are written with, over the index of the model.

    ub[k]                 bound of placement k
    pledge[n,u]           units pledged
    reach[n]              R[n] = min(cap[n], Σ_k ub·p): the most n can send
    sector_reach[n,s]     M[n,s] = min(cap[n], Σ_u ub·p): the most n can place in s
    fair[n]               GDP fair share (0 when not eligible)
    unplaced_fair         Σ fair[n] over nations without placements
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
    fair = data.nations["fair_personnel"]

    def reach_of(keys, n):
        return min(int(cap[n]), sum(ub[k] * idx.personnel[k] for k in keys))

    return ModelValues(
        ub=ub,
        pledge={pair: pledged.get(pair, 0) for pair in idx.by_pledge},
        reach={n: reach_of(keys, n) for n, keys in idx.by_nation.items()},
        sector_reach={ns: reach_of(keys, ns[0]) for ns, keys in idx.by_nation_sector.items()},
        fair={n: float(fair[n]) for n in idx.by_nation},
        unplaced_fair=float(sum(fair[n] for n in data.nations.index if n not in idx.by_nation)),
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
    """x[n,u,s] ∈ {0, …, ub[n,u,s]} for (n,u,s) ∈ T.

    ub = min(pledge[n,u], max[u,s], ⌊cap[n]/p[u]⌋, ⌊budget[n]/c[n,u]⌋): the
    tightest bound each single constraint family implies on its own.
    """
    m.placements = pyo.Set(initialize=m.idx.triples, dimen=3, ordered=True)
    m.units = pyo.Var(m.placements, domain=pyo.NonNegativeIntegers, bounds=lambda _, n, u, s: (0, m.ub[(n, u, s)]))


# ------------------------------------------------------------- hard constraints


def define_pledge_limits(m, data: PlanningData) -> None:
    """H2 ``pledge_limit[n,u]``: Σ_s x[n,u,s] ≤ pledge[n,u] for every pledge spread over two or more lines.

    A pledge with a single placement is already enforced by that variable's
    bound; so is one whose placements' bounds cannot add up to more than it
    """
    _declare(m, "pledge_limit", {
        pair: _linear((1, m.units[k]) for k in keys) <= m.pledge[pair]
        for pair, keys in m.idx.by_pledge.items()
        if len(keys) > 1 and sum(m.idx.upper_bound[k] for k in keys) > m.pledge[pair]
    })


def define_personnel_caps(m, data: PlanningData) -> None:
    """H4 ``personnel_cap[n]``: P[n] ≤ cap[n] = min(max_personnel[n], ⌊sustainable_share·active_personnel[n]⌋).

    Written only where the placements' bounds could exceed the cap.
    """
    cap = data.nations["cap_personnel"]
    _declare(m, "personnel_cap", {
        n: _linear(_personnel_terms(m, keys)) <= int(cap[n])
        for n, keys in m.idx.by_nation.items()
        if sum(m.idx.upper_bound[k] * m.idx.personnel[k] for k in keys) > cap[n]
    })


def define_minimum_contributions(m, data: PlanningData) -> None:
    """H5: P[n] = 0 or P[n] ≥ min_personnel[n], with y[n] ∈ {0,1} "n takes part".

        minimum_contribution[n]:  P[n] − min_personnel[n]·y[n] ≥ 0
        takes_part_reach[n]:      P[n] − R[n]·y[n] ≤ 0,    R[n] = min(cap[n], Σ ub·p)

    y[n] is created for every nation with placements when the nation count
    is weighted in stage 2 (weight_nations > 0), else only where
    min_personnel[n] > 0.  R[n] is the most n can send, so the upper link
    cuts off nothing.
    """
    minimum = data.nations["min_personnel"]
    count_nations = data.scenario.weight_nations > 0
    needed = [n for n in m.idx.by_nation if count_nations or minimum[n] > 0]
    m.takes_part = pyo.Var(needed, domain=pyo.Binary)
    _declare(m, "minimum_contribution", {
        n: _linear([*_personnel_terms(m, m.idx.by_nation[n]), (-int(minimum[n]), m.takes_part[n])]) >= 0
        for n in needed if minimum[n] > 0
    })
    _declare(m, "takes_part_reach", {
        n: _linear([*_personnel_terms(m, m.idx.by_nation[n]), (-m.reach[n], m.takes_part[n])]) <= 0 for n in needed
    })


def define_budgets(m, data: PlanningData) -> None:
    """H6 ``budget[n]``: Σ_{u,s} c[n,u]·x[n,u,s] ≤ budget[n] where a budget is given and could bind."""
    budget = data.nations["budget_musd"]
    rows = {}
    for n, keys in m.idx.by_nation.items():
        b = budget[n]
        if b is None or b != b:  # blank (None or NaN): no budget
            continue
        if sum(m.idx.upper_bound[k] * m.idx.cost[k] for k in keys) > b:
            rows[n] = _linear((m.idx.cost[k], m.units[k]) for k in keys) <= float(b)
    _declare(m, "budget", rows)


def define_interoperability(m, data: PlanningData) -> None:
    """H7: at most K = max_nations_per_sector distinct nations hold units in a sector.

        presence_link[n,u,s]:  x[n,u,s] − ub[n,u,s]·z[n,s] ≤ 0     for (n,u,s) ∈ T
        interoperability[s]:   Σ_n z[n,s] ≤ K

    z[n,s] ∈ {0,1} "n holds units in s", created only for sectors where more
    than K nations have placements (elsewhere the limit cannot bind).  The
    per-placement link is the disaggregated (tighter) form.
    """
    limit = data.scenario.max_nations_per_sector
    m.present_pairs = []
    if limit is not None:
        for s, keys in m.idx.by_sector.items():
            nations = list(dict.fromkeys(k[0] for k in keys))
            if len(nations) > limit:
                m.present_pairs.extend((n, s) for n in nations)
    m.present = pyo.Var(m.present_pairs, domain=pyo.Binary)
    by_sector = defaultdict(list)
    for n, s in m.present_pairs:
        by_sector[s].append(n)
    _declare(m, "presence_link", {
        k: _linear([(1, m.units[k]), (-m.ub[k], m.present[n, s])]) <= 0
        for n, s in m.present_pairs for k in m.idx.by_nation_sector[(n, s)]
    })
    _declare(m, "interoperability", {s: _linear((1, m.present[n, s]) for n in nations) <= limit for s, nations in by_sector.items()})


def define_leads(m, data: PlanningData) -> None:
    """H8: each needs_lead sector holding units has exactly one lead nation.

    With lead[n,s] ∈ {0,1} for the candidates C (eligible, can_lead, with
    placements in s) and v[n,s] ≥ 0 the personnel n provides as lead:

        one_lead[s]:               Σ_n lead[n,s] ≤ 1                                  (at most one)
        lead_needed[n',u,s]:       x[n',u,s] − ub[n',u,s]·Σ_n lead[n,s] ≤ 0           (units need a lead)
        lead_holds_units[n,s]:     lead[n,s] − Σ_u x[n,u,s] ≤ 0                       (the lead holds units)
        lead_personnel_held[n,s]:  v[n,s] − P[n,s] ≤ 0                                (v = P[n,s] of the lead,
        lead_personnel_link[n,s]:  v[n,s] − M[n,s]·lead[n,s] ≤ 0                       else 0)
        lead_share[s]:             Σ_n v[n,s] − lead_share·P[s] ≥ 0                   (the lead's share)
        one_sector_per_lead[n]:    Σ_s lead[n,s] ≤ 1                                  (a nation leads one sector)

    M[n,s] is the most n can place in s (bounds and cap), so the link cuts
    nothing off.  Placements in a needs_lead sector without candidates were
    removed in the data layer.  Sectors without needs_lead get no lead.
    """
    m.lead_pairs = list(m.idx.lead_candidates)
    m.lead = pyo.Var(m.lead_pairs, domain=pyo.Binary)
    m.lead_personnel = pyo.Var(m.lead_pairs, domain=pyo.NonNegativeReals, bounds=lambda _, n, s: (0, m.sector_reach[(n, s)]))
    by_sector, by_nation = defaultdict(list), defaultdict(list)
    for n, s in m.lead_pairs:
        by_sector[s].append(n)
        by_nation[n].append(s)
    share = data.scenario.lead_share

    def leads_in(s):
        return [m.lead[n, s] for n in by_sector[s]]

    _declare(m, "one_lead", {s: _linear((1, lead) for lead in leads_in(s)) <= 1 for s in by_sector})
    _declare(m, "lead_needed", {
        k: _linear([(1, m.units[k]), *((-m.ub[k], lead) for lead in leads_in(s))]) <= 0
        for s in by_sector for k in m.idx.by_sector[s]
    })
    _declare(m, "lead_holds_units", {
        (n, s): _linear([(1, m.lead[n, s]), *((-1, m.units[k]) for k in m.idx.by_nation_sector[(n, s)])]) <= 0
        for n, s in m.lead_pairs
    })
    _declare(m, "lead_personnel_held", {
        (n, s): _linear([(1, m.lead_personnel[n, s]), *_personnel_terms(m, m.idx.by_nation_sector[(n, s)], -1)]) <= 0
        for n, s in m.lead_pairs
    })
    _declare(m, "lead_personnel_link", {
        (n, s): _linear([(1, m.lead_personnel[n, s]), (-m.sector_reach[(n, s)], m.lead[n, s])]) <= 0
        for n, s in m.lead_pairs
    })
    _declare(m, "lead_share", {
        s: _linear([*((1, m.lead_personnel[n, s]) for n in nations),
                    *((-share * m.idx.personnel[k], m.units[k]) for k in m.idx.by_sector[s])]) >= 0
        for s, nations in by_sector.items() if share > 0
    })
    _declare(m, "one_sector_per_lead", {
        n: _linear((1, m.lead[n, s]) for s in sectors) <= 1 for n, sectors in by_nation.items() if len(sectors) > 1
    })


def define_line_limits(m, data: PlanningData) -> None:
    """H9 ``line_limit[u,s]``: Σ_n x[n,u,s] ≤ max[u,s] where a line maximum is given and could bind."""
    rows = {}
    for line in data.requirements.itertuples():
        if line.max_units is None or line.max_units != line.max_units:
            continue
        keys = m.idx.by_line.get((line.unit_type, line.sector), [])
        if len(keys) > 1 and sum(m.idx.upper_bound[k] for k in keys) > line.max_units:
            rows[(line.unit_type, line.sector)] = _linear((1, m.units[k]) for k in keys) <= int(line.max_units)
    _declare(m, "line_limit", rows)


# ------------------------------------------------- strengthenings (strong=True)


def define_lead_cover(m, data: PlanningData) -> None:
    """Valid inequality: a needs_lead sector's lines are covered only if it has a lead (H8).

        lead_cover[u,s]:  short[l] + min[l]·Σ_n lead[n,s] ≥ min[l]   for every line l = (u,s) with min[l] > 0, s ∈ S^lead

    Valid: without a lead the sector holds no units, so short[l] = min[l].
    """
    by_sector = defaultdict(list)
    for n, s in m.lead_pairs:
        by_sector[s].append(n)
    _declare(m, "lead_cover", {
        line: _linear([(1, m.line_short[line]), *((m.line_min[line], m.lead[n, line[1]]) for n in by_sector[line[1]])]) >= m.line_min[line]
        for line in m.idx.by_line if line[1] in by_sector and line in m.line_short
    })


def define_takes_part_link(m, data: PlanningData) -> None:
    """Valid inequality: a nation's units need it to take part, placement by placement (H5, nation count).

        takes_part_link[n,u,s]:  x[n,u,s] − ub[n,u,s]·y[n] ≤ 0   for every placement of a nation with y[n]

    The disaggregated form of P[n] ≤ R[n]·y[n]: valid (y[n] = 1 whenever n
    has units), and in the relaxation y[n] ≥ max x/ub rather than P[n]/R[n],
    which is what stage 2's nation count (weight_nations) and the minimum
    contributions pay for.
    """
    _declare(m, "takes_part_link", {
        k: _linear([(1, m.units[k]), (-m.ub[k], m.takes_part[n])]) <= 0 for n in m.takes_part for k in m.idx.by_nation[n]
    })


# ------------------------------------------------------------------ objectives


def define_shortfall(m, data: PlanningData) -> None:
    """Shortfall slacks and the stage-1 score.

        line_shortfall[u,s]:  short[l] + Σ_n x[n,l] ≥ min[l],   0 ≤ short[l] ≤ min[l]    lines with min[l] > 0
        target_shortfall[g]:  gap[g] + P[g] ≥ target[g],        0 ≤ gap[g] ≤ target[g]   targets g ∈ {force, land, sea, air} > 0
        score = Σ_l w[l]·p[u_l]·short[l] + Σ_g gap[g]

    At an optimum each slack equals its max(0, ·) of the contract (a line
    or target of 0 can never be short and gets no slack).
    """
    req = data.requirements
    lines = list(zip(req["unit_type"], req["sector"]))
    m.line_min = {l: int(v) for l, v in zip(lines, req["min_units"]) if int(v) > 0}
    line_weight = dict(zip(lines, (int(w) * int(p) for w, p in zip(req["weight"], req["personnel"]))))
    m.line_short = pyo.Var(list(m.line_min), domain=pyo.NonNegativeReals, bounds=lambda _, u, s: (0, m.line_min[(u, s)]))
    _declare(m, "line_shortfall", {
        line: _linear([(1, m.line_short[line]), *((1, m.units[k]) for k in m.idx.by_line.get(line, []))]) >= need
        for line, need in m.line_min.items()
    })
    sc = data.scenario
    targets = {g: sc.target(g) for g in SCOPES if sc.target(g) > 0}
    m.target_short = pyo.Var(list(targets), domain=pyo.NonNegativeReals, bounds=lambda _, g: (0, targets[g]))
    _declare(m, "target_shortfall", {
        g: _linear([(1, m.target_short[g]), *_personnel_terms(m, m.idx.by_scope.get(g, []))]) >= target for g, target in targets.items()
    })
    m.score_terms = [(line_weight[l], m.line_short[l]) for l in m.line_min] + [(1, m.target_short[g]) for g in targets]
    m.shortfall_score = pyo.Expression(expr=_linear(m.score_terms))
    m.stage1 = pyo.Objective(expr=m.shortfall_score, sense=pyo.minimize)


def define_stage2_objective(m, data: PlanningData) -> None:
    """Stage 2: weight_cost·Σ cost + weight_fairness·Σ_n |P[n] − fair[n]| + weight_nations·Σ_n y[n].

    |P[n] − fair[n]| ≤ d[n] through ``fair_excess[n]``: d[n] − P[n] ≥ −fair[n] and ``fair_deficit[n]``: d[n] + P[n] ≥ fair[n],
    for eligible nations with placements; for the others P[n] = 0 and the
    term is the constant fair[n].  The stage-1 optimum is imposed later, by
    the solve, as ``shortfall_score ≤ best + ½`` (scores are integral).
    """
    sc = data.scenario
    placed = list(m.idx.by_nation)
    m.fair_deviation = pyo.Var(placed if sc.weight_fairness > 0 else [], domain=pyo.NonNegativeReals)
    _declare(m, "fair_excess", {
        n: _linear([(1, m.fair_deviation[n]), *_personnel_terms(m, m.idx.by_nation[n], -1)]) >= -m.fair[n] for n in m.fair_deviation
    })
    _declare(m, "fair_deficit", {
        n: _linear([(1, m.fair_deviation[n]), *_personnel_terms(m, m.idx.by_nation[n])]) >= m.fair[n] for n in m.fair_deviation
    })
    terms = [(sc.weight_cost * m.idx.cost[k], m.units[k]) for k in m.idx.triples] if sc.weight_cost > 0 else []
    terms += [(sc.weight_fairness, m.fair_deviation[n]) for n in m.fair_deviation]
    if sc.weight_nations > 0:
        terms += [(sc.weight_nations, m.takes_part[n]) for n in m.takes_part]
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
    names.append("define_stage2_objective")
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

    For placements k = (n,u,s) on lines of priority ≤ ρ, reserves r[k] ∈ {0,…,ub[k]} are
    pledged units kept at home, earmarked for line (u,s):

        reserve_pledge[n,u]:    Σ_s x[n,u,s] + Σ_s r[n,u,s] ≤ pledge[n,u]          (reserves come out of the pledge)
        reserve_cap[n]:         P[n] + Σ p[u]·r[n,u,s] ≤ cap[n]                    (and fit under the cap)
        reserve_budget[n]:      Σ c[n,u]·(x + r)[n,u,s] ≤ budget[n]                (and the budget, were they sent)
        reserve_cover[n,u,s]:   Σ_{n' ≠ n} r[n',u,s] ≥ x[n,u,s]   for every essential placement (n,u,s)

    so whichever single nation withdraws from an essential line, the others'
    reserves there can replace its units.  A line that only one nation can
    serve is exempt (no reserve could exist).  Reserves are not deployed: they
    count in no personnel, cost or shortfall figure.  Off (no variables, no
    rows) in a plain plan.
    """
    m.reserve_keys = []
    priority = getattr(data, "reserve_priority", None)
    if priority is not None:
        essential = {(r.unit_type, r.sector) for r in data.requirements.itertuples() if int(r.priority) <= priority}
        m.reserve_keys = [k for k in m.idx.triples if (k[1], k[2]) in essential]
    m.reserve = pyo.Var(m.reserve_keys, domain=pyo.NonNegativeIntegers, bounds=lambda _, n, u, s: (0, m.idx.upper_bound[(n, u, s)]))
    reserved = set(m.reserve_keys)
    pledged = {(r.nation, r.unit_type): int(r.max_units) for r in data.pledges.itertuples()}
    cap = data.nations["cap_personnel"]
    budget = data.nations["budget_musd"]

    def held(keys):
        return [k for k in keys if k in reserved]

    _declare(m, "reserve_pledge", {
        pair: _linear([*((1, m.units[k]) for k in keys), *((1, m.reserve[k]) for k in held(keys))]) <= pledged[pair]
        for pair, keys in m.idx.by_pledge.items() if held(keys)
    })
    _declare(m, "reserve_cap", {
        n: _linear([*((m.idx.personnel[k], m.units[k]) for k in keys), *((m.idx.personnel[k], m.reserve[k]) for k in held(keys))]) <= int(cap[n])
        for n, keys in m.idx.by_nation.items() if held(keys)
    })
    _declare(m, "reserve_budget", {
        n: _linear([*((m.idx.cost[k], m.units[k]) for k in keys), *((m.idx.cost[k], m.reserve[k]) for k in held(keys))]) <= float(budget[n])
        for n, keys in m.idx.by_nation.items() if held(keys) and budget[n] is not None and budget[n] == budget[n]
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

        fairness_cap_excess[n], fairness_cap_deficit[n]:  e[n] ≥ ±(P[n] − fair[n])
        fairness_cap[total]:                            Σ_n e[n] + Σ_{n without placements} fair[n] ≤ ε

    with its own deviation variables e (stage 2's may not exist when fairness is
    unweighted).  The rows are built inactive; the solve activates the
    :data:`STAGE2_ONLY` rows for stage 2, so the stage-1 optimum is never touched.
    """
    eps = getattr(data, "fairness_cap", None)
    placed = list(m.idx.by_nation) if eps is not None else []
    m.cap_deviation = pyo.Var(placed, domain=pyo.NonNegativeReals)
    fair = data.nations["fair_personnel"]
    _declare(m, "fairness_cap_excess", {
        n: _linear([(1, m.cap_deviation[n]), *_personnel_terms(m, m.idx.by_nation[n], -1)]) >= -float(fair[n]) for n in placed
    })
    _declare(m, "fairness_cap_deficit", {
        n: _linear([(1, m.cap_deviation[n]), *_personnel_terms(m, m.idx.by_nation[n])]) >= float(fair[n]) for n in placed
    })
    unplaced = float(sum(fair[n] for n in data.nations.index if n not in m.idx.by_nation))
    _declare(m, "fairness_cap", {"total": _linear((1, m.cap_deviation[n]) for n in placed) + unplaced <= float(eps)} if eps is not None else {})
    for name in STAGE2_ONLY:
        getattr(m, name).deactivate()


#: The strengthenings the strong formulation adds, in order (each measured: docs/performance.md).
STRENGTHENINGS: tuple[str, ...] = ("lead_cover", "takes_part_link")
