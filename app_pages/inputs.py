"""Inputs page: every sheet in an editor, the command line's validation beside it,
workbook upload and download.

Editor rows are labelled with their Excel row numbers (the header is row 1),
the same numbers the validation and ``forceplan solve`` report.
"""

from __future__ import annotations

import re

import streamlit as st

from app_pages import files, sidebar, state
from app_pages.text import md
from optimizer.schema import Kind, Sheet
from optimizer.workbench.inputs import TABLES, inputs_from_workbook, normalise_table, workbook_bytes
from optimizer.workbook_writer import describe_column

ss = st.session_state
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_SHOWN = 40
def column_config(spec: Sheet) -> dict:
    inputs = ss.inputs
    cfg: dict = {"_index": st.column_config.NumberColumn("row", help="The Excel row of this line (the header is row 1)", disabled=True)}
    for col in spec.columns:
        help_text = describe_column(col, one_line=True)
        if col.references:
            cfg[col.name] = st.column_config.SelectboxColumn(col.name, options=inputs.names(col.references), required=col.required, help=help_text)
        elif col.kind is Kind.CHOICE:
            cfg[col.name] = st.column_config.SelectboxColumn(col.name, options=list(col.choices), required=col.required, help=help_text)
        elif col.kind is Kind.YESNO:
            cfg[col.name] = st.column_config.CheckboxColumn(col.name, default=bool(col.default), help=help_text)
        elif col.kind is Kind.INT:
            lo = col.minimum
            if lo is not None and col.min_exclusive:
                lo = int(lo) + 1
            cfg[col.name] = st.column_config.NumberColumn(col.name, min_value=lo, max_value=col.maximum, step=1, format="%d",
                                                          required=col.required, help=help_text)
        elif col.kind is Kind.NUMBER:
            cfg[col.name] = st.column_config.NumberColumn(col.name, min_value=col.minimum, max_value=col.maximum,
                                                          required=col.required, help=help_text)
        else:
            cfg[col.name] = st.column_config.TextColumn(col.name, required=col.required, max_chars=200, help=help_text)
    return cfg


def _issue_box(issues, empty: str) -> None:
    if not issues:
        st.success(empty, icon=":material/check_circle:")
        return
    for i in issues[:MAX_SHOWN]:
        where = f"Row {i.row} · " if i.row is not None else ""
        col = f"**{md(i.column)}**: " if i.column else ""
        value = f" (value {md(repr(i.value))})" if i.value is not None else ""
        st.error(f"{where}{col}{md(i.message)}{value}", icon=":material/error:")
    if len(issues) > MAX_SHOWN:
        st.caption(f"… and {len(issues) - MAX_SHOWN} more (see the list above the tabs)")


def _on_upload() -> None:
    key = f"upload_{ss.get('upload_gen', 0)}"
    file = ss.get(key)
    if file is None:
        return
    ss.upload_gen = ss.get("upload_gen", 0) + 1  # a fresh, empty uploader next time
    path = None
    try:
        path = files.save_uploaded(file)
        imported = inputs_from_workbook(path)
    except Exception as exc:  # noqa: BLE001 - a hostile or damaged upload must never break the session
        state.log.exception("upload of %r failed", file.name)
        ss.upload_report = {"name": file.name, "rejected": True, "issues": [f"it could not be read ({type(exc).__name__})"], "warnings": []}
        return
    finally:
        if path is not None:
            path.unlink(missing_ok=True)

    def shown(issue) -> str:
        """The problem in one line, naming the user's file (the reader names its private temporary copy)."""
        text = issue.message if issue.sheet is None and issue.row is None and issue.column is None else str(issue)
        text = text.replace(str(path), file.name)
        if text.startswith(f"{path.name}: "):
            text = text[len(path.name) + 2:]
        return " ".join(text.replace(path.name, file.name).split())

    ss.upload_report = {
        "name": file.name,
        "rejected": imported.rejected,
        "issues": [shown(i) for i in imported.issues],
        "warnings": [str(w).replace(path.name, file.name) for w in imported.warnings],
    }
    if not imported.rejected:
        state.set_inputs(imported.inputs, origin=file.name, action="import workbook", what={"file": file.name})


def _on_reset() -> None:
    imported = state.default_import()
    if imported.rejected:
        state.flash("error", f"{state.default_workbook().name} cannot be opened.")
        return
    state.set_inputs(imported.inputs, origin=state.default_workbook().name, action="reset inputs",
                     what={"file": state.default_workbook().name})
    ss.pop("upload_report", None)
    state.flash("success", f"Back to {state.default_workbook().name}.")


def _download_name() -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(ss.get("origin") or "inputs")).strip("._")
    stem = re.sub(r"\.xlsx$", "", stem, flags=re.I) or "inputs"
    return f"{stem[:60]}-edited.xlsx"


