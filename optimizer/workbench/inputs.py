"""The workbench's editable inputs: scenario parameters and the six data tables.

An :class:`Inputs` is immutable: every edit returns a new one, so its content
hash (:attr:`Inputs.key`) can key caches of validations and plans.

Validation is the command line's, not a copy of it: :func:`validate` writes
the inputs to a temporary contract workbook with
:func:`optimizer.workbook_writer.write_workbook` (the same writer as the
download of the edited workbook) and reads it back with
:func:`optimizer.data.load_planning_data`.  Every table row is written in
order, the header in row 1, so the editor's row labels (which start at 2) are
the Excel row numbers the reader reports.

Editor tables hold, per column kind: text and choices as ``object`` (``str`` or
``None``), whole numbers and numbers as ``float64`` (``NaN`` = blank) and
yes/no as ``bool``.

Workbooks written from the inputs (:func:`write_inputs_workbook`: the
validation round trip, the "Download edited workbook" of the app, a saved
scenario's ``workbook.xlsx``) go through :mod:`optimizer.workbook_writer`,
and so through :mod:`optimizer.outputs.safe_cells`: no cell can become a
formula, and the text reads back unchanged (only characters an xlsx cannot
hold, such as NUL, are dropped).

Saved inputs (``inputs.json``) carry ``format_version``; an older version is
upgraded in memory on load through :data:`INPUTS_UPGRADERS`
(:func:`upgrade_payload`), a newer one is refused with a clear message.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import math
import re
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from optimizer.cells import is_blank, parse_cell
from optimizer.data import PlanningData, load_planning_data
from optimizer.errors import InputError, InputIssue
from optimizer.reader import MAX_ROWS_PER_SHEET, normalise_header, read_tables
from optimizer.schema import (
    CAVEATS,
    NATIONS,
    PHASES,
    PLEDGES,
    REQUIREMENTS,
    SCENARIO_PARAMETERS,
    SECTORS,
    UNIT_TYPES,
    Column,
    Kind,
    Sheet,
)

TABLES: tuple[Sheet, ...] = (NATIONS, UNIT_TYPES, SECTORS, PLEDGES, REQUIREMENTS, CAVEATS, PHASES)
TABLES_BY_NAME: dict[str, Sheet] = {s.name: s for s in TABLES}
PARAMETERS: dict[str, Column] = {c.name: c for c in SCENARIO_PARAMETERS}

# The parameters with their own controls in the sidebar (the scenario's switches and the main
# settings), not table cells.
SIDEBAR_PARAMETERS: tuple[str, ...] = (
    "ceasefire_in_place", "un_mandate", "us_backstop", "force_target", "sustainable_share",
    "max_nations_per_sector", "lead_share", "weight_cost", "weight_fairness", "weight_nations",
    "time_limit_s", "periods", "period_months", "start_month", "ceasefire_from", "un_mandate_from", "us_backstop_from",
    "weight_churn",
)
OTHER_PARAMETERS: tuple[str, ...] = tuple(c.name for c in SCENARIO_PARAMETERS if c.name not in SIDEBAR_PARAMETERS)

LABELS: dict[str, str] = {
    "name": "Scenario name",
    "force_target": "Force target (personnel)",
    "land_target": "Land target (personnel)",
    "sea_target": "Sea target (personnel)",
    "air_target": "Air target (personnel)",
    "ceasefire_in_place": "Ceasefire in place",
    "un_mandate": "UN mandate",
    "us_backstop": "US backstop",
    "sustainable_share": "Sustainable share",
    "max_nations_per_sector": "Interoperability limit (nations per sector)",
    "lead_share": "Lead share",
    "weight_cost": "Stage-2 weight: cost",
    "weight_fairness": "Stage-2 weight: fairness",
    "weight_nations": "Stage-2 weight: nations",
    "time_limit_s": "Time limit (s)",
    "mip_gap": "Relative MIP gap",
    "classification": "Classification banner",
    "periods": "Periods planned",
    "period_months": "Months per period (tour length)",
    "start_month": "Month of period 1",
    "ceasefire_from": "Ceasefire from period",
    "un_mandate_from": "UN mandate from period",
    "us_backstop_from": "US backstop from period",
    "weight_churn": "Stage-2 weight: handovers",
}

FIRST_ROW = 2  # Excel row of a table's first data row (the header is row 1)
INPUTS_FORMAT_VERSION = 1
HASH_VERSION = 1
SOURCE_NAME = "forceplan workbench"  # plan.json source.workbook for plans made in the app


# --------------------------------------------------------------------------- values


def is_missing(value: object) -> bool:
    """Blank in any of its forms: None, NaN, pandas NA/NaT, or empty text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value == ""


