"""Certified plans: a plan called optimal is proven optimal by its own tables.

The reproducer (``fixtures/stage2_mislabelled.*``, from ``shared/repro``): with a
MIP start and presolve on, HiGHS 1.16 reports for stage 2 an objective and a
bound of 14,848.13 while its columns hold the start, 15,186.38; the optimum is
15,141.43.  The solve must notice (the guard) and re-solve (the recovery).

The differential test plans seeded random workbooks of varied structure twice —
forceplan's way, and a reference solve of the plain formulation without any MIP
start and with presolve off — and checks every plan against the independent
checker (``plan_checker``, which also checks the certificate): the same
stage-1 score, and a stage-2 objective within ``mip_gap`` of the reference's,
which is solved exactly (``mip_gap`` 0): the optimum.  ``FORCEPLAN_DIFFERENTIAL=N`` runs N workbooks instead of 200
(``FORCEPLAN_DIFFERENTIAL_FIRST`` the first seed), for the long run.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from conftest import DEFAULT_WORKBOOK, plan_in_process, run_cli
from plan_checker import certificate_violations, check_plan, read_instance, shortfall_of, stage2_of
from optimizer.data import load_planning_data
from optimizer.outputs import plan_to_dict
from optimizer.results import build_results
from optimizer.solve import _Session, solve
from devtools.generators import FEATURES, generate_workbook

FIXTURES = Path(__file__).parent / "fixtures"
REPRO = FIXTURES / "stage2_mislabelled.xlsx"
REPRO_OPTIMUM = 15141.434678  # proven with presolve off, no MIP start, gap 0 (shared/repro/README.md)
REPRO_START_VALUE = 15186.384678  # the stage-1 plan HiGHS hands back, and reports as 14,848.13


def _units(plan: dict) -> dict:
    return {(a["nation"], a["unit_type"], a["sector"]): a["units"] for a in plan["allocations"]}


# ---------------------------------------------------------------------- the reproducer


def test_the_reproducer_still_shows_the_upstream_disagreement():
    """Raw highspy on the kept MPS and start: the reported objective is not the columns' (HiGHS 1.16).

    Presolve's enumeration rule (bit 16 of ``presolve_rule_off``) is the one to blame:
    with it off the figures agree.  If a HiGHS release fixes this, the test skips
    (the guard stays: it costs one comparison per stage).
    """
    highspy = pytest.importorskip("highspy")

    def run(rule_off: int = 0, with_start: bool = True) -> tuple[float, float, float]:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(str(FIXTURES / "stage2_mislabelled.mps"))
        for name, value in (("random_seed", 20260106), ("threads", 1), ("mip_rel_gap", 1e-4), ("presolve_rule_off", rule_off)):
            h.setOptionValue(name, value)
        if with_start:
            start = highspy.HighsSolution()
            start.col_value = json.loads((FIXTURES / "stage2_mislabelled.start.json").read_text())
            start.value_valid = True
            h.setSolution(start)
        h.run()
        lp, x = h.getLp(), h.getSolution().col_value
        columns = sum(c * v for c, v in zip(lp.col_cost_, x)) + lp.offset_
        return h.getInfo().objective_function_value, h.getInfo().mip_dual_bound, columns

    reported, bound, columns = run()
    if abs(reported - columns) < 1e-6:
        pytest.skip(f"HiGHS {highspy.Highs().version()} no longer reports an objective its columns do not have")
    assert reported == pytest.approx(14848.134678) and bound == pytest.approx(14848.134678)
    assert columns == pytest.approx(REPRO_START_VALUE)
    for figures in (run(with_start=False), run(rule_off=1 << 16)):
        assert figures[0] == pytest.approx(figures[2]) == pytest.approx(REPRO_OPTIMUM)


def test_the_reproducer_gets_a_proven_optimal_plan(tmp_path):
    """Through the command line: optimal, and its stage 2 really is the optimum (not the start's 15,186.38)."""
    out = tmp_path / "out"
    done = run_cli("solve", REPRO, "--out", out)
    assert done.returncode == 0, done.stderr
    plan = json.loads((out / "plan.json").read_text())
    assert check_plan(REPRO, plan) == []
    sharing = stage2_of(read_instance(REPRO, plan["scenario"]), _units(plan))
    assert plan["status"] == "optimal"
    assert sharing <= REPRO_OPTIMUM * (1 + plan["scenario"]["mip_gap"])
    cert = plan["solver"]["certificate"]
    assert cert["stage2"]["recovered"] is True
    first = cert["stage2"]["attempts"][0]
    assert first["consistent"] is False and first["start"] == "stage-1 plan"
    assert first["columns_objective"] == pytest.approx(REPRO_START_VALUE)
    assert cert["stage2"]["objective"] == pytest.approx(sharing, abs=1e-3)
    assert "proven optimal: shortfall score exact; sharing within 0.01 %" in done.stdout


def test_without_recovery_the_guard_says_unverified_never_optimal(monkeypatch, tmp_path):
    """The guard alone (no re-solve): the plan is handed out as unverified, with one warning line."""
    monkeypatch.setattr(_Session, "recovery_presolve", ())
    plan = plan_in_process(REPRO)
    assert plan["status"] == "unverified"
    assert plan["solver"]["certificate"]["stage2"]["verdict"] == "unverified"
    warnings = [w for w in plan["warnings"] if "UNVERIFIED" in w]
    assert len(warnings) == 1 and "do not sign it off" in warnings[0]
    assert check_plan(REPRO, plan) == []  # a valid plan, honestly labelled


def test_the_terminal_and_plan_json_show_an_unverified_plan(monkeypatch, tmp_path):
    from optimizer.summary import format_summary

    monkeypatch.setattr(_Session, "recovery_presolve", ())
    data = load_planning_data(REPRO)
    text = format_summary(build_results(data, solve(data)))
    assert "status unverified" in text
    assert "certificate: UNVERIFIED: shortfall score exact; sharing UNVERIFIED" in text
    assert sum("warning: the plan is UNVERIFIED" in line for line in text.splitlines()) == 1


def test_a_table_that_contradicts_the_certificate_makes_the_plan_unverified():
    """results recomputes both objectives from the tables it hands out; a certificate of another plan fails."""
    data = load_planning_data(REPRO)
    solution = solve(data)
    solution.certificate["stage2"]["objective"] += 50.0  # as if the solve had certified a different plan
    plan = build_results(data, solution)
    assert plan.status == "unverified"
    assert plan.solver["certificate"]["stage2"]["verdict"] == "unverified"
    assert any("its tables give sharing" in w for w in plan.warnings)


def test_analysis_solves_go_through_the_guard(monkeypatch):
    """explain / stress / frontier / the resilient plan all plan a variant with plan_variant: the same guarded stages."""
    from optimizer.analysis.variants import Variant, plan_variant
    from optimizer.reader import read_tables

    raw = read_tables(REPRO)
    variants = [Variant("base"), Variant("resilient", reserve_priority=1), Variant("capped", fairness_cap=1e9)]
    assert [plan_variant(raw, v).status for v in variants] == ["optimal"] * 3
    monkeypatch.setattr(_Session, "recovery_presolve", ())
    assert plan_variant(raw, variants[0]).status == "unverified"


# ---------------------------------------------------------------------- differential


def _variant(seed: int) -> tuple[dict, list[str]]:
    """Sizes, features and Scenario overrides of workbook ``seed`` (varied structure, small enough to be quick)."""
    rng = random.Random(1000 + seed)
    shape = {
        "n_nations": rng.randint(6, 24),
        "n_unit_types": rng.randint(2, 9),
        "n_sectors": rng.randint(1, 5),
        "density": rng.choice((1.0, 1.5, 2.5)),
        "features": {f: rng.random() < 0.6 for f in FEATURES},
    }
    overrides = [
        f"lead_share={rng.choice((0.3, 0.4, 0.6))}",
        f"weight_cost={rng.choice((1, 1, 0, 5))}",
        f"weight_fairness={rng.choice((1, 1, 0.2))}",
        f"weight_nations={rng.choice((0, 0, 50))}",
        *(f"{switch}={rng.choice(('yes', 'no'))}" for switch in ("ceasefire_in_place", "un_mandate", "us_backstop")),
    ]
    return shape, overrides


def differential_case(seed: int, folder: Path) -> dict:
    """Plan workbook ``seed`` both ways; return what was found (problems: [] when all holds)."""
    shape, overrides = _variant(seed)
    path = folder / f"diff{seed}.xlsx"
    generate_workbook(path, seed=seed, **shape)
    data = load_planning_data(path, overrides)
    plan = plan_to_dict(build_results(data, solve(data)))
    # the second opinion: the plain formulation, no MIP start, presolve off, solved exactly (mip_gap 0)
    reference = solve(load_planning_data(path, [*overrides, "mip_gap=0"]), strong=False, reference=True)
    inst = read_instance(path, plan["scenario"])
    units = _units(plan)
    problems = [f"checker: {v}" for v in check_plan(path, plan)]
    cert = plan["solver"]["certificate"]
    first_runs_disagreed = [s for s in ("stage1", "stage2") if cert.get(s) and not cert[s]["attempts"][0]["consistent"]]
    ref_cert = reference.certificate
    score = shortfall_of(inst, units)
    ref_units = {(r.nation, r.unit_type, r.sector): int(r.units) for r in reference.units.itertuples()}
    ref_score = shortfall_of(inst, ref_units)
    if ref_cert["stage1"] is not None and ref_cert["stage1"]["verdict"] == "proven" and score != ref_score:
        problems.append(f"stage 1: plan scores {score}, the reference solve proves {ref_score}")
    gap = plan["scenario"]["mip_gap"]
    optimum = None  # the reference's plan, proven exactly: the stage-2 optimum
    if ref_cert.get("stage2") and ref_cert["stage2"]["verdict"] == "proven" and score == ref_score:
        optimum = stage2_of(inst, ref_units)
    if plan["status"] == "optimal" and optimum is not None:
        sharing = stage2_of(inst, units)
        if sharing - optimum > max(gap * abs(sharing), 1e-6) + 1e-3:
            problems.append(f"stage 2: plan {sharing:.6f} is not within mip_gap {gap} of the optimum {optimum:.6f}")
        if cert["stage2"]["bound"] > optimum + 1e-3:
            problems.append(f"stage 2: the certificate's bound {cert['stage2']['bound']:.6f} is above a plan that exists ({optimum:.6f})")
    # before the guard, the first run's plan was handed out under HiGHS's status: was it worse than mip_gap allows?
    mislabelled_before = False
    if "stage2" in first_runs_disagreed and optimum is not None:
        first = cert["stage2"]["attempts"][0]
        mislabelled_before = first["termination"] == "Optimal" and first["objective"] - optimum > max(gap * first["objective"], 1e-6) + 1e-3
    if "stage1" in first_runs_disagreed:
        mislabelled_before = mislabelled_before or cert["stage1"]["attempts"][0]["objective"] != ref_score
    return {"seed": seed, "status": plan["status"], "first_runs_disagreed": first_runs_disagreed, "mislabelled_before": mislabelled_before,
            "reference_status": reference.status, "problems": problems}


def _seeds() -> range:
    """Seeds 200–399 by default: with HiGHS 1.16 two of them (212, 241) have a first stage-2 run whose
    figures disagree with its plan, so the suite exercises the recovery, not only the guard."""
    first = int(os.environ.get("FORCEPLAN_DIFFERENTIAL_FIRST", "200"))
    return range(first, first + int(os.environ.get("FORCEPLAN_DIFFERENTIAL", "200")))


def test_differential_over_random_workbooks(tmp_path):
    cases = []
    for seed in _seeds():
        cases.append(differential_case(seed, tmp_path))
        (tmp_path / f"diff{seed}.xlsx").unlink()
    summary = {
        "workbooks": len(cases),
        "first_runs_disagreed": sum(1 for c in cases if c["first_runs_disagreed"]),
        "mislabelled_before": sum(1 for c in cases if c["mislabelled_before"]),
        "statuses": {s: sum(1 for c in cases if c["status"] == s) for s in sorted({c["status"] for c in cases})},
        "failures": [c for c in cases if c["problems"]],
    }
    if os.environ.get("FORCEPLAN_DIFFERENTIAL_REPORT"):
        Path(os.environ["FORCEPLAN_DIFFERENTIAL_REPORT"]).write_text(json.dumps({**summary, "cases": cases}, indent=1))
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}))
    assert not summary["failures"], summary["failures"][:5]
    # the small workbooks solve well inside their time limit: every plan is proven
    assert summary["statuses"] == {"optimal": len(cases)}, summary["statuses"]


def test_the_default_workbook_carries_its_certificate():
    plan = plan_in_process(DEFAULT_WORKBOOK)
    assert plan["status"] == "optimal"
    inst = read_instance(DEFAULT_WORKBOOK, plan["scenario"])
    assert certificate_violations(inst, _units(plan), plan) == []
    assert plan["solver"]["certificate"]["summary"].startswith("proven optimal: shortfall score exact; sharing within")
