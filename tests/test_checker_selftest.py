"""Self-tests of the test tools: the independent plan checker, brute force and the generators.

The checker (``plan_checker``) and the brute-force optimiser (``brute_force``)
judge the model later, so they are checked here against hand-written
workbooks, hand-written plans and hand-computed optima.
"""

from __future__ import annotations

import copy

import openpyxl
import pytest

from tests.brute_force import brute_force_optimum
from devtools.generators import (
    FEATURES,
    SHEET_COLUMNS,
    count_assignments,
    generate_tiny_workbook,
    generate_workbook,
    write_workbook_from_tables,
)
from tests.plan_checker import (
    STATUSES,
    WorkbookError,
    build_plan,
    check_plan,
    read_instance,
    shortfall_score,
    stage2_objective,
    violation_codes,
)

# ---------------------------------------------------------------------------
# The checker's hand-written workbook
# ---------------------------------------------------------------------------
#
# Nations (sustainable_share 0.08):
#   Alpha    committed, active 10,000, max_personnel 600 -> cap 600, min 200, budget 100, can lead, gdp 100
#   Bravo    committed, active 10,000 -> cap 800, min 300, cost_factor 2, gdp 50
#   Charlie  declined (ineligible), active 20,000, gdp 300
#   Delta    considering, requires a UN mandate (scenario: none -> ineligible), active 5,000, gdp 80
#   Echo     committed, active 50,000 -> cap 4,000, max_sector_risk 2, can lead, gdp 250
# Unit types: Inf land 200 pers 40 MUSD; Eng land 100 pers 5 MUSD; Frig sea 150 pers 30 MUSD.
# Sectors: North risk 3 needs lead; South risk 1; Sea risk 1; West risk 1 needs lead.
# Caveat: Echo may place nothing in Sea.
# Scenario: force 1200, land 800, sea 150; at most 2 nations per sector; lead_share 0.5.

SCENARIO = {
    "name": "checker",
    "force_target": 1200,
    "land_target": 800,
    "sea_target": 150,
    "air_target": None,
    "un_mandate": "no",
    "max_nations_per_sector": 2,
    "lead_share": 0.5,
}
TABLES = {
    "Nations": [
        {"nation": "Alpha", "status": "committed", "active_personnel": 10_000, "gdp_busd": 100,
         "max_personnel": 600, "min_personnel": 200, "can_lead": True, "budget_musd": 100},
        {"nation": "Bravo", "status": "committed", "active_personnel": 10_000, "gdp_busd": 50,
         "min_personnel": 300, "cost_factor": 2},
        {"nation": "Charlie", "status": "declined", "active_personnel": 20_000, "gdp_busd": 300},
        {"nation": "Delta", "status": "considering", "active_personnel": 5_000, "gdp_busd": 80,
         "requires_un_mandate": True},
        {"nation": "Echo", "status": "committed", "active_personnel": 50_000, "gdp_busd": 250,
         "max_sector_risk": 2, "can_lead": True},
    ],
    "UnitTypes": [
        {"unit_type": "Inf", "domain": "land", "personnel": 200, "annual_cost_musd": 40},
        {"unit_type": "Eng", "domain": "land", "personnel": 100, "annual_cost_musd": 5},
        {"unit_type": "Frig", "domain": "sea", "personnel": 150, "annual_cost_musd": 30},
    ],
    "Sectors": [
        {"sector": "North", "risk": 3, "needs_lead": True},
        {"sector": "South", "risk": 1, "needs_lead": False},
        {"sector": "Sea", "risk": 1},
        {"sector": "West", "risk": 1, "needs_lead": True},
    ],
    "Pledges": [
        {"nation": "Alpha", "unit_type": "Inf", "max_units": 3},
        {"nation": "Alpha", "unit_type": "Eng", "max_units": 2},
        {"nation": "Bravo", "unit_type": "Inf", "max_units": 2},
        {"nation": "Bravo", "unit_type": "Eng", "max_units": 2},
        {"nation": "Bravo", "unit_type": "Frig", "max_units": 1},
        {"nation": "Charlie", "unit_type": "Inf", "max_units": 2},
        {"nation": "Delta", "unit_type": "Inf", "max_units": 2},
        {"nation": "Echo", "unit_type": "Inf", "max_units": 4},
        {"nation": "Echo", "unit_type": "Eng", "max_units": 2},
        {"nation": "Echo", "unit_type": "Frig", "max_units": 1},
    ],
    "Requirements": [
        {"unit_type": "Inf", "sector": "North", "min_units": 2, "max_units": 3, "priority": 1},
        {"unit_type": "Eng", "sector": "North", "min_units": 1, "priority": 2},
        {"unit_type": "Inf", "sector": "South", "min_units": 1, "max_units": 2, "priority": 3},
        {"unit_type": "Eng", "sector": "South", "min_units": 0},
        {"unit_type": "Frig", "sector": "Sea", "min_units": 1, "priority": 2},
        {"unit_type": "Eng", "sector": "West", "min_units": 0},
    ],
    "Caveats": [{"nation": "Echo", "sector": "Sea", "unit_type": None, "note": "no naval role"}],
}

# The valid reference plan P0: Alpha 2 Inf North (leads it), Bravo 1 Eng North, 1 Inf South, 1 Frig Sea.
P0_UNITS = {
    ("Alpha", "Inf", "North"): 2,
    ("Bravo", "Eng", "North"): 1,
    ("Bravo", "Inf", "South"): 1,
    ("Bravo", "Frig", "Sea"): 1,
}
P0_LEADS = {"North": "Alpha"}


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("checker") / "checker.xlsx"
    write_workbook_from_tables(path, SCENARIO, TABLES)
    return path


