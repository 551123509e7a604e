"""Fuzzing the reader through the real command: whatever a workbook holds, ``forceplan solve``
either plans it (exit 0, plan.json written) or rejects it (exit 2) with every
problem located — never a traceback, an unexpected failure, a warning or a hang.

Two properties, both deterministic (``derandomize=True``, no example database)
so CI sees the same examples every run:

* cell level: the small valid base of the bad-workbook corpus, changed by one
  to three random edits (a cell set to random text, number, blank, huge,
  negative, unicode, date, Excel error or formula-looking value; a row deleted
  or duplicated; two columns swapped; a header renamed; blank rows inserted;
  a sheet deleted);
* byte level: the same workbook as an .xlsx file with random bytes flipped,
  overwritten, inserted or deleted, or the file cut short.

The default run is ~80 examples each and takes well under a minute; set
``FORCEPLAN_FUZZ_EXAMPLES=2000`` for a long session.  Each example solves with
``--set time_limit_s=10`` and runs under a 120 s alarm, so a hang fails the
test instead of stalling the suite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import signal
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from devtools.generators import SHEET_COLUMNS
from tests.corpus.make_corpus import BASE_SCENARIO, BASE_TABLES, SHEET_ORDER, base_members, write_zip
from tests.corpus.messages import Run, is_located, issue_lines, run_forceplan, split_issue

EXAMPLES = int(os.environ.get("FORCEPLAN_FUZZ_EXAMPLES", "80"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HANG_SECONDS = 120  # per example; the solver itself is held to 10 s


# --------------------------------------------------------------------------- the base


def _cell(value: object) -> object:
    return ("yes" if value else "no") if isinstance(value, bool) else value


def base_grid() -> dict[str, list[list[object]]]:
    """The corpus base as sheet -> rows of cell values (row 0 is the header)."""
    grid = {"Scenario": [["parameter", "value"], *([k, _cell(v)] for k, v in BASE_SCENARIO.items())]}
    for sheet, rows in BASE_TABLES.items():
        cols = list(SHEET_COLUMNS[sheet])
        grid[sheet] = [cols, *([_cell(r[c]) for c in cols] for r in rows)]
    return grid


BASE_GRID = base_grid()
NAMES = sorted({str(v) for rows in BASE_GRID.values() for row in rows for v in row if isinstance(v, str)})


def write_grid(grid: dict[str, list[list[object]]], path: Path) -> None:
    """One sheet per entry, rows appended in order (a row ``[]`` is a blank row)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in SHEET_ORDER:
        if sheet in grid:
            ws = book.create_sheet(sheet)
            for row in grid[sheet]:
                ws.append(row)
    book.save(path)


# ------------------------------------------------------------------------- strategies

# Any character a workbook can hold: not lone surrogates (no UTF-8), not the
# control characters XML forbids (openpyxl refuses them); tabs and newlines stay.
_UNWRITABLE = "".join(chr(i) for i in range(32) if ILLEGAL_CHARACTERS_RE.match(chr(i)))
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters=_UNWRITABLE), max_size=30)

CELL_VALUES = st.one_of(
    st.none(),
    _text,
    st.sampled_from(NAMES),  # valid names and words, moved to the wrong place
    st.sampled_from([
        "yes", "no", "Y", "0", "1", "maybe", "committed", "declined", "land", "space", " ", "\u200b",
        "#N/A", "#DIV/0!", "#REF!", "=1+1", "=SUM(A1:A9)", "=[1]Sheet1!A1", "1,000", "1,5", "8%", "1e999",
        "nan", "-inf", "0x10", "١٢٣", "Ⅻ", "∞", "NULL", "None", "'7", "7 units", "\u00a0700",
    ]),
    st.integers(-5, 10),
    st.integers(-5, 10),  # twice: small numbers keep a workbook valid enough to reach the solver
    # boundaries: exactness of floats, int64, the solver's infinity, denormals.  Every value must be
    # one openpyxl can write (it formats numbers with %.16g, so no integer beyond a float's range)
    st.sampled_from([
        0, -0.0, 0.5, 1e-300, 5e-324, 2**53 + 1, 10**9, 10**9 + 1, 10**15, 2**63 - 1, 2**63, -(2**63) - 1, 10**19, 10**30, 10**308,
        1e20, 1e300, 1.7976931348623157e308, -1e300,
    ]),
    st.integers(-(10**12), 10**12),
    st.integers(min_value=10**15, max_value=10**40) | st.integers(min_value=-(10**40), max_value=-(10**15)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2.0, max_value=2.0),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
)


