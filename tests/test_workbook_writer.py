"""The workbook writer (template and default workbook) against the contract's schema."""

from __future__ import annotations

import importlib.util
import math
import zipfile
from pathlib import Path

import openpyxl
import pytest

from optimizer import schema
from optimizer.workbook_writer import README_SHEET, write_template, write_workbook

ROOT = Path(__file__).resolve().parents[1]
SHEET_ORDER = [README_SHEET, *(s.name for s in schema.SHEETS)]
UKRAINIAN_SOIL = {"Lviv rear area", "Kyiv", "Odesa coast", "Dnipro line", "Kharkiv approach"}


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_default_workbook", ROOT / "scripts" / "build_default_workbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.xlsx"
    write_template(path)
    return path


@pytest.fixture(scope="module")
def default(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("default") / "contributions.xlsx"
    builder.build(path)
    return path


@pytest.fixture(scope="module")
def tables(default) -> dict[str, list[dict]]:
    """Every contract sheet of the default workbook as rows keyed by header (read-only load)."""
    wb = openpyxl.load_workbook(default, read_only=True, data_only=True)
    try:
        out = {}
        for sheet in schema.SHEETS:
            rows = list(wb[sheet.name].iter_rows(values_only=True))
            header = [str(h).strip().lower() for h in rows[0]]
            out[sheet.name] = [dict(zip(header, r)) for r in rows[1:] if any(v is not None for v in r)]
        return out
    finally:
        wb.close()


def _yes(value) -> bool:
    return str(value).strip().lower() in schema.YES_WORDS


def _by_nation(tables) -> dict[str, dict]:
    return {r["nation"]: r for r in tables["Nations"]}


# --------------------------------------------------------------------------
# Form: sheets, headers, comments, validation
# --------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["template", "default"])
def test_sheets_and_headers_follow_schema(which, request):
    path = request.getfixturevalue(which)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        assert wb.sheetnames == SHEET_ORDER
        for sheet in schema.SHEETS:
            header = next(wb[sheet.name].iter_rows(min_row=1, max_row=1, values_only=True))
            assert list(header[: len(sheet.columns)]) == list(sheet.column_names)
    finally:
        wb.close()


@pytest.mark.parametrize("which", ["template", "default"])
def test_headers_bold_frozen_commented(which, request):
    wb = openpyxl.load_workbook(request.getfixturevalue(which))
    for sheet in schema.SHEETS:
        ws = wb[sheet.name]
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        for i, col in enumerate(sheet.columns, start=1):
            cell = ws.cell(row=1, column=i)
            assert cell.font.bold
            assert cell.comment is not None and col.help.rstrip(".") in cell.comment.text
    scenario = wb["Scenario"]
    for r, param in enumerate(schema.SCENARIO_PARAMETERS, start=2):
        assert scenario.cell(row=r, column=1).value == param.name
        assert param.help.rstrip(".") in scenario.cell(row=r, column=1).comment.text


def _validation_for(ws, cell: str):
    return [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]


@pytest.mark.parametrize("which", ["template", "default"])
def test_data_validations(which, request):
    wb = openpyxl.load_workbook(request.getfixturevalue(which))
    nations, pledges, caveats = wb["Nations"], wb["Pledges"], wb["Caveats"]

    (status,) = _validation_for(nations, "B2")
    assert status.type == "list" and all(s in status.formula1 for s in schema.STATUSES)
    (domain,) = _validation_for(wb["UnitTypes"], "B2")
    assert domain.type == "list" and all(d in domain.formula1 for d in schema.DOMAINS)
    (yes_no,) = _validation_for(nations, "K3")  # can_lead
    assert yes_no.type == "list" and "yes" in yes_no.formula1 and "no" in yes_no.formula1
    (risk,) = _validation_for(nations, "J2")
    assert (risk.type, risk.operator, risk.formula1, risk.formula2) == ("whole", "between", "1", "3")
    (active,) = _validation_for(nations, "C2")
    assert (active.type, active.formula1) == ("whole", "1")  # int > 0
    (gdp,) = _validation_for(nations, "D2")
    assert (gdp.type, gdp.operator, gdp.formula1) == ("decimal", "greaterThan", "0")

    # References to names are lists over the other sheet's key column, rows to spare.
    (ref,) = _validation_for(pledges, "A2")
    assert ref.type == "list" and ref.formula1.startswith("Nations!$A$2:$A$")
    assert int(ref.formula1.rsplit("$", 1)[1]) >= 500
    assert _validation_for(pledges, "B2")[0].formula1.startswith("UnitTypes!$A$2:$A$")
    assert _validation_for(caveats, "A2")[0].formula1.startswith("Nations!$A$2:$A$")
    assert _validation_for(caveats, "B2")[0].formula1.startswith("Sectors!$A$2:$A$")
    assert _validation_for(wb["Requirements"], "B2")[0].formula1.startswith("Sectors!$A$2:$A$")
    # Validation reaches rows a planner adds.
    assert _validation_for(pledges, "A500")

    scenario = wb["Scenario"]
    for r, param in enumerate(schema.SCENARIO_PARAMETERS, start=2):
        found = _validation_for(scenario, f"B{r}")
        if param.kind is schema.Kind.YESNO:
            assert found and found[0].type == "list" and "yes" in found[0].formula1
        elif param.kind in (schema.Kind.INT, schema.Kind.NUMBER):
            assert found, param.name


def test_template_scenario_lists_every_parameter_with_default(template):
    wb = openpyxl.load_workbook(template, read_only=True, data_only=True)
    try:
        rows = list(wb["Scenario"].iter_rows(min_row=2, values_only=True))
    finally:
        wb.close()
    values = {r[0]: r[1] for r in rows if r[0] is not None}
    assert list(values) == [p.name for p in schema.SCENARIO_PARAMETERS]
    assert values["force_target"] == 0
    for param in schema.SCENARIO_PARAMETERS:
        if param.name == "force_target":
            continue
        expected = param.default
        if isinstance(expected, bool):
            expected = "yes" if expected else "no"
        assert values[param.name] == expected, param.name
    for sheet in schema.SHEETS[1:]:  # data sheets are empty
        ws = openpyxl.load_workbook(template, read_only=True)[sheet.name]
        assert list(ws.iter_rows(min_row=2, values_only=True)) == []


# --------------------------------------------------------------------------
# Text safety, atomic writing, errors
# --------------------------------------------------------------------------

def test_formula_like_text_is_stored_as_text(tmp_path):
    path = tmp_path / "w.xlsx"
    nasty = ["=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)"]
    write_workbook(
        path,
        {"name": "=HYPERLINK(\"x\")", "force_target": 100},
        {"Nations": [{"nation": n, "status": "committed", "active_personnel": 1000, "gdp_busd": 1.0} for n in nasty]},
        readme_rows=[("=topic", "=text")],
    )
    wb = openpyxl.load_workbook(path)
    got = [wb["Nations"].cell(row=r, column=1) for r in range(2, 2 + len(nasty))]
    assert [c.value for c in got] == nasty
    assert all(c.data_type == "s" for c in got)
    assert wb["Scenario"]["B2"].value == "=HYPERLINK(\"x\")" and wb["Scenario"]["B2"].data_type == "s"
    ro = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        assert [r[0] for r in ro["Nations"].iter_rows(min_row=2, values_only=True)] == nasty
    finally:
        ro.close()
    with zipfile.ZipFile(path) as zf:  # no formula anywhere in the file
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name), name


