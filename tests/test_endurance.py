"""Endurance (issue 7, part 6): many what-if solves do not grow memory.

The path is the workbench's own: edit the inputs (``Inputs.with_parameter``),
validate them (``validate_cached``), submit them to the solve service
(``SolveService.submit``: a long-lived worker subprocess), pick the plan up
when its job finishes, draw its headline and fetch its plan.xlsx, as the
Plan page does.  Every solve is a real one (new inputs, no cache hit).

After a warm-up, 100 solves must grow the resident memory of this process
plus the worker's by under 50 MB.  ``bench/endurance.py`` does the same
against a real ``streamlit run app.py`` server in a browser.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from devtools.generators import generate_workbook
from optimizer.workbench import views
from optimizer.workbench.inputs import inputs_from_workbook, validate_cached
from optimizer.workbench.jobs import PlanCache, SolvedPlan, SolveService

psutil = pytest.importorskip("psutil")  # installed with distributed

WARM_UP = 10
SOLVES = 100
LIMIT_MB = 50.0
MB = 1e6


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / MB


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A synthetic workbook of the default size (30 nations, 15 unit types, 6 sectors): a fifth of a second a solve."""
    path = tmp_path_factory.mktemp("wb") / "endurance.xlsx"
    generate_workbook(path, seed=0)
    imported = inputs_from_workbook(path)
    assert not imported.rejected and not imported.issues, imported.issues
    return imported.inputs


def what_if(base, i: int):
    """The i-th what-if: alternating changes, each giving new inputs (a real solve)."""
    ft = int(base.scenario["force_target"])
    inputs = base.with_parameter("force_target", ft - 1 - i)  # distinct every time
    if i % 2:
        inputs = inputs.with_parameter("un_mandate", not base.scenario.get("un_mandate"))
    if i % 3 == 0:
        inputs = inputs.with_parameter("sustainable_share", 0.05 + 0.01 * (i % 10))
    if i % 5 == 0:
        inputs = inputs.with_parameter("weight_nations", 1.0)
    return inputs


def solve_like_the_page(svc: SolveService, inputs) -> tuple:
    v = validate_cached(inputs)
    assert v.ok, v.issues
    job = svc.submit(inputs.key, v.data)  # state._submit
    assert job.wait(300), "no plan within 300 s"
    assert job.state == "done", job.error
    assert not job.from_cache  # a real solve
    job.snapshot()  # state._pick_up_finished
    solved = svc.lookup(inputs.key)  # state.current_plan
    views.headline(solved.plan)  # the Plan page's figures
    solved = svc.with_xlsx(inputs.key, timeout=60)  # the plan.xlsx download
    assert solved.xlsx and solved.xlsx[:2] == b"PK"
    return solved


def test_100_what_if_solves_grow_memory_by_under_50_mb(base):
    svc = SolveService(1)
    svc.warm()
    try:
        for i in range(WARM_UP):
            solve_like_the_page(svc, what_if(base, SOLVES + i))
        worker = svc._slots[0].proc.pid
        gc.collect()
        start = {"test process": rss_mb(psutil.Process().pid), "solver worker": rss_mb(worker)}
        for i in range(SOLVES):
            solved = solve_like_the_page(svc, what_if(base, i))
            assert solved.plan["source"]["sha256"] == what_if(base, i).key
        assert svc._slots[0].proc.pid == worker, "the worker was replaced: its memory was not measured throughout"
        gc.collect()
        end = {"test process": rss_mb(psutil.Process().pid), "solver worker": rss_mb(worker)}
    finally:
        svc.shutdown()
    growth = {k: end[k] - start[k] for k in start}
    report = ", ".join(f"{k} {start[k]:.1f} -> {end[k]:.1f} MB ({growth[k]:+.1f})" for k in start)
    print(f"\nendurance, {SOLVES} solves: {report}")
    assert sum(growth.values()) < LIMIT_MB, report


def test_plans_that_left_the_cache_are_freed(base):
    """A finished job holds its plan; old jobs must not keep plans the cache dropped."""
    svc = SolveService(1, cache_size=4, finished_jobs_kept=4)
    svc.warm()
    refs = []
    try:
        for i in range(24):
            refs.append(weakref.ref(solve_like_the_page(svc, what_if(base, 500 + i))))
        gc.collect()
        alive = [i for i, r in enumerate(refs) if r() is not None]
        assert len(alive) <= 4 + 4, f"plans still in memory: {alive}"
        assert alive and alive[-1] == 23  # the latest is cached
    finally:
        svc.shutdown()


def test_the_plan_cache_packs_cold_plans_and_gives_them_back_equal():
    cache = PlanCache(5, hot=2)
    plans = [SolvedPlan(f"k{i}", {"i": i, "rows": [{"nation": "A", "units": i}] * 3}, b"PK" + bytes([i]), "t", float(i)) for i in range(6)]
    for p in plans:
        cache.put(p)
    assert len(cache) == 5 and "k0" not in cache and cache.get("k0") is None  # the least recently used went
    assert cache.get("k5") is plans[5]  # a hot plan is the very object
    packed = [k for k in ("k1", "k2", "k3") if not isinstance(cache._items[k], SolvedPlan)]
    assert packed == ["k1", "k2", "k3"]  # only the hot ones are kept as dicts
    again = cache.get("k1")  # a cold plan comes back unpacked and equal
    assert again == plans[1] and again is not plans[1]
    assert cache.get("k1") is again  # and is hot now
    assert not isinstance(cache._items["k4"], SolvedPlan)  # k4 went cold in its place
    assert [cache.get(k) == p for k, p in (("k2", plans[2]), ("k3", plans[3]), ("k4", plans[4]))] == [True] * 3
