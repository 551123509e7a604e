"""Write planner-friendly contract workbooks (``CONTRACT.md`` section 1) with openpyxl.

Two entry points:

- :func:`write_workbook` writes a scenario and its data tables;
- :func:`write_template` writes the same form with empty data tables.

Everything about the format (sheets, columns, types, defaults, ranges,
references, help texts) comes from :mod:`optimizer.schema`, so the form, its
header comments, its validation and the README sheet stay in step with the
reader.  The form adds, for planners:

- a ``README`` sheet (ignored by the reader) documenting every sheet, column and
  scenario parameter, with a statement about the data and its sources;
- bold, frozen header rows with a comment on each header (help, type, default,
  range, reference);
- dropdowns for statuses, domains and yes/no cells, and for names that must
  match another sheet (``nation`` -> Nations, ``unit_type`` -> UnitTypes,
  ``sector`` -> Sectors; the list is a range of the other sheet, so rows added
  there are offered too), and whole-number / decimal checks with their ranges;
- an autofilter and column widths fitted to the content.

Output safety (decided in :mod:`optimizer.outputs.safe_cells`, which every
cell goes through): text is always a string cell, never a formula, so a name
like ``=cmd|' /C calc'!A0`` cannot turn into a live formula; text that looks
like one (``= + - @``, tab, CR, LF first) also gets the ``quotePrefix`` style.
The text itself is never altered, so a workbook written from a planner's
inputs (the app's "Download edited workbook", a saved scenario's
``workbook.xlsx``, the validation round trip) reads back through
:func:`optimizer.reader.read_tables` to the same values; the one exception
is characters an xlsx cannot hold at all (NUL and the other C0 controls but
tab, LF, CR), which are removed rather than crashing the writer.  Header
comments are cleaned the same way.  The file is serialised in memory and
written atomically (:func:`optimizer.atomic.write_with_atomic`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from optimizer import schema
from optimizer.atomic import buffered, write_with_atomic
from optimizer.outputs.safe_cells import clean_text
from optimizer.outputs.safe_cells import put as _put
from optimizer.schema import Column, Kind, Sheet

__all__ = [
    "README_SHEET",
    "SOURCES",
    "describe_column",
    "schema_readme_rows",
    "write_template",
    "write_workbook",
]

README_SHEET = "README"
TITLE = "forceplan - coalition force-generation planning workbook"

# Validation covers at least rows 2..FORM_LAST_ROW of every data sheet (more
# when the data is longer), so rows a planner adds are checked too.
FORM_LAST_ROW = 500
FORM_SPARE_ROWS = 200

AUTHOR = "forceplan"
YES, NO = "yes", "no"

# Scenario sheet: extra reference columns after the contract's parameter/value
# (the contract keeps and ignores unknown columns).
SCENARIO_EXTRA_COLUMNS = ("default", "meaning")

ILLUSTRATIVE_NOTICE = (
    "ILLUSTRATIVE DATA. The figures in this workbook are an illustration built from public "
    "reporting (2021-2026) and rough public cost figures. They are NOT actual national "
    "commitments, offers or plans, and must not be read as such. Positions, sizes and costs "
    "are approximate and partly unverified; use the workbook to explore the method, and "
    "replace the data with your own before drawing conclusions."
)
TEMPLATE_NOTICE = (
    "EMPTY TEMPLATE. Fill in the Scenario, Nations, UnitTypes, Sectors, Pledges and "
    "Requirements sheets (Caveats is optional). Every header carries a comment with its "
    "meaning, type, default and range; dropdowns offer the allowed values and the names "
    "entered on the other sheets. An illustrative example is data/contributions.xlsx."
)

# Public sources behind the illustrative figures (see the project's reference
# notes on coalition facts).  [u] marks figures flagged there as unverified.
SOURCES: tuple[tuple[str, str], ...] = (
    ("Active personnel", "NATO, Defence Expenditure of NATO Countries (June 2024 estimates) and NATO "
     "annual report / defence expenditure report of about 2021; non-NATO and some small nations "
     "approximate [u]."),
    ("GDP", "IMF World Economic Outlook, 2024 estimates; several small economies approximate [u]."),
    ("Force size", "Financial Times (March 2025: UK officials, 'up to 30,000'); Washington Post "
     "(February 2025: 25-30k in several brigades, France about 10,000, reserves outside Ukraine)."),
    ("Coalition", "Paris Declaration of 6 January 2026 (35 nations; 15-30k discussed; deployment "
     "only after a ceasefire; most need a parliament vote); July 2025 reporting on the "
     "Multinational Force-Ukraine HQ (Paris, then London) and the Kyiv coordination HQ; "
     "NATO HQ meeting of some 30 defence ministers on a 'reassurance force'."),
    ("National positions", "Press reporting 2025-2026 on the positions of the UK, France, Italy, "
     "Portugal, Ireland ('triple lock'), Sweden, the Netherlands, Germany, Poland, Romania, "
     "Croatia, Finland (FT, March 2025), Japan (5 September 2025), Australia, New Zealand, "
     "Estonia, Belgium, Denmark, Turkey and Canada."),
    ("Unit sizes", "NATO eFP battlegroup reporting (about 1,000; framework nations Canada 450 of "
     "~1,000 in Latvia, UK 500 of ~850 in Estonia); EU Battlegroup (about 1,500); UN Infantry "
     "Battalion Manual (battalion 600-850 [u]); UN Medical Support Manual (Role 2 hospital 57, "
     "67 with aeromedical team; Role 3 about 90); Type 23 frigate crew 185; Sandown/Hunt "
     "minehunter crews 34-45; Baltic Air Policing detachments of 4 jets (90-140)."),
    ("Costs", "UN troop reimbursement $1,428 per person per month (since July 2018, a floor); "
     "US soldier-year in Afghanistan $850,000 (DoD Comptroller) to $1.2-1.4M (CSBA); UK "
     "running cost per ship-year (older figures): Type 23 about GBP 16M, Hunt about GBP 3M, "
     "Sandown about GBP 2M."),
    ("Sustainability", "NATO usability targets (2004): 40% of land forces deployable, 8% "
     "sustainable on operations; eFP 6-month rotations; US 1:2 dwell; UK Harmony Guidelines."),
)

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
_EXTRA_FILL = PatternFill("solid", fgColor="EEEEEE")
_TITLE_FONT = Font(bold=True, size=16)
_NOTICE_FONT = Font(bold=True, color="9C0006")
_HEADING_FONT = Font(bold=True, size=12)
_HEADING_FILL = PatternFill("solid", fgColor="DDE5F0")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")

_PLAIN_SHEET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --------------------------------------------------------------------------
# Describing columns (header comments, Scenario comments, README)
# --------------------------------------------------------------------------

def _fmt_number(x: float) -> str:
    """A bound or default for display: ``3`` not ``3.0``, ``0.0001`` as is."""
    if isinstance(x, bool):
        return YES if x else NO
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _type_text(col: Column) -> str:
    if col.kind is Kind.TEXT:
        return "text"
    if col.kind is Kind.INT:
        return "whole number"
    if col.kind is Kind.NUMBER:
        return "number"
    if col.kind is Kind.YESNO:
        return "yes/no (also y/n, true/false, 1/0; any case)"
    if col.kind is Kind.MONTH:
        return "a month, YYYY-MM (text, or a date cell: its month)"
    return "one of " + ", ".join(col.choices)


def _range_text(col: Column) -> str:
    """The allowed range in words, e.g. ``> 0``, ``1 to 3``, ``0 < x <= 1``; '' if none."""
    lo, hi = col.minimum, col.maximum
    if lo is None and hi is None:
        return ""
    if lo is not None and hi is not None:
        if col.min_exclusive:
            return f"{_fmt_number(lo)} < x <= {_fmt_number(hi)}"
        return f"{_fmt_number(lo)} to {_fmt_number(hi)}"
    if lo is not None:
        return f"{'>' if col.min_exclusive else '>='} {_fmt_number(lo)}"
    return f"<= {_fmt_number(hi)}"


def _default_text(col: Column) -> str:
    if col.required:
        return "required"
    if col.default is None:
        return f"blank = {col.blank_means}" if col.blank_means else "optional, may be blank"
    if col.default == "":
        return "optional, may be blank"
    return f"default {_fmt_number(col.default) if not isinstance(col.default, str) else col.default}"


def describe_column(col: Column, *, one_line: bool = False) -> str:
    """Help, type, range, default and reference of a column (or scenario parameter)."""
    kind = _type_text(col)
    rng = _range_text(col)
    parts = [col.help.rstrip(".") + "." if col.help else "",
             f"Type: {kind}{', ' + rng if rng else ''}.",
             f"{_default_text(col)[:1].upper()}{_default_text(col)[1:]}."]
    if col.references:
        ref_sheet = schema.SHEETS_BY_NAME[col.references]
        parts.append(f"Must match a {ref_sheet.key[0]} of the {col.references} sheet.")
    parts = [p for p in parts if p]
    return " ".join(parts) if one_line else "\n".join(parts)


def schema_readme_rows() -> list[tuple[str, str, str]]:
    """README rows documenting the format, generated from :mod:`optimizer.schema`.

    Each row is ``(style, topic, text)`` with style ``"heading"`` or ``"row"``.
    """
    rows: list[tuple[str, str, str]] = [
        ("heading", "Conventions", ""),
        ("row", "Headers", "Row 1 of each sheet holds the column names; they are matched "
                           "case-insensitively and ignoring surrounding spaces."),
        ("row", "Yes/no cells", "yes/no, y/n, true/false or 1/0, in any case."),
        ("row", "Blank cells", "A blank optional cell takes its default."),
        ("row", "Extra columns and sheets", "Unknown extra columns are kept and ignored; this README "
                                            "sheet is ignored by forceplan."),
        ("row", "Errors", "Any value outside its type, range or reference is an input error: "
                          "forceplan names the sheet, the row and the column and plans nothing."),
        ("row", "Other spreadsheet programs", "A workbook saved by LibreOffice Calc plans the same and keeps the "
                                              "dropdowns, header comments and this sheet, but loses the frozen "
                                              "header rows (View > Freeze Cells brings them back)."),
        ("heading", "Sheets", ""),
    ]
    for sheet in schema.SHEETS:
        status = "optional sheet" if sheet.optional else "required sheet"
        key = f" Unique key: {', '.join(sheet.key)}." if sheet.key else ""
        rows.append(("row", sheet.name,
                     f"{sheet.help.rstrip('.')} ({status}; columns: {', '.join(sheet.column_names)}).{key}"))
    rows.append(("heading", "Scenario parameters (Scenario sheet, one row each)", ""))
    for param in schema.SCENARIO_PARAMETERS:
        rows.append(("row", param.name, describe_column(param, one_line=True)))
    for sheet in schema.SHEETS:
        rows.append(("heading", f"{sheet.name} sheet - columns", sheet.help))
        for col in sheet.columns:
            rows.append(("row", col.name, describe_column(col, one_line=True)))
    weights = ", ".join(f"priority {p}: {w}" for p, w in sorted(schema.PRIORITY_WEIGHT.items()))
    rows += [
        ("heading", "How forceplan chooses a plan", ""),
        ("row", "Hard rules", "Only eligible nations (not declined, conditions met) take part; within "
                              "their pledges, risk limits, personnel caps (the smaller of max_personnel "
                              "and sustainable_share x active_personnel), minimum contribution, budget, "
                              "caveats, interoperability limit and line maxima; a sector that needs a "
                              "lead has one able lead nation providing at least lead_share of it."),
        ("row", "Stage 1", f"Minimise the shortfall: missing personnel on requirement lines weighted by "
                           f"priority ({weights}), plus personnel missing from the force and domain "
                           f"targets."),
        ("row", "Stage 2", "Keeping that shortfall, minimise weight_cost x yearly cost (million USD) + "
                           "weight_fairness x total deviation of national personnel from GDP fair "
                           "shares (persons) + weight_nations x number of nations taking part."),
    ]
    return rows


# --------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------

def _cell_value(col: Column | None, value: object) -> object:
    """A Python value as it should appear in its cell (yes/no words, no NaN)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy / pandas scalars
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool) and (col is None or col.kind is Kind.YESNO):
        return YES if value else NO
    return value