def p0_by_hand() -> dict:
    """P0 written out completely by hand (every number worked out below)."""
    return {
        "scenario": {
            "name": "checker", "force_target": 1200, "land_target": 800, "sea_target": 150, "air_target": 0,
            "ceasefire_in_place": False, "un_mandate": False, "us_backstop": False,
            "sustainable_share": 0.08, "max_nations_per_sector": 2, "lead_share": 0.5,
            "weight_cost": 1.0, "weight_fairness": 1.0, "weight_nations": 0.0,
            "time_limit_s": 60.0, "mip_gap": 0.0001,
            "periods": 1, "period_months": 6, "start_month": None, "ceasefire_from": None, "un_mandate_from": None,
            "us_backstop_from": None, "weight_churn": 1.0,
        },
        "status": "optimal",
        # lines all filled; force 1200 - 850 = 350; land 800 - 700 = 100; sea 150 - 150 = 0
        "shortfall_score": 450,
        "allocations": [
            # Alpha cost_factor 1: 2 x 40 = 80; Bravo cost_factor 2: 1 x 5 x 2, 1 x 40 x 2, 1 x 30 x 2
            {"nation": "Alpha", "unit_type": "Inf", "sector": "North", "units": 2, "personnel": 400, "cost_musd": 80},
            {"nation": "Bravo", "unit_type": "Eng", "sector": "North", "units": 1, "personnel": 100, "cost_musd": 10},
            {"nation": "Bravo", "unit_type": "Inf", "sector": "South", "units": 1, "personnel": 200, "cost_musd": 80},
            {"nation": "Bravo", "unit_type": "Frig", "sector": "Sea", "units": 1, "personnel": 150, "cost_musd": 60},
        ],
        "requirements": [
            {"unit_type": "Inf", "sector": "North", "min_units": 2, "filled_units": 2, "short_units": 0},
            {"unit_type": "Eng", "sector": "North", "min_units": 1, "filled_units": 1, "short_units": 0},
            {"unit_type": "Inf", "sector": "South", "min_units": 1, "filled_units": 1, "short_units": 0},
            {"unit_type": "Eng", "sector": "South", "min_units": 0, "filled_units": 0, "short_units": 0},
            {"unit_type": "Frig", "sector": "Sea", "min_units": 1, "filled_units": 1, "short_units": 0},
            {"unit_type": "Eng", "sector": "West", "min_units": 0, "filled_units": 0, "short_units": 0},
        ],
        # eligible: Alpha, Bravo, Echo; gdp 100 + 50 + 250 = 400; fair = 1200 * gdp / 400
        "nations": [
            {"nation": "Alpha", "eligible": True, "personnel": 400, "cost_musd": 80, "cap_personnel": 600, "fair_personnel": 300},
            {"nation": "Bravo", "eligible": True, "personnel": 450, "cost_musd": 150, "cap_personnel": 800, "fair_personnel": 150},
            {"nation": "Charlie", "eligible": False, "personnel": 0, "cost_musd": 0, "cap_personnel": 1600, "fair_personnel": 0},
            {"nation": "Delta", "eligible": False, "personnel": 0, "cost_musd": 0, "cap_personnel": 0, "fair_personnel": 0},
            {"nation": "Echo", "eligible": True, "personnel": 0, "cost_musd": 0, "cap_personnel": 4000, "fair_personnel": 750},
        ],
        "leads": [{"sector": "North", "nation": "Alpha"}],
        "totals": {"personnel": 850, "land": 700, "sea": 150, "air": 0, "cost_musd": 230},
        "solver": {
            "name": "highs", "version": "1", "seconds": 0.1, "gap": 0.0,
            # stage 2: cost 230 + |400 − 300| + |450 − 150| + |0 − 750| = 230 + 1150 = 1380; bounds as a solver would prove them
            "certificate": {
                "status": "optimal",
                "stage1": {"verdict": "proven", "objective": 450, "bound": 449.5},
                "stage2": {"verdict": "proven", "objective": 1380, "bound": 1379.9, "mip_gap": 0.0001},
            },
        },
    }


# ---------------------------------------------------------------------------
# The checker accepts valid plans
# ---------------------------------------------------------------------------


def test_reference_plan_by_hand_is_valid(workbook):
    assert check_plan(workbook, p0_by_hand()) == []


def test_build_plan_matches_the_hand_written_plan(workbook):
    built = build_plan(workbook, P0_UNITS, P0_LEADS)
    hand = p0_by_hand()
    assert built["shortfall_score"] == hand["shortfall_score"]
    assert built["scenario"] == hand["scenario"]
    assert built["leads"] == hand["leads"]
    assert built["totals"] == hand["totals"]
    assert built["requirements"] == hand["requirements"]
    def key(row):
        return row["nation"], row["unit_type"], row["sector"]

    assert sorted(built["allocations"], key=key) == sorted(hand["allocations"], key=key)
    assert {r["nation"]: r["fair_personnel"] for r in built["nations"]} == pytest.approx(
        {r["nation"]: r["fair_personnel"] for r in hand["nations"]}
    )
    assert check_plan(workbook, built) == []


