"""Build the corpus of bad workbooks: each file has exactly ONE defect.

    python tests/corpus/make_corpus.py [FOLDER]        (default: tests/corpus/files/)

Every file starts from one small, valid base workbook (``base.xlsx``, also
written, which solves cleanly) and breaks it in one way: a sheet or a column
missing, a duplicate key, a wrong type, a value out of range, an unknown
reference, a formula without a saved value, or a hostile file (zip bomb, XML
bomb, macros, encryption, a truncated or renamed file, ...).  ``MANIFEST.json``
says, for each file, the defect and what the rejection must name: the sheet,
the row as Excel numbers it, the column (and its cell), and a fragment of the
message.  ``tests/test_bad_corpus.py`` runs ``forceplan solve`` on each file
and holds the reader to the manifest.

Why a script and not hand-made files: the corpus is reviewable as code, can
be regenerated after a change of the base, and the test checks that the
committed files are exactly what this script makes (``content_sha256`` of
each file is in the manifest).  Output is deterministic: zip members get a
fixed timestamp and ``docProps/core.xml`` a fixed date.  The digest is taken
over the *uncompressed* members of a readable zip, so a different zlib build
(which may compress differently) gives the same manifest; the few files that
are not readable zips are built from uncompressed (stored) members so their
raw bytes do not depend on zlib either.

Hostile files are small on disk by construction: the zip bomb is 8 MB of
spaces that deflate to a few kB, the declared-size bomb only *claims* 300 MB
in its central directory, the XML bomb is a few hundred bytes of entities.

The script uses :mod:`devtools.generators` (self-contained) to write the base
and plain :mod:`openpyxl` / :mod:`zipfile` for the defects; it never calls the
reader, so a reader bug cannot shape the corpus that tests it.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import io
import json
import random
import re
import struct
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

ROOT = Path(__file__).resolve().parents[2]
if __package__ in (None, ""):  # run as a script: make `optimizer` importable from a plain checkout
    sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402

from devtools.generators import SHEET_COLUMNS, write_workbook_from_tables  # noqa: E402

DEFAULT_FOLDER = Path(__file__).resolve().parent / "files"
MANIFEST = "MANIFEST.json"
BASE_FILE = "base.xlsx"

# A fixed timestamp for every zip member and for docProps/core.xml: same input, same bytes.
ZIP_TIME = (2025, 1, 1, 0, 0, 0)
CORE_TIME = b"2025-01-01T00:00:00Z"

# --------------------------------------------------------------------------
# The valid base workbook.  Every column of the contract is present, in
# contract order, so the Excel letter of each column is its position in
# SHEET_COLUMNS; data rows start at Excel row 2.
# --------------------------------------------------------------------------

BASE_SCENARIO: dict[str, object] = {
    "name": "corpus-base",
    "force_target": 1500,
    "land_target": 700,
    "sea_target": 185,
    "air_target": 0,
    "ceasefire_in_place": True,
    "un_mandate": False,
    "us_backstop": True,
    "sustainable_share": 0.08,
    "max_nations_per_sector": None,
    "lead_share": 0.4,
    "weight_cost": 1,
    "weight_fairness": 1,
    "weight_nations": 0,
    "time_limit_s": 10,
    "mip_gap": 0.0001,
}


def _row(sheet: str, **values: object) -> dict[str, object]:
    """A row with every contract column of ``sheet`` (blank unless given)."""
    return {col: values.get(col) for col in SHEET_COLUMNS[sheet]}


BASE_TABLES: dict[str, list[dict[str, object]]] = {
    "Nations": [
        _row("Nations", nation="France", status="committed", active_personnel=200_000, gdp_busd=3000, can_lead=True),
        _row("Nations", nation="Poland", status="considering", active_personnel=150_000, gdp_busd=800, max_sector_risk=2),
        _row("Nations", nation="Norway", status="uncertain", active_personnel=25_000, gdp_busd=500, requires_us_backstop=True),
    ],
    "UnitTypes": [
        _row("UnitTypes", unit_type="Mechanised infantry battalion", domain="land", personnel=700, annual_cost_musd=120),
        _row("UnitTypes", unit_type="Frigate", domain="sea", personnel=185, annual_cost_musd=90),
        _row("UnitTypes", unit_type="Fighter squadron", domain="air", personnel=200, annual_cost_musd=150),
    ],
    "Sectors": [
        _row("Sectors", sector="Sector North", risk=2, needs_lead=True),
        _row("Sectors", sector="Black Sea", risk=2),
        _row("Sectors", sector="Airspace west", risk=1),
    ],
    "Pledges": [
        _row("Pledges", nation="France", unit_type="Mechanised infantry battalion", max_units=2),
        _row("Pledges", nation="France", unit_type="Frigate", max_units=1),
        _row("Pledges", nation="Poland", unit_type="Mechanised infantry battalion", max_units=1),
        _row("Pledges", nation="Norway", unit_type="Frigate", max_units=1),
        _row("Pledges", nation="Norway", unit_type="Fighter squadron", max_units=1),
    ],
    "Requirements": [
        _row("Requirements", unit_type="Mechanised infantry battalion", sector="Sector North", min_units=2, max_units=3, priority=1),
        _row("Requirements", unit_type="Frigate", sector="Black Sea", min_units=1),
        _row("Requirements", unit_type="Fighter squadron", sector="Airspace west", min_units=1, priority=3),
    ],
    "Caveats": [
        _row("Caveats", nation="Poland", sector="Black Sea", note="no maritime role"),
    ],
}

SHEET_ORDER = ("Scenario", "Nations", "UnitTypes", "Sectors", "Pledges", "Requirements", "Caveats")


def scenario_row(parameter: str) -> int:
    """Excel row of a Scenario parameter in the base (row 1 is the header)."""
    return 2 + list(BASE_SCENARIO).index(parameter)


def letter(sheet: str, column: str) -> str:
    """Excel column letter of a contract column in the base."""
    return get_column_letter(SHEET_COLUMNS[sheet].index(column) + 1)


def sheet_part(sheet: str) -> str:
    """The zip member holding a sheet of the base (openpyxl numbers them in sheet order)."""
    return f"xl/worksheets/sheet{SHEET_ORDER.index(sheet) + 1}.xml"


# --------------------------------------------------------------------------
# Writing zips deterministically
# --------------------------------------------------------------------------

Members = list[tuple[str, bytes]]


def write_zip(target: Path | BinaryIO, members: Iterable[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> None:
    """Write ``members`` in order to a path or binary file, with a fixed timestamp and permissions."""
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)


def read_members(data: bytes) -> Members:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info.filename)) for info in zf.infolist()]


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def book_members(book: openpyxl.Workbook) -> Members:
    """An openpyxl workbook as zip members, with the save-time dates fixed."""
    buffer = io.BytesIO()
    book.save(buffer)
    members = []
    for name, data in read_members(buffer.getvalue()):
        if name == "docProps/core.xml":
            data = _CORE_DATES.sub(lambda m: m.group(1) + CORE_TIME + m.group(3), data)
        members.append((name, data))
    return members


def base_book() -> openpyxl.Workbook:
    """A fresh, editable copy of the base workbook."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "base.xlsx"
        write_workbook_from_tables(path, BASE_SCENARIO, copy.deepcopy(BASE_TABLES))
        return openpyxl.load_workbook(path)


