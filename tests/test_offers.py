"""A nation's offer (issue 17): a liaison's own rows, checked, applied, diffed, submitted and decided."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from optimizer.workbench.inputs import Inputs
from optimizer.workbench.offers import (
    OfferError,
    SubmissionStore,
    apply_offer,
    check_offer,
    offer_changes,
    offer_of,
)

NATIONS = [
    {"nation": "France", "status": "committed", "active_personnel": 200000, "gdp_busd": 3000},
    {"nation": "Germany", "status": "committed", "active_personnel": 180000, "gdp_busd": 4500},
    {"nation": "Poland", "status": "conditional", "active_personnel": 150000, "gdp_busd": 900},
]
PLEDGES = [
    {"nation": "France", "unit_type": "Inf", "max_units": 2},
    {"nation": "Germany", "unit_type": "Inf", "max_units": 3},
    {"nation": "France", "unit_type": "Eng", "max_units": 1},
    {"nation": "Poland", "unit_type": "Inf", "max_units": 1},
]
CAVEATS = [{"nation": "Germany", "sector": "East", "unit_type": None, "note": "not on the line of contact"}]


@pytest.fixture
def inputs():
    return Inputs({"force_target": 1000}, {"Nations": pd.DataFrame(NATIONS), "Pledges": pd.DataFrame(PLEDGES),
                                           "Caveats": pd.DataFrame(CAVEATS)})


def test_the_offer_is_the_nations_own_rows_only(inputs):
    offer = offer_of(inputs, "France")
    assert offer["Nations"]["nation"].tolist() == ["France"]
    assert offer["Pledges"][["unit_type", "max_units"]].values.tolist() == [["Inf", 2], ["Eng", 1]]
    assert offer["Caveats"].empty
    with pytest.raises(OfferError):
        offer_of(inputs, "Spain")


def test_a_row_of_another_nation_is_refused_naming_sheet_and_row(inputs):
    offer = offer_of(inputs, "France")
    crafted = {**offer, "Pledges": pd.concat([offer["Pledges"], pd.DataFrame([{"nation": "Germany", "unit_type": "Inf", "max_units": 0}])],
                                             ignore_index=True)}
    with pytest.raises(OfferError, match=r"Pledges, row 4: names 'Germany', not 'France'"):
        check_offer(crafted, "France")
    with pytest.raises(OfferError, match="holds only Nations, Pledges, Caveats, not Requirements"):
        check_offer({**offer, "Requirements": pd.DataFrame()}, "France")
    with pytest.raises(OfferError, match="exactly France's own row"):
        check_offer({**offer, "Nations": offer["Nations"].iloc[0:0]}, "France")
    renamed = offer["Nations"].copy()
    renamed["nation"] = "Germany"
    with pytest.raises(OfferError, match="names 'Germany'"):
        check_offer({**offer, "Nations": renamed}, "France")


def test_applying_an_offer_changes_that_nation_and_nothing_else(inputs):
    offer = offer_of(inputs, "France")
    pledges = offer["Pledges"].copy()
    pledges.loc[pledges["unit_type"] == "Inf", "max_units"] = 4
    pledges = pledges[pledges["unit_type"] != "Eng"]
    caveats = pd.DataFrame([{"nation": "France", "sector": None, "unit_type": "Eng", "note": "no engineers"}])
    nations = offer["Nations"].copy()
    nations["max_personnel"] = 5000
    new = apply_offer(inputs, "France", {"Nations": nations, "Pledges": pledges, "Caveats": caveats})
    assert new.rows("Pledges") == [
        {"nation": "France", "unit_type": "Inf", "max_units": 4},
        {"nation": "Germany", "unit_type": "Inf", "max_units": 3},
        {"nation": "Poland", "unit_type": "Inf", "max_units": 1},
    ]
    assert [r["nation"] for r in new.rows("Caveats")] == ["Germany", "France"]
    others = lambda i, s: [r for r in i.rows(s) if r["nation"] != "France"]  # noqa: E731
    for sheet in ("Nations", "Pledges", "Caveats"):
        assert others(new, sheet) == others(inputs, sheet)
    assert new.rows("Nations")[0]["max_personnel"] == 5000
    assert offer_changes(inputs, "France", {"Nations": nations, "Pledges": pledges, "Caveats": caveats}) == [
        "Nations: France: max_personnel blank → 5,000",
        "Pledges: Inf: max_units 2 → 4",
        "Pledges: − Eng",
        "Caveats: + Eng (note no engineers)",
    ]
    assert apply_offer(inputs, "France", offer_of(inputs, "France")).key == inputs.key  # unchanged offer: same inputs


def test_submissions_are_pending_until_a_planner_decides(inputs, tmp_path):
    store = SubmissionStore(tmp_path / "submissions")
    offer = offer_of(inputs, "Poland")
    pledges = offer["Pledges"].copy()
    pledges["max_units"] = 2
    sub = store.submit("liaison@pl", "Poland", {**offer, "Pledges": pledges}, inputs, note="after the Sejm vote")
    assert sub.changes == ["Pledges: Inf: max_units 1 → 2"]
    assert [s.id for s in store.list(nation="Poland", status="pending")] == [sub.id]
    assert store.list(nation="France") == []
    with pytest.raises(OfferError, match="needs its reason"):
        store.decide(sub.id, "planner@x", "rejected", " ")
    done = store.decide(sub.id, "planner@x", "rejected", "cap exceeded")
    assert (done.status, done.decided_by, done.reason) == ("rejected", "planner@x", "cap exceeded")
    with pytest.raises(OfferError, match="already rejected"):
        store.decide(sub.id, "planner@x", "accepted")
    again = store.get(sub.id)
    assert again.status == "rejected"
    assert apply_offer(inputs, "Poland", again.frames()).rows("Pledges")[3]["max_units"] == 2


def test_a_submission_file_edited_to_name_another_nation_is_refused(inputs, tmp_path):
    store = SubmissionStore(tmp_path / "submissions")
    sub = store.submit("liaison@pl", "Poland", offer_of(inputs, "Poland"), inputs)
    path = tmp_path / "submissions" / f"{sub.id}.json"
    payload = json.loads(path.read_text())
    payload["tables"]["Pledges"][0]["nation"] = "Germany"
    path.write_text(json.dumps(payload))
    with pytest.raises(OfferError, match="names 'Germany'"):
        store.get(sub.id)
    assert store.list() == []
    for crafted in ("../x", "a" * 3, "..%2f"):
        with pytest.raises(OfferError, match="no such submission"):
            store.get(crafted)


# --------------------------------------------------------------------------- the guarded steps (liaison.py)

from optimizer.workbench import liaison  # noqa: E402
from optimizer.workbench.access import AccessDenied, RolePolicy, user_from_claims  # noqa: E402
from optimizer.workbench.audit import AuditTrail  # noqa: E402
from optimizer.workbench.gate import Gate  # noqa: E402
from optimizer.workbench.views import nation_view  # noqa: E402


def _gate(tmp_path, role):
    return Gate(user_from_claims({"email": f"{role.split(':')[0]}@x", "forceplan_roles": role}, RolePolicy()), AuditTrail(tmp_path / "audit"))


def test_a_liaison_cannot_reach_another_nations_offer(inputs, tmp_path):
    france = _gate(tmp_path, "liaison:France")
    store = SubmissionStore(tmp_path / "submissions")
    assert liaison.own_offer(france, inputs)["Pledges"]["nation"].unique().tolist() == ["France"]
    german = offer_of(inputs, "Germany")
    with pytest.raises(AccessDenied, match="offer of 'Germany'"):  # a crafted upload of Germany's rows
        liaison.submit(france, store, inputs, german)
    mixed = offer_of(inputs, "France")
    mixed = {**mixed, "Caveats": pd.DataFrame([{"nation": "Poland", "sector": None, "unit_type": None, "note": "x"}])}
    with pytest.raises(AccessDenied, match="offer of 'Poland'"):
        liaison.submit(france, store, inputs, mixed)
    assert store.list() == []
    for step in (lambda g: liaison.pending(g, store), lambda g: liaison.decide(g, store, "20261207T000000-abcd1234", inputs, accept=True)):
        with pytest.raises(AccessDenied):
            step(france)
    planner = _gate(tmp_path, "planner")
    with pytest.raises(AccessDenied, match="not a nation's liaison"):
        liaison.own_offer(planner, inputs)
    denied = [r for r in france.trail.records() if r["action"] == "denied"]
    assert len(denied) == 4 and france.trail.verify() == []


def test_a_submission_goes_from_liaison_to_planner_and_back(inputs, tmp_path):
    france, planner = _gate(tmp_path, "liaison:France"), _gate(tmp_path, "planner")
    store = SubmissionStore(tmp_path / "submissions")
    offer = liaison.own_offer(france, inputs)
    offer["Pledges"].loc[offer["Pledges"]["unit_type"] == "Eng", "max_units"] = 3
    assert liaison.changes(france, inputs, offer) == ["Pledges: Eng: max_units 1 → 3"]
    sub = liaison.submit(france, store, inputs, offer, note="parliament agreed")
    assert [s.id for s in liaison.pending(planner, store)] == [sub.id]
    decided, new = liaison.decide(planner, store, sub.id, inputs, accept=True)
    assert decided.status == "accepted" and [s.status for s in liaison.own_submissions(france, store)] == ["accepted"]
    assert [r["max_units"] for r in new.rows("Pledges") if r["nation"] == "France"] == [2, 3]
    assert [r for r in new.rows("Pledges") if r["nation"] != "France"] == [r for r in inputs.rows("Pledges") if r["nation"] != "France"]
    actions = [(r["user"], r["action"]) for r in france.trail.records()]
    assert actions == [("liaison@x", "submit offer"), ("planner@x", "accept offer")]
    assert france.trail.records()[1]["what"]["changes"] == ["Pledges: Eng: max_units 1 → 3"]


def test_the_nation_view_names_no_other_nation():
    from tests.conftest import DEFAULT_WORKBOOK
    from optimizer.outputs import plan_to_dict
    from optimizer.pipeline import plan_workbook

    plan = plan_to_dict(plan_workbook(DEFAULT_WORKBOOK))
    nations = [n["nation"] for n in plan["nations"]]
    for nation in ("France", "Estonia"):
        view = nation_view(plan, nation)
        text = json.dumps(view, ensure_ascii=False)
        assert [n for n in nations if n != nation and f'"{n}"' in text] == []
        assert view["totals"] == plan["totals"] and view["targets"] == plan["targets"]
        own = [a for a in plan["allocations"] if a["nation"] == nation]
        assert view["allocations"] == own and view["nations"] == [n for n in plan["nations"] if n["nation"] == nation]
    # the plan of the whole coalition, for planners and viewers
    assert liaison.plan_for(Gate(user_from_claims({"email": "v@x", "forceplan_roles": "viewer"}, RolePolicy()), None), plan) is plan


def test_the_offer_workbook_round_trips_and_a_crafted_one_is_refused_where_it_lies(inputs, tmp_path):
    from openpyxl import load_workbook

    from optimizer.workbench.offers import offer_workbook_bytes, read_offer_workbook

    offer = offer_of(inputs, "France")
    path = tmp_path / "france.xlsx"
    path.write_bytes(offer_workbook_bytes("France", offer))
    back = read_offer_workbook(path, "France")
    assert apply_offer(inputs, "France", back).key == inputs.key
    book = load_workbook(path)
    assert book.sheetnames == ["Nations", "Pledges", "Caveats"]
    assert [c.value for c in book["Pledges"][2]] == ["France", "Inf", 2]
    book["Pledges"].append(["Germany", "Inf", 0])  # row 4: an attempt on Germany's pledge
    book.save(path)
    with pytest.raises(OfferError, match=r"france.xlsx, sheet Pledges, row 4, column nation: 'Germany' is not 'France'"):
        read_offer_workbook(path, "France", shown_name="france.xlsx")
    path.write_bytes(offer_workbook_bytes("France", offer))
    book = load_workbook(path)
    del book["Caveats"]
    book.save(path)
    with pytest.raises(OfferError, match="has no sheet Caveats"):
        read_offer_workbook(path, "France")
    path.write_bytes(b"not a workbook")
    with pytest.raises(OfferError, match="cannot be read"):
        read_offer_workbook(path, "France")


# --------------------------------------------------------------------------- scenarios have owners


def test_private_scenarios_are_their_owners_and_shared_ones_the_cells(inputs, tmp_path):
    from optimizer.workbench.access import LOCAL_USER
    from optimizer.workbench.store import ScenarioError, ScenarioStore

    store = ScenarioStore(tmp_path / "models")
    anna = user_from_claims({"email": "anna@x", "forceplan_roles": "planner"}, RolePolicy())
    ben = user_from_claims({"email": "ben@x", "forceplan_roles": "planner"}, RolePolicy())
    admin = user_from_claims({"email": "root@x", "forceplan_roles": "admin"}, RolePolicy())
    store.save("anna private", inputs, as_user=anna, shared=False)
    store.save("anna shared", inputs, as_user=anna, shared=True)
    assert [i.name for i in store.list(as_user=anna)] == ["anna private", "anna shared"]
    assert [i.name for i in store.list(as_user=ben)] == ["anna shared"]
    assert [i.name for i in store.list(as_user=admin)] == ["anna private", "anna shared"]
    with pytest.raises(ScenarioError, match="no scenario named 'anna private'"):  # to Ben it does not exist
        store.load("anna private", as_user=ben)
    assert store.load("anna shared", as_user=ben).inputs.key == inputs.key
    for change in (lambda: store.delete("anna shared", as_user=ben), lambda: store.rename("anna shared", "mine", as_user=ben),
                   lambda: store.save("anna shared", inputs, overwrite=True, as_user=ben)):
        with pytest.raises(ScenarioError, match="only its owner or an administrator"):
            change()
    with pytest.raises(ScenarioError, match="no scenario named"):
        store.delete("anna private", as_user=ben)
    store.rename("anna shared", "cell plan", as_user=admin)
    store.delete("anna private", as_user=anna)
    assert [(i.name, i.owner, i.shared) for i in store.list()] == [("cell plan", "anna@x", True)]
    assert store.list(as_user=LOCAL_USER)[0].changeable_by(LOCAL_USER)  # the unprotected workbench: its one user administers
