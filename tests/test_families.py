"""One tiny, hand-solved instance per constraint family (H1–H10) and per objective term.

Each instance is built so that the family binds: remove the family's code
and the optimum changes, so the test fails.  The expected plan is worked out
by hand in each docstring.  Every plan is also run through the independent
checker.
"""

from __future__ import annotations

import pytest

from tests.conftest import units_of
from tests.plan_checker import check_plan

INF = "Infantry company"


def base(**scenario):
    """Stage 2 off unless a test turns a weight on: the stage-1 plan is then unique enough to check."""
    sc = {"name": "t", "force_target": 0, "weight_cost": 0, "weight_fairness": 0, "weight_nations": 0, "mip_gap": 0}
    sc.update(scenario)
    return sc


def nation(name, **kw):
    row = {"nation": name, "status": "committed", "active_personnel": 100_000, "gdp_busd": 100}
    row.update(kw)
    return row


UNIT = {"unit_type": INF, "domain": "land", "personnel": 100, "annual_cost_musd": 10}


def solved(plan_tables, scenario, tables, overrides=()):
    plan, path = plan_tables(scenario, tables, overrides)
    assert plan["status"] == "optimal"
    assert check_plan(path, plan) == []
    return plan


def test_h1_eligibility(plan_tables):
    """A declined, B needs a UN mandate (none), C committed; the line needs 3.

    Only C may place: 1 unit, short 2 → score 2·100·w(2)=400.  With a UN
    mandate B adds its 2 and the line is filled.
    """
    tables = {
        "Nations": [nation("A", status="declined"), nation("B", requires_un_mandate=True), nation("C")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": k} for n, k in (("A", 2), ("B", 2), ("C", 1))],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 3}],
    }
    plan = solved(plan_tables, base(), tables)
    assert units_of(plan) == {("C", INF, "S"): 1}
    assert plan["shortfall_score"] == 400
    assert [n["eligible"] for n in plan["nations"]] == [False, False, True]
    plan = solved(plan_tables, base(), tables, overrides=("un_mandate=yes",))
    assert units_of(plan) == {("B", INF, "S"): 2, ("C", INF, "S"): 1}
    assert plan["shortfall_score"] == 0


def test_h2_pledge_spread_over_lines(plan_tables):
    """A pledges 2 units; two lines need 2 each (priority 1 and 2).

    The pledge covers one line: the essential one.  Short 2 on S2 → 2·100·2 = 400.
    """
    tables = {
        "Nations": [nation("A")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S1", "risk": 1}, {"sector": "S2", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 2}],
        "Requirements": [
            {"unit_type": INF, "sector": "S1", "min_units": 2, "priority": 1},
            {"unit_type": INF, "sector": "S2", "min_units": 2, "priority": 2},
        ],
    }
    plan = solved(plan_tables, base(), tables)
    assert units_of(plan) == {("A", INF, "S1"): 2}
    assert plan["shortfall_score"] == 400


def test_h3_risk(plan_tables):
    """A goes only to risk ≤ 1: the risk-3 line (priority 1) stays empty.

    Short 1 unit at priority 1 → 1·100·3 = 300.
    """
    tables = {
        "Nations": [nation("A", max_sector_risk=1)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "Rear", "risk": 1}, {"sector": "Front", "risk": 3}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 2}],
        "Requirements": [
            {"unit_type": INF, "sector": "Rear", "min_units": 1, "priority": 3},
            {"unit_type": INF, "sector": "Front", "min_units": 1, "priority": 1},
        ],
    }
    plan = solved(plan_tables, base(), tables)
    assert units_of(plan) == {("A", INF, "Rear"): 1}
    assert plan["shortfall_score"] == 300


def test_h4_cap(plan_tables):
    """cap = min(500, ⌊0.08·10,000⌋ = 800) = 500 → at most 5 units of 100... with 200-person units, 2.

    Two lines need 3 units of 200 each; A pledges 5.  Per line the bound is
    ⌊500/200⌋ = 2, so only the nation-wide cap stops 4 units: A places 2.
    Short 4 units · 200 · 2 = 1,600.
    """
    unit = dict(UNIT, personnel=200)
    tables = {
        "Nations": [nation("A", active_personnel=10_000, max_personnel=500)],
        "UnitTypes": [unit],
        "Sectors": [{"sector": "S1", "risk": 1}, {"sector": "S2", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 5}],
        "Requirements": [{"unit_type": INF, "sector": s, "min_units": 3} for s in ("S1", "S2")],
    }
    plan = solved(plan_tables, base(), tables)
    assert sum(units_of(plan).values()) == 2
    assert plan["nations"][0]["cap_personnel"] == 500
    assert plan["shortfall_score"] == 1600


