"""The what-if workbench's logic as plain functions: edit -> validate -> solve -> compare,
saved scenarios and drafts (``optimizer.workbench``; no Streamlit, no pyomo in-process)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time

import pandas as pd
import pytest

from optimizer.workbench import charts, views
from optimizer.workbench.inputs import (
    FIRST_ROW,
    Inputs,
    input_changes,
    inputs_from_workbook,
    normalise_table,
    validate,
    validate_cached,
    workbook_bytes,
)
from optimizer.workbench.jobs import SolveService
from optimizer.workbench.store import ScenarioError, ScenarioStore, check_name
from tests.conftest import DEFAULT_WORKBOOK, ROOT, run_cli


@pytest.fixture(scope="module")
def base() -> Inputs:
    imported = inputs_from_workbook(DEFAULT_WORKBOOK)
    assert not imported.rejected and imported.issues == ()
    return imported.inputs


@pytest.fixture(scope="module")
def service():
    svc = SolveService(1)
    svc.warm()
    yield svc
    svc.shutdown()


def solve(service, inputs: Inputs) -> dict:
    v = validate_cached(inputs)
    assert v.ok, v.issues
    return service.solve(inputs.key, v.data, timeout=300).plan


# --------------------------------------------------------------------------- inputs


def test_the_logic_never_imports_pyomo():
    code = (
        "import sys; import optimizer.workbench.inputs, optimizer.workbench.jobs, optimizer.workbench.store, "
        "optimizer.workbench.views, optimizer.workbench.charts; "
        "from optimizer.workbench.inputs import inputs_from_workbook, validate; "
        f"v = validate(inputs_from_workbook({str(DEFAULT_WORKBOOK)!r}).inputs); assert v.ok; "
        "assert 'pyomo' not in sys.modules and 'streamlit' not in sys.modules, sorted(m for m in sys.modules if 'pyomo' in m)[:3]"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def test_editor_tables_use_editor_dtypes_and_excel_row_labels(base):
    nations = base.tables["Nations"]
    assert list(nations.index[:3]) == [2, 3, 4]  # the header is Excel row 1
    assert nations["active_personnel"].dtype == "float64"
    assert nations["can_lead"].dtype == "bool"
    assert nations["nation"].dtype == object
    assert math.isnan(nations.loc[nations["nation"] == "Finland", "max_personnel"].item())  # blank stays blank


def test_the_hash_is_content_only(base):
    again = inputs_from_workbook(DEFAULT_WORKBOOK).inputs
    assert again.key == base.key and again == base
    changed = base.with_parameter("un_mandate", True)
    assert changed.key != base.key
    assert changed.with_parameter("un_mandate", False).key == base.key  # back to an earlier state: same key
    # 30000 typed as a float is the same content
    assert base.with_parameter("force_target", 30000.0).key == base.key
    # relabelled rows (as the editor returns them) are the same table
    frame = base.tables["Pledges"].reset_index(drop=True)
    assert base.with_table("Pledges", frame).key == base.key


def test_json_round_trip_keeps_the_key(base):
    payload = json.loads(json.dumps(base.to_json()))
    restored, warnings = Inputs.from_json(payload)
    assert restored.key == base.key and warnings == []
    payload["scenario"]["force_target"] = "lots"
    restored, warnings = Inputs.from_json(payload)
    assert restored.scenario["force_target"] is None and warnings  # a bad value never reaches a control
    with pytest.raises(ValueError):
        Inputs.from_json({"format_version": 99, "scenario": {}, "tables": {}})
    with pytest.raises(ValueError):
        Inputs.from_json({"format_version": 1, "scenario": {}, "tables": {"Nations": [{"nation": {"x": 1}}]}})


def test_exported_workbook_reads_back_to_the_same_inputs(base, tmp_path):
    edited = base.with_parameter("un_mandate", True).with_cell("Nations", 3, "max_personnel", 9000)
    path = tmp_path / "edited.xlsx"
    path.write_bytes(workbook_bytes(edited))
    assert inputs_from_workbook(path).inputs.key == edited.key
    proc = run_cli("solve", path, "--out", tmp_path / "out", "--quiet")  # the command line takes it as it is
    assert proc.returncode == 0, proc.stderr


def test_valid_inputs_validate_with_planning_data(base):
    v = validate(base)
    assert v.ok and v.issues == ()
    assert v.data is not None and v.data.source_sha256 == base.key
    assert v.key == base.key


def _cli_issues(inputs: Inputs, tmp_path) -> set[tuple]:
    """The problems `forceplan solve` reports for the exported workbook."""
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook_bytes(inputs))
    proc = run_cli("solve", path, "--out", tmp_path / "out")
    assert proc.returncode == 2
    return {line.strip() for line in proc.stderr.splitlines() if line.strip().startswith("- ")}


def test_validation_is_the_command_lines_with_editor_rows(base, tmp_path):
    bad = (
        base.with_cell("Nations", 4, "active_personnel", -5)
        .with_cell("Nations", 6, "status", "maybe")
        .with_cell("Pledges", 10, "nation", "Atlantis")
        .with_cell("Requirements", 7, "max_units", 0)
        .with_cell("Sectors", 3, "needs_lead", None)  # blank yes/no takes its default: not a problem
    )
    v = validate(bad)
    assert not v.ok and v.data is None
    found = {(i.sheet, i.row, i.column) for i in v.issues}
    assert ("Nations", 4, "active_personnel") in found
    assert ("Nations", 6, "status") in found
    assert ("Pledges", 10, "nation") in found
    assert ("Requirements", 7, "max_units") in found
    assert len(v.issues) == 4
    # the same list, word for word, as the command line on the same workbook
    cli = _cli_issues(bad, tmp_path)
    assert len(cli) == len(v.issues)
    for issue in v.issues:
        assert any(f"sheet '{issue.sheet}', row {issue.row}, column '{issue.column}'" in line and issue.message in line for line in cli), issue
    # each editor row label is the Excel row
    assert bad.tables["Nations"].loc[4, "nation"] == "Germany"


def test_scenario_problems_name_the_parameter(base):
    v = validate(base.with_parameters({"force_target": -1, "lead_share": 1.5}))
    params = {(i.sheet, i.column) for i in v.issues}
    assert ("Scenario", "force_target") in params and ("Scenario", "lead_share") in params
    assert all(i.row is None for i in v.issues)


def test_deleted_rows_are_renumbered(base):
    frame = base.tables["Pledges"].drop(index=[3, 4])  # as the editor returns it: a gap in the labels
    edited = base.with_table("Pledges", frame)
    assert list(edited.tables["Pledges"].index[:3]) == [2, 3, 4]
    assert len(edited.tables["Pledges"]) == len(base.tables["Pledges"]) - 2
    bad = edited.with_cell("Pledges", 5, "unit_type", "Battleship")
    assert [(i.sheet, i.row) for i in validate(bad).issues] == [("Pledges", 5)]


def test_added_blank_rows_are_ignored_but_keep_numbering(base):
    frame = base.tables["Caveats"]
    grown = pd.concat([frame, pd.DataFrame([{c: None for c in frame.columns}])], ignore_index=True)
    grown = pd.concat([grown, pd.DataFrame([{"nation": "Nowhere"}])], ignore_index=True)
    edited = base.with_table("Caveats", grown)
    last = FIRST_ROW + len(grown) - 1
    issues = validate(edited).issues
    assert [(i.sheet, i.row, i.column) for i in issues] == [("Caveats", last, "nation")]


def test_input_changes_in_words(base):
    edited = base.with_parameter("un_mandate", True).with_cell("Nations", 2, "max_personnel", 1)
    changes = input_changes(base, edited)
    assert "UN mandate: no → yes" in changes
    assert "Nations: 1 row changed" in changes
    assert input_changes(base, base) == []


def test_lenient_import_of_a_workbook_with_cell_problems(base, tmp_path):
    import openpyxl

    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook_bytes(base))
    wb = openpyxl.load_workbook(path)
    wb["Nations"]["C3"] = "lots"  # active_personnel of France
    wb["Nations"]["B4"] = "Considering"  # a choice in another case: fine
    wb.save(path)
    imported = inputs_from_workbook(path)
    assert not imported.rejected
    assert [(i.sheet, i.row, i.column) for i in imported.issues] == [("Nations", 3, "active_personnel")]
    nations = imported.inputs.tables["Nations"]
    assert math.isnan(nations.loc[3, "active_personnel"])  # could not be shown: left blank
    assert nations.loc[4, "status"] == "considering"
    assert [(i.row, i.message) for i in validate(imported.inputs).issues] == [(3, "is required but blank")]


def test_a_file_that_is_not_a_workbook_is_rejected(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("not a workbook")
    imported = inputs_from_workbook(path)
    assert imported.rejected and imported.issues and imported.issues[0].sheet is None


def test_normalise_table_coerces_editor_output():
    from optimizer.schema import NATIONS

    frame = pd.DataFrame([{"nation": "X", "status": "committed", "active_personnel": "1,000", "gdp_busd": 5, "can_lead": None, "extra": 1}])
    out = normalise_table(NATIONS, frame)
    assert list(out.columns) == list(NATIONS.column_names)
    assert out.loc[2, "active_personnel"] == 1000.0
    assert not out.loc[2, "can_lead"] and out["can_lead"].dtype == "bool"


# --------------------------------------------------------------------------- solve


def test_solve_in_a_worker_and_cache_by_content(service, base):
    v = validate_cached(base)
    job = service.submit(base.key, v.data)
    assert job.wait(300) and job.state == "done", job.error
    names = [s["name"] for s in job.snapshot()["stages"]]
    assert names[0] == "queued" and "solve" in names and names[-1] == "done"
    plan = job.result.plan
    assert {"scenario", "status", "shortfall_score", "allocations", "requirements", "nations", "leads", "totals", "solver"} <= set(plan)
    assert plan["source"]["sha256"] == base.key
    assert service.with_xlsx(base.key).xlsx[:2] == b"PK"  # plan.xlsx follows the plan
    again = service.submit(base.key, v.data)  # returning to an earlier state
    assert again.finished and again.from_cache and again.result.plan is plan


def test_the_stage_one_plan_is_shown_while_stage_two_runs_and_never_cached(service, base):
    """The worker hands over stage 1's plan as soon as stage 1 ends: the job holds it (provisional, the
    final shortfall score) while stage 2 runs, the cache does not, and the finished job drops it."""
    inputs = base.with_parameter("weight_cost", 1.5)  # not solved by another test: no cache
    job = service.submit(inputs.key, validate_cached(inputs).data)
    interim = None
    while not job.finished:
        if job.interim is not None and interim is None:
            interim = job.interim
            assert service.lookup(inputs.key) is None  # never cached
            assert job.snapshot()["interim"]
        time.sleep(0.02)
    assert job.state == "done", job.error
    assert interim is not None and interim.interim and interim.plan["status"] == "interim"
    assert interim.plan["shortfall_score"] == job.result.plan["shortfall_score"]
    assert job.interim is None and not job.result.interim and service.lookup(inputs.key).plan["status"] == "optimal"
    names = [s["name"] for s in job.snapshot()["stages"]]
    assert names[-3:] == ["solve", "stage2", "done"]
    with pytest.raises(ValueError, match="never cached"):
        service.remember(interim)


def test_same_inputs_share_one_job(service, base):
    inputs = base.with_parameter("weight_nations", 3.0)
    v = validate_cached(inputs)
    first = service.submit(inputs.key, v.data)
    second = service.submit(inputs.key, v.data)
    assert first is second or second.from_cache
    assert first.wait(300) and first.state == "done"


def test_the_wall_clock_guard_stops_a_solve_and_the_service_recovers(base):
    svc = SolveService(1, guard_margin_s=-0.0)
    try:
        inputs = base.with_parameter("time_limit_s", 0.001)  # guard: 1.25 ms, less than any solve
        v = validate_cached(inputs)
        job = svc.submit(inputs.key, v.data)
        assert job.wait(300)
        assert job.state == "failed" and "time limit" in job.error
        svc.guard_margin_s = 120.0
        ok = svc.submit(base.key, validate_cached(base).data)
        assert ok.wait(300) and ok.state == "done", ok.error  # a fresh worker took over
    finally:
        svc.shutdown()


def test_edit_validate_solve_compare(service, base):
    mandate = base.with_parameter("un_mandate", True)
    plans = {"baseline": solve(service, base), "mandate": solve(service, mandate)}
    h0, h1 = views.headline(plans["baseline"]), views.headline(plans["mandate"])
    assert h1.planned["force"] > h0.planned["force"] and h1.shortfall_score < h0.shortfall_score

    head = views.compare_headlines(plans)
    assert head.loc["force personnel", "Δ mandate"] == h1.planned["force"] - h0.planned["force"]
    assert head.loc["shortfall score", "Δ mandate"] == h1.shortfall_score - h0.shortfall_score

    nations = views.compare_nations(plans)
    assert nations.loc["Italy", "baseline"] == 0 and nations.loc["Italy", "mandate"] > 0  # waits for a UN mandate
    assert (nations["Δ mandate"] == nations["mandate"] - nations["baseline"]).all()
    assert nations["Δ mandate"].sum() == h1.planned["force"] - h0.planned["force"]
    assert "Italy" in views.changed_only(nations).index

    lines = views.compare_lines(plans)
    assert len(lines) == len(plans["baseline"]["requirements"])
    assert (lines["Δ mandate"] == lines["mandate"] - lines["baseline"]).all()
    assert lines["mandate"].sum() - lines["baseline"].sum() == lines["Δ mandate"].sum()

    for fig in (charts.compare_nations_chart(plans), charts.compare_lines_chart(plans)):
        assert fig.to_dict()["data"]


def test_every_chart_of_a_plan_draws(service, base):
    plan = solve(service, base)
    risk = dict(zip(base.tables["Sectors"]["sector"], base.tables["Sectors"]["risk"]))
    for fig in (charts.personnel_by_nation(plan), charts.line_coverage(plan), charts.sector_composition(plan),
                charts.fair_share(plan), charts.schematic_map(plan, risk)):
        data = fig.to_dict()
        assert data["data"], fig.layout.title.text
        assert "mapbox" not in json.dumps(data["layout"]) and "geo" not in data["layout"]  # no tile server, no topojson
    table = views.nations_table(plan)
    assert {"cap_used", "fair_personnel", "cost_musd"} <= set(table.columns)
    assert views.headline(plan).lines == len(views.requirements_table(plan))


def test_charts_of_an_empty_plan_draw():
    empty = {"nations": [], "requirements": [], "allocations": [], "leads": [], "targets": [], "totals": {}}
    for fig in (charts.personnel_by_nation(empty), charts.line_coverage(empty), charts.sector_composition(empty),
                charts.fair_share(empty), charts.schematic_map(empty)):
        fig.to_dict()


# --------------------------------------------------------------------------- scenarios on disk


@pytest.mark.parametrize(
    "name", ["", "   ", "../escape", "a/b", "a\\b", ".hidden", "name.", "x" * 65, "CON", "nul.txt", "tab\tname", "émigré", None]
)
def test_bad_scenario_names_are_refused(name):
    with pytest.raises(ScenarioError):
        check_name(name)


def test_good_scenario_names():
    assert check_name("  with-mandate  ") == "with-mandate"
    assert check_name("Plan B.2 (no)".replace("(", "").replace(")", "")) == "Plan B.2 no"


def test_save_list_load_rename_delete(tmp_path, service, base):
    store = ScenarioStore(tmp_path / "models")
    plan = solve(service, base)
    solved = service.with_xlsx(base.key)
    info = store.save("baseline", base, solved, note="first")
    assert info.has_plan and info.headline["personnel"] == plan["totals"]["personnel"] and info.format_version == 1
    folder = tmp_path / "models" / "baseline"
    assert sorted(p.name for p in folder.iterdir()) == ["inputs.json", "plan.json", "plan.xlsx", "scenario.json", "workbook.xlsx"]
    meta = json.loads((folder / "scenario.json").read_text())
    assert meta["format"] == "forceplan-scenario" and meta["format_version"] == 1 and meta["inputs_sha256"] == base.key

    draft = base.with_parameter("us_backstop", True)
    store.save("unsolved", draft)  # no plan of these inputs: saved without one
    assert [i.name for i in store.list()] == ["baseline", "unsolved"]
    assert not store.info("unsolved").has_plan

    with pytest.raises(ScenarioError, match="exists"):
        store.save("Baseline", draft)  # names differing only in case clash
    store.save("baseline", base, solved, overwrite=True)

    loaded = store.load("baseline")
    assert loaded.inputs.key == base.key and loaded.solved.plan == plan and loaded.solved.xlsx == solved.xlsx
    assert store.load("unsolved").solved is None

    store.rename("unsolved", "backstop")
    assert store.names() == ["backstop", "baseline"]
    with pytest.raises(ScenarioError):
        store.rename("backstop", "baseline")
    with pytest.raises(ScenarioError):
        store.rename("backstop", "../../etc")
    store.delete("backstop")
    assert store.names() == ["baseline"]
    with pytest.raises(ScenarioError):
        store.load("backstop")
    assert [p.name for p in (tmp_path / "models").iterdir() if p.name.startswith((".tmp", ".trash"))] == []

    # a new store on the same folder (a server restart) sees the same scenarios
    assert ScenarioStore(tmp_path / "models").load("baseline").inputs.key == base.key


def test_a_failed_save_leaves_nothing(tmp_path, base, monkeypatch):
    import optimizer.workbench.store as store_module

    store = ScenarioStore(tmp_path / "models")

    def broken(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "write_inputs_workbook", broken)
    with pytest.raises(OSError):
        store.save("half", base)
    assert list((tmp_path / "models").iterdir()) == []


def test_format_versions_and_tampering(tmp_path, service, base):
    store = ScenarioStore(tmp_path / "models")
    solve(service, base)
    store.save("s", base, service.with_xlsx(base.key))
    meta_path = tmp_path / "models" / "s" / "scenario.json"
    meta = json.loads(meta_path.read_text())

    meta["format_version"] = 2
    meta_path.write_text(json.dumps(meta))
    assert "newer forceplan" in store.info("s").problem
    with pytest.raises(ScenarioError, match="newer"):
        store.load("s")

    meta["format_version"] = 1
    meta_path.write_text(json.dumps(meta))
    inputs_path = tmp_path / "models" / "s" / "inputs.json"
    payload = json.loads(inputs_path.read_text())
    payload["scenario"]["force_target"] = 1  # inputs edited by hand: the saved plan is not theirs
    inputs_path.write_text(json.dumps(payload))
    loaded = store.load("s")
    assert loaded.solved is None and any("different inputs" in w for w in loaded.warnings)

    inputs_path.write_text("{not json")
    with pytest.raises(ScenarioError, match="JSON"):
        store.load("s")


def test_drafts(tmp_path, service, base):
    store = ScenarioStore(tmp_path / "models")
    token = "A" * 22
    assert store.load_draft(token) is None
    solve(service, base)
    solved = service.with_xlsx(base.key)
    edited = base.with_parameter("ceasefire_in_place", False)
    store.save_draft(token, edited, solved, origin="contributions.xlsx")  # shows the plan of earlier inputs
    inputs, plan, origin = store.load_draft(token)
    assert inputs.key == edited.key and plan.key == base.key and plan.plan == solved.plan and plan.xlsx == solved.xlsx
    assert origin == "contributions.xlsx"
    assert store.names() == []  # drafts are never listed as scenarios
    for bad in ("../../x" * 4, "short", "a b" * 10):
        with pytest.raises(ScenarioError):
            store.save_draft(bad, base)
    old = tmp_path / "models" / ".drafts" / f"{token}.json"
    os.utime(old, (0, 0))
    assert store.prune_drafts() == 1 and store.load_draft(token) is None