def _comment(text: str, *, width: int = 320) -> Comment:
    text = clean_text(text)
    lines = sum(1 + len(line) // 48 for line in text.splitlines()) or 1
    return Comment(text, AUTHOR, height=max(60, 16 * lines + 20), width=width)


def _write_header(ws: Worksheet, headers: Sequence[str], known: Mapping[str, Column]) -> None:
    """Bold, frozen header row; each header commented from its schema column (extras marked)."""
    for c, name in enumerate(headers, start=1):
        cell = _put(ws.cell(row=1, column=c), name)
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(vertical="center")
        if name in known:
            cell.fill = _HEADER_FILL
            cell.comment = _comment(f"{name}\n{describe_column(known[name])}")
        else:
            cell.fill = _EXTRA_FILL
            cell.comment = _comment(f"{name}\nExtra column, for reference only: ignored by forceplan.")
    ws.freeze_panes = "A2"


def _fit_widths(ws: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[object]],
                *, minimum: int = 10, maximum: int = 50) -> None:
    widths = [len(h) + 4 for h in headers]  # room for the filter button
    for row in rows:
        for i, v in enumerate(row):
            if v is not None:
                widths[i] = max(widths[i], len(str(v)) + 2)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(minimum, min(maximum, w))


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------

def _sheet_ref(name: str) -> str:
    return name if _PLAIN_SHEET_NAME.fullmatch(name) else "'" + name.replace("'", "''") + "'"


