"""The workbench's analyses (issue 5): run in subprocesses, cached by content, drawn from their JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devtools.generators import generate_workbook
from optimizer.workbench import analysis_views as av
from optimizer.workbench.analyses import AnalysisService, analysis_key, clean_params
from optimizer.workbench.inputs import SOURCE_NAME, inputs_from_workbook, validate_cached
from tests.conftest import ROOT

TIMEOUT = 300


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    path = tmp_path_factory.mktemp("wb") / "small.xlsx"
    generate_workbook(path, n_nations=10, n_unit_types=6, n_sectors=3, seed=11, ample=False)
    inputs = inputs_from_workbook(path).inputs
    assert validate_cached(inputs).ok
    return inputs


@pytest.fixture(scope="module")
def service():
    svc = AnalysisService(workers=2)
    yield svc
    svc.shutdown()


@pytest.fixture(scope="module")
def results(service, small):
    return {kind: service.run(kind, small, params, timeout=TIMEOUT).result
            for kind, params in (("explain", {}), ("stress", {"samples": 12, "seed": 3}), ("frontier", {}))}


def test_the_analysis_modules_never_import_pyomo():
    code = ("import sys; import optimizer.workbench.analyses, optimizer.workbench.analysis_views; "
            "bad = [m for m in sys.modules if m.startswith(('pyomo', 'highspy', 'optimizer.model', 'optimizer.solve', 'optimizer.analysis'))]; "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_keys_depend_on_kind_inputs_and_settings(small):
    k = analysis_key("stress", small.key, {"samples": 100})
    assert k == analysis_key("stress", small.key, {"samples": 100, "seed": 0}) == analysis_key("stress", small.key)
    assert k != analysis_key("stress", small.key, {"samples": 100, "seed": 1})
    assert k != analysis_key("stress", small.with_parameter("un_mandate", True).key, {"samples": 100})
    assert analysis_key("explain", small.key) != analysis_key("frontier", small.key)
    with pytest.raises(ValueError):
        clean_params("explain", {"samples": 3})
    with pytest.raises(ValueError):
        clean_params("stress", {"samples": 0})
    with pytest.raises(ValueError):
        clean_params("nonsense")


def test_results_equal_the_analyses_run_directly(results, small, tmp_path):
    from optimizer.analysis.executor import make_executor
    from optimizer.analysis.explain import explain
    from optimizer.analysis.frontier import condition_frontier
    from optimizer.analysis.stress import stress
    from optimizer.reader import read_tables
    from optimizer.workbench.inputs import write_inputs_workbook

    path = tmp_path / "inputs.xlsx"
    write_inputs_workbook(small, path)
    raw = read_tables(path)
    with make_executor(workers=2) as ex:
        direct = {"explain": explain(raw, ex), "stress": stress(raw, ex, samples=12, seed=3).to_dict(),
                  "frontier": {"conditions": condition_frontier(raw, ex)}}
    for kind, want in direct.items():
        got = results[kind]
        assert got["source"] == {"workbook": SOURCE_NAME, "sha256": small.key}
        assert got["scenario_parameters"]["name"] == small.scenario["name"]
        assert {k: got[k] for k in want} == json.loads(json.dumps(want, default=str)), kind


def test_progress_is_reported_by_phase_and_results_are_cached(service, small, results):
    job = service.submit("stress", small, {"samples": 12, "seed": 3})
    assert job.finished and job.result is not None  # cached: no new run
    fresh = service.submit("stress", small, {"samples": 5, "seed": 9})
    assert service.submit("stress", small, {"samples": 5, "seed": 9}) is fresh  # the same run shared
    assert fresh.wait(TIMEOUT) and fresh.state == "done", fresh.error
    phases = [p["phase"] for p in fresh.snapshot()["phases"]]
    assert "N-1 withdrawals" in phases and "Monte Carlo samples" in phases
    counted = [p for p in fresh.snapshot()["phases"] if p["total"]]
    assert all(p["done"] == p["total"] for p in counted)
    assert service.lookup(fresh.key).result["monte_carlo"]["samples"] == 5


def test_cancel_kills_the_run_and_the_service_goes_on(small):
    before = named_semaphores()
    svc = AnalysisService(workers=1)
    job = svc.submit("stress", small, {"samples": 400, "seed": 1})
    deadline = time.monotonic() + 60
    while job.proc is None and time.monotonic() < deadline:
        time.sleep(0.05)
    while not (job.phases and job.phases[-1]["total"]) and time.monotonic() < deadline:
        time.sleep(0.05)  # its pool is solving
    assert named_semaphores() - before, "the pool made no named semaphore: nothing to check"
    assert svc.cancel(job.key)
    assert job.wait(30) and job.state == "cancelled"
    assert svc.lookup(job.key) is None
    assert job.proc.poll() is not None
    # The worker stopped its pool itself, so multiprocessing removed the pool's named
    # semaphores; a SIGKILL of the group would leave them in /dev/shm for good.
    leftover = set()
    while time.monotonic() < deadline:
        leftover = named_semaphores() - before
        if not leftover:
            break
        time.sleep(0.1)
    assert not leftover, leftover


def named_semaphores() -> set[str]:
    """multiprocessing's named semaphores on this machine (Linux keeps them in /dev/shm)."""
    shm = Path("/dev/shm")
    if not shm.is_dir():
        pytest.skip("no /dev/shm to look at")
    return {p.name for p in shm.glob("sem.mp-*")}


