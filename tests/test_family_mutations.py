"""Each family's hand-solved test fails when that family is removed.

This proves the tests in ``test_families.py`` and ``test_resilience_tradeoff.py``
can fail: for every kind of row the model builds (each its own component,
:data:`ROWS`), the component is deactivated after the model is built; for
H1, H3, H10 and the data layer's presolve reductions (which hold by
construction, no rows) the data layer's rule is switched off; for each
objective term the model is built without it.  Each time the test must
then fail.

``test_every_row_kind_is_registered_documented_and_tested`` fails when a
kind of row a model can have is missing from :data:`ROWS` (or from
:data:`VALID_INEQUALITIES`, whose test is the equivalence of formulations),
has no code name in docs/model.md, or when a ``define_*`` function is not
documented there.
"""

from __future__ import annotations

import pytest

import dataclasses
import inspect
import re

import optimizer.data as data_module
import optimizer.model as model_module
import optimizer.solve as solve_module
from tests import test_families as fam
from tests import test_resilience_tradeoff as resilience
from tests import test_time_model as time_model
from tests.conftest import ROOT


def _call(test, request):
    """Run a hand-solved test with its fixtures (``plan_tables``, ``tmp_path``)."""
    return test(*(request.getfixturevalue(name) for name in inspect.signature(test).parameters))


#: Every kind of row a plan's model can have → the hand-solved tests that fail without it.
ROWS = {
    "pledge_limit": [fam.test_h2_pledge_spread_over_lines, time_model.test_rotation_forces_a_second_nation_in],
    "personnel_cap": [fam.test_h4_cap],
    "minimum_contribution": [fam.test_h5_minimum_contribution],
    "takes_part_reach": [fam.test_h5_minimum_contribution],
    "budget": [fam.test_h6_budget],
    "presence_link": [fam.test_h7_interoperability],
    "interoperability": [fam.test_h7_interoperability],
    "one_lead": [fam.test_h8_the_lead_alone_provides_the_share],
    "lead_needed": [fam.test_h8_units_need_a_lead],
    "lead_holds_units": [fam.test_h8_the_lead_holds_units],
    "lead_personnel_held": [fam.test_h8_the_lead_provides_its_share_itself],
    "lead_personnel_link": [fam.test_h8_the_lead_alone_provides_the_share],
    "lead_share": [fam.test_h8_lead_share],
    "one_sector_per_lead": [fam.test_h8_one_sector_per_lead_and_no_lead_no_units],
    "line_limit": [fam.test_h9_line_limit],
    "line_shortfall": [fam.test_h1_eligibility],
    "target_shortfall": [fam.test_domain_targets_count_in_the_score],
    "fair_excess": [fam.test_stage2_fair_shares_over_and_under],
    "fair_deficit": [fam.test_stage2_fair_shares_over_and_under],
    "stage1_bound": [fam.test_stage2_fewer_nations_and_cheaper],
    "churn_in": [time_model.test_handovers_are_paid_in_stage_2],
    "churn_out": [time_model.test_handovers_are_paid_in_stage_2],
    # analysis options
    "reserve_pledge": [resilience.test_reserves_cover_any_single_withdrawal_by_hand],
    "reserve_cap": [resilience.test_reserves_fit_under_the_cap],
    "reserve_budget": [resilience.test_reserves_fit_under_the_budget],
    "reserve_cover": [resilience.test_reserves_cover_any_single_withdrawal_by_hand],
    "fairness_cap_excess": [resilience.test_fairness_cap_bounds_the_deviation_in_stage_2],
    "fairness_cap_deficit": [resilience.test_fairness_cap_bounds_the_deviation_in_stage_2],
    "fairness_cap": [resilience.test_fairness_cap_bounds_the_deviation_in_stage_2],
}
#: Valid inequalities of the strong formulation: removing one changes no plan, so what pins them
#: is that both formulations give the same answers (tests/test_formulations.py).
VALID_INEQUALITIES = {
    "lead_cover": "test_strong_and_plain_formulations_give_the_same_stage1_score",
    "takes_part_link": "test_strong_and_plain_formulations_give_the_same_stage1_score",
}
#: Rows a strengthening implies (``takes_part_link``'s x ≤ ub·y forces y = 1 as P ≤ R·y does):
#: their mutation builds the plain formulation, where nothing else holds them.
IMPLIED_BY_STRENGTHENING = {"takes_part_reach"}
CASES = [(component, test) for component, tests in ROWS.items() for test in tests]