def test_write_is_atomic_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"old")
    write_template(path)
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]
    assert zipfile.is_zipfile(path)


def test_bad_arguments_are_rejected_and_nothing_written(tmp_path):
    path = tmp_path / "x.xlsx"
    with pytest.raises(ValueError, match="unknown table"):
        write_workbook(path, {"force_target": 1}, {"Nation": []})
    with pytest.raises(ValueError, match="unknown scenario parameter"):
        write_workbook(path, {"force_target": 1, "forcetarget": 2}, {})
    with pytest.raises(ValueError, match="force_target"):
        write_workbook(path, {"name": "x"}, {})
    assert not path.exists()


def test_extra_columns_are_kept(tmp_path):
    path = tmp_path / "w.xlsx"
    write_workbook(path, {"force_target": 1},
                   {"Sectors": [{"Sector": "A", "risk": 1, "needs_lead": False, "remark": "hello"}]})
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(wb["Sectors"].iter_rows(values_only=True))
    finally:
        wb.close()
    assert rows == [("sector", "risk", "needs_lead", "remark"), ("A", 1, "no", "hello")]


# --------------------------------------------------------------------------
# README
# --------------------------------------------------------------------------

def _readme_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return "\n".join(str(v) for row in wb[README_SHEET].iter_rows(values_only=True) for v in row if v is not None)
    finally:
        wb.close()


def test_readme_documents_data_and_every_column(default, template):
    text = _readme_text(default)
    assert "illustrative" in text.lower()
    assert "not actual national commitments" in text.lower()
    for source in ("NATO", "IMF", "Financial Times", "Washington Post", "Paris Declaration", "UN Medical Support Manual"):
        assert source in text, source
    for doc in (text, _readme_text(template)):
        for sheet in schema.SHEETS:
            assert sheet.name in doc
            for col in sheet.columns:
                assert col.name in doc and col.help.rstrip(".") in doc, col.name
        for param in schema.SCENARIO_PARAMETERS:
            assert param.name in doc and param.help.rstrip(".") in doc, param.name
    assert "Unit costs" in text and "Weights" in text  # the builder's own notes