def _dv(kind: str, col: Column, **kw: object) -> DataValidation:
    if col.references:
        ref = schema.SHEETS_BY_NAME[col.references]
        message = f"{col.name}: must match a {ref.key[0]} of the {ref.name} sheet."
    else:
        rng = _range_text(col)
        message = f"{col.name}: {_type_text(col)}{', ' + rng if rng else ''}."
    return DataValidation(type=kind, allow_blank=True, showErrorMessage=True,
                          errorTitle="Invalid value"[:32], error=message[:225], **kw)


def _numeric_validation(col: Column, first_cell: str) -> DataValidation:
    """Whole-number or decimal check of ``col``'s range; ``first_cell`` anchors a custom rule."""
    kind = "whole" if col.kind is Kind.INT else "decimal"
    lo, hi, exclusive = col.minimum, col.maximum, col.min_exclusive
    if exclusive and lo is not None and col.kind is Kind.INT:
        lo, exclusive = math.floor(lo) + 1, False  # whole x > 0  <=>  x >= 1
    if exclusive and hi is not None:  # lo < x <= hi has no built-in operator
        return _dv("custom", col, formula1=(f"AND(ISNUMBER({first_cell}),{first_cell}>{_fmt_number(lo)},"
                                            f"{first_cell}<={_fmt_number(hi)})"))
    if lo is not None and hi is not None:
        return _dv(kind, col, operator="between", formula1=_fmt_number(lo), formula2=_fmt_number(hi))
    if lo is not None:
        return _dv(kind, col, operator="greaterThan" if exclusive else "greaterThanOrEqual",
                   formula1=_fmt_number(lo))
    if hi is not None:
        return _dv(kind, col, operator="lessThanOrEqual", formula1=_fmt_number(hi))
    return _dv(kind, col, operator="between", formula1="-1E+15", formula2="1E+15")