@pytest.mark.parametrize("component, test", CASES, ids=[f"{c}-{t.__name__}" for c, t in CASES])
def test_removing_a_row_kind_breaks_its_test(component, test, request, monkeypatch):
    original = model_module.build_model

    def without_rows(data, strong=True, *args, **kwargs):
        m = original(data, strong and component not in IMPLIED_BY_STRENGTHENING, *args, **kwargs)
        getattr(m, component).deactivate()
        return m

    monkeypatch.setattr(solve_module, "build_model", without_rows)
    if component in model_module.STAGE2_ONLY:  # the solve switches these on for stage 2: keep them off
        monkeypatch.setattr(solve_module, "STAGE2_ONLY", ())
    with pytest.raises(AssertionError):
        _call(test, request)


def test_removing_eligibility_breaks_h1(plan_tables, monkeypatch):
    import optimizer.data as data_module

    monkeypatch.setattr(data_module, "eligibility", lambda nations, scenario, period=1: nations["status"].map(lambda _: ""))
    with pytest.raises(AssertionError):
        fam.test_h1_eligibility(plan_tables)


def test_removing_caveats_breaks_h10(plan_tables, monkeypatch):
    import optimizer.data as data_module

    monkeypatch.setattr(data_module, "_is_forbidden", lambda caveats: (lambda n, u, s: False))
    with pytest.raises(AssertionError):
        fam.test_h10_caveats(plan_tables)


def test_removing_risk_breaks_h3(plan_tables, monkeypatch):
    """H3 holds by construction (no placement beyond a nation's risk): let every nation go everywhere."""
    original = data_module._valid_triples

    def every_risk(nations, *args):
        return original(nations.assign(max_sector_risk=3), *args)

    monkeypatch.setattr(data_module, "_valid_triples", every_risk)
    with pytest.raises(AssertionError):
        fam.test_h3_risk(plan_tables)


@pytest.mark.parametrize("reduction, test", [
    ("_drop_unreachable_minimums", fam.test_reduction_unreachable_minimum_drops_the_nation),
    ("_drop_leaderless", fam.test_reduction_leaderless_sector_holds_nothing),
])
def test_removing_a_presolve_reduction_breaks_its_test(reduction, test, tmp_path, monkeypatch):
    monkeypatch.setattr(data_module, reduction, lambda *args: args[1])  # both take (…, triples, …): hand the triples back untouched
    with pytest.raises(AssertionError):
        test(tmp_path)


def _without(update_scenario=None, update_requirements=None, target=None):
    """A data-layer view the objective families see: a term's weight or a target scope's target set to 0."""
    def view(data):
        if update_scenario:
            data = dataclasses.replace(data, scenario=data.scenario.model_copy(update=update_scenario))
        if update_requirements:
            data = dataclasses.replace(data, requirements=data.requirements.assign(**update_requirements))
        if target:
            targets = data.targets.copy()
            targets.loc[targets["scope"] == target, "target"] = 0
            data = dataclasses.replace(data, targets=targets)
        return data
    return view


