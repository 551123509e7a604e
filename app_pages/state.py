"""What the workbench's pages share: one session's state, its drafts, solving.

The sidebar is :mod:`app_pages.sidebar`; text helpers :mod:`app_pages.text`;
downloads and uploads :mod:`app_pages.files`.

Session state (per browser tab, never shared):

- ``inputs``      the current :class:`~optimizer.workbench.inputs.Inputs`;
- ``token``       the session's draft token, kept in the URL (``?s=...``) so a
                  closed tab reopened with its address gets its draft back;
- ``shown_key``   the input hash of the plan on show, ``prev_key`` the one before
                  (for "what changed"); ``watch`` the hash of a solve under way;
- ``p_<name>``    the widget of scenario parameter ``<name>``.

State changes happen in widget callbacks (which run before the script), so
every widget is drawn from the state it changed.  Solves run in the
process-wide :func:`optimizer.workbench.jobs.get_service` workers; plans come
back through its cache, keyed by input hash.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import streamlit as st

from optimizer.schema import Kind
from optimizer.workbench import jobs
from optimizer.workbench.inputs import (
    PARAMETERS,
    Imported,
    Inputs,
    Validation,
    input_changes,
    inputs_from_workbook,
    validate_cached,
)
from optimizer.workbench.access import LOCAL_USER
from optimizer.workbench.audit import AuditTrail
from optimizer.workbench.gate import Gate
from optimizer.workbench.offers import SubmissionStore
from optimizer.workbench.store import ScenarioStore, check_token

log = logging.getLogger("forceplan.app")


def configure_logging() -> None:
    """Failures go to the server log, with a time stamp (once per process; app.py calls it)."""
    if not logging.getLogger("forceplan").handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger("forceplan").addHandler(handler)
        logging.getLogger("forceplan").setLevel(logging.INFO)

ROOT = Path(__file__).resolve().parents[1]


def default_workbook() -> Path:
    """The workbook a new session opens (``FORCEPLAN_WORKBOOK``, else data/contributions.xlsx)."""
    return Path(os.environ.get("FORCEPLAN_WORKBOOK") or ROOT / "data" / "contributions.xlsx")


def models_dir() -> Path:
    """Where scenarios and drafts are kept (``FORCEPLAN_MODELS_DIR``, else models/)."""
    return Path(os.environ.get("FORCEPLAN_MODELS_DIR") or ROOT / "models")


POLL_S = 0.1  # how often a running solve is checked (a fragment rerun; cheap)
INLINE_WAIT_S = 3.0  # right after Solve, the run waits this long for the plan before drawing the page
KEEP_INPUTS = 24  # inputs remembered per session (for "changed since")

ss = st.session_state


# --------------------------------------------------------------------------- process-wide resources


@st.cache_resource(show_spinner=False)
def _store(path: str) -> ScenarioStore:
    s = ScenarioStore(path)
    try:
        s.prune_drafts()
    except OSError:
        log.exception("cannot prune drafts")
    return s


def store() -> ScenarioStore:
    return _store(str(models_dir()))


def audit_dir() -> Path:
    """Where the audit trail is kept (``FORCEPLAN_AUDIT_DIR``, else ``.audit`` in the scenarios folder)."""
    return Path(os.environ.get("FORCEPLAN_AUDIT_DIR") or models_dir() / ".audit")


@st.cache_resource(show_spinner=False)
def _trail(path: str) -> AuditTrail:
    return AuditTrail(path)


def trail() -> AuditTrail:
    return _trail(str(audit_dir()))


def submissions() -> SubmissionStore:
    """Nations' submitted offers (``.submissions`` in the scenarios folder)."""
    return SubmissionStore(models_dir() / ".submissions")


def gate() -> Gate:
    """The session's user (``ss.user``, set by :mod:`app_pages.auth`) bound to the audit trail."""
    return Gate(ss.get("user") or LOCAL_USER, trail())


def service() -> jobs.SolveService:
    return jobs.get_service()


@st.cache_resource(show_spinner=False, max_entries=4)
def _import_default(path: str, mtime: float) -> Imported:
    return inputs_from_workbook(path)


def default_import() -> Imported:
    path = default_workbook()
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _import_default(str(path), mtime)


# --------------------------------------------------------------------------- session


def flash(kind: str, message: str) -> None:
    """A message shown once, at the top of the next page drawn."""
    ss.setdefault("flash", []).append((kind, message))


def show_flash() -> None:
    for kind, message in ss.pop("flash", []):
        getattr(st, kind, st.info)(message)