def _column_validation(col: Column, first_cell: str, last_rows: Mapping[str, int]) -> DataValidation | None:
    """The validation of one data column, or ``None`` for free text."""
    if col.references:
        ref = schema.SHEETS_BY_NAME[col.references]
        letter = get_column_letter(ref.column_names.index(ref.key[0]) + 1)
        last = last_rows[ref.name]
        return _dv("list", col, formula1=f"{_sheet_ref(ref.name)}!${letter}$2:${letter}${last}")
    if col.kind is Kind.CHOICE:
        return _dv("list", col, formula1='"' + ",".join(col.choices) + '"')
    if col.kind is Kind.YESNO:
        # Warning, not stop: y/n, true/false and 1/0 are valid too.
        return _dv("list", col, formula1=f'"{YES},{NO}"', errorStyle="warning")
    if col.kind in (Kind.INT, Kind.NUMBER):
        return _numeric_validation(col, first_cell)
    return None


# --------------------------------------------------------------------------
# Sheets
# --------------------------------------------------------------------------

def _last_row(n_rows: int) -> int:
    return max(FORM_LAST_ROW, n_rows + 1 + FORM_SPARE_ROWS)


def _normalise_rows(sheet: Sheet, rows: Sequence[Mapping[str, object]]) -> tuple[list[str], list[dict]]:
    """Rows keyed by column name (schema names matched as the reader does), plus extra columns."""
    by_lower = {c.name.lower(): c.name for c in sheet.columns}
    extras: list[str] = []
    out: list[dict] = []
    for row in rows:
        norm: dict[str, object] = {}
        for key, value in row.items():
            name = by_lower.get(str(key).strip().lower(), str(key))
            if name not in by_lower.values() and name not in extras:
                extras.append(name)
            norm[name] = value
        out.append(norm)
    return list(sheet.column_names) + extras, out


