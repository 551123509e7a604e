"""My offer (a nation's liaison): its own Nations row, Pledges and Caveats; submit them; follow the submissions.

Everything goes through :mod:`optimizer.workbench.liaison`, which takes the
nation from the signed-in user: the page has no way to name another nation.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import files, state
from app_pages.text import md
from optimizer.schema import Kind
from optimizer.workbench import liaison
from optimizer.workbench.access import AccessDenied
from optimizer.workbench.inputs import TABLES_BY_NAME
from optimizer.workbench.offers import OFFER_SHEETS, OfferError, offer_workbook_bytes, read_offer_workbook

ss = st.session_state
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

gate = state.gate()
nation = gate.user.nation
base = ss.inputs  # the cell's current inputs (the workbook the workbench opens on)


def _config(sheet: str) -> dict:
    """Editor columns: the nation fixed to this one; unit types and sectors from the coalition's lists."""
    spec = TABLES_BY_NAME[sheet]
    cfg: dict = {"_index": None, "nation": st.column_config.TextColumn("nation", disabled=True, default=nation)}
    for col in spec.columns:
        if col.name == "nation":
            continue
        if col.references:
            cfg[col.name] = st.column_config.SelectboxColumn(col.name, options=base.names(col.references), required=col.required, help=col.help)
        elif col.kind is Kind.CHOICE:
            cfg[col.name] = st.column_config.SelectboxColumn(col.name, options=list(col.choices), required=col.required, help=col.help)
        elif col.kind is Kind.YESNO:
            cfg[col.name] = st.column_config.CheckboxColumn(col.name, default=bool(col.default), help=col.help)
        elif col.kind is Kind.INT:
            cfg[col.name] = st.column_config.NumberColumn(col.name, min_value=col.minimum, max_value=col.maximum, step=1, format="%d",
                                                          required=col.required, help=col.help)
        elif col.kind is Kind.NUMBER:
            cfg[col.name] = st.column_config.NumberColumn(col.name, min_value=col.minimum, max_value=col.maximum, help=col.help)
        else:
            cfg[col.name] = st.column_config.TextColumn(col.name, max_chars=200, help=col.help)
    return cfg


def _working() -> dict[str, pd.DataFrame]:
    """The liaison's working copy: its own rows, as last uploaded or as in the inputs."""
    if "offer_tables" not in ss or ss.get("offer_base") != base.key:
        ss.offer_tables = liaison.own_offer(gate, base)
        ss.offer_base = base.key
        ss.offer_gen = ss.get("offer_gen", 0) + 1
    return ss.offer_tables


def _on_upload() -> None:
    file = ss.get(f"offer_upload_{ss.get('offer_gen', 0)}")
    if file is None:
        return
    path = files.save_uploaded(file)
    try:
        ss.offer_tables = read_offer_workbook(path, nation, shown_name=file.name)
        ss.offer_gen = ss.get("offer_gen", 0) + 1
        state.flash("success", f"Read {file.name}: review the changes, then submit.")
    except OfferError as exc:
        state.record("denied", {"permission": "edit own offer", "file": file.name, "reason": str(exc)})
        state.flash("error", f"{file.name} was not taken: {exc}.")
    finally:
        path.unlink(missing_ok=True)


def _on_submit(edited: dict[str, pd.DataFrame]) -> None:
    try:
        sub = liaison.submit(gate, state.submissions(), base, edited, note=str(ss.get("offer_note") or ""))
    except (OfferError, AccessDenied) as exc:
        state.flash("error", f"Not submitted: {exc}.")
        return
    ss.offer_note = ""
    state.flash("success", f"Submitted ({len(sub.changes)} change(s)); a planner will accept or reject it.")


st.header(f"Offer of {md(nation)}")
state.show_flash()
st.caption("What your nation offers the coalition: its row of Nations, its pledges and its caveats. Edit them here or in "
           "the workbook below, then submit: a planner accepts your submission into the plan's inputs or rejects it "
           "with a reason. Nothing of other nations' offers is shown here.")
tables = _working()
gen = ss.get("offer_gen", 0)
edited = {}
for sheet in OFFER_SHEETS:
    st.markdown(f"**{sheet}**")
    frame = st.data_editor(tables[sheet], key=f"offer_{sheet}_{gen}", column_config=_config(sheet), hide_index=True, width="stretch",
                           num_rows="fixed" if sheet == "Nations" else "dynamic")
    frame = frame.copy()
    frame["nation"] = nation  # new rows are this nation's: the column cannot be edited
    edited[sheet] = frame
try:
    changes = liaison.changes(gate, base, edited)
except (OfferError, ValueError) as exc:
    changes, problem = [], str(exc)
else:
    problem = None
c1, c2 = st.columns([3, 2])
with c1:
    if problem:
        st.error(problem, icon=":material/block:")
    elif changes:
        st.markdown("**Changes against the current inputs**")
        st.markdown("\n".join(f"- {md(c)}" for c in changes))
    else:
        st.info("No changes against the current inputs.")
    st.text_input("Note for the planners (optional)", key="offer_note", max_chars=2000)
    st.button("Submit", type="primary", key="offer_submit", on_click=_on_submit, args=(edited,), disabled=bool(problem) or not changes)
with c2:
    st.download_button("Download my offer (.xlsx)", key="offer_download", mime=XLSX_MIME, on_click="ignore",
                       file_name=f"offer-{''.join(ch if ch.isalnum() else '_' for ch in nation)}.xlsx",
                       data=state.download("edit own offer", "own offer workbook", lambda: offer_workbook_bytes(nation, edited),
                                           {"nation": nation}),
                       icon=":material/download:", disabled=bool(problem))
    st.file_uploader("Upload it back (.xlsx)", type=["xlsx"], key=f"offer_upload_{gen}", on_change=_on_upload)
st.subheader("My submissions")
subs = liaison.own_submissions(gate, state.submissions())
if subs:
    st.dataframe(pd.DataFrame([{"submitted": s.submitted_at, "status": s.status, "changes": "; ".join(s.changes),
                                "note": s.note, "decided": s.decided_at or "", "reason": s.reason} for s in subs]),
                 hide_index=True, width="stretch")
else:
    st.info("No submissions yet.")
