"""Every class of bad input: exit 2, the sheet, row and column named, nothing written, input unchanged."""

from __future__ import annotations

import copy
import hashlib
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from optimizer.cli import cli
from devtools.generators import write_workbook_from_tables
from tests.conftest import run_cli
from tests.corpus.make_corpus import BILLION_LAUGHS_SHEET

SCENARIO = {"name": "t", "force_target": 1000, "ceasefire_in_place": "yes"}
TABLES = {
    "Nations": [
        {"nation": "A", "status": "committed", "active_personnel": 50_000, "gdp_busd": 500, "can_lead": "yes"},
        {"nation": "B", "status": "considering", "active_personnel": 20_000, "gdp_busd": 200},
    ],
    "UnitTypes": [
        {"unit_type": "Infantry battalion", "domain": "land", "personnel": 700, "annual_cost_musd": 600},
        {"unit_type": "Frigate", "domain": "sea", "personnel": 185, "annual_cost_musd": 90},
    ],
    "Sectors": [{"sector": "Kyiv", "risk": 2, "needs_lead": "yes"}, {"sector": "Black Sea", "risk": 2}],
    "Pledges": [
        {"nation": "A", "unit_type": "Infantry battalion", "max_units": 2},
        {"nation": "B", "unit_type": "Frigate", "max_units": 1},
    ],
    "Requirements": [
        {"unit_type": "Infantry battalion", "sector": "Kyiv", "min_units": 1, "max_units": 2, "priority": 1},
        {"unit_type": "Frigate", "sector": "Black Sea", "min_units": 1},
    ],
    "Caveats": [{"nation": "B", "sector": "Kyiv", "unit_type": None, "note": "no troops on Ukrainian soil"}],
}


def edited(**changes):
    """A copy of TABLES with cells changed: changes = {"Sheet": [(row_index, column, value), ...]}."""
    tables = copy.deepcopy(TABLES)
    for sheet, edits in changes.items():
        for i, col, value in edits:
            while len(tables[sheet]) <= i:
                tables[sheet].append({})
            tables[sheet][i][col] = value
    return tables


