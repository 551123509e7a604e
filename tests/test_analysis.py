"""Explanation, withdrawal stress and frontiers (issue 5)."""

from __future__ import annotations

import openpyxl
import pytest

from optimizer.analysis.executor import make_executor
from optimizer.analysis.explain import explain
from optimizer.analysis.frontier import condition_frontier
from optimizer.analysis.stress import draw_withdrawals, monte_carlo, n_minus_k, stress
from optimizer.analysis.variants import Variant, plan_variant
from optimizer.reader import read_tables
from devtools.generators import generate_workbook, write_workbook_from_tables
from tests.conftest import plan_in_process

INF = "Infantry company"
UNIT = {"unit_type": INF, "domain": "land", "personnel": 100, "annual_cost_musd": 10}


def nation(name, **kw):
    row = {"nation": name, "status": "committed", "active_personnel": 100_000, "gdp_busd": 100}
    row.update(kw)
    return row


@pytest.fixture(scope="module")
def pool():
    with make_executor(workers=2) as executor:
        yield executor


@pytest.fixture(scope="module")
def small_workbook(tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "small.xlsx"
    generate_workbook(path, n_nations=10, n_unit_types=6, n_sectors=3, seed=11, ample=False)
    return path


def _declined_copy(src, nation_name, dst):
    book = openpyxl.load_workbook(src)
    ws = book["Nations"]
    header = [c.value for c in ws[1]]
    n_col, s_col = header.index("nation") + 1, header.index("status") + 1
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=n_col).value == nation_name:
            ws.cell(row=row, column=s_col).value = "declined"
    book.save(dst)


def test_each_n_minus_1_equals_a_fresh_solve_with_that_nation_declined(small_workbook, pool, tmp_path):
    raw = read_tables(small_workbook)
    base = plan_variant(raw, Variant("base"))
    n1, _ = n_minus_k(raw, pool, base)
    assert n1, "the base plan has nations taking part"
    assert {r["nation"] for r in n1} == {n for n, p in base.nation_personnel.items() if p > 0}
    for row in n1:
        copy = tmp_path / f"without-{row['nation']}.xlsx"
        _declined_copy(small_workbook, row["nation"], copy)
        fresh = plan_in_process(copy)
        assert row["shortfall_score"] == fresh["shortfall_score"], row["nation"]
        assert row["personnel"] == fresh["totals"]["personnel"], row["nation"]
        for b in row["backfilled_by"]:
            assert b["nation"] != row["nation"] and b["units"] > 0


def test_monte_carlo_draws_are_reproducible_and_per_sample():
    nations = ["A", "B", "C"]
    p = {"A": 0.5, "B": 0.5, "C": 0.0}
    first = draw_withdrawals(nations, p, 50, seed=3)
    assert first == draw_withdrawals(nations, p, 50, seed=3)
    assert first[:10] == draw_withdrawals(nations, p, 10, seed=3)  # sample i does not depend on how many are drawn
    assert all("C" not in d for d in first)
    assert first != draw_withdrawals(nations, p, 50, seed=4)


def test_monte_carlo_is_identical_on_the_local_pool_and_on_dask(small_workbook, pool):
    from distributed import LocalCluster

    raw = read_tables(small_workbook)
    local = monte_carlo(raw, pool, samples=16, seed=5)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with make_executor(cluster.scheduler_address) as dask_executor:
            on_dask = monte_carlo(raw, dask_executor, samples=16, seed=5)
    assert local == on_dask
    assert 0.0 <= local["p_target_met"] <= 1.0
    assert local["samples"] == 16


def test_stress_report_has_the_contract_fields(small_workbook, pool):
    report = stress(read_tables(small_workbook), pool, samples=8, seed=1).to_dict()
    for row in report["n_minus_1"]:
        assert {"nation", "shortfall_score", "personnel", "backfilled_by"} <= set(row)
    assert {"samples", "seed", "p_target_met", "shortfall_quantiles"} <= set(report["monte_carlo"])


def _explained(tmp_path, pool, scenario, tables):
    path = tmp_path / "wb.xlsx"
    write_workbook_from_tables(path, {"name": "t", "force_target": 0, **scenario}, tables)
    return explain(read_tables(path), pool)


def test_explanation_names_a_missing_un_mandate_and_ranks_it_first(tmp_path, pool):
    """B pledged 3 but needs a UN mandate; A's 1 unit leaves the line 3 short."""
    result = _explained(tmp_path, pool, {}, {
        "Nations": [nation("A"), nation("B", requires_un_mandate=True), nation("C", requires_us_backstop=True)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 1}, {"nation": "B", "unit_type": INF, "max_units": 3},
                    {"nation": "C", "unit_type": INF, "max_units": 1}],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 4, "priority": 1}],
    })
    line = result["causes"]["lines"][0]
    assert line["short_units"] == 3
    assert any("B needs a UN mandate" in c and "could cover 3 of the missing 3" in c for c in line["causes"])
    assert result["levers"][0]["lever"].startswith("a UN mandate")
    assert result["levers"][0]["score_cut"] == 3 * 100 * 3
    assert result["levers"][0]["lines_filled"] == [f"{INF} @ S"]


def test_explanation_names_a_political_cap_and_its_lever(tmp_path, pool):
    """A's political cap (200) holds it to 2 of the 4 units it pledged; lifting it fills the line."""
    result = _explained(tmp_path, pool, {"ceasefire_in_place": True}, {
        "Nations": [nation("A", max_personnel=200)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 4}],
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 4, "priority": 2}],
    })
    causes = result["causes"]["lines"][0]["pledges"][0]["causes"]
    assert causes == ["cap_political"]
    top = result["levers"][0]
    assert top["lever"] == "lift A's political cap" and top["score_cut"] == 2 * 100 * 2


def test_explanation_names_a_caveat_and_ranks_lifting_it_first(tmp_path, pool):
    result = _explained(tmp_path, pool, {"ceasefire_in_place": True, "un_mandate": True, "us_backstop": True}, {
        "Nations": [nation("A"), nation("B")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "Kyiv", "risk": 2}],
        "Pledges": [{"nation": "A", "unit_type": INF, "max_units": 2}, {"nation": "B", "unit_type": INF, "max_units": 2}],
        "Requirements": [{"unit_type": INF, "sector": "Kyiv", "min_units": 4}],
        "Caveats": [{"nation": "B", "sector": "Kyiv", "unit_type": None, "note": "no troops on Ukrainian soil"}],
    })
    line = result["causes"]["lines"][0]
    assert any("no troops on Ukrainian soil" in c for c in line["causes"])
    assert result["levers"][0]["lever"] == "lift B's caveats"


def test_condition_frontier_grows_with_conditions(small_workbook, pool):
    rows = condition_frontier(read_tables(small_workbook), pool)
    assert len(rows) == 8
    by = {(r["ceasefire_in_place"], r["un_mandate"], r["us_backstop"]): r for r in rows}
    for key, row in by.items():
        assert row["max_personnel"] >= row["planned_personnel"] - 0  # the plan never exceeds the largest force
        for i in range(3):  # switching a condition on never shrinks the largest force
            if not key[i]:
                more = tuple(True if j == i else key[j] for j in range(3))
                assert by[more]["max_personnel"] >= row["max_personnel"]
