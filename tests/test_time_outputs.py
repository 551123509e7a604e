"""Contract section 5 — the outputs of a plan over time (issue 16).

plan.json rows carry ``period`` and the plan adds ``timeline``; plan.xlsx has a
Timeline sheet and period columns; the terminal summary gives the strength
per period and the periods where lines go unfilled; one period of a plan is a
one-period plan dict (the report and the workbench read it so); the frontiers
plan over time, the resilient plan (one period only) says so instead of judging a
plan by one period.  And a
one-period workbook plans exactly as one without the section-5 columns.
"""

from __future__ import annotations

import json
import re
import shutil

import openpyxl
import pytest
from pypdf import PdfReader

from devtools.generators import write_workbook_from_tables
from tests.conftest import DEFAULT_WORKBOOK, ROOT, plan_in_process, run_cli
from tests.plan_checker import check_plan
from tests.test_families import INF, UNIT, base, nation


def mission(tmp_path):
    """Three periods from 2027-01, a line needing 2 units: A (1 unit) throughout, B (1 unit) from period 2."""
    path = tmp_path / "mission.xlsx"
    write_workbook_from_tables(path, base(periods=3, start_month="2027-01", force_target=200), {
        "Nations": [nation("A", can_lead=True), nation("B", available_from=2)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1, "needs_lead": True}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 1} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 2}],
    })
    return path


def test_cli_writes_the_plan_over_time(tmp_path):
    """Period 1: A alone, short 1 unit (200) and 100 personnel against the force target (100): 300.
    Periods 2–3 filled.  Labels from start_month, 6 months apart."""
    out = tmp_path / "out"
    result = run_cli("solve", mission(tmp_path), "--out", out)
    assert result.returncode == 0, result.stderr
    plan = json.loads((out / "plan.json").read_text())
    assert check_plan(tmp_path / "mission.xlsx", plan) == []
    assert plan["shortfall_score"] == 300
    assert [(r["period"], r["label"], r["personnel"], r["shortfall_score"], r["force_target"]) for r in plan["timeline"]] == [
        (1, "2027-01", 100, 300, 200), (2, "2027-07", 200, 0, 200), (3, "2028-01", 200, 0, 200)]
    for table in ("allocations", "requirements", "nations", "leads"):
        assert plan[table] and all(isinstance(r["period"], int) for r in plan[table]), table
    assert plan["totals"]["period"] == 1 and plan["totals"]["personnel"] == 100
    assert [(r["sector"], r["period"], r["nation"]) for r in plan["leads"]] == [("S", 1, "A"), ("S", 2, "A"), ("S", 3, "A")]

    wb = openpyxl.load_workbook(out / "plan.xlsx", read_only=True)
    assert "Timeline" in wb.sheetnames
    rows = list(wb["Timeline"].iter_rows(values_only=True))
    assert rows[0][:3] == ("period", "label", "personnel") and [r[1] for r in rows[1:]] == ["2027-01", "2027-07", "2028-01"]
    header = next(wb["Allocation"].iter_rows(values_only=True))
    assert "period" in header
    roster = list(wb["Roster"].iter_rows(values_only=True))
    assert roster == [("sector", "nation", "unit_type", "2027-01", "2027-07", "2028-01", "leads in"),
                      ("S", "A", INF, 1, 1, 1, "2027-01, 2027-07, 2028-01"), ("S", "B", INF, 0, 1, 1, None)]

    text = result.stdout
    assert re.search(r"2027-01\s+100\s+200\s+100", text)  # personnel, target, short in the weakest period
    assert "P2 Infantry company @ S: short in 2027-01 (at most 1 of 2 units)" in text
    assert "not eligible: B (2027-01: not available before period 2)" in text
    assert "leads: S: A (2027-01–2028-01)" in text