def test_a_failing_worker_gives_a_one_line_error(small, monkeypatch):
    svc = AnalysisService(workers=1)
    bad = small.with_parameter("force_target", None)  # the reader refuses it
    job = svc.submit("frontier", bad)
    assert job.wait(TIMEOUT) and job.state == "failed"
    assert job.error and "\n" not in job.error


def test_views_of_explain(results):
    r = results["explain"]
    lines, levers, targets = av.gap_lines_table(r), av.levers_table(r), av.missed_targets_table(r)
    assert len(lines) == len(r["causes"]["lines"]) > 0
    assert list(lines["priority"]) == sorted(lines["priority"])
    assert len(targets) == len(r["causes"]["targets"])
    assert list(levers["lever"]) == [lv["lever"] for lv in r["levers"]]
    assert list(levers["lines_filled"]) == [len(lv["lines_filled"]) for lv in r["levers"]]
    fig = av.levers_chart(r)
    shown = {y: x for trace in fig.data for y, x in zip(trace.y, trace.x)}
    assert shown == {lv["lever"]: lv["score_cut"] for lv in r["levers"]}


def test_views_of_stress(results):
    r = results["stress"]
    n1 = av.n1_table(r)
    assert set(n1["nation"]) == {row["nation"] for row in r["n_minus_1"]}
    assert list(n1["shortfall_increase"]) == sorted(n1["shortfall_increase"], reverse=True)
    bars = av.n1_chart(r).data[0]
    assert list(bars.x) == list(n1["nation"]) and list(bars.y) == list(n1["shortfall_increase"])
    assert len(av.n2_table(r)) == len(r["n_minus_2"])
    mc = av.mc_summary(r)
    assert mc["samples"] == 12 and mc["p_target_met"] == r["monte_carlo"]["p_target_met"]
    box = av.mc_chart(r).data[0]
    assert box.median[0] == r["monte_carlo"]["shortfall_quantiles"]["q50"]
    least = av.least_filled_table(r)
    assert (least["p_filled"] < 1).all() and list(least["p_filled"]) == sorted(least["p_filled"])
    assert len(av.quantiles_table(r)) == 5


def test_views_of_frontier(results, small):
    r = results["frontier"]
    t = av.frontier_table(r, small.scenario)
    assert len(t) == 8 and t["current"].sum() == 1
    fig = av.frontier_chart(r, small.scenario)
    assert [tr.name for tr in fig.data] == ["largest force", "planned (against the requirement)"]
    assert list(fig.data[0].y) == [row["max_personnel"] for row in r["conditions"]]
    assert fig.layout.shapes[0].y0 == small.scenario["force_target"]
    if r.get("tradeoff"):  # when optimizer.analysis.frontier offers cost_fairness_tradeoff
        assert len(av.tradeoff_table(r)) == len(r["tradeoff"]) and len(av.tradeoff_chart(r).data[0].x) == len(r["tradeoff"])
    assert "tradeoff_error" not in r
    assert av.tradeoff_table({}).empty and av.tradeoff_table({"tradeoff": [{"cost_musd": 2, "fairness_deviation": 1},
                                                                          {"cost_musd": 1, "fairness_deviation": 3}]})["cost_musd"].tolist() == [1, 2]
    assert len(av.tradeoff_chart({"tradeoff": [{"cost_musd": 1, "fairness_deviation": 3}]}).data) == 1


def test_views_of_empty_results_draw():
    for fn in (av.levers_chart, av.n1_chart, av.mc_chart, av.frontier_chart, av.tradeoff_chart):
        assert fn({}).layout.annotations
    for fn in (av.gap_lines_table, av.missed_targets_table, av.levers_table, av.n1_table, av.n2_table, av.least_filled_table,
               av.withdrawal_table, av.frontier_table, av.quantiles_table):
        assert fn({}).empty
