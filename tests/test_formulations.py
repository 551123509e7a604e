"""No speed-up changes an answer (issue 6).

- the strong formulation (the default) and the plain one reach the same
  stage-1 score on seeded generated workbooks;
- the floor (``devtools/floor.py``: the same model on highspy from numpy arrays)
  builds exactly the LP the pyomo path hands to HiGHS, and reaches the same
  stage-1 score;
- stage 2 really starts from the stage-1 plan (HiGHS holds a valid start
  when it runs), and every start handed to HiGHS is a feasible plan.

Speed itself is measured by ``bench/run.py``, never asserted here.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from devtools.floor import build_floor, solve_floor
from optimizer.data import load_planning_data
from optimizer.model import build_model
from optimizer.highs_adapter import HighsModel, new_solver
from optimizer.solve import solve
from devtools.generators import FEATURES, generate_hard_workbook, generate_workbook
from optimizer.reader import read_tables
from tests.conftest import DEFAULT_WORKBOOK, plan_in_process
from tests.plan_checker import check_plan


def _workbook(tmp_path, seed: int):
    """Small but non-trivial instances: every feature drawn at random, dense or sparse."""
    rng = random.Random(seed)
    path = tmp_path / f"w{seed}.xlsx"
    generate_workbook(
        path,
        n_nations=rng.randint(6, 14),
        n_unit_types=rng.randint(3, 7),
        n_sectors=rng.randint(2, 4),
        seed=seed,
        density=rng.choice((1.0, 2.0, 3.0)),
        features={f: (True if rng.random() < 0.6 else None) for f in FEATURES},
    )
    return path


def _same_score(a: float, b: float) -> bool:
    return (a != a and b != b) or abs(a - b) < 1e-6 * max(1.0, abs(a))


@pytest.mark.parametrize("seed", range(24))
def test_strong_and_plain_formulations_give_the_same_stage1_score(seed, tmp_path):
    data = load_planning_data(_workbook(tmp_path, seed), ["time_limit_s=60"])
    strong, plain = solve(data), solve(data, strong=False)
    assert strong.stage1_proven and plain.stage1_proven
    assert _same_score(strong.stage1_score, plain.stage1_score)


def test_the_hard_class_is_drawn_alike_each_time_and_as_measured(tmp_path):
    """``generate_hard_workbook`` (the hard class of ../shared/bench/, issue 15): the same seed
    gives the same cells, another seed other ones, and the shape is the class's."""
    a, b, c = (tmp_path / f"{name}.xlsx" for name in "abc")
    generate_hard_workbook(a, seed=3)
    generate_hard_workbook(b, seed=3)
    generate_hard_workbook(c, seed=4)
    ta, tb, tc = (read_tables(p) for p in (a, b, c))
    for sheet in ta.tables:
        assert ta.tables[sheet].equals(tb.tables[sheet]), sheet
    assert ta.scenario == tb.scenario
    assert not ta.tables["Pledges"].equals(tc.tables["Pledges"])
    t = ta.tables
    pairs = len(t["Nations"]) * len(t["UnitTypes"])
    assert (len(t["Nations"]), len(t["UnitTypes"]), len(t["Sectors"]), len(t["Caveats"])) == (50, 30, 8, 20)
    assert 0.38 <= len(t["Pledges"]) / pairs <= 0.52  # 40–46 % in the given five
    assert 0.27 <= len(t["Requirements"]) / (30 * 8) <= 0.41  # 34–35 %
    assert int(t["Sectors"]["needs_lead"].sum()) == 3 and ta.scenario["max_nations_per_sector"] == 4
    personnel = t["UnitTypes"].set_index("unit_type")["personnel"]
    pledged = int((t["Pledges"]["max_units"] * t["Pledges"]["unit_type"].map(personnel)).sum())
    assert ta.scenario["force_target"] == round(0.2 * pledged, -2)


@pytest.mark.parametrize("seed", range(6))
def test_strong_and_plain_agree_on_small_workbooks_of_the_hard_class(seed, tmp_path):
    """The hard class drawn small enough for a test: both formulations prove the same stage-1
    score, stage 2 within mip_gap of each other, and the plan passes the independent checker."""
    path = tmp_path / "h.xlsx"
    generate_hard_workbook(path, n_nations=12, n_unit_types=8, n_sectors=3, seed=seed, max_nations_per_sector=3, caveat_rows=4)
    data = load_planning_data(path, ["time_limit_s=60"])
    strong, plain = solve(data), solve(data, strong=False)
    assert strong.status == plain.status == "optimal"
    assert _same_score(strong.stage1_score, plain.stage1_score)
    gap = data.scenario.mip_gap
    assert abs(strong.stage2_objective - plain.stage2_objective) <= gap * max(abs(strong.stage2_objective), 1.0) + 1e-6
    assert check_plan(path, plan_in_process(path)) == []


def _lp(highs) -> dict:
    import highspy

    lp = highs.getLp()
    a = lp.a_matrix_
    start, index, value = np.array(a.start_), np.array(a.index_), np.array(a.value_)
    if a.format_ == highspy.MatrixFormat.kRowwise:
        rows, cols = np.repeat(np.arange(lp.num_row_), np.diff(start)), index
    else:
        rows, cols = index, np.repeat(np.arange(lp.num_col_), np.diff(start))
    order = np.lexsort((rows, cols))
    return {
        "col_lower": np.array(lp.col_lower_), "col_upper": np.array(lp.col_upper_), "col_cost": np.array(lp.col_cost_),
        "row_lower": np.array(lp.row_lower_), "row_upper": np.array(lp.row_upper_),
        "rows": rows[order], "cols": cols[order], "values": value[order],
        "integrality": np.array([int(v) for v in lp.integrality_]),
    }


