"""Who sees what in the workbench (issue 17, first step): sign-in, roles, the unprotected mode, the audit trail.

Under ``AppTest`` (``at.secrets`` stands for ``[auth]`` in secrets.toml,
``at.user`` for the ID token's claims); the binding to 127.0.0.1 against a
real ``streamlit run app.py``.  The real sign-in through an OpenID provider in
Chromium is the next step's test.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from devtools.browser import AppServer
from optimizer.workbench.audit import AuditTrail
from tests.test_app_pages import APP, TIMEOUT, settle, texts

AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "forceplan",
                 "client_secret": "s", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}


@pytest.fixture(autouse=True)
def folders(tmp_path, monkeypatch):
    monkeypatch.setenv("FORCEPLAN_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("FORCEPLAN_AUDIT_DIR", raising=False)
    monkeypatch.delenv("FORCEPLAN_ROLES_FILE", raising=False)
    return tmp_path


def trail(folders: Path) -> AuditTrail:
    return AuditTrail(folders / "models" / ".audit")


def signed_in(claims: dict | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": False} if claims is None else {"is_logged_in": True, **claims}
    return at


def test_without_sign_in_every_page_says_it_is_unprotected_and_actions_are_recorded(folders):
    at = settle(AppTest.from_file(APP, default_timeout=TIMEOUT))
    assert "Unprotected" in texts(at.sidebar.warning)
    at.toggle(key="p_un_mandate").set_value(True).run()
    at.number_input(key="p_force_target").set_value(28000).run()
    records = trail(folders).records()
    assert [r["action"] for r in records] == ["input change", "input change"]
    assert records[0]["user"] == "local" and records[0]["role"] == "admin"
    assert any("UN mandate" in c and "no → yes" in c for c in records[0]["what"]["changes"])
    assert any("30,000 → 28,000" in c for c in records[1]["what"]["changes"])
    at.switch_page("app_pages/scenarios.py").run()
    at.text_input(key="save_name").set_value("with mandate").run()
    at.button(key="save_btn").click().run()
    assert [r["action"] for r in trail(folders).records()][-1] == "save scenario"
    assert trail(folders).records()[-1]["what"]["scenario"] == "with mandate"
    at.switch_page("app_pages/audit.py").run()  # the local user administers its own machine
    assert not at.exception
    assert "none removed or altered" in texts(at.success)
    assert "save scenario" in at.dataframe[0].value["action"].tolist()
    assert trail(folders).verify() == []


def test_without_sign_in_a_server_on_another_address_refuses(folders):
    previous = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    try:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    finally:
        st_config.set_option("server.address", previous)
    assert "started on address 0.0.0.0" in texts(at.error)
    assert not at.metric and not at.title  # nothing of the plan
    assert trail(folders).records() == []


def test_with_sign_in_configured_a_visitor_sees_only_the_sign_in(folders):
    at = signed_in(None).run()
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.sidebar.warning
    assert trail(folders).records() == []


def test_a_planner_signs_in_and_is_recorded_by_name(folders):
    at = settle(signed_in({"email": "anna.berg@mod.example", "name": "Anna Berg", "forceplan_roles": ["planner"]}))
    assert "Anna Berg (planner)" in texts(at.sidebar.caption)
    assert not at.sidebar.warning  # protected: no banner
    assert at.title[0].value.startswith("Plan")
    at.toggle(key="p_us_backstop").set_value(True).run()
    records = trail(folders).records()
    assert [(r["user"], r["role"], r["action"]) for r in records] == [
        ("anna.berg@mod.example", "planner", "session opened"), ("anna.berg@mod.example", "planner", "input change")]
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not an administrator: no such page
        at.switch_page("app_pages/audit.py")


def test_a_user_without_a_role_is_refused_and_the_refusal_recorded(folders):
    at = signed_in({"email": "stranger@example.org", "forceplan_roles": "canteen"}).run()
    assert "no role in this workbench" in texts(at.error)
    assert not at.metric and [b.label for b in at.button] == ["Sign out"]
    (record,) = trail(folders).records()
    assert (record["user"], record["action"], record["what"]["permission"]) == ("stranger@example.org", "denied", "sign in")


def test_a_roles_file_grants_the_role_when_the_token_does_not(folders, monkeypatch):
    roles = folders / "roles.toml"
    roles.write_text('[users."admin@mod.example"]\nrole = "admin"\n', encoding="utf-8")
    monkeypatch.setenv("FORCEPLAN_ROLES_FILE", str(roles))
    at = settle(signed_in({"email": "admin@mod.example"}))
    at.switch_page("app_pages/audit.py").run()
    assert "Audit trail" in texts(at.header)
    assert trail(folders).records()[0]["role"] == "admin"


def _listening(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the kernel's socket table (Linux)")
def test_the_unprotected_workbench_listens_on_127_0_0_1_only(folders):
    server = AppServer(folders / "models", folders / "server.log", address=None).start()  # config.toml decides
    try:
        assert _listening(server.port) == {"0100007F"}  # 127.0.0.1, and nothing on 0.0.0.0 or ::
        with socket.create_connection(("127.0.0.1", server.port), timeout=5):
            pass
    finally:
        server.stop()


# --------------------------------------------------------------------------- a nation's liaison

import re  # noqa: E402

from optimizer.workbench.inputs import inputs_from_workbook  # noqa: E402
from optimizer.workbench.offers import SubmissionStore, offer_of  # noqa: E402
from tests.conftest import DEFAULT_WORKBOOK  # noqa: E402

LIAISON = {"email": "jean.martin@defense.example", "name": "Jean Martin", "forceplan_roles": "liaison:France"}
PLANNER = {"email": "anna.berg@mod.example", "name": "Anna Berg", "forceplan_roles": "planner"}


def page_text(at: AppTest) -> str:
    """Everything the page sent to the browser (every element's message, tables' data included)."""
    out = []

    def walk(node):
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))

    walk(at._tree)
    return "\n".join(out)


def other_nations_named(at: AppTest, nation: str) -> list[str]:
    """Nations of the default workbook other than ``nation`` whose name the page contains as a name
    (not inside a longer one such as the sector 'Poland staging area')."""
    text = page_text(at)
    names = inputs_from_workbook(DEFAULT_WORKBOOK).inputs.names("Nations")
    return [n for n in names if n != nation and re.search(rf"(?<![\w ]){re.escape(n)}(?![\w ])", text)]


@pytest.fixture
def one_period(monkeypatch):
    monkeypatch.setenv("FORCEPLAN_WORKBOOK", str(DEFAULT_WORKBOOK))


def test_a_liaison_sees_its_own_offer_and_nothing_of_other_nations(folders, one_period):
    at = settle(signed_in(LIAISON))
    assert "Offer of France" in texts(at.header)
    assert not at.sidebar.toggle and [b.label for b in at.sidebar.button] == ["Sign out"]  # no planner controls
    assert other_nations_named(at, "France") == []
    # every planner page is absent for it, whatever address it types
    for script in ("plan.py", "inputs.py", "scenarios.py", "compare.py", "why_gaps.py", "stress.py", "frontiers.py",
                   "submissions.py", "audit.py", "timeline.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{script}")
    at.switch_page("app_pages/my_plan.py").run()
    for _ in range(100):
        if at.metric:
            break
        at.run()
    assert "France in the plan" in texts(at.header)
    assert other_nations_named(at, "France") == []
    assert len(at.metric) == 4


def test_a_liaison_submits_and_a_planner_accepts_into_the_inputs(folders, one_period):
    at = settle(signed_in(LIAISON))
    offer = offer_of(inputs_from_workbook(DEFAULT_WORKBOOK).inputs, "France")
    pledges = offer["Pledges"].copy()
    pledges.loc[pledges.index[0], "max_units"] = int(pledges["max_units"].iloc[0]) + 1
    # a crafted working copy naming Germany: the page makes every row France's before anything is checked
    crafted = pledges.copy()
    crafted.loc[crafted.index[0], "nation"] = "Germany"
    at.session_state["offer_tables"] = {**offer, "Pledges": crafted}
    at.session_state["offer_gen"] = 99
    at.run()
    was = int(offer["Pledges"]["max_units"].iloc[0])
    change = f"max\\_units {was} → {was + 1}"  # as the page writes it (markdown-escaped)
    assert change in texts(at.markdown)
    at.text_input(key="offer_note").set_value("agreed by parliament").run()
    at.button(key="offer_submit").click().run()
    assert not at.exception
    (sub,) = SubmissionStore(folders / "models" / ".submissions").list()
    assert sub.nation == "France" and {r["nation"] for rows in sub.tables.values() for r in rows} == {"France"}
    assert sub.status == "pending" and sub.note == "agreed by parliament"

    planner = settle(signed_in(PLANNER))
    planner.switch_page("app_pages/submissions.py").run()
    assert "France" in texts(planner.markdown) and change in texts(planner.markdown)
    planner.button(key=f"accept_{sub.id}").click().run()
    assert "Accepted the offer of France" in texts(planner.success)
    first = offer["Pledges"].iloc[0]
    row = next(r for r in planner.session_state["inputs"].rows("Pledges")
               if r["nation"] == "France" and r["unit_type"] == first["unit_type"])
    assert row["max_units"] == int(first["max_units"]) + 1
    actions = [(r["user"], r["action"]) for r in trail(folders).records()]
    assert ("jean.martin@defense.example", "submit offer") in actions and ("anna.berg@mod.example", "accept offer") in actions
    assert trail(folders).verify() == []
    at.run()  # the liaison sees the status
    assert "accepted" in page_text(at)


def test_a_draft_token_of_another_user_opens_nothing_and_is_not_written_over(folders, one_period):
    planner = settle(signed_in(PLANNER))
    planner.number_input(key="p_force_target").set_value(12345).run()
    token = planner.session_state["token"]
    draft = folders / "models" / ".drafts" / f"{token}.json"
    assert draft.is_file()
    before = draft.read_bytes()
    intruder = signed_in({"email": "other.planner@mod.example", "forceplan_roles": "planner"})
    intruder.query_params["s"] = token
    intruder = settle(intruder)
    assert intruder.session_state["token"] != token
    assert intruder.session_state["inputs"].scenario["force_target"] != 12345
    liaison_at = signed_in(LIAISON)
    liaison_at.query_params["s"] = token
    liaison_at = settle(liaison_at)
    assert liaison_at.session_state["inputs"].scenario["force_target"] != 12345
    assert draft.read_bytes() == before


def test_the_report_names_who_planned_it_from_which_inputs():
    import io

    from pypdf import PdfReader

    from optimizer.outputs import plan_to_dict
    from optimizer.pipeline import plan_workbook
    from optimizer.report import report_bytes
    from tests.test_app_pages import ROOT  # noqa: F401  (the app's root on the path)

    plan = plan_to_dict(plan_workbook(DEFAULT_WORKBOOK))
    plain = PdfReader(io.BytesIO(report_bytes(plan))).pages[0].extract_text()
    assert "Planned by" not in plain  # the command line's plan names its workbook only
    signed = {**plan, "source": {**plan["source"], "planned_by": "Anna Berg (planner)", "inputs_sha256": "ab" * 32}}
    pages = PdfReader(io.BytesIO(report_bytes(signed))).pages
    first = pages[0].extract_text()
    assert "Planned by" in first and "Anna Berg (planner)" in first and "ab" * 16 in first.replace("\n", "")
    method = next(t for t in (p.extract_text() for p in pages) if "Provenance" in t and "Planned by" in t)  # the method section
    assert "Anna Berg (planner)" in method and "ab" * 16 in method.replace("\n", "")


VIEWER = {"email": "vera.lind@mod.example", "name": "Vera Lind", "forceplan_roles": "viewer"}


def test_a_viewer_reads_plans_and_shared_scenarios_and_changes_nothing(folders, one_period):
    from optimizer.workbench.access import RolePolicy, user_from_claims
    from optimizer.workbench.store import ScenarioStore

    inputs = inputs_from_workbook(DEFAULT_WORKBOOK).inputs
    store = ScenarioStore(folders / "models")
    anna = user_from_claims(PLANNER, RolePolicy())
    store.save("cell baseline", inputs, as_user=anna, shared=True)
    store.save("anna draft", inputs.with_parameter("force_target", 20000), as_user=anna, shared=False)
    at = settle(signed_in(VIEWER))
    assert at.title[0].value.startswith("Plan") and len(at.metric) == 8  # the plan, whole
    assert "Vera Lind (viewer)" in texts(at.sidebar.caption)
    assert not at.sidebar.toggle and not at.sidebar.number_input and [b.label for b in at.sidebar.button] == ["Sign out"]
    for script in ("inputs.py", "why_gaps.py", "stress.py", "frontiers.py", "submissions.py", "audit.py", "my_offer.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"app_pages/{script}")
    at.switch_page("app_pages/scenarios.py").run()
    assert [k for k in ("save_btn", "rename_btn", "delete_btn") if any(b.key == k for b in at.button)] == []
    assert at.selectbox(key="sel_scenario").options == ["cell baseline"]  # a planner's private scenario is not there
    at.button(key="load_btn").click().run()
    assert not at.exception
    records = [(r["user"], r["action"]) for r in trail(folders).records()]
    assert records == [("vera.lind@mod.example", "session opened"), ("vera.lind@mod.example", "load scenario")]


def test_the_audit_page_says_when_the_trail_was_tampered_with(folders):
    at = settle(AppTest.from_file(APP, default_timeout=TIMEOUT))
    at.toggle(key="p_un_mandate").set_value(True).run()
    at.toggle(key="p_us_backstop").set_value(True).run()
    path = trail(folders).path
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(lines[1], encoding="utf-8")  # the first record deleted
    at.switch_page("app_pages/audit.py").run()
    assert "tampered with or damaged" in texts(at.error) and "line 1" in texts(at.error)
