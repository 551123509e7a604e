"""The resilient plan (backfill reserves) and the cost–fairness ε-constraint sweep (issue 5)."""

from __future__ import annotations

from dataclasses import replace

from optimizer.analysis.frontier import cost_fairness_tradeoff
from optimizer.analysis.resilience import resilient_comparison, uncovered_after_withdrawal
from optimizer.data import build_planning_data
from optimizer.pipeline import plan_data
from optimizer.reader import read_tables
from devtools.generators import write_workbook_from_tables

from tests.test_analysis import INF, UNIT, nation, pool  # noqa: F401  (pool is a fixture)


def _raw(tmp_path, scenario, tables):
    path = tmp_path / "wb.xlsx"
    write_workbook_from_tables(path, {"name": "t", "force_target": 0, **scenario}, tables)
    return read_tables(path)


TABLES = {
    "Nations": [nation("A"), nation("B"), nation("C", max_personnel=100)],
    "UnitTypes": [UNIT],
    "Sectors": [{"sector": "S", "risk": 1}],
    "Pledges": [{"nation": n, "unit_type": INF, "max_units": k} for n, k in (("A", 2), ("B", 2), ("C", 1))],
    "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 3, "priority": 1}],
}


def test_reserves_cover_any_single_withdrawal_by_hand(tmp_path):
    """Pledges 2+2+1 = 5 units; the line needs 3.  Nominal: 3 deployed, nothing held back on purpose.

    Resilient: whoever withdraws, the others' reserves must replace its units.
    Deploying a, b, c units from A, B, C with reserves ra, rb, rc needs
    a+ra ≤ 2, b+rb ≤ 2, c+rc ≤ 1 and rb+rc ≥ a, ra+rc ≥ b, ra+rb ≥ c.
    a=2, b=1, c=0 with ra=0, rb=1, rc=1 satisfies all of them and fills the line,
    so here robustness costs nothing: the score stays 0.
    """
    raw = _raw(tmp_path, {"weight_cost": 0, "weight_fairness": 0}, TABLES)
    data = replace(build_planning_data(raw), reserve_priority=1)
    plan = plan_data(data)
    units = {(r.nation, r.unit_type, r.sector): r.units for r in plan.allocations.itertuples()}
    reserves = {(r.nation, r.unit_type, r.sector): r.units for r in plan.reserves.itertuples()}
    assert plan.shortfall_score == 0
    # Recompute the reserve rules from the tables alone.
    pledge = {"A": 2, "B": 2, "C": 1}
    for n in pledge:
        assert units.get((n, INF, "S"), 0) + reserves.get((n, INF, "S"), 0) <= pledge[n]
    for n in pledge:
        others = sum(v for (m, _, _), v in reserves.items() if m != n)
        assert others >= units.get((n, INF, "S"), 0), n
    assert uncovered_after_withdrawal(data, units) == {n: 0 for n in sorted({k[0] for k in units})}


def test_reserves_fit_under_the_cap(tmp_path):
    _reserves_within(tmp_path, {"max_personnel": 200})


def test_reserves_fit_under_the_budget(tmp_path):
    _reserves_within(tmp_path, {"budget_musd": 20})


def _reserves_within(tmp_path, limit):
    """A pledges 3 but its cap (200 personnel) or budget (20 = two units) holds two units, deployed
    or in reserve; B pledges 3; the line needs 4 (priority 1, weight 3).

    Reserves must replace whichever nation withdraws: B's units need A's reserves
    (r_A ≥ b) and A's need B's (r_B ≥ a).  With a + r_A ≤ 2 that leaves a + b ≤ 2:
    2 units deploy, short 2·100·3 = 600.  Were the reserves outside the cap or
    budget, a + r_A ≤ 3 would let 3 deploy (score 300).
    """
    tables = dict(TABLES, Nations=[nation("A", **limit), nation("B")],
                  Pledges=[{"nation": n, "unit_type": INF, "max_units": 3} for n in ("A", "B")],
                  Requirements=[{"unit_type": INF, "sector": "S", "min_units": 4, "priority": 1}])
    raw = _raw(tmp_path, {"weight_cost": 0, "weight_fairness": 0}, tables)
    plan = plan_data(replace(build_planning_data(raw), reserve_priority=1))
    assert plan.shortfall_score == 600
    held = {r.nation: r.units for r in plan.reserves.itertuples()}
    sent = {r.nation: r.units for r in plan.allocations.itertuples()}
    assert sent.get("A", 0) + held.get("A", 0) <= 2  # 200 personnel, or 20 M$ at 10 a unit
    assert held.get("A", 0) >= sent.get("B", 0) and held.get("B", 0) >= sent.get("A", 0)


