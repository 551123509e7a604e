"""Stage-1 (and stage-2) optimality against brute-force enumeration on tiny instances."""

from __future__ import annotations

import pytest

from devtools.generators import generate_tiny_workbook
from tests.brute_force import brute_force_optimum
from tests.conftest import plan_in_process
from tests.plan_checker import check_plan, stage2_objective

SEEDS = range(40)


@pytest.mark.parametrize("seed", SEEDS)
def test_solver_matches_brute_force(seed, tmp_path):
    wb = tmp_path / "tiny.xlsx"
    generate_tiny_workbook(wb, seed)
    plan = plan_in_process(wb)
    assert plan["status"] == "optimal"
    assert check_plan(wb, plan) == []
    best_score, best_stage2 = brute_force_optimum(wb)
    assert plan["shortfall_score"] == pytest.approx(best_score)
    units = {(a["nation"], a["unit_type"], a["sector"]): a["units"] for a in plan["allocations"]}
    # mip_gap is 0 in tiny workbooks: stage 2 must match the enumeration too.
    assert stage2_objective(wb, plan["scenario"], units) == pytest.approx(best_stage2, rel=1e-6, abs=1e-6)