def remember_inputs(inputs: Inputs) -> None:
    known = ss.setdefault("known_inputs", {})
    known[inputs.key] = inputs
    while len(known) > KEEP_INPUTS:
        known.pop(next(iter(known)))


def widget_value(name: str, value: object) -> object:
    col = PARAMETERS[name]
    if value is None:
        return None if col.kind in (Kind.INT, Kind.NUMBER) else ("" if col.kind in (Kind.TEXT, Kind.MONTH) else False)
    if col.kind is Kind.INT:
        return int(value)
    if col.kind is Kind.NUMBER:
        return float(value)
    if col.kind is Kind.YESNO:
        return bool(value)
    return str(value)


def guard(permission: str, action: str | None = None, what: dict | None = None):
    """Check ``permission`` for the session's user and record ``action`` in the audit trail
    (raises AccessDenied, recorded too, when the role does not allow it)."""
    gate().allow(permission, action, what)


def record(action: str, what: dict | None = None) -> None:
    """Record a done action of the session's user in the audit trail."""
    gate().record(action, what)


def download(permission: str, file: str, produce, what: dict | None = None):
    """A download button's ``data``: built when clicked, after checking ``permission``, and recorded.

    Streamlit runs the callable in a thread of its own, without the session, so the
    session's gate (who is asking) is taken now, while the page is drawn."""
    session_gate = gate()

    def data():
        session_gate.allow(permission)
        out = produce() if callable(produce) else produce
        session_gate.record("download", {"file": file, **(what or {})})
        return out

    return data


def attributed(plan: dict, inputs_key: str, planned_by: str) -> dict:
    """A plan as handed out by the workbench: its source names who planned it (``planned_by``: the
    signed-in user's label) and from which inputs (their SHA-256), for plan.json and the report's first page."""
    return {**plan, "source": {**(plan.get("source") or {}), "planned_by": planned_by, "inputs_sha256": inputs_key}}


def change_inputs(new: Inputs, action: str = "input change", what: dict | None = None) -> None:
    """The session's inputs edited in place (a parameter or a table), checked and recorded."""
    old = ss.inputs
    if new.key != old.key:
        guard("edit inputs", action, {**(what or {}), "changes": input_changes(old, new), "inputs": new.key[:12]})
    ss.inputs = new


def set_inputs(inputs: Inputs, origin: str | None = None, *, action: str | None = None, what: dict | None = None,
               permission: str = "edit inputs") -> None:
    """Replace the session's inputs (from a callback or before any widget is drawn):
    parameter widgets take the new values, table editors start afresh.  With ``action``
    (an import, a reset, a scenario opened) the user's right to it is checked and it is recorded."""
    if action is not None:
        changes = input_changes(ss.inputs, inputs) if "inputs" in ss else []
        guard(permission, action, {**(what or {}), "changes": changes, "inputs": inputs.key[:12]})
    ss.inputs = inputs
    if origin is not None:
        ss.origin = origin
    for name in PARAMETERS:
        ss[f"p_{name}"] = widget_value(name, inputs.scenario.get(name))
    ss.editor_gen = ss.get("editor_gen", 0) + 1
    remember_inputs(inputs)


def init_session() -> None:
    """First run of a session: restore its draft (``?s=`` token) or open the default workbook.
    Every run: keep the token in the URL and pick up a finished solve."""
    if "inputs" not in ss:
        token = check_token(st.query_params.get("s"))
        restored = None
        if token:
            try:
                restored = store().load_draft(token, owner=gate().user.id)
            except Exception:  # noqa: BLE001 - an unreadable draft: start afresh
                log.exception("cannot restore draft")
        ss.editor_gen = 0
        ss.shown_key = ss.prev_key = ss.watch = None
        if restored is not None:
            inputs, solved, origin = restored
            if solved is not None and solved.key == inputs.key:
                service().remember(solved)
            elif solved is not None:  # the plan of earlier inputs, shown as stale: kept to this session
                ss.draft_plan = solved
            set_inputs(inputs, origin or "draft")
            ss.autosaved = None
            ss.restored = True
            flash("info", "Restored this session's unsaved draft.")
        else:
            if token and store().has_draft(token):  # another user's draft (or an unreadable one): never written over
                token = None
            token = token or secrets.token_urlsafe(16)
            imported = default_import()
            if imported.rejected:
                set_inputs(Inputs({"force_target": 0}, {}), "empty inputs")
                flash("error", f"{default_workbook().name} cannot be opened: " + "; ".join(str(i) for i in imported.issues))
            else:
                set_inputs(imported.inputs, default_workbook().name)
                if imported.issues:
                    flash("warning", f"{default_workbook().name} has {len(imported.issues)} problem(s); see Inputs.")
            v = validate_cached(ss.inputs)
            if v.ok:  # open on a plan: solve the default inputs once, in the background
                _submit(ss.inputs, v)
                ss.just_submitted = False  # a first page at once, with the progress in the sidebar
        ss.token = token
    if st.query_params.get("s") != ss.token:
        st.query_params["s"] = ss.token
    pick_up_finished()


