"""What the workbench's pages share: one session's state, the sidebar, solving.

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
import re
import secrets
import tempfile
import time
from pathlib import Path

import streamlit as st

from optimizer.schema import Kind
from optimizer.workbench import jobs
from optimizer.workbench.inputs import (
    LABELS,
    PARAMETERS,
    Imported,
    Inputs,
    Validation,
    input_changes,
    inputs_from_workbook,
    validate_cached,
)
from optimizer.workbench.store import ScenarioStore, check_token

log = logging.getLogger("forceplan.app")
if not logging.getLogger("forceplan").handlers:  # failures go to the server log, with a time stamp
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("forceplan").addHandler(_handler)
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


def service() -> jobs.SolveService:
    return jobs.get_service()


@st.cache_resource(show_spinner=False, max_entries=4)
def _import_default(path: str, mtime: float) -> Imported:
    return inputs_from_workbook(path)


def default_import() -> Imported:
    path = default_workbook()
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _import_default(str(path), mtime)


def report_writer():
    """A function plan dict -> report.pdf bytes when ``optimizer.report`` exists, else None
    (then the Plan page offers no report download)."""
    try:
        import optimizer.report as report  # type: ignore[import-not-found]
    except Exception:  # noqa: BLE001 - absent or broken: no report download
        return None
    if callable(getattr(report, "report_bytes", None)):
        return report.report_bytes
    write = getattr(report, "write_report", None)
    if not callable(write):
        return None

    def via_file(plan: dict) -> bytes:
        with tempfile.TemporaryDirectory(prefix="forceplan-report-") as tmp:
            path = Path(tmp) / "report.pdf"
            write(plan, path)
            return path.read_bytes()

    return via_file


# --------------------------------------------------------------------------- session


def flash(kind: str, message: str) -> None:
    """A message shown once, at the top of the next page drawn."""
    ss.setdefault("flash", []).append((kind, message))


def show_flash() -> None:
    for kind, message in ss.pop("flash", []):
        getattr(st, kind, st.info)(message)


def _remember_inputs(inputs: Inputs) -> None:
    known = ss.setdefault("known_inputs", {})
    known[inputs.key] = inputs
    while len(known) > KEEP_INPUTS:
        known.pop(next(iter(known)))


def widget_value(name: str, value: object) -> object:
    col = PARAMETERS[name]
    if value is None:
        return None if col.kind in (Kind.INT, Kind.NUMBER) else ("" if col.kind is Kind.TEXT else False)
    if col.kind is Kind.INT:
        return int(value)
    if col.kind is Kind.NUMBER:
        return float(value)
    if col.kind is Kind.YESNO:
        return bool(value)
    return str(value)


def set_inputs(inputs: Inputs, origin: str | None = None) -> None:
    """Replace the session's inputs (from a callback or before any widget is drawn):
    parameter widgets take the new values, table editors start afresh."""
    ss.inputs = inputs
    if origin is not None:
        ss.origin = origin
    for name in PARAMETERS:
        ss[f"p_{name}"] = widget_value(name, inputs.scenario.get(name))
    ss.editor_gen = ss.get("editor_gen", 0) + 1
    _remember_inputs(inputs)


def init_session() -> None:
    """First run of a session: restore its draft (``?s=`` token) or open the default workbook.
    Every run: keep the token in the URL and pick up a finished solve."""
    if "inputs" not in ss:
        token = check_token(st.query_params.get("s"))
        restored = None
        if token:
            try:
                restored = store().load_draft(token)
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
    _pick_up_finished()


def current_validation() -> Validation:
    return validate_cached(ss.inputs)


def _submit(inputs: Inputs, validation: Validation) -> None:
    _remember_inputs(inputs)
    service().submit(inputs.key, validation.data)
    ss.watch = inputs.key
    ss.just_submitted = True


def wait_briefly() -> None:
    """Right after a solve is submitted, wait a little for it before the page is drawn,
    so a quick solve shows its plan in this very run.  Progress shows in the sidebar;
    any click interrupts the wait (Streamlit stops the run at the next element), and
    a longer solve is left to the polling fragment."""
    if not ss.pop("just_submitted", False) or not ss.get("watch"):
        return
    job = service().job(ss.watch)
    if job is None:
        return
    slot = st.sidebar.empty()
    deadline = time.monotonic() + INLINE_WAIT_S
    while not job.wait(0.05) and time.monotonic() < deadline:
        snap = job.snapshot()
        with slot.container():
            with st.status(f"Solving… {snap['elapsed']:.1f} s (time limit {snap['time_limit_s']:g} s)", state="running", expanded=True):
                _stage_lines(snap)
    slot.empty()
    _pick_up_finished()


def on_solve() -> None:
    """The Solve button."""
    v = current_validation()
    if not v.ok:
        flash("error", f"The inputs have {len(v.issues)} problem(s); fix them on the Inputs page first.")
        return
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


def _pick_up_finished() -> None:
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
        store().save_draft(ss.token, inputs, solved, origin=ss.get("origin", ""))
        ss.autosaved = marker
    except Exception:  # noqa: BLE001 - never break the page for a draft
        log.exception("autosave failed")


# --------------------------------------------------------------------------- parameter widgets


def _on_param(name: str) -> None:
    value = ss.get(f"p_{name}")
    col = PARAMETERS[name]
    if col.kind is Kind.TEXT and isinstance(value, str) and not value.strip():
        value = None
    ss.inputs = ss.inputs.with_parameter(name, value)
    _remember_inputs(ss.inputs)


def param_widget(name: str, container=None, **overrides) -> None:
    """The control of one scenario parameter, bound to the session's inputs."""
    where = container or st
    col = PARAMETERS[name]
    key = f"p_{name}"
    if key not in ss:  # a widget not drawn on the last run lost its state: take it from the inputs
        ss[key] = widget_value(name, ss.inputs.scenario.get(name))
    label = overrides.pop("label", LABELS.get(name, name))
    common = dict(key=key, on_change=_on_param, args=(name,), help=col.help)
    common.update(overrides)
    if col.kind is Kind.YESNO:
        where.toggle(label, **common)
    elif col.kind is Kind.TEXT:
        where.text_input(label, **{"max_chars": 200, **common})
    elif col.kind is Kind.INT:
        lo = col.minimum
        if lo is not None and col.min_exclusive:
            lo = int(lo) + 1
        where.number_input(label, **{"min_value": None if lo is None else int(lo),
                                     "max_value": None if col.maximum is None else int(col.maximum),
                                     "step": 1, "format": "%d", **common})
    else:
        where.number_input(label, **{"min_value": None if col.minimum is None else float(col.minimum),
                                     "max_value": None if col.maximum is None else float(col.maximum), **common})