def plain(value: object) -> object:
    """numpy/pandas scalars -> Python; every blank -> None."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    return None if is_missing(value) else value


def _canon(value: object) -> object:
    """A value as hashed: blanks None, integral floats as int (30000.0 == 30000)."""
    value = plain(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _editor_value(col: Column, value: object, *, lenient: bool = False) -> object:
    """A cell as the editor holds it (see the module docstring).

    ``lenient`` (imports): text is parsed as the reader does (trimmed, choices
    lower-cased) and a value that cannot be shown in its column (text in a
    number column, a non yes/no word) is dropped; the import reports it.
    """
    value = plain(value)
    if col.kind is Kind.YESNO:
        if isinstance(value, bool):
            return value
        if value is not None:
            parsed, problem = parse_cell(col, value)
            if not problem:
                return bool(parsed)
        return bool(col.default)
    if col.kind in (Kind.INT, Kind.NUMBER):
        if value is None or isinstance(value, bool):
            return math.nan
        if isinstance(value, (int, float)):
            return float(value) if math.isfinite(float(value)) else math.nan
        parsed, problem = parse_cell(dataclasses.replace(col, minimum=None, maximum=None), value)
        return float(parsed) if not problem and parsed is not None else math.nan
    if value is None:
        return None
    if lenient or not isinstance(value, str):
        parsed, problem = parse_cell(col, value)
        if not problem:
            return None if is_blank(parsed) else parsed
        return None if is_blank(value) else str(value).strip()
    return value


def _dtype(col: Column) -> str:
    if col.kind is Kind.YESNO:
        return "bool"
    if col.kind in (Kind.INT, Kind.NUMBER):
        return "float64"
    return "object"


def empty_table(spec: Sheet) -> pd.DataFrame:
    return normalise_table(spec, pd.DataFrame(columns=list(spec.column_names)))


def normalise_table(spec: Sheet, frame: pd.DataFrame | list[dict], *, lenient: bool = False) -> pd.DataFrame:
    """A table in editor form: the contract's columns in order, editor dtypes,
    row labels FIRST_ROW, FIRST_ROW + 1, ... (the Excel rows).  Other columns are dropped."""
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(list(frame))
    n = len(frame)
    columns: dict[str, pd.Series] = {}
    index = pd.RangeIndex(FIRST_ROW, FIRST_ROW + n)
    for col in spec.columns:
        raw = frame[col.name].tolist() if col.name in frame.columns else [None] * n
        values = [_editor_value(col, v, lenient=lenient) for v in raw]
        columns[col.name] = pd.Series(values, index=index, dtype=_dtype(col))
    return pd.DataFrame(columns, index=index)


def table_rows(spec: Sheet, frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts for a workbook: blanks None, whole numbers as int."""
    rows = []
    for record in frame[list(spec.column_names)].itertuples(index=False, name=None):
        row = {}
        for col, value in zip(spec.columns, record):
            value = plain(value)
            if col.kind is Kind.INT and isinstance(value, float) and value.is_integer():
                value = int(value)
            row[col.name] = value
        rows.append(row)
    return rows


def _param_value(col: Column, value: object) -> object:
    value = plain(value)
    if value is None:
        return None
    if col.kind is Kind.YESNO and isinstance(value, (bool, int)) and value in (0, 1):
        return bool(value)
    if col.kind is Kind.INT and isinstance(value, float) and value.is_integer():
        return int(value)
    if col.kind is Kind.NUMBER and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


# --------------------------------------------------------------------------- saved formats and their upgrades

Upgrader = Callable[[dict], dict]

#: inputs.json upgraders: ``INPUTS_UPGRADERS[v]`` turns a version-``v`` payload into
#: version ``v + 1`` (a new dict; the caller sets ``format_version``).  Empty: version 1
#: is the first format ever saved.  When the format changes, raise
#: INPUTS_FORMAT_VERSION and add the upgrader from the previous version here,
#: with a frozen fixture of the old version in tests/fixtures/.
INPUTS_UPGRADERS: dict[int, Upgrader] = {}


