"""Audit page (administrators): the trail of who changed, solved, saved, loaded, deleted or downloaded what."""

from __future__ import annotations

import streamlit as st

from app_pages import state
from optimizer.workbench.audit import ACTIONS

state.guard("read audit")  # the page is listed for administrators only; the check is here all the same
trail = state.trail()
st.header("Audit trail")
problems = trail.verify()
records = trail.records()
if problems:
    st.error(f"The audit trail has been tampered with or damaged ({len(problems)} problem(s)):\n\n"
             + "\n".join(f"- {p}" for p in problems), icon=":material/gpp_bad:")
else:
    st.success(f"{len(records):,} record(s), each chained to the one before: none removed or altered.",
               icon=":material/verified_user:")
users = sorted({str(r.get("user")) for r in records})
c1, c2, c3 = st.columns(3)
who = c1.selectbox("User", ["(all)", *users], key="audit_user")
action = c2.selectbox("Action", ["(all)", *ACTIONS], key="audit_action")
text = c3.text_input("Containing", key="audit_text", max_chars=100)
frame = trail.frame(user=None if who == "(all)" else who, action=None if action == "(all)" else action, text=text or None)
st.dataframe(frame, hide_index=True, width="stretch", height=560)
st.caption(f"Kept in {trail.path}; newest first. A record cut off the end is detected through audit.head beside it.")
