"""Each family's hand-solved test fails when that family is removed.

This proves the tests in ``test_families.py`` (and the resilience test) can
fail: for every constraint family built by the model, the family's rows are
deactivated after the model is built; for H1, H3, H10 and the data layer's
presolve reductions (which hold by construction, no rows) the data layer's
rule is switched off; for each objective term the model is built without
it.  Each time the family's test must then fail.

:data:`REGISTER` lists, for every ``define_*`` family of ``optimizer/model.py``,
its test(s); ``test_every_family_is_registered_documented_and_tested``
fails when a family has no entry, no test or no section in docs/model.md.
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
from tests.conftest import ROOT

CASES = [
    ("pledge_limit", fam.test_h2_pledge_spread_over_lines),
    ("personnel_cap", fam.test_h4_cap),
    ("minimum_contribution", fam.test_h5_minimum_contribution),
    ("budget", fam.test_h6_budget),
    ("interoperability", fam.test_h7_interoperability),
    ("leads", fam.test_h8_lead_share),
    ("leads", fam.test_h8_one_sector_per_lead_and_no_lead_no_units),
    ("line_limit", fam.test_h9_line_limit),
]


@pytest.mark.parametrize("component, test", CASES, ids=[f"{c}-{t.__name__}" for c, t in CASES])
def test_removing_a_family_breaks_its_test(component, test, plan_tables, monkeypatch):
    original = model_module.build_model

    def without_family(data, *args, **kwargs):
        m = original(data, *args, **kwargs)
        getattr(m, component).deactivate()
        return m

    monkeypatch.setattr(solve_module, "build_model", without_family)
    with pytest.raises(AssertionError):
        test(plan_tables)


def test_removing_eligibility_breaks_h1(plan_tables, monkeypatch):
    import optimizer.data as data_module

    monkeypatch.setattr(data_module, "eligibility", lambda nations, scenario: nations["status"].map(lambda _: ""))
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


def _without(update_scenario=None, update_requirements=None):
    """A data-layer view the objective families see: a term's weight or target set to 0."""
    def view(data):
        if update_scenario:
            data = dataclasses.replace(data, scenario=data.scenario.model_copy(update=update_scenario))
        if update_requirements:
            data = dataclasses.replace(data, requirements=data.requirements.assign(**update_requirements))
        return data
    return view


OBJECTIVE_TERMS = [
    # (family, the term left out, the test that needs the term)
    ("define_shortfall", _without(update_requirements={"weight": 0}), fam.test_h1_eligibility),  # line shortfall
    ("define_shortfall", _without(update_scenario={"sea_target": 0}), fam.test_domain_targets_count_in_the_score),  # target shortfall
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


def test_removing_the_reserves_breaks_their_test(tmp_path, monkeypatch):
    from tests import test_resilience_tradeoff as resilience

    original = model_module.define_backfill_reserves

    def without_reserves(m, data):
        original(m, data)
        m.reserves.deactivate()

    monkeypatch.setattr(model_module, "define_backfill_reserves", without_reserves)
    with pytest.raises(AssertionError):
        resilience.test_reserves_cover_any_single_withdrawal_by_hand(tmp_path)


# --------------------------------------------------------------------------- the register

#: Every define_* family of optimizer/model.py and the tests that pin it (each with a mutation above).
REGISTER = {
    "define_pledge_limits": ["test_h2_pledge_spread_over_lines"],
    "define_personnel_caps": ["test_h4_cap"],
    "define_minimum_contributions": ["test_h5_minimum_contribution"],
    "define_budgets": ["test_h6_budget"],
    "define_interoperability": ["test_h7_interoperability"],
    "define_leads": ["test_h8_lead_share", "test_h8_one_sector_per_lead_and_no_lead_no_units"],
    "define_line_limits": ["test_h9_line_limit"],
    "define_shortfall": ["test_h1_eligibility", "test_domain_targets_count_in_the_score"],
    "define_stage2_objective": ["test_stage2_fair_shares", "test_stage2_fewer_nations_and_cheaper"],
    "define_backfill_reserves": ["test_resilience_tradeoff.test_reserves_cover_any_single_withdrawal_by_hand"],
    # strengthenings change no plan (tests/test_formulations.py: same scores as the plain formulation)
    "define_lead_cover": ["test_formulations.test_strong_and_plain_formulations_give_the_same_stage1_score"],
    "define_takes_part_link": ["test_formulations.test_strong_and_plain_formulations_give_the_same_stage1_score"],
    "define_fairness_cap": ["test_resilience_tradeoff.test_tradeoff_sweep_keeps_the_score_and_respects_each_epsilon"],
}


def test_every_family_is_registered_documented_and_tested():
    import importlib

    families = sorted(name for name, fn in inspect.getmembers(model_module, inspect.isfunction)
                      if name.startswith("define_") and fn.__module__ == model_module.__name__)
    assert sorted(REGISTER) == families, "a family without a register entry, or an entry without a family"
    docs = (ROOT / "docs" / "model.md").read_text()
    assert [f for f in families if not re.search(rf"\b{f}\b", docs)] == [], "a family without its section in docs/model.md"
    missing = []
    for family, tests in REGISTER.items():
        for test in tests:
            module, _, name = test.rpartition(".")
            where = importlib.import_module(f"tests.{module}") if module else fam
            if not callable(getattr(where, name, None)):
                missing.append(f"{family}: {test}")
    assert missing == []