# (id, scenario, tables, expected fragments of the message: sheet, row, column)
CASES = [
    ("text-in-number", SCENARIO, edited(Pledges=[(0, "max_units", "two")]), ["'Pledges'", "row 2", "'max_units'", "not a number"]),
    ("fractional-units", SCENARIO, edited(Requirements=[(1, "min_units", 1.5)]), ["'Requirements'", "row 3", "'min_units'", "whole number", "may display it rounded"]),
    ("negative", SCENARIO, edited(Nations=[(1, "active_personnel", -5)]), ["'Nations'", "row 3", "'active_personnel'", "greater than 0"]),
    ("risk-out-of-range", SCENARIO, edited(Sectors=[(0, "risk", 4)]), ["'Sectors'", "row 2", "'risk'", "at most 3"]),
    ("max-sector-risk-zero", SCENARIO, edited(Nations=[(0, "max_sector_risk", 0)]), ["'Nations'", "row 2", "'max_sector_risk'", "at least 1"]),
    ("withdrawal-risk", SCENARIO, edited(Nations=[(0, "withdrawal_risk", 1.5)]), ["'Nations'", "row 2", "'withdrawal_risk'", "at most 1"]),
    ("unknown-status", SCENARIO, edited(Nations=[(0, "status", "maybe")]), ["'Nations'", "row 2", "'status'", "committed"]),
    ("unknown-domain", SCENARIO, edited(UnitTypes=[(1, "domain", "space")]), ["'UnitTypes'", "row 3", "'domain'", "land, sea, air"]),
    ("bad-yes-no", SCENARIO, edited(Nations=[(1, "requires_ceasefire", "perhaps")]), ["'Nations'", "row 3", "'requires_ceasefire'", "yes/no"]),
    ("duplicate-nation", SCENARIO, edited(Nations=[(1, "nation", "A")]), ["'Nations'", "row 3", "'nation'", "duplicate of row 2"]),
    ("duplicate-pledge", SCENARIO, edited(Pledges=[(1, "nation", "A"), (1, "unit_type", "Infantry battalion")]), ["'Pledges'", "row 3", "duplicate of row 2"]),
    ("duplicate-line", SCENARIO, edited(Requirements=[(1, "unit_type", "Infantry battalion"), (1, "sector", "Kyiv")]), ["'Requirements'", "row 3", "duplicate of row 2"]),
    ("unknown-nation", SCENARIO, edited(Pledges=[(1, "nation", "Atlantis")]), ["'Pledges'", "row 3", "'nation'", "Atlantis"]),
    ("unknown-unit-type", SCENARIO, edited(Caveats=[(0, "unit_type", "Zeppelin")]), ["'Caveats'", "row 2", "'unit_type'", "Zeppelin"]),
    ("unknown-sector", SCENARIO, edited(Requirements=[(0, "sector", "Moscow")]), ["'Requirements'", "row 2", "'sector'", "Moscow"]),
    ("case-hint", SCENARIO, edited(Pledges=[(0, "nation", "a")]), ["'Pledges'", "row 2", "did you mean 'A'"]),
    ("max-below-min", SCENARIO, edited(Requirements=[(0, "min_units", 3)]), ["'Requirements'", "row 2", "'max_units'", "below min_units"]),
    ("required-blank", SCENARIO, edited(UnitTypes=[(0, "personnel", None)]), ["'UnitTypes'", "row 2", "'personnel'", "required"]),
    ("scenario-missing-target", {"name": "t"}, TABLES, ["'Scenario'", "'force_target'", "missing"]),
    ("scenario-out-of-range", dict(SCENARIO, lead_share=2), TABLES, ["'Scenario'", "row 5", "'value'", "lead_share", "at most 1"]),
    ("scenario-bad-yes-no", dict(SCENARIO, un_mandate="maybe"), TABLES, ["'Scenario'", "row 5", "un_mandate", "yes/no"]),
    ("scenario-share-zero", dict(SCENARIO, sustainable_share=0), TABLES, ["'Scenario'", "sustainable_share", "greater than 0"]),
    ("scenario-duplicate", {"name": "t", "force_target": 1000, "Force_Target ": 5}, TABLES, ["'Scenario'", "row 4", "given twice"]),
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _reject(workbook: Path, tmp_path: Path, *extra: str) -> str:
    """Run solve; assert exit 2, nothing written, input unchanged; return stderr."""
    before = _digest(workbook) if workbook.exists() else None
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["solve", str(workbook), "--out", str(out), *extra])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.iterdir())
    if before is not None:
        assert _digest(workbook) == before
    return result.stderr if hasattr(result, "stderr") else result.output


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_cell_is_rejected_with_its_location(case, tmp_path):
    _, scenario, tables, fragments = case
    wb = tmp_path / "bad.xlsx"
    write_workbook_from_tables(wb, scenario, tables)
    message = _reject(wb, tmp_path)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_all_problems_are_reported_in_one_pass(tmp_path):
    tables = edited(Pledges=[(0, "max_units", "two")], Sectors=[(1, "risk", 9)], Nations=[(0, "status", "maybe")])
    wb = tmp_path / "bad.xlsx"
    write_workbook_from_tables(wb, SCENARIO, tables)
    message = _reject(wb, tmp_path)
    assert "3 problems" in message
    for fragment in ("'Pledges', row 2", "'Sectors', row 3", "'Nations', row 2"):
        assert fragment in message


def test_a_bad_required_parameter_is_one_problem_not_also_missing(tmp_path):
    """A required Scenario value that is there but wrong is reported at its cell only,
    not a second time as a missing parameter."""
    wb = tmp_path / "bad.xlsx"
    write_workbook_from_tables(wb, {**SCENARIO, "force_target": "lots"}, TABLES)
    message = _reject(wb, tmp_path)
    assert "1 problem found" in message and "'force_target' is text" in message, message
    assert "missing" not in message, message


def test_missing_sheet_and_missing_column(tmp_path):
    wb = tmp_path / "bad.xlsx"
    write_workbook_from_tables(wb, SCENARIO, TABLES)
    book = openpyxl.load_workbook(wb)
    del book["Pledges"]
    book["Nations"].delete_cols(2)  # status
    book.save(wb)
    message = _reject(wb, tmp_path)
    assert "sheet 'Pledges': required sheet is missing" in message
    assert "sheet 'Nations', row 1, column 'status'" in message


def test_formula_without_cached_value(tmp_path):
    wb = tmp_path / "bad.xlsx"
    write_workbook_from_tables(wb, SCENARIO, TABLES)
    book = openpyxl.load_workbook(wb)
    book["Pledges"]["C2"] = "=1+1"  # openpyxl stores no cached value
    book.save(wb)
    message = _reject(wb, tmp_path)
    assert "sheet 'Pledges', row 2, column 'max_units' (C2)" in message
    assert "formula" in message


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        (["--set", "colour=blue"], "unknown Scenario parameter"),
        (["--set", "force_target=lots"], "not a number"),
        (["--set", "mip_gap=-1"], "at least 0"),
        (["--set", "un_mandate=perhaps"], "yes/no"),
        (["--set", "noequals"], "PARAMETER=VALUE"),
    ],
)
def test_bad_set_override(overrides, fragment, tmp_path):
    wb = tmp_path / "ok.xlsx"
    write_workbook_from_tables(wb, SCENARIO, TABLES)
    message = _reject(wb, tmp_path, *overrides)
    assert "--set" in message and fragment in message