def base_members() -> Members:
    return book_members(base_book())


def replace_member(members: Members, name: str, data: bytes | None) -> Members:
    """``members`` with ``name`` replaced by ``data`` (or removed when ``None``)."""
    assert any(n == name for n, _ in members), name
    return [(n, data if n == name else d) for n, d in members if not (n == name and data is None)]


def content_sha256(path: Path) -> str:
    """A digest of what the file holds, independent of how zlib compressed it.

    For a readable zip: every member's name and uncompressed bytes, in order.
    Anything else (not a zip, truncated, lying about sizes, bad CRC): the raw bytes.
    """
    digest = hashlib.sha256()
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                digest.update(info.filename.encode() + b"\0" + hashlib.sha256(zf.read(info)).digest())
        return "zip:" + digest.hexdigest()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        return "raw:" + hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """What the rejection must name.  ``row`` as Excel numbers it; ``None`` where the
    problem has no row (a missing sheet, a file-level problem); ``cell`` the Excel
    cell (e.g. ``C2``) where the message should show it."""

    sheet: str | None
    row: int | None
    column: str | None
    message: str
    cell: str | None = None


@dataclass(frozen=True)
class Case:
    file: str
    kind: str  # the defect's family, e.g. "missing sheet", "wrong type", "hostile file"
    defect: str  # one sentence: what is wrong with this file
    expect: Expect
    build: Callable[[Path], None]


def at(sheet: str, row: int, column: str, message: str) -> Expect:
    """The expectation for one cell of a table sheet of the base."""
    return Expect(sheet, row, column, message, f"{letter(sheet, column)}{row}")


def at_scenario(parameter: str, message: str) -> Expect:
    row = scenario_row(parameter)
    return Expect("Scenario", row, "value", message, f"B{row}")


def file_level(message: str) -> Expect:
    return Expect(None, None, None, message)


