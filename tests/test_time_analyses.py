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
