"""My nation in the plan (a nation's liaison): the coalition's figures and its own nation's rows, nothing else.

The plan is cut by :func:`optimizer.workbench.liaison.plan_for` before any of
it reaches the page.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import state
from app_pages.text import md
from optimizer.workbench import liaison

ss = st.session_state
gate = state.gate()
nation = gate.user.nation


@st.fragment(run_every=0.5)
def _wait_for_plan() -> None:
    if state.service().lookup(ss.inputs.key) is not None:
        st.rerun()
    st.info("The plan of the current inputs is being computed…", icon=":material/progress_activity:")


st.header(f"{md(nation)} in the plan")
solved = state.service().lookup(ss.inputs.key)
if solved is None:
    _wait_for_plan()
    st.stop()
view = liaison.plan_for(gate, solved.plan)
totals, own = view.get("totals") or {}, (view.get("nations") or [{}])
mine = own[0] if own else {}
cols = st.columns(4)
cols[0].metric("Coalition personnel planned", f"{totals.get('personnel', 0):,}", border=True)
force = next((t for t in view.get("targets") or [] if t.get("scope") == "force"), {})
cols[1].metric("Force target", f"{force.get('target', 0):,}", border=True)
cols[2].metric(f"{nation}: personnel planned", f"{mine.get('personnel', 0):,}", border=True)
cols[3].metric(f"{nation}: fair share (GDP)", f"{round(mine.get('fair_personnel', 0)):,}", border=True)
st.caption(f"Plan status: {view.get('status')}. Figures are the coalition's totals and {nation}'s own rows only.")
st.subheader(f"{nation}'s units")
alloc = pd.DataFrame(view.get("allocations") or [])
if alloc.empty:
    st.info(f"The plan places no unit of {nation}.")
else:
    st.dataframe(alloc, hide_index=True, width="stretch")
if view.get("leads"):
    st.caption(f"{nation} leads: " + ", ".join(sorted({str(r['sector']) for r in view['leads']})))
st.subheader("The coalition against its targets")
st.dataframe(pd.DataFrame(view.get("targets") or []), hide_index=True, width="stretch")
short = [r for r in view.get("requirements") or [] if r.get("short_units", 0) > 0]
st.subheader("Requirement lines still short")
if short:
    st.dataframe(pd.DataFrame(short), hide_index=True, width="stretch")
else:
    st.success("Every requirement line is filled.")
if view.get("timeline"):
    st.subheader("Over time")
    st.dataframe(pd.DataFrame(view["timeline"]), hide_index=True, width="stretch")