def from_book(edit: Callable[[openpyxl.Workbook], None]) -> Callable[[Path], None]:
    """A builder: the base workbook, edited by ``edit``, saved deterministically."""

    def build(path: Path) -> None:
        book = base_book()
        edit(book)
        write_zip(path, book_members(book))

    return build


def from_members(edit: Callable[[Members], Members], compression: int = zipfile.ZIP_DEFLATED) -> Callable[[Path], None]:
    """A builder working on the base's zip members."""

    def build(path: Path) -> None:
        write_zip(path, edit(base_members()), compression)

    return build


def from_bytes(make: Callable[[], bytes]) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(make())

    return build


def find_row(book: openpyxl.Workbook, sheet: str, column: str, value: object) -> int:
    ws = book[sheet]
    col = SHEET_COLUMNS[sheet].index(column) + 1
    for row in range(2, ws.max_row + 1):
        if ws.cell(row=row, column=col).value == value:
            return row
    raise KeyError((sheet, column, value))


def set_cell(sheet: str, row: int, column: str, value: object) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        col = 2 if sheet == "Scenario" else SHEET_COLUMNS[sheet].index(column) + 1
        # Assign, not cell(value=...): openpyxl's cell() ignores value=None, so a blank would not be written.
        book[sheet].cell(row=row, column=col).value = value

    return edit


def cell_case(file: str, kind: str, sheet: str, row: int, column: str, value: object, message: str, defect: str) -> Case:
    """The most common defect: one cell of a table sheet holds a bad value."""
    return Case(file, kind, defect, at(sheet, row, column, message), from_book(set_cell(sheet, row, column, value)))


def scenario_case(file: str, kind: str, parameter: str, value: object, message: str, defect: str) -> Case:
    return Case(file, kind, defect, at_scenario(parameter, message), from_book(set_cell("Scenario", scenario_row(parameter), "value", value)))