# --------------------------------------------------------------------------
# The default (illustrative) data
# --------------------------------------------------------------------------

def _personnel(tables) -> dict[str, int]:
    return {r["unit_type"]: r["personnel"] for r in tables["UnitTypes"]}


def test_default_statement_of_requirements(tables):
    personnel = _personnel(tables)
    domain = {r["unit_type"]: r["domain"] for r in tables["UnitTypes"]}
    total = sum(r["min_units"] * personnel[r["unit_type"]] for r in tables["Requirements"])
    assert 25_000 <= total <= 30_000
    scenario = {r["parameter"]: r["value"] for r in tables["Scenario"]}
    assert scenario["name"] == "baseline" and scenario["force_target"] == 30_000
    by_domain = {d: sum(r["min_units"] * personnel[r["unit_type"]] for r in tables["Requirements"]
                        if domain[r["unit_type"]] == d) for d in schema.DOMAINS}
    assert {d: scenario[f"{d}_target"] for d in schema.DOMAINS} == by_domain
    assert sum(by_domain.values()) <= scenario["force_target"]
    assert _yes(scenario["ceasefire_in_place"]) and not _yes(scenario["un_mandate"]) and not _yes(scenario["us_backstop"])
    assert {r["priority"] for r in tables["Requirements"]} == {1, 2, 3}
    assert any(r["max_units"] is not None and r["max_units"] > r["min_units"] for r in tables["Requirements"])


def test_default_shape_and_references(tables):
    nations = _by_nation(tables)
    assert 28 <= len(nations) <= 32
    assert 15 <= len(tables["UnitTypes"]) <= 25
    assert 8 <= len(tables["Sectors"]) <= 10
    assert {r["domain"] for r in tables["UnitTypes"]} == set(schema.DOMAINS)
    units = {r["unit_type"] for r in tables["UnitTypes"]}
    sectors = {r["sector"] for r in tables["Sectors"]}
    for sheet in schema.SHEETS:  # unique keys
        if sheet.key:
            keys = [tuple(r[k] for k in sheet.key) for r in tables[sheet.name]]
            assert len(keys) == len(set(keys)), sheet.name
    for r in tables["Pledges"]:
        assert r["nation"] in nations and r["unit_type"] in units and r["max_units"] >= 0
    for r in tables["Requirements"]:
        assert r["unit_type"] in units and r["sector"] in sectors
        assert r["max_units"] is None or r["max_units"] >= r["min_units"]
    for r in tables["Caveats"]:
        assert r["nation"] in nations and (r["sector"] is None or r["sector"] in sectors)
    for r in nations.values():
        assert r["status"] in schema.STATUSES and r["active_personnel"] > 0 and r["gdp_busd"] > 0
        assert r["cost_factor"] is None or 0.8 <= r["cost_factor"] <= 1.3


def test_default_pledges_stay_under_sustainable_share(tables):
    nations, personnel = _by_nation(tables), _personnel(tables)
    pledged: dict[str, int] = {}
    for r in tables["Pledges"]:
        pledged[r["nation"]] = pledged.get(r["nation"], 0) + r["max_units"] * personnel[r["unit_type"]]
    for nation, total in pledged.items():
        assert total <= math.floor(0.08 * nations[nation]["active_personnel"]), nation


def _eligible_capacity(tables, *, un: bool, us: bool, ceasefire: bool = True) -> int:
    nations, personnel = _by_nation(tables), _personnel(tables)
    pledged: dict[str, int] = {}
    for r in tables["Pledges"]:
        pledged[r["nation"]] = pledged.get(r["nation"], 0) + r["max_units"] * personnel[r["unit_type"]]
    total = 0
    for name, n in nations.items():
        if n["status"] == "declined" or (_yes(n["requires_un_mandate"]) and not un) \
                or (_yes(n["requires_us_backstop"]) and not us) or (_yes(n["requires_ceasefire"]) and not ceasefire):
            continue
        cap = math.floor(0.08 * n["active_personnel"])
        if n["max_personnel"] is not None:
            cap = min(cap, n["max_personnel"])
        total += min(cap, pledged.get(name, 0))
    return total


