"""Read a contract workbook into validated tables, or say everything that is wrong.

No pyomo here.  :func:`read_tables` returns plain pandas tables with the
contract's column names and defaults applied, plus the Scenario as a dict; it
collects every problem it finds in one pass and raises one
:class:`~optimizer.errors.InputError` carrying all of them.

The file is checked before it is parsed (size, zip structure, compression
ratio, encryption, macros) because openpyxl will happily inflate a zip bomb;
openpyxl itself refuses XML entity bombs because ``defusedxml`` is installed.
"""

from __future__ import annotations

import difflib
import os
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from optimizer.cells import is_blank, parse_cell
from optimizer.errors import InputError, InputIssue
from optimizer.schema import (
    CAVEATS,
    NATIONS,
    PHASES,
    PLEDGES,
    REQUIREMENTS,
    SCENARIO,
    SCENARIO_PARAMETERS,
    SECTORS,
    SHEETS,
    SWITCH_FROM,
    UNIT_TYPES,
    Column,
    Kind,
    Sheet,
)

# Limits that keep a hostile file from exhausting the machine.  A real
# coalition workbook is well under a megabyte.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_ZIP_MEMBERS = 2000
MAX_ROWS_PER_SHEET = 100_000

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted xlsx and legacy .xls

SCENARIO_BY_NAME: dict[str, Column] = {c.name: c for c in SCENARIO_PARAMETERS}
TABLE_SHEETS: tuple[Sheet, ...] = (NATIONS, UNIT_TYPES, SECTORS, PLEDGES, REQUIREMENTS, CAVEATS, PHASES)


def normalise_header(text: object) -> str:
    return " ".join(str(text).split()).lower() if text is not None else ""


@dataclass
class RawTables:
    """What the reader hands to :mod:`optimizer.data`: validated, defaulted tables."""

    scenario: dict[str, object]
    tables: dict[str, pd.DataFrame]
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- file


def _check_file(path: Path) -> list[InputIssue]:
    """Problems with the file as a whole, found without parsing it."""

    def issue(msg: str) -> list[InputIssue]:
        return [InputIssue(None, None, None, f"{path.name}: {msg}")]

    if not path.exists():
        return issue("no such file")
    if path.is_dir():
        return issue("is a folder, not a workbook")
    size = path.stat().st_size
    if size == 0:
        return issue("the file is empty")
    if size > MAX_FILE_BYTES:
        return issue(f"the file is {size / 2**20:.1f} MB; the limit is {MAX_FILE_BYTES / 2**20:.0f} MB")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        return issue(
            "is a password-protected (encrypted) workbook or a legacy .xls file; "
            "remove the password or save it as .xlsx and try again"
        )
    if not zipfile.is_zipfile(path):
        if head.startswith(b"PK"):
            return issue(
                "is damaged or incomplete: it starts like an Excel workbook but cannot be opened "
                "(cut short by a download or copy?); save it again from Excel"
            )
        return issue("is not an Excel workbook (.xlsx)")
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            names = {m.filename for m in members}
            mimetype = zf.read("mimetype")[:100] if "mimetype" in names and zf.getinfo("mimetype").file_size < 1000 else b""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:
        return issue(f"is damaged or incomplete and cannot be opened ({_one_line(exc)})")
    if len(members) > MAX_ZIP_MEMBERS:
        return issue(f"has {len(members)} parts; a workbook has far fewer (limit {MAX_ZIP_MEMBERS})")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if total > MAX_UNCOMPRESSED_BYTES:
        return issue(f"unpacks to {total / 2**20:.0f} MB; the limit is {MAX_UNCOMPRESSED_BYTES / 2**20:.0f} MB")
    for m in members:
        if m.compress_size and m.file_size / m.compress_size > MAX_COMPRESSION_RATIO and m.file_size > 1_000_000:
            return issue(f"part {m.filename} is compressed {m.file_size // m.compress_size}:1, a sign of a zip bomb")
    if packed and total / packed > MAX_COMPRESSION_RATIO and total > 10_000_000:
        return issue("is compressed suspiciously well, a sign of a zip bomb")
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return issue("is an OpenDocument spreadsheet (.ods), not an Excel workbook; save it as .xlsx (Excel 2007-365)")
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        return issue("is a zip file but not an Excel workbook (.xlsx)")
    return [InputIssue(None, None, None, f"{path.name}: {msg}") for msg in _active_content(names)]


