"""Every page of the workbench under ``streamlit.testing.v1.AppTest`` (in-process, no browser).

Solves run in the real solver worker processes; AppTest's 3 s default
timeout is raised for them.  Each test has its own scenarios folder.
"""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from optimizer.workbench.inputs import inputs_from_workbook, validate_cached
from optimizer.workbench.jobs import get_service
from optimizer.workbench.store import ScenarioStore
from tests.conftest import DEFAULT_WORKBOOK, MISSION_WORKBOOK, ROOT

APP = str(ROOT / "app.py")
TIMEOUT = 180


@pytest.fixture(autouse=True)
def models(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    monkeypatch.setenv("FORCEPLAN_MODELS_DIR", str(folder))
    return folder


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def settle(at: AppTest) -> AppTest:
    """Run, and run again until no solve is under way (what the progress fragment does in a browser)."""
    at.run()
    for _ in range(50):
        key = at.session_state["watch"] if "watch" in at.session_state else None
        if not key:
            break
        job = get_service().job(key)
        if job is not None:
            job.wait(TIMEOUT)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


@pytest.fixture(scope="module")
def baseline_plan():
    inputs = inputs_from_workbook(DEFAULT_WORKBOOK).inputs
    v = validate_cached(inputs)
    return get_service().solve(inputs.key, v.data, timeout=TIMEOUT).plan


def test_plan_page_opens_on_the_default_workbooks_plan(baseline_plan):
    at = settle(new_app())
    assert at.title[0].value == "Plan — baseline"
    values = metrics(at)
    assert len(values) == 8
    assert values[0] == f"{baseline_plan['totals']['personnel']:,}"
    assert values[4] == f"{baseline_plan['shortfall_score']:,.0f}"
    keys = {b.key for b in at.get("download_button")}
    assert {"dl_xlsx", "dl_json"} <= keys
    assert at.toggle(key="p_ceasefire_in_place").value is True  # the workbook's switches are the controls
    assert at.number_input(key="p_force_target").value == 30000
    for tab, key in (("Map", "ch_map"), ("Allocations", None), ("Nations", None), ("Requirements", None)):
        at.session_state["plan_tab"] = tab
        at.run()
        assert not at.exception, tab
        if key:
            assert any(getattr(e, "key", None) == key for e in at.main), tab
        else:
            assert len(at.dataframe) == 1, tab


def test_plan_page_shows_the_certificate_in_plain_words(baseline_plan):
    at = settle(new_app())
    words = baseline_plan["solver"]["certificate"]["summary"]
    assert words.startswith("proven optimal: shortfall score exact")
    assert f"**Certificate:** {words}" in texts(at.caption)
    assert not at.error


def test_an_unverified_plan_is_an_error_on_the_plan_page_never_a_caption(monkeypatch):
    """The Plan page's certificate line (views.certificate_notice) for the reproducer's plan with the guard alone."""
    from optimizer.data import load_planning_data
    from optimizer.outputs import plan_to_dict
    from optimizer.results import build_results
    from optimizer.solve import _Session, solve
    from optimizer.workbench.views import certificate_notice
    from tests.test_certified_plans import REPRO

    monkeypatch.setattr(_Session, "recovery_presolve", ())  # no re-solve: the reproducer's plan stays unverified
    data = load_planning_data(REPRO)
    unverified = plan_to_dict(build_results(data, solve(data)))
    assert unverified["status"] == "unverified"
    kind, text = certificate_notice(unverified)
    assert kind == "error" and "UNVERIFIED" in text and "do not sign it off as optimal" in text
    monkeypatch.undo()
    proven = plan_to_dict(build_results(data, solve(data)))
    assert certificate_notice(proven)[0] == "caption"
    assert certificate_notice({**proven, "status": "time_limit"})[0] == "warning"


def test_a_switch_then_solve_changes_the_headline_and_back_is_instant():
    at = settle(new_app())
    before = metrics(at)
    at.toggle(key="p_un_mandate").set_value(True).run()
    assert "earlier inputs" in texts(at.warning)  # stale until solved
    assert metrics(at) == before
    at.button(key="solve").click()
    settle(at)
    after = metrics(at)
    assert after[0] != before[0] and after[4] != before[4]
    assert "earlier inputs" not in texts(at.warning)
    assert any(m.delta for m in at.metric)  # what changed, against the plan shown before
    statuses = [b for b in at.sidebar.children.values() if type(b).__name__ == "Status"]
    assert statuses and statuses[0].label.startswith("Solved in")  # st.status with the stages
    at.toggle(key="p_un_mandate").set_value(False).run()  # an earlier state: from the cache, no solve
    assert at.session_state["watch"] is None
    assert metrics(at) == before


def test_the_time_limit_switch_reaches_the_solver():
    at = settle(new_app())
    at.number_input(key="p_time_limit_s").set_value(7.0).run()
    at.button(key="solve").click()
    settle(at)
    assert at.session_state["inputs"].scenario["time_limit_s"] == 7.0
    assert "status" in at.caption[0].value


def test_inputs_page_validation_beside_the_tables_blocks_the_solve():
    at = settle(new_app())
    at.switch_page("app_pages/inputs.py").run()
    assert at.title[0].value == "Inputs"
    assert "The inputs are valid" in texts(at.success)
    inputs = at.session_state["inputs"]
    at.session_state["inputs"] = inputs.with_cell("Nations", 4, "active_personnel", -5).with_cell("Pledges", 9, "nation", "Atlantis")
    at.session_state["input_tab"] = "Nations"
    at.run()
    assert not at.exception
    errors = texts(at.main.error).replace("\\", "")  # Markdown escapes
    assert "2 problem(s): Nations 1 · Pledges 1" in errors
    assert "Row 4" in errors and "active_personnel" in errors and "must be greater than 0" in errors
    assert at.button(key="solve").disabled
    assert "input problem(s)" in texts(at.sidebar.error)
    # the Scenario tab: the other parameters are controls too
    at.session_state["input_tab"] = "Scenario"
    at.run()
    at.text_input(key="p_name").set_value("what-if").run()
    assert at.session_state["inputs"].scenario["name"] == "what-if"
    at.number_input(key="p_land_target").set_value(20000).run()
    assert at.session_state["inputs"].scenario["land_target"] == 20000
    at.button(key="reset_inputs").click().run()  # back to the default workbook
    assert at.session_state["inputs"].key == inputs.key
    assert not at.button(key="solve").disabled


def test_scenarios_page_saves_lists_loads_renames_and_deletes(models):
    at = settle(new_app())
    at.switch_page("app_pages/scenarios.py").run()
    assert at.title[0].value == "Scenarios"
    assert "No saved scenarios yet" in texts(at.info)
    at.text_input(key="save_name").set_value("alpha").run()
    at.button(key="save_btn").click().run()
    assert "Saved 'alpha' with its plan" in texts(at.success)
    assert (models / "alpha" / "plan.json").is_file()
    assert not at.exception  # the page lists 'alpha' and offers its report.pdf
    from app_pages import files as app_files

    assert app_files.report_pdf(ScenarioStore(models).load("alpha").solved.plan)[:5] == b"%PDF-"
    at.text_input(key="save_name").set_value("../etc").run()
    at.button(key="save_btn").click().run()
    assert "Not saved" in texts(at.error)
    at.text_input(key="rename_to").set_value("beta").run()
    at.button(key="rename_btn").click().run()
    assert "Renamed 'alpha' to 'beta'" in texts(at.success)
    assert ScenarioStore(models).names() == ["beta"]
    at.toggle(key="p_us_backstop").set_value(True).run()
    at.button(key="load_btn").click().run()  # loads and shows the plan page
    assert not at.exception
    assert at.title[0].value == "Plan — baseline"
    assert at.toggle(key="p_us_backstop").value is False
    assert "Loaded scenario 'beta'" in texts(at.success)
    at.switch_page("app_pages/scenarios.py").run()
    at.button(key="delete_btn").click().run()
    assert "Deleted 'beta'" in texts(at.success)
    assert ScenarioStore(models).names() == []


def test_compare_page_puts_two_scenarios_side_by_side(models, baseline_plan):
    store = ScenarioStore(models)
    base = inputs_from_workbook(DEFAULT_WORKBOOK).inputs
    svc = get_service()
    mandate = base.with_parameter("un_mandate", True)
    for name, inputs in (("a-baseline", base), ("b-mandate", mandate)):
        svc.solve(inputs.key, validate_cached(inputs).data, timeout=TIMEOUT)
        store.save(name, inputs, svc.lookup(inputs.key))
    store.save("c-unsolved", base.with_parameter("force_target", 12345))
    at = settle(new_app())
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception
    assert at.multiselect(key="cmp_sel").value == ["a-baseline", "b-mandate"]
    head = at.table[0].value
    assert "Δ b-mandate" in head.columns
    assert head.loc["force personnel", "a-baseline"] == baseline_plan["totals"]["personnel"]
    assert len(at.dataframe) == 2  # nations and lines
    at.multiselect(key="cmp_sel").set_value(["a-baseline", "b-mandate", "c-unsolved"]).run()
    assert "Not solved" in texts(at.warning)
    at.button(key="cmp_solve").click()
    settle(at)
    for _ in range(20):  # the page polls its solves; AppTest runs it by hand
        if not at.session_state["cmp_waiting"]:
            break
        for key in list(at.session_state["cmp_waiting"]):
            svc.job(key).wait(TIMEOUT)
        at.run()
    assert "Δ c-unsolved" in at.table[0].value.columns


def test_the_plan_page_shows_stage_ones_plan_while_stage_two_runs(monkeypatch):
    """A what-if on the mission: as soon as stage 1 is done the Plan and Timeline pages show its plan,
    marked provisional (final shortfall score, no downloads), with its deltas against the plan shown
    before; the final plan replaces it when stage 2 ends."""
    monkeypatch.setenv("FORCEPLAN_WORKBOOK", str(MISSION_WORKBOOK))
    at = settle(new_app())
    before = metrics(at)
    at.number_input(key="p_time_limit_s").set_value(25.0).run()
    at.toggle(key="p_un_mandate").set_value(True).run()  # opens the plan to more nations: stage 2 runs to the limit
    at.button(key="solve").click().run()
    job = get_service().job(at.session_state["watch"])
    deadline = time.monotonic() + TIMEOUT
    while job.interim is None and not job.finished and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.interim is not None and not job.finished, "stage 2 of this what-if should outlast stage 1 by far"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Provisional plan" in texts(at.info) and "Cost, fairness and handovers are not yet optimised" in texts(at.info)
    assert not at.get("download_button")
    score = f"shortfall score over all of them {job.interim.plan['shortfall_score']:,.0f}"
    assert score in texts(at.caption) and metrics(at) != before
    assert any(m.delta for m in at.metric)  # against the plan shown before
    at.switch_page("app_pages/timeline.py").run()
    assert "Provisional plan" in texts(at.info) and "status **interim**" in texts(at.caption)
    at.switch_page("app_pages/plan.py")
    settle(at)
    assert "Provisional plan" not in texts(at.info)
    final = get_service().lookup(at.session_state["inputs"].key).plan
    assert final["shortfall_score"] == job.result.plan["shortfall_score"] and score in texts(at.caption)  # stage 2 keeps the score
    assert {b.key for b in at.get("download_button")} >= {"dl_xlsx", "dl_json", "dl_pdf"}


def test_two_sessions_never_see_each_others_edits_or_results():
    one, two = settle(new_app()), settle(new_app())
    assert one.session_state["token"] != two.session_state["token"]
    one.toggle(key="p_un_mandate").set_value(True).run()
    one.button(key="solve").click()
    settle(one)
    two.run()
    assert two.toggle(key="p_un_mandate").value is False
    assert two.session_state["inputs"].key != one.session_state["inputs"].key
    assert metrics(two) != metrics(one)


def test_an_unsaved_draft_survives_a_closed_tab(models):
    first = settle(new_app())
    token = first.session_state["token"]
    assert not list((models / ".drafts").glob("*.json"))  # an untouched session leaves no draft
    first.toggle(key="p_us_backstop").set_value(True).run()
    assert (models / ".drafts" / f"{token}.json").is_file()
    again = new_app()
    again.query_params["s"] = token  # the same address, a new session
    settle(again)
    assert again.toggle(key="p_us_backstop").value is True
    assert "Restored this session's unsaved draft" in texts(again.info)
    assert again.title[0].value == "Plan — baseline"  # the plan it showed, marked stale
    assert "earlier inputs" in texts(again.warning)


def test_the_report_download_builds_a_pdf(baseline_plan):
    from app_pages import files

    assert files.report_pdf(baseline_plan)[:5] == b"%PDF-"


def test_inputs_page_uploads_a_workbook_and_offers_the_edited_one(tmp_path):
    import io

    import openpyxl

    from optimizer.workbench.inputs import workbook_bytes

    at = settle(new_app())
    at.switch_page("app_pages/inputs.py").run()
    base = at.session_state["inputs"]
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    # a workbook with another switch and a bad cell: opened, its problem listed, the solve blocked
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(base.with_parameter("un_mandate", True))))
    wb["Nations"]["C5"] = "many"
    buf = io.BytesIO()
    wb.save(buf)
    at.get("file_uploader")[0].upload("mine.xlsx", buf.getvalue(), mime).run()
    assert not at.exception
    assert at.session_state["origin"] == "mine.xlsx"
    assert at.toggle(key="p_un_mandate").value is True
    assert any("had 1 problem(s) as uploaded" in e.label.replace("\\", "") for e in at.expander)
    assert at.button(key="solve").disabled  # active_personnel of row 5 is now blank

    # not a workbook: refused, the inputs stay
    keep = at.session_state["inputs"].key
    at.get("file_uploader")[0].upload("notes.xlsx", b"hello", mime).run()
    assert "was not opened" in texts(at.error)
    assert at.session_state["inputs"].key == keep

    # the download of the edited workbook is the current inputs
    button = next(b for b in at.get("download_button") if b.key == "dl_inputs")
    assert button.proto.label == "Download edited workbook"
    path = tmp_path / "edited.xlsx"
    path.write_bytes(workbook_bytes(at.session_state["inputs"]))
    assert inputs_from_workbook(path).inputs.key == keep


