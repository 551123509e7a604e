"""No speed-up changes an answer (issue 6).

- the strong formulation (the default) and the plain one reach the same
  stage-1 score on seeded generated workbooks;
- the floor (``devtools/floor.py``: the same model on highspy from numpy arrays)
  builds exactly the LP the pyomo path hands to HiGHS, and reaches the same
  stage-1 score;
- a what-if session (:class:`optimizer.session.Planner`) that changes a pledge
  or a switch in place plans as a fresh solve of the changed inputs does;
- stage 2 really starts from the stage-1 plan (HiGHS holds a valid start
  when it runs).

Speed itself is measured by ``bench/run.py``, never asserted here.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from devtools.floor import build_floor, solve_floor
from optimizer.data import load_planning_data
from optimizer.model import build_model
from optimizer.session import Planner
from optimizer.highs_adapter import HighsModel, new_solver
from optimizer.solve import SWITCHES, solve
from devtools.generators import FEATURES, generate_workbook
from tests.conftest import DEFAULT_WORKBOOK
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


def test_a_session_replans_in_place_as_a_fresh_solve_would(tmp_path):
    """Switches and pledges change Params and bounds only; each re-solve equals a fresh solve."""
    path = tmp_path / "w.xlsx"
    generate_workbook(path, n_nations=12, n_unit_types=6, n_sectors=3, seed=7, density=2.0, features={f: True for f in FEATURES})
    planner = Planner(path, ["time_limit_s=60"])
    rng = random.Random(3)
    pledges = planner.data.pledges
    changes = [("switch", s) for s in SWITCHES] + [("pledge", i) for i in rng.sample(range(len(pledges)), 5)]
    first = planner.solve()
    assert _same_score(first.stage1_score, solve(planner.data).stage1_score)
    for kind, what in changes:
        if kind == "switch":
            planner.set_switch(what, not planner.scenario[what])
        else:
            row = pledges.iloc[what]
            planner.set_pledge(row["nation"], row["unit_type"], max(0, int(row["max_units"]) + rng.choice((-2, -1, 1, 3))))
        again, fresh = planner.solve(), solve(planner.data)
        assert again.stage1_proven and fresh.stage1_proven
        assert _same_score(again.stage1_score, fresh.stage1_score), (kind, what)
    assert planner.rebuilds == 1  # every change above was made in place


def test_a_session_plan_obeys_the_contract(tmp_path):
    from optimizer.outputs import plan_to_dict

    planner = Planner(DEFAULT_WORKBOOK)
    planner.set_switch("un_mandate", True)
    planner.set_pledge("France", planner.data.pledges["unit_type"].iloc[0], 0)
    plan = plan_to_dict(planner.plan())
    path = tmp_path / "changed.xlsx"
    _write_state(planner, path)
    assert check_plan(path, plan) == []
    assert plan["shortfall_score"] == pytest.approx(solve(planner.data).stage1_score)


def test_a_session_rebuilds_for_what_it_cannot_change_in_place(tmp_path):
    path = tmp_path / "w.xlsx"
    generate_workbook(path, n_nations=8, n_unit_types=4, n_sectors=2, seed=11)
    planner = Planner(path)
    planner.solve()
    missing = _unpledged_pair(planner)
    planner.set_pledge(*missing, 2)  # a new Pledges row: outside the universe
    planner.set_scenario(force_target=planner.scenario["force_target"] + 1000)  # not a switch
    again = planner.solve()
    assert planner.rebuilds == 2
    assert _same_score(again.stage1_score, solve(planner.data).stage1_score)
    with pytest.raises(ValueError):
        planner.set_switch("lead_share", 0.5)
    with pytest.raises(ValueError):
        planner.set_pledge("Atlantis", "Frigate", 1)
    with pytest.raises(ValueError):
        planner.set_pledge(*missing, -1)


def _unpledged_pair(planner: Planner) -> tuple[str, str]:
    pledged = set(zip(planner.data.pledges["nation"], planner.data.pledges["unit_type"]))
    for n in planner.data.nations.index:
        for u in planner.data.unit_types.index:
            if (n, u) not in pledged:
                return n, u
    raise AssertionError("every pair is pledged")


def _write_state(planner: Planner, path) -> None:
    """The planner's current inputs as a contract workbook (for the independent checker)."""
    from devtools.generators import SHEET_COLUMNS, write_workbook_from_tables

    tables = {}
    for name, frame in planner._tables.items():
        cols = [c for c in SHEET_COLUMNS.get(name, frame.columns) if c in frame.columns]
        tables[name] = [{c: (None if v != v else v) for c, v in zip(cols, row)} for row in frame[cols].itertuples(index=False, name=None)]
    scenario = {k: v for k, v in planner.scenario.items() if v is not None}
    write_workbook_from_tables(path, scenario, tables)


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


def test_every_start_handed_to_highs_is_a_feasible_plan(monkeypatch, tmp_path):
    """Stage 2's start (from stage 1) and a re-solve's (the previous plan, repaired to the new bounds)."""
    starts = []
    original = HighsModel.set_start

    def capture(self, values):
        starts.append(_violations(self.m, values))
        return original(self, values)

    monkeypatch.setattr(HighsModel, "set_start", capture)
    planner = Planner(DEFAULT_WORKBOOK)
    planner.solve()
    used = planner.plan().allocations
    biggest = used.groupby("nation")["units"].sum().idxmax()
    planner.set_pledge(biggest, used[used["nation"] == biggest]["unit_type"].iloc[0], 0)  # the plan loses units
    planner.solve()
    planner.set_switch("ceasefire_in_place", False)  # nations that need a ceasefire drop out
    planner.solve()
    assert len(starts) >= 5  # stage 2 each time, stage 1 of each re-solve
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