def test_h5_minimum_contribution(plan_tables):
    """A sends nothing or at least 300.  Line L1 needs 2 units (max 2); L2 needs none but takes up to 5.

    Cheapest plan filling L1: without H5, 2 units (200 personnel); with H5 A
    must reach 300, so 3 units: 2 on L1 and 1 on L2 (cost 30).
    """
    tables = {
        "Nations": [nation("A", min_personnel=300)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S1", "risk": 1}, {"sector": "S2", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 5}],
        "Requirements": [
            {"unit_type": INF, "sector": "S1", "min_units": 2, "max_units": 2},
            {"unit_type": INF, "sector": "S2", "min_units": 0, "max_units": 5},
        ],
    }
    plan = solved(plan_tables, base(weight_cost=1), tables)
    assert units_of(plan) == {("A", INF, "S1"): 2, ("A", INF, "S2"): 1}
    assert plan["shortfall_score"] == 0


def test_h5_minimum_out_of_reach(plan_tables):
    """A's minimum (500) exceeds everything it can send (3 units · 100): it sends nothing."""
    tables = {
        "Nations": [nation("A", min_personnel=500)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 3}],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 3}],
    }
    plan = solved(plan_tables, base(), tables)
    assert units_of(plan) == {}
    assert plan["shortfall_score"] == 3 * 100 * 2


def test_h6_budget(plan_tables):
    """Budget 250; a unit costs 10·1.2 = 12... scaled: cost 100·1.2 = 120 → 2 units within 250.

    Per line the bound is 2; the budget stops a second pair.  Two lines need 2
    each: 2 placed, short 2·100·2 = 400.
    """
    unit = dict(UNIT, annual_cost_musd=100)
    tables = {
        "Nations": [nation("A", budget_musd=250, cost_factor=1.2)],
        "UnitTypes": [unit],
        "Sectors": [{"sector": "S1", "risk": 1}, {"sector": "S2", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 4}],
        "Requirements": [{"unit_type": INF, "sector": s, "min_units": 2} for s in ("S1", "S2")],
    }
    plan = solved(plan_tables, base(), tables)
    assert sum(units_of(plan).values()) == 2
    assert plan["nations"][0]["cost_musd"] == pytest.approx(240)
    assert plan["shortfall_score"] == 400


def test_h7_interoperability(plan_tables):
    """One nation per sector.  A and B pledge 1 unit each; S1 needs 2 (priority 1), S2 needs 1 (priority 3).

    Without the limit both go to S1 (score 1·100·1 = 100).  With it S1 can
    hold one nation's unit: one to S1, one to S2, score 1·100·3 = 300.
    """
    tables = {
        "Nations": [nation("A"), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S1", "risk": 1}, {"sector": "S2", "risk": 1}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 1} for n in ("A", "B")],
        "Requirements": [
            {"unit_type": INF, "sector": "S1", "min_units": 2, "priority": 1},
            {"unit_type": INF, "sector": "S2", "min_units": 1, "priority": 3},
        ],
    }
    plan = solved(plan_tables, base(max_nations_per_sector=1), tables)
    placed = units_of(plan)
    assert sorted(s for (_, _, s) in placed) == ["S1", "S2"]
    assert plan["shortfall_score"] == 300
    plan = solved(plan_tables, base(), tables)
    assert plan["shortfall_score"] == 100


def test_h8_lead_share(plan_tables):
    """S needs a lead; only A can lead and pledges 1 unit; B pledges 3; lead_share 0.5.

    The lead must provide half the sector: A's 100 allows 200 in all, so B
    adds 1.  2 units placed of 4 needed: short 2·100·2 = 400; A leads S.
    """
    tables = {
        "Nations": [nation("A", can_lead=True), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1, "needs_lead": True}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 1}, {"nation": "B", "unit_type": INF, "max_units": 3}],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 4}],
    }
    plan = solved(plan_tables, base(lead_share=0.5), tables)
    assert units_of(plan) == {("A", INF, "S"): 1, ("B", INF, "S"): 1}
    assert [(l["sector"], l["nation"]) for l in plan["leads"]] == [("S", "A")]
    assert plan["shortfall_score"] == 400


def test_h8_one_sector_per_lead_and_no_lead_no_units(plan_tables):
    """Two needs_lead sectors, one possible lead (A, 2 units), B 2 units, lead_share 0.5, each line needs 2.

    A can lead one sector only, so the other holds nothing: S1 gets A 1 + B 1
    (or A 2), S2 stays empty → short 2·100·2 = 400.
    """
    tables = {
        "Nations": [nation("A", can_lead=True), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": s, "risk": 1, "needs_lead": True} for s in ("S1", "S2")],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 2} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": s, "min_units": 2} for s in ("S1", "S2")],
    }
    plan = solved(plan_tables, base(lead_share=0.5), tables)
    assert plan["shortfall_score"] == 400
    assert len(plan["leads"]) == 1 and plan["leads"][0]["nation"] == "A"
    held = {s for (_, _, s) in units_of(plan)}
    assert held == {plan["leads"][0]["sector"]}