# --------------------------------------------------------------------------- analysis pages (issue 5)


@pytest.fixture
def small_workbook(tmp_path, monkeypatch):
    """Sessions open on a small generated workbook, so the analyses take seconds."""
    from devtools.generators import generate_workbook

    path = tmp_path / "small.xlsx"
    generate_workbook(path, n_nations=10, n_unit_types=6, n_sectors=3, seed=11, ample=False)
    monkeypatch.setenv("FORCEPLAN_WORKBOOK", str(path))
    return path


def run_analysis(at: AppTest, kind: str) -> AppTest:
    """Press Run on an analysis page and wait for it (the progress fragment's rerun, by hand)."""
    from optimizer.workbench.analyses import get_service as analyses

    run = at.button(key=f"an_run_{kind}")
    assert not run.disabled
    run.click().run()
    assert not at.exception, [e.value for e in at.exception]
    job = analyses().job(at.session_state[f"an_watch_{kind}"])
    assert job is not None
    assert job.wait(TIMEOUT), f"{kind} did not finish"
    assert job.state == "done", job.error
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _keys(at: AppTest) -> set:
    return {getattr(e, "key", None) for e in at.main} | {d.key for d in at.get("download_button")}


def test_why_the_gaps_page_runs_shows_causes_and_levers_and_caches(small_workbook):
    at = settle(new_app())
    at.switch_page("app_pages/why_gaps.py").run()
    assert at.title[0].value == "Why the gaps"
    assert "Not run yet" in texts(at.info)
    run_analysis(at, "explain")
    keys = _keys(at)
    assert {"ch_levers", "an_dl_explain"} <= keys
    assert len(at.dataframe) >= 2  # levers and unfilled lines (and the missed targets)
    assert any(e.label.startswith("P") for e in at.expander)
    assert at.button(key="an_run_explain").disabled  # computed for these inputs
    other = settle(new_app())  # another session with the same inputs: instant, from the cache
    other.switch_page("app_pages/why_gaps.py").run()
    assert "ch_levers" in _keys(other)


