"""Cell text that cannot hurt: the one place forceplan neutralises the text it exports.

Names in a workbook (nations, unit types, sectors, notes, the scenario name)
are whatever a planner typed, or whatever a hostile workbook carried.  Text
that a spreadsheet program or a CSV consumer would *interpret* is the OWASP
"CSV injection" list: a first character ``=``, ``+``, ``-``, ``@``, tab or
carriage return (line feed too, here).  :func:`looks_like_formula` is that
test; it also looks past leading spaces, which some importers trim.

Every writer of xlsx or csv goes through this module:

==========================================  ===============================================
export path                                 treatment
==========================================  ===============================================
``plan.xlsx`` (:mod:`.excel_out`; the       :func:`put`: string cell, ``quotePrefix`` style
command line, the app's download, a saved   when it looks like a formula; the text itself is
scenario's ``plan.xlsx``)                   unchanged (``plan.json`` is the record and the
                                            existing tests read names back exactly).
input workbooks (:mod:`optimizer.           :func:`put`, the same: a workbook the app writes
workbook_writer`: the template, workbooks   from the planner's inputs must read back to the
from tables, the app's "Download edited     SAME values through :func:`optimizer.reader.
workbook", a saved scenario's               read_tables`, so the text is never altered
``workbook.xlsx``)                          (``quotePrefix`` is a style, not a character).
workbook properties, header comments        :func:`clean_text` only: they are never
                                            evaluated, but must be well-formed XML.
CSV                                         forceplan writes none.  A future CSV writer
                                            uses :func:`csv_text` (visible ``'`` prefix:
                                            CSV has no cell types).
the app's table toolbar "Download as CSV"   Streamlit's own, in the browser; Streamlit
                                            1.67 quotes only ``, " \\n`` and does NOT
                                            neutralise formulas.  forceplan cannot reach it,
                                            so ``.streamlit/config.toml`` switches it off
                                            (``client.disableDataExport = true``).
``plan.json``, analyses' JSON, report.pdf   not neutralised: JSON and PDF are not
                                            evaluated, and the names must stay exact.
==========================================  ===============================================

Why a string cell is enough in xlsx: a cell stored as a string (``t="s"`` or
``t="inlineStr"``) is never evaluated by Excel, LibreOffice or Numbers; only
an ``<f>`` element is a formula.  openpyxl, however, turns any ``str``
starting with ``=`` into a formula cell on assignment, so :func:`put` forces
the data type back to ``"s"``.  ``quotePrefix`` keeps the cell text when a
user edits it in Excel (F2, Enter), so it does not become a formula then
either.  The residual risk is a user saving ``plan.xlsx`` as CSV from Excel
and opening that CSV again: the CSV then holds the raw text.

Characters XML 1.0 cannot hold (C0 controls other than tab, line feed and
carriage return, lone surrogates, U+FFFE and U+FFFF) cannot be stored in an
xlsx at all: openpyxl raises ``IllegalCharacterError`` for cells and writes
an unreadable ``docProps/core.xml`` for properties.  :func:`clean_text`
removes them, silently: a NUL in a name is never meaningful, and the
alternative is a crash or a corrupt file.  This is the one place where an
exported value differs from the input.
"""

from __future__ import annotations

import math
import re

from openpyxl.cell.cell import Cell

# The first characters that make a spreadsheet program or a CSV importer
# treat text as a formula (OWASP, "CSV Injection"); line feed added because
# some importers split the cell there and read what follows as a new cell.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n")

# Not allowed anywhere in an XML 1.0 document (hence in no xlsx part).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """``text`` without the characters an xlsx cannot hold (see the module docstring)."""
    return _XML_ILLEGAL.sub("", text)


def looks_like_formula(text: str) -> bool:
    """Would a spreadsheet program or a CSV importer read ``text`` as a formula?"""
    return text.lstrip(" ").startswith(FORMULA_TRIGGERS)


def put(cell: Cell, value: object) -> Cell:
    """Store ``value`` in ``cell`` so that it can never become a formula; return the cell.

    Text is cleaned (:func:`clean_text`), stored as a string cell, and given
    the ``quotePrefix`` style when it looks like a formula; numpy/pandas
    scalars become Python values; ``None`` and NaN leave the cell blank.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        cell.value = None
        return cell
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy / pandas scalars
        if isinstance(value, float) and math.isnan(value):
            cell.value = None
            return cell
    if isinstance(value, str):
        text = clean_text(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl took a leading "=" for a formula
        if looks_like_formula(text):
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
        return cell
    cell.value = value
    return cell


def csv_text(value: object) -> str:
    """A value as one CSV field's text that no spreadsheet program will evaluate:
    formula-like text gets a visible leading ``'`` (CSV has no cell types)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = clean_text(str(value))
    if isinstance(value, str) and looks_like_formula(text):
        return "'" + text
    return text
