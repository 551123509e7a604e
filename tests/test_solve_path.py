"""The solve path's failure modes: time limits, solver errors, interruptions, atomic outputs."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner

import optimizer.cli as cli_module
import optimizer.solve as solve_module
from optimizer.atomic import atomic_path, write_text_atomic
from devtools.generators import generate_workbook
from tests.conftest import DEFAULT_WORKBOOK, plan_in_process
from tests.plan_checker import check_plan


def test_a_tiny_time_limit_still_gives_a_valid_plan():
    """With 10 ms HiGHS cannot prove anything on the default workbook; the plan is still valid."""
    plan = plan_in_process(DEFAULT_WORKBOOK, ("time_limit_s=0.01",))
    assert plan["status"] in ("time_limit", "optimal")
    assert plan["scenario"]["time_limit_s"] == 0.01
    assert check_plan(DEFAULT_WORKBOOK, plan) == []
    if plan["status"] == "time_limit":
        assert plan["solver"]["gap"] >= 0


def test_no_time_left_for_stage_two_is_a_time_limit_with_its_gap(monkeypatch):
    """Stage 1 proven, then the clock has run out before stage 2: the plan is stage 1's, its status
    ``time_limit`` and its gap its stage-2 objective against the only bound known, 0 (so 1, not the
    0 of the proven stage 1).  The clock is moved on by the time limit as stage 1 returns."""
    import time as real_time
    from types import SimpleNamespace

    from optimizer.certify import plan_objectives
    from optimizer.data import load_planning_data
    from optimizer.results import build_results

    offset = [0.0]
    monkeypatch.setattr(solve_module, "time", SimpleNamespace(perf_counter=lambda: real_time.perf_counter() + offset[0]))
    original = solve_module._Session._stage

    def stage(self, name, *args, **kwargs):
        out = original(self, name, *args, **kwargs)
        if name == "stage1":
            offset[0] += self.data.scenario.time_limit_s
        return out

    monkeypatch.setattr(solve_module._Session, "_stage", stage)
    data = load_planning_data(DEFAULT_WORKBOOK)
    solution = solve_module.solve(data)
    assert solution.stage1_proven and solution.certificate["stage2"] is None
    assert solution.status == "time_limit"
    assert plan_objectives(data, solution.units)[1] > 0 and solution.gap == 1.0
    plan = build_results(data, solution)
    assert plan.status == "time_limit" and plan.solver["gap"] == 1.0


def test_the_interim_plan_is_stage_ones_valid_plan_and_changes_nothing():
    """While stage 2 runs the workbench shows stage 1's plan: a valid plan with the final shortfall score,
    marked provisional (status ``interim``, never a contract status, never written); handing it out
    changes nothing of the final plan.  Without a stage 2 there is none."""
    from optimizer.data import load_planning_data
    from optimizer.outputs import plan_to_dict
    from optimizer.pipeline import plan_data, write_outputs

    data = load_planning_data(DEFAULT_WORKBOOK)  # stage 2 runs (cost and fairness weighted)
    seen = []
    final = plan_data(data, on_interim=seen.append)
    assert len(seen) == 1
    interim = plan_to_dict(seen[0])
    assert interim["status"] == "interim" and interim["solver"]["stage2_objective"] is None
    assert interim["solver"]["certificate"]["summary"].startswith("provisional: shortfall score exact; cost, fairness and handovers not yet")
    assert interim["shortfall_score"] == final.shortfall_score
    assert final.status == "optimal"
    # as a plan stopped before its stage 2, the interim plan satisfies the contract (checked independently)
    stopped = copy.deepcopy(interim)
    stopped["status"] = stopped["solver"]["certificate"]["status"] = "time_limit"
    assert check_plan(DEFAULT_WORKBOOK, stopped) == []
    assert plan_to_dict(plan_data(data))["allocations"] == plan_to_dict(final)["allocations"]
    with pytest.raises(ValueError, match="interim"):
        write_outputs(seen[0], Path("never-written"))
    assert not Path("never-written").exists()

    calls = []
    plan_data(load_planning_data(DEFAULT_WORKBOOK, ("weight_cost=0", "weight_fairness=0", "weight_churn=0")), on_interim=calls.append)
    assert calls == []


def test_weights_all_zero_skip_stage_two():
    plan = plan_in_process(DEFAULT_WORKBOOK, ("weight_cost=0", "weight_fairness=0"))
    assert plan["status"] == "optimal"
    assert plan["solver"]["stage2_objective"] is None
    assert check_plan(DEFAULT_WORKBOOK, plan) == []


def test_solver_failure_is_one_line_exit_1_and_writes_nothing(tmp_path, monkeypatch):
    def broken(data):
        raise solve_module.SolverFailure("HiGHS failed in stage 1: simulated")

    import optimizer.pipeline as pipeline_module

    monkeypatch.setattr(pipeline_module, "solve", broken)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli_module.cli, ["solve", str(DEFAULT_WORKBOOK), "--out", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0 and "simulated" in result.output
    assert not out.exists()


def test_interrupt_leaves_nothing_half_written(tmp_path, monkeypatch):
    """Ctrl-C during the xlsx write: no plan.xlsx, no temporary file, exit 130."""
    import optimizer.outputs.excel_out as excel_out

    def interrupted(path):
        Path(path).write_bytes(b"half")
        raise KeyboardInterrupt

    real = excel_out.write_with_atomic
    monkeypatch.setattr(excel_out, "write_with_atomic", lambda target, writer: real(target, interrupted))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli_module.cli, ["solve", str(DEFAULT_WORKBOOK), "--out", str(out)])
    assert result.exit_code == 130
    assert list(out.iterdir()) == []


def test_atomic_write_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "plan.json"
    write_text_atomic(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("new, but torn")
            raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


def test_rerun_replaces_outputs(tmp_path):
    wb = tmp_path / "w.xlsx"
    generate_workbook(wb, n_nations=6, n_unit_types=4, n_sectors=2, seed=5)
    out = tmp_path / "out"
    for _ in range(2):
        result = CliRunner().invoke(cli_module.cli, ["solve", str(wb), "--out", str(out), "--quiet"])
        assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["plan.json", "plan.xlsx", "report.pdf"]
