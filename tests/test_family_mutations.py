"""Each family's hand-solved test fails when that family's constraints are removed.

This proves the tests in ``test_families.py`` can fail: for every
constraint family built by the model, the family's constraints are
deactivated after the model is built and its test must then fail.
"""

from __future__ import annotations

import pytest

import optimizer.model as model_module
import optimizer.solve as solve_module
from tests import test_families as fam

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