@pytest.mark.parametrize("strong", [True, False], ids=["strong", "plain"])
@pytest.mark.parametrize("seed", [*range(8), "default"])
def test_the_floor_builds_the_very_lp_pyomo_hands_to_highs(seed, strong, tmp_path):
    import highspy

    path = DEFAULT_WORKBOOK if seed == "default" else _workbook(tmp_path, seed)
    data = load_planning_data(path)
    if data.triples.empty:
        pytest.skip("nothing can be placed: no model")
    opt = new_solver()
    opt.set_instance(build_model(data, strong))
    ours = _lp(opt._solver_model)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(build_floor(data, strong).highs_lp)
    floor = _lp(h)
    for key in ours:
        assert np.array_equal(ours[key], floor[key]), key


@pytest.mark.parametrize("seed", range(8))
def test_the_floor_reaches_the_same_stage1_score(seed, tmp_path):
    data = load_planning_data(_workbook(tmp_path, 100 + seed), ["time_limit_s=60"])
    ours, floor = solve(data), solve_floor(data)
    assert ours.stage1_proven and floor.stage1_proven
    assert _same_score(ours.stage1_score, floor.stage1_score)
    # the same LP, options and MIP starts: single-threaded HiGHS does the very same work
    work = [k for k in ours.counts if k.endswith(("_nodes", "_lp_iterations"))]
    assert {k: ours.counts[k] for k in work} == {k: floor.counts.get(k) for k in work}


def test_stage2_starts_from_the_stage1_plan(monkeypatch):
    """pyomo's own update before a solve used to make HiGHS drop the MIP start: check HiGHS holds it when it runs."""
    seen = []
    original_run = HighsModel.run

    def spy(self, label, time_limit, rel_gap, abs_gap, start, presolve="choose"):
        highs = self._highs
        run = highs.run

        def run_and_record():
            seen.append((label, start is not None, highs.getSolution().value_valid))
            return run()

        highs.run = run_and_record
        try:
            return original_run(self, label, time_limit, rel_gap, abs_gap, start, presolve)
        finally:
            del highs.run

    monkeypatch.setattr(HighsModel, "run", spy)
    solve(load_planning_data(DEFAULT_WORKBOOK))
    assert seen[0] == ("stage 1", False, False)
    assert seen[1] == ("stage 2", True, True)


def _violations(m, values: dict[int, float]) -> list[str]:
    """Rows and bounds of the model that ``values`` (by variable id) violate."""
    import pyomo.environ as pyo

    by_id = {id(v): v for v in m.component_data_objects(pyo.Var)}
    for vid, value in values.items():
        by_id[vid].set_value(value, skip_validation=True)
    bad = []
    for v in by_id.values():
        lb, ub, value = v.lb, v.ub, v.value if v.value is not None else 0.0
        if (lb is not None and value < lb - 1e-6) or (ub is not None and value > ub + 1e-6):
            bad.append(f"{v.name} = {value} outside [{lb}, {ub}]")
        if v.is_integer() and abs(value - round(value)) > 1e-6:
            bad.append(f"{v.name} = {value} not integer")
    for c in m.component_data_objects(pyo.Constraint, active=True):
        body = pyo.value(c.body)
        if (c.has_lb() and body < pyo.value(c.lower) - 1e-6) or (c.has_ub() and body > pyo.value(c.upper) + 1e-6):
            bad.append(f"{c.name}: {body} outside [{pyo.value(c.lower) if c.has_lb() else None}, {pyo.value(c.upper) if c.has_ub() else None}]")
    return bad


@pytest.mark.parametrize("seed", [*range(4), "default"])
def test_every_start_handed_to_highs_is_a_feasible_plan(seed, monkeypatch, tmp_path):
    """Stage 2's start, made from stage 1's plan, violates no row and no bound of the model."""
    starts = []
    original = HighsModel.set_start

    def capture(self, values):
        starts.append(_violations(self.m, values))
        return original(self, values)

    monkeypatch.setattr(HighsModel, "set_start", capture)
    solve(load_planning_data(DEFAULT_WORKBOOK if seed == "default" else _workbook(tmp_path, seed)))
    assert len(starts) >= 1
    assert all(v == [] for v in starts), [v[:3] for v in starts if v]


def test_the_floor_refuses_what_it_cannot_build():
    """The floor has no backfill reserves and no fairness cap: asked for them, it says so instead of ignoring them."""
    from dataclasses import replace

    data = load_planning_data(DEFAULT_WORKBOOK)
    for option in ({"reserve_priority": 1}, {"fairness_cap": 1000.0}):
        with pytest.raises(ValueError, match="plain plan only"):
            build_floor(replace(data, **option))
        with pytest.raises(ValueError, match="plain plan only"):
            solve_floor(replace(data, **option))


def test_the_floor_has_a_counterpart_of_every_family():
    """One function per family of the model, from the model's own list (the analysis options refused)."""
    from devtools.floor import FAMILIES
    from optimizer.model import families

    assert list(FAMILIES) == families(strong=True, analysis=False)
