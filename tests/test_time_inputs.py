"""Contract v2, section 5 — the inputs (issue 16, step 1).

The new Scenario parameters, the Nations and Requirements columns and the
Phases sheet are read and validated like the rest: every problem is named
by sheet, Excel row and column.  With one period their meaning is exact
already — a condition that holds "from period 1" holds, Phases' row for
period 1 replaces the targets — and a workbook without any of them plans
as before.  The plans over several periods: tests/test_time_model.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from devtools.generators import write_workbook_from_tables
from optimizer.errors import InputError
from optimizer.reader import read_tables
from tests.conftest import units_of
from tests.plan_checker import check_plan
from tests.test_analysis import INF, UNIT, nation


def tables(**changes):
    base = {
        "Nations": [nation("A"), nation("B", requires_ceasefire=True)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 2} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 3}],
    }
    base.update(changes)
    return base


def scenario(**changes):
    sc = {"name": "t", "force_target": 0, "weight_cost": 0, "weight_fairness": 0, "mip_gap": 0}
    sc.update(changes)
    return sc


def problems(tmp_path, sc, tb, overrides=()) -> list:
    path = tmp_path / "wb.xlsx"
    write_workbook_from_tables(path, sc, tb)
    with pytest.raises(InputError) as err:
        read_tables(path, overrides)
    return err.value.issues


def where(issue) -> tuple:
    return issue.sheet, issue.row, issue.column


def test_scenario_parameters_are_read_and_ranged(tmp_path):
    path = tmp_path / "wb.xlsx"
    write_workbook_from_tables(path, scenario(period_months=3, start_month=dt.datetime(2026, 3, 1), weight_churn=2.5), tables())
    raw = read_tables(path)
    assert (raw.scenario["periods"], raw.scenario["period_months"], raw.scenario["start_month"], raw.scenario["weight_churn"]) == (1, 3, "2026-03", 2.5)
    assert raw.tables["Phases"].empty
    issues = problems(tmp_path, scenario(periods=0, period_months=37, start_month="2026-13", weight_churn=-1), tables())
    got = {(i.sheet, i.column, i.row) for i in issues}
    # Scenario rows: the header is row 1, then name, force_target, weight_cost, weight_fairness, mip_gap, periods ...
    assert {("Scenario", "value", 7), ("Scenario", "value", 8), ("Scenario", "value", 9), ("Scenario", "value", 10)} <= got
    assert any("YYYY-MM" in i.message for i in issues)


def test_a_condition_from_period_one_holds_whatever_its_cell_says(tmp_path, plan_tables):
    """B needs a ceasefire; ceasefire_in_place is no, but ceasefire_from = 1: B takes part.

    The line needs 3: A 2 + B 1 fill it (score 0); without B, short 1·100·2 = 200.
    """
    plan, path = plan_tables(scenario(ceasefire_from=1), tables())
    assert plan["shortfall_score"] == 0 and plan["scenario"]["ceasefire_in_place"] is False  # as written
    assert sum(units_of(plan).values()) == 3
    assert check_plan(path, plan) == []
    plan, path = plan_tables(scenario(), tables())
    assert plan["shortfall_score"] == 200
    assert check_plan(path, plan) == []


def test_the_phases_row_for_period_one_replaces_the_targets(tmp_path, plan_tables):
    """Force target 0 in the Scenario, 500 in Phases' period 1: 4 units (400) leave 100 short."""
    tb = tables(Phases=[{"period": 1, "force_target": 500}])
    plan, path = plan_tables(scenario(ceasefire_in_place=True), tb)
    assert plan["shortfall_score"] == 100
    assert {t["scope"]: t["target"] for t in plan["targets"]}["force"] == 500
    assert plan["scenario"]["force_target"] == 0  # as written
    assert check_plan(path, plan) == []
    # the checker reads Phases itself: a plan made without them does not pass against this workbook
    unphased, _ = plan_tables(scenario(ceasefire_in_place=True), tables())
    assert unphased["shortfall_score"] == 0
    assert check_plan(path, unphased) != []


