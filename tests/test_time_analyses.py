"""Contract section 5 — the analyses over time (issue 16).

``explain`` names the time causes of each gap (a nation not yet available, a unit resting between
tours, a condition that holds only later) and ranks the levers that remove them; ``stress``
withdraws a nation from period k on and says who backfills, from when, and which periods go short.
Hand-solved tiny instances; every variant is planned by the real solve.
"""

from __future__ import annotations

import pytest

from devtools.generators import write_workbook_from_tables
from optimizer.analysis.executor import make_executor
from optimizer.analysis.explain import explain
from optimizer.analysis.stress import stress
from optimizer.reader import read_tables
from tests.test_families import INF, UNIT, base, nation


@pytest.fixture(scope="module")
def pool():
    with make_executor(workers=2) as executor:
        yield executor


def workbook(tmp_path, scenario, nations, pledged, min_units=2):
    path = tmp_path / "wb.xlsx"
    write_workbook_from_tables(path, scenario, {
        "Nations": nations,
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": q} for n, q in pledged.items()],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": min_units}],
    })
    return read_tables(path)


def test_explain_names_the_time_causes_and_ranks_their_levers(tmp_path, pool):
    """Three periods, a line needing 2; each nation pledges 1 unit.  A: dwell 1.  B: available from
    period 2.  C: needs a UN mandate, which holds from period 3.

    Period 1: A alone, short 1 (200).  Period 2: A rests after period 1, B alone, short 1 (200); A
    sitting out period 1 instead would leave period 1 short 2.  Period 3: filled.  Score 400.
    Levers: the mandate from period 1 fills periods 1 and 2 (A + C, B + C): −400; B one period
    earlier fills period 1 (A + B), period 2 stays short: −200; A's dwell 1 → 0 fills period 2: −200.
    """
    raw = workbook(tmp_path, base(periods=3, un_mandate_from=3),
                   [nation("A", dwell_periods=1), nation("B", available_from=2), nation("C", requires_un_mandate=True)],
                   {"A": 1, "B": 1, "C": 1})
    result = explain(raw, pool)
    assert result["shortfall_score"] == 400
    lines = {line["period"]: line for line in result["causes"]["lines"]}
    assert sorted(lines) == [1, 2] and lines[1]["label"] == "P1"
    causes = {p: {b["nation"]: b["causes"] for b in lines[p]["pledges"]} for p in lines}
    assert causes[1]["B"] == ["not_yet_available"] and causes[1]["C"] == ["condition_later:un_mandate"]
    assert causes[2]["A"] == ["resting"] and causes[2]["C"] == ["condition_later:un_mandate"]
    assert any("rest between tours" in c for c in lines[2]["causes"])
    levers = [(lv["lever"], lv["score_cut"]) for lv in result["levers"] if lv["score_cut"] > 0]
    assert levers == [("a UN mandate from period 1 (not 3)", 400), ("B available one period earlier (period 1)", 200),
                      ("dwell 1 → 0 for A", 200)]
    best = result["levers"][0]
    assert best["lines_filled"] == ["Infantry company @ S (P1)", "Infantry company @ S (P2)"]


def test_stress_withdraws_a_nation_from_period_k(tmp_path, pool):
    """Three periods, a line needing 1.  A (cost 10) pledges 1, always available; B (cost 20) pledges 1,
    available until period 2.  The base plan keeps A throughout (cheaper, no handovers): score 0.

    A withdraws from period 2 on (a change of government mid-mission): B backfills from period 2,
    but B is gone after period 2, so period 3 goes short: +200, short in period 3 only.
    B withdrawing changes nothing (B holds nothing).  Withdrawn from the start, A's loss is all
    three periods less what B covers (periods 1 and 2): +200 as well, and B backfills from period 1.
    """
    raw = workbook(tmp_path, base(periods=3, weight_cost=1), [nation("A"), nation("B", available_until=2, cost_factor=2)],
                   {"A": 1, "B": 1}, min_units=1)
    report = stress(raw, pool, samples=4, seed=0, from_period=2).to_dict()
    assert report["base"]["shortfall_score"] == 0 and report["base"]["from_period"] == 2
    rows = {r["nation"]: r for r in report["n_minus_1"]}
    assert list(rows) == ["A"]  # B holds nothing from period 2 on
    a = rows["A"]
    assert a["shortfall_increase"] == 200 and a["periods_short"] == [3]
    assert a["backfilled_by"] == [{"nation": "B", "unit_type": INF, "sector": "S", "units": 1, "from_period": 2, "periods": [2]}]
    assert a["units_withdrawn"] == 2  # unit-periods A held from period 2 on

    from_start = {r["nation"]: r for r in stress(raw, pool, samples=4, seed=0, from_period=1).to_dict()["n_minus_1"]}
    assert from_start["A"]["shortfall_increase"] == 200 and from_start["A"]["periods_short"] == [3]
    assert from_start["A"]["backfilled_by"][0]["from_period"] == 1 and from_start["A"]["backfilled_by"][0]["periods"] == [1, 2]
    with pytest.raises(ValueError):
        stress(raw, pool, samples=4, from_period=4)


