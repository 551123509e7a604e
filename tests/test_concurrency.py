"""Determinism under concurrency (issue 7, part 7).

- Two ``forceplan solve`` processes at once, each writing its own folder, give
  the same plan: plan.json equal apart from its timing fields, plan.xlsx equal
  cell by cell apart from the solve time.
- One process solving the same workbook again (with a what-if in between, as
  the workbench's long-lived worker does) gives the same plan again.
- The analyses give the same answer on the local process pool and on a
  two-worker Dask cluster: N-1/N-2 stress and the explanation (Monte Carlo is
  checked in tests/test_analysis.py).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import openpyxl
import pytest

from optimizer.analysis.executor import make_executor
from optimizer.analysis.explain import explain
from optimizer.analysis.stress import n_minus_k
from optimizer.analysis.variants import Variant, plan_variant
from optimizer.reader import read_tables
from devtools.generators import generate_workbook
from tests.conftest import DEFAULT_WORKBOOK, ROOT, plan_in_process

# Fields of plan.json that say when or how fast, not what: removed before comparing.
TIMING_FIELDS = (("solver", "seconds"), ("solver", "timings_s"), ("source", "planned_at"))
# plan.xlsx Summary rows that say how fast.
TIMING_ROWS = {"Solve time (s)"}


def without_timing(plan: dict) -> dict:
    out = copy.deepcopy(plan)
    for section, name in TIMING_FIELDS:
        assert name in out.get(section, {}), f"plan.json has no {section}.{name}: update TIMING_FIELDS"
        del out[section][name]
    return out


def xlsx_cells(path) -> dict[str, list[tuple]]:
    """Every sheet's cell values, row by row, without the timing rows of the Summary."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        out = {}
        for ws in wb.worksheets:
            rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
            if ws.title == "Summary":
                found = [r for r in rows if r and r[0] in TIMING_ROWS]
                assert found, "the Summary sheet has no solve time row: update TIMING_ROWS"
                rows = [r for r in rows if not (r and r[0] in TIMING_ROWS)]
            out[ws.title] = rows
        return out
    finally:
        wb.close()


def first_difference(a, b, where="") -> str:
    """Where two JSON-like values first differ (for a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                return f"{where}/{k}: only in one"
            found = first_difference(a[k], b[k], f"{where}/{k}")
            if found:
                return found
        return ""
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return ""
    return "" if a == b else f"{where}: {a!r} vs {b!r}"


# --------------------------------------------------------------------------- two command lines at once


def test_two_solve_processes_at_once_write_identical_plans(tmp_path):
    outs = [tmp_path / "first", tmp_path / "second"]
    procs = [
        subprocess.Popen([sys.executable, "-m", "optimizer", "solve", str(DEFAULT_WORKBOOK), "--out", str(out), "--quiet"],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for out in outs
    ]  # both started before either is waited for
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        assert p.returncode == 0, stderr
    plans = [json.loads((out / "plan.json").read_text()) for out in outs]
    assert plans[0]["status"] == "optimal" and plans[0]["allocations"]
    a, b = (without_timing(p) for p in plans)
    assert a == b, first_difference(a, b)
    cells = [xlsx_cells(out / "plan.xlsx") for out in outs]
    assert set(cells[0]) >= {"Summary", "Allocation", "Requirements", "Nations"}
    assert cells[0] == cells[1], first_difference(cells[0], cells[1])
    for out in outs:  # each wrote only its own folder, completely
        assert sorted(p.name for p in out.iterdir()) == ["plan.json", "plan.xlsx", "report.pdf"]


def test_the_same_workbook_solved_again_in_one_process_gives_the_same_plan():
    """As the workbench's long-lived worker does: solve, solve a what-if, solve the first again."""
    first = without_timing(plan_in_process(DEFAULT_WORKBOOK))
    again = without_timing(plan_in_process(DEFAULT_WORKBOOK))
    assert first == again, first_difference(first, again)
    other = without_timing(plan_in_process(DEFAULT_WORKBOOK, ["un_mandate=yes"]))
    assert other["totals"] != first["totals"]  # the what-if is a different plan
    third = without_timing(plan_in_process(DEFAULT_WORKBOOK))
    assert first == third, first_difference(first, third)


# --------------------------------------------------------------------------- local pool and Dask


@pytest.fixture(scope="module")
def small_raw(tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "small.xlsx"
    generate_workbook(path, n_nations=10, n_unit_types=6, n_sectors=3, seed=11, ample=False)
    return read_tables(path)


@pytest.fixture(scope="module")
def executors():
    """(local 2-process pool, executor of a 2-worker Dask LocalCluster)."""
    from distributed import LocalCluster

    with make_executor(workers=2) as pool:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            with make_executor(cluster.scheduler_address) as on_dask:
                yield pool, on_dask


def test_n_minus_k_is_identical_on_the_local_pool_and_on_dask(small_raw, executors):
    pool, on_dask = executors
    base = plan_variant(small_raw, Variant("base"))
    local = n_minus_k(small_raw, pool, base)
    dask = n_minus_k(small_raw, on_dask, base)
    n1, n2 = local
    assert len(n1) >= 2 and n2, "the small workbook should give N-1 rows and N-2 pairs"
    assert any(r["shortfall_increase"] > 0 for r in n1)  # a withdrawal that hurts: the comparison has substance
    assert local == dask, first_difference(list(local), list(dask))


def test_explain_is_identical_on_the_local_pool_and_on_dask(small_raw, executors):
    pool, on_dask = executors
    local = explain(small_raw, pool)
    dask = explain(small_raw, on_dask)
    assert local["levers"], "the small workbook has gaps, so levers to try"
    assert local == dask, first_difference(local, dask)