def current_validation() -> Validation:
    return validate_cached(ss.inputs)


def _submit(inputs: Inputs, validation: Validation) -> None:
    remember_inputs(inputs)
    service().submit(inputs.key, validation.data)
    ss.watch = inputs.key
    ss.just_submitted = True


def on_solve() -> None:
    """The Solve button."""
    v = current_validation()
    if not v.ok:
        flash("error", f"The inputs have {len(v.issues)} problem(s); fix them on the Inputs page first.")
        return
    guard("solve", "solve", {"inputs": ss.inputs.key[:12], "scenario": str(ss.inputs.scenario.get("name") or "")})
    try:
        _submit(ss.inputs, v)
    except Exception as exc:  # noqa: BLE001
        log.exception("cannot submit a solve")
        flash("error", f"The solve could not be started ({type(exc).__name__}).")


def _adopt(key: str) -> None:
    """Show the plan of ``key`` from now on (the one shown so far becomes 'previous')."""
    if ss.get("shown_key") != key:
        ss.prev_key = ss.get("shown_key")
        ss.shown_key = key


def pick_up_finished() -> None:
    key = ss.get("watch")
    if not key:
        return
    job = service().job(key)
    if job is None:
        ss.watch = None
        return
    if job.finished:
        ss.watch = None
        ss.last_job = job.snapshot()
        if job.result is not None:
            _adopt(key)
        else:
            flash("error", f"The solve failed: {job.error}")


def current_plan() -> tuple[jobs.SolvedPlan | None, bool]:
    """(plan to show, whether it is the plan of the current inputs).

    A cached plan of the current inputs is shown at once (returning to an
    earlier state is instant); otherwise the last plan shown, marked stale."""
    svc = service()
    key = ss.inputs.key
    solved = svc.lookup(key)
    if solved is not None:
        _adopt(key)
        return solved, True
    shown = ss.get("shown_key")
    if shown:
        old = svc.lookup(shown)
        if old is not None:
            return old, False
    draft = ss.get("draft_plan")
    if draft is not None:
        return draft, draft.key == key
    return None, False


def plan_to_show() -> tuple[jobs.SolvedPlan | None, bool, jobs.SolvedPlan | None]:
    """(plan to show, whether it is of the current inputs, the plan it replaces on screen when it is an
    interim one): :func:`current_plan`, or while the current inputs' stage 2 runs their stage-1 plan."""
    solved, fresh = current_plan()
    interim = None if solved is not None and fresh else interim_plan()
    return (interim, True, solved) if interim is not None else (solved, fresh, None)


def interim_plan() -> jobs.SolvedPlan | None:
    """Stage 1's plan of the current inputs while their stage 2 runs (None before stage 1 ends and once the plan is done).

    Only the Plan and Timeline pages show it, marked provisional; it is never cached,
    saved with a scenario or a draft, compared or downloaded."""
    job = service().job(ss.inputs.key)
    return None if job is None or job.finished else job.interim


def previous_plan() -> jobs.SolvedPlan | None:
    key = ss.get("prev_key")
    return service().lookup(key) if key else None


def changes_since(key: str) -> list[str]:
    old = ss.get("known_inputs", {}).get(key)
    return input_changes(old, ss.inputs) if old is not None else []


def solving() -> bool:
    key = ss.get("watch")
    job = service().job(key) if key else None
    return job is not None and not job.finished


def autosave() -> None:
    """Keep the session's draft on disk (after every run that changed it)."""
    inputs = ss.inputs
    solved, _ = current_plan()
    marker = (inputs.key, solved.key if solved is not None else None, ss.get("origin"))
    if ss.get("autosaved") == marker:
        return
    if ss.get("autosaved") is None and not ss.get("restored"):
        default = default_import().inputs
        if default is not None and inputs.key == default.key:  # untouched: nothing worth a draft yet
            return
    try:
        store().save_draft(ss.token, inputs, solved, origin=ss.get("origin", ""), owner=gate().user.id)
        ss.autosaved = marker
    except Exception:  # noqa: BLE001 - never break the page for a draft
        log.exception("autosave failed")