def test_every_period_must_lie_within_the_plan(tmp_path):
    tb = tables(
        Nations=[nation("A", available_from=2), nation("B", available_until=3, dwell_periods=-1)],
        Requirements=[{"unit_type": INF, "sector": "S", "min_units": 3, "from_period": 1, "until_period": 2}],
        Phases=[{"period": 2, "force_target": 100}, {"period": 1}, {"period": 1}],
    )
    issues = problems(tmp_path, scenario(ceasefire_from=2), tb)
    got = {where(i) for i in issues}
    assert ("Nations", 2, "available_from") in got  # beyond periods (1)
    assert ("Nations", 3, "available_until") in got
    assert ("Nations", 3, "dwell_periods") in got  # below 0
    assert ("Requirements", 2, "until_period") in got
    assert ("Phases", 2, "period") in got  # names period 2 of a one-period plan
    assert ("Phases", 4, "period") in got and any(i.sheet == "Phases" and "duplicate" in i.message for i in issues)
    assert ("Scenario", 7, "value") in got  # ceasefire_from beyond the last period
    assert all(i.letter for i in issues if i.sheet in ("Nations", "Requirements", "Phases"))


def test_a_from_after_its_until_is_refused(tmp_path):
    """Checked over three periods."""
    tb = tables(Nations=[nation("A", available_from=3, available_until=2), nation("B", available_from=1, available_until=1)],
                Requirements=[{"unit_type": INF, "sector": "S", "min_units": 3, "from_period": 2, "until_period": 1}])
    issues = problems(tmp_path, scenario(periods=3), tb)
    got = {where(i): i.message for i in issues}
    assert got[("Nations", 2, "available_until")] == "is before available_from (3)"
    assert got[("Requirements", 2, "until_period")] == "is before from_period (2)"
    assert ("Nations", 3, "available_until") not in got
    assert len(issues) == 2


def test_periods_set_on_the_command_line(tmp_path):
    """``--set periods=6`` plans six periods; beyond 60 it is refused at the --set."""
    path = tmp_path / "wb.xlsx"
    write_workbook_from_tables(path, scenario(), tables())
    assert read_tables(path, ("periods=6",)).scenario["periods"] == 6
    issues = problems(tmp_path, scenario(), tables(), overrides=("periods=61",))
    assert [where(i) for i in issues] == [("--set", None, "periods")] and "61" in str(issues[0])


def test_the_template_and_readme_sheet_know_the_time_columns(tmp_path):
    import openpyxl

    from optimizer.workbook_writer import write_template

    path = tmp_path / "template.xlsx"
    write_template(path)
    wb = openpyxl.load_workbook(path)
    assert "Phases" in wb.sheetnames
    header = {ws.title: [c.value for c in ws[1]] for ws in wb.worksheets if ws.title not in ("README", "Scenario")}
    assert {"available_from", "available_until", "dwell_periods"} <= set(header["Nations"])
    assert {"from_period", "until_period"} <= set(header["Requirements"])
    assert header["Phases"][:5] == ["period", "force_target", "land_target", "sea_target", "air_target"]
    assert wb["Nations"].cell(1, header["Nations"].index("dwell_periods") + 1).comment is not None
    readme = " ".join(str(c.value) for row in wb["README"].iter_rows() for c in row if c.value)
    for name in ("periods", "period_months", "start_month", "ceasefire_from", "weight_churn", "dwell_periods", "Phases"):
        assert name in readme
    scenario_rows = [r[0].value for r in wb["Scenario"].iter_rows(min_row=2)]
    assert {"periods", "period_months", "start_month", "weight_churn"} <= set(scenario_rows)


def test_the_inputs_key_is_unchanged_by_unused_time_items_and_changed_by_used_ones():
    """Saved scenarios keep their plans: inputs that use none of section 5 hash as before it."""
    from optimizer.workbench.inputs import Inputs

    tb = tables()
    frames = {name: __import__("pandas").DataFrame(rows) for name, rows in tb.items()}
    plain = Inputs(scenario(), frames)
    defaults_written = Inputs(scenario(periods=1, period_months=6, weight_churn=1),
                              {**frames, "Nations": frames["Nations"].assign(available_from=1, dwell_periods=0)})
    assert defaults_written.key == plain.key
    used = {
        Inputs(scenario(ceasefire_from=1), frames).key,
        Inputs(scenario(), {**frames, "Nations": frames["Nations"].assign(dwell_periods=[2, 0])}).key,
        Inputs(scenario(), {**frames, "Nations": frames["Nations"].assign(available_until=[2, None])}).key,
        Inputs(scenario(), {**frames, "Phases": __import__("pandas").DataFrame([{"period": 1, "force_target": 500}])}).key,
    }
    assert plain.key not in used and len(used) == 4
