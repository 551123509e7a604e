"""Roles (issue 17): from the ID token's claim or the roles file, and what each may do."""

from __future__ import annotations

import pytest

from optimizer.workbench.access import (
    LOCAL_USER,
    PERMISSIONS,
    AccessDenied,
    Role,
    RoleError,
    RolePolicy,
    load_policy,
    require,
    require_nation,
    user_from_claims,
)

ROLES_FILE = '''
claim = "groups"

[users."Anna.Berg@mod.example"]
role = "planner"

[users."jean.martin@defense.example"]
role = "liaison"
nation = "France"

[users."sub-77"]
role = "viewer"
'''


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "roles.toml"
    path.write_text(ROLES_FILE, encoding="utf-8")
    return load_policy(path)


def test_the_token_claim_names_the_role(policy):
    user = user_from_claims({"email": "x@y", "name": "X Y", "groups": ["staff", "liaison:Poland"]}, policy)
    assert (user.role, user.nation, user.name) == (Role.LIAISON, "Poland", "X Y")
    # several roles: the more powerful wins; other groups of the organisation grant nothing
    assert user_from_claims({"email": "x@y", "groups": ["liaison:Poland", "planner", "it-staff"]}, policy).role is Role.PLANNER


def test_the_roles_file_maps_users_by_email_or_subject_ignoring_case(policy):
    assert user_from_claims({"email": "anna.berg@MOD.example"}, policy).role is Role.PLANNER
    jean = user_from_claims({"email": "jean.martin@defense.example", "groups": "canteen"}, policy)
    assert (jean.role, jean.nation) == (Role.LIAISON, "France")
    assert user_from_claims({"sub": "sub-77"}, policy).role is Role.VIEWER


def test_a_user_without_a_role_is_refused(policy):
    with pytest.raises(AccessDenied, match="no role"):
        user_from_claims({"email": "stranger@example.org"}, policy)
    with pytest.raises(AccessDenied, match="neither an e-mail nor a subject"):
        user_from_claims({}, policy)


@pytest.mark.parametrize("text, message", [
    ('[users."a"]\nrole = "superuser"\n', "unknown role 'superuser'"),
    ('[users."a"]\nrole = "liaison"\n', "needs its nation"),
    ('[users."a"]\nrole = "planner"\nnation = "France"\n', "only a liaison has a nation"),
    ('[users."a"]\nname = "A"\n', "needs role"),
    ('claim = 3\n', "'claim' must be"),
    ('[users\n', "roles file"),
])
def test_a_bad_roles_file_says_where(tmp_path, text, message):
    path = tmp_path / "roles.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RoleError, match=message):
        load_policy(path)


def test_no_roles_file_means_claims_only(monkeypatch):
    monkeypatch.delenv("FORCEPLAN_ROLES_FILE", raising=False)
    policy = load_policy()
    assert policy.users == {} and policy.claim == "forceplan_roles"
    assert user_from_claims({"email": "a@b", "forceplan_roles": "admin"}, policy).role is Role.ADMIN


def test_what_each_role_may_do():
    planner = user_from_claims({"email": "p@x", "forceplan_roles": "planner"}, RolePolicy())
    viewer = user_from_claims({"email": "v@x", "forceplan_roles": "viewer"}, RolePolicy())
    liaison = user_from_claims({"email": "l@x", "forceplan_roles": "liaison:France"}, RolePolicy())
    admin = LOCAL_USER
    allowed = {u.role: {a for a in PERMISSIONS if u.can(a)} for u in (admin, planner, viewer, liaison)}
    assert allowed[Role.LIAISON] == {"edit own offer", "submit own offer", "see own plan"}
    assert allowed[Role.VIEWER] == {"see plans", "download plans", "list scenarios", "open scenarios"}
    assert allowed[Role.ADMIN] - allowed[Role.PLANNER] == {"read audit"}
    assert not allowed[Role.PLANNER] & {"edit own offer", "submit own offer", "read audit"}
    with pytest.raises(AccessDenied, match=r"l@x \(liaison for France\) may not solve"):
        require(liaison, "solve")
    require(planner, "solve")
    with pytest.raises(KeyError):
        require(planner, "sovle")


def test_a_liaison_touches_only_its_own_nation():
    liaison = user_from_claims({"email": "l@x", "forceplan_roles": "liaison:France"}, RolePolicy())
    require_nation(liaison, "France")
    for other in ("Germany", "france", None, ""):
        with pytest.raises(AccessDenied):
            require_nation(liaison, other)
    require_nation(LOCAL_USER, "Germany")
    with pytest.raises(AccessDenied):
        require_nation(user_from_claims({"email": "v@x", "forceplan_roles": "viewer"}, RolePolicy()), "France")


def test_the_gate_records_what_it_allows_and_what_it_refuses(tmp_path):
    from optimizer.workbench.audit import AuditTrail
    from optimizer.workbench.gate import Gate

    trail = AuditTrail(tmp_path / "audit")
    liaison = user_from_claims({"email": "l@x", "forceplan_roles": "liaison:France"}, RolePolicy())
    planner = user_from_claims({"email": "p@x", "forceplan_roles": "planner"}, RolePolicy())
    Gate(planner, trail).allow("solve", "solve", {"inputs": "abc"})
    with pytest.raises(AccessDenied):
        Gate(liaison, trail).allow("solve", "solve", {"inputs": "abc"})
    with pytest.raises(AccessDenied):
        Gate(liaison, trail).allow("edit own offer", "input change", {"sheet": "Pledges"}, nation="Germany")
    Gate(liaison, trail).allow("edit own offer", "input change", {"sheet": "Pledges", "changes": list(range(100))}, nation="France")
    records = trail.records()
    assert [(r["user"], r["action"]) for r in records] == [("p@x", "solve"), ("l@x", "denied"), ("l@x", "denied"), ("l@x", "input change")]
    assert records[1]["what"]["permission"] == "solve" and "may not solve" in records[1]["what"]["reason"]
    assert "offer of 'Germany'" in records[2]["what"]["reason"]
    assert len(records[3]["what"]["changes"]) == 41 and records[3]["what"]["changes"][-1] == "… and 60 more"
    assert trail.verify() == []