def test_the_condition_frontier_holds_each_combination_in_every_period(tmp_path, pool):
    """Two periods, a line of 1–3 units.  A (1 unit) always eligible; B (2 units) needs a UN mandate,
    which the workbook grants from period 2 (un_mandate_from).  The frontier's rows hold each
    combination in every period, the from-cell set aside: without a mandate the largest force is
    A's 100 in both periods, with it 300 in both — never the workbook's own 100 then 300."""
    from optimizer.analysis.frontier import condition_frontier

    raw = workbook(tmp_path, base(periods=2, un_mandate="no", un_mandate_from=2, force_target=300),
                   [nation("A"), nation("B", requires_un_mandate=True)], {"A": 1, "B": 2}, min_units=1)
    rows = condition_frontier(raw, pool)
    assert len(rows) == 8
    for row in rows:
        expected = [300, 300] if row["un_mandate"] else [100, 100]
        assert row["max_personnel_by_period"] == expected, row
        assert row["planned_personnel_by_period"] == expected, row
        assert row["max_personnel"] == row["planned_personnel"] == expected[0]  # the average over both periods (no Phases: both peak)
        # the shortfall against the target of 300 in each period: 200 personnel a period without B
        assert row["shortfall_score"] == (0 if row["un_mandate"] else 2 * 200), row


def test_the_cost_fairness_tradeoff_sums_the_deviation_over_the_periods(tmp_path, pool):
    """Two periods, a line of exactly 2 units of 50, target 100; A and B pledge 2 each, same GDP
    (fair share 50 each a period); A's units cost 10 a year, B's 20.  Per period: A+A costs 20
    with deviation 100, A+B 30 with deviation 0.  Over two periods the deviation is 0, 100 or 200,
    so the ε-points between 0 and 200 cost 30 (mean of 30 and 30) below 100 and 25 (20 and 30)
    from 100 — a level a one-period cap could not reach."""
    from optimizer.analysis.frontier import cost_fairness_tradeoff

    path = tmp_path / "tradeoff.xlsx"
    write_workbook_from_tables(path, base(periods=2, force_target=100, weight_cost=1, weight_fairness=1), {
        "Nations": [nation("A"), nation("B", cost_factor=2)],
        "UnitTypes": [{**UNIT, "personnel": 50}],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": n, "unit_type": INF, "max_units": 2} for n in ("A", "B")],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 2, "max_units": 2}],
    })
    rows = cost_fairness_tradeoff(read_tables(path), pool)
    assert [r["shortfall_score"] for r in rows] == [0] * 8
    assert rows[0]["label"] == "fairest" and (rows[0]["fairness_deviation"], rows[0]["cost_musd"]) == (0, 30)
    assert rows[-1]["label"] == "least cost" and (rows[-1]["fairness_deviation"], rows[-1]["cost_musd"]) == (200, 20)
    middle = [(round(r["epsilon"], 1), r["cost_musd"], r["fairness_deviation"]) for r in rows[1:-1]]
    assert middle == [(round(200 * i / 7, 1), 30 if i <= 3 else 25, 0 if i <= 3 else 100) for i in range(1, 7)]


def test_the_frontier_measures_the_force_held_once_built_up(tmp_path, pool):
    """Three periods; the Phases sheet asks 100 in period 1 (build-up), period 2's row leaves the force
    target blank (the Scenario's 300).  The peak periods are 2 and 3; A (1 unit) is there from
    period 1, B (2 units) from period 2: the largest force held once built up is 300, not period 1's 100."""
    from optimizer.analysis.frontier import condition_frontier, peak_periods

    path = tmp_path / "phases.xlsx"
    write_workbook_from_tables(path, base(periods=3, force_target=300), {
        "Nations": [nation("A"), nation("B", available_from=2)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 1}, {"nation": "B", "unit_type": INF, "max_units": 2}],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 1, "max_units": 3}],
        "Phases": [{"period": 1, "force_target": 100}, {"period": 2, "land_target": 300}],
    })
    raw = read_tables(path)
    assert peak_periods(raw) == [2, 3]
    rows = condition_frontier(raw, pool)
    # period 1 is not maximised (its target 0), so only the peak periods' figures are fixed
    assert {(r["max_personnel"], tuple(r["max_personnel_by_period"][1:]), tuple(r["peak_periods"])) for r in rows} == {(300, (300, 300), (2, 3))}
    assert {(r["planned_personnel"], tuple(r["planned_personnel_by_period"])) for r in rows} == {(300, (100, 300, 300))}
