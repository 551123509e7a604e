"""The workbench end to end in a real browser: Debian's chromium driven by Playwright.

One server (``streamlit run app.py`` on a free port, its own scenarios
folder), one walk through what a planner does: open on the default plan,
flip a switch, solve and see the headline figures change, save and reload
scenarios, compare two, download plan.xlsx and open it; then that a closed
tab gets its draft back and that a second browser sees none of it.  No
request may leave the machine (the map draws offline).

Hardening (issue 7): hostile uploads (zip bomb, XML entity bomb, encrypted
file, macros, truncated file, over 10 MB) are refused with a clear message
while the session keeps its inputs and the server stays up; two browser
sessions solving at the same moment each get the plan of their own inputs.

Screenshots go to ``tests/_artifacts/browser/`` (ignored by git).  Skipped
when chromium or playwright is missing, unless FORCEPLAN_REQUIRE_BROWSER=1
(as in CI), where that is a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from devtools.browser import (
    ROOT,
    AppServer,
    browser_missing,
    clear_dir,
    click_solve,
    click_toggle,
    expected_metrics,
    goto_page,
    health,
    inputs_key,
    metric_values,
    open_workbench,
    process_tree_rss,
    settle,
    toggle_on,
    wait_final_plan_of,
    wait_first_metric,
    wait_metrics,
    wait_plan_of,
)

from tests.conftest import DEFAULT_WORKBOOK, MISSION_WORKBOOK  # noqa: E402

ARTIFACTS = ROOT / "tests" / "_artifacts" / "browser"
SOLVE_TIMEOUT_MS = 180_000  # generous: CI shares two cores with the browser
ANALYSIS_TIMEOUT_MS = 600_000  # 16 solves of the default workbook: about 20 s alone, far more on a loaded machine

missing = browser_missing()
if missing and os.environ.get("FORCEPLAN_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"browser tests required but cannot run: {missing}")
pytestmark = pytest.mark.skipif(missing is not None, reason=missing or "")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    clear_dir(ARTIFACTS)
    srv = AppServer(tmp_path_factory.mktemp("models"), ARTIFACTS / "streamlit.log", workers=1).start()
    try:
        yield srv
    finally:
        srv.stop()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def flow_failed(what: str, exc: Exception, server, *pages: tuple) -> AssertionError:
    """The error a failed browser flow raises: what failed and why, with the server log's
    tail; a screenshot of each (page, name) first, as far as the page can still take one."""
    for page, name in pages:
        with contextlib.suppress(Exception):
            shot(page, name)
    return AssertionError(f"{what} failed: {type(exc).__name__}: {exc}\n\nserver log tail:\n{server.log_tail()}")


def new_page(browser, server, outside: list, errors: list):
    context = browser.new_context(viewport={"width": 1500, "height": 1500}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page


def type_save_name(page, name: str) -> None:
    """On the Scenarios page, type the name to save under (the Save button not yet pressed)."""
    goto_page(page, "Scenarios")
    page.wait_for_selector(".st-key-save_box")
    settle(page)
    box = page.locator(".st-key-save_name input")
    box.fill(name)
    box.press("Enter")
    settle(page)


def save_scenario(page, name: str) -> None:
    type_save_name(page, name)
    page.locator(".st-key-save_btn").get_by_role("button").click()
    page.get_by_text(f"Saved '{name}'").wait_for()
    settle(page)


def test_what_if_session_in_a_real_browser(server, browser, tmp_path):
    outside: list[str] = []
    errors: list[str] = []
    page = new_page(browser, server, outside, errors)
    try:
        # 1. it opens on the default workbook's plan
        open_workbench(page, server.url, SOLVE_TIMEOUT_MS)
        assert "Plan — baseline" in page.locator("h1").first.inner_text()
        baseline = metric_values(page)
        assert len(baseline) == 8, baseline
        page.wait_for_selector(".js-plotly-plot")
        time.sleep(1)
        shot(page, "01_plan_default")
        save_scenario(page, "baseline")
        shot(page, "02_saved_baseline")

        # 2. flip a switch: the plan is marked stale until solved
        goto_page(page, "Plan")
        page.wait_for_selector(".st-key-headline")
        settle(page)
        click_toggle(page, "un_mandate")
        settle(page)
        assert toggle_on(page, "un_mandate")
        page.get_by_text("These results are for earlier inputs").wait_for()
        shot(page, "03_switch_flipped_stale")

        # 3. solve: the headline figures change
        click_solve(page)
        wait_first_metric(page, differs_from=baseline[0], timeout_ms=SOLVE_TIMEOUT_MS)
        settle(page)
        mandate = metric_values(page)
        assert mandate != baseline
        assert mandate[0] != baseline[0]  # force personnel
        assert page.get_by_text("These results are for earlier inputs").count() == 0
        page.wait_for_selector(".js-plotly-plot")
        time.sleep(1)
        shot(page, "04_solved_with_mandate")
        save_scenario(page, "with-mandate")

        # 4. reload the saved baseline: its figures come back (no solve)
        page.locator(".st-key-sel_scenario").click()
        page.get_by_role("option", name="baseline", exact=True).click()
        settle(page)
        page.locator(".st-key-load_btn").get_by_role("button").click()
        wait_first_metric(page, equals=baseline[0], timeout_ms=30_000)
        settle(page)
        assert metric_values(page)[:4] == baseline[:4]
        assert not toggle_on(page, "un_mandate")
        shot(page, "05_reloaded_baseline")

        # 5. compare the two saved scenarios
        goto_page(page, "Compare")
        page.wait_for_selector(".st-key-cmp_headline", timeout=30_000)
        settle(page)
        text = page.locator(".st-key-cmp_headline").inner_text()
        assert "Δ with-mandate" in text and "shortfall score" in text
        page.wait_for_selector(".js-plotly-plot")
        time.sleep(1)  # let plotly draw before the screenshot
        shot(page, "06_compare")

        # 6. download plan.xlsx and open it
        goto_page(page, "Plan")
        page.wait_for_selector(".st-key-dl_xlsx")
        settle(page)
        with page.expect_download() as info:
            page.locator(".st-key-dl_xlsx").get_by_role("button").click()
        path = tmp_path / "plan.xlsx"
        info.value.save_as(path)
        assert info.value.suggested_filename == "plan.xlsx"
        wb = openpyxl.load_workbook(path, read_only=True)
        assert {"Summary", "Allocation", "Requirements", "Nations"} <= set(wb.sheetnames)
        summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
        assert summary["UN mandate"] == "no"  # the reloaded baseline's plan
        wb.close()
        page.get_by_role("tab", name="Map").click()
        page.wait_for_selector(".js-plotly-plot")
        settle(page)
        time.sleep(1)
        shot(page, "07_map")

        # 7. an unsaved change survives a closed tab (the draft is keyed by the address)
        click_toggle(page, "us_backstop")
        settle(page)
        assert toggle_on(page, "us_backstop")
        address = page.url
        assert "s=" in address
        page.context.close()
        page = new_page(browser, server, outside, errors)
        page.goto(address)
        page.wait_for_selector(".st-key-p_us_backstop")
        settle(page)
        assert toggle_on(page, "us_backstop")
        page.get_by_text("Restored this session's unsaved draft").wait_for()
        page.wait_for_selector(".js-plotly-plot")
        time.sleep(1)
        shot(page, "08_draft_restored")

        # 8. a second browser has its own session: none of the edits above
        other = new_page(browser, server, outside, errors)
        open_workbench(other, server.url, SOLVE_TIMEOUT_MS)
        assert not toggle_on(other, "us_backstop") and not toggle_on(other, "un_mandate")
        assert metric_values(other)[:4] == baseline[:4]
        assert other.url.split("s=")[-1] != address.split("s=")[-1]

        # 9. (second browser) upload a workbook with a bad cell: the problem is listed, the solve blocked;
        #    the edited workbook downloads as a new file with the same inputs
        goto_page(other, "Inputs")
        other.wait_for_selector(".st-key-validation")
        settle(other)
        upload = tmp_path / "upload.xlsx"
        wb = openpyxl.load_workbook(DEFAULT_WORKBOOK)
        assert wb["Scenario"]["A8"].value == "un_mandate"
        wb["Scenario"]["B8"] = "yes"
        wb["Nations"]["C5"] = "many"  # active_personnel of Poland
        wb.save(upload)
        other.locator("input[type=file]").set_input_files(str(upload))
        other.get_by_text("1 problem(s): Nations 1").wait_for(timeout=60_000)
        settle(other)
        assert other.locator(".st-key-solve").get_by_role("button", name="Solve").is_disabled()
        assert toggle_on(other, "un_mandate")  # the uploaded workbook's switch
        shot(other, "09_upload_with_a_problem")
        with other.expect_download() as info:
            other.locator(".st-key-dl_inputs").get_by_role("button").click()
        edited = tmp_path / info.value.suggested_filename
        info.value.save_as(edited)
        assert info.value.suggested_filename == "upload-edited.xlsx"
        from optimizer.workbench.inputs import inputs_from_workbook, validate

        reread = inputs_from_workbook(edited).inputs
        assert [(i.sheet, i.row, i.column) for i in validate(reread).issues] == [("Nations", 5, "active_personnel")]
        other.context.close()
        assert toggle_on(page, "us_backstop")  # and the first one is unchanged
    except Exception as exc:
        raise flow_failed("browser flow", exc, server, (page, "99_failure")) from exc
    finally:
        try:
            page.context.close()
        except Exception:  # noqa: BLE001
            pass
    assert outside == [], f"requests left the machine: {outside[:5]}"
    assert errors == [], f"page errors: {errors[:5]}"
    saved = sorted(p.name for p in server.models_dir.iterdir() if not p.name.startswith("."))
    assert saved == ["baseline", "with-mandate"]
    assert all((server.models_dir / n / "plan.json").is_file() for n in saved)


def test_frontier_page_runs_with_progress_in_a_real_browser(server, browser, tmp_path):
    """One analysis page end to end (the others share its code): run, live progress, chart, table, JSON download."""
    import json

    outside: list[str] = []
    errors: list[str] = []
    page = new_page(browser, server, outside, errors)
    try:
        open_workbench(page, server.url, SOLVE_TIMEOUT_MS)
        goto_page(page, "Frontiers")
        page.get_by_text("Not run yet on these inputs").wait_for()
        settle(page)
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_text("Frontiers: running").wait_for(timeout=30_000)  # the page stays live while it runs
        shot(page, "10_frontier_running")
        page.locator(".st-key-an_dl_frontier").first.wait_for(timeout=ANALYSIS_TIMEOUT_MS)
        settle(page)
        page.wait_for_selector(".js-plotly-plot")
        time.sleep(1)
        shot(page, "11_frontier")
        with page.expect_download() as info:
            page.locator(".st-key-an_dl_frontier").get_by_role("button").click()
        path = tmp_path / "frontier.json"
        info.value.save_as(path)
        result = json.loads(path.read_text())
        assert len(result["conditions"]) == 8
        assert {"max_personnel", "planned_personnel", "force_target"} <= set(result["conditions"][0])
    except Exception as exc:
        raise flow_failed("frontier flow", exc, server, (page, "99_frontier_failure")) from exc
    finally:
        page.context.close()
    assert outside == [], f"requests left the machine: {outside[:5]}"
    assert errors == [], f"page errors: {errors[:5]}"


def test_timeline_page_plans_the_mission_over_periods_in_a_real_browser(server, browser):
    """Issue 16: set three periods in the sidebar, solve, and the Timeline page shows the mission —
    the same sentences as the plan computed directly, the strength, roster and handover charts —
    and the Plan page shows one period at a time."""
    from optimizer.outputs import plan_to_dict
    from optimizer.outputs.periods import summary_sentences
    from optimizer.pipeline import plan_workbook

    outside: list[str] = []
    errors: list[str] = []
    page = new_page(browser, server, outside, errors)
    try:
        open_workbench(page, server.url, SOLVE_TIMEOUT_MS)
        goto_page(page, "Timeline")
        page.get_by_text("This plan covers one period").wait_for()
        settle(page)
        if not page.locator(".st-key-p_periods input").is_visible():
            page.locator("[data-testid=stSidebar]").get_by_text("Mission over time", exact=True).click()
        box = page.locator(".st-key-p_periods input")
        box.fill("3")
        box.press("Enter")
        settle(page)
        click_solve(page)
        summary = page.locator(".st-key-timeline_summary")
        summary.get_by_text("The plan covers 3 periods of 6 months").wait_for(timeout=SOLVE_TIMEOUT_MS)
        settle(page)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3")
        time.sleep(1)
        shot(page, "20_timeline")
        expected = summary_sentences(plan_to_dict(plan_workbook(DEFAULT_WORKBOOK, ["periods=3"])))
        shown = " ".join(summary.inner_text().split())
        assert all(sentence in shown for sentence in expected), (shown, expected)
        goto_page(page, "Plan")
        page.get_by_text("Plan over 3 periods").wait_for()
        settle(page)
        shot(page, "21_plan_one_period")
    except Exception as exc:
        raise flow_failed("timeline flow", exc, server, (page, "99_timeline_failure")) from exc
    finally:
        page.context.close()
    assert outside == [], f"requests left the machine: {outside[:5]}"
    assert errors == [], f"page errors: {errors[:5]}"


def test_the_default_mission_opens_over_six_tours_in_a_real_browser(browser, tmp_path_factory):
    """Issue 16, done when: the workbench opened on the committed default workbook (what ``make app``
    opens) plans the mission over its six tours — the Timeline page says what the plan computed
    directly says (build-up, full strength, how long it holds) and draws its charts."""
    from optimizer.outputs import plan_to_dict
    from optimizer.outputs.periods import summary_sentences
    from optimizer.pipeline import plan_workbook

    srv = AppServer(tmp_path_factory.mktemp("mission"), ARTIFACTS / "streamlit-mission.log", workers=1,
                    env={"FORCEPLAN_WORKBOOK": str(MISSION_WORKBOOK)}).start()
    outside: list[str] = []
    errors: list[str] = []
    page = new_page(browser, srv, outside, errors)
    try:
        open_workbench(page, srv.url, SOLVE_TIMEOUT_MS)
        goto_page(page, "Timeline")
        summary = page.locator(".st-key-timeline_summary")
        summary.get_by_text("The plan covers 6 periods of 6 months").wait_for(timeout=SOLVE_TIMEOUT_MS)
        settle(page)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length >= 3")
        time.sleep(1)
        shot(page, "22_default_mission_timeline")
        expected = summary_sentences(plan_to_dict(plan_workbook(MISSION_WORKBOOK)))
        shown = " ".join(summary.inner_text().split())
        assert all(sentence in shown for sentence in expected), (shown, expected)

        # a what-if whose stage 2 runs long: stage 1's plan is shown, provisional, until the final plan replaces it
        goto_page(page, "Plan")
        settle(page)
        click_toggle(page, "un_mandate")  # stage 1 about 20 s, then stage 2 to the time limit (60 s)
        settle(page)
        key = inputs_key(page)
        click_solve(page)
        wait_plan_of(page, key, SOLVE_TIMEOUT_MS)
        meta = page.locator(".st-key-plan_meta").inner_text()
        assert "status interim" in meta, meta
        notice = page.locator(".st-key-plan_certificate").inner_text()
        assert "Provisional plan" in notice and "not yet optimised" in notice, notice
        assert page.locator(".st-key-dl_json").count() == 0  # nothing provisional is handed out
        shot(page, "23_mission_what_if_provisional")
        wait_final_plan_of(page, key, SOLVE_TIMEOUT_MS)
        settle(page)
        assert "Provisional plan" not in page.locator(".st-key-plan_certificate").inner_text()
        page.locator(".st-key-dl_json").wait_for()
    except Exception as exc:
        raise flow_failed("default mission flow", exc, srv, (page, "99_mission_failure")) from exc
    finally:
        page.context.close()
        srv.stop()
    assert outside == [], f"requests left the machine: {outside[:5]}"
    assert errors == [], f"page errors: {errors[:5]}"


# --------------------------------------------------------------------------- hardening (issue 7)


@pytest.fixture(scope="module")
def direct_plans():
    """plans(path, *overrides) -> plan.json dict computed directly with optimizer.pipeline (memoised)."""
    from optimizer.outputs import plan_to_dict
    from optimizer.pipeline import plan_workbook

    memo: dict = {}

    def plans(path, *overrides) -> dict:
        key = (str(path), overrides)
        if key not in memo:
            memo[key] = plan_to_dict(plan_workbook(path, list(overrides)))
        return memo[key]

    return plans


def _copy_members(src: Path, dst: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> None:
    from tests.test_input_errors import _rewrite_member

    replace = dict(replace or {})
    if replace:
        member, data = replace.popitem()
        _rewrite_member(src, dst, member, data)
    else:
        dst.write_bytes(src.read_bytes())
    if add:
        with zipfile.ZipFile(dst, "a") as zf:
            for name, data in add.items():
                zf.writestr(name, data)


def zip_bomb(dst: Path, inflated_mb: int = 150) -> None:
    """A real workbook whose first sheet inflates to ``inflated_mb`` MB (about 1000:1; small on disk)."""
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(DEFAULT_WORKBOOK) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for item in zin.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                info = zipfile.ZipInfo(item.filename, date_time=item.date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                with zout.open(info, "w") as fh:
                    for _ in range(inflated_mb):
                        fh.write(chunk)
            else:
                zout.writestr(item, zin.read(item.filename))


def xml_entity_bomb(dst: Path) -> None:
    """A real workbook whose first sheet is a billion-laughs XML entity bomb."""
    from tests.corpus.make_corpus import BILLION_LAUGHS_SHEET

    _copy_members(DEFAULT_WORKBOOK, dst, replace={"xl/worksheets/sheet1.xml": BILLION_LAUGHS_SHEET})


def encrypted(dst: Path) -> None:
    """What Excel writes for a password-protected workbook: an OLE compound file (CFB), not a zip."""
    dst.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16_384)


def macro_workbook(dst: Path) -> None:
    """A real workbook carrying a VBA project (a renamed .xlsm)."""
    _copy_members(DEFAULT_WORKBOOK, dst, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 2048})


def truncated(dst: Path) -> None:
    """The first half of a real workbook (an interrupted download)."""
    data = DEFAULT_WORKBOOK.read_bytes()
    dst.write_bytes(data[: len(data) // 2])


def oversized(dst: Path, mb: float = 11) -> None:
    """A file over the 10 MB upload limit (sparse: it takes no room on disk)."""
    with open(dst, "wb") as fh:
        fh.truncate(int(mb * 1024 * 1024))


# (builder, file name, text the Inputs page must show for it)
HOSTILE = [
    (zip_bomb, "zip-bomb.xlsx", "a sign of a zip bomb"),
    (xml_entity_bomb, "entity-bomb.xlsx", "forbidden XML entities"),
    (encrypted, "encrypted.xlsx", "password-protected (encrypted) workbook"),
    (macro_workbook, "macros.xlsx", "contains macros"),
    (truncated, "truncated.xlsx", "is damaged or incomplete"),
]


def test_hostile_uploads_are_refused_and_the_server_stays_up(server, browser, tmp_path, direct_plans):
    outside: list[str] = []
    errors: list[str] = []
    log_start = server.log_path.stat().st_size
    page = new_page(browser, server, outside, errors)
    try:
        open_workbench(page, server.url, SOLVE_TIMEOUT_MS)
        baseline = expected_metrics(direct_plans(DEFAULT_WORKBOOK))
        assert metric_values(page) == baseline
        click_toggle(page, "un_mandate")  # the session's own edit, which every refused upload must leave alone
        settle(page)
        kept = inputs_key(page)
        goto_page(page, "Inputs")
        page.wait_for_selector(".st-key-validation")
        settle(page)
        rss_before = sum(mb for _, mb in process_tree_rss(server.proc.pid).values())

        for build, name, expected in HOSTILE:
            path = tmp_path / name
            build(path)
            assert path.stat().st_size < 1_000_000, (name, path.stat().st_size)  # small on disk
            page.locator("input[type=file]").set_input_files(str(path))
            alert = page.locator("[data-testid=stAlert]", has_text=f"{name} was not opened")
            alert.wait_for(timeout=60_000)
            settle(page)
            text = alert.inner_text()
            assert expected in text, (name, text)
            assert "forceplan-upload" not in text and tempfile.gettempdir() not in text  # the user's file is named, no server path
            assert inputs_key(page) == kept, name  # the previous inputs are kept
            assert toggle_on(page, "un_mandate"), name
            assert health(server.url) == b"ok", name
        shot(page, "12_hostile_upload_refused")

        # over the 10 MB limit: the uploader refuses it before anything reaches the app
        huge = tmp_path / "huge.xlsx"
        oversized(huge)
        page.locator("input[type=file]").set_input_files(str(huge))
        chip = page.locator("[data-testid=stFileChip]", has_text="huge.xlsx")
        chip.wait_for(timeout=60_000)
        settle(page)
        assert chip.get_attribute("aria-invalid") == "true"  # drawn in red with an error mark
        chip.hover()  # the reason shows on hovering
        tip = page.locator("[data-testid=stTooltipErrorContent]")
        tip.wait_for(timeout=10_000)
        assert "File must be 10.0MB or smaller" in tip.inner_text()
        assert inputs_key(page) == kept and toggle_on(page, "un_mandate")
        assert health(server.url) == b"ok"
        shot(page, "13_oversized_upload_refused")
        rss_after = sum(mb for _, mb in process_tree_rss(server.proc.pid).values())
        assert rss_after - rss_before < 100, f"the uploads grew the server by {rss_after - rss_before:.0f} MB (a bomb inflated?)"

        # the same session still solves: the plan of its kept inputs (the UN mandate switched on)
        mandate = expected_metrics(direct_plans(DEFAULT_WORKBOOK, "un_mandate=yes"))
        assert mandate[0] != baseline[0]
        click_solve(page)
        goto_page(page, "Plan")
        wait_first_metric(page, equals=mandate[0], timeout_ms=SOLVE_TIMEOUT_MS)
        settle(page)
        assert metric_values(page) == mandate

        # and a fresh page load opens on the default plan
        fresh = new_page(browser, server, outside, errors)
        try:
            fresh.goto(server.url)
            # the headline box can be drawn a moment before its figures when the machine is busy
            wait_first_metric(fresh, equals=baseline[0], timeout_ms=SOLVE_TIMEOUT_MS)
            settle(fresh)
            assert metric_values(fresh) == baseline
            assert not toggle_on(fresh, "un_mandate")
        finally:
            fresh.context.close()
    except Exception as exc:
        raise flow_failed("hostile uploads", exc, server, (page, "99_hostile_failure")) from exc
    finally:
        page.context.close()
    assert server.proc.poll() is None, "the server died"
    assert health(server.url) == b"ok"
    with open(server.log_path, "rb") as fh:
        fh.seek(log_start)
        log = fh.read().decode(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    assert outside == [], f"requests left the machine: {outside[:5]}"
    assert errors == [], f"page errors: {errors[:5]}"


@pytest.fixture(scope="module")
def server2(tmp_path_factory):
    """A second server with two solver workers, so two sessions' solves truly run at once."""
    srv = AppServer(tmp_path_factory.mktemp("models2"), ARTIFACTS / "streamlit-two-workers.log", workers=2).start()
    try:
        yield srv
    finally:
        srv.stop()