def _slider(name: str, lo: float, hi: float, step: float) -> None:
    key = f"p_{name}"
    col = PARAMETERS[name]
    value = ss.get(key)
    if key not in ss or value is None or not lo <= float(value) <= hi:  # out of the slider's range: show a number box
        param_widget(name, step=step, format="%.2f")
        return
    st.slider(LABELS[name], min_value=lo, max_value=hi, step=step, key=key, on_change=_on_param, args=(name,), help=col.help)


# --------------------------------------------------------------------------- sidebar


def render_sidebar() -> None:
    v = current_validation()
    with st.sidebar:
        st.markdown("### forceplan what-if workbench")
        with st.container(key="inputs_meta"):
            st.caption(f"Inputs: {md(ss.get('origin', ''))} · `{ss.inputs.key[:12]}`")
        busy = ss.get("watch") is not None  # a solve under way (or just finished: the fragment reruns the page)
        st.button("Solve", type="primary", key="solve", on_click=on_solve, disabled=not v.ok or busy, width="stretch",
                  help="Plan the current inputs (cached: an earlier state comes back at once)")
        if not v.ok:
            st.error(f"{len(v.issues)} input problem(s): the solve is blocked. See **Inputs**.", icon=":material/block:")
        if busy:
            _progress()
        else:
            _last_status()
        st.divider()
        st.markdown("**Scenario switches**")
        for name in ("ceasefire_in_place", "un_mandate", "us_backstop"):
            param_widget(name)
        param_widget("force_target", step=500)
        _slider("sustainable_share", 0.01, 0.30, 0.01)
        _slider("lead_share", 0.0, 1.0, 0.05)
        param_widget("max_nations_per_sector", placeholder="no limit")
        with st.expander("Stage-2 weights and time limit"):
            for name in ("weight_cost", "weight_fairness", "weight_nations"):
                param_widget(name, step=0.1, format="%.2f")
            param_widget("time_limit_s", step=5.0, format="%.0f")


def _stage_lines(snap: dict) -> None:
    for stage in snap["stages"]:
        if stage["name"] == "done":
            continue
        mark = ":material/progress_activity:" if stage["running"] else ":material/check:"
        st.markdown(f"{mark} {stage['label']} — {stage['seconds']:.1f} s")


@st.fragment(run_every=POLL_S)
def _progress() -> None:
    key = ss.get("watch")
    job = service().job(key) if key else None
    if job is None:
        return
    snap = job.snapshot()
    if job.finished:
        st.rerun()  # the full run picks the plan up and draws it
    limit = snap["time_limit_s"]
    with st.status(f"Solving… {snap['elapsed']:.1f} s (time limit {limit:g} s)", state="running", expanded=True):
        _stage_lines(snap)
        st.progress(min(1.0, snap["elapsed"] / max(limit, 0.1)), text="time limit used")


def _last_status() -> None:
    snap = ss.get("last_job")
    if not snap:
        return
    if snap["key"] != ss.inputs.key:
        if service().lookup(ss.inputs.key) is None:
            st.caption("The inputs changed since the last solve.")
        return
    if snap["state"] == "failed":
        with st.status("Solve failed", state="error", expanded=True):
            st.write(snap["error"])
        return
    solved = service().lookup(snap["key"])
    label = "Plan from the cache (solved before)" if snap.get("from_cache") else f"Solved in {snap['elapsed']:.1f} s"
    with st.status(label, state="complete", expanded=False):
        _stage_lines(snap)
        if solved is not None:
            timings = (solved.plan.get("solver") or {}).get("timings_s") or {}
            if timings:
                st.caption("engine: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))


# --------------------------------------------------------------------------- small helpers for pages


def save_uploaded(file) -> Path:
    """An uploaded file written to a private temporary path (caller deletes)."""
    fd, name = tempfile.mkstemp(prefix="forceplan-upload-", suffix=".xlsx")
    with os.fdopen(fd, "wb") as fh:
        fh.write(file.getvalue())
    return Path(name)


def fmt_int(x) -> str:
    try:
        return f"{int(round(float(x))):,}"
    except (TypeError, ValueError):
        return "–"



_MD = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md(text: object) -> str:
    """User text made inert in Markdown."""
    return _MD.sub(r"\\\1", str(text))


def plan_xlsx(key: str) -> bytes:
    """plan.xlsx of a plan whose workbook the worker may still be writing (download callback)."""
    solved = service().with_xlsx(key, timeout=60)
    if solved is None or not solved.xlsx:
        raise RuntimeError("plan.xlsx is not available; solve again")
    return solved.xlsx


def fmt_name(plan: dict) -> str:
    return str((plan.get("scenario") or {}).get("name") or "plan")
