"""What the three analysis pages share: the run / cancel controls, live progress,
the cached result of the current inputs (or the last one shown, marked stale) and its download.

Analyses run in :func:`optimizer.workbench.analyses.get_service`'s subprocesses;
the page only reads job snapshots, so it never blocks.  Session state per kind:
``an_watch_<kind>`` the key of a run this session started, ``an_shown_<kind>``
the key of the result shown last.
"""

from __future__ import annotations

import streamlit as st

from app_pages import state, text
from optimizer.workbench import analyses

ss = st.session_state
POLL_S = 0.5


def service() -> analyses.AnalysisService:
    return analyses.get_service()


def _on_run(kind: str, params: dict) -> None:
    v = state.current_validation()
    if not v.ok:
        state.flash("error", f"The inputs have {len(v.issues)} problem(s); fix them on the Inputs page first.")
        return
    state.guard("analyse", "analysis", {"analysis": kind, "inputs": ss.inputs.key[:12], **{k: str(v) for k, v in params.items()}})
    try:
        job = service().submit(kind, ss.inputs, params)
    except Exception as exc:  # noqa: BLE001
        state.log.exception("cannot start the %s analysis", kind)
        state.flash("error", f"The analysis could not be started ({type(exc).__name__}).")
        return
    ss[f"an_watch_{kind}"] = job.key


def _on_cancel(key: str) -> None:
    service().cancel(key)


def _phase_lines(snap: dict) -> None:
    if snap["state"] == "queued":
        st.markdown(f":material/hourglass_top: Waiting for another analysis to finish — {snap['waiting']:.0f} s")
    for p in snap["phases"]:
        mark = ":material/progress_activity:" if p["running"] else ":material/check:"
        count = f" {p['done']}/{p['total']} solves" if p["total"] else ""
        st.markdown(f"{mark} {p['phase'].capitalize()}{count} — {p['seconds']:.1f} s")


@st.fragment(run_every=POLL_S)
def _progress(key: str) -> None:
    job = service().job(key)
    if job is None:
        return
    if job.finished:
        st.rerun()  # the full run draws the result
    snap = job.snapshot()
    title = analyses.TITLES[snap["kind"]]
    with st.status(f"{title}: running… {snap['elapsed']:.0f} s", state="running", expanded=True):
        _phase_lines(snap)
        phases = snap["phases"]
        last = phases[-1] if phases else None
        if last and last["total"]:
            st.progress(min(1.0, last["done"] / last["total"]), text=f"{last['phase']}: {last['done']} of {last['total']} solves")
        else:
            st.progress(0.0, text="starting…")


def header(title: str, caption: str) -> None:
    """An analysis page's top: any flash message, its title and what it computes."""
    state.show_flash()
    st.title(title)
    st.caption(caption)


def result(kind: str, params: dict | None = None) -> dict | None:
    """The panel of ``kind`` (controls, progress), then the result to show, or None."""
    solved, _ = panel(kind, params)
    return None if solved is None else solved.result


def panel(kind: str, params: dict | None = None, *, run_help: str = "") -> tuple[analyses.AnalysisResult | None, bool]:
    """Draw the controls and progress of ``kind`` on the current inputs; return (result to show, fresh)."""
    svc = service()
    params = analyses.clean_params(kind, params)
    v = state.current_validation()
    key = analyses.analysis_key(kind, ss.inputs.key, params)
    cached = svc.lookup(key)
    job = svc.job(key)
    running = job is not None and not job.finished
    with st.container(key=f"an_controls_{kind}", horizontal=True, vertical_alignment="center"):
        st.button("Run" if cached is None else "Up to date", type="primary", key=f"an_run_{kind}",
                  icon=":material/play_arrow:" if cached is None else ":material/check:",
                  on_click=_on_run, args=(kind, params), disabled=not v.ok or running or cached is not None,
                  help=run_help or "Run this analysis on the current inputs and switches (cached by their content)")
        if running:
            st.button("Cancel", key=f"an_cancel_{kind}", icon=":material/stop:", on_click=_on_cancel, args=(key,))
        if cached is not None:
            st.download_button(analyses.FILENAMES[kind], data=state.download("download plans", analyses.FILENAMES[kind], cached.json_text,
                                                                           {"inputs": cached.inputs_key[:12]}), file_name=analyses.FILENAMES[kind],
                               mime="application/json", key=f"an_dl_{kind}", icon=":material/download:", on_click="ignore",
                               help="The result as the command line writes it (the report reads it from a plan's folder)")
            st.caption(f"Computed in {cached.seconds:.0f} s for inputs `{cached.inputs_key[:12]}`; cached — back here it is instant.")
    if not v.ok:
        st.error(f"{len(v.issues)} input problem(s): the analysis is blocked. See **Inputs**.", icon=":material/block:")
    if running:
        _progress(key)
    elif job is not None and ss.get(f"an_watch_{kind}") == key and job.state in ("failed", "cancelled"):
        if job.state == "failed":
            st.error(f"The analysis failed: {text.md(job.error)}", icon=":material/error:")
        else:
            st.info("The analysis was cancelled.", icon=":material/stop_circle:")
    if cached is not None:
        ss[f"an_shown_{kind}"] = key
        return cached, True
    shown = ss.get(f"an_shown_{kind}")
    old = svc.lookup(shown) if shown else None
    if old is not None:
        changes = [text.md(c) for c in state.changes_since(old.inputs_key)] if old.inputs_key != ss.inputs.key else []
        more = (" Changed since: " + "; ".join(changes[:6]) + (" …" if len(changes) > 6 else "") + ".") if changes else ""
        if old.inputs_key == ss.inputs.key:
            more = " It was run with other settings."
        st.warning(f"These results are for earlier inputs.{more} Press **Run** to update.", icon=":material/history:")
        return old, False
    if not running and v.ok:
        st.info("Not run yet on these inputs: press **Run**.", icon=":material/play_circle:")
    return None, False