def test_the_report_shows_the_mission_and_its_weakest_period(tmp_path):
    out = tmp_path / "out"
    assert run_cli("solve", mission(tmp_path), "--out", out).returncode == 0
    text = " ".join(re.sub(r"\s+", " ", p.extract_text() or "") for p in PdfReader(out / "report.pdf").pages)
    assert ("The plan covers 3 periods of 6 months, 2027-01 to 2028-01. The force reaches full strength (200 personnel, every "
            "target met) in 2027-07 and holds it for 2 periods (12 months), to the end of the plan.") in text
    assert "Its shortfall score over all 3 periods is 300" in text and "weakest period, 2027-01" in text
    assert "2 Over time" in text and "Roster: who holds each sector when" in text
    assert "2027-01 100 200 100" in text  # the strength table: period, personnel, target, short


def test_one_period_of_a_plan_is_a_one_period_plan(tmp_path):
    from optimizer.outputs.periods import period_view
    from optimizer.report.facts import check_plan as report_check

    plan = plan_in_process(mission(tmp_path))
    for row in plan["timeline"]:
        view = period_view(plan, row["period"])
        report_check(view)
        assert "timeline" not in view and all("period" not in r for r in view["allocations"] + view["nations"] + view["requirements"])
        assert view["totals"]["personnel"] == row["personnel"] == sum(a["personnel"] for a in view["allocations"])
        assert view["shortfall_score"] == row["shortfall_score"]
        assert len(view["nations"]) == 2 and view["period_view"]["label"] == row["label"]


def test_a_one_period_workbook_plans_as_one_without_the_time_columns(tmp_path):
    """The default workbook at one moment with every section-5 cell written out at its one-period value (periods 1,
    available_from 1, available_until 1, dwell 0, from/until period 1, weight_churn 1, a Phases row
    repeating the Scenario's targets) gives the very plan of the workbook with those cells blank."""
    written = tmp_path / "explicit.xlsx"
    shutil.copy(DEFAULT_WORKBOOK, written)
    wb = openpyxl.load_workbook(written)

    def fill(sheet, values):
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            if row[0].value is None:
                continue
            for name, value in values.items():
                row[header.index(name)].value = value

    fill("Nations", {"available_from": 1, "available_until": 1, "dwell_periods": 0})
    fill("Requirements", {"from_period": 1, "until_period": 1})
    scenario = {r[0].value: r[1] for r in wb["Scenario"].iter_rows(min_row=2) if r[0].value}
    for name, value in {"periods": 1, "weight_churn": 1}.items():
        scenario[name].value = value
    targets = {g: scenario[f"{g}_target"].value for g in ("force", "land", "sea", "air")}
    wb["Phases"].append([1, *targets.values()])
    wb.save(written)

    def stable(plan):
        plan = json.loads(json.dumps(plan))
        plan["solver"].pop("seconds"), plan["solver"].pop("timings_s"), plan.pop("source")
        return plan

    blank = plan_in_process(DEFAULT_WORKBOOK)
    explicit = plan_in_process(written)
    assert stable(explicit) == stable(blank)
    assert "timeline" not in blank and all("period" not in a for a in blank["allocations"])


def test_the_frontiers_plan_over_time(tmp_path):
    """The frontiers over the three periods of the mission (A throughout, B from period 2; no
    conditions, so every combination alike): the largest force 100 then 200 a period, their average
    167 (500 / 3) in the row."""
    out = tmp_path / "out"
    result = run_cli("frontier", mission(tmp_path), "--out", out)
    assert result.returncode == 0, result.stderr
    frontier = json.loads((out / "frontier.json").read_text())
    assert len(frontier["conditions"]) == 8
    for row in frontier["conditions"]:
        assert row["max_personnel_by_period"] == [100, 200, 200] and row["max_personnel"] == row["planned_personnel"] == 167
        assert row["planned_personnel_by_period"] == [100, 200, 200] and row["shortfall_score"] == 300