def _active_content(names: set[str]) -> list[str]:
    """Parts a planning workbook never needs and a hostile one uses: macros, ActiveX
    controls, embedded (OLE) objects, links to other workbooks.  None of them is ever
    run or followed here, but a workbook carrying them is refused so that what is
    planned is exactly what the file shows (and nobody is invited to enable content)."""
    ordered = sorted(names)
    lowered = [n.lower() for n in ordered]
    found = []
    if any(n.endswith("vbaproject.bin") for n in lowered):
        found.append("contains macros (a macro-enabled workbook); save it as a plain .xlsx without macros")
    if any(n.startswith("xl/activex/") for n in lowered):
        found.append("contains ActiveX controls; save a copy without them (Developer > Design Mode, delete the controls)")
    embedded = [n for n, low in zip(ordered, lowered) if low.startswith("xl/embeddings/")]
    if embedded:
        found.append(f"contains embedded objects ({embedded[0]}); delete them and save, so only the tables remain")
    if any(n.startswith("xl/externallinks/") for n in lowered):
        found.append(
            "links to another workbook (external links), so some values may be stale copies; "
            "break the links in Excel (Data > Edit Links > Break Link) and save"
        )
    return found


def _one_line(exc: BaseException, limit: int = 200) -> str:
    """An exception as one short line: type and message, whitespace collapsed."""
    text = " ".join(str(exc).split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _root_causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it wraps (openpyxl re-raises parse errors as ValueError)."""
    chain: list[BaseException] = []
    while exc is not None and exc not in chain and len(chain) < 20:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    return chain


def _unreadable(exc: BaseException) -> str:
    """Why openpyxl could not read a workbook that passed the file checks, in one line."""
    from xml.etree.ElementTree import ParseError

    chain = _root_causes(exc)
    for e in chain:
        if any(c.__name__ == "DefusedXmlException" for c in type(e).__mro__) or "Entit" in type(e).__name__ or "DTD" in type(e).__name__:
            return "it contains forbidden XML entities or a DTD (an XML bomb?)"
    for e in chain:
        if isinstance(e, (zipfile.BadZipFile, zlib.error, EOFError)):
            return f"the file is damaged ({_one_line(e)}); save it again from Excel"
        if isinstance(e, ParseError) or type(e).__name__ in ("XMLSyntaxError", "ExpatError"):
            return f"a part of it is not well-formed XML, so the file is damaged ({_one_line(e)}); save it again from Excel"
        if isinstance(e, KeyError) and "no item named" in str(e):
            return f"a part of it is missing, so the file is damaged ({_one_line(e)}); save it again from Excel"
    return _one_line(chain[-1])


def _load(path: Path):
    """Load the workbook twice: cached values, and formulas (to spot uncached ones)."""
    import openpyxl

    values = openpyxl.load_workbook(path, read_only=True, data_only=True)
    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    return values, formulas


def _sheet_rows(ws) -> list[tuple[int, list]]:
    """Every row of a read-only sheet as (excel_row, [cell values]), capped in count."""
    ws.reset_dimensions()  # some writers store a wrong dimension; read what is there
    rows = []
    for cells in ws.iter_rows():
        if not cells:
            continue
        excel_row = None
        values = []
        for cell in cells:
            if getattr(cell, "row", None) is not None and excel_row is None:
                excel_row = cell.row
            values.append(getattr(cell, "value", None))
        if excel_row is None:
            continue
        rows.append((excel_row, values))
        if len(rows) > MAX_ROWS_PER_SHEET:
            raise _TooManyRows()
    return rows


class _TooManyRows(Exception):
    pass


def _formula_cells(ws) -> set[tuple[int, int]]:
    """(row, column index from 1) of every formula cell of a sheet."""
    ws.reset_dimensions()
    found = set()
    for cells in ws.iter_rows():
        for idx, cell in enumerate(cells, start=1):
            if getattr(cell, "data_type", None) == "f":
                found.add((cell.row, getattr(cell, "column", idx)))
    return found


# -------------------------------------------------------------------------- sheets


def _declared_sheets(path: Path) -> set[str]:
    """Sheet names ``xl/workbook.xml`` lists (normalised).  openpyxl silently drops a
    listed sheet whose part is missing from the zip; this tells that damage apart
    from a sheet that was never there."""
    from defusedxml.ElementTree import fromstring

    try:
        with zipfile.ZipFile(path) as zf:
            root = fromstring(zf.read("xl/workbook.xml"))
    except Exception:  # unreadable: the sheet is simply reported missing
        return set()
    return {normalise_header(el.get("name")) for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "sheet"}


def _find_sheet(wb, name: str):
    wanted = normalise_header(name)
    for title in wb.sheetnames:
        if normalise_header(title) == wanted:
            return wb[title]
    return None


def _header_hint(spec: Sheet, rows: list[tuple[int, list]], header_at: int) -> str:
    """When the first non-blank row lacks required columns: point at a row a few lines
    down that has them all (a title typed above the header), else nothing."""
    required = {c.name for c in spec.columns if c.required}
    for excel_row, vals in rows[header_at + 1 : header_at + 11]:
        if required <= {normalise_header(v) for v in vals}:
            return f" (row {excel_row} looks like the header: delete the rows above it)"
    return ""


def _read_sheet(spec: Sheet, ws_values, ws_formulas, issues: list[InputIssue], letters: dict[str, str]) -> list[dict]:
    """Parse a table sheet into dict rows (with ``_row``), recording every problem.

    ``letters`` is filled with the Excel column letter of each contract column,
    so the cross-sheet checks can name the cell too."""
    try:
        rows = _sheet_rows(ws_values)
    except _TooManyRows:
        issues.append(InputIssue(spec.name, None, None, f"has more than {MAX_ROWS_PER_SHEET} rows"))
        return []
    formulas = _formula_cells(ws_formulas)
    header_at = next((i for i, (_, vals) in enumerate(rows) if any(not is_blank(v) for v in vals)), None)
    if header_at is None:
        if not spec.optional:
            issues.append(InputIssue(spec.name, None, None, "the sheet is empty: it needs a header row"))
        return []
    header_row, header_vals = rows[header_at]
    positions: dict[str, int] = {}
    for idx, text in enumerate(header_vals):
        key = normalise_header(text)
        if not key:
            continue
        if key in positions and key in spec.column_names:
            issues.append(InputIssue(spec.name, header_row, key, "the column appears twice", letter=get_column_letter(idx + 1)))
            continue
        positions.setdefault(key, idx)
    missing = [c.name for c in spec.columns if c.required and c.name not in positions]
    hint = _header_hint(spec, rows, header_at) if missing else ""
    for name in missing:
        issues.append(InputIssue(spec.name, header_row, name, "required column is missing from the header row" + hint))
    if missing:
        return []
    letters.update({name: get_column_letter(idx + 1) for name, idx in positions.items() if name in spec.column_names})

    parsed: list[dict] = []
    for excel_row, vals in rows[header_at + 1 :]:
        cells = {c.name: (vals[positions[c.name]] if c.name in positions and positions[c.name] < len(vals) else None) for c in spec.columns}
        if all(is_blank(v) for v in cells.values()):
            continue  # a stray blank row
        record: dict[str, object] = {"_row": excel_row}
        for col in spec.columns:
            raw = cells[col.name]
            col_idx = positions.get(col.name)
            letter = get_column_letter(col_idx + 1) if col_idx is not None else None
            if is_blank(raw):
                if col_idx is not None and (excel_row, col_idx + 1) in formulas:
                    issues.append(InputIssue(spec.name, excel_row, col.name, "is a formula with no saved value; open the workbook in Excel, recalculate and save it", letter=letter))
                    record[col.name] = None
                    continue
                if col.required:
                    issues.append(InputIssue(spec.name, excel_row, col.name, "is required but blank", letter=letter))
                record[col.name] = col.default
                continue
            value, problem = parse_cell(col, raw)
            if problem:
                issues.append(InputIssue(spec.name, excel_row, col.name, problem, value=str(raw), letter=letter))
            record[col.name] = value
        parsed.append(record)
    return parsed


def _read_scenario(ws_values, ws_formulas, issues: list[InputIssue], warnings: list[str], where: dict[str, tuple[int, str]]) -> dict[str, object]:
    """The Scenario sheet: ``parameter``/``value`` rows, each value parsed by its parameter's kind.

    ``where`` is filled with each parameter's (Excel row, value column letter)."""
    try:
        rows = _sheet_rows(ws_values)
    except _TooManyRows:
        issues.append(InputIssue("Scenario", None, None, f"has more than {MAX_ROWS_PER_SHEET} rows"))
        return {}
    formulas = _formula_cells(ws_formulas)
    header_at = next((i for i, (_, vals) in enumerate(rows) if any(not is_blank(v) for v in vals)), None)
    if header_at is None:
        issues.append(InputIssue("Scenario", None, None, "the sheet is empty: it needs a header row 'parameter', 'value'"))
        return {}
    header_row, header_vals = rows[header_at]
    positions: dict[str, int] = {}
    for idx, text in enumerate(header_vals):
        positions.setdefault(normalise_header(text), idx)
    missing = [name for name in ("parameter", "value") if name not in positions]
    for name in missing:
        issues.append(InputIssue("Scenario", header_row, name, "required column is missing from the header row"))
    if missing:
        return {}
    p_idx, v_idx = positions["parameter"], positions["value"]
    letter = get_column_letter(v_idx + 1)

    values: dict[str, object] = {}
    for excel_row, vals in rows[header_at + 1 :]:
        raw_name = vals[p_idx] if p_idx < len(vals) else None
        raw = vals[v_idx] if v_idx < len(vals) else None
        if is_blank(raw_name):
            if not is_blank(raw):
                issues.append(InputIssue("Scenario", excel_row, "parameter", "a value is given but the parameter name is blank", letter=get_column_letter(p_idx + 1)))
            continue
        name = normalise_header(raw_name).replace(" ", "_")
        if name not in SCENARIO_BY_NAME:
            warnings.append(f"sheet 'Scenario', row {excel_row}: unknown parameter '{raw_name}' ignored")
            continue
        if name in where:
            issues.append(InputIssue("Scenario", excel_row, "parameter", f"parameter '{name}' is given twice (also row {where[name][0]})", value=str(raw_name), letter=get_column_letter(p_idx + 1)))
            continue
        where[name] = (excel_row, letter)
        col = SCENARIO_BY_NAME[name]
        if is_blank(raw):
            if (excel_row, v_idx + 1) in formulas:
                issues.append(InputIssue("Scenario", excel_row, "value", f"'{name}' is a formula with no saved value; recalculate and save the workbook", letter=letter))
                values[name] = REPORTED
            continue  # blank: the default (or, for a required one, reported missing later)
        value, problem = parse_cell(col, raw)
        if problem:
            issues.append(InputIssue("Scenario", excel_row, "value", f"'{name}' {problem}", value=str(raw), letter=letter))
            values[name] = REPORTED
            continue
        values[name] = value
    return values


# Stands for a Scenario value whose problem is already reported at its cell, so
# a required parameter is not reported a second time as "missing".
REPORTED = object()


def parse_overrides(overrides: list[str] | tuple[str, ...], issues: list[InputIssue]) -> dict[str, object]:
    """``--set PARAMETER=VALUE`` strings -> parsed values; problems go to ``issues``."""
    out: dict[str, object] = {}
    for text in overrides:
        if "=" not in text:
            issues.append(InputIssue("--set", None, None, "expected PARAMETER=VALUE", value=text))
            continue
        key, raw = text.split("=", 1)
        name = normalise_header(key).replace(" ", "_")
        col = SCENARIO_BY_NAME.get(name)
        if col is None:
            known = ", ".join(SCENARIO_BY_NAME)
            issues.append(InputIssue("--set", None, name or key, f"unknown Scenario parameter; known: {known}", value=text))
            continue
        if is_blank(raw):
            if col.required:
                issues.append(InputIssue("--set", None, name, "needs a value", value=text))
            else:
                out[name] = col.default
            continue
        value, problem = parse_cell(col, raw.strip())
        if problem:
            issues.append(InputIssue("--set", None, name, problem, value=raw))
            continue
        out[name] = value
    return out


# ------------------------------------------------------------------ cross-sheet checks


def _check_unique(spec: Sheet, rows: list[dict], letters: dict[str, str], issues: list[InputIssue]) -> None:
    if not spec.key:
        return
    seen: dict[tuple, int] = {}
    for r in rows:
        key = tuple(r.get(k) for k in spec.key)
        if any(k is None for k in key):
            continue
        if key in seen:
            label = ", ".join(f"{k}={v!r}" for k, v in zip(spec.key, key))
            issues.append(InputIssue(spec.name, r["_row"], spec.key[-1], f"duplicate of row {seen[key]} ({label})", value=str(key[-1]), letter=letters.get(spec.key[-1])))
        else:
            seen[key] = r["_row"]


def _folded(text: str) -> str:
    """A name as a reader sees it: invisible characters (zero-width spaces, soft hyphens,
    direction marks) dropped, odd spaces made plain, runs of spaces collapsed, case folded."""
    visible = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(visible.split()).casefold()


MAX_HINTED_VALUES = 200  # distinct unknown names given a "did you mean" (difflib is not free)


def _check_references(spec: Sheet, rows: list[dict], known: dict[str, set[str]], letters: dict[str, str], issues: list[InputIssue]) -> None:
    for col in spec.columns:
        if not col.references:
            continue
        names = known[col.references]
        folded = {_folded(n): n for n in sorted(names)}
        hints: dict[str, str] = {}
        for r in rows:
            value = r.get(col.name)
            if value is None or value in names:
                continue
            if value not in hints and len(hints) < MAX_HINTED_VALUES:
                hints[value] = _did_you_mean(value, folded)
            issues.append(InputIssue(
                spec.name, r["_row"], col.name,
                f"is not a {col.name.replace('_', ' ')} of the {col.references} sheet{hints.get(value, '')}",
                value=value, letter=letters.get(col.name),
            ))


def _did_you_mean(value: str, folded: dict[str, str]) -> str:
    """'; did you mean 'X'?' for a name differing from a known one only in case,
    spacing or invisible characters, or by a small misspelling; else ''."""
    match = folded.get(_folded(value))
    if match is None:
        close = difflib.get_close_matches(_folded(value), list(folded), n=1, cutoff=0.85)
        match = folded[close[0]] if close else None
    return f"; did you mean '{match}'?" if match is not None else ""


def read_tables(path: str | os.PathLike, overrides: list[str] | tuple[str, ...] = ()) -> RawTables:
    """Read and validate the workbook at ``path`` with ``--set`` overrides.

    Raises :class:`InputError` with every problem found.
    """
    path = Path(path)
    issues = _check_file(path)
    if issues:
        raise InputError(issues)
    try:
        wb_values, wb_formulas = _load(path)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or hostile file
        raise InputError([InputIssue(None, None, None, f"{path.name}: cannot be read as an Excel workbook: {_unreadable(exc)}")]) from None

    try:
        warnings: list[str] = []
        raw: dict[str, list[dict]] = {}
        letters: dict[str, dict[str, str]] = {spec.name: {} for spec in SHEETS}
        scenario_values: dict[str, object] = {}
        scenario_where: dict[str, tuple[int, str]] = {}
        for spec in SHEETS:
            ws_v = _find_sheet(wb_values, spec.name)
            ws_f = _find_sheet(wb_formulas, spec.name)
            if ws_v is None:
                if normalise_header(spec.name) in _declared_sheets(path):
                    issues.append(InputIssue(spec.name, None, None, "is listed in the workbook but its data is missing from the file, so the file is damaged; save it again from Excel"))
                elif not spec.optional:
                    issues.append(InputIssue(spec.name, None, None, "required sheet is missing"))
                raw[spec.name] = []
                continue
            if spec is SCENARIO:
                scenario_values = _read_scenario(ws_v, ws_f, issues, warnings, scenario_where)
            else:
                raw[spec.name] = _read_sheet(spec, ws_v, ws_f, issues, letters[spec.name])
    except Exception as exc:
        raise InputError(issues + [InputIssue(None, None, None, f"{path.name}: cannot be read as an Excel workbook: {_unreadable(exc)}")]) from None
    finally:
        wb_values.close()
        wb_formulas.close()

    overridden = parse_overrides(overrides, issues)
    scenario_values.update(overridden)
    for name in overridden:
        scenario_where[name] = (None, None)  # the value comes from --set
    scenario: dict[str, object] = {}
    for col in SCENARIO_PARAMETERS:
        if scenario_values.get(col.name) is REPORTED:
            continue
        if col.name in scenario_values:
            scenario[col.name] = scenario_values[col.name]
        elif col.required:
            issues.append(InputIssue("Scenario", None, "parameter", f"required parameter '{col.name}' is missing or blank"))
        else:
            scenario[col.name] = col.default

    for spec in TABLE_SHEETS:
        _check_unique(spec, raw.get(spec.name, []), letters[spec.name], issues)
    known = {
        "Nations": {r["nation"] for r in raw.get("Nations", []) if r.get("nation")},
        "UnitTypes": {r["unit_type"] for r in raw.get("UnitTypes", []) if r.get("unit_type")},
        "Sectors": {r["sector"] for r in raw.get("Sectors", []) if r.get("sector")},
    }
    for spec in (PLEDGES, REQUIREMENTS, CAVEATS):
        _check_references(spec, raw.get(spec.name, []), known, letters[spec.name], issues)
    for r in raw.get("Requirements", []):
        lo, hi = r.get("min_units"), r.get("max_units")
        if isinstance(lo, int) and isinstance(hi, int) and hi < lo:
            issues.append(InputIssue("Requirements", r["_row"], "max_units", f"is below min_units ({lo})", value=str(hi), letter=letters["Requirements"].get("max_units")))
    _check_periods(scenario, scenario_where, raw, letters, issues)
    if issues:
        raise InputError(issues)

    tables = {spec.name: _frame(spec, raw.get(spec.name, [])) for spec in TABLE_SHEETS}
    return RawTables(scenario=scenario, tables=tables, warnings=warnings)


def _check_periods(scenario: dict, where: dict[str, tuple], raw: dict[str, list[dict]], letters: dict[str, dict[str, str]],
                   issues: list[InputIssue]) -> None:
    """Contract section 5: every period named in the workbook lies in 1 … periods, and each ``from``
    is not after its ``until``."""
    periods = scenario.get("periods")
    if not isinstance(periods, int):
        return  # its own problem is reported at its cell
    beyond = f"is beyond the last period (periods = {periods})"
    for name in SWITCH_FROM.values():
        value = scenario.get(name)
        if isinstance(value, int) and value > periods:
            row, letter = where.get(name, (None, None))
            if row is None:  # given with --set
                issues.append(InputIssue("--set", None, name, beyond, value=str(value)))
            else:
                issues.append(InputIssue("Scenario", row, "value", f"'{name}' {beyond}", value=str(value), letter=letter))
    spans = {"Nations": ("available_from", "available_until"), "Requirements": ("from_period", "until_period")}
    for sheet, (first, last) in spans.items():
        for r in raw.get(sheet, []):
            for name in (first, last):
                if isinstance(r.get(name), int) and r[name] > periods:
                    issues.append(InputIssue(sheet, r["_row"], name, beyond, value=str(r[name]), letter=letters[sheet].get(name)))
            lo, hi = r.get(first), r.get(last)
            if isinstance(lo, int) and isinstance(hi, int) and hi < lo:
                issues.append(InputIssue(sheet, r["_row"], last, f"is before {first} ({lo})", value=str(hi), letter=letters[sheet].get(last)))
    for r in raw.get("Phases", []):
        if isinstance(r.get("period"), int) and r["period"] > periods:
            issues.append(InputIssue("Phases", r["_row"], "period", beyond, value=str(r["period"]), letter=letters["Phases"].get("period")))


_DTYPES = {Kind.INT: "int64", Kind.NUMBER: "float64", Kind.YESNO: "bool"}


def _frame(spec: Sheet, rows: list[dict]) -> pd.DataFrame:
    """Rows -> DataFrame.  A column with blanks keeps Python ``None`` (object dtype),
    so "blank" never turns into NaN or a string; complete numeric columns get numeric dtypes."""
    cols = ["_row", *spec.column_names]
    frame = pd.DataFrame(rows, columns=cols, dtype=object)
    for col in spec.columns:
        dtype = _DTYPES.get(col.kind)
        if dtype and len(frame) and frame[col.name].map(lambda v: v is not None).all():
            frame[col.name] = frame[col.name].astype(dtype)
        elif dtype and not len(frame):
            frame[col.name] = frame[col.name].astype(dtype)
    frame["_row"] = frame["_row"].astype("int64")
    return frame