def test_resilience_costs_when_reserves_cannot_exist(tmp_path, pool):
    """Two nations, 2 units each, a line needing 4: every unit deployed must be matched by a unit
    the other nation holds back, so at most 2 of the 4 units deploy (1+1 with 1+1 in reserve, or
    2+0 with 0+2): 2 units short at priority 1, score 2·100·3 = 600 more than the nominal plan."""
    tables = dict(TABLES, Nations=[nation("A"), nation("B")],
                  Pledges=[{"nation": n, "unit_type": INF, "max_units": 2} for n in ("A", "B")],
                  Requirements=[{"unit_type": INF, "sector": "S", "min_units": 4, "priority": 1}])
    result = resilient_comparison(_raw(tmp_path, {}, tables), pool)
    assert result["nominal"]["shortfall_score"] == 0
    assert result["resilient"]["shortfall_score"] == 600
    assert result["costs"]["shortfall_score"] == 600
    assert result["nominal"]["uncovered_essential_units_total"] == 4  # A's 2 and B's 2, nothing spare
    assert result["resilient"]["uncovered_essential_units_total"] == 0
    reserve = {r["nation"]: r["units"] for r in result["reserves"]}
    assert sum(reserve.values()) == 2


#: A is cheap (cost factor 0.5) but holds 1/4 of the GDP; B is dear with 3/4: cost and fairness pull apart.
TRADEOFF_TABLES = {
    "Nations": [nation("A", gdp_busd=100, cost_factor=0.5), nation("B", gdp_busd=300)],
    "UnitTypes": [UNIT],
    "Sectors": [{"sector": "S", "risk": 1}],
    "Pledges": [{"nation": n, "unit_type": INF, "max_units": 8} for n in ("A", "B")],
    "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 8, "max_units": 8}],
}


def test_fairness_cap_bounds_the_deviation_in_stage_2(tmp_path):
    """The trade-off's tables, cost alone weighted, deviation capped at ε = 400 (fair: A 200, B 600; 8 units).

    A + B = 8 units and |P_A − 200| + |P_B − 600| = 2·(P_A − 200) ≤ 400 for P_A ≥ 200,
    so A sends at most 4: the cheapest plan within the cap is A 4, B 4 (cost 4·5 + 4·10 = 60);
    without it, A 8 (cost 40).
    """
    tables = TRADEOFF_TABLES
    raw = _raw(tmp_path, {"force_target": 800, "mip_gap": 0, "weight_cost": 1, "weight_fairness": 0, "weight_nations": 0}, tables)
    plan = plan_data(replace(build_planning_data(raw), fairness_cap=400))
    assert plan.shortfall_score == 0
    assert {r.nation: r.units for r in plan.allocations.itertuples()} == {"A": 4, "B": 4}


def test_tradeoff_sweep_keeps_the_score_and_respects_each_epsilon(tmp_path, pool):
    """A is cheap (cost factor 0.5) but holds 1/4 of the GDP; B is dear with 3/4: cost and fairness pull apart."""
    tables = TRADEOFF_TABLES
    points = cost_fairness_tradeoff(_raw(tmp_path, {"force_target": 800, "mip_gap": 0}, tables), pool, points=3)
    assert len(points) == 5
    assert {p["shortfall_score"] for p in points} == {0}
    # fairest: A 200, B 600 (deviation 0, cost 2·5 + 6·10 = 70); cheapest: A 800 (deviation 1200, cost 40)
    assert points[0]["fairness_deviation"] == 0 and points[0]["cost_musd"] == 70
    assert points[-1]["fairness_deviation"] == 1200 and points[-1]["cost_musd"] == 40
    for p in points[1:-1]:
        assert p["fairness_deviation"] <= p["epsilon"] + 1e-6
    costs = [p["cost_musd"] for p in points]
    assert costs == sorted(costs, reverse=True)  # more deviation allowed, never more cost
