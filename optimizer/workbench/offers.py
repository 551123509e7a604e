"""A nation's offer: its own rows of the inputs, what a liaison edits, submits and a planner accepts.

The offer of nation ``n`` is its row of ``Nations`` and its rows of
``Pledges`` and ``Caveats`` (:data:`OFFER_SHEETS`).  :func:`offer_of` takes it
out of the inputs; :func:`check_offer` refuses any row of another nation
(naming the sheet and the row) — what stops a crafted edit or upload from
touching another nation's offer; :func:`apply_offer` puts an offer back in
place of the nation's rows; :func:`offer_changes` says what it changes, row
by row, for the planner who accepts it.

:class:`SubmissionStore` keeps submissions (``submissions/`` in the
scenarios folder: one JSON file each, written atomically): pending until a
planner accepts (the offer goes into the planner's inputs) or rejects it with
a reason; the liaison sees the status of its own.

Nothing here imports Streamlit or pyomo, nor decides who may do what: the
callers pass the :class:`~optimizer.workbench.gate.Gate`'s checks first.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from optimizer.atomic import write_text_atomic
from optimizer.workbench.inputs import TABLES_BY_NAME, Inputs, _canon, _shown, normalise_table, table_rows

OFFER_SHEETS = ("Nations", "Pledges", "Caveats")
STATUSES = ("pending", "accepted", "rejected", "withdrawn")
_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class OfferError(ValueError):
    """An offer that names another nation, or is otherwise not this nation's (the message says where)."""


def _nation_rows(frame: pd.DataFrame, nation: str) -> pd.DataFrame:
    return frame[frame["nation"].map(lambda v: v == nation)]


def offer_of(inputs: Inputs, nation: str) -> dict[str, pd.DataFrame]:
    """The nation's rows of Nations, Pledges and Caveats (row labels kept: the Excel rows)."""
    if nation not in inputs.names("Nations"):
        raise OfferError(f"{nation!r} is not a nation of these inputs")
    return {sheet: _nation_rows(inputs.tables[sheet], nation) for sheet in OFFER_SHEETS}


def check_offer(tables: dict[str, pd.DataFrame], nation: str) -> dict[str, pd.DataFrame]:
    """The offer's tables, normalised, after checking every row is ``nation``'s.

    Raises :class:`OfferError` naming the sheet and row of the first row that
    is not, a sheet that is not part of an offer, or a Nations sheet that does
    not hold exactly the nation's own row."""
    unknown = set(tables) - set(OFFER_SHEETS)
    if unknown:
        raise OfferError(f"an offer holds only {', '.join(OFFER_SHEETS)}, not {', '.join(sorted(unknown))}")
    out = {}
    for sheet in OFFER_SHEETS:
        frame = normalise_table(TABLES_BY_NAME[sheet], tables.get(sheet, pd.DataFrame(columns=["nation"])))
        for label, value in zip(frame.index, frame["nation"].tolist()):
            if value != nation:
                raise OfferError(f"{sheet}, row {label}: names {value!r}, not {nation!r}; "
                                 f"an offer may only hold {nation}'s own rows")
        out[sheet] = frame
    if len(out["Nations"]) != 1:
        raise OfferError(f"Nations: the offer must hold exactly {nation}'s own row, not {len(out['Nations'])}")
    return out


def apply_offer(inputs: Inputs, nation: str, tables: dict[str, pd.DataFrame]) -> Inputs:
    """``inputs`` with the nation's rows replaced by the offer's (checked first).

    A row of the offer that names the same thing as one of the nation's rows
    (the unit type of a pledge; sector and unit type of a caveat) takes its
    place; the nation's other rows go; the offer's new rows follow the
    nation's last row (or end the sheet).  So an unchanged offer gives the
    same inputs, and other nations' rows keep their order."""
    offer = check_offer(tables, nation)
    new = inputs
    for sheet in OFFER_SHEETS:
        spec = TABLES_BY_NAME[sheet]
        incoming = table_rows(spec, offer[sheet])
        by_key: dict[tuple, list[dict]] = {}
        for row in incoming:
            by_key.setdefault(_row_key(sheet, row), []).append(row)
        rows, last_mine = [], None
        for row in table_rows(spec, inputs.tables[sheet]):
            if row.get("nation") != nation:
                rows.append(row)
                continue
            matches = by_key.get(_row_key(sheet, row))
            if matches:
                rows.append(matches.pop(0))
                last_mine = len(rows)
        added = [r for r in incoming if any(r is m for ms in by_key.values() for m in ms)]
        at = last_mine if last_mine is not None else len(rows)
        rows[at:at] = added
        new = new.with_table(sheet, pd.DataFrame(rows, columns=list(spec.column_names)))
    return new