def test_the_resilient_plan_holds_its_reserves_in_the_rotation_windows(tmp_path):
    """Two periods, an essential line of exactly 1 unit.  A (1 unit, no dwell) and B (1 unit, dwell 1:
    one period out of the two, deployed or in reserve).  The nominal plan fills both periods (score 0).
    The resilient plan needs, in each period it fills, one nation deployed and the other in reserve:
    B can take part in one period only, so one period stays short (one priority-1 unit of 100
    personnel: 300) and holds nobody, the weakest period of the plan — were reserves
    outside the rotation windows, B's reserve in both periods would cover A twice at no cost."""
    from optimizer.analysis.executor import make_executor
    from optimizer.analysis.resilience import resilient_comparison
    from optimizer.reader import read_tables

    path = tmp_path / "resilient.xlsx"
    write_workbook_from_tables(path, base(periods=2), {
        "Nations": [nation("A"), nation("B", dwell_periods=1)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 1} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 1, "max_units": 1, "priority": 1}],
    })
    with make_executor(workers=1) as executor:
        result = resilient_comparison(read_tables(path), executor)
    assert result["nominal"]["shortfall_score"] == 0
    assert result["resilient"]["shortfall_score"] == 300 and result["costs"]["shortfall_score"] == 300
    assert result["resilient"]["personnel"] == 0 and result["nominal"]["personnel"] == 100
    reserves = result["reserves"]
    assert len(reserves) == 1 and reserves[0]["units"] == 1 and reserves[0]["period"] in (1, 2)
    assert result["resilient"]["uncovered_essential_units_total"] == 0


def test_the_workbench_runs_the_frontiers_over_time(tmp_path):
    from optimizer.reader import read_tables
    from optimizer.workbench.analyses import AnalysisService
    from optimizer.workbench.inputs import Inputs

    raw = read_tables(mission(tmp_path))
    inputs = Inputs(raw.scenario, {name: frame.drop(columns="_row") for name, frame in raw.tables.items()})
    job = AnalysisService().submit("frontier", inputs)
    assert job.wait(300) and job.state == "done", job.error
    assert {tuple(r["max_personnel_by_period"]) for r in job.result.result["conditions"]} == {(100, 200, 200)}


def test_checker_rejects_a_plan_that_breaks_rotation(tmp_path):
    """The checker recomputes H2 over windows itself: A (1 unit, dwell 1) deployed in two consecutive periods is refused."""
    path = tmp_path / "rot.xlsx"
    write_workbook_from_tables(path, base(periods=3), {
        "Nations": [nation("A", dwell_periods=1)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 1}],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 1}],
    })
    plan = plan_in_process(path)
    assert check_plan(path, plan) == []
    assert {a["period"] for a in plan["allocations"]} == {1, 3}  # 1:1 rotation over three periods: 1 and 3, short in 2
    assert plan["shortfall_score"] == 200
    broken = json.loads(json.dumps(plan))
    extra = dict(broken["allocations"][0], period=2)
    broken["allocations"].append(extra)
    problems = check_plan(path, broken)
    assert any(p.startswith("H2:") and "dwell 1" in p for p in problems)


def _timeline_plan(personnel, targets, p1_short=()):
    """A plan dict with only what the milestones read: a timeline, targets and priority-1 lines."""
    timeline = [{"period": t, "label": f"P{t}", "personnel": p, "force_target": g, "land": p, "sea": 0, "air": 0, "cost_musd": 0,
                 "shortfall_score": 0} for t, (p, g) in enumerate(zip(personnel, targets), start=1)]
    return {"scenario": {"period_months": 6}, "timeline": timeline,
            "targets": [{"scope": "force", "period": r["period"], "target": r["force_target"],
                         "short": max(0, r["force_target"] - r["personnel"])} for r in timeline],
            "requirements": [{"priority": 1, "period": t, "short_units": int(t in p1_short)} for t in range(1, len(personnel) + 1)]}