def test_empty_file_text_file_and_plain_zip(tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert "empty" in _reject(empty, tmp_path)
    text = tmp_path / "notes.xlsx"
    text.write_text("nation,status\nFrance,committed\n")
    assert "not an Excel workbook" in _reject(text, tmp_path)
    plain = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert "not an Excel workbook" in _reject(plain, tmp_path)
    assert "no such file" in _reject(tmp_path / "missing.xlsx", tmp_path)


def test_encrypted_workbook_is_named_as_such(tmp_path):
    enc = tmp_path / "secret.xlsx"
    enc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    assert "password-protected" in _reject(enc, tmp_path)


def _rewrite_member(src: Path, dst: Path, member: str, data: bytes) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, data if item.filename == member else zin.read(item.filename))


def test_xml_bomb_is_rejected(tmp_path):
    ok = tmp_path / "ok.xlsx"
    write_workbook_from_tables(ok, SCENARIO, TABLES)
    bad = tmp_path / "bomb.xlsx"
    _rewrite_member(ok, bad, "xl/worksheets/sheet1.xml", BILLION_LAUGHS_SHEET)
    message = _reject(bad, tmp_path)
    assert "cannot be read" in message


def test_a_number_too_long_for_a_float_is_refused_at_its_cell(tmp_path):
    """A cell saved as a 400-digit number (Excel never writes one, a generator might):
    openpyxl reads it as a Python int that float() cannot hold; the reader must
    refuse it at its cell instead of raising OverflowError."""
    marker = 777_777
    ok = tmp_path / "ok.xlsx"
    write_workbook_from_tables(ok, SCENARIO, edited(Nations=[(1, "active_personnel", marker)]))
    with zipfile.ZipFile(ok) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/") and f"<v>{marker}</v>".encode() in zf.read(n)]
        assert len(sheets) == 1, sheets
        xml = zf.read(sheets[0])
    bad = tmp_path / "huge.xlsx"
    _rewrite_member(ok, bad, sheets[0], xml.replace(f"<v>{marker}</v>".encode(), b"<v>1" + b"0" * 400 + b"</v>"))
    message = _reject(bad, tmp_path)
    for fragment in ("'Nations'", "row 3", "'active_personnel'", "too large"):
        assert fragment in message, message


def test_macro_workbook_is_rejected(tmp_path):
    ok = tmp_path / "ok.xlsx"
    write_workbook_from_tables(ok, SCENARIO, TABLES)
    bad = tmp_path / "macro.xlsx"
    shutil.copy(ok, bad)
    with zipfile.ZipFile(bad, "a") as zf:
        zf.writestr("xl/vbaProject.bin", b"\x00" * 100)
    assert "macros" in _reject(bad, tmp_path)


def test_rejection_through_the_real_command_has_no_traceback(tmp_path):
    wb = tmp_path / "bad.xlsx"
    write_workbook_from_tables(wb, SCENARIO, edited(Pledges=[(0, "max_units", "two")]))
    result = run_cli("solve", wb, "--out", tmp_path / "out")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "sheet 'Pledges', row 2, column 'max_units' (C2)" in result.stderr
    assert not (tmp_path / "out").exists()


def test_tolerant_reading(tmp_path):
    """Header case and spaces, yes/no spellings, blank optional cells, extra columns and sheets, blank rows."""
    wb = tmp_path / "messy.xlsx"
    write_workbook_from_tables(wb, SCENARIO, TABLES)
    book = openpyxl.load_workbook(wb)
    ws = book["Nations"]
    ws["A1"] = "  Nation "
    ws["B1"] = "STATUS"
    ws.cell(row=1, column=ws.max_column + 1, value="remarks")
    ws.cell(row=2, column=ws.max_column, value="anything")
    ws.insert_rows(3)  # a stray blank row between nations
    book["Sectors"]["C2"] = "Y"
    book.create_sheet("Notes")["A1"] = "planner's scratch"
    book.save(wb)
    from tests.conftest import plan_in_process

    plan = plan_in_process(wb)
    assert [n["nation"] for n in plan["nations"]] == ["A", "B"]
    assert plan["status"] == "optimal"


def test_row_numbers_survive_blank_rows_and_leading_blank_cells(tmp_path):
    """A problem below a stray blank row is reported at the row Excel shows."""
    wb = tmp_path / "bad.xlsx"
    write_workbook_from_tables(wb, SCENARIO, edited(Pledges=[(1, "max_units", "lots")]))
    book = openpyxl.load_workbook(wb)
    ws = book["Pledges"]
    ws.insert_rows(2, amount=3)  # the bad row moves from 3 to 6
    book.save(wb)
    message = _reject(wb, tmp_path)
    assert "sheet 'Pledges', row 6, column 'max_units' (C6)" in message