def upgrade_payload(payload: dict, *, current: int, upgraders: Mapping[int, Upgrader], what: str) -> dict:
    """A saved payload brought up to version ``current`` through ``upgraders``, in memory.

    The payload on disk is never rewritten: loading an old scenario changes
    nothing until it is saved again (then in the current version).  Raises
    ``ValueError`` naming ``what`` for a missing version, a version newer than
    ``current`` (saved by a newer forceplan) or a version no upgrader covers.
    Shared by inputs.json here and scenario.json in :mod:`optimizer.workbench.store`.
    """
    version = payload.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(f"{what}: missing format_version")
    if version > current:
        raise ValueError(f"{what}: format version {version} is newer than this forceplan understands ({current}); "
                         "use a newer forceplan")
    payload = copy.deepcopy(payload)
    while version < current:
        step = upgraders.get(version)
        if step is None:
            raise ValueError(f"{what}: no upgrade from format version {version} to {version + 1}")
        payload = step(payload)
        version += 1
        payload["format_version"] = version
    return payload


# --------------------------------------------------------------------------- inputs


def _hashed(col: Column, values: list) -> bool:
    """Whether a parameter or column counts in the content key: always for contract v1's; for a
    later addition only where some value differs from its default.  So inputs that use none of
    contract v2's time items keep the key they had before it (saved scenarios keep their plans),
    and a default written out or left blank is the same content."""
    return col.since == 1 or any(not is_missing(v) and _canon(v) != _canon(col.default) for v in values)


def _hashed_table(spec: Sheet, frame: pd.DataFrame):
    """A table's rows as hashed: v1's columns as bare value rows (the format keys were made
    with), and with any later column in use, the column names too."""
    columns = [c.name for c in spec.columns if _hashed(c, frame[c.name].tolist())]
    rows = [[_canon(v) for v in row] for row in frame[columns].itertuples(index=False, name=None)]
    if all(spec.column(c).since == 1 for c in columns):
        return rows
    return {"columns": columns, "rows": rows}


