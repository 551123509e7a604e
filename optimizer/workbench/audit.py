"""The audit trail: who changed, solved, saved, loaded, deleted or downloaded what, and when.

One append-only file of JSON lines (``audit.jsonl``), each record chained to
the one before by a hash::

    hash[i] = sha256(canonical JSON of record i without its "hash", which includes prev = hash[i-1])

so a record edited in place breaks its own hash, and a record taken out breaks
the chain (its successor's ``prev`` no longer matches, and the sequence
numbers skip).  Records cut off the *end* leave a valid chain, so a second
file, ``audit.head`` (written atomically after each record is on disk), holds
the sequence number, hash and byte length of the last record: a trail shorter
than its head has lost records.  With a key (``FORCEPLAN_AUDIT_KEY``, or the
``key`` argument) the hash is an HMAC, so that rewriting the whole chain and
its head needs the key too; without one, the chain shows any change made by
someone who did not also recompute every later hash and the head.

Appending survives a killed process: a record is flushed and fsynced before
the head moves, and the next append first looks past the head — a complete
record that chains on is adopted (the head was lost), a torn line is cut off
(it was never committed).  One writer at a time, across threads and processes
(``flock`` on ``audit.lock``).

Nothing here imports Streamlit or pyomo: :mod:`app_pages` records through
:class:`AuditTrail` and the admin page reads :meth:`AuditTrail.frame`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from optimizer.atomic import folder_lock, write_text_atomic

GENESIS = "0" * 64
FIELDS = ("seq", "time", "user", "role", "action", "what", "prev")
#: What the trail records (the workbench's actions); anything else is refused, so a typo cannot hide a record.
ACTIONS = (
    "session opened", "sign-out", "denied", "input change", "import workbook", "reset inputs", "solve", "analysis", "save scenario",
    "load scenario", "rename scenario", "delete scenario", "download", "submit offer", "accept offer", "reject offer",
)
COLUMNS = ["seq", "time", "user", "role", "action", "what"]


class AuditError(RuntimeError):
    """The trail cannot be written (a record is never silently dropped)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a trail: the 1-based line of ``audit.jsonl`` (0 for the head) and what."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"audit.jsonl line {self.line}: {self.message}" if self.line else self.message