def test_withdrawal_stress_page_takes_samples_and_seed(small_workbook):
    at = settle(new_app())
    at.switch_page("app_pages/stress.py").run()
    at.number_input(key="stress_samples").set_value(8).run()
    at.number_input(key="stress_seed").set_value(5).run()
    run_analysis(at, "stress")
    keys = _keys(at)
    assert {"ch_n1", "ch_mc", "an_dl_stress"} <= keys
    assert "P(force target met)" in [m.label for m in at.metric]
    assert "8 samples, seed 5" in texts(at.caption)
    at.number_input(key="stress_samples").set_value(9).run()  # other settings: the last result, marked stale
    assert "other settings" in texts(at.warning)
    assert not at.button(key="an_run_stress").disabled


def test_frontiers_page_runs_and_goes_stale_when_a_switch_changes(small_workbook):
    at = settle(new_app())
    at.switch_page("app_pages/frontiers.py").run()
    run_analysis(at, "frontier")
    assert "ch_frontier" in _keys(at)
    table = at.dataframe[0].value
    assert len(table) == 8 and table["current"].sum() == 1
    at.toggle(key="p_un_mandate").set_value(not at.toggle(key="p_un_mandate").value).run()
    assert "earlier inputs" in texts(at.warning)
    assert "ch_frontier" in _keys(at)


