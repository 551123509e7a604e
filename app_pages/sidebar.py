"""The workbench's sidebar: Solve, progress, and the controls of the scenario parameters."""

from __future__ import annotations

import time

import streamlit as st

from app_pages import state, text
from optimizer.schema import Kind
from optimizer.workbench.inputs import LABELS, PARAMETERS


# --------------------------------------------------------------------------- parameter widgets


def _on_param(name: str) -> None:
    value = state.ss.get(f"p_{name}")
    col = PARAMETERS[name]
    if col.kind in (Kind.TEXT, Kind.MONTH) and isinstance(value, str) and not value.strip():
        value = None
    state.change_inputs(state.ss.inputs.with_parameter(name, value))
    state.remember_inputs(state.ss.inputs)


def param_widget(name: str, container=None, **overrides) -> None:
    """The control of one scenario parameter, bound to the session's inputs."""
    where = container or st
    col = PARAMETERS[name]
    key = f"p_{name}"
    if key not in state.ss:  # a widget not drawn on the last run lost its state: take it from the inputs
        state.ss[key] = state.widget_value(name, state.ss.inputs.scenario.get(name))
    label = overrides.pop("label", LABELS.get(name, name))
    common = dict(key=key, on_change=_on_param, args=(name,), help=col.help)
    common.update(overrides)
    if col.kind is Kind.YESNO:
        where.toggle(label, **common)
    elif col.kind in (Kind.TEXT, Kind.MONTH):
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
    value = state.ss.get(key)
    if key not in state.ss or value is None or not lo <= float(value) <= hi:  # out of the slider's range: show a number box
        param_widget(name, step=step, format="%.2f")
        return
    st.slider(LABELS[name], min_value=lo, max_value=hi, step=step, key=key, on_change=_on_param, args=(name,), help=col.help)


# --------------------------------------------------------------------------- sidebar


def render() -> None:
    """The sidebar: Solve, the solve's progress or last status, the scenario switches and parameters."""
    v = state.current_validation()
    with st.sidebar:
        st.markdown("### forceplan what-if workbench")
        with st.container(key="inputs_meta"):
            st.caption(f"Inputs: {text.md(state.ss.get('origin', ''))} · `{state.ss.inputs.key[:12]}`")
        busy = state.ss.get("watch") is not None  # a solve under way (or just finished: the fragment reruns the page)
        st.button("Solve", type="primary", key="solve", on_click=state.on_solve, disabled=not v.ok or busy, width="stretch",
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
        over_time = int(state.ss.inputs.scenario.get("periods") or 1) > 1
        with st.expander("Mission over time", expanded=over_time):
            param_widget("periods")
            param_widget("period_months")
            param_widget("start_month", placeholder="YYYY-MM")
            for name in ("ceasefire_from", "un_mandate_from", "us_backstop_from"):
                param_widget(name, placeholder="every period")
        with st.expander("Stage-2 weights and time limit"):
            for name in ("weight_cost", "weight_fairness", "weight_nations", "weight_churn"):
                param_widget(name, step=0.1, format="%.2f")
            param_widget("time_limit_s", step=5.0, format="%.0f")


def _stage_lines(snap: dict) -> None:
    for stage in snap["stages"]:
        if stage["name"] == "done":
            continue
        mark = ":material/progress_activity:" if stage["running"] else ":material/check:"
        st.markdown(f"{mark} {stage['label']} — {stage['seconds']:.1f} s")


@st.fragment(run_every=state.POLL_S)
def _progress() -> None:
    key = state.ss.get("watch")
    job = state.service().job(key) if key else None
    if job is None:
        return
    snap = job.snapshot()
    if job.finished:
        st.rerun()  # the full run picks the plan up and draws it
    if snap["interim"] and state.ss.get("interim_drawn") != snap["id"]:
        state.ss.interim_drawn = snap["id"]
        st.rerun()  # stage 1 is done: the full run draws its plan, provisional, while stage 2 runs
    limit = snap["time_limit_s"]
    with st.status(f"Solving… {snap['elapsed']:.1f} s (time limit {limit:g} s)", state="running", expanded=True):
        _stage_lines(snap)
        st.progress(min(1.0, snap["elapsed"] / max(limit, 0.1)), text="time limit used")


def _last_status() -> None:
    snap = state.ss.get("last_job")
    if not snap:
        return
    if snap["key"] != state.ss.inputs.key:
        if state.service().lookup(state.ss.inputs.key) is None:
            st.caption("The inputs changed since the last solve.")
        return
    if snap["state"] == "failed":
        with st.status("Solve failed", state="error", expanded=True):
            st.write(snap["error"])
        return
    solved = state.service().lookup(snap["key"])
    label = "Plan from the cache (solved before)" if snap.get("from_cache") else f"Solved in {snap['elapsed']:.1f} s"
    with st.status(label, state="complete", expanded=False):
        _stage_lines(snap)
        if solved is not None:
            timings = (solved.plan.get("solver") or {}).get("timings_s") or {}
            if timings:
                st.caption("engine: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))


def render_readonly() -> None:
    """The sidebar of a user who may not edit (a viewer): the progress of the plan being computed, no controls."""
    with st.sidebar:
        if state.ss.get("watch") is not None:
            _progress()
        else:
            _last_status()


def wait_briefly() -> None:
    """Right after a solve is submitted, wait a little for it before the page is drawn,
    so a quick solve shows its plan in this very run.  Progress shows in the sidebar;
    any click interrupts the wait (Streamlit stops the run at the next element), and
    a longer solve is left to the polling fragment."""
    if not state.ss.pop("just_submitted", False) or not state.ss.get("watch"):
        return
    job = state.service().job(state.ss.watch)
    if job is None:
        return
    slot = st.sidebar.empty()
    deadline = time.monotonic() + state.INLINE_WAIT_S
    while not job.wait(0.05) and job.interim is None and time.monotonic() < deadline:
        snap = job.snapshot()
        with slot.container():
            with st.status(f"Solving… {snap['elapsed']:.1f} s (time limit {snap['time_limit_s']:g} s)", state="running", expanded=True):
                _stage_lines(snap)
    slot.empty()
    state.pick_up_finished()
