"""Real sign-in (issue 17): Streamlit's st.login against a real OpenID Connect provider, in Chromium.

The provider is ``oidc-provider-mock`` (discovery, JWKS, authorize, token,
end-session), started by the test on a free port with three users whose ID
tokens carry the ``forceplan_roles`` claim: a planner, France's liaison and
one without a role.  The workbench runs as ``streamlit run app.py`` with an
``[auth]`` section (``--secrets.files``) pointing at it.  Each user signs in
through the provider's own form; the liaison then tries every way to reach
what is not its own (the address of every planner page, the Audit and
Submissions pages, another user's draft token) and sees nothing of other
nations each time.
"""

from __future__ import annotations

import json
import os
import re

import openpyxl

import pytest

from devtools.browser import ROOT, AppServer, browser_missing, clear_dir, settle
from optimizer.workbench.audit import AuditTrail
from optimizer.workbench.inputs import inputs_from_workbook
from tests.conftest import DEFAULT_WORKBOOK

ARTIFACTS = ROOT / "tests" / "_artifacts" / "signin"
missing = browser_missing()
if missing and os.environ.get("FORCEPLAN_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"browser tests required but cannot run: {missing}")
pytestmark = pytest.mark.skipif(missing is not None, reason=missing or "")

USERS = {
    "anna": {"email": "anna.berg@mod.example", "name": "Anna Berg", "forceplan_roles": ["planner"]},
    "jean": {"email": "jean.martin@defense.example", "name": "Jean Martin", "forceplan_roles": ["liaison:France"]},
    "vera": {"email": "vera.lind@mod.example", "name": "Vera Lind", "forceplan_roles": ["viewer"]},
    "olga": {"email": "olga.admin@mod.example", "name": "Olga Admin", "forceplan_roles": ["admin"]},
    "guest": {"email": "guest@example.org", "name": "Guest"},
}


@pytest.fixture(scope="module")
def provider():
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub=sub, claims=claims) for sub, claims in USERS.items()]
    with run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def server(provider, tmp_path_factory):
    clear_dir(ARTIFACTS)
    folder = tmp_path_factory.mktemp("signin")
    srv = AppServer(folder / "models", ARTIFACTS / "streamlit.log", workers=1,
                    env={"FORCEPLAN_WORKBOOK": str(DEFAULT_WORKBOOK)})
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{srv.port}/oauth2callback"\n'
        f'cookie_secret = "{"c0ffee" * 8}"\n'
        'client_id = "forceplan-workbench"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    srv.args = ("--secrets.files", str(secrets))
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def sign_in(browser, server, sub: str, frames: list | None = None):
    """A new browser signed in as ``sub``; every websocket message the server sends it goes to ``frames``."""
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    if frames is not None:
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
    page.set_default_timeout(90_000)
    page.goto(server.url)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/oauth2/authorize.*"))
    page.get_by_role("button", name=sub, exact=True).click()  # the provider's own form: sign in as this user
    page.wait_for_url(re.compile(rf"^{re.escape(server.url)}.*"))
    page.wait_for_selector("[data-testid=stApp]")
    settle(page)
    return page


NATIONS = inputs_from_workbook(DEFAULT_WORKBOOK).inputs.names("Nations")


def other_nations_in(html: str, nation: str) -> list[str]:
    """Nations other than ``nation`` named in the page's HTML (not inside a longer name: 'Poland staging area')."""
    return [n for n in NATIONS if n != nation and re.search(rf"(?<![\w ]){re.escape(n)}(?![\w ])", html)]


