"""Named scenarios under ``models/`` and per-session drafts.

A saved scenario is one folder, ``models/<name>/``::

    scenario.json   format, format_version, saved_at, inputs_sha256, a headline summary
    inputs.json     the inputs exactly as edited (scenario parameters and tables)
    workbook.xlsx   the same inputs as a contract workbook (``forceplan solve`` reads it)
    plan.json       the plan, when the scenario was saved solved
    plan.xlsx

A folder is written whole into a hidden temporary folder beside it
(``.tmp-<host>-<pid>-<random>``) and then renamed into place, so a reader
(or a crash) never sees half a scenario; renaming and deleting are renames
too.  Replacing a saved scenario takes two renames under the store's lock:
the old folder to ``.replaced-<random>-<name>``, the new one into place (then
the old one goes to ``.trash-<random>`` and is deleted).  A process killed
between those two renames leaves the scenario's old version under its
``.replaced-`` name; the next listing, load or save puts it back (under the
lock, so never while a live process is in the middle of its own swap).
Saves also remove what killed processes left behind: temporary folders of
processes that are gone, trash.  Names are checked against a short pattern
(letters, digits, space, ``_ - .``), so a name can never reach outside
``models/``.  Everything is JSON or xlsx, never pickle.

Formats: ``scenario.json`` and ``inputs.json`` carry ``format_version``.  An
older version is upgraded in memory on load, through
:data:`SCENARIO_UPGRADERS` and :data:`optimizer.workbench.inputs.INPUTS_UPGRADERS`
(both empty so far: version 1 is the first ever saved; the frozen fixture
``tests/fixtures/scenario_v1/`` keeps it loadable); the folder is never
rewritten by a load.  A newer version is refused with a clear message.

Drafts (``models/.drafts/<token>.json``) hold one browser session's unsaved
inputs, and its plan when solved, so a closed tab can be reopened with its
URL.  Hidden folders are never listed as scenarios.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

from optimizer import __version__
from optimizer.atomic import folder_lock, fsync_dir, is_stale, process_tag, signals_held, write_bytes_atomic, write_text_atomic
from optimizer.atomic import rename as atomic_rename  # os.rename with the fault hook's rename points
from optimizer.workbench.access import Role, User
from optimizer.workbench.inputs import Inputs, Upgrader, upgrade_payload, write_inputs_workbook
from optimizer.workbench.jobs import SolvedPlan

FORMAT = "forceplan-scenario"
FORMAT_VERSION = 1
#: scenario.json upgraders: ``SCENARIO_UPGRADERS[v]`` turns version ``v`` into ``v + 1``
#: (see :func:`optimizer.workbench.inputs.upgrade_payload`).  Empty: version 1 is the first.
SCENARIO_UPGRADERS: dict[int, Upgrader] = {}
DRAFT_FORMAT = "forceplan-draft"
DRAFT_FORMAT_VERSION = 1
MAX_JSON_BYTES = 50 * 1024 * 1024
DRAFT_MAX_AGE_DAYS = 30

NAME_MAX = 64
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 _.\-]*[A-Za-z0-9_\-])?")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{16,64}")
_TMP_FOLDER = re.compile(r"\.tmp-(?:(?P<host>[0-9a-f]{4})-(?P<pid>\d+)-)?[0-9a-f]{32}")
_REPLACED = re.compile(r"\.replaced-[0-9a-f]{32}-(?P<name>.+)")


class ScenarioError(ValueError):
    """A scenario cannot be saved, loaded, renamed or deleted; the message says why."""


def check_name(name: object) -> str:
    """A valid scenario name (surrounding spaces removed), or ``ScenarioError``."""
    if not isinstance(name, str):
        raise ScenarioError("a scenario name must be text")
    name = name.strip()
    if not name:
        raise ScenarioError("give the scenario a name")
    if len(name) > NAME_MAX:
        raise ScenarioError(f"a scenario name has at most {NAME_MAX} characters")
    if not _NAME.fullmatch(name) or ".." in name:
        raise ScenarioError(
            "a scenario name uses letters, digits, spaces and _ - . only, "
            "starts with a letter or digit and does not end with a space or dot"
        )
    if name.split(".")[0].strip().lower() in _RESERVED:
        raise ScenarioError(f"'{name}' is a reserved device name on Windows; choose another")
    return name


def check_token(token: object) -> str | None:
    return token if isinstance(token, str) and _TOKEN.fullmatch(token) else None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def headline_summary(plan: dict | None) -> dict:
    """A few figures of a plan, kept in scenario.json for the list."""
    if not plan:
        return {}
    totals = plan.get("totals", {})
    reqs = plan.get("requirements", [])
    return {
        "status": plan.get("status"),
        "shortfall_score": plan.get("shortfall_score"),
        "personnel": totals.get("personnel"),
        "cost_musd": totals.get("cost_musd"),
        "nations_taking_part": totals.get("nations_taking_part"),
        "lines_filled": sum(1 for r in reqs if r.get("short_units", 0) == 0),
        "lines": len(reqs),
    }


@dataclasses.dataclass(frozen=True)
class ScenarioInfo:
    name: str
    saved_at: str = ""
    format_version: int | None = None
    inputs_sha256: str = ""
    has_plan: bool = False
    scenario_name: str = ""
    note: str = ""
    headline: dict = dataclasses.field(default_factory=dict)
    problem: str = ""  # why it cannot be loaded, if it cannot
    owner: str = "local"  # the user who saved it (scenarios from before owners: the local user's)
    shared: bool = True  # readable by the whole planning cell, or by its owner (and administrators) only

    def readable_by(self, user: User | None) -> bool:
        """Shared, or the user's own; administrators read all; ``None`` (the command line, tests) reads all."""
        return user is None or user.role is Role.ADMIN or self.shared or self.owner == user.id

    def changeable_by(self, user: User | None) -> bool:
        """Overwritten, renamed or deleted by its owner or an administrator only."""
        return user is None or user.role is Role.ADMIN or self.owner == user.id