def test_h8_the_lead_alone_provides_the_share(plan_tables):
    """S needs a lead; A and C can both lead and pledge 1 unit each; lead_share 0.6; S needs 2.

    One lead only (``one_lead``), and only the lead's personnel counts
    (``lead_personnel_link``): with both units in S the lead would provide
    100 of 200 < 0.6·200, so one unit goes: short 1·100·2 = 200.  Two leads,
    or a non-lead's personnel counted, would fill the line.
    """
    tables = {
        "Nations": [nation("A", can_lead=True), nation("C", can_lead=True)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1, "needs_lead": True}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 1} for n in ("A", "C")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 2}],
    }
    plan = solved(plan_tables, base(lead_share=0.6), tables)
    assert plan["shortfall_score"] == 200
    assert len(plan["leads"]) == 1 and units_of(plan) == {(plan["leads"][0]["nation"], INF, "S"): 1}


def test_h8_units_need_a_lead(plan_tables):
    """S1 and S2 need a lead, lead_share 0; only A can lead (1 unit), B pledges 2; each line needs 2
    and takes at most 2; force target 400.

    A leads one sector (``lead_needed``: no units where no one leads): A 1 + B 1
    there, B's second unit stays home.  The other line is short 2 (400) and
    the force 200: score 600.  Units in the leaderless sector would lower it.
    """
    tables = {
        "Nations": [nation("A", can_lead=True), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": s, "risk": 1, "needs_lead": True} for s in ("S1", "S2")],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 1}, {"nation": "B", "unit_type": INF, "max_units": 2}],
        "Requirements": [{"unit_type": INF, "sector": s, "min_units": 2, "max_units": 2} for s in ("S1", "S2")],
    }
    plan = solved(plan_tables, base(lead_share=0, force_target=400), tables)
    assert plan["shortfall_score"] == 600
    led = plan["leads"][0]["sector"]
    assert units_of(plan) == {("A", INF, led): 1, ("B", INF, led): 1}


def test_h8_the_lead_holds_units(plan_tables):
    """S needs a lead, lead_share 0, S needs 1; only A can lead (a unit costs it 50), B's costs 10.

    The lead must hold units in its sector (``lead_holds_units``), so A's unit
    goes although B's is cheaper: cost 50, not 10.
    """
    tables = {
        "Nations": [nation("A", can_lead=True, cost_factor=5), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1, "needs_lead": True}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 1} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 1, "max_units": 1}],
    }
    plan = solved(plan_tables, base(lead_share=0, weight_cost=1), tables)
    assert units_of(plan) == {("A", INF, "S"): 1}
    assert plan["leads"][0]["nation"] == "A"


def test_h8_the_lead_provides_its_share_itself(plan_tables):
    """S needs a lead, lead_share 0.5, S needs 4; only A can lead (3 units at 50 each), B 3 units at 10.

    The lead's share counts only what it places in the sector
    (``lead_personnel_held``): A 2 + B 2, cost 120 — not A 1 + B 3 (cost 80).
    """
    tables = {
        "Nations": [nation("A", can_lead=True, cost_factor=5), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1, "needs_lead": True}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 3} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 4, "max_units": 4}],
    }
    plan = solved(plan_tables, base(lead_share=0.5, weight_cost=1), tables)
    assert units_of(plan) == {("A", INF, "S"): 2, ("B", INF, "S"): 2}
    assert plan["shortfall_score"] == 0


def test_h9_line_limit(plan_tables):
    """The line takes at most 1 unit; the force target (300) would want 3.

    A and B pledge 2 each.  Only 1 unit may stand on the line: force short 200.
    """
    tables = {
        "Nations": [nation("A"), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 2} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 1, "max_units": 1}],
    }
    plan = solved(plan_tables, base(force_target=300), tables)
    assert sum(units_of(plan).values()) == 1
    assert plan["shortfall_score"] == 200