def _write_table(ws: Worksheet, sheet: Sheet, rows: Sequence[Mapping[str, object]],
                 last_rows: Mapping[str, int]) -> None:
    headers, norm_rows = _normalise_rows(sheet, rows)
    _write_header(ws, headers, {c.name: c for c in sheet.columns})
    values: list[list[object]] = []
    for r, row in enumerate(norm_rows, start=2):
        line = []
        for c, name in enumerate(headers, start=1):
            col = sheet.column(name) if name in sheet.column_names else None
            value = _cell_value(col, row.get(name))
            _put(ws.cell(row=r, column=c), value)
            if col is not None and col.kind is Kind.INT and isinstance(value, int):
                ws.cell(row=r, column=c).number_format = "#,##0"
            line.append(value)
        values.append(line)
    _fit_widths(ws, headers, values)
    last = last_rows[sheet.name]
    for c, col in enumerate(sheet.columns, start=1):
        letter = get_column_letter(c)
        dv = _column_validation(col, f"{letter}2", last_rows)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{last}")
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(2, len(norm_rows) + 1)}"


def _scenario_values(scenario: Mapping[str, object]) -> dict[str, object]:
    """Every parameter's value: the caller's, else its default; unknown names are an error."""
    params = {p.name: p for p in schema.SCENARIO_PARAMETERS}
    given = {str(k).strip().lower(): v for k, v in scenario.items()}
    unknown = sorted(set(given) - set(params))
    if unknown:
        raise ValueError(f"unknown scenario parameter(s): {', '.join(unknown)}")
    values: dict[str, object] = {}
    for name, param in params.items():
        if name in given and given[name] is not None and given[name] != "":
            values[name] = _cell_value(param, given[name])
        elif param.required:
            raise ValueError(f"scenario parameter {name!r} is required")
        else:
            values[name] = _cell_value(param, param.default)
    return values


def _default_cell(param: Column) -> str:
    """The Scenario sheet's 'default' column for one parameter."""
    if param.required:
        return "required"
    if param.default is None:
        return f"blank = {param.blank_means}" if param.blank_means else ""
    if isinstance(param.default, str):
        return param.default
    return _fmt_number(param.default)


def _write_scenario(ws: Worksheet, scenario: Mapping[str, object]) -> None:
    values = _scenario_values(scenario)
    headers = [*schema.SCENARIO.column_names, *SCENARIO_EXTRA_COLUMNS]
    _write_header(ws, headers, {c.name: c for c in schema.SCENARIO.columns})
    yes_no = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=True,
                            showErrorMessage=True, errorStyle="warning", errorTitle="Invalid value",
                            error="yes or no (also y/n, true/false, 1/0).")
    ws.add_data_validation(yes_no)
    table: list[list[object]] = []
    for r, param in enumerate(schema.SCENARIO_PARAMETERS, start=2):
        row = [param.name, values[param.name], _default_cell(param), describe_column(param, one_line=True)]
        for c, v in enumerate(row, start=1):
            _put(ws.cell(row=r, column=c), v)
        ws.cell(row=r, column=4).alignment = _WRAP_TOP
        ws.cell(row=r, column=1).comment = _comment(f"{param.name}\n{describe_column(param)}")
        value_cell = f"B{r}"
        if param.kind is Kind.YESNO:
            yes_no.add(value_cell)
        elif param.kind in (Kind.INT, Kind.NUMBER):
            dv = _numeric_validation(param, value_cell)
            ws.add_data_validation(dv)
            dv.add(value_cell)
        table.append(row[:3])
    _fit_widths(ws, headers[:3], table, minimum=12)
    ws.column_dimensions["D"].width = 90
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(schema.SCENARIO_PARAMETERS) + 1}"


