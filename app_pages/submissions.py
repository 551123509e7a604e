"""Submissions (planners): nations' submitted offers, each with what it changes in the current inputs; accept or reject."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import state
from app_pages.text import md
from optimizer.workbench import liaison
from optimizer.workbench.offers import OfferError, offer_changes

ss = st.session_state


def _on_decide(ident: str, accept: bool) -> None:
    reason = str(ss.get(f"reason_{ident}") or "")
    try:
        sub, new = liaison.decide(state.gate(), state.submissions(), ident, ss.inputs, accept=accept, reason=reason)
    except OfferError as exc:
        state.flash("error", f"Not done: {exc}.")
        return
    if accept:
        state.set_inputs(new, origin=f"{ss.get('origin', '')} + offer of {sub.nation}")
        state.flash("success", f"Accepted the offer of {sub.nation} into the current inputs; press Solve to plan with it.")
    else:
        state.flash("success", f"Rejected the offer of {sub.nation}; its liaison sees the reason.")


st.header("Submissions")
state.show_flash()
pending = liaison.pending(state.gate(), state.submissions())
if not pending:
    st.info("No pending submissions.")
for sub in pending:
    with st.container(border=True, key=f"sub_{sub.id}"):
        st.markdown(f"**{md(sub.nation)}** — by {md(sub.submitted_by)} at {sub.submitted_at}" + (f": _{md(sub.note)}_" if sub.note else ""))
        try:
            diff = offer_changes(ss.inputs, sub.nation, sub.frames())
        except (OfferError, ValueError) as exc:
            diff = [f"cannot be compared with the current inputs: {exc}"]
        st.markdown("\n".join(f"- {md(c)}" for c in diff) if diff else "No change against the current inputs.")
        c1, c2, c3 = st.columns([1, 3, 1], vertical_alignment="bottom")
        c1.button("Accept", type="primary", key=f"accept_{sub.id}", on_click=_on_decide, args=(sub.id, True))
        c2.text_input("Reason (to reject)", key=f"reason_{sub.id}", max_chars=2000)
        c3.button("Reject", key=f"reject_{sub.id}", on_click=_on_decide, args=(sub.id, False), disabled=not ss.get(f"reason_{sub.id}"))
done = liaison.decided(state.gate(), state.submissions())
if done:
    st.subheader("Decided")
    st.dataframe(pd.DataFrame([{"nation": s.nation, "by": s.submitted_by, "submitted": s.submitted_at, "status": s.status,
                                "decided by": s.decided_by, "reason": s.reason} for s in done[:200]]), hide_index=True, width="stretch")