@dataclasses.dataclass(frozen=True)
class LoadedScenario:
    info: ScenarioInfo
    inputs: Inputs
    solved: SolvedPlan | None
    warnings: tuple[str, ...] = ()


def _read_json(path: Path) -> object:
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ScenarioError(f"{path.name} is {size / 1e6:.0f} MB, more than a scenario can be")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"{path.name} is not valid JSON ({exc.__class__.__name__})") from None


class ScenarioStore:
    """The scenarios folder (``models/``)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self._lock = threading.RLock()

    # -- helpers
    def _locked(self):
        """One writer at a time, across threads and processes (flock where available)."""
        return folder_lock(self.root, ".lock", self._lock)

    def _folder(self, name: str) -> Path:
        name = check_name(name)
        folder = (self.root / name)
        if folder.resolve().parent != self.root.resolve():  # belt and braces: the pattern already forbids it
            raise ScenarioError("invalid scenario name")
        return folder

    def _existing(self, name: str) -> Path | None:
        """The folder of ``name`` or of a name equal to it ignoring case."""
        folded = name.casefold()
        if not self.root.is_dir():
            return None
        for entry in self.root.iterdir():
            if entry.is_dir() and not entry.name.startswith(".") and entry.name.casefold() == folded:
                return entry
        return None

    # -- recovery after a killed process
    def _recover_if_needed(self) -> None:
        """Put back a scenario whose replacement was cut short (see the module docstring).
        Cheap when there is nothing to do: one listing, no lock."""
        if self.root.is_dir() and any(_REPLACED.fullmatch(e.name) for e in os.scandir(self.root)):
            with self._locked():
                self._recover()

    def _recover(self) -> None:
        """Under the lock: undo half-done replacements and remove what dead processes left.

        ``.replaced-<random>-<name>`` exists outside the lock only if the process
        replacing ``name`` died: if ``name`` is missing the old version goes back,
        otherwise the swap completed and the old version is trash.  Temporary
        folders of processes that are gone (or older than a day) and trash are deleted.
        """
        for entry in list(os.scandir(self.root)):
            replaced = _REPLACED.fullmatch(entry.name)
            if replaced and entry.is_dir(follow_symlinks=False):
                if self._existing(replaced["name"]) is None:
                    atomic_rename(entry.path, self.root / replaced["name"])
                else:
                    trash = self.root / f".trash-{uuid.uuid4().hex}"
                    atomic_rename(entry.path, trash)
                    shutil.rmtree(trash, ignore_errors=True)
                fsync_dir(self.root)
                continue
            tmp = _TMP_FOLDER.fullmatch(entry.name)
            with contextlib.suppress(OSError):
                if tmp and is_stale(tmp["host"], int(tmp["pid"]) if tmp["pid"] else None, entry.stat().st_mtime):
                    shutil.rmtree(entry.path, ignore_errors=True)
                elif entry.name.startswith(".trash-") and entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)

    # -- listing
    def list(self, *, as_user: User | None = None) -> list[ScenarioInfo]:
        """The scenarios ``as_user`` may read (all when None)."""
        if not self.root.is_dir():
            return []
        self._recover_if_needed()
        out = []
        for entry in sorted(self.root.iterdir(), key=lambda p: p.name.casefold()):
            if not entry.is_dir() or entry.name.startswith("."):
                continue
            if not (entry / "scenario.json").is_file():
                continue
            info = self.info(entry.name)
            if info.readable_by(as_user):
                out.append(info)
        return out

    def names(self) -> list[str]:
        return [i.name for i in self.list()]

    def exists(self, name: str) -> bool:
        return self._existing(check_name(name)) is not None

    def info(self, name: str) -> ScenarioInfo:
        """What ``scenario.json`` says (``format_version``: as saved, before any upgrade)."""
        folder = self.root / name
        try:
            saved = _read_json(folder / "scenario.json")
            meta = self._check_meta(saved)
        except (ScenarioError, OSError) as exc:
            return ScenarioInfo(name=name, problem=str(exc))
        return ScenarioInfo(
            name=name,
            saved_at=str(meta.get("saved_at", "")),
            format_version=saved.get("format_version"),
            inputs_sha256=str(meta.get("inputs_sha256", "")),
            has_plan=(folder / "plan.json").is_file(),
            scenario_name=str(meta.get("scenario_name", "")),
            note=str(meta.get("note", "")),
            headline=meta.get("headline") if isinstance(meta.get("headline"), dict) else {},
            owner=str(meta.get("owner", "local")),
            shared=bool(meta.get("shared", True)),
        )

    @staticmethod
    def _check_meta(meta: object) -> dict:
        """``scenario.json`` checked and upgraded to the current version (in memory)."""
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ScenarioError("scenario.json is not a forceplan scenario")
        try:  # a missing, newer or unknown format_version is refused there
            return upgrade_payload(meta, current=FORMAT_VERSION, upgraders=SCENARIO_UPGRADERS, what="scenario.json")
        except ValueError as exc:
            raise ScenarioError(str(exc)) from None

    # -- save / load
    def _refuse_change(self, folder: Path, as_user: User | None) -> None:
        info = self.info(folder.name)
        if not info.changeable_by(as_user):
            raise ScenarioError(f"scenario '{folder.name}' is {info.owner}'s: only its owner or an administrator may change it")

    def save(self, name: str, inputs: Inputs, solved: SolvedPlan | None = None, *, overwrite: bool = False, note: str = "",
             as_user: User | None = None, shared: bool = True) -> ScenarioInfo:
        """Save ``inputs`` (and ``solved`` when it is the plan of exactly these inputs), owned by
        ``as_user`` (the local user when None), shared with the cell or private."""
        folder = self._folder(name)
        name = folder.name
        if solved is not None and solved.key != inputs.key:
            solved = None
        if not overwrite and self._existing(name) is not None:
            raise ScenarioError(f"a scenario named '{self._existing(name).name}' exists already")
        if self._existing(name) is not None:
            self._refuse_change(self._existing(name), as_user)
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".tmp-{process_tag()}-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            meta = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "saved_at": _now(),
                "forceplan_version": __version__,
                "inputs_sha256": inputs.key,
                "scenario_name": inputs.scenario.get("name") or "",
                "note": note[:2000],
                "owner": as_user.id if as_user is not None else "local",
                "shared": bool(shared),
                "headline": headline_summary(solved.plan if solved else None),
                "files": ["inputs.json", "workbook.xlsx"] + (["plan.json", "plan.xlsx"] if solved else []),
            }
            write_text_atomic(tmp / "inputs.json", json.dumps(inputs.to_json(), ensure_ascii=False, indent=1) + "\n")
            write_inputs_workbook(inputs, tmp / "workbook.xlsx", readme_rows=[("Saved scenario", name), ("Inputs SHA-256", inputs.key)])
            if solved is not None:
                write_text_atomic(tmp / "plan.json", json.dumps(solved.plan, ensure_ascii=False, indent=2) + "\n")
                if solved.xlsx:
                    write_bytes_atomic(tmp / "plan.xlsx", solved.xlsx)
            write_text_atomic(tmp / "scenario.json", json.dumps(meta, ensure_ascii=False, indent=2) + "\n")  # last: marks it complete
            fsync_dir(tmp)
            with self._locked():
                self._recover()
                existing = self._existing(name)
                trash = None
                if existing is not None and not overwrite:
                    raise ScenarioError(f"a scenario named '{existing.name}' exists already")
                if existing is not None:
                    self._refuse_change(existing, as_user)
                with signals_held():  # Ctrl-C waits for the swap: never a scenario set aside by a live process
                    if existing is not None:
                        replaced = self.root / f".replaced-{uuid.uuid4().hex}-{existing.name}"
                        atomic_rename(existing, replaced)
                        try:
                            atomic_rename(tmp, folder)
                        except BaseException:
                            atomic_rename(replaced, existing)  # the old version back in place
                            raise
                        trash = self.root / f".trash-{uuid.uuid4().hex}"
                        atomic_rename(replaced, trash)  # before the lock goes: .replaced- only ever marks a dead process's swap
                    else:
                        atomic_rename(tmp, folder)
                fsync_dir(self.root)
            if trash is not None:
                shutil.rmtree(trash, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return self.info(name)

    def load(self, name: str, *, as_user: User | None = None) -> LoadedScenario:
        """The scenario ``name``, upgraded in memory if it was saved by an older version;
        nothing in its folder is written.  Another user's private scenario is, to ``as_user``,
        a scenario that does not exist."""
        self._recover_if_needed()
        folder = self._existing(check_name(name))
        if folder is None or not self.info(folder.name).readable_by(as_user):
            raise ScenarioError(f"no scenario named '{name}'")
        try:
            meta = self._check_meta(_read_json(folder / "scenario.json"))
            try:
                inputs, warnings = Inputs.from_json(_read_json(folder / "inputs.json"))
            except ValueError as exc:
                raise ScenarioError(str(exc)) from None
            solved = None
            if (folder / "plan.json").is_file():
                if meta.get("inputs_sha256") == inputs.key:
                    plan = _read_json(folder / "plan.json")
                    if not isinstance(plan, dict):
                        raise ScenarioError("plan.json is not a plan")
                    xlsx = (folder / "plan.xlsx").read_bytes() if (folder / "plan.xlsx").is_file() else None
                    solved = SolvedPlan(inputs.key, plan, xlsx, str(meta.get("saved_at", "")))
                else:
                    warnings.append("the saved plan was made for different inputs and was not loaded; solve again")
        except OSError as exc:
            raise ScenarioError(f"cannot read scenario '{name}': {exc.strerror or exc}") from None
        return LoadedScenario(self.info(folder.name), inputs, solved, tuple(warnings))

    def rename(self, old: str, new: str, *, as_user: User | None = None) -> ScenarioInfo:
        new_folder = self._folder(new)
        with self._locked():
            self._recover()
            src = self._existing(check_name(old))
            if src is None or not self.info(src.name).readable_by(as_user):
                raise ScenarioError(f"no scenario named '{old}'")
            self._refuse_change(src, as_user)
            clash = self._existing(new_folder.name)
            if clash is not None and clash != src:
                raise ScenarioError(f"a scenario named '{clash.name}' exists already")
            atomic_rename(src, new_folder)
            fsync_dir(self.root)
        return self.info(new_folder.name)

    def delete(self, name: str, *, as_user: User | None = None) -> None:
        with self._locked():
            self._recover()
            src = self._existing(check_name(name))
            if src is None or not self.info(src.name).readable_by(as_user):
                raise ScenarioError(f"no scenario named '{name}'")
            self._refuse_change(src, as_user)
            trash = self.root / f".trash-{uuid.uuid4().hex}"
            atomic_rename(src, trash)
            fsync_dir(self.root)
        shutil.rmtree(trash, ignore_errors=True)

    # -- drafts
    def _draft_path(self, token: str) -> Path:
        if check_token(token) is None:
            raise ScenarioError("invalid session token")
        return self.root / ".drafts" / f"{token}.json"

    def save_draft(self, token: str, inputs: Inputs, solved: SolvedPlan | None = None, *, origin: str = "",
                   owner: str = "local") -> None:
        """Keep a session's inputs, and the plan it shows (which may be the plan of
        earlier inputs, shown as stale), under its token, for its ``owner`` (the user's id)."""
        payload = {
            "format": DRAFT_FORMAT,
            "owner": owner,
            "format_version": DRAFT_FORMAT_VERSION,
            "saved_at": _now(),
            "origin": origin,
            "inputs_sha256": inputs.key,
            "inputs": inputs.to_json(),
        }
        if solved is not None:
            payload["plan_inputs_sha256"] = solved.key
            payload["plan"] = solved.plan
            payload["plan_xlsx_b64"] = base64.b64encode(solved.xlsx).decode("ascii") if solved.xlsx else None
        write_text_atomic(self._draft_path(token), json.dumps(payload, ensure_ascii=False, separators=(",", ":")))

    def has_draft(self, token: str) -> bool:
        return self._draft_path(token).is_file()

    def load_draft(self, token: str, *, owner: str = "local") -> tuple[Inputs, SolvedPlan | None, str] | None:
        """The draft of a session: (inputs, plan or None, origin); None if there is none, it is
        unusable or it is not ``owner``'s (a token copied from another user's address opens
        nothing).  The plan's ``key`` says which inputs it is the plan of."""
        path = self._draft_path(token)
        if not path.is_file():
            return None
        try:
            payload = _read_json(path)
            if not isinstance(payload, dict) or payload.get("format") != DRAFT_FORMAT:
                return None
            if not isinstance(payload.get("format_version"), int) or payload["format_version"] > DRAFT_FORMAT_VERSION:
                return None
            if payload.get("owner", "local") != owner:  # drafts from before owners were the local user's
                return None
            inputs, _ = Inputs.from_json(payload.get("inputs"))
        except (ScenarioError, ValueError, OSError):
            return None
        solved = None
        plan = payload.get("plan")
        plan_key = payload.get("plan_inputs_sha256")
        if isinstance(plan, dict) and isinstance(plan_key, str) and re.fullmatch(r"[0-9a-f]{64}", plan_key):
            xlsx = None
            if isinstance(payload.get("plan_xlsx_b64"), str):
                with contextlib.suppress(ValueError):
                    xlsx = base64.b64decode(payload["plan_xlsx_b64"], validate=True)
            solved = SolvedPlan(plan_key, plan, xlsx, str(payload.get("saved_at", "")))
        return inputs, solved, str(payload.get("origin", ""))

    def prune_drafts(self, max_age_days: float = DRAFT_MAX_AGE_DAYS) -> int:
        folder = self.root / ".drafts"
        if not folder.is_dir():
            return 0
        cutoff = time.time() - max_age_days * 86400
        removed = 0
        for path in folder.glob("*.json"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed
