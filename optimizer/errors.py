"""Input problems, located the way a planner finds them in Excel."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputIssue:
    """One problem with the input.

    ``sheet`` is the workbook sheet (or ``"--set"`` for a command-line
    override, ``None`` for the file as a whole); ``row`` is the row number as
    Excel shows it; ``column`` is the contract's column name and ``letter`` the
    Excel column letter when known.
    """

    sheet: str | None
    row: int | None
    column: str | None
    message: str
    value: str | None = None
    letter: str | None = None

    def __str__(self) -> str:
        where = []
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            cell = f" ({self.letter}{self.row})" if self.letter and self.row is not None else ""
            where.append(f"column '{self.column}'{cell}")
        location = ", ".join(where) if where else "workbook"
        shown = f" value {self.value!r}:" if self.value is not None else ""
        return f"{location}:{shown} {self.message}"


class InputError(Exception):
    """The input was rejected. Carries every problem found in one pass."""

    def __init__(self, issues: list[InputIssue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    def report(self) -> str:
        n = len(self.issues)
        head = f"The input was rejected: {n} problem{'s' if n != 1 else ''} found."
        return "\n".join([head, *(f"  - {i}" for i in self.issues)])
