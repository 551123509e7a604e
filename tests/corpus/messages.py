"""Reading ``forceplan solve``'s rejections back, and running the command in-process.

Shared by ``tests/test_bad_corpus.py`` and ``tests/test_fuzz_reader.py``: both
hold the command to the contract's promise for rejected input (exit 2, one
line per problem, each naming the sheet, the row as Excel numbers it and the
column, no traceback) and need to read a message the way a planner would.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import warnings
from dataclasses import dataclass, field

HEAD = re.compile(r"^The input was rejected: (\d+) problems? found\.$")

# Problems about a sheet as a whole: they name the sheet but no row or column.
SHEET_LEVEL = ("required sheet is missing", "the sheet is empty", "has more than", "its data is missing from the file")


def parse_location(location: str) -> dict:
    """``sheet 'S', row 3, column 'c' (C3)`` -> {sheet, row, column, cell}; ``workbook`` -> all None.

    The format is that of :class:`optimizer.errors.InputIssue`; anything else
    raises, so a garbled location cannot pass for a good one.
    """
    found = {"sheet": None, "row": None, "column": None, "cell": None}
    if location == "workbook":
        return found
    for part in location.split(", "):
        if m := re.fullmatch(r"sheet '(.*)'", part):
            found["sheet"] = m[1]
        elif m := re.fullmatch(r"row (\d+)", part):
            found["row"] = int(m[1])
        elif m := re.fullmatch(r"column '([^']*)'(?: \(([A-Z]+\d+)\))?", part):
            found["column"], found["cell"] = m[1], m[2]
        else:
            raise AssertionError(f"unreadable location {location!r}")
    return found


def issue_lines(stderr: str) -> list[str]:
    """The problems of a rejection, one per line, after checking the layout:
    a head line with the count, then only ``  - `` lines.  A problem spilling
    onto a second line, a stray warning or a traceback breaks the layout."""
    lines = stderr.rstrip("\n").split("\n")
    head = HEAD.match(lines[0])
    assert head, stderr
    problems = lines[1:]
    assert all(line.startswith("  - ") for line in problems), stderr
    assert len(problems) == int(head[1]) > 0, stderr
    return [line[4:] for line in problems]


def split_issue(line: str) -> tuple[dict, str]:
    location, _, text = line.partition(": ")
    return parse_location(location), text


def issue_matches(line: str, expect: dict, file: str) -> bool:
    """Does one problem line say what ``expect`` (a manifest entry's ``expect``) says?
    Sheet, row and column must be equal (``None``: absent); the cell too when
    given; the message must contain the fragment; a file-level problem must
    name the file."""
    where, text = split_issue(line)
    if any(where[k] != expect[k] for k in ("sheet", "row", "column")):
        return False
    if expect["cell"] is not None and where["cell"] != expect["cell"]:
        return False
    if expect["sheet"] is None and file not in text:
        return False
    return expect["message"] in text


def is_located(line: str) -> bool:
    """A problem a planner can find: it names a sheet, and a row or a column
    (or is about the sheet as a whole); a cell problem also names the cell."""
    where, text = split_issue(line)
    if where["sheet"] is None:
        return False
    if where["row"] is None and where["column"] is None:
        return any(fragment in text for fragment in SHEET_LEVEL)
    if where["row"] is not None and where["column"] is not None and where["cell"] is None:
        return "required column is missing" in text  # a missing column has no letter
    return True


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    warnings: list[str] = field(default_factory=list)


def run_forceplan(args: list[str]) -> Run:
    """``forceplan ARGS`` through the installed entry point (:func:`optimizer.cli.main`,
    with its last-resort guard), in this process; output and warnings captured."""
    import optimizer.cli

    out, err = io.StringIO(), io.StringIO()
    saved_argv = sys.argv
    sys.argv = ["forceplan", *args]
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            warnings.simplefilter("always")
            try:
                optimizer.cli.main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.argv = saved_argv
    return Run(code, out.getvalue(), err.getvalue(), [f"{w.category.__name__}: {w.message}" for w in caught])