def _key_columns(sheet: str) -> tuple[str, ...]:
    """What names a row of an offer: the nation, and for Pledges the unit type, for Caveats sector and unit type."""
    return ("nation", "sector", "unit_type") if sheet == "Caveats" else TABLES_BY_NAME[sheet].key


def _row_key(sheet: str, row: dict) -> tuple:
    return tuple(_canon(row.get(c)) for c in _key_columns(sheet))


def offer_changes(inputs: Inputs, nation: str, tables: dict[str, pd.DataFrame]) -> list[str]:
    """What accepting the offer changes in ``inputs``, one line per row added, removed or changed."""
    new = check_offer(tables, nation)
    old = offer_of(inputs, nation) if nation in inputs.names("Nations") else {s: inputs.tables[s].iloc[0:0] for s in OFFER_SHEETS}
    out = []
    for sheet in OFFER_SHEETS:
        spec = TABLES_BY_NAME[sheet]
        before = {_row_key(sheet, r): r for r in table_rows(spec, old[sheet])}
        after = {_row_key(sheet, r): r for r in table_rows(spec, new[sheet])}
        for key, row in after.items():
            name = " · ".join(_shown(k) for k in key[1:] if k is not None) or nation
            if key not in before:
                out.append(f"{sheet}: + {name} (" + ", ".join(f"{c} {_shown(_canon(v))}" for c, v in row.items()
                                                         if c not in _key_columns(sheet) and v is not None) + ")")
                continue
            diffs = [f"{c} {_shown(_canon(before[key].get(c)))} → {_shown(_canon(v))}" for c, v in row.items()
                     if _canon(before[key].get(c)) != _canon(v)]
            if diffs:
                out.append(f"{sheet}: {name}: " + ", ".join(diffs))
        for key in before:
            if key not in after:
                out.append(f"{sheet}: − " + (" · ".join(_shown(k) for k in key[1:] if k is not None) or nation))
    return out


# --------------------------------------------------------------------------- submissions


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class Submission:
    id: str
    nation: str
    submitted_by: str
    submitted_at: str
    tables: dict[str, list[dict]]
    note: str = ""
    status: str = "pending"
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str = ""
    changes: list[str] = field(default_factory=list)  # against the inputs it was drawn from, when submitted

    def frames(self) -> dict[str, pd.DataFrame]:
        return {s: normalise_table(TABLES_BY_NAME[s], pd.DataFrame(rows, columns=list(TABLES_BY_NAME[s].column_names)))
                for s, rows in self.tables.items()}

    def to_json(self) -> dict:
        return dict(self.__dict__)