OBJECTIVE_TERMS = [
    # (family, the term left out, the test that needs the term)
    ("define_shortfall", _without(update_requirements={"weight": 0}), fam.test_h1_eligibility),  # line shortfall
    ("define_shortfall", _without(target="sea"), fam.test_domain_targets_count_in_the_score),  # target shortfall
    ("define_stage2_objective", _without(update_scenario={"weight_fairness": 0}), fam.test_stage2_fair_shares),
    ("define_stage2_objective", _without(update_scenario={"weight_cost": 0}), fam.test_stage2_fewer_nations_and_cheaper),
    ("define_stage2_objective", _without(update_scenario={"weight_nations": 0}), fam.test_stage2_fewer_nations_and_cheaper),
]


@pytest.mark.parametrize("family, view, test", OBJECTIVE_TERMS,
                         ids=["line-shortfall", "target-shortfall", "fairness", "cost", "nations"])
def test_removing_an_objective_term_breaks_its_test(family, view, test, plan_tables, monkeypatch):
    """The model is built without the term; the plan (or its certificate, which recomputes the
    contract's objective from the plan and finds the model's disagreeing) must then fail the test."""
    original = getattr(model_module, family)
    monkeypatch.setattr(model_module, family, lambda m, data: original(m, view(data)))
    with pytest.raises(AssertionError):
        test(plan_tables)


# --------------------------------------------------------------------------- the register

def test_every_row_kind_is_registered_documented_and_tested(tmp_path):
    """Build a model with every family and option on; each of its constraint components must be registered."""
    import pyomo.environ as pyo
    from devtools.generators import generate_workbook
    from optimizer.data import build_planning_data
    from optimizer.reader import read_tables
    from tests import test_formulations

    path = tmp_path / "all.xlsx"
    generate_workbook(path, n_nations=12, n_unit_types=6, n_sectors=4, seed=3, density=2.0)
    data = build_planning_data(read_tables(path))
    data = dataclasses.replace(data, reserve_priority=2, fairness_cap=1e6,
                               scenario=data.scenario.model_copy(update={"weight_nations": 1, "weight_fairness": 1}))
    built = {c.local_name for c in model_module.build_model(data).component_objects(pyo.Constraint)}
    known = set(ROWS) | set(VALID_INEQUALITIES)
    assert built == known, f"unregistered: {sorted(built - known)}; registered but never built: {sorted(known - built)}"
    docs = (ROOT / "docs" / "model.md").read_text()
    assert [c for c in sorted(known) if f"`{c}`" not in docs] == [], "a kind of row without its code name in docs/model.md"
    families = sorted(name for name, fn in inspect.getmembers(model_module, inspect.isfunction)
                      if name.startswith("define_") and fn.__module__ == model_module.__name__)
    assert [f for f in families if not re.search(rf"\b{f}\b", docs)] == [], "a family without its section in docs/model.md"
    assert all(callable(getattr(test_formulations, t, None)) for t in VALID_INEQUALITIES.values())


def test_every_row_is_named_after_what_it_constrains(tmp_path):
    """Each row's index is made of the workbook's own names (nations, unit types, sectors, target scopes)
    and the period, so an LP file or an infeasibility log says which nation, unit type, sector and
    period a row is about."""
    import pyomo.environ as pyo
    from optimizer.data import SCOPES
    from optimizer.pipeline import load_planning_data

    data = load_planning_data(ROOT / "data" / "contributions.xlsx")
    m = model_module.build_model(data)
    names = set(data.nations.index) | set(data.unit_types.index) | set(data.sectors.index) | set(SCOPES)
    rows = list(m.component_data_objects(pyo.Constraint, active=True))
    assert len(rows) > 100
    for row in rows:
        index = row.index()
        parts = index if isinstance(index, tuple) else (index,)
        assert all(part in names for part in parts[:-1]) and parts[-1] in data.period_list, row.name
    m.write(str(tmp_path / "model.lp"), io_options={"symbolic_solver_labels": True})
    text = (tmp_path / "model.lp").read_text()
    lead = data.lead_candidates.iloc[0]
    assert f"lead_holds_units({lead['nation']}_{lead['sector']}_1)".replace(" ", "_") in text