def test_empty_plan_is_valid(workbook):
    plan = build_plan(workbook, {}, {})
    assert check_plan(workbook, plan) == []
    # lines: Inf/North 3*200*2 + Eng/North 2*100*1 + Inf/South 1*200*1 + Frig/Sea 2*150*1
    #      = 1200 + 200 + 200 + 300 = 1900;  targets: force 1200 + land 800 + sea 150 = 2150
    assert plan["shortfall_score"] == 4050


def test_lead_share_at_the_boundary_is_valid(workbook):
    # Alpha 1 Inf (200) and Bravo 2 Eng (200) in North: Alpha has exactly 0.5 of 400.
    units = {("Alpha", "Inf", "North"): 1, ("Bravo", "Eng", "North"): 2, ("Bravo", "Frig", "Sea"): 1}
    assert check_plan(workbook, build_plan(workbook, units, {"North": "Alpha"})) == []


def test_scenario_override_in_plan_is_used(workbook):
    # With un_mandate = yes (as --set would give) Delta is eligible and may deploy.
    units = {**P0_UNITS, ("Delta", "Inf", "South"): 1}
    plan = build_plan(workbook, units, P0_LEADS, scenario_overrides={"un_mandate": "yes"})
    assert plan["scenario"]["un_mandate"] is True
    assert check_plan(workbook, plan) == []
    # ... and not without it.
    plan = build_plan(workbook, units, P0_LEADS)
    assert violation_codes(check_plan(workbook, plan)) == ["H1"]


# ---------------------------------------------------------------------------
# The checker catches each hard constraint, alone
# ---------------------------------------------------------------------------


def _with(changes: dict, drop: tuple = ()) -> dict:
    units = {k: v for k, v in P0_UNITS.items() if k not in drop}
    units.update(changes)
    return units


BROKEN_PLANS = {
    # H1: Charlie declined.  South: Bravo + Charlie = 2 nations, Inf/South 2 <= max 2.
    "H1 declined": (_with({("Charlie", "Inf", "South"): 1}), P0_LEADS, "H1"),
    # H1: Delta needs a UN mandate, the scenario has none.
    "H1 condition": (_with({("Delta", "Inf", "South"): 1}), P0_LEADS, "H1"),
    # H2: Bravo pledged 1 Frig; 450 + 150 = 600 personnel <= cap 800.
    "H2": (_with({("Bravo", "Frig", "Sea"): 2}), P0_LEADS, "H2"),
    # H3: Echo (max risk 2) replaces Bravo's Eng in North (risk 3); Alpha leads 400 of 500.
    "H3": (_with({("Echo", "Eng", "North"): 1}, drop=(("Bravo", "Eng", "North"),)), P0_LEADS, "H3"),
    # H4: see test_h4_cap_is_caught (Alpha's budget binds before its cap in this workbook).
    # H5: Bravo only 1 Eng North = 100 < minimum 300.
    "H5": ({("Alpha", "Inf", "North"): 2, ("Bravo", "Eng", "North"): 1}, P0_LEADS, "H5"),
    # H6: Alpha 3 Inf North = 600 personnel (cap ok), cost 120 > budget 100; Inf/North 3 <= max 3.
    "H6": (_with({("Alpha", "Inf", "North"): 3}), P0_LEADS, "H6"),
    # H7: South holds Bravo, Alpha (Eng) and Echo (Eng) = 3 > 2.  Alpha 500 <= 600, cost 85 <= 100.
    "H7": (_with({("Alpha", "Eng", "South"): 1, ("Echo", "Eng", "South"): 1}), P0_LEADS, "H7"),
    # H8: North holds units but names no lead.
    "H8 no lead": (P0_UNITS, {}, "H8"),
    # H8: Bravo cannot lead (and has only 100 of 500).
    "H8 cannot lead": (P0_UNITS, {"North": "Bravo"}, "H8"),
    # H8: Echo can lead but holds nothing in North.
    "H8 not holding": (P0_UNITS, {"North": "Echo"}, "H8"),
    # H8: Alpha 1 Inf (200) of North's 200 + Bravo 1 Inf 200 + Bravo 1 Eng 100 = 500: 0.4 < 0.5.
    "H8 share": (
        {("Alpha", "Inf", "North"): 1, ("Bravo", "Inf", "North"): 1, ("Bravo", "Eng", "North"): 1},
        P0_LEADS, "H8",
    ),
    # H8: South does not need a lead.
    "H8 lead where not needed": (P0_UNITS, {**P0_LEADS, "South": "Bravo"}, "H8"),
    # H8: West needs a lead but is empty, so names none.
    "H8 lead of empty sector": (P0_UNITS, {**P0_LEADS, "West": "Echo"}, "H8"),
    # H8: Alpha leads North and West (holds 1 Eng in West; 500 personnel, cost 85).
    "H8 two sectors": (_with({("Alpha", "Eng", "West"): 1}), {"North": "Alpha", "West": "Alpha"}, "H8"),
    # H9: Inf/South max 2: Bravo 2 + Echo 1 = 3.  Bravo 650 <= 800; South: 2 nations.
    "H9": (_with({("Bravo", "Inf", "South"): 2, ("Echo", "Inf", "South"): 1}), P0_LEADS, "H9"),
    # H10: Echo's caveat forbids Sea.  Sea: Bravo + Echo = 2 nations.
    "H10": (_with({("Echo", "Frig", "Sea"): 1}), P0_LEADS, "H10"),
    # Units only on requirement lines: there is no Eng/Sea line.  Alpha 500, cost 85.
    "LINE": (_with({("Alpha", "Eng", "Sea"): 1}), P0_LEADS, "LINE"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_PLANS))
