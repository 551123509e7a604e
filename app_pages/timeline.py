"""Timeline page: the plan over its periods — when it reaches its targets, strength against the
phased targets by domain, the handovers, and the roster of nations per sector and period."""

from __future__ import annotations

import streamlit as st

from app_pages import state, text
from optimizer.outputs import periods
from optimizer.workbench import charts, views


def render() -> None:
    state.show_flash()
    st.title("Timeline")
    solved, fresh, _ = state.plan_to_show()
    if solved is None:
        st.info("Not solved yet: press **Solve** in the sidebar.")
        return
    plan = solved.plan
    if not periods.over_time(plan):
        st.info("This plan covers one period (one tour). To plan the mission over time, set **Periods** under "
                "**Mission over time** in the sidebar (for example 6 periods of 6 months), then press **Solve**.",
                icon=":material/timeline:")
        return
    if not fresh:
        st.warning("These results are for earlier inputs. Press **Solve** to update.", icon=":material/history:")
    if solved.interim:
        st.info(views.certificate_notice(plan)[1], icon=":material/hourglass_top:")
    with st.container(key="timeline_summary"):
        st.markdown(" ".join(text.md(s) for s in periods.summary_sentences(plan)))
        st.caption(f"Shortfall score over all periods {plan['shortfall_score']:,.0f} · status **{plan.get('status')}** · "
                   "each period is one tour; a unit rests its nation's dwell periods after each tour")
    st.plotly_chart(charts.strength_over_time(plan), key="tl_strength", config={"displaylogo": False})
    table = views.timeline_table(plan)
    st.dataframe(table.drop(columns="period"), hide_index=True, width="stretch",
                 column_config={"label": "period", "force_target": st.column_config.NumberColumn("target", format="localized"),
                                **{c: st.column_config.NumberColumn(format="localized") for c in ("personnel", "short", "land", "sea", "air")},
                                "cost_musd": st.column_config.NumberColumn("cost (M USD/yr)", format="%.1f"),
                                "shortfall_score": st.column_config.NumberColumn("score", format="localized"),
                                "lines_short": "lines short"})
    st.plotly_chart(charts.roster_chart(plan), key="tl_roster", config={"displaylogo": False})
    st.plotly_chart(charts.handovers_chart(plan), key="tl_handovers", config={"displaylogo": False})


render()