def _decline(src: Path, nation: str, dst: Path) -> None:
    book = openpyxl.load_workbook(src)
    ws = book["Nations"]
    header = [str(c.value).strip().lower() for c in ws[1]]
    n_col, s_col = header.index("nation") + 1, header.index("status") + 1
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=n_col).value == nation]
    assert len(rows) == 1, nation
    ws.cell(row=rows[0], column=s_col).value = "declined"
    book.save(dst)


def test_two_sessions_solving_at_once_stay_isolated(server2, browser, tmp_path, direct_plans):
    """Session A declines Germany (an uploaded workbook), session B switches the US backstop on; both press
    Solve at the same moment.  Each gets the plan of its own inputs, sees none of the other's edits after a
    reload, and saves its own scenario."""
    from optimizer.workbench.inputs import Inputs, inputs_from_workbook

    outside: list[str] = []
    errors: list[str] = []
    declined = tmp_path / "without-germany.xlsx"
    _decline(DEFAULT_WORKBOOK, "Germany", declined)
    plan_a = direct_plans(declined)
    plan_b = direct_plans(DEFAULT_WORKBOOK, "us_backstop=yes")
    base = expected_metrics(direct_plans(DEFAULT_WORKBOOK))
    want_a, want_b = expected_metrics(plan_a), expected_metrics(plan_b)
    assert len({want_a[0], want_b[0], base[0]}) == 3  # three different plans: a mix-up cannot go unnoticed
    key_a = inputs_from_workbook(declined).inputs.key
    key_b = inputs_from_workbook(DEFAULT_WORKBOOK).inputs.with_parameter("us_backstop", True).key

    a = new_page(browser, server2, outside, errors)
    b = new_page(browser, server2, outside, errors)
    try:
        for page in (a, b):
            page.goto(server2.url)
            page.wait_for_selector(".st-key-headline", timeout=SOLVE_TIMEOUT_MS)
            wait_metrics(page, base, timeout_ms=SOLVE_TIMEOUT_MS)
            settle(page)
            assert metric_values(page) == base
        assert a.url.split("s=")[-1] != b.url.split("s=")[-1]  # two sessions, two draft tokens

        # A: decline a nation (upload the edited workbook); B: flip a switch
        goto_page(a, "Inputs")
        a.wait_for_selector(".st-key-validation")
        settle(a)
        a.locator("input[type=file]").set_input_files(str(declined))
        a.locator(".st-key-inputs_meta", has_text=declined.name).wait_for(timeout=60_000)
        settle(a)
        a.get_by_text("The inputs are valid.").wait_for()
        goto_page(a, "Plan")
        a.wait_for_selector(".st-key-headline")
        settle(a)
        click_toggle(b, "us_backstop")
        settle(b)
        assert inputs_key(a) == key_a[:12] and inputs_key(b) == key_b[:12]
        assert not toggle_on(a, "us_backstop") and toggle_on(b, "us_backstop")

        # both press Solve at the same moment
        click_solve(a)
        click_solve(b)
        wait_first_metric(a, equals=want_a[0], timeout_ms=SOLVE_TIMEOUT_MS)
        wait_first_metric(b, equals=want_b[0], timeout_ms=SOLVE_TIMEOUT_MS)
        for page in (a, b):
            settle(page)
        assert metric_values(a) == want_a
        assert metric_values(b) == want_b
        shot(a, "14_session_a_solved")
        shot(b, "15_session_b_solved")

        # after a reload each has its own draft back, and nothing of the other's
        for page, want in ((a, want_a), (b, want_b)):
            page.reload()
            page.wait_for_selector(".st-key-headline", timeout=SOLVE_TIMEOUT_MS)
            wait_metrics(page, want, timeout_ms=SOLVE_TIMEOUT_MS)
            settle(page)
        assert inputs_key(a) == key_a[:12] and not toggle_on(a, "us_backstop")
        assert inputs_key(b) == key_b[:12] and toggle_on(b, "us_backstop")
        assert metric_values(a) == want_a and metric_values(b) == want_b

        # both save at the same moment, each under its own name
        type_save_name(a, "session-a")
        type_save_name(b, "session-b")
        a.locator(".st-key-save_btn").get_by_role("button").click()
        b.locator(".st-key-save_btn").get_by_role("button").click()
        a.get_by_text("Saved 'session-a'").wait_for()
        b.get_by_text("Saved 'session-b'").wait_for()
    except Exception as exc:
        raise flow_failed("two-session flow", exc, server2, (a, "99_session_a_failure"), (b, "99_session_b_failure")) from exc
    finally:
        for page in (a, b):
            try:
                page.context.close()
            except Exception:  # noqa: BLE001
                pass

    models = server2.models_dir
    assert sorted(p.name for p in models.iterdir() if not p.name.startswith(".")) == ["session-a", "session-b"]
    for name, key, direct in (("session-a", key_a, plan_a), ("session-b", key_b, plan_b)):
        inputs, _ = Inputs.from_json(json.loads((models / name / "inputs.json").read_text()))
        assert inputs.key == key, name
        saved = json.loads((models / name / "plan.json").read_text())
        assert saved["source"]["sha256"] == key, name
        for part in ("allocations", "totals", "shortfall_score", "leads", "requirements"):
            assert saved[part] == direct[part], (name, part)
    assert outside == [], f"requests left the machine: {outside[:5]}"
    assert errors == [], f"page errors: {errors[:5]}"
