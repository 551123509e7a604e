"""Plan page: headline figures, charts, the schematic map, tables and downloads."""

from __future__ import annotations

import functools
import json

import streamlit as st

from app_pages import files, state, text
from optimizer.outputs import periods
from optimizer.workbench import charts, views

ss = st.session_state
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _delta(now: float, before: float | None, *, digits: int = 0) -> str | None:
    if before is None:
        return None
    d = now - before
    if abs(d) < 10 ** (-digits) / 2:
        return None
    return f"{d:+,.{digits}f}"


def _headline(plan: dict, prev: dict | None) -> None:
    h = views.headline(plan)
    p = views.headline(prev) if prev else None
    with st.container(key="headline"):
        cols = st.columns(4)
        for col, scope in zip(cols, views.SCOPES):
            short = h.short(scope)
            col.metric(
                f"{scope.capitalize()} personnel · target {h.target[scope]:,}",
                f"{h.planned[scope]:,}",
                _delta(h.planned[scope], p.planned[scope] if p else None),
                help=f"Planned {h.planned[scope]:,} of a target of {h.target[scope]:,}" + (f"; short {short:,}" if short else "; target met"),
                border=True,
            )
        cols = st.columns(4)
        cols[0].metric("Shortfall score", f"{h.shortfall_score:,.0f}", _delta(h.shortfall_score, p.shortfall_score if p else None),
                       delta_color="inverse", border=True, help="Stage 1: priority-weighted personnel missing on requirement lines plus personnel missing against the targets (lower is better).")
        cols[1].metric("Requirement lines filled", f"{h.lines_filled} / {h.lines}", _delta(h.lines_filled, p.lines_filled if p else None), border=True)
        cols[2].metric(f"Nations taking part · {h.nations_eligible} eligible", f"{h.nations_taking_part}",
                       _delta(h.nations_taking_part, p.nations_taking_part if p else None), border=True)
        cols[3].metric("Yearly cost (M USD)", f"{h.cost_musd:,.0f}", _delta(h.cost_musd, p.cost_musd if p else None),
                       delta_color="inverse", border=True)
    by_p = plan.get("shortfall_by_priority") or []
    if by_p:
        st.caption("Short by priority: " + " · ".join(
            f"P{r['priority']}: {r['unfilled_lines']} lines, {r['short_personnel']:,} personnel" for r in by_p))


def _downloads(solved) -> None:
    plan = solved.plan
    by = state.gate().user.label  # now, in the page's run: the downloads run in a thread without the session
    name = text.fmt_name(plan)
    cols = st.columns([1, 1, 1, 3])
    with cols[0]:
        xlsx = solved.xlsx
        if xlsx is None and state.service().job(solved.key) is not None:  # the worker is still writing it
            xlsx = functools.partial(files.plan_xlsx, solved.key)
        if xlsx is not None:
            what = {"inputs": solved.key[:12]}
            st.download_button("plan.xlsx", data=state.download("download plans", "plan.xlsx", xlsx, what), file_name="plan.xlsx", mime=XLSX_MIME, key="dl_xlsx",
                               icon=":material/download:", on_click="ignore", help=f"The plan of '{name}' as a workbook")
    with cols[1]:
        st.download_button("plan.json", data=state.download("download plans", "plan.json",
                                                           lambda: json.dumps(state.attributed(plan, solved.key, by), indent=2, ensure_ascii=False) + "\n",
                                                           {"inputs": solved.key[:12]}), file_name="plan.json",
                           mime="application/json", key="dl_json", icon=":material/download:", on_click="ignore")
    with cols[2]:  # built when clicked (a fraction of a second), not on every run
        st.download_button("report.pdf", data=state.download("download plans", "report.pdf",
                                                             lambda: files.report_pdf(state.attributed(plan, solved.key, by)),
                                                             {"inputs": solved.key[:12]}), file_name="report.pdf", mime="application/pdf",
                           key="dl_pdf", icon=":material/picture_as_pdf:", on_click="ignore")


def _tables_allocations(plan: dict) -> None:
    st.dataframe(views.allocations_table(plan), hide_index=True, width="stretch", height=520,
                 column_config={"cost_musd": st.column_config.NumberColumn("cost (M USD/yr)", format="%.1f"),
                                "personnel": st.column_config.NumberColumn(format="localized")})


def _tables_nations(plan: dict) -> None:
    st.dataframe(
        views.nations_table(plan), hide_index=True, width="stretch", height=560,
        column_config={
            "cap_used": st.column_config.ProgressColumn("cap use", min_value=0, max_value=1, format="percent"),
            "fair_personnel": st.column_config.NumberColumn("fair share", format="%.0f"),
            "fair_gap": st.column_config.NumberColumn("vs fair share", format="%+.0f"),
            "cost_musd": st.column_config.NumberColumn("cost (M USD/yr)", format="%.1f"),
            "budget_musd": st.column_config.NumberColumn("budget (M USD/yr)", format="%.1f"),
            "cap_personnel": st.column_config.NumberColumn("cap", format="localized"),
            "ineligible_reason": st.column_config.TextColumn("not eligible because"),
        },
    )