def test_input_problems_block_the_analyses(small_workbook):
    at = settle(new_app())
    at.session_state["inputs"] = at.session_state["inputs"].with_parameter("force_target", None)
    for page, kind in (("why_gaps", "explain"), ("stress", "stress"), ("frontiers", "frontier")):
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception
        assert at.button(key=f"an_run_{kind}").disabled, kind
        assert "the analysis is blocked" in texts(at.error)


def test_compare_page_compares_plans_over_time_period_by_period(models, baseline_plan):
    """A one-period plan against the same inputs over two periods: the strength per period, with the
    one-period plan as period 1 and no figure in period 2; the rest in the weakest period."""
    store = ScenarioStore(models)
    base = inputs_from_workbook(DEFAULT_WORKBOOK).inputs
    svc = get_service()
    for name, inputs in (("a-today", base), ("b-two-tours", base.with_parameter("periods", 2))):
        svc.solve(inputs.key, validate_cached(inputs).data, timeout=TIMEOUT)
        store.save(name, inputs, svc.lookup(inputs.key))
    at = settle(new_app())
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception
    assert "compared in their weakest period" in " ".join(c.value for c in at.caption)
    strength = at.dataframe[0].value  # the Strength per period table comes first
    assert list(strength.index) == ["P1", "P2"]
    assert strength.loc["P1", "a-today"] == baseline_plan["totals"]["personnel"]
    assert strength["a-today"].isna().tolist() == [False, True]
    assert len(at.dataframe) == 3  # strength, nations, lines


def test_withdrawal_stress_page_withdraws_from_a_later_period_over_time(small_workbook):
    """Over two periods the page offers 'Withdraw from period'; from period 2 the N-1 table says
    which periods go short (only period 2 can: period 1 is planned as before)."""
    at = settle(new_app())
    at.switch_page("app_pages/stress.py").run()
    assert "stress_from_period" not in [n.key for n in at.number_input]  # one period: nothing to choose
    at.number_input(key="p_periods").set_value(2).run()
    assert "stress_from_period" in [n.key for n in at.number_input]
    at.number_input(key="stress_samples").set_value(4).run()
    at.number_input(key="stress_from_period").set_value(2).run()
    run_analysis(at, "stress")
    n1 = at.dataframe[0].value
    assert "periods_short" in n1.columns
    assert set(n1["periods_short"]) <= {"period 2", "none"} and "period 2" in set(n1["periods_short"])
