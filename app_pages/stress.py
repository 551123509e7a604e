"""Withdrawal stress: N-1, N-2 and Monte Carlo withdrawals of the current plan."""

from __future__ import annotations

import streamlit as st

from app_pages import analysis_ui, text
from optimizer.workbench import analyses
from optimizer.workbench import analysis_views as av

ss = st.session_state
CONFIG = {"displaylogo": False}


def _withdrawal_columns() -> dict:
    """The columns the N-1 and N-2 tables share."""
    return {
        "shortfall_increase": st.column_config.NumberColumn("score increase", format="%+.0f"),
        "shortfall_score": st.column_config.NumberColumn("shortfall score", format="localized"),
        "personnel_lost": st.column_config.NumberColumn("personnel lost", format="localized"),
        "lines_unfilled": st.column_config.NumberColumn("lines unfilled"),
        "backfilled_by": st.column_config.TextColumn("backfilled by", width="large"),
        "periods_short": st.column_config.TextColumn("periods short", help="The periods whose shortfall score rises"),
    }


def render() -> None:
    analysis_ui.header("Withdrawal stress", "What if nations walk away? **N-1** re-plans without each nation taking part, "
                       "**N-2** without each pair of the most damaging, and **Monte Carlo** withdraws each eligible nation "
                       "at random with its withdrawal risk (Nations sheet; blank: by status) and re-plans every sample.")
    ss.setdefault("stress_samples", analyses.DEFAULT_PARAMS["stress"]["samples"])
    ss.setdefault("stress_seed", analyses.DEFAULT_PARAMS["stress"]["seed"])
    periods = int(ss.inputs.scenario.get("periods") or 1)
    ss.setdefault("stress_from_period", 1)
    ss.stress_from_period = min(max(int(ss.stress_from_period), 1), periods)  # the inputs may have fewer periods now
    with st.container(key="stress_settings", horizontal=True):
        st.number_input("Monte Carlo samples", min_value=1, max_value=analyses.MAX_SAMPLES, step=50, key="stress_samples", width=200,
                        help="Each sample is one re-plan (identical draws are solved once)")
        st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="stress_seed", width=200,
                        help="The same seed draws the same samples")
        if periods > 1:
            st.number_input("Withdraw from period", min_value=1, max_value=periods, step=1, key="stress_from_period", width=200,
                            help="N-1 and N-2: each nation withdraws from this period on (a change of government mid-mission) "
                                 "and the table says who backfills, from when, and which periods go short")
    params = {"samples": int(ss.stress_samples), "seed": int(ss.stress_seed)}
    if periods > 1:
        params["from_period"] = int(ss.stress_from_period)
    r = analysis_ui.result("stress", params)
    if r is None:
        return
    base, mc = r.get("base") or {}, av.mc_summary(r)
    with st.container(key="stress_metrics"):
        cols = st.columns(4)
        cols[0].metric("Base shortfall score", f"{float(base.get('shortfall_score', 0)):,.0f}", border=True,
                       help=f"{int(base.get('personnel', 0)):,} personnel, {base.get('nations_taking_part', 0)} nations taking part")
        n1 = av.n1_table(r)
        worst = n1.iloc[0] if len(n1) else None
        cols[1].metric("Worst single withdrawal", text.md(worst["nation"]) if worst is not None else "–",
                       f"+{worst['shortfall_increase']:,.0f}" if worst is not None else None, delta_color="inverse", border=True)
        cols[2].metric("P(force target met)", f"{mc['p_target_met']:.0%}", border=True,
                       help=f"Share of the {mc['samples']} Monte Carlo samples that still field the force target")
        cols[3].metric("Median shortfall (Monte Carlo)", f"{mc['median_shortfall']:,.0f}", f"95th percentile {mc['q95_shortfall']:,.0f}",
                       delta_color="off", delta_arrow="off", border=True)

    st.subheader("N-1: one nation withdraws")
    st.plotly_chart(av.n1_chart(r), key="ch_n1", config=CONFIG)
    st.dataframe(n1, hide_index=True, width="stretch", key="tbl_n1", column_config={
        **_withdrawal_columns(), "units_withdrawn": st.column_config.NumberColumn("units withdrawn")})
    n2 = av.n2_table(r)
    st.subheader("N-2: two of the most damaging withdraw")
    if n2.empty:
        st.caption("No pairs (fewer than two nations take part).")
    else:
        st.dataframe(n2, hide_index=True, width="stretch", key="tbl_n2", column_config=_withdrawal_columns())

    st.subheader("Monte Carlo")
    st.caption(f"{mc['samples']} samples, seed {mc['seed']}, {mc['distinct_solves']} distinct solves; mean shortfall score "
               f"{mc['mean_shortfall']:,.0f}. Only quantiles are kept per run, so the spread is drawn from them.")
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(av.mc_chart(r), key="ch_mc", config=CONFIG)
        st.dataframe(av.quantiles_table(r), hide_index=True, width="stretch", key="tbl_quantiles", column_config={
            "shortfall_score": st.column_config.NumberColumn("shortfall score", format="localized"),
            "personnel": st.column_config.NumberColumn(format="%.0f"),
        })
    with right:
        least = av.least_filled_table(r)
        st.markdown("**Lines least likely filled**")
        if least.empty:
            st.caption("Every line is filled in every sample.")
        else:
            st.dataframe(least, hide_index=True, width="stretch", key="tbl_least", column_config={
                "p_filled": st.column_config.ProgressColumn("P(filled)", min_value=0, max_value=1, format="percent"),
            })
    with st.expander("Withdrawal risk by nation"):
        st.dataframe(av.withdrawal_table(r), hide_index=True, width="stretch", key="tbl_withdrawal", column_config={
            "probability": st.column_config.NumberColumn("withdrawal risk", format="%.2f"),
            "withdrew_in": st.column_config.NumberColumn("withdrew in (samples)"),
            "share_of_samples": st.column_config.ProgressColumn("share of samples", min_value=0, max_value=1, format="percent"),
        })


render()