class Inputs:
    """Scenario parameters plus the tables, treated as immutable."""

    __slots__ = ("scenario", "tables", "_key")

    def __init__(self, scenario: Mapping[str, object], tables: Mapping[str, pd.DataFrame]):
        self.scenario: dict[str, object] = {
            name: _param_value(col, scenario.get(name, col.default)) for name, col in PARAMETERS.items()
        }
        self.tables: dict[str, pd.DataFrame] = {
            spec.name: normalise_table(spec, tables[spec.name]) if spec.name in tables else empty_table(spec)
            for spec in TABLES
        }
        self._key: str | None = None

    # -- identity
    @property
    def key(self) -> str:
        """SHA-256 of the canonical content of every input (scenario and tables)."""
        if self._key is None:
            payload = {
                "v": HASH_VERSION,
                "scenario": {k: _canon(v) for k, v in self.scenario.items() if _hashed(PARAMETERS[k], [v])},
                "tables": {spec.name: _hashed_table(spec, self.tables[spec.name]) for spec in TABLES
                           if spec.since == 1 or len(self.tables[spec.name])},
            }
            text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            self._key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return self._key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Inputs) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{s}={len(t)}" for s, t in self.tables.items())
        return f"Inputs({self.scenario.get('name')!r}, {sizes}, key={self.key[:12]})"

    # -- edits (each returns a new Inputs)
    def with_parameter(self, name: str, value: object) -> Inputs:
        if name not in PARAMETERS:
            raise KeyError(f"unknown scenario parameter {name!r}")
        return self.with_parameters({name: value})

    def with_parameters(self, values: Mapping[str, object]) -> Inputs:
        unknown = set(values) - set(PARAMETERS)
        if unknown:
            raise KeyError(f"unknown scenario parameter(s): {', '.join(sorted(unknown))}")
        return Inputs({**self.scenario, **values}, self.tables)

    def with_table(self, sheet: str, frame: pd.DataFrame) -> Inputs:
        if sheet not in TABLES_BY_NAME:
            raise KeyError(f"unknown table {sheet!r}")
        return Inputs(self.scenario, {**self.tables, sheet: frame})

    def with_cell(self, sheet: str, row: int, column: str, value: object) -> Inputs:
        """One cell changed; ``row`` is the row label (the Excel row)."""
        frame = self.tables[sheet].astype(object).copy()
        frame.loc[row, column] = value
        return self.with_table(sheet, frame)

    # -- views
    def rows(self, sheet: str) -> list[dict]:
        return table_rows(TABLES_BY_NAME[sheet], self.tables[sheet])

    def names(self, sheet: str) -> list[str]:
        """The key names of Nations, UnitTypes or Sectors, in order, without blanks or repeats."""
        spec = TABLES_BY_NAME[sheet]
        seen: dict[str, None] = {}
        for v in self.tables[sheet][spec.key[0]].tolist():
            if isinstance(v, str) and v.strip():
                seen.setdefault(v, None)
        return list(seen)

    # -- serialisation (drafts and saved scenarios; JSON only, never pickle)
    def to_json(self) -> dict:
        return {
            "format_version": INPUTS_FORMAT_VERSION,
            "scenario": {k: plain(v) for k, v in self.scenario.items()},
            "tables": {s: self.rows(s) for s in self.tables},
        }

    @classmethod
    def from_json(cls, payload: object) -> tuple[Inputs, list[str]]:
        """Inputs from :meth:`to_json` output of this or an older version (upgraded
        through :data:`INPUTS_UPGRADERS`), checked for shape.  Returns the inputs and
        warnings about values that were dropped; raises ``ValueError`` when unusable."""
        if not isinstance(payload, dict):
            raise ValueError("inputs: not a JSON object")
        payload = upgrade_payload(payload, current=INPUTS_FORMAT_VERSION, upgraders=INPUTS_UPGRADERS, what="inputs")
        scenario_in = payload.get("scenario")
        tables_in = payload.get("tables")
        if not isinstance(scenario_in, dict) or not isinstance(tables_in, dict):
            raise ValueError("inputs: 'scenario' and 'tables' must be objects")
        scenario, warnings = sanitise_scenario(scenario_in)
        tables = {}
        for spec in TABLES:
            rows = tables_in.get(spec.name, [])
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise ValueError(f"inputs: table {spec.name} must be a list of rows")
            if len(rows) > MAX_ROWS_PER_SHEET:
                raise ValueError(f"inputs: table {spec.name} has more than {MAX_ROWS_PER_SHEET} rows")
            for r in rows:
                for v in r.values():
                    if v is not None and not isinstance(v, (str, int, float, bool)):
                        raise ValueError(f"inputs: table {spec.name} holds a value that is not a plain cell")
            tables[spec.name] = normalise_table(spec, pd.DataFrame(rows, columns=list(spec.column_names)) if rows else [])
        return cls(scenario, tables), warnings


