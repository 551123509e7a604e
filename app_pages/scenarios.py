"""Scenarios page: save the current inputs and plan under a name; list, load, rename, delete."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import files, state
from app_pages.text import md
from optimizer.workbench.store import ScenarioError

ss = st.session_state
PLAN_PAGE = "app_pages/plan.py"


def saved_report(name: str, user) -> bytes:
    """report.pdf of a saved scenario's plan, built when the download is clicked (``user``: who asks;
    checked by :func:`app_pages.state.download`); the report names the scenario's owner as its planner."""
    loaded = state.store().load(name, as_user=user)
    if loaded.solved is None:
        raise ScenarioError(f"scenario '{name}' has no plan to report")
    return files.report_pdf(state.attributed(loaded.solved.plan, loaded.inputs.key, planned_by=loaded.info.owner))


def _on_save() -> None:
    inputs = ss.inputs
    state.guard("save scenarios")
    solved = state.service().with_xlsx(inputs.key, timeout=30)  # its plan.xlsx may be a moment behind
    try:
        info = state.store().save(ss.get("save_name", ""), inputs, solved, overwrite=bool(ss.get("save_overwrite")),
                                  note=str(ss.get("save_note") or ""), as_user=state.gate().user,
                                  shared=bool(ss.get("save_shared", True)))
    except ScenarioError as exc:
        state.flash("error", f"Not saved: {exc}.")
        return
    except OSError as exc:
        state.log.exception("save failed")
        state.flash("error", f"Not saved: the scenarios folder cannot be written ({exc.strerror or type(exc).__name__}).")
        return
    state.record("save scenario", {"scenario": info.name, "inputs": inputs.key[:12], "with plan": solved is not None,
                                   "overwrite": bool(ss.get("save_overwrite")), "shared": info.shared})
    ss.origin = f"scenario '{info.name}'"
    ss.sel_scenario = info.name
    ss.save_overwrite = False
    state.flash("success", f"Saved '{info.name}'" + (" with its plan." if solved else " without a plan (the inputs were not solved yet)."))


def _on_load() -> None:
    name = ss.get("sel_scenario")
    if not name:
        return
    state.guard("open scenarios")
    try:
        loaded = state.store().load(name, as_user=state.gate().user)
    except ScenarioError as exc:
        state.flash("error", f"Cannot load '{name}': {exc}.")
        return
    state.set_inputs(loaded.inputs, origin=f"scenario '{loaded.info.name}'", action="load scenario",
                     what={"scenario": loaded.info.name}, permission="open scenarios")
    if loaded.solved is not None:
        state.service().remember(loaded.solved)
    for w in loaded.warnings:
        state.flash("warning", w)
    state.flash("success", f"Loaded scenario '{loaded.info.name}'" + ("." if loaded.solved else " (saved without a plan: press Solve)."))
    ss.go_to_plan = True


def _on_rename() -> None:
    old, new = ss.get("sel_scenario"), ss.get("rename_to", "")
    state.guard("save scenarios")
    try:
        info = state.store().rename(old, new, as_user=state.gate().user)
    except ScenarioError as exc:
        state.flash("error", f"Not renamed: {exc}.")
        return
    except OSError as exc:
        state.flash("error", f"Not renamed: {exc.strerror or type(exc).__name__}.")
        return
    state.record("rename scenario", {"scenario": old, "to": info.name})
    ss.sel_scenario = info.name
    ss.rename_to = ""
    state.flash("success", f"Renamed '{old}' to '{info.name}'.")


def _on_delete() -> None:
    name = ss.get("sel_scenario")
    state.guard("delete scenarios")
    try:
        state.store().delete(name, as_user=state.gate().user)
    except ScenarioError as exc:
        state.flash("error", f"Not deleted: {exc}.")
        return
    state.record("delete scenario", {"scenario": name})
    ss.pop("sel_scenario", None)
    state.flash("success", f"Deleted '{name}'.")


