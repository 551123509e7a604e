"""Why the gaps: the causes of every unfilled line and missed target, and the levers ranked."""

from __future__ import annotations

import streamlit as st

from app_pages import analysis_ui, text
from optimizer.workbench import analysis_views as av

CONFIG = {"displaylogo": False}


def render() -> None:
    analysis_ui.header("Why the gaps", "What keeps pledges off each unfilled line and short of each target, and every change "
                       "that could remove a cause (a condition switched on, a cap, budget, caveat or risk limit lifted …) "
                       "re-planned and ranked by how much it cuts the shortfall score. One solve per lever, on the current "
                       "inputs and switches.")
    r = analysis_ui.result("explain")
    if r is None:
        return
    lines, targets, levers = av.gap_lines_table(r), av.missed_targets_table(r), av.levers_table(r)
    with st.container(key="explain_metrics"):
        cols = st.columns(4)
        cols[0].metric("Shortfall score", f"{float(r.get('shortfall_score', 0)):,.0f}", border=True)
        cols[1].metric("Personnel planned", f"{int(r.get('personnel', 0)):,}", border=True)
        cols[2].metric("Unfilled lines", f"{len(lines)}", border=True)
        best = levers.iloc[0] if len(levers) else None
        cols[3].metric(f"Best lever: {best['lever']}" if best is not None else "Best lever", f"−{best['score_cut']:,.0f}" if best is not None else "–",
                       border=True, help="The shortfall-score cut of the best lever" if best is not None else "No lever to try")

    st.subheader("Levers, best first")
    st.plotly_chart(av.levers_chart(r), key="ch_levers", config=CONFIG)
    st.dataframe(levers, hide_index=True, width="stretch", key="tbl_levers", column_config={
        "score_cut": st.column_config.NumberColumn("score cut", format="localized"),
        "shortfall_score": st.column_config.NumberColumn("shortfall score after", format="localized"),
        "personnel_gain": st.column_config.NumberColumn("personnel gain", format="%+d"),
        "lines_filled": st.column_config.NumberColumn("lines filled"),
        "lines_newly_short": st.column_config.NumberColumn("lines newly short"),
    })

    st.subheader(f"Unfilled lines ({len(lines)})")
    if lines.empty:
        st.success("Every requirement line is filled.", icon=":material/check_circle:")
    else:
        st.dataframe(lines.drop(columns=["why"]), hide_index=True, width="stretch", key="tbl_gap_lines", column_config={
            "short_units": st.column_config.NumberColumn("short (units)"),
            "short_personnel": st.column_config.NumberColumn("short (personnel)", format="localized"),
            "causes": st.column_config.NumberColumn("pledges held back"),
        })
        ordered = sorted((r.get("causes") or {}).get("lines", []), key=lambda x: (x["priority"], -x["short_personnel"]))
        for line in ordered:
            label = (f"P{line['priority']} {line['unit_type']} @ {line['sector']} — short {line['short_units']} "
                     f"({line['short_personnel']:,} personnel)")
            with st.expander(text.md(label)):
                for c in line["causes"] or ["no pledge could reach this line"]:
                    st.markdown(f"- {text.md(c)}")

    st.subheader("Missed targets")
    if targets.empty:
        st.success("The force and domain targets are met.", icon=":material/check_circle:")
    else:
        st.dataframe(targets, hide_index=True, width="stretch", key="tbl_targets", column_config={
            "wanted": st.column_config.NumberColumn(format="localized"),
            "planned": st.column_config.NumberColumn(format="localized"),
            "short": st.column_config.NumberColumn(format="localized"),
        })


render()