def test_each_hard_constraint_is_caught_alone(workbook, case):
    units, leads, code = BROKEN_PLANS[case]
    violations = check_plan(workbook, build_plan(workbook, units, leads))
    assert violations, case
    assert set(violation_codes(violations)) == {code}, violations


def test_cap_at_the_boundary_is_valid(workbook):
    # Alpha 2 Inf North + 2 Eng South = 600 personnel = cap 600; cost 2*40 + 2*5 = 90 <= budget 100.
    units = _with({("Alpha", "Eng", "South"): 2})
    assert check_plan(workbook, build_plan(workbook, units, P0_LEADS)) == []


def test_h4_cap_is_caught(tmp_path):
    tables = copy.deepcopy(TABLES)
    tables["Nations"][0]["max_personnel"] = 500  # Alpha's cap becomes min(500, 800) = 500
    path = tmp_path / "cap.xlsx"
    write_workbook_from_tables(path, SCENARIO, tables)
    units = _with({("Alpha", "Eng", "South"): 2})  # Alpha 600 > 500
    violations = check_plan(path, build_plan(path, units, P0_LEADS))
    assert violation_codes(violations) == ["H4"], violations
    assert "600" in violations[0] and "500" in violations[0]


def test_h4_sustainable_share_cap(tmp_path):
    # Without max_personnel the cap is floor(0.08 * 6,250) = 500; with --set sustainable_share=0.1 it is 625.
    tables = copy.deepcopy(TABLES)
    tables["Nations"][0].update(max_personnel=None, active_personnel=6_250)
    path = tmp_path / "share.xlsx"
    write_workbook_from_tables(path, SCENARIO, tables)
    units = _with({("Alpha", "Eng", "South"): 2})  # Alpha 600
    assert violation_codes(check_plan(path, build_plan(path, units, P0_LEADS))) == ["H4"]
    plan = build_plan(path, units, P0_LEADS, scenario_overrides={"sustainable_share": 0.1})
    assert check_plan(path, plan) == []


def test_h7_limit_from_plan_scenario(workbook):
    units, leads, _ = BROKEN_PLANS["H7"]
    plan = build_plan(workbook, units, leads, scenario_overrides={"max_nations_per_sector": 3})
    assert check_plan(workbook, plan) == []
    plan = build_plan(workbook, units, leads, scenario_overrides={"max_nations_per_sector": ""})  # blank: no limit
    assert plan["scenario"]["max_nations_per_sector"] is None
    assert check_plan(workbook, plan) == []


# ---------------------------------------------------------------------------
# The checker catches inconsistent tables, totals and score
# ---------------------------------------------------------------------------


def _mutate(path: tuple, value):
    def apply(plan):
        target = plan
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return apply


def _delete(path: tuple):
    def apply(plan):
        target = plan
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return apply


TABLE_ERRORS = {
    "score": (_mutate(("shortfall_score",), 449), "SCORE"),
    "alloc personnel": (_mutate(("allocations", 0, "personnel"), 401), "ALLOC"),
    "alloc cost": (_mutate(("allocations", 3, "cost_musd"), 30), "ALLOC"),  # cost factor 2 forgotten
    "req filled": (_mutate(("requirements", 0, "filled_units"), 3), "REQ"),
    "req short": (_mutate(("requirements", 1, "short_units"), 1), "REQ"),
    "req min": (_mutate(("requirements", 2, "min_units"), 2), "REQ"),
    "req missing": (_delete(("requirements", 5)), "REQ"),
    "nation eligible": (_mutate(("nations", 3, "eligible"), True), "NAT"),
    "nation personnel": (_mutate(("nations", 1, "personnel"), 400), "NAT"),
    "nation cost": (_mutate(("nations", 1, "cost_musd"), 75), "NAT"),
    "nation cap": (_mutate(("nations", 0, "cap_personnel"), 800), "NAT"),
    "nation fair": (_mutate(("nations", 4, "fair_personnel"), 600), "NAT"),
    "nation missing": (_delete(("nations", 4)), "NAT"),
    "totals land": (_mutate(("totals", "land"), 850), "TOTALS"),
    "totals cost": (_mutate(("totals", "cost_musd"), 200), "TOTALS"),
    "status": (_mutate(("status", ), "feasible"), "PLAN"),
    "missing solver": (_delete(("solver",)), "PLAN"),
    "cert missing": (_delete(("solver", "certificate")), "CERT"),
    "cert status": (_mutate(("solver", "certificate", "status"), "time_limit"), "CERT"),
    "cert stage-1 objective": (_mutate(("solver", "certificate", "stage1", "objective"), 449), "CERT"),
    "cert stage-2 objective": (_mutate(("solver", "certificate", "stage2", "objective"), 1379), "CERT"),
    "cert stage-1 bound above the plan": (_mutate(("solver", "certificate", "stage1", "bound"), 451), "CERT"),
    "cert stage-1 not exact": (_mutate(("solver", "certificate", "stage1", "bound"), 449), "CERT"),  # 450 − 449 = 1: not proven
    "cert stage-2 outside mip_gap": (_mutate(("solver", "certificate", "stage2", "bound"), 1379.8), "CERT"),  # 0.2 > 1e-4 × 1380
    "cert stage-2 unproven verdict": (_mutate(("solver", "certificate", "stage2", "verdict"), "not proven"), "CERT"),
    "scenario parameter missing": (_delete(("scenario", "mip_gap")), "SCENARIO"),
}