def other_nations_sent(frames: list, nation: str) -> list[str]:
    """Nations other than ``nation`` named in anything the server sent the browser — tables' and grids'
    data included, which the page draws on a canvas and so never shows in its HTML."""
    text = "\n".join(f.decode("utf-8", "ignore") if isinstance(f, bytes) else f for f in frames)
    return [n for n in NATIONS if n != nation and re.search(rf"{re.escape(n)}(?![\w ])", text)]


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_signed_in_roles_in_a_real_browser(server, browser, tmp_path):
    # a visitor sees the sign-in and nothing else
    context = browser.new_context()
    visitor = context.new_page()
    visitor.goto(server.url)
    visitor.get_by_role("button", name="Sign in").wait_for()
    settle(visitor)
    assert "Plan —" not in visitor.content() and other_nations_in(visitor.content(), "") == []
    context.close()

    # the planner signs in through the provider and gets the workbench, its name in the sidebar
    planner_frames: list = []
    planner = sign_in(browser, server, "anna", planner_frames)
    planner.get_by_text("Anna Berg (planner)").wait_for()
    planner.locator(".st-key-headline").wait_for(timeout=180_000)
    settle(planner)
    assert "Unprotected" not in planner.content()
    assert len(other_nations_sent(planner_frames, "France")) > 20  # the check sees what a planner is sent
    shot(planner, "01_planner")
    with planner.expect_download() as download:  # built in Streamlit's own thread: still recorded as hers
        planner.get_by_role("button", name="plan.json").click()
    handed = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert handed["source"]["planned_by"] == "Anna Berg (planner)" and len(handed["source"]["inputs_sha256"]) == 64
    planner_token = re.search(r"[?&]s=([\w-]+)", planner.url).group(1)

    # France's liaison signs in: its own offer, nothing of other nations
    frames: list = []
    jean = sign_in(browser, server, "jean", frames)
    jean.get_by_text("Offer of France").wait_for()
    settle(jean)
    shot(jean, "02_liaison_offer")
    attempts = {"its own offer page": other_nations_in(jean.content(), "France")}
    jean.get_by_role("link", name="My nation in the plan").click()
    jean.get_by_text("France in the plan").wait_for()
    jean.locator("[data-testid=stMetric]").first.wait_for(timeout=180_000)
    settle(jean)
    shot(jean, "03_liaison_plan")
    attempts["its nation in the plan"] = other_nations_in(jean.content(), "France")
    for path in ("inputs", "scenarios", "compare", "why-the-gaps", "stress", "frontiers", "timeline", "submissions", "audit"):
        jean.goto(f"{server.url}{path}")
        jean.wait_for_selector("[data-testid=stApp]")
        settle(jean)
        html = jean.content()
        attempts[f"/{path}"] = other_nations_in(html, "France") + (["a planner page"] if "Scenario switches" in html else [])
    jean.goto(f"{server.url}?s={planner_token}")  # the planner's draft token in the address
    jean.get_by_text("Offer of France").wait_for()
    settle(jean)
    attempts["the planner's draft token"] = other_nations_in(jean.content(), "France")
    attempts["everything the server sent"] = other_nations_sent(frames, "France")

    # its one download holds its own rows only; an upload holding another nation's row is refused and recorded
    jean.goto(server.url)
    jean.get_by_text("Offer of France").wait_for()
    settle(jean)
    with jean.expect_download() as download:
        jean.get_by_role("button", name="Download my offer (.xlsx)").click()
    saved = tmp_path / "downloaded.xlsx"
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert book.sheetnames == ["Nations", "Pledges", "Caveats"]
    attempts["its offer's workbook"] = sorted({str(row[0]) for ws in book for row in ws.iter_rows(min_row=2, values_only=True)
                                               if row[0] is not None} - {"France"})
    book["Pledges"].append(["Germany", "Frigate", 0])
    crafted = tmp_path / "offer-France.xlsx"
    book.save(crafted)
    jean.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(crafted))
    jean.get_by_text("was not taken").wait_for()
    assert "'Germany' is not 'France'" in jean.content()
    assert len(frames) > 20 and "Multinational battlegroup" in "".join(
        f.decode("utf-8", "ignore") if isinstance(f, bytes) else f for f in frames)  # France's own rows did arrive
    assert attempts == {k: [] for k in attempts}, attempts

    # a viewer reads the plan, with no control and no Inputs page
    vera = sign_in(browser, server, "vera")
    vera.get_by_text("Vera Lind (viewer)").wait_for()
    vera.locator(".st-key-headline").wait_for(timeout=180_000)
    settle(vera)
    assert vera.get_by_role("link", name="Inputs").count() == 0 and vera.get_by_role("button", name="Solve").count() == 0
    shot(vera, "05_viewer")

    # an administrator reads the audit trail, every record so far verified
    olga = sign_in(browser, server, "olga")
    olga.get_by_text("Olga Admin (admin)").wait_for()
    olga.get_by_role("link", name="Audit").click()
    olga.get_by_text("none removed or altered").wait_for()
    settle(olga)
    shot(olga, "06_admin_audit")

    # a user the provider knows but the workbench gives no role is refused
    guest = sign_in(browser, server, "guest")
    guest.get_by_text("has no role in this workbench").wait_for()
    assert other_nations_in(guest.content(), "") == []
    shot(guest, "04_refused")

    planner.get_by_role("button", name="Sign out").click()  # signing out is recorded and ends the session
    planner.get_by_role("button", name="End session").click()  # at the provider (RP-initiated logout)
    planner.get_by_role("button", name="Sign in").wait_for()

    records = AuditTrail(server.models_dir / ".audit").records()
    assert ("anna.berg@mod.example", "sign-out") in [(r["user"], r["action"]) for r in records]
    signed = [(r["user"], r["action"]) for r in records if r["action"] in ("session opened", "denied")]
    assert ("anna.berg@mod.example", "session opened") in signed and ("jean.martin@defense.example", "session opened") in signed
    assert ("guest@example.org", "denied") in signed
    assert any(r["user"] == "jean.martin@defense.example" and r["action"] == "denied" and "Germany" in r["what"]["reason"]
               for r in records)  # the crafted upload
    downloads = [(r["user"], r["what"]["file"]) for r in records if r["action"] == "download"]
    assert downloads == [("anna.berg@mod.example", "plan.json"), ("jean.martin@defense.example", "own offer workbook")]
    assert AuditTrail(server.models_dir / ".audit").verify() == []
    (ARTIFACTS / "attempts.json").write_text(json.dumps(attempts, indent=1), encoding="utf-8")