@st.composite
def edits(draw) -> tuple:
    """One edit of the grid, as a plain tuple (readable in a failing example)."""
    sheet = draw(st.sampled_from(SHEET_ORDER))
    rows = BASE_GRID[sheet]
    width = len(rows[0])
    kind = draw(st.sampled_from(["set"] * 6 + ["delete_row", "duplicate_row", "swap_columns", "rename_header", "blank_rows", "delete_sheet"]))
    if kind == "set":  # mostly a data cell of the table; sometimes the header, a new row or a column beyond it
        row = draw(st.integers(1, len(rows) - 1) | st.integers(0, len(rows)))
        col = draw(st.integers(0, width - 1) | st.integers(0, width))
        return ("set", sheet, row, col, draw(CELL_VALUES))
    if kind in ("delete_row", "duplicate_row"):
        return (kind, sheet, draw(st.integers(0, len(rows) - 1)))
    if kind == "swap_columns":
        return ("swap_columns", sheet, draw(st.integers(0, width - 1)), draw(st.integers(0, width - 1)))
    if kind == "rename_header":
        return ("rename_header", sheet, draw(st.integers(0, width - 1)), draw(st.one_of(_text, st.sampled_from(NAMES), st.none())))
    if kind == "blank_rows":
        return ("blank_rows", sheet, draw(st.integers(0, len(rows))), draw(st.integers(1, 3)))
    return ("delete_sheet", sheet)


def apply_edits(edit_list: list[tuple]) -> dict[str, list[list[object]]]:
    grid = {sheet: [list(row) for row in rows] for sheet, rows in BASE_GRID.items()}
    for edit in edit_list:
        kind, sheet = edit[0], edit[1]
        if sheet not in grid:
            continue
        rows = grid[sheet]
        if kind == "set":
            _, _, r, c, value = edit
            while len(rows) <= r:
                rows.append([])
            row = rows[r]
            while len(row) <= c:
                row.append(None)
            row[c] = value
        elif kind == "delete_row" and edit[2] < len(rows):
            del rows[edit[2]]
        elif kind == "duplicate_row" and edit[2] < len(rows):
            rows.insert(edit[2] + 1, list(rows[edit[2]]))
        elif kind == "swap_columns":
            i, j = edit[2], edit[3]
            for row in rows:
                row.extend([None] * (max(i, j) + 1 - len(row)))
                row[i], row[j] = row[j], row[i]
        elif kind == "rename_header" and rows:
            rows[0].extend([None] * (edit[2] + 1 - len(rows[0])))
            rows[0][edit[2]] = edit[3]
        elif kind == "blank_rows":
            at = min(edit[2], len(rows))
            rows[at:at] = [[] for _ in range(edit[3])]
        elif kind == "delete_sheet":
            del grid[sheet]
    return grid


# ----------------------------------------------------------------------------- checks


class Hang(BaseException):
    """Raised by the alarm; a BaseException so no ``except Exception`` on the way swallows it."""