@pytest.mark.parametrize("case", sorted(TABLE_ERRORS))
def test_each_table_error_is_caught(workbook, case):
    mutate, code = TABLE_ERRORS[case]
    plan = p0_by_hand()
    mutate(plan)
    violations = check_plan(workbook, plan)
    assert violations and set(violation_codes(violations)) == {code}, violations


def test_fractional_units_are_caught(workbook):
    plan = p0_by_hand()
    plan["allocations"][0]["units"] = 1.5
    violations = check_plan(workbook, plan)
    # The row is reported and then ignored, so the tables that count it disagree as well.
    assert violation_codes(violations)[0] == "PLAN" and "1.5" in violations[0]
    plan["allocations"][0]["units"] = 2.0  # a whole float is fine
    assert check_plan(workbook, plan) == []


def test_reported_floats_may_be_rounded(workbook):
    # plan.json may round cost_musd and fair_personnel to 3 decimals, not further.
    plan = build_plan(workbook, P0_UNITS, P0_LEADS, scenario_overrides={"force_target": 1000})
    fair = {r["nation"]: r["fair_personnel"] for r in plan["nations"]}
    assert fair["Alpha"] == pytest.approx(250)  # 1000 * 100 / 400
    plan["nations"][0]["fair_personnel"] = 250.0004
    assert check_plan(workbook, plan) == []
    plan["nations"][0]["fair_personnel"] = 250.01
    assert violation_codes(check_plan(workbook, plan)) == ["NAT"]


def test_duplicate_allocation_is_caught(workbook):
    plan = p0_by_hand()
    plan["allocations"].append(dict(plan["allocations"][0]))
    assert violation_codes(check_plan(workbook, plan)) == ["PLAN"]


def test_ineligible_nation_cap_may_be_zero(workbook):
    plan = p0_by_hand()
    plan["nations"][2]["cap_personnel"] = 0  # Charlie is ineligible: 0 or 1600 are both accepted
    assert check_plan(workbook, plan) == []


def test_objective_helpers(workbook):
    scenario = p0_by_hand()["scenario"]
    assert shortfall_score(workbook, scenario, P0_UNITS) == 450
    # cost 230 + |400-300| + |450-150| + |0-750| = 230 + 1150
    assert stage2_objective(workbook, scenario, P0_UNITS) == pytest.approx(1380)
    assert stage2_objective(workbook, {**scenario, "weight_nations": 10}, P0_UNITS) == pytest.approx(1400)
    # With a UN mandate Delta is eligible: fair = 1200 * gdp / 480
    with_delta = {**scenario, "un_mandate": True}
    fair = {"Alpha": 250, "Bravo": 125, "Delta": 200, "Echo": 625}
    expected = 230 + abs(400 - fair["Alpha"]) + abs(450 - fair["Bravo"]) + fair["Delta"] + fair["Echo"]
    assert stage2_objective(workbook, with_delta, P0_UNITS) == pytest.approx(expected)


# ---------------------------------------------------------------------------
# The checker's workbook parsing
# ---------------------------------------------------------------------------


def test_parsing_is_lenient_on_headers_and_yes_no(tmp_path):
    path = tmp_path / "lenient.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Scenario"
    ws.append([" Parameter ", "VALUE"])
    ws.append(["force_target", 100])
    ws.append([" UN_Mandate ", "Y"])
    ws.append(["max_nations_per_sector", None])
    for name, rows in {
        "Nations": [[" Nation", "STATUS ", "Active_Personnel", "gdp_busd", "can_lead", "requires_un_mandate", "extra"],
                    ["A", "Committed", 1000, 5, "TRUE", 1, "ignored"],
                    [None, None, None, None, None, None, None],
                    ["B", "declined", 2000.0, 7.5, "n", "false", None]],
        "UnitTypes": [["unit_type", "domain", "personnel", "annual_cost_musd"], ["U", "Land", 50, 1]],
        "Sectors": [["sector", "risk", "needs_lead"], ["S", 2, "yes"]],
        "Pledges": [["nation", "unit_type", "max_units"], ["A", "U", 2]],
        "Requirements": [["unit_type", "sector", "min_units", "max_units", "priority"], ["U", "S", 1, None, None]],
    }.items():
        sheet = wb.create_sheet(name)
        for row in rows:
            sheet.append(row)
    wb.save(path)
    inst = read_instance(path)
    assert inst.scenario["un_mandate"] is True and inst.scenario["max_nations_per_sector"] is None
    assert inst.nations["A"].can_lead and inst.nations["A"].requires == {"un_mandate"}
    assert inst.nations["B"].status == "declined" and not inst.nations["B"].can_lead
    assert inst.lines[("U", "S")].priority == 2 and inst.lines[("U", "S")].max_units is None
    assert inst.caveats == [] and inst.eligible("A") and not inst.eligible("B")


@pytest.mark.parametrize(
    "sheet, row, column, value",
    [
        ("Nations", 0, "status", "maybe"),
        ("Nations", 0, "active_personnel", 0),
        ("Pledges", 0, "nation", "Nowhere"),
        ("Requirements", 0, "max_units", 1),  # below min_units 2
        ("Sectors", 0, "risk", 4),
    ],
)
def test_parsing_rejects_invalid_workbooks(tmp_path, sheet, row, column, value):
    tables = copy.deepcopy(TABLES)
    tables[sheet][row][column] = value
    path = tmp_path / "bad.xlsx"
    write_workbook_from_tables(path, SCENARIO, tables)
    with pytest.raises(WorkbookError):
        read_instance(path)