def _list_table(infos) -> pd.DataFrame:
    rows = []
    for i in infos:
        h = i.headline or {}
        rows.append({
            "name": i.name,
            "saved (UTC)": i.saved_at.replace("T", " ").replace("+00:00", ""),
            "plan": "yes" if i.has_plan else "no",
            "shortfall score": h.get("shortfall_score"),
            "personnel": h.get("personnel"),
            "lines filled": f"{h['lines_filled']} / {h['lines']}" if "lines" in h else None,
            "nations": h.get("nations_taking_part"),
            "cost (M USD)": h.get("cost_musd"),
            "note": i.note,
            "owner": i.owner,
            "shared": "cell" if i.shared else "private",
            "problem": i.problem,
        })
    return pd.DataFrame(rows)


def render() -> None:
    if ss.pop("go_to_plan", False):
        st.switch_page(PLAN_PAGE)
    state.show_flash()
    st.title("Scenarios")
    st.caption(f"Saved in `{state.models_dir().name}/`, one folder per scenario, each owned by who saved it and shared with the planning cell or private. "
               "Your unsaved work is kept as a draft of this browser session (its address).")

    can_change = state.gate().can("save scenarios")  # viewers open scenarios and read their plans, nothing more
    if can_change:
        _save_box()
    _list_and_actions(can_change)


def _save_box() -> None:
    with st.container(border=True, key="save_box"):
        st.markdown("**Save the current inputs, switches and plan**")
        if "save_name" not in ss:
            ss.save_name = str(ss.inputs.scenario.get("name") or "")
        solved = state.service().lookup(ss.inputs.key)
        c1, c2 = st.columns([2, 3])
        c1.text_input("Name", key="save_name", max_chars=64, help="Letters, digits, spaces and _ - . only")
        c2.text_input("Note (optional)", key="save_note", max_chars=2000)
        c3, c4 = st.columns([1, 3], vertical_alignment="center")
        c3.button("Save scenario", type="primary", on_click=_on_save, key="save_btn")
        c4.checkbox("Replace a scenario of the same name", key="save_overwrite")
        if "save_shared" not in ss:
            ss.save_shared = True
        c4.checkbox("Share with the planning cell (else only you and administrators see it)", key="save_shared")
        if solved is None:
            st.caption("The current inputs are not solved: they will be saved without a plan (press **Solve** first to keep the plan).")



def _list_and_actions(can_change: bool) -> None:
    infos = state.store().list(as_user=state.gate().user)  # its own and those shared with the cell
    st.subheader(f"Saved scenarios ({len(infos)})")
    if not infos:
        st.info("No saved scenarios yet.")
        return
    st.dataframe(_list_table(infos), hide_index=True, width="stretch",
                 column_config={"shortfall score": st.column_config.NumberColumn(format="localized"),
                                "personnel": st.column_config.NumberColumn(format="localized"),
                                "cost (M USD)": st.column_config.NumberColumn(format="%.0f")})
    names = [i.name for i in infos]
    if ss.get("sel_scenario") not in names:
        ss.sel_scenario = names[0]
    with st.container(border=True, key="scenario_actions"):
        c1, c2, c3, c4 = st.columns([2, 1, 2, 1], vertical_alignment="bottom")
        c1.selectbox("Scenario", names, key="sel_scenario")
        c2.button("Load", type="primary", on_click=_on_load, key="load_btn", width="stretch",
                  help="Replace the current inputs with this scenario's (and show its plan)")
        if can_change:  # renaming and deleting are the owner's (the store checks that too)
            c3.text_input("New name", key="rename_to", max_chars=64)
            c4.button("Rename", on_click=_on_rename, key="rename_btn", width="stretch")
            with st.popover("Delete…", icon=":material/delete:"):
                st.write(f"Delete '{md(ss.sel_scenario)}' for everyone? This cannot be undone.")
                st.button("Delete", on_click=_on_delete, key="delete_btn", type="primary")
    selected = next((i for i in infos if i.name == ss.sel_scenario), None)
    if selected is not None and selected.has_plan and not selected.problem:
        import functools

        st.download_button(f"report.pdf of '{selected.name}'", data=state.download("download plans", "report.pdf", functools.partial(saved_report, selected.name, state.gate().user),
                                               {"scenario": selected.name}),
                           file_name=f"report-{selected.name}.pdf", mime="application/pdf", key="dl_saved_report",
                           icon=":material/download:", on_click="ignore", help="The PDF allocation report of this saved scenario's plan")


render()