@contextmanager
def no_hang(seconds: int):
    def alarm(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def solve(workbook: Path, out: Path) -> Run:
    with no_hang(HANG_SECONDS):
        return run_forceplan(["solve", str(workbook), "--out", str(out), "--quiet", "--set", "time_limit_s=10"])


def check_outcome(run: Run, workbook: Path, before: str, out: Path, *, file_level_ok: bool) -> None:
    """Exit 0 with a plan, or exit 2 with every problem on one located line; nothing else."""
    everything = run.stdout + run.stderr
    assert "Traceback" not in everything, everything
    assert run.code in (0, 2), f"exit {run.code}: {everything}"
    assert not run.warnings, run.warnings  # e.g. numpy overflow: numbers the reader should have refused
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == before, "the input workbook was changed"
    if run.code == 0:
        event("planned")
        plan = json.loads((out / "plan.json").read_text())
        assert plan["status"] in ("optimal", "time_limit")
        assert {"allocations", "requirements", "nations", "totals"} <= plan.keys()
        return
    assert not out.exists() or not any(out.iterdir()), "a rejected input wrote output"
    for line in issue_lines(run.stderr):
        where, text = split_issue(line)
        if where["sheet"] is None and file_level_ok:
            assert workbook.name in text, line  # a file-level problem names the file
            event("rejected: file level")
        else:
            assert is_located(line), f"unlocated problem: {line}"
            event("rejected: located")


# ------------------------------------------------------------------------- properties


@FUZZ_SETTINGS
@given(st.lists(edits(), min_size=1, max_size=3))
def test_mutated_workbook_plans_or_is_rejected_with_located_problems(edit_list):
    grid = apply_edits(edit_list)
    with tempfile.TemporaryDirectory() as tmp:
        workbook, out = Path(tmp) / "fuzzed.xlsx", Path(tmp) / "out"
        write_grid(grid, workbook)
        before = hashlib.sha256(workbook.read_bytes()).hexdigest()
        run = solve(workbook, out)
        check_outcome(run, workbook, before, out, file_level_ok=False)


def _base_bytes() -> bytes:
    buffer = io.BytesIO()
    write_zip(buffer, base_members(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


BASE_BYTES = _base_bytes()


@st.composite
def byte_damage(draw) -> list[tuple]:
    """One to eight byte-level injuries, applied in order."""
    ops = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "flip", "flip", "overwrite", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, len(BASE_BYTES) - 1))
        if kind == "flip":
            ops.append(("flip", pos, draw(st.integers(1, 255))))
        elif kind in ("overwrite", "insert"):
            ops.append((kind, pos, draw(st.binary(min_size=1, max_size=16))))
        elif kind == "delete":
            ops.append(("delete", pos, draw(st.integers(1, 64))))
        else:
            ops.append(("truncate", pos))
    return ops


def damage(data: bytes, ops: list[tuple]) -> bytes:
    buf = bytearray(data)
    for op in ops:
        pos = op[1] % max(len(buf), 1)
        if op[0] == "flip" and buf:
            buf[pos] ^= op[2]
        elif op[0] == "overwrite":
            buf[pos : pos + len(op[2])] = op[2]
        elif op[0] == "insert":
            buf[pos:pos] = op[2]
        elif op[0] == "delete":
            del buf[pos : pos + op[2]]
        elif op[0] == "truncate":
            del buf[pos:]
    return bytes(buf)


@FUZZ_SETTINGS
@given(byte_damage())
def test_damaged_file_plans_or_is_rejected_in_one_clear_line(ops):
    """Most injuries hit compressed data or zip headers and must give a one-line
    file-level rejection naming the file; an injury to bytes nobody reads (a
    timestamp, say) may leave a workbook that still plans, which is fine."""
    data = damage(BASE_BYTES, ops)
    with tempfile.TemporaryDirectory() as tmp:
        workbook, out = Path(tmp) / "damaged.xlsx", Path(tmp) / "out"
        workbook.write_bytes(data)
        run = solve(workbook, out)
        check_outcome(run, workbook, hashlib.sha256(data).hexdigest(), out, file_level_ok=True)
        if run.code == 2:
            lines = issue_lines(run.stderr)
            assert all(len(line) < 400 for line in lines), run.stderr  # clear, not an exception dump
            assert "Please see the exception" not in run.stderr


def test_the_fuzz_base_plans():
    """The unmutated base must plan, so a rejection in the properties comes from an edit."""
    with tempfile.TemporaryDirectory() as tmp:
        workbook, out = Path(tmp) / "base.xlsx", Path(tmp) / "out"
        write_grid(BASE_GRID, workbook)
        run = solve(workbook, out)
        assert run.code == 0, run.stderr
        assert json.loads((out / "plan.json").read_text())["status"] == "optimal"
        damaged = Path(tmp) / "damaged.xlsx"
        damaged.write_bytes(BASE_BYTES)
        assert solve(damaged, Path(tmp) / "out2").code == 0


def test_fuzz_helpers_do_what_they_say():
    """The edits and injuries really change the workbook (else the properties test nothing)."""
    grid = apply_edits([("set", "Pledges", 1, 2, "two"), ("delete_sheet", "Caveats"), ("blank_rows", "Nations", 1, 2)])
    assert grid["Pledges"][1][2] == "two" and "Caveats" not in grid
    assert grid["Nations"][1:3] == [[], []]
    assert BASE_GRID["Pledges"][1][2] == 2  # the base itself is untouched
    assert damage(b"abcdef", [("flip", 0, 1), ("truncate", 4)]) == b"`bcd"
    assert damage(b"abcdef", [("insert", 2, b"XY"), ("delete", 0, 1)]) == b"bXYcdef"
    assert "\t" not in _UNWRITABLE and "\x01" in _UNWRITABLE