# ---------------------------------------------------------------------------
# Brute force on hand-computed instances
# ---------------------------------------------------------------------------


def test_brute_force_lead_share(tmp_path):
    # A (can lead) pledges 1 Inf, B (cannot lead) 2 Inf; one needs-lead sector with an Inf line of
    # min 3 (priority 1, weight 3); Inf = 300 personnel, 10 MUSD; force_target 900; lead_share 0.5.
    # Any units need A as lead with >= half the personnel: feasible (A, B) = (0,0), (1,0), (1,1);
    # (1,2) gives A 1/3 and (0,b) has no lead.
    #   (0,0): 3*300*3 + 900 = 3600;  (1,0): 3*300*2 + 600 = 2400;  (1,1): 3*300*1 + 300 = 1200.
    # Stage 2 at (1,1): cost 20 + fairness |300-450| + |300-450| (equal GDP: fair 450 each) = 320.
    path = tmp_path / "bf1.xlsx"
    write_workbook_from_tables(
        path,
        {"force_target": 900, "lead_share": 0.5},
        {
            "Nations": [
                {"nation": "A", "status": "committed", "active_personnel": 10_000, "gdp_busd": 100, "can_lead": True},
                {"nation": "B", "status": "committed", "active_personnel": 10_000, "gdp_busd": 100},
            ],
            "UnitTypes": [{"unit_type": "Inf", "domain": "land", "personnel": 300, "annual_cost_musd": 10}],
            "Sectors": [{"sector": "S1", "risk": 1, "needs_lead": True}],
            "Pledges": [{"nation": "A", "unit_type": "Inf", "max_units": 1},
                        {"nation": "B", "unit_type": "Inf", "max_units": 2}],
            "Requirements": [{"unit_type": "Inf", "sector": "S1", "min_units": 3, "priority": 1}],
        },
    )
    assert brute_force_optimum(path) == pytest.approx((1200, 320))
    # Without a lead requirement (lead_share 0) B may add its second unit: (1,2) fills the line:
    # score 0, cost 30 + |300-450| + |600-450| = 330.
    assert brute_force_optimum(path, {"lead_share": 0}) == pytest.approx((0, 330))


def test_brute_force_limits(tmp_path):
    # Nations: A cap 400 (active 5,000), gdp 300; B needs a ceasefire (none), active 10,000, gdp 100;
    #          C cap 800, min 250, budget 25, max risk 1, gdp 100.
    # Inf 200 pers 10 MUSD; Eng 100 pers 8 MUSD.  S1 risk 2, S2 risk 1.  One nation per sector.
    # Lines: Inf/S1 min 2 prio 1; Eng/S2 min 2 max 2 prio 2; Inf/S2 min 0 max 1 prio 3.
    # Caveat: A no Eng in S2.  force_target 700.
    # Allowed: A Inf S1/S2; C Inf S2, Eng S2 (risk 1).  C's options: 1 Inf + 1 Eng (300 pers, 18 MUSD)
    # or nothing (1 Inf alone 200 < 250, 2 Eng 200 < 250, 1 Inf + 2 Eng costs 26 > 25).
    # C off: Eng short 2 -> 2*100*2 = 400 plus at best A 2 Inf S1 (force 700-400 = 300): 700.
    # C on:  Eng short 1 -> 200, A 2 Inf S1, personnel 700 -> force 0: score 200 (unique).
    # Stage 2: cost 20 + 18 = 38; fair over A, C (gdp 400): A 525, C 175 -> |400-525| + |300-175| = 250.
    path = tmp_path / "bf2.xlsx"
    write_workbook_from_tables(
        path,
        {"force_target": 700, "max_nations_per_sector": 1, "ceasefire_in_place": "no"},
        {
            "Nations": [
                {"nation": "A", "status": "committed", "active_personnel": 5_000, "gdp_busd": 300},
                {"nation": "B", "status": "considering", "active_personnel": 10_000, "gdp_busd": 100,
                 "requires_ceasefire": "yes"},
                {"nation": "C", "status": "committed", "active_personnel": 10_000, "gdp_busd": 100,
                 "min_personnel": 250, "budget_musd": 25, "max_sector_risk": 1},
            ],
            "UnitTypes": [
                {"unit_type": "Inf", "domain": "land", "personnel": 200, "annual_cost_musd": 10},
                {"unit_type": "Eng", "domain": "land", "personnel": 100, "annual_cost_musd": 8},
            ],
            "Sectors": [{"sector": "S1", "risk": 2}, {"sector": "S2", "risk": 1}],
            "Pledges": [
                {"nation": "A", "unit_type": "Inf", "max_units": 2},
                {"nation": "A", "unit_type": "Eng", "max_units": 2},
                {"nation": "B", "unit_type": "Inf", "max_units": 2},
                {"nation": "C", "unit_type": "Inf", "max_units": 2},
                {"nation": "C", "unit_type": "Eng", "max_units": 2},
            ],
            "Requirements": [
                {"unit_type": "Inf", "sector": "S1", "min_units": 2, "priority": 1},
                {"unit_type": "Eng", "sector": "S2", "min_units": 2, "max_units": 2, "priority": 2},
                {"unit_type": "Inf", "sector": "S2", "min_units": 0, "max_units": 1, "priority": 3},
            ],
            "Caveats": [{"nation": "A", "sector": "S2", "unit_type": "Eng"}],
        },
    )
    assert brute_force_optimum(path) == pytest.approx((200, 288))
    # With a ceasefire B is eligible (fair over gdp 500: A 420, B 140, C 140).  Score stays 200 (Eng
    # short 1 is unavoidable).  C holds S2, so S1 has one nation: A 2 Inf -> 38 + 20 + 140 + 160 = 358
    # beats B 2 Inf -> 38 + 420 + 260 + 160 = 878.
    assert brute_force_optimum(path, {"ceasefire_in_place": "yes"}) == pytest.approx((200, 358))
    # Also without the interoperability limit A 2 + B 1 in S1 is best:
    # cost 30 + 18, fairness |400-420| + |200-140| + |300-140| = 240 -> 288 (a coincidence with the first).
    assert brute_force_optimum(path, {"ceasefire_in_place": "yes", "max_nations_per_sector": None}) == pytest.approx(
        (200, 288)
    )