def sanitise_scenario(values: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """Scenario values from an outside source (JSON, an imported workbook), typed for
    the controls: a value its parameter cannot parse takes the default, with a warning."""
    out: dict[str, object] = {}
    warnings: list[str] = []
    for name, col in PARAMETERS.items():
        raw = plain(values.get(name))
        if raw is None or is_blank(raw):
            out[name] = col.default
            continue
        parsed, problem = parse_cell(col, raw)
        if problem:
            warnings.append(f"Scenario parameter '{name}': value {raw!r} {problem}; the default is used")
            out[name] = col.default
        else:
            out[name] = parsed
    for name in values:
        if name not in PARAMETERS:
            warnings.append(f"Scenario parameter '{name}' is unknown and was ignored")
    return out, warnings


def inputs_from_raw(scenario: Mapping[str, object], tables: Mapping[str, pd.DataFrame]) -> Inputs:
    """Inputs from :func:`optimizer.reader.read_tables` output (``RawTables``)."""
    return Inputs(scenario, {name: frame.drop(columns=["_row"], errors="ignore") for name, frame in tables.items()})


# --------------------------------------------------------------------------- validation


@dataclasses.dataclass(frozen=True)
class Issue:
    """One problem, located as the editor shows it.

    ``sheet``: a table, ``"Scenario"`` (``column`` is then the parameter) or
    ``None`` (the inputs as a whole); ``row``: the Excel row, which is the
    editor's row label.
    """

    sheet: str | None
    row: int | None
    column: str | None
    message: str
    value: str | None = None

    def __str__(self) -> str:
        where = []
        if self.sheet == "Scenario" and self.column:
            where.append(f"Scenario '{self.column}'")
        else:
            if self.sheet:
                where.append(f"sheet '{self.sheet}'")
            if self.row is not None:
                where.append(f"row {self.row}")
            if self.column:
                where.append(f"column '{self.column}'")
        shown = f" value {self.value!r}:" if self.value is not None else ""
        return f"{', '.join(where) or 'inputs'}:{shown} {self.message}"

    def as_row(self) -> dict:
        return {"sheet": self.sheet or "", "row": self.row, "column": self.column or "", "problem": self.message, "value": self.value or ""}


@dataclasses.dataclass(frozen=True)
class Validation:
    key: str
    issues: tuple[Issue, ...]
    warnings: tuple[str, ...] = ()
    data: PlanningData | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.issues and self.data is not None

    def for_sheet(self, sheet: str | None) -> list[Issue]:
        return [i for i in self.issues if i.sheet == sheet]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame([i.as_row() for i in self.issues], columns=["sheet", "row", "column", "problem", "value"])


_PARAM_IN_MESSAGE = re.compile(r"'([a-z_]+)'")


def issue_from_input_issue(issue: InputIssue) -> Issue:
    """Map a reader issue on the temporary workbook back onto the editor."""
    if issue.sheet == "Scenario":
        param = None
        if issue.row is not None and 0 <= issue.row - FIRST_ROW < len(SCENARIO_PARAMETERS):
            param = SCENARIO_PARAMETERS[issue.row - FIRST_ROW].name
        else:
            found = _PARAM_IN_MESSAGE.search(issue.message)
            param = found.group(1) if found and found.group(1) in PARAMETERS else issue.column
        return Issue("Scenario", None, param, issue.message, issue.value)
    return Issue(issue.sheet, issue.row, issue.column, issue.message, issue.value)


def write_inputs_workbook(inputs: Inputs, path: str | Path, *, readme_rows: list[tuple[str, str]] | None = None) -> None:
    """The inputs as a contract workbook (atomically), as the command line reads it."""
    from optimizer.workbook_writer import write_workbook

    scenario = {k: v for k, v in inputs.scenario.items() if v is not None}
    tables = {s: inputs.rows(s) for s in inputs.tables}
    write_workbook(path, scenario, tables, readme_rows=readme_rows)


def validate(inputs: Inputs) -> Validation:
    """Check the inputs with exactly the command line's rules; on success carry
    the :class:`PlanningData` the solver needs."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="forceplan-validate-") as tmp:
        path = Path(tmp) / "inputs.xlsx"
        try:
            write_inputs_workbook(inputs, path)
        except ValueError as exc:  # the writer refuses a missing required parameter
            found = _PARAM_IN_MESSAGE.search(str(exc))
            param = found.group(1) if found else None
            return Validation(inputs.key, (Issue("Scenario", None, param, "is required but blank"),), seconds=time.perf_counter() - start)
        try:
            data = load_planning_data(path)
        except InputError as exc:
            issues = tuple(issue_from_input_issue(i) for i in exc.issues)
            return Validation(inputs.key, issues, seconds=time.perf_counter() - start)
    data = dataclasses.replace(data, source_name=SOURCE_NAME, source_sha256=inputs.key)
    return Validation(inputs.key, (), tuple(data.warnings), data, time.perf_counter() - start)


class _LRU:
    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key: str, value: object) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_VALIDATIONS = _LRU(64)


def validate_cached(inputs: Inputs) -> Validation:
    """:func:`validate`, remembered by content hash (process-wide)."""
    found = _VALIDATIONS.get(inputs.key)
    if found is None:
        found = validate(inputs)
        _VALIDATIONS.put(inputs.key, found)
    return found


# --------------------------------------------------------------------------- workbooks in and out


@dataclasses.dataclass(frozen=True)
class Imported:
    """A workbook read for editing.  ``issues`` are the problems of the file as
    it was (its own row numbers); ``inputs`` is None when the file as a whole
    is unusable (not a workbook, encrypted, a zip bomb ...)."""

    inputs: Inputs | None
    issues: tuple[Issue, ...]
    warnings: tuple[str, ...] = ()

    @property
    def rejected(self) -> bool:
        return self.inputs is None


def inputs_from_workbook(path: str | Path) -> Imported:
    """Read a contract workbook into editable inputs.

    A valid workbook is read by the reader itself.  One with cell-level
    problems is still opened (so they can be fixed in the editor): cells
    are taken as found, and values that cannot be shown in their column
    (text in a number column ...) are dropped; the problems are returned.
    """
    path = Path(path)
    try:
        raw = read_tables(path)
        return Imported(inputs_from_raw(raw.scenario, raw.tables), (), tuple(raw.warnings))
    except InputError as exc:
        issues = tuple(Issue(i.sheet, i.row, i.column, i.message, i.value) for i in exc.issues)
        if any(i.sheet is None for i in exc.issues):
            return Imported(None, issues)
    try:
        scenario, tables, warnings = _read_leniently(path)
    except Exception as exc:  # noqa: BLE001 - a damaged file: report, never crash
        return Imported(None, issues + (Issue(None, None, None, f"cannot be read: {type(exc).__name__}"),))
    return Imported(Inputs(scenario, tables), issues, tuple(warnings))


def _read_leniently(path: Path) -> tuple[dict, dict, list[str]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        titles = {normalise_header(t): t for t in wb.sheetnames}

        def rows_of(name: str) -> list[tuple]:
            title = titles.get(normalise_header(name))
            if title is None:
                return []
            ws = wb[title]
            ws.reset_dimensions()
            out = []
            for i, row in enumerate(ws.iter_rows(values_only=True)):
                if i > MAX_ROWS_PER_SHEET:
                    break
                out.append(tuple(row))
            return out

        def records(name: str) -> list[dict]:
            rows = [r for r in rows_of(name) if any(not is_blank(v) for v in r)]
            if not rows:
                return []
            positions: dict[str, int] = {}
            for i, h in enumerate(rows[0]):
                if normalise_header(h):
                    positions.setdefault(normalise_header(h), i)  # the first of a repeated header, as the reader
            return [{h: (r[i] if i < len(r) else None) for h, i in positions.items()} for r in rows[1:]]

        scenario_raw: dict[str, object] = {}
        for rec in records("Scenario"):
            name = normalise_header(rec.get("parameter")).replace(" ", "_") if rec.get("parameter") is not None else ""
            if name and name not in scenario_raw:
                scenario_raw[name] = rec.get("value")
        scenario, warnings = sanitise_scenario({k: v for k, v in scenario_raw.items() if k in PARAMETERS})
        tables = {spec.name: normalise_table(spec, records(spec.name), lenient=True) for spec in TABLES}
    finally:
        wb.close()
    return scenario, tables, warnings


def workbook_bytes(inputs: Inputs, *, note: str = "") -> bytes:
    """The inputs as a contract workbook file (README sheet, dropdowns, comments)."""
    rows = [("Exported from", "the forceplan what-if workbench"), ("Inputs SHA-256", inputs.key)]
    if note:
        rows.append(("Note", note))
    with tempfile.TemporaryDirectory(prefix="forceplan-export-") as tmp:
        path = Path(tmp) / "inputs.xlsx"
        write_inputs_workbook(inputs, path, readme_rows=rows)
        return path.read_bytes()


# --------------------------------------------------------------------------- differences


def _shown(value: object) -> str:
    value = plain(value)
    if value is None:
        return "blank"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def input_changes(old: Inputs, new: Inputs) -> list[str]:
    """What differs between two inputs, in words: each changed parameter, and per table
    the rows changed, added or removed."""
    out = []
    for name in PARAMETERS:
        a, b = _canon(old.scenario.get(name)), _canon(new.scenario.get(name))
        if a != b:
            out.append(f"{LABELS.get(name, name)}: {_shown(a)} → {_shown(b)}")
    for spec in TABLES:
        fa, fb = old.tables[spec.name], new.tables[spec.name]
        ra = [tuple(_canon(v) for v in r) for r in fa.itertuples(index=False, name=None)]
        rb = [tuple(_canon(v) for v in r) for r in fb.itertuples(index=False, name=None)]
        if ra == rb:
            continue
        changed = sum(1 for x, y in zip(ra, rb) if x != y)
        parts = []
        if changed:
            parts.append(f"{changed} row{'s' if changed != 1 else ''} changed")
        if len(rb) > len(ra):
            parts.append(f"{len(rb) - len(ra)} added")
        if len(ra) > len(rb):
            parts.append(f"{len(ra) - len(rb)} removed")
        out.append(f"{spec.name}: {', '.join(parts)}")
    return out
