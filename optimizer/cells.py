"""Parsing one cell (or one ``--set`` value) by the contract's column kinds.

Each parser returns ``(value, problem)``: ``problem`` is ``None`` when the
cell is acceptable, else a short sentence saying what is wrong.  Blank cells
are handled by the caller (they take the column default).
"""

from __future__ import annotations

import datetime as _dt
import math
import re

from optimizer.schema import NO_WORDS, YES_WORDS, Column, Kind

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


# The error values Excel saves in place of a formula's result (``t="e"`` cells);
# openpyxl hands them over as text, so "#N/A" would otherwise pass as a name.
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#PYTHON!",
})

# No number in a planning workbook comes near this (a billion persons, a billion
# million USD); beyond it values stop being exact machine integers (int64 ends at
# 9.2e18) and the solver's arithmetic breaks down, so a larger one is a typo or junk.
MAX_MAGNITUDE = 1e9
TOO_LARGE = f"is too large (more than {MAX_MAGNITUDE:,.0f} in size); is it a typo?"


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _shown(value: object) -> str:
    return str(value)


def _to_number(value: object) -> tuple[float | None, str | None]:
    if isinstance(value, bool):
        return None, "is a yes/no value, not a number"
    if isinstance(value, int) and abs(value) > MAX_MAGNITUDE:
        return None, TOO_LARGE  # before float(): that raises OverflowError for a 400-digit integer
    if isinstance(value, (int, float)):
        f = float(value)
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(",", "") if _looks_grouped(value) else value.strip()
        try:
            f = float(text)
        except ValueError:
            return None, _percent_hint(text) or "is text, not a number"
    elif isinstance(value, (_dt.date, _dt.datetime, _dt.time, _dt.timedelta)):
        return None, "is a date or time, not a number"
    else:
        return None, "is not a number"
    if not math.isfinite(f):
        return None, "is not a finite number"
    if abs(f) > MAX_MAGNITUDE:
        return None, TOO_LARGE
    return f, None


def _percent_hint(text: str) -> str | None:
    """'8%' typed as text: say how to enter it (the contract's shares are fractions)."""
    if text.endswith("%"):
        try:
            share = float(text[:-1].strip()) / 100
        except ValueError:
            return None
        if math.isfinite(share):
            return f"is a percentage typed as text; enter the fraction {share:g} instead"
    return None


def _looks_grouped(text: str) -> bool:
    """'30,000' typed as text: accept thousands separators, but not '1,5'."""
    t = text.strip()
    parts = t.split(",")
    return len(parts) > 1 and all(p.isdigit() for p in parts) and all(len(p) == 3 for p in parts[1:])


def parse_cell(column: Column, value: object) -> tuple[object, str | None]:
    """Parse a non-blank cell for ``column``; check its range and choices."""
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        return None, f"is an Excel error value ({value.strip().upper()}); fix the formula that produced it"
    kind = column.kind
    if kind is Kind.TEXT:
        if isinstance(value, bool):
            return None, "is a yes/no value, not text"
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
            return None, "is a date, not text"
        return str(value).strip(), None
    if kind is Kind.YESNO:
        if isinstance(value, bool):
            return value, None
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value), None
        if isinstance(value, str):
            word = value.strip().lower()
            if word in YES_WORDS:
                return True, None
            if word in NO_WORDS:
                return False, None
        return None, "is not yes/no (use yes/no, y/n, true/false or 1/0)"
    if kind is Kind.MONTH:
        if isinstance(value, (_dt.date, _dt.datetime)):
            return f"{value.year:04d}-{value.month:02d}", None
        text = str(value).strip() if not isinstance(value, bool) else ""
        match = _MONTH.fullmatch(text)
        if match and 1 <= int(match.group(2)) <= 12:
            return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}", None
        return None, "is not a month written YYYY-MM (e.g. 2026-03)"
    if kind is Kind.CHOICE:
        word = str(value).strip().lower() if not isinstance(value, bool) else ""
        if word in column.choices:
            return word, None
        return None, "is not one of " + ", ".join(column.choices)
    number, problem = _to_number(value)
    if problem:
        return None, problem
    if kind is Kind.INT:
        if not float(number).is_integer():
            return None, "must be a whole number (the cell holds a fraction; its number format may display it rounded)"
        number = int(number)
    return number, _range_problem(column, number)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _range_problem(column: Column, number: float) -> str | None:
    lo, hi = column.minimum, column.maximum
    if lo is not None:
        if column.min_exclusive and not number > lo:
            return f"must be greater than {_fmt(lo)}"
        if not column.min_exclusive and number < lo:
            return f"must be at least {_fmt(lo)}"
    if hi is not None and number > hi:
        return f"must be at most {_fmt(hi)}"
    return None