def delete_sheet(name: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        del book[name]

    return edit


def empty_sheet(name: str) -> Callable[[openpyxl.Workbook], None]:
    """Replace a sheet by an empty one at the same position."""

    def edit(book: openpyxl.Workbook) -> None:
        index = book.sheetnames.index(name)
        del book[name]
        book.create_sheet(name, index)

    return edit


def delete_column(sheet: str, column: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        index = ("parameter", "value").index(column) + 1 if sheet == "Scenario" else SHEET_COLUMNS[sheet].index(column) + 1
        book[sheet].delete_cols(index)

    return edit


def delete_scenario_row(parameter: str) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        book["Scenario"].delete_rows(scenario_row(parameter))

    return edit


def append_row(sheet: str, **values: object) -> Callable[[openpyxl.Workbook], None]:
    def edit(book: openpyxl.Workbook) -> None:
        book[sheet].append([values.get(c) for c in SHEET_COLUMNS[sheet]])

    return edit


def next_row(sheet: str) -> int:
    """Excel row of a row appended to a table sheet of the base."""
    return len(BASE_TABLES[sheet]) + 2


# ---------------------------------------------------------------- hostile files

XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def _add_content_type(members: Members, entry: bytes) -> Members:
    """Add an ``<Override>``/``<Default>`` entry to ``[Content_Types].xml``."""
    return [(n, d.replace(b"</Types>", entry + b"</Types>") if n == "[Content_Types].xml" else d) for n, d in members]


def _add_workbook_relationship(members: Members, rel_id: str, rel_type: str, target: str) -> Members:
    rel = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/>'.encode()
    return [(n, d.replace(b"</Relationships>", rel + b"</Relationships>") if n == "xl/_rels/workbook.xml.rels" else d) for n, d in members]


def macro_members(members: Members) -> Members:
    """A macro-enabled workbook (.xlsm): a VBA project part and the macro content type."""
    members = [(n, d.replace(XLSX_MAIN, XLSM_MAIN) if n == "[Content_Types].xml" else d) for n, d in members]
    members = _add_content_type(members, b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>')
    members = _add_workbook_relationship(members, "rIdVba", "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin")
    return members + [("xl/vbaProject.bin", OLE_HEADER + b"Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\nEnd Sub\r\n")]


def ole_embedding_members(members: Members) -> Members:
    """An embedded OLE object (e.g. a packaged executable), as Excel stores one."""
    members = _add_content_type(members, b'<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.oleObject"/>')
    return members + [("xl/embeddings/oleObject1.bin", OLE_HEADER + b"\x01Ole10Native payload.exe")]


def activex_members(members: Members) -> Members:
    """An ActiveX control part, as Excel stores one."""
    members = _add_content_type(members, b'<Override PartName="/xl/activeX/activeX1.xml" ContentType="application/vnd.ms-office.activeX+xml"/>')
    control = b'<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}" ax:persistence="persistStreamInit"/>'
    return members + [("xl/activeX/activeX1.xml", control)]


def external_link_members(members: Members) -> Members:
    """A link to another workbook: an externalLink part, its relationship and the workbook's reference."""
    members = _add_content_type(
        members,
        b'<Override PartName="/xl/externalLinks/externalLink1.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>',
    )
    members = _add_workbook_relationship(
        members, "rIdExt1", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink", "externalLinks/externalLink1.xml"
    )
    members = [
        (n, d.replace(b"</sheets>", b'</sheets><externalReferences><externalReference r:id="rIdExt1"/></externalReferences>') if n == "xl/workbook.xml" else d)
        for n, d in members
    ]
    link = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<externalBook r:id="rId1"><sheetNames><sheetName val="Pledges"/></sheetNames></externalBook></externalLink>'
    )
    link_rels = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
        b'Target="file:///C:/national/pledges.xlsx" TargetMode="External"/></Relationships>'
    )
    return members + [("xl/externalLinks/externalLink1.xml", link), ("xl/externalLinks/_rels/externalLink1.xml.rels", link_rels)]


# The header of an OLE2 compound file (encrypted .xlsx, legacy .xls, vbaProject.bin).
OLE_HEADER = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + bytes(10)


def encrypted_bytes() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE2 container holding
    ``EncryptionInfo`` and ``EncryptedPackage`` streams (here only their names)."""
    names = "EncryptionInfo".encode("utf-16-le") + bytes(4) + "EncryptedPackage".encode("utf-16-le")
    return (OLE_HEADER + bytes(512 - len(OLE_HEADER)) + names).ljust(1536, b"\0")


def text_bytes() -> bytes:
    """A CSV export someone renamed to .xlsx."""
    return b"nation,status,active_personnel,gdp_busd\r\nFrance,committed,200000,3000\r\nPoland,considering,150000,800\r\n"


def truncated_bytes() -> bytes:
    """The first half of the base (stored, so the bytes do not depend on zlib): a broken download."""
    buffer = io.BytesIO()
    write_zip(buffer, base_members(), zipfile.ZIP_STORED)
    data = buffer.getvalue()
    return data[: len(data) // 2]


def bad_crc_bytes() -> bytes:
    """The base (stored) with one digit changed inside the Pledges sheet: the XML is still
    well-formed, but the member's CRC no longer matches (a corrupted copy)."""
    buffer = io.BytesIO()
    write_zip(buffer, base_members(), zipfile.ZIP_STORED)
    data = bytearray(buffer.getvalue())
    marker = b"<v>2</v>"  # France's 2 Mechanised infantry battalions (Pledges C2)
    start = data.find(b"<worksheet", data.find(sheet_part("Pledges").encode()))
    pos = data.find(marker, start)
    assert pos > 0
    data[pos + 3] = ord("7")
    return bytes(data)


def declared_size_bytes() -> bytes:
    """A zip whose central directory claims one member unpacks to 300 MB (it does not):
    the reader must refuse on the claim, before inflating anything."""
    buffer = io.BytesIO()
    write_zip(buffer, base_members(), zipfile.ZIP_STORED)
    data = bytearray(buffer.getvalue())
    eocd = data.rfind(b"PK\x05\x06")
    (cd_offset,) = struct.unpack_from("<I", data, eocd + 16)
    pos = cd_offset
    target = sheet_part("Caveats").encode()
    while data[pos : pos + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        if bytes(data[pos + 46 : pos + 46 + name_len]) == target:
            struct.pack_into("<I", data, pos + 24, 300_000_000)  # uncompressed size
            return bytes(data)
        pos += 46 + name_len + extra_len + comment_len
    raise AssertionError("member not found")


def ods_bytes() -> bytes:
    """An OpenDocument spreadsheet (LibreOffice .ods) renamed to .xlsx."""
    buffer = io.BytesIO()
    write_zip(
        buffer,
        [
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", b'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>'),
            ("content.xml", b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>'),
        ],
        zipfile.ZIP_STORED,
    )
    return buffer.getvalue()


def zip_bomb_members(members: Members) -> Members:
    """The Caveats sheet padded with 8 MB of spaces: well-formed XML, deflates ~1000:1."""
    sheet = dict(members)[sheet_part("Caveats")]
    padded = sheet.replace(b"<sheetData>", b"<sheetData>" + b" " * 8_000_000, 1)
    return replace_member(members, sheet_part("Caveats"), padded)


def too_many_members(members: Members) -> Members:
    """2,001 extra (empty) parts: more than any workbook has."""
    return members + [(f"xl/x/{i}", b"") for i in range(2001)]


# 'Billion laughs': a worksheet part whose nested entities would expand to ~3 GB
# (also used by tests/test_input_errors.py and the browser test's hostile uploads).
BILLION_LAUGHS_SHEET = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    + "]>"
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
).encode()


def xml_bomb_members(members: Members) -> Members:
    """'Billion laughs' in place of the Nations sheet."""
    return replace_member(members, sheet_part("Nations"), BILLION_LAUGHS_SHEET)


def too_many_rows_members(members: Members) -> Members:
    """Pledges with 100,001 data rows.  Each row holds a random 1 or 2 so the sheet
    does not compress like a zip bomb (the bomb check would fire first); ~2.6 MB
    of XML deflates to a few tens of kB."""
    rng = random.Random(7)
    rows = [b'<row><c t="inlineStr"><is><t>nation</t></is></c><c t="inlineStr"><is><t>unit_type</t></is></c>'
            b'<c t="inlineStr"><is><t>max_units</t></is></c></row>']
    rows += [b"<row><c/><c/><c><v>%d</v></c></row>" % rng.choice((1, 2)) for _ in range(100_001)]
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + b"".join(rows)
        + b"</sheetData></worksheet>"
    )
    return replace_member(members, sheet_part("Pledges"), sheet)


def title_row_above_header(book: openpyxl.Workbook) -> None:
    """A title typed above the header: the header moves to row 2."""
    ws = book["Nations"]
    ws.insert_rows(1)
    ws["A1"] = "Coalition nations, status as of January"


def merged_nation_cells(book: openpyxl.Workbook) -> None:
    """A2:A3 merged (France over Poland's row): Excel keeps only the top-left value."""
    book["Nations"].merge_cells("A2:A3")


def duplicate_header(book: openpyxl.Workbook) -> None:
    ws = book["Nations"]
    col = len(SHEET_COLUMNS["Nations"]) + 1
    ws.cell(row=1, column=col, value="GDP_busd ")
    ws.cell(row=2, column=col, value=3100)


def stray_value_far_below(book: openpyxl.Workbook) -> None:
    """A note typed in row 1,000,000 (after Ctrl+Down): the sheet now spans a million rows."""
    book["Nations"].cell(row=1_000_000, column=1, value="check with MoD")


def cases() -> list[Case]:
    """Every corpus file, in manifest order."""
    c: list[Case] = []

    # --- sheets missing or empty ---
    for sheet in SHEET_ORDER[:-1]:  # Caveats is optional
        c.append(Case(f"missing-sheet-{sheet.lower()}.xlsx", "missing sheet", f"the {sheet} sheet is deleted",
                      Expect(sheet, None, None, "required sheet is missing"), from_book(delete_sheet(sheet))))
    c.append(Case("empty-sheet-nations.xlsx", "empty sheet", "the Nations sheet exists but has no cells, not even a header",
                  Expect("Nations", None, None, "the sheet is empty"), from_book(empty_sheet("Nations"))))
    c.append(Case("empty-sheet-scenario.xlsx", "empty sheet", "the Scenario sheet exists but has no cells",
                  Expect("Scenario", None, None, "the sheet is empty"), from_book(empty_sheet("Scenario"))))

    # --- header problems ---
    for sheet, column in (("Nations", "status"), ("UnitTypes", "personnel"), ("Pledges", "max_units"), ("Requirements", "min_units")):
        c.append(Case(f"missing-column-{sheet.lower()}-{column}.xlsx", "missing column", f"the required column {column} of {sheet} is deleted",
                      Expect(sheet, 1, column, "required column is missing"), from_book(delete_column(sheet, column))))
    c.append(Case("missing-column-scenario-value.xlsx", "missing column", "the value column of Scenario is deleted",
                  Expect("Scenario", 1, "value", "required column is missing"), from_book(delete_column("Scenario", "value"))))
    extra = get_column_letter(len(SHEET_COLUMNS["Nations"]) + 1)
    c.append(Case("duplicate-header-nations-gdp.xlsx", "duplicate column", "Nations has a second 'GDP_busd ' column (case and spaces differ)",
                  Expect("Nations", 1, "gdp_busd", "the column appears twice", f"{extra}1"), from_book(duplicate_header)))
    c.append(Case("title-row-above-header.xlsx", "header row", "a title row sits above the Nations header, so the header is on row 2",
                  Expect("Nations", 1, "nation", "row 2 looks like the header"), from_book(title_row_above_header)))
    c.append(Case("merged-cells-nations.xlsx", "merged cells", "Nations A2:A3 are merged, so Poland's row has no nation",
                  at("Nations", 3, "nation", "is required but blank"), from_book(merged_nation_cells)))
    c.append(Case("stray-value-row-1000000.xlsx", "sheet size", "a stray note in Nations A1000000 makes a row with no status",
                  at("Nations", 1_000_000, "status", "is required but blank"), from_book(stray_value_far_below)))
    c.append(Case("too-many-rows-pledges.xlsx", "sheet size", "Pledges has 100,001 data rows (the limit is 100,000)",
                  Expect("Pledges", None, None, "has more than 100000 rows"), from_members(too_many_rows_members)))

    # --- duplicate keys ---
    c.append(Case("duplicate-nation.xlsx", "duplicate key", "France appears twice in Nations",
                  at("Nations", next_row("Nations"), "nation", "duplicate of row 2"),
                  from_book(append_row("Nations", nation="France", status="committed", active_personnel=1000, gdp_busd=1))))
    c.append(Case("duplicate-unit-type.xlsx", "duplicate key", "Frigate appears twice in UnitTypes",
                  at("UnitTypes", next_row("UnitTypes"), "unit_type", "duplicate of row 3"),
                  from_book(append_row("UnitTypes", unit_type="Frigate", domain="sea", personnel=200, annual_cost_musd=95))))
    c.append(Case("duplicate-sector.xlsx", "duplicate key", "Black Sea appears twice in Sectors",
                  at("Sectors", next_row("Sectors"), "sector", "duplicate of row 3"),
                  from_book(append_row("Sectors", sector="Black Sea", risk=3))))
    c.append(Case("duplicate-pledge.xlsx", "duplicate key", "the pledge (France, Frigate) appears twice",
                  at("Pledges", next_row("Pledges"), "unit_type", "duplicate of row 3"),
                  from_book(append_row("Pledges", nation="France", unit_type="Frigate", max_units=2))))
    c.append(Case("duplicate-requirement-line.xlsx", "duplicate key", "the line (Frigate, Black Sea) appears twice",
                  at("Requirements", next_row("Requirements"), "sector", "duplicate of row 3"),
                  from_book(append_row("Requirements", unit_type="Frigate", sector="Black Sea", min_units=2))))

    def duplicate_parameter(book: openpyxl.Workbook) -> None:
        book["Scenario"].append([" Force_Target", 2000])

    dup_row = len(BASE_SCENARIO) + 2
    c.append(Case("duplicate-scenario-parameter.xlsx", "duplicate key", "force_target is given twice in Scenario (spelt ' Force_Target')",
                  Expect("Scenario", dup_row, "parameter", "given twice", f"A{dup_row}"), from_book(duplicate_parameter)))

    # --- wrong types and values out of range, table sheets ---
    c += [
        cell_case("text-in-number.xlsx", "wrong type", "Pledges", 2, "max_units", "two", "is text, not a number", "a number typed as a word"),
        cell_case("negative-personnel.xlsx", "out of range", "Nations", 3, "active_personnel", -5000, "must be greater than 0", "a negative headcount"),
        cell_case("nan-text.xlsx", "wrong type", "UnitTypes", 3, "annual_cost_musd", "NaN", "is not a finite number", "'NaN' typed as a cost"),
        cell_case("infinite-number.xlsx", "wrong type", "Nations", 2, "budget_musd", "1e999", "is not a finite number", "a budget that overflows to infinity"),
        cell_case("huge-number.xlsx", "out of range", "Nations", 2, "active_personnel", 10**30, "is too large", "a headcount of 10^30 (no machine integer holds it)"),
        cell_case("fraction-units.xlsx", "wrong type", "Requirements", 2, "min_units", 1.5, "must be a whole number", "a fraction of a unit"),
        cell_case("fraction-personnel.xlsx", "wrong type", "UnitTypes", 2, "personnel", 700.5, "must be a whole number", "a fraction of a person"),
        cell_case("withdrawal-risk-out-of-range.xlsx", "out of range", "Nations", 2, "withdrawal_risk", 1.5, "must be at most 1", "a probability above 1"),
        cell_case("risk-out-of-range.xlsx", "out of range", "Sectors", 2, "risk", 4, "must be at most 3", "a sector risk of 4 (1-3)"),
        cell_case("priority-zero.xlsx", "out of range", "Requirements", 3, "priority", 0, "must be at least 1", "a priority of 0 (1-3)"),
        cell_case("cost-factor-zero.xlsx", "out of range", "Nations", 3, "cost_factor", 0, "must be greater than 0", "a cost factor of 0"),
        cell_case("bad-yes-no.xlsx", "wrong type", "Nations", 2, "can_lead", "perhaps", "is not yes/no", "'perhaps' in a yes/no column"),
        cell_case("bad-status.xlsx", "wrong type", "Nations", 3, "status", "maybe", "is not one of committed", "a status that is not in the list"),
        cell_case("bad-domain.xlsx", "wrong type", "UnitTypes", 4, "domain", "space", "is not one of land, sea, air", "a domain that is not land, sea or air"),
        cell_case("required-blank.xlsx", "missing value", "Nations", 4, "gdp_busd", None, "is required but blank", "a required cell left blank"),
        cell_case("date-in-number.xlsx", "wrong type", "Nations", 2, "active_personnel", dt.datetime(2025, 3, 1), "is a date or time, not a number", "a date where a number belongs"),
        cell_case("boolean-in-number.xlsx", "wrong type", "Pledges", 3, "max_units", True, "is a yes/no value, not a number", "TRUE where a number belongs"),
        cell_case("excel-error-in-number.xlsx", "wrong type", "Nations", 3, "gdp_busd", "#DIV/0!", "is an Excel error", "a cached #DIV/0! from a broken formula"),
        cell_case("excel-error-in-name.xlsx", "wrong type", "Nations", 4, "nation", "#N/A", "is an Excel error", "a nation name that is a cached #N/A from a failed lookup"),
        cell_case("max-below-min.xlsx", "out of range", "Requirements", 2, "max_units", 1, "is below min_units", "a line whose max_units (1) is below its min_units (2)"),
    ]

    # --- the Scenario sheet ---
    c += [
        scenario_case("scenario-bad-yes-no.xlsx", "wrong type", "un_mandate", "maybe", "is not yes/no", "'maybe' as un_mandate"),
        scenario_case("scenario-percent-as-whole-number.xlsx", "out of range", "lead_share", 40, "must be at most 1", "lead_share typed as 40 (meaning 40%)"),
        scenario_case("scenario-percent-as-text.xlsx", "wrong type", "sustainable_share", "8%", "percentage", "sustainable_share typed as the text '8%'"),
        scenario_case("scenario-time-limit-zero.xlsx", "out of range", "time_limit_s", 0, "must be greater than 0", "a zero solver time limit"),
        scenario_case("scenario-negative-target.xlsx", "out of range", "land_target", -700, "must be at least 0", "a negative personnel target"),
        Case("scenario-missing-force-target.xlsx", "missing value", "the required force_target row is deleted",
             Expect("Scenario", None, "parameter", "required parameter 'force_target'"), from_book(delete_scenario_row("force_target"))),
    ]

    def value_without_name(book: openpyxl.Workbook) -> None:
        book["Scenario"].append([None, 5])

    c.append(Case("scenario-value-without-name.xlsx", "missing value", "a Scenario value with a blank parameter name",
                  Expect("Scenario", dup_row, "parameter", "the parameter name is blank", f"A{dup_row}"), from_book(value_without_name)))

    # --- references ---
    c += [
        cell_case("unknown-nation.xlsx", "unknown reference", "Pledges", 5, "nation", "Atlantis", "is not a nation of the Nations sheet", "a pledge from a nation not in Nations"),
        cell_case("unknown-unit-type.xlsx", "unknown reference", "Requirements", 4, "unit_type", "Zeppelin squadron", "is not a unit type of the UnitTypes sheet", "a line for a unit type not in UnitTypes"),
        cell_case("unknown-sector.xlsx", "unknown reference", "Caveats", 2, "sector", "Moscow", "is not a sector of the Sectors sheet", "a caveat on a sector not in Sectors"),
        cell_case("near-miss-case.xlsx", "unknown reference", "Pledges", 4, "nation", "poland", "did you mean 'Poland'", "a nation name in the wrong case"),
        cell_case("near-miss-spelling.xlsx", "unknown reference", "Requirements", 2, "unit_type", "Mechanized infantry battalion", "did you mean 'Mechanised infantry battalion'", "a unit type in US spelling"),
        cell_case("near-miss-invisible-character.xlsx", "unknown reference", "Pledges", 3, "nation", "France\u200b", "did you mean 'France'", "a nation name with a zero-width space pasted from the web"),
    ]

    # --- formulas ---
    c.append(cell_case("formula-without-cached-value.xlsx", "formula", "Pledges", 2, "max_units", "=1+1", "formula with no saved value", "a formula saved by a program that does not calculate"))
    c.append(scenario_case("scenario-formula-without-cached-value.xlsx", "formula", "force_target", "=1000*2", "formula with no saved value", "a Scenario formula with no saved value"))

    # --- hostile or broken files ---
    c += [
        Case("zero-byte.xlsx", "not a workbook", "an empty file", file_level("the file is empty"), from_bytes(lambda: b"")),
        Case("plain-text-renamed.xlsx", "not a workbook", "a CSV file renamed to .xlsx", file_level("is not an Excel workbook"), from_bytes(text_bytes)),
        Case("opendocument-renamed.xlsx", "not a workbook", "a LibreOffice .ods spreadsheet renamed to .xlsx", file_level("OpenDocument"), from_bytes(ods_bytes)),
        Case("truncated.xlsx", "damaged file", "the first half of a workbook (an interrupted download)", file_level("damaged or incomplete"), from_bytes(truncated_bytes)),
        Case("bad-crc.xlsx", "damaged file", "one byte of the Pledges sheet changed after zipping (CRC mismatch)", file_level("damaged"), from_bytes(bad_crc_bytes)),
        Case("malformed-xml.xlsx", "damaged file", "the Nations sheet's XML is cut off mid-element", file_level("not well-formed XML"),
             from_members(lambda m: replace_member(m, sheet_part("Nations"), b"<worksheet><sheetData><row>"))),
        Case("missing-part.xlsx", "damaged file", "the Sectors sheet's part is missing from the zip (listed in workbook.xml, no data)",
             Expect("Sectors", None, None, "its data is missing from the file"),
             from_members(lambda m: replace_member(m, sheet_part("Sectors"), None))),
        Case("encrypted.xlsx", "hostile file", "a password-protected workbook (an OLE2 container)", file_level("password-protected"), from_bytes(encrypted_bytes)),
        Case("zip-bomb-ratio.xlsx", "hostile file", "a sheet that inflates about 1000:1 (8 MB from a few kB)", file_level("zip bomb"), from_members(zip_bomb_members)),
        Case("zip-bomb-declared-size.xlsx", "hostile file", "a central directory that claims a 300 MB part", file_level("unpacks to"), from_bytes(declared_size_bytes)),
        Case("too-many-zip-members.xlsx", "hostile file", "2,001 extra parts in the zip", file_level("parts"), from_members(too_many_members, zipfile.ZIP_STORED)),
        Case("xml-entity-bomb.xlsx", "hostile file", "a 'billion laughs' DTD in the Nations sheet", file_level("XML entities"), from_members(xml_bomb_members)),
        Case("macro-enabled.xlsm", "hostile file", "a macro-enabled workbook with a VBA project", file_level("macros"), from_members(macro_members)),
        Case("embedded-ole-object.xlsx", "hostile file", "an embedded OLE object (a packaged executable)", file_level("embedded objects"), from_members(ole_embedding_members)),
        Case("activex-control.xlsx", "hostile file", "an ActiveX control part", file_level("ActiveX"), from_members(activex_members)),
        Case("external-link.xlsx", "hostile file", "a link to another workbook (values may be stale or fetched)", file_level("links to another workbook"), from_members(external_link_members)),
    ]
    names = [k.file for k in c]
    assert len(names) == len(set(names)), "corpus file names must be unique"
    return c


# --------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------


def build_corpus(folder: Path) -> dict:
    """Write the base, every corpus file and MANIFEST.json into ``folder``; return the manifest.

    Files in ``folder`` that the corpus no longer has are removed, so the
    folder always matches the manifest.
    """
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    write_zip(folder / BASE_FILE, base_members())
    for case in cases():
        path = folder / case.file
        case.build(path)
        entries.append({
            "file": case.file,
            "kind": case.kind,
            "defect": case.defect,
            "expect": asdict(case.expect),
            "content_sha256": content_sha256(path),
        })
    manifest = {
        "about": "Bad workbooks, one defect each; made by tests/corpus/make_corpus.py, checked by tests/test_bad_corpus.py.",
        "base": {"file": BASE_FILE, "content_sha256": content_sha256(folder / BASE_FILE)},
        "files": entries,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    keep = {BASE_FILE, MANIFEST, *(e["file"] for e in entries)}
    for stale in folder.iterdir():
        if stale.is_file() and stale.name not in keep:
            stale.unlink()
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    manifest = build_corpus(args.folder)
    total = sum(p.stat().st_size for p in args.folder.iterdir() if p.is_file())
    kinds = sorted({e["kind"] for e in manifest["files"]})
    print(f"{len(manifest['files'])} bad workbooks ({len(kinds)} kinds) + {BASE_FILE} in {args.folder}, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