def _canonical(record: dict) -> bytes:
    return json.dumps({k: record[k] for k in FIELDS}, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class AuditTrail:
    """The append-only, hash-chained trail in ``folder`` (created on first use)."""

    def __init__(self, folder: str | os.PathLike, *, key: str | bytes | None = None):
        self.folder = Path(folder)
        self.path = self.folder / "audit.jsonl"
        self.head_path = self.folder / "audit.head"
        key = os.environ.get("FORCEPLAN_AUDIT_KEY") if key is None else key
        self._key = key.encode("utf-8") if isinstance(key, str) and key else (key or None)
        self._lock = threading.RLock()

    # -- hashing
    def digest(self, record: dict) -> str:
        body = _canonical(record)
        if self._key:
            return hmac.new(self._key, body, hashlib.sha256).hexdigest()
        return hashlib.sha256(body).hexdigest()

    def _valid(self, record: object, seq: int, prev: str) -> str | None:
        """Why ``record`` is not the record number ``seq`` after hash ``prev`` (None if it is)."""
        if not isinstance(record, dict) or any(k not in record for k in (*FIELDS, "hash")):
            return "not a complete audit record"
        if record["seq"] != seq:
            return f"sequence number {record['seq']} where {seq} was expected: records before it were removed or reordered"
        if record["prev"] != prev:
            return "does not follow the record before it (a record was removed, inserted or altered)"
        if not hmac.compare_digest(str(record["hash"]), self.digest(record)):
            return "its content does not match its hash (the record was altered)"
        return None

    # -- writing
    def _locked(self):
        """One writer at a time, across threads and processes (flock where available)."""
        return folder_lock(self.folder, "audit.lock", self._lock)

    def _read_head(self) -> dict:
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
            if isinstance(head, dict) and {"seq", "hash", "size"} <= set(head):
                return head
        except (OSError, ValueError):
            pass
        return {"seq": 0, "hash": GENESIS, "size": 0}

    def _write_head(self, seq: int, digest: str, size: int) -> None:
        write_text_atomic(self.head_path, json.dumps({"seq": seq, "hash": digest, "size": size}) + "\n")

    def _settle_tail(self) -> dict:
        """The head after adopting complete records past it and cutting off a torn last line."""
        head = self._read_head()
        if not self.path.exists():
            if head["seq"]:
                raise AuditError(f"{self.path} is missing but its head counts {head['seq']} record(s); not writing over it")
            return head
        size = self.path.stat().st_size
        if size < head["size"]:
            raise AuditError(f"{self.path.name} is shorter than its head records: records were removed; "
                             "not appending to a damaged trail (see the Audit page)")
        if size == head["size"]:
            return head
        with open(self.path, "rb") as fh:
            fh.seek(head["size"])
            tail = fh.read()
        seq, digest, good = head["seq"], head["hash"], head["size"]
        for line in tail.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break
            try:
                record = json.loads(line)
            except ValueError:
                break
            if self._valid(record, seq + 1, digest) is not None:
                break
            seq, digest, good = seq + 1, record["hash"], good + len(line)
        if good < size:  # a line never committed (the process died while writing it)
            with open(self.path, "r+b") as fh:
                fh.truncate(good)
                fh.flush()
                os.fsync(fh.fileno())
        if good != head["size"]:
            self._write_head(seq, digest, good)
        return {"seq": seq, "hash": digest, "size": good}

    def record(self, user: str, role: str, action: str, what: dict | None = None) -> dict:
        """Append one record (flushed to disk before this returns) and return it."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        json.dumps(what or {})  # refuse what cannot be written before taking the lock
        with self._locked():
            head = self._settle_tail()
            record = {
                "seq": head["seq"] + 1,
                "time": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
                "user": str(user),
                "role": str(role),
                "action": action,
                "what": what or {},
                "prev": head["hash"],
            }
            record["hash"] = self.digest(record)
            line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
            try:
                with open(self.path, "ab") as fh:
                    fh.write(line)
                    fh.flush()
                    os.fsync(fh.fileno())
                self._write_head(record["seq"], record["hash"], head["size"] + len(line))
            except OSError as exc:
                raise AuditError(f"cannot write the audit trail ({exc.strerror or exc})") from None
            return record

    # -- reading
    def records(self) -> list[dict]:
        """Every record that parses, in file order (verify() says whether they can be trusted)."""
        if not self.path.exists():
            return []
        out = []
        for raw in self.path.read_bytes().splitlines():
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict):
                out.append(record)
        return out

    def verify(self) -> list[Problem]:
        """Everything wrong with the trail; an empty list means every record is as written."""
        problems: list[Problem] = []
        head = self._read_head()
        data = self.path.read_bytes() if self.path.exists() else b""
        if not self.head_path.exists() and data:
            problems.append(Problem(0, "audit.head is missing: records cut off the end could not be detected"))
        seq, digest, size = 0, GENESIS, 0
        for number, line in enumerate(data.splitlines(keepends=True), start=1):
            try:
                record = json.loads(line)
            except ValueError:
                problems.append(Problem(number, "not valid JSON (a torn write, or the line was altered)"))
                break
            why = self._valid(record, seq + 1, digest)
            if why:
                problems.append(Problem(number, why))
                # carry on from this record so a single edit is reported once, not on every later line
                if isinstance(record, dict) and isinstance(record.get("seq"), int):
                    seq, digest = record["seq"], str(record.get("hash"))
                else:
                    seq += 1
                size += len(line)
                continue
            seq, digest, size = seq + 1, record["hash"], size + len(line)
        if self.head_path.exists():
            if seq < head["seq"]:
                problems.append(Problem(0, f"the trail ends at record {seq} but its head records {head['seq']}: "
                                           "records were removed from the end"))
            elif seq == head["seq"] and digest != head["hash"]:
                problems.append(Problem(0, "the last record does not match the head (it was altered or replaced)"))
        return problems

    def frame(self, *, user: str | None = None, action: str | None = None, text: str | None = None) -> pd.DataFrame:
        """The records as a table, newest first, filtered by user, action and free text."""
        rows = []
        for r in reversed(self.records()):
            what = r.get("what") or {}
            shown = "; ".join(f"{k}: {v}" for k, v in what.items()) if isinstance(what, dict) else str(what)
            row = {"seq": r.get("seq"), "time": r.get("time"), "user": r.get("user"), "role": r.get("role"),
                   "action": r.get("action"), "what": shown}
            if user and row["user"] != user:
                continue
            if action and row["action"] != action:
                continue
            if text and text.casefold() not in json.dumps(r, ensure_ascii=False).casefold():
                continue
            rows.append(row)
        return pd.DataFrame(rows, columns=COLUMNS)