def test_default_baseline_falls_short_and_switches_help(tables):
    personnel = _personnel(tables)
    required = sum(r["min_units"] * personnel[r["unit_type"]] for r in tables["Requirements"])
    baseline = _eligible_capacity(tables, un=False, us=False)
    assert 0.85 * required <= baseline < required
    assert _eligible_capacity(tables, un=True, us=False) > baseline
    assert _eligible_capacity(tables, un=False, us=True) > baseline
    assert _eligible_capacity(tables, un=True, us=True) > required


def test_default_national_positions(tables):
    n = _by_nation(tables)
    personnel = _personnel(tables)
    domain = {r["unit_type"]: r["domain"] for r in tables["UnitTypes"]}
    pledged_domains: dict[str, set[str]] = {}
    pledged_units: dict[str, set[str]] = {}
    for r in tables["Pledges"]:
        if r["max_units"] > 0:
            pledged_domains.setdefault(r["nation"], set()).add(domain[r["unit_type"]])
            pledged_units.setdefault(r["nation"], set()).add(r["unit_type"])

    for lead in ("United Kingdom", "France"):
        assert n[lead]["status"] == "committed" and _yes(n[lead]["can_lead"])
    assert n["France"]["max_personnel"] > n["United Kingdom"]["max_personnel"]
    france = sum(r["max_units"] * personnel[r["unit_type"]] for r in tables["Pledges"] if r["nation"] == "France")
    uk = sum(r["max_units"] * personnel[r["unit_type"]] for r in tables["Pledges"] if r["nation"] == "United Kingdom")
    assert france > uk
    for name in ("Italy", "Ireland"):
        assert _yes(n[name]["requires_un_mandate"])
    for name in ("Portugal", "Australia", "New Zealand", "Belgium"):
        assert _yes(n[name]["requires_ceasefire"])
    assert pledged_domains["Belgium"] <= {"sea", "air"}
    assert pledged_domains["Sweden"] <= {"sea", "air"} and n["Sweden"]["status"] == "considering"
    assert _yes(n["Netherlands"]["requires_us_backstop"]) and n["Netherlands"]["status"] == "considering"
    assert n["Denmark"]["status"] == "considering"
    assert n["Japan"]["status"] == "declined" and "Japan" not in pledged_units
    assert n["Finland"]["status"] == "declined" or n["Finland"]["max_personnel"] <= 200
    assert "Minehunter" in pledged_units["Turkey"] and pledged_domains["Turkey"] == {"sea"}
    assert n["Canada"]["max_sector_risk"] <= 2
    assert n["Estonia"]["max_personnel"] <= 250
    for name in ("Australia", "New Zealand"):
        assert n[name]["max_personnel"] <= 500
    assert n["Iceland"]["active_personnel"] > 0
    leads = {name for name, r in n.items() if _yes(r["can_lead"])}
    assert {"United Kingdom", "France", "Germany", "Poland", "Italy", "Canada", "Turkey"} <= leads


def test_default_caveats_keep_four_nations_off_ukrainian_soil(tables):
    sectors = {r["sector"]: r for r in tables["Sectors"]}
    assert UKRAINIAN_SOIL <= set(sectors)
    assert {s for s, r in sectors.items() if _yes(r["on_ukrainian_soil"])} == UKRAINIAN_SOIL
    staging = {s for s in sectors if "staging" in s}
    assert staging and all(sectors[s]["risk"] == 1 for s in staging)
    for nation in ("Germany", "Poland", "Romania", "Croatia"):
        rows = [r for r in tables["Caveats"] if r["nation"] == nation]
        assert {r["sector"] for r in rows} == UKRAINIAN_SOIL, nation
        assert all(r["unit_type"] is None and r["note"] == "no troops on Ukrainian soil" for r in rows)
        assert any(r["nation"] == nation for r in tables["Pledges"])
    # Their pledges are usable somewhere: the staging areas need what Germany and Poland offer.
    staged = {r["unit_type"] for r in tables["Requirements"] if r["sector"] in staging}
    for nation in ("Germany", "Poland", "Romania"):
        assert {r["unit_type"] for r in tables["Pledges"] if r["nation"] == nation} & staged, nation


def test_committed_default_workbook_matches_builder(tables):
    """data/contributions.xlsx is the builder's output (rebuild it after editing the builder)."""
    committed = ROOT / "data" / "contributions.xlsx"
    if not committed.exists():
        pytest.skip("data/contributions.xlsx not built")
    wb = openpyxl.load_workbook(committed, read_only=True, data_only=True)
    try:
        for sheet in schema.SHEETS:
            rows = list(wb[sheet.name].iter_rows(values_only=True))
            header = [str(h).strip().lower() for h in rows[0]]
            got = [dict(zip(header, r)) for r in rows[1:] if any(v is not None for v in r)]
            assert got == tables[sheet.name], sheet.name
    finally:
        wb.close()
