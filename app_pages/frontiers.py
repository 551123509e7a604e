"""Frontiers: the largest force under each combination of conditions (and the cost–fairness trade-off when available)."""

from __future__ import annotations

import streamlit as st

from app_pages import analysis_ui, text
from optimizer.workbench import analysis_views as av

ss = st.session_state
CONFIG = {"displaylogo": False}


def render() -> None:
    analysis_ui.header("Frontiers", "For each of the 8 combinations of ceasefire, UN mandate and US backstop: the largest force "
                       "the coalition could field under every other constraint, and the plan against the statement of "
                       "requirements. 16 solves on the current inputs.")
    r = analysis_ui.result("frontier")
    if r is None:
        return
    current = ss.inputs.scenario
    periods = len((r.get("conditions") or [{}])[0].get("max_personnel_by_period") or [])
    if periods > 1:
        st.caption(f"Over the {periods} periods of the plan: each combination holds in every period; the largest and the "
                   "planned force are those held once built up (averaged over the periods at the peak force target).")
    table = av.frontier_table(r, current)
    if not table.empty:
        target = int(table["force_target"].iloc[0])
        reach = table[table["largest_force"] >= target]
        if reach.empty:
            st.info(f"No combination of conditions can field the force target of {target:,}.", icon=":material/info:")
        else:
            st.info(f"The force target of {target:,} is within reach under: " + "; ".join(reach["conditions"]) + ".", icon=":material/info:")
    st.plotly_chart(av.frontier_chart(r, current), key="ch_frontier", config=CONFIG)
    styled = table.style.apply(lambda row: ["font-weight: bold; background-color: #E8F0FA" if row["current"] else ""] * len(row), axis=1)
    st.dataframe(styled, hide_index=True, width="stretch", key="tbl_frontier", column_config={
        "conditions": st.column_config.TextColumn("conditions", width="large"),
        "ceasefire": None, "un_mandate": None, "us_backstop": None,
        "largest_force": st.column_config.NumberColumn("largest force", format="localized"),
        "planned": st.column_config.NumberColumn(format="localized"),
        "force_target": st.column_config.NumberColumn("force target", format="localized"),
        "target_met": st.column_config.CheckboxColumn("target met"),
        "shortfall_score": st.column_config.NumberColumn("shortfall score", format="localized"),
        "lines_unfilled": st.column_config.NumberColumn("lines unfilled"),
        "cost_musd": st.column_config.NumberColumn("cost (M USD/yr)", format="%.0f"),
        "current": st.column_config.CheckboxColumn("current switches"),
    })
    if r.get("tradeoff"):
        st.subheader("Cost and fairness")
        st.plotly_chart(av.tradeoff_chart(r), key="ch_tradeoff", config=CONFIG)
        st.dataframe(av.tradeoff_table(r), hide_index=True, width="stretch", key="tbl_tradeoff", column_config={
            "epsilon": st.column_config.NumberColumn("deviation cap ε", format="localized"),
            "cost_musd": st.column_config.NumberColumn("cost (M USD/yr)", format="%.1f"),
            "fairness_deviation": st.column_config.NumberColumn("Σ |personnel − fair share|", format="%.0f"),
            "shortfall_score": st.column_config.NumberColumn("shortfall score", format="localized"),
            "personnel": st.column_config.NumberColumn(format="localized"),
        })
    elif r.get("tradeoff_error"):
        st.caption(f"The cost–fairness trade-off could not be computed: {text.md(r['tradeoff_error'])}")


render()