def _write_readme(ws: Worksheet, notice: str, readme_rows: Sequence[tuple[str, str]] | None) -> None:
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 120
    r = 1
    _put(ws.cell(row=r, column=1), TITLE).font = _TITLE_FONT
    r += 2
    cell = _put(ws.cell(row=r, column=1), notice)
    cell.font = _NOTICE_FONT
    cell.alignment = _WRAP_TOP
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
    ws.row_dimensions[r].height = 48
    r += 2

    def heading(topic: str, text: str = "") -> None:
        nonlocal r
        a = _put(ws.cell(row=r, column=1), topic)
        b = _put(ws.cell(row=r, column=2), text or None)
        for cell in (a, b):
            cell.font = _HEADING_FONT
            cell.fill = _HEADING_FILL
            cell.alignment = _WRAP_TOP
        r += 1

    def row(topic: str, text: str) -> None:
        nonlocal r
        a = _put(ws.cell(row=r, column=1), topic)
        b = _put(ws.cell(row=r, column=2), text)
        a.font = _HEADER_FONT
        a.alignment = b.alignment = _WRAP_TOP
        r += 1

    if readme_rows:
        heading("About this workbook")
        for topic, text in readme_rows:
            row(str(topic), str(text))
        r += 1
    heading("Public sources", "behind the illustrative example data")
    for topic, text in SOURCES:
        row(topic, text)
    r += 1
    for style, topic, text in schema_readme_rows():
        if style == "heading":
            r += 1
            heading(topic, text)
        else:
            row(topic, text)


def _build(path: str | Path, scenario: Mapping[str, object], tables: Mapping[str, Sequence[Mapping[str, object]]],
           *, notice: str, readme_rows: Sequence[tuple[str, str]] | None) -> None:
    data_sheets = [s for s in schema.SHEETS if s is not schema.SCENARIO]
    known = {s.name for s in data_sheets}
    unknown = sorted(set(tables) - known)
    if unknown:
        raise ValueError(f"unknown table(s): {', '.join(unknown)} (expected: {', '.join(sorted(known))})")
    last_rows = {s.name: _last_row(len(tables.get(s.name, ()))) for s in data_sheets}

    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    _write_readme(readme, notice, readme_rows)
    _write_scenario(wb.create_sheet(schema.SCENARIO.name), scenario)
    for sheet in data_sheets:
        _write_table(wb.create_sheet(sheet.name), sheet, tables.get(sheet.name, ()), last_rows)
    wb.active = 0
    wb.properties.creator = AUTHOR
    wb.properties.title = TITLE

    write_with_atomic(path, buffered(wb.save))


def write_workbook(path: str | Path, scenario: dict[str, object], tables: dict[str, list[dict]], *,
                   readme_rows: list[tuple[str, str]] | None = None) -> None:
    """Write a contract workbook at ``path`` (atomically).

    ``scenario`` maps parameter names to values (bools become yes/no; missing
    parameters take their defaults; ``force_target`` is required).  ``tables``
    maps sheet names (Nations, UnitTypes, Sectors, Pledges, Requirements,
    Caveats) to rows keyed by column name; a missing sheet is written empty,
    keys outside the schema become extra columns.  ``readme_rows`` are
    ``(topic, text)`` pairs shown on the README sheet under "About this
    workbook", after the illustrative-data notice and before the public
    sources and the format documentation generated from :mod:`optimizer.schema`.

    Raises ``ValueError`` for an unknown table or scenario parameter, or a
    missing required parameter.  The data itself is not validated here: that
    is the reader's job.
    """
    _build(path, scenario, tables, notice=ILLUSTRATIVE_NOTICE, readme_rows=readme_rows)


def write_template(path: str | Path) -> None:
    """Write an empty form at ``path``: headers, comments, validation, README.

    The Scenario sheet lists every parameter with its default (``force_target``
    0, so the template is a valid workbook as it stands).
    """
    _build(path, {"force_target": 0}, {}, notice=TEMPLATE_NOTICE, readme_rows=None)