def _toolbar() -> None:
    inputs = ss.inputs
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    with c1:
        st.file_uploader("Upload a workbook (.xlsx, up to 10 MB)", type=["xlsx"], key=f"upload_{ss.get('upload_gen', 0)}",
                         on_change=_on_upload, help="Replaces the current inputs; nothing is saved until you save a scenario.")
    with c2:
        st.download_button("Download edited workbook", data=state.download("download inputs", "edited workbook", lambda: workbook_bytes(inputs),
                                                                                {"inputs": inputs.key[:12]}), file_name=_download_name(), mime=XLSX_MIME,
                           key="dl_inputs", icon=":material/download:", on_click="ignore", width="stretch",
                           help="The current inputs as a new contract workbook (forceplan solve reads it).")
    with c3:
        st.button(f"Back to {state.default_workbook().name}", on_click=_on_reset, key="reset_inputs", width="stretch")
    report = ss.get("upload_report")
    if report:
        if report["rejected"]:
            st.error(f"{md(report['name'])} was not opened: " + md("; ".join(report["issues"])), icon=":material/block:")
        elif report["issues"]:
            with st.expander(f"{md(report['name'])} had {len(report['issues'])} problem(s) as uploaded (its own row numbers); "
                             "cells that could not be shown were left blank"):
                st.text("\n".join(report["issues"]))
        for w in report.get("warnings", []):
            st.caption(md(w))


def _scenario_tab(v) -> None:
    left, right = st.columns([3, 1])
    with left:
        st.markdown("The switches (conditions, targets, shares, weights, time limit) are in the sidebar. The other parameters:")
        a, b = st.columns(2)
        with a:
            sidebar.param_widget("name")
            sidebar.param_widget("classification")
            sidebar.param_widget("mip_gap", step=0.0001, format="%.4f")
        with b:
            for name in ("land_target", "sea_target", "air_target"):
                sidebar.param_widget(name, step=100)
    with right:
        st.markdown("**Problems**")
        _issue_box(v.for_sheet("Scenario"), "No problems in the scenario parameters.")


def _sheet_tab(spec: Sheet) -> None:
    name = spec.name
    gen = ss.get("editor_gen", 0)
    key = f"ed_{name}_{gen}"
    base_key = f"edbase_{name}"
    if key not in ss or ss.get(base_key, (None,))[0] != gen:
        ss[base_key] = (gen, ss.inputs.tables[name])
    base = ss[base_key][1]
    left, right = st.columns([4, 1])
    with left:
        st.caption(spec.help + " Add rows at the bottom; select rows to delete them.")
        edited = st.data_editor(base, key=key, num_rows="dynamic", column_config=column_config(spec), width="stretch",
                                height=min(620, 36 * (len(base) + 2)), hide_index=False, placeholder="—")
    new = normalise_table(spec, edited)
    if list(edited.index) != list(new.index):  # rows were deleted: renumber and restart the editor from the result
        state.change_inputs(ss.inputs.with_table(name, new), what={"sheet": name})
        ss.editor_gen = gen + 1
        st.rerun()
    candidate = ss.inputs.with_table(name, new)
    if candidate.key != ss.inputs.key:
        state.change_inputs(candidate, what={"sheet": name})
    v = state.current_validation()
    with right:
        st.markdown(f"**Problems on {name}**")
        _issue_box(v.for_sheet(name), "No problems on this sheet.")


def render() -> None:
    state.show_flash()
    st.title("Inputs")
    st.caption(f"Editing {md(ss.get('origin', ''))}. Every change is checked with the same rules as `forceplan solve`; "
               "the solve is blocked while any problem remains.")
    _toolbar()
    summary = st.container(key="validation")  # filled last, after this run's edits
    labels = ["Scenario", *(s.name for s in TABLES)]
    tabs = st.tabs(labels, key="input_tab", on_change="rerun")
    if tabs[0].open:
        with tabs[0]:
            _scenario_tab(state.current_validation())
    for tab, spec in zip(tabs[1:], TABLES):
        if tab.open:
            with tab:
                _sheet_tab(spec)
    v = state.current_validation()
    with summary:
        if v.issues:
            counts = {}
            for i in v.issues:
                counts[i.sheet or "workbook"] = counts.get(i.sheet or "workbook", 0) + 1
            st.error(f"{len(v.issues)} problem(s): " + " · ".join(f"{s} {n}" for s, n in counts.items()) + " — the solve is blocked.",
                     icon=":material/block:")
            with st.expander("All problems (sheet, row, column, what is wrong)", expanded=len(v.issues) <= 5):
                st.dataframe(v.table(), hide_index=True, width="stretch")
        else:
            st.success("The inputs are valid.", icon=":material/check_circle:")
        for w in v.warnings:
            st.caption(md(w))


render()