def test_brute_force_one_sector_per_lead(tmp_path):
    # A (can lead, any risk) and B (cannot lead, risk 1) pledge 2 Inf each (100 pers, 1 MUSD).
    # N (risk 2) and S (risk 1) both need a lead; lines Inf/N and Inf/S min 2, priority 1 (300/unit short).
    # lead_share 0.3, no targets, weights: cost 1, fairness 0, nations 10.
    # Only A can lead, and only one sector.  If N holds units, A leads N and S must stay empty:
    # best 2 in N -> 600.  If N is empty, S can be filled (A leads with >= 30%) -> N short 2 -> 600.
    # (Were A allowed to lead both, 1 A in N, 1 A + 2 B in S would score 300.)
    # Stage 2 at 600: A 2 in N or A 2 in S -> cost 2 + 10*1 nation = 12; A 1 + B 1 in S -> 2 + 20 = 22.
    path = tmp_path / "bf3.xlsx"
    write_workbook_from_tables(
        path,
        {"force_target": 0, "lead_share": 0.3, "weight_fairness": 0, "weight_nations": 10},
        {
            "Nations": [
                {"nation": "A", "status": "committed", "active_personnel": 20_000, "gdp_busd": 100, "can_lead": True},
                {"nation": "B", "status": "committed", "active_personnel": 20_000, "gdp_busd": 100,
                 "max_sector_risk": 1},
            ],
            "UnitTypes": [{"unit_type": "Inf", "domain": "land", "personnel": 100, "annual_cost_musd": 1}],
            "Sectors": [{"sector": "N", "risk": 2, "needs_lead": True}, {"sector": "S", "risk": 1, "needs_lead": True}],
            "Pledges": [{"nation": "A", "unit_type": "Inf", "max_units": 2},
                        {"nation": "B", "unit_type": "Inf", "max_units": 2}],
            "Requirements": [
                {"unit_type": "Inf", "sector": "N", "min_units": 2, "priority": 1},
                {"unit_type": "Inf", "sector": "S", "min_units": 2, "priority": 1},
            ],
        },
    )
    assert brute_force_optimum(path) == pytest.approx((600, 12))


@pytest.mark.parametrize("seed", range(25))
def test_brute_force_optimum_passes_the_checker(tmp_path, seed):
    path = tmp_path / f"tiny{seed}.xlsx"
    generate_tiny_workbook(path, seed)
    score, stage2, (units, leads) = brute_force_optimum(path, return_plan=True)
    plan = build_plan(path, units, leads)
    assert check_plan(path, plan) == []
    assert plan["shortfall_score"] == pytest.approx(score)
    assert stage2_objective(path, plan["scenario"], units) == pytest.approx(stage2)
    # Nothing beats the empty plan's score from below the optimum.
    assert score <= shortfall_score(path, plan["scenario"], {})


# ---------------------------------------------------------------------------
# The generators
# ---------------------------------------------------------------------------


def _cells(path) -> dict:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def test_generate_workbook_is_deterministic(tmp_path):
    generate_workbook(tmp_path / "a.xlsx", seed=7)
    generate_workbook(tmp_path / "b.xlsx", seed=7)
    generate_workbook(tmp_path / "c.xlsx", seed=8)
    assert _cells(tmp_path / "a.xlsx") == _cells(tmp_path / "b.xlsx")
    assert _cells(tmp_path / "a.xlsx") != _cells(tmp_path / "c.xlsx")
    generate_tiny_workbook(tmp_path / "t1.xlsx", 3)
    generate_tiny_workbook(tmp_path / "t2.xlsx", 3)
    assert _cells(tmp_path / "t1.xlsx") == _cells(tmp_path / "t2.xlsx")