def test_h10_caveats(plan_tables):
    """A may not go to S1 (blank unit type: any unit); B may place nothing at all (both blank).

    A's 2 units go to S2; S1 (priority 1) stays short 2 → 2·100·3 = 600.
    """
    tables = {
        "Nations": [nation("A"), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S1", "risk": 1}, {"sector": "S2", "risk": 1}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 2} for n in ("A", "B")],
        "Requirements": [
            {"unit_type": INF, "sector": "S1", "min_units": 2, "priority": 1},
            {"unit_type": INF, "sector": "S2", "min_units": 2, "priority": 3},
        ],
        "Caveats": [
            {"nation": "A", "sector": "S1", "unit_type": None, "note": "not there"},
            {"nation": "B", "sector": None, "unit_type": None, "note": "nothing at all"},
        ],
    }
    plan = solved(plan_tables, base(), tables)
    assert units_of(plan) == {("A", INF, "S2"): 2}
    assert plan["shortfall_score"] == 600


def test_domain_targets_count_in_the_score(plan_tables):
    """No line needs anything, but the sea target (370) wants a frigate (185) ×2: the plan sends them."""
    frigate = {"unit_type": "Frigate", "domain": "sea", "personnel": 185, "annual_cost_musd": 30}
    tables = {
        "Nations": [nation("A")],
        "UnitTypes": [UNIT, frigate],
        "Sectors": [{"sector": "Sea", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": "Frigate", "max_units": 3}],
        "Requirements": [{"unit_type": "Frigate", "sector": "Sea", "min_units": 0, "max_units": 2}],
    }
    plan = solved(plan_tables, base(sea_target=400, weight_cost=1), tables)
    assert units_of(plan) == {("A", "Frigate", "Sea"): 2}
    assert plan["shortfall_score"] == 400 - 370
    assert plan["totals"]["sea"] == 370


def test_stage2_fair_shares(plan_tables):
    """force_target 400; A has 3/4 of the GDP, B 1/4 → fair 300 and 100.

    The line needs 4 units; both pledge 4.  Stage 1 fills it (any split);
    stage 2 minimises |P−fair|: A 3 units, B 1.
    """
    tables = {
        "Nations": [nation("A", gdp_busd=300), nation("B", gdp_busd=100)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 4} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 4, "max_units": 4}],
    }
    plan = solved(plan_tables, base(force_target=400, weight_fairness=1), tables)
    assert units_of(plan) == {("A", INF, "S"): 3, ("B", INF, "S"): 1}
    assert [n["fair_personnel"] for n in plan["nations"]] == [300, 100]


def test_stage2_fair_shares_over_and_under(plan_tables):
    """force_target 400, equal GDP → fair 200 each; B can send 1 unit only; the line needs 4.

    A 3 + B 1 deviates 100 + 100 = 200; A 4 + B 0 deviates 400: A 3, B 1, and
    the plan's sharing term is 200 — an excess (A) and a deficit (B) at once, so
    a model without either row (``fair_excess``, ``fair_deficit``) would report
    100 and its certificate would catch it.
    """
    tables = {
        "Nations": [nation("A"), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 4}, {"nation": "B", "unit_type": INF, "max_units": 1}],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 4, "max_units": 4}],
    }
    plan = solved(plan_tables, base(force_target=400, weight_fairness=1), tables)
    assert units_of(plan) == {("A", INF, "S"): 3, ("B", INF, "S"): 1}
    assert plan["solver"]["certificate"]["stage2"]["objective"] == pytest.approx(200)


def test_stage2_fewer_nations_and_cheaper(plan_tables):
    """weight_nations: 2 units needed, A and B can each give 2 → one nation does it all.
    weight_cost: B is cheaper (cost_factor 0.5) → B."""
    tables = {
        "Nations": [nation("A"), nation("B", cost_factor=0.5)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 2} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 2, "max_units": 2}],
    }
    plan = solved(plan_tables, base(weight_nations=1), tables)
    assert len(units_of(plan)) == 1
    plan = solved(plan_tables, base(weight_cost=1), tables)
    assert units_of(plan) == {("B", INF, "S"): 2}
    assert plan["totals"]["cost_musd"] == pytest.approx(10)


# ---------------------------------------------------------------------------
# the data layer's two presolve reductions (docs/model.md, "The placements")
# ---------------------------------------------------------------------------


def _planning_data(tmp_path, scenario, tables):
    from devtools.generators import write_workbook_from_tables
    from optimizer.data import load_planning_data

    path = tmp_path / "reduction.xlsx"
    write_workbook_from_tables(path, scenario, tables)
    return load_planning_data(path)


def test_reduction_unreachable_minimum_drops_the_nation(tmp_path):
    """A's minimum (500) exceeds all it can send (3 × 100): its placements are gone before the model; B's stay."""
    tables = {
        "Nations": [nation("A", min_personnel=500), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 3} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 3}],
    }
    data = _planning_data(tmp_path, base(), tables)
    assert sorted(data.triples["nation"]) == ["B"]


def test_reduction_leaderless_sector_holds_nothing(tmp_path):
    """North needs a lead but no nation there can lead: its placements are gone; South (no lead needed) keeps A's."""
    tables = {
        "Nations": [nation("A")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "North", "risk": 1, "needs_lead": "yes"}, {"sector": "South", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 3}],
        "Requirements": [{"unit_type": INF, "sector": s, "min_units": 1} for s in ("North", "South")],
    }
    data = _planning_data(tmp_path, base(), tables)
    assert sorted(data.triples["sector"]) == ["South"]