def test_milestones_in_words():
    """Build-up to a peak of 300 in period 3, held through period 4, short in period 5; P1 lines filled from period 2."""
    from optimizer.outputs.periods import milestones, summary_sentences

    plan = _timeline_plan([100, 200, 300, 300, 250], [100, 200, 300, 300, 300], p1_short={1})
    m = milestones(plan)
    assert (m["initial"], m["full"], m["held_until"], m["peak_target"]) == (2, 3, 4, 300)
    assert summary_sentences(plan) == [
        "The plan covers 5 periods of 6 months, P1 to P5.",
        "Every essential (priority 1) requirement line is filled from P2 (initial strength).",
        "The force reaches full strength (300 personnel, every target met) in P3 and holds it for 2 periods (12 months), "
        "until P4; from P5 it falls short.",
    ]
    never = _timeline_plan([100, 250, 200], [300, 300, 300], p1_short={1, 2, 3})
    assert summary_sentences(never)[1:] == [
        "In no period is every essential (priority 1) requirement line filled.",
        "The force never reaches full strength (300 personnel with every target met): at best 250 in P2 (83% of the peak target).",
    ]


def test_the_workbench_stresses_a_withdrawal_from_a_later_period(tmp_path):
    """The Withdrawal stress page's 'withdraw from period' reaches the analysis through the logic layer:
    from period 2, losing A or B leaves periods 2 and 3 short (each is needed there; period 1 is
    planned as before).  The setting at 1 is the stress as it was: same cache key as without it."""
    from optimizer.reader import read_tables
    from optimizer.workbench import analysis_views as av
    from optimizer.workbench.analyses import AnalysisService, analysis_key, clean_params
    from optimizer.workbench.inputs import Inputs

    raw = read_tables(mission(tmp_path))
    inputs = Inputs(raw.scenario, {name: frame.drop(columns="_row") for name, frame in raw.tables.items()})
    assert analysis_key("stress", inputs.key, {"samples": 5, "seed": 0, "from_period": 1}) == analysis_key("stress", inputs.key, {"samples": 5, "seed": 0})
    assert clean_params("stress", {"from_period": 2})["from_period"] == 2
    job = AnalysisService().submit("stress", inputs, {"samples": 5, "seed": 0, "from_period": 2})
    assert job.wait(300) and job.state == "done", job.error
    n1 = {r["nation"]: r for r in job.result.result["n_minus_1"]}
    assert set(n1) == {"A", "B"}
    for row in n1.values():
        assert row["periods_short"] == [2, 3] and row["shortfall_increase"] > 0, row
    table = av.n1_table(job.result.result)
    assert list(table["periods_short"]) == ["periods 2–3", "periods 2–3"]


def test_the_workbench_tables_of_a_plan_over_time(tmp_path):
    """The Timeline page's table and the Compare page's strength per period, worked by hand for the
    mission: A alone in period 1 (100 of 200, the line short), B arrives in period 2 (one unit in,
    none out).  Compared with a one-period plan (A and B, 200 personnel: its period 1), the periods
    the one-period plan does not have carry no figure and no Δ."""
    from optimizer.workbench import views

    mission_plan = plan_in_process(mission(tmp_path))
    table = views.timeline_table(mission_plan)
    assert table[["period", "label", "personnel", "force_target", "short", "cost_musd", "shortfall_score", "lines_short", "arriving", "leaving"]
                 ].values.tolist() == [[1, "2027-01", 100, 200, 100, 10, 300, 1, 0, 0], [2, "2027-07", 200, 200, 0, 20, 0, 0, 1, 0],
                                       [3, "2028-01", 200, 200, 0, 20, 0, 0, 0, 0]]
    one = tmp_path / "one.xlsx"
    write_workbook_from_tables(one, base(force_target=200), {
        "Nations": [nation("A", can_lead=True), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1, "needs_lead": True}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 1} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 2}],
    })
    compared = views.compare_timeline({"mission": mission_plan, "one period": plan_in_process(one)})
    assert list(compared.index) == ["2027-01", "2027-07", "2028-01"]
    assert compared["mission"].tolist() == [100, 200, 200]
    assert compared["one period"].tolist()[0] == 200 and compared["one period"].isna().tolist() == [False, True, True]
    assert compared["Δ one period"].tolist()[0] == 100 and compared["Δ one period"].isna().tolist() == [False, True, True]