@pytest.mark.parametrize(
    "n_nations, n_unit_types, n_sectors, seed",
    [(30, 15, 6, s) for s in range(4)] + [(50, 30, 8, s) for s in range(3)] + [(5, 3, 3, 11), (1, 1, 1, 12)],
)
def test_generate_workbook_structure(tmp_path, n_nations, n_unit_types, n_sectors, seed):
    path = tmp_path / "w.xlsx"
    generate_workbook(path, n_nations=n_nations, n_unit_types=n_unit_types, n_sectors=n_sectors, seed=seed)
    cells = _cells(path)
    assert list(cells) == list(SHEET_COLUMNS)
    for sheet, columns in SHEET_COLUMNS.items():
        assert cells[sheet][0] == columns, sheet
    inst = read_instance(path)  # validates types, ranges and references
    assert (len(inst.nations), len(inst.unit_types), len(inst.sectors)) == (n_nations, n_unit_types, n_sectors)
    assert inst.scenario["time_limit_s"] == 30
    assert 0.3 <= inst.scenario["lead_share"] <= 0.6
    assert all(30 <= u.personnel <= 900 for u in inst.unit_types.values())
    assert all(1_000 <= n.active_personnel <= 250_000 for n in inst.nations.values())
    assert all(10 <= n.gdp_busd <= 5_000 for n in inst.nations.values())
    assert all(any(key[1] == s for key in inst.lines) for s in inst.sectors)  # every sector has a line
    if n_nations >= 10:
        assert {n.status for n in inst.nations.values()} == set(STATUSES)


@pytest.mark.parametrize(
    "n_nations, n_unit_types, n_sectors, seed",
    [(30, 15, 6, s) for s in range(6)] + [(50, 30, 8, 1), (4, 2, 5, 8), (2, 3, 4, 3), (1, 2, 2, 0)],
)
def test_ample_workbook_has_a_plan_without_shortfall(tmp_path, n_nations, n_unit_types, n_sectors, seed):
    path = tmp_path / "ample.xlsx"
    planted = generate_workbook(
        path, n_nations=n_nations, n_unit_types=n_unit_types, n_sectors=n_sectors, seed=seed, ample=True
    )
    plan = build_plan(path, planted["units"], planted["leads"])
    assert check_plan(path, plan) == []
    assert plan["shortfall_score"] == 0
    assert generate_workbook(tmp_path / "scarce.xlsx", seed=seed, ample=False) is None


def test_default_mix_has_ample_and_scarce_seeds(tmp_path):
    kinds = {generate_workbook(tmp_path / "w.xlsx", seed=s, n_nations=8, n_unit_types=5, n_sectors=3) is None
             for s in range(12)}
    assert kinds == {True, False}


def test_generate_workbook_features(tmp_path):
    off, on = tmp_path / "off.xlsx", tmp_path / "on.xlsx"
    generate_workbook(off, seed=5, features={f: False for f in FEATURES}, ample=False)
    generate_workbook(on, seed=5, features={f: True for f in FEATURES}, ample=False)
    inst_off, inst_on = read_instance(off), read_instance(on)
    for inst, flag in ((inst_off, False), (inst_on, True)):
        nations = inst.nations.values()
        assert bool(inst.caveats) is flag
        assert any(n.budget_musd is not None for n in nations) is flag
        assert any(n.min_personnel > 0 for n in nations) is flag
        assert any(n.max_personnel is not None for n in nations) is flag
        assert any(n.requires for n in nations) is flag
        assert any(n.can_lead for n in nations) is flag
        assert any(s.needs_lead for s in inst.sectors.values()) is flag
        assert (inst.scenario["max_nations_per_sector"] is not None) is flag
    with pytest.raises(ValueError):
        generate_workbook(off, features={"dragons": True})


def test_generate_workbook_varies_shortfall_pressure(tmp_path):
    # force_target is set around the requirement personnel: above it for some seeds, below for others.
    ratios = []
    for seed in range(12):
        path = tmp_path / f"w{seed}.xlsx"
        generate_workbook(path, seed=seed, n_nations=10, n_unit_types=6, n_sectors=3, ample=False)
        inst = read_instance(path)
        required = sum(line.min_units * inst.unit_types[u].personnel for (u, _), line in inst.lines.items())
        ratios.append(inst.scenario["force_target"] / required)
    assert min(ratios) < 1 < max(ratios)


@pytest.mark.parametrize("seed", range(40))
def test_tiny_workbook_is_small_and_valid(tmp_path, seed):
    path = tmp_path / "t.xlsx"
    generate_tiny_workbook(path, seed)
    inst = read_instance(path)
    assert 2 <= len(inst.nations) <= 3 and 1 <= len(inst.unit_types) <= 3 and 1 <= len(inst.sectors) <= 2
    assert all(0 <= x <= 2 for x in inst.pledges.values())
    assert count_assignments(inst.pledges, inst.lines) <= 20_000
    assert inst.scenario["mip_gap"] == 0 and inst.scenario["time_limit_s"] == 30


def test_tiny_workbooks_exercise_every_feature(tmp_path):
    seen = set()
    for seed in range(40):
        path = tmp_path / f"t{seed}.xlsx"
        generate_tiny_workbook(path, seed)
        inst = read_instance(path)
        nations = inst.nations.values()
        seen |= {
            name for name, present in {
                "leads": any(s.needs_lead for s in inst.sectors.values()) and any(n.can_lead for n in nations),
                "caveats": bool(inst.caveats),
                "minimums": any(n.min_personnel > 0 for n in nations),
                "budgets": any(n.budget_musd is not None for n in nations),
                "caps": any(n.max_personnel is not None for n in nations),
                "interop": inst.scenario["max_nations_per_sector"] is not None,
                "conditions": any(n.requires for n in nations),
                "ineligible": not all(inst.eligible(n) for n in inst.nations),
                "domain_targets": any(inst.scenario[f"{d}_target"] for d in ("land", "sea", "air")),
            }.items() if present
        }
    assert seen == set(FEATURES) | {"ineligible"}
