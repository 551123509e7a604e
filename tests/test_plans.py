"""Plans checked end to end: the CLI's plan.json against the independent checker.

The checker (``tests/plan_checker.py``) reads the workbook itself and
recomputes H1–H10, the coverage table, the totals and the shortfall score
without importing the model code.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from devtools.generators import generate_workbook, write_workbook_from_tables
from tests.conftest import DEFAULT_WORKBOOK, load_json, run_cli
from tests.plan_checker import check_plan

CONTRACT_KEYS = {"scenario", "status", "shortfall_score", "allocations", "requirements", "nations", "leads", "totals", "solver"}
SCENARIO_KEYS = {
    "name", "force_target", "land_target", "sea_target", "air_target", "ceasefire_in_place", "un_mandate", "us_backstop",
    "sustainable_share", "max_nations_per_sector", "lead_share", "weight_cost", "weight_fairness", "weight_nations",
    "time_limit_s", "mip_gap", "classification",
    # contract v2 (section 5): time
    "periods", "period_months", "start_month", "ceasefire_from", "un_mandate_from", "us_backstop_from", "weight_churn",
}


def solve_cli(workbook, out: Path, *sets: str) -> dict:
    args = ["solve", workbook, "--out", out]
    for s in sets:
        args += ["--set", s]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return load_json(out / "plan.json")


def test_default_workbook_plan_obeys_the_contract(tmp_path):
    before = DEFAULT_WORKBOOK.read_bytes()
    plan = solve_cli(DEFAULT_WORKBOOK, tmp_path / "out")
    assert DEFAULT_WORKBOOK.read_bytes() == before  # the input is never written
    assert CONTRACT_KEYS <= set(plan)
    assert set(plan["scenario"]) == SCENARIO_KEYS
    assert plan["status"] == "optimal"
    assert check_plan(DEFAULT_WORKBOOK, plan) == []
    for key in ("nation", "unit_type", "sector", "units", "personnel", "cost_musd"):
        assert all(key in a for a in plan["allocations"])
    for key in ("unit_type", "sector", "min_units", "filled_units", "short_units"):
        assert all(key in r for r in plan["requirements"])
    for key in ("nation", "eligible", "personnel", "cost_musd", "cap_personnel", "fair_personnel"):
        assert all(key in n for n in plan["nations"])
    assert set(plan["totals"]) >= {"personnel", "land", "sea", "air", "cost_musd"}
    assert set(plan["solver"]) >= {"name", "version", "seconds", "gap"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["plan.json", "plan.xlsx", "report.pdf"]  # no temp files left


def test_switches_and_overrides_reach_the_plan(tmp_path):
    """--set overrides the Scenario; with a UN mandate Italy and Ireland become eligible."""
    base = solve_cli(DEFAULT_WORKBOOK, tmp_path / "a")
    more = solve_cli(DEFAULT_WORKBOOK, tmp_path / "b", "un_mandate=yes", "name=with mandate")
    assert more["scenario"]["un_mandate"] is True and more["scenario"]["name"] == "with mandate"
    eligible = {n["nation"]: n["eligible"] for n in more["nations"]}
    assert eligible["Italy"] and eligible["Ireland"]
    assert more["shortfall_score"] <= base["shortfall_score"]
    assert check_plan(DEFAULT_WORKBOOK, more) == []


@pytest.mark.parametrize("seed", range(12))
def test_random_workbooks(seed, tmp_path):
    """Seeded workbooks of varied structure: every plan passes the independent checker."""
    sizes = [(8, 5, 3), (15, 8, 4), (30, 15, 6)]
    n, u, s = sizes[seed % len(sizes)]
    features = [None, {"leads": True, "interop": True}, {"budgets": True, "minimums": True, "caveats": True}, {"conditions": True}][seed % 4]
    wb = tmp_path / "w.xlsx"
    generate_workbook(wb, n_nations=n, n_unit_types=u, n_sectors=s, seed=seed, features=features)
    plan = solve_cli(wb, tmp_path / "out")
    assert plan["status"] == "optimal"
    assert check_plan(wb, plan) == []


def test_same_workbook_same_plan(tmp_path):
    """Determinism: two runs give the same plan.json apart from timings and the time of planning."""
    wb = tmp_path / "w.xlsx"
    generate_workbook(wb, n_nations=30, n_unit_types=15, n_sectors=6, seed=7)
    first = solve_cli(wb, tmp_path / "one")
    second = solve_cli(wb, tmp_path / "two")
    for plan in (first, second):
        plan["solver"].pop("seconds")
        plan["solver"].pop("timings_s")
        plan["source"].pop("planned_at")
    assert first == second
    assert generate_default_bytes_equal(tmp_path)


def generate_default_bytes_equal(tmp_path) -> bool:
    """The generator itself is deterministic (same seed, same cells)."""
    a, b = tmp_path / "g1.xlsx", tmp_path / "g2.xlsx"
    generate_workbook(a, seed=3)
    generate_workbook(b, seed=3)
    cells = lambda p: [[c for c in r] for ws in openpyxl.load_workbook(p) for r in ws.iter_rows(values_only=True)]  # noqa: E731
    return cells(a) == cells(b)


def test_default_output_folder_is_named_after_the_scenario(tmp_path):
    wb = tmp_path / "w.xlsx"
    generate_workbook(wb, n_nations=5, n_unit_types=3, n_sectors=2, seed=1)
    result = run_cli("solve", wb, "--set", "name=../../etc/evil name", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folders = [p for p in (tmp_path / "reports").iterdir()]
    assert len(folders) == 1 and folders[0].parent == tmp_path / "reports"
    assert (folders[0] / "plan.json").exists()


def test_plan_xlsx_is_a_planners_document_and_never_holds_formulas(tmp_path):
    """Names that start with = + - @ come back as text; the four contract sheets exist with frozen headers."""
    tables = {
        "Nations": [{"nation": "=HYPERLINK(\"x\")", "status": "committed", "active_personnel": 10_000, "gdp_busd": 10}],
        "UnitTypes": [{"unit_type": "+Medics", "domain": "land", "personnel": 50, "annual_cost_musd": 5}],
        "Sectors": [{"sector": "@Rear", "risk": 1}],
        "Pledges": [{"nation": "=HYPERLINK(\"x\")", "unit_type": "+Medics", "max_units": 2}],
        "Requirements": [{"unit_type": "+Medics", "sector": "@Rear", "min_units": 1}],
    }
    wb = tmp_path / "w.xlsx"
    write_workbook_from_tables(wb, {"name": "t", "force_target": 0}, tables)
    book = openpyxl.load_workbook(wb)
    for ws in book.worksheets:  # store the names as text cells, as a planner's Excel would
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    book.save(wb)
    plan = solve_cli(wb, tmp_path / "out")
    assert check_plan(wb, plan) == []
    book = openpyxl.load_workbook(tmp_path / "out" / "plan.xlsx")
    assert book.sheetnames[:4] == ["Summary", "Allocation", "Requirements", "Nations"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2"
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    alloc = book["Allocation"]
    assert alloc["A2"].value == "=HYPERLINK(\"x\")" and alloc["B2"].value == "+Medics"
    header = [c.value for c in alloc[1]]
    assert header[:6] == ["nation", "unit_type", "sector", "units", "personnel", "cost_musd"]


def test_template_is_a_valid_empty_workbook(tmp_path):
    out = tmp_path / "blank.xlsx"
    result = run_cli("template", out)
    assert result.returncode == 0, result.stderr
    plan = solve_cli(out, tmp_path / "plan")
    assert plan["allocations"] == [] and plan["shortfall_score"] == 0
    said = run_cli("solve", out, "--out", tmp_path / "again")
    assert said.returncode == 0, said.stderr
    assert "HiGHS 1" not in said.stdout.split("solver:")[0]  # no solver banner before the summary
    assert "the workbook has no requirement lines" in said.stdout and "every requirement line is filled" not in said.stdout


def test_nobody_eligible_gives_the_empty_plan(tmp_path):
    tables = {
        "Nations": [{"nation": "A", "status": "declined", "active_personnel": 10_000, "gdp_busd": 10}],
        "UnitTypes": [{"unit_type": "Inf", "domain": "land", "personnel": 100, "annual_cost_musd": 5}],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": "Inf", "max_units": 2}],
        "Requirements": [{"unit_type": "Inf", "sector": "S", "min_units": 2, "priority": 1}],
    }
    wb = tmp_path / "w.xlsx"
    write_workbook_from_tables(wb, {"name": "t", "force_target": 500}, tables)
    plan = solve_cli(wb, tmp_path / "out")
    assert plan["allocations"] == []
    assert plan["shortfall_score"] == 2 * 100 * 3 + 500
    assert check_plan(wb, plan) == []