def _tables_requirements(plan: dict) -> None:
    req = views.requirements_table(plan)
    st.caption(f"{int((req['short_units'] > 0).sum())} of {len(req)} lines short (highlighted).")
    styled = req.style.apply(lambda r: ["background-color: #F8CBAD" if r["short_units"] > 0 else ""] * len(r), axis=1)
    st.dataframe(styled, hide_index=True, width="stretch", height=620)


def _period_picker(plan: dict, prev: dict | None) -> tuple[dict, dict | None]:
    """The period shown (the weakest at first), and both plans as they stand in it."""
    labels = periods.period_labels(plan)
    by_label = {label: p for p, label in labels.items()}
    weakest = labels[periods.weakest_period(plan)]
    chosen = st.select_slider("Period", options=list(by_label), value=ss.get("plan_period") if ss.get("plan_period") in by_label else weakest,
                              key="plan_period", help="The plan covers several periods; the figures below are those of the period chosen. "
                              f"{weakest} is the weakest (least personnel).")
    st.caption(f"Plan over {len(labels)} periods · shortfall score over all of them {plan['shortfall_score']:,.0f} · showing {chosen}"
               + (" (the weakest period)" if chosen == weakest else ""))
    period = by_label[chosen]
    prev_view = periods.period_view(prev, period) if prev and period in periods.period_labels(prev) else None
    return periods.period_view(plan, period), prev_view


def _certificate(plan: dict) -> None:
    """What proves the status, in plain words; an unverified plan is shown as an error, not a quiet caption."""
    kind, notice = views.certificate_notice(plan)
    with st.container(key="plan_certificate"):
        if kind == "error":
            st.error(notice, icon=":material/gpp_bad:")
        elif kind == "warning":
            st.warning(notice, icon=":material/timer:")
        elif kind == "info":
            st.info(notice, icon=":material/hourglass_top:")
        else:
            st.caption(notice)


def render() -> None:
    state.show_flash()
    solved, fresh, on_screen = state.plan_to_show()  # on_screen: what an interim plan's deltas are against
    if solved is None:
        st.title("Plan")
        if state.solving():
            st.info("Solving the current inputs… the progress is in the sidebar.", icon=":material/hourglass_top:")
        elif not state.current_validation().ok:
            st.warning("The inputs have problems; fix them on the **Inputs** page, then press **Solve**.")
        else:
            st.info("Not solved yet: press **Solve** in the sidebar.")
        return
    plan = solved.plan
    sc = plan.get("scenario") or {}
    st.title(f"Plan — {text.md(sc.get('name', ''))}")
    yn = lambda b: "yes" if b else "no"  # noqa: E731
    with st.container(key="plan_meta"):
        st.caption(
            f"Ceasefire {yn(sc.get('ceasefire_in_place'))} · UN mandate {yn(sc.get('un_mandate'))} · US backstop {yn(sc.get('us_backstop'))} · "
            f"status **{plan.get('status')}** · solver {(plan.get('solver') or {}).get('seconds', 0):.2f} s · "
            f"plan of inputs `{solved.key[:12]}`" + ("" if fresh else " (stale)")
        )
    _certificate(plan)
    if not fresh:
        changes = [text.md(c) for c in state.changes_since(solved.key)]
        more = (" Changed since: " + "; ".join(changes[:6]) + (" …" if len(changes) > 6 else "") + ".") if changes else ""
        st.warning(f"These results are for earlier inputs.{more} Press **Solve** to update.", icon=":material/history:")
    prev = on_screen if solved.interim else state.previous_plan()
    prev_plan = prev.plan if prev is not None and prev.key != solved.key else None
    if not solved.interim:
        _downloads(solved)
    if periods.over_time(plan):  # one period at a time; the whole mission is on the Timeline page
        plan, prev_plan = _period_picker(plan, prev_plan)
    _headline(plan, prev_plan)

    tabs = st.tabs(["Charts", "Map", "Allocations", "Nations", "Requirements"], key="plan_tab", on_change="rerun")
    if tabs[0].open:
        with tabs[0]:
            left, right = st.columns(2)
            left.plotly_chart(charts.personnel_by_nation(plan), key="ch_nations", config={"displaylogo": False})
            right.plotly_chart(charts.fair_share(plan), key="ch_fair", config={"displaylogo": False})
            st.plotly_chart(charts.sector_composition(plan), key="ch_sectors", config={"displaylogo": False})
            st.plotly_chart(charts.line_coverage(plan), key="ch_lines", config={"displaylogo": False})
    if tabs[1].open:
        with tabs[1]:
            sectors = ss.inputs.tables["Sectors"]
            risk = {s: int(r) for s, r in zip(sectors["sector"], sectors["risk"]) if isinstance(s, str) and r == r}
            st.plotly_chart(charts.schematic_map(plan, risk), key="ch_map", config={"displaylogo": False, "scrollZoom": True})
    if tabs[2].open:
        with tabs[2]:
            _tables_allocations(plan)
    if tabs[3].open:
        with tabs[3]:
            _tables_nations(plan)
    if tabs[4].open:
        with tabs[4]:
            _tables_requirements(plan)


render()