class SubmissionStore:
    """``folder``/<id>.json, one per submission."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._lock = threading.RLock()

    def _path(self, ident: str) -> Path:
        if not isinstance(ident, str) or not _ID.match(ident):
            raise OfferError("no such submission")
        return self.folder / f"{ident}.json"

    def _write(self, sub: Submission) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self._path(sub.id), json.dumps(sub.to_json(), indent=1, ensure_ascii=False) + "\n")

    def submit(self, user_id: str, nation: str, tables: dict[str, pd.DataFrame], base: Inputs, note: str = "") -> Submission:
        offer = check_offer(tables, nation)
        sub = Submission(id=datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4),
                         nation=nation, submitted_by=user_id, submitted_at=_now(),
                         tables={s: table_rows(TABLES_BY_NAME[s], f) for s, f in offer.items()},
                         note=str(note)[:2000], changes=offer_changes(base, nation, offer))
        with self._lock:
            self._write(sub)
        return sub

    def get(self, ident: str) -> Submission:
        path = self._path(ident)
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise OfferError("no such submission") from None
        except (OSError, ValueError) as exc:
            raise OfferError(f"submission {ident} cannot be read ({type(exc).__name__})") from None
        known = {k: v for k, v in payload.items() if k in Submission.__dataclass_fields__}
        sub = Submission(**known)
        check_offer(sub.frames(), sub.nation)  # a file edited on disk to name another nation is refused too
        return sub

    def list(self, *, nation: str | None = None, status: str | None = None) -> list[Submission]:
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("*.json"), reverse=True):  # newest first (ids start with the time)
            try:
                sub = self.get(path.stem)
            except OfferError:
                continue
            if (nation is None or sub.nation == nation) and (status is None or sub.status == status):
                out.append(sub)
        return out

    def decide(self, ident: str, user_id: str, status: str, reason: str = "") -> Submission:
        if status not in ("accepted", "rejected", "withdrawn"):
            raise ValueError(f"unknown decision {status!r}")
        if status == "rejected" and not reason.strip():
            raise OfferError("a rejection needs its reason, for the liaison")
        with self._lock:
            sub = self.get(ident)
            if sub.status != "pending":
                raise OfferError(f"submission {ident} is already {sub.status}")
            sub.status, sub.decided_by, sub.decided_at, sub.reason = status, user_id, _now(), reason.strip()[:2000]
            self._write(sub)
        return sub


# --------------------------------------------------------------------------- the offer as a workbook of its own


def offer_workbook_bytes(nation: str, tables: dict[str, pd.DataFrame]) -> bytes:
    """The nation's offer as an xlsx of three sheets (Nations, Pledges, Caveats), headers as in the contract."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from optimizer.outputs.safe_cells import put

    offer = check_offer(tables, nation)
    book = Workbook()
    book.remove(book.active)
    for sheet in OFFER_SHEETS:
        spec = TABLES_BY_NAME[sheet]
        ws = book.create_sheet(sheet)
        ws.append(list(spec.column_names))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r, row in enumerate(table_rows(spec, offer[sheet]), start=2):
            for c, name in enumerate(spec.column_names, start=1):
                put(ws.cell(row=r, column=c), row[name])
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_offer_workbook(path: str | os.PathLike, nation: str, *, shown_name: str = "the workbook") -> dict[str, pd.DataFrame]:
    """An uploaded offer workbook, every row checked to be ``nation``'s.

    Raises :class:`OfferError` naming the file, the sheet and the Excel row of
    the first row of another nation, a missing sheet or an unreadable file."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets one located message
        raise OfferError(f"{shown_name} cannot be read as an xlsx workbook ({type(exc).__name__})") from None
    try:
        tables = {}
        for sheet in OFFER_SHEETS:
            if sheet not in book.sheetnames:
                raise OfferError(f"{shown_name} has no sheet {sheet}")
            rows = list(book[sheet].iter_rows(values_only=True))
            header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
            if "nation" not in header:
                raise OfferError(f"{shown_name}, sheet {sheet}, row 1: no 'nation' column")
            records = []
            for number, values in enumerate(rows[1:], start=2):
                record = {h: v for h, v in zip(header, values) if h}
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in record.values()):
                    continue
                named = record.get("nation")
                named = named.strip() if isinstance(named, str) else named
                if named != nation:
                    raise OfferError(f"{shown_name}, sheet {sheet}, row {number}, column nation: {named!r} is not {nation!r}; "
                                     f"an offer may only hold {nation}'s own rows")
                record["nation"] = named
                records.append(record)
            tables[sheet] = pd.DataFrame(records, columns=list(TABLES_BY_NAME[sheet].column_names))
    finally:
        book.close()
    try:
        return check_offer(tables, nation)
    except ValueError as exc:
        raise OfferError(f"{shown_name}: {exc}") from None
