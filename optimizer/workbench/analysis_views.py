"""Tables and plotly figures of the analyses' JSON (explain, stress, frontier); no Streamlit.

Each function takes the dict an analysis writes (``explain.json``,
``stress.json``, ``frontier.json``) and returns a DataFrame or a figure, so
the pages stay thin and the tests can check the figures' data.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from optimizer.workbench.charts import FONT, SHORT, _empty, _layout

LEVER_COLOURS = {"condition": "#4E79A7", "cap": "#F28E2B", "budget": "#B07AA1", "caveat": "#E15759", "risk": "#EDC948",
                 "interop": "#76B7B2", "lead_share": "#59A14F"}
LEVER_KINDS = {"condition": "condition", "cap": "political cap", "budget": "budget", "caveat": "caveats", "risk": "risk limit",
               "interop": "interoperability limit", "lead_share": "lead share"}
SWITCH_WORDS = (("ceasefire_in_place", "ceasefire"), ("un_mandate", "UN mandate"), ("us_backstop", "US backstop"))
MAX_FILLED_SHOWN = 6


def _join(items: list, limit: int = MAX_FILLED_SHOWN) -> str:
    items = [str(i) for i in items]
    return "; ".join(items[:limit]) + (f" … (+{len(items) - limit})" if len(items) > limit else "")


# --------------------------------------------------------------------------- why the gaps


def gap_lines_table(result: dict) -> pd.DataFrame:
    """One row per unfilled line: priority, line, what is missing and why (causes joined)."""
    lines = (result.get("causes") or {}).get("lines") or []
    over_time = any("label" in r for r in lines)  # a plan over several periods: one row per line and period
    rows = [{"priority": int(r["priority"]), "unit_type": r["unit_type"], "sector": r["sector"], **({"period": r.get("label")} if over_time else {}),
             "short_units": int(r["short_units"]), "short_personnel": int(r["short_personnel"]), "causes": len(r["causes"]),
             "why": " · ".join(r["causes"]) or "no pledge could reach this line"}
            for r in lines]
    cols = ["priority", "unit_type", "sector", *(["period"] if over_time else []), "short_units", "short_personnel", "causes", "why"]
    return pd.DataFrame(rows, columns=cols).sort_values(["priority", "short_personnel"], ascending=[True, False], ignore_index=True, kind="stable")


def missed_targets_table(result: dict) -> pd.DataFrame:
    rows = [{"target": t["scope"], "wanted": int(t["target"]), "planned": int(t["planned"]), "short": int(t["short"]),
             "excluded nations (pledged personnel)": _join(t.get("excluded_nations") or [], 8) or "–",
             "nations at their cap": _join(t.get("nations_at_cap") or [], 8) or "–"}
            for t in (result.get("causes") or {}).get("targets") or []]
    return pd.DataFrame(rows, columns=["target", "wanted", "planned", "short", "excluded nations (pledged personnel)", "nations at their cap"])


def levers_table(result: dict) -> pd.DataFrame:
    rows = [{"lever": lv["lever"], "kind": LEVER_KINDS.get(lv.get("kind"), lv.get("kind") or ""), "score_cut": float(lv["score_cut"]),
             "shortfall_score": float(lv["shortfall_score"]), "personnel_gain": int(lv["personnel_gain"]),
             "lines_filled": len(lv.get("lines_filled") or []), "lines_newly_short": len(lv.get("lines_newly_unfilled") or []),
             "fills": _join(lv.get("lines_filled") or []) or "–", "leaves short": _join(lv.get("lines_newly_unfilled") or []) or "–"}
            for lv in result.get("levers") or []]
    cols = ["lever", "kind", "score_cut", "shortfall_score", "personnel_gain", "lines_filled", "lines_newly_short", "fills", "leaves short"]
    return pd.DataFrame(rows, columns=cols)


def levers_chart(result: dict) -> go.Figure:
    """Shortfall-score cut per lever, best at the top, coloured by kind of lever."""
    lv = levers_table(result)
    title = "What each lever would cut from the shortfall score"
    if lv.empty:
        return _empty(title, "No lever to try: nothing is short, or nothing could change it")
    lv = lv.iloc[::-1]  # plotly draws horizontal bars bottom-up
    fig = go.Figure()
    for kind_key, kind in LEVER_KINDS.items():
        part = lv[lv["kind"] == kind]
        if part.empty:
            continue
        fig.add_bar(y=part["lever"], x=part["score_cut"], orientation="h", name=kind, marker_color=LEVER_COLOURS[kind_key],
                    text=[f"−{x:,.0f}" if x else "0" for x in part["score_cut"]], textposition="outside", cliponaxis=False,
                    customdata=part[["personnel_gain", "lines_filled", "shortfall_score"]].to_numpy(),
                    hovertemplate="%{y}<br>score cut %{x:,.0f} (to %{customdata[2]:,.0f})<br>personnel %{customdata[0]:+,}"
                                  "<br>lines filled %{customdata[1]}<extra></extra>")
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(categoryorder="array", categoryarray=list(lv["lever"]), automargin=True)
    fig.update_xaxes(title="shortfall score cut", gridcolor="#eee", separatethousands=True,
                     range=[min(0.0, float(lv["score_cut"].min())) * 1.12, max(1.0, float(lv["score_cut"].max())) * 1.12])
    return _layout(fig, title=title, height=max(300, 80 + 26 * len(lv)))


# --------------------------------------------------------------------------- withdrawal stress


def _backfill_text(rows: list[dict], limit: int = 4) -> str:
    return _join([f"{b['nation']} +{b['units']} {b['unit_type']} @ {b['sector']}" + (f" from period {b['from_period']}" if "from_period" in b else "")
                  for b in rows], limit) or "nobody"


def _periods_text(periods: list[int] | None) -> str | None:
    """'periods 3–6' / 'periods 2, 4' / 'none' for a stress over time; None for one period (no column)."""
    if periods is None:
        return None
    if not periods:
        return "none"
    runs, start = [], periods[0]
    for prev, cur in zip(periods, periods[1:] + [None]):
        if cur != prev + 1 if cur is not None else True:
            runs.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = cur
    return ("period " if len(periods) == 1 else "periods ") + ", ".join(runs)


def n1_table(result: dict) -> pd.DataFrame:
    rows = [{"nation": r["nation"], "shortfall_increase": float(r["shortfall_increase"]), "shortfall_score": float(r["shortfall_score"]),
             "personnel_lost": int(r["personnel_lost"]), "units_withdrawn": int(r["units_withdrawn"]),
             "lines_unfilled": int(r["lines_unfilled"]), "backfilled_by": _backfill_text(r.get("backfilled_by") or []),
             "periods_short": _periods_text(r.get("periods_short"))}
            for r in result.get("n_minus_1") or []]
    cols = ["nation", "shortfall_increase", "shortfall_score", "personnel_lost", "units_withdrawn", "lines_unfilled", "backfilled_by", "periods_short"]
    table = pd.DataFrame(rows, columns=cols).sort_values(["shortfall_increase", "nation"], ascending=[False, True], ignore_index=True)
    return _over_time_only(table)


def _over_time_only(table: pd.DataFrame) -> pd.DataFrame:
    """Without the periods column when the stress planned one period."""
    return table.drop(columns="periods_short") if table["periods_short"].isna().all() else table


def n2_table(result: dict) -> pd.DataFrame:
    rows = [{"nations": " and ".join(r["nations"]), "shortfall_increase": float(r["shortfall_increase"]),
             "shortfall_score": float(r["shortfall_score"]), "personnel_lost": int(r["personnel_lost"]),
             "lines_unfilled": int(r["lines_unfilled"]), "backfilled_by": _backfill_text(r.get("backfilled_by") or []),
             "periods_short": _periods_text(r.get("periods_short"))}
            for r in result.get("n_minus_2") or []]
    return _over_time_only(pd.DataFrame(rows, columns=["nations", "shortfall_increase", "shortfall_score", "personnel_lost", "lines_unfilled",
                                                       "backfilled_by", "periods_short"]))


def n1_chart(result: dict) -> go.Figure:
    t = n1_table(result)
    title = "N-1: shortfall score increase if one nation withdraws"
    if t.empty:
        return _empty(title, "No nation takes part in the plan")
    fig = go.Figure()
    fig.add_bar(x=t["nation"], y=t["shortfall_increase"], marker_color=SHORT, name="shortfall increase",
                text=[f"+{y:,.0f}" for y in t["shortfall_increase"]], textposition="outside", cliponaxis=False,
                customdata=t[["personnel_lost", "units_withdrawn", "backfilled_by"]].to_numpy(),
                hovertemplate="without %{x}: +%{y:,.0f}<br>personnel lost %{customdata[0]:,} (%{customdata[1]} units)"
                              "<br>backfilled by: %{customdata[2]}<extra></extra>")
    fig.update_yaxes(title="shortfall score increase", gridcolor="#eee", separatethousands=True, rangemode="tozero")
    fig.update_xaxes(tickangle=-45)
    return _layout(fig, title=title, height=420, showlegend=False, uniformtext=dict(minsize=10, mode="show"))


def mc_summary(result: dict) -> dict:
    mc = result.get("monte_carlo") or {}
    return {"samples": int(mc.get("samples", 0)), "seed": mc.get("seed"), "distinct_solves": int(mc.get("distinct_solves", 0)),
            "p_target_met": float(mc.get("p_target_met", 0.0)), "mean_shortfall": float(mc.get("mean_shortfall", 0.0)),
            "median_shortfall": float((mc.get("shortfall_quantiles") or {}).get("q50", 0.0)),
            "q95_shortfall": float((mc.get("shortfall_quantiles") or {}).get("q95", 0.0)),
            "median_personnel": float((mc.get("personnel_quantiles") or {}).get("q50", 0.0))}


def quantiles_table(result: dict) -> pd.DataFrame:
    mc = result.get("monte_carlo") or {}
    sq, pq = mc.get("shortfall_quantiles") or {}, mc.get("personnel_quantiles") or {}
    rows = [{"quantile": f"{int(k[1:])} %", "shortfall_score": float(sq[k]), "personnel": float(pq.get(k, float("nan")))} for k in sorted(sq)]
    return pd.DataFrame(rows, columns=["quantile", "shortfall_score", "personnel"])


def mc_chart(result: dict) -> go.Figure:
    """The Monte Carlo shortfall as a box drawn from its quantiles (5–95 % whiskers), with the base plan marked."""
    mc = result.get("monte_carlo") or {}
    q = mc.get("shortfall_quantiles") or {}
    title = f"Monte Carlo: shortfall score over {mc.get('samples', 0)} samples (whiskers 5–95 %)"
    if not q:
        return _empty(title, "No samples")
    fig = go.Figure()
    fig.add_box(name="shortfall score", y=None, x=None, q1=[q["q25"]], median=[q["q50"]], q3=[q["q75"]], lowerfence=[q["q05"]],
                upperfence=[q["q95"]], mean=[mc.get("mean_shortfall", q["q50"])], orientation="h", boxmean=True,
                marker_color="#4E79A7", hoverinfo="x")
    base = (result.get("base") or {}).get("shortfall_score")
    if base is not None:
        fig.add_vline(x=float(base), line_dash="dash", line_color="#333", annotation_text=f"base plan {float(base):,.0f}",
                      annotation_position="top")
    fig.update_xaxes(title="shortfall score", gridcolor="#eee", separatethousands=True)
    fig.update_yaxes(showticklabels=False)
    return _layout(fig, title=title, height=260, showlegend=False)


def least_filled_table(result: dict, limit: int = 15) -> pd.DataFrame:
    """The requirement lines least often filled in the Monte Carlo samples (only those not always filled)."""
    rows = [{"unit_type": r["unit_type"], "sector": r["sector"], "p_filled": float(r["p_filled"])}
            for r in (result.get("monte_carlo") or {}).get("p_line_filled") or [] if float(r["p_filled"]) < 1.0]
    t = pd.DataFrame(rows, columns=["unit_type", "sector", "p_filled"])
    return t.sort_values(["p_filled", "unit_type", "sector"], ignore_index=True).head(limit)


def withdrawal_table(result: dict) -> pd.DataFrame:
    mc = result.get("monte_carlo") or {}
    prob, count = mc.get("withdrawal_probability") or {}, mc.get("withdrawals_per_nation") or {}
    samples = max(1, int(mc.get("samples", 0) or 1))
    rows = [{"nation": n, "probability": float(p), "withdrew_in": int(count.get(n, 0)), "share_of_samples": count.get(n, 0) / samples}
            for n, p in prob.items() if p > 0]
    return pd.DataFrame(rows, columns=["nation", "probability", "withdrew_in", "share_of_samples"]).sort_values(
        ["probability", "nation"], ascending=[False, True], ignore_index=True)


# --------------------------------------------------------------------------- frontiers


def combination_label(row: dict, short: bool = False) -> str:
    if short:
        return " · ".join(("" if row[k] else "no ") + w for k, w in SWITCH_WORDS)
    return ", ".join(f"{w} {'yes' if row[k] else 'no'}" for k, w in SWITCH_WORDS)


def frontier_table(result: dict, current: dict | None = None) -> pd.DataFrame:
    """The 8 combinations of conditions; ``current`` (scenario switches) marks the one in force."""
    rows = []
    for r in result.get("conditions") or []:
        rows.append({
            "conditions": combination_label(r, short=True),
            "ceasefire": bool(r["ceasefire_in_place"]), "un_mandate": bool(r["un_mandate"]), "us_backstop": bool(r["us_backstop"]),
            "largest_force": int(r["max_personnel"]), "planned": int(r["planned_personnel"]), "force_target": int(r["force_target"]),
            "target_met": int(r["planned_personnel"]) >= int(r["force_target"]),
            "shortfall_score": float(r["shortfall_score"]), "lines_unfilled": int(r["lines_unfilled"]),
            "nations": int(r["nations_taking_part"]), "cost_musd": float(r["cost_musd"]),
            "current": current is not None and all(bool(r[k]) == bool(current.get(k)) for k, _ in SWITCH_WORDS),
        })
    cols = ["conditions", "ceasefire", "un_mandate", "us_backstop", "largest_force", "planned", "force_target", "target_met",
            "shortfall_score", "lines_unfilled", "nations", "cost_musd", "current"]
    return pd.DataFrame(rows, columns=cols)


def frontier_chart(result: dict, current: dict | None = None) -> go.Figure:
    t = frontier_table(result, current)
    title = "Largest and planned force under each combination of conditions"
    if t.empty:
        return _empty(title, "No combinations")
    labels = [c.replace(" · ", "<br>") + ("<br><b>(current)</b>" if cur else "") for c, cur in zip(t["conditions"], t["current"])]
    fig = go.Figure()
    fig.add_bar(x=labels, y=t["largest_force"], name="largest force", marker_color="#4E79A7",
                hovertemplate="%{x}<br>largest force %{y:,}<extra></extra>")
    fig.add_bar(x=labels, y=t["planned"], name="planned (against the requirement)", marker_color="#59A14F",
                customdata=t[["shortfall_score", "lines_unfilled"]].to_numpy(),
                hovertemplate="%{x}<br>planned %{y:,}<br>shortfall score %{customdata[0]:,.0f}, %{customdata[1]} lines unfilled<extra></extra>")
    target = int(t["force_target"].iloc[0])
    fig.add_hline(y=target, line_dash="dash", line_color=SHORT, annotation_text=f"force target {target:,}", annotation_position="top left",
                  annotation_font=dict(color=SHORT))
    fig.update_layout(barmode="group", bargap=0.25)
    top = max(float(t["largest_force"].max()), target)
    fig.update_yaxes(title="personnel", gridcolor="#eee", separatethousands=True, range=[0, top * 1.08])
    fig.update_xaxes(tickfont=dict(size=11))
    return _layout(fig, title=title, height=460)


def tradeoff_table(result: dict) -> pd.DataFrame:
    rows = [dict(p) for p in result.get("tradeoff") or [] if isinstance(p, dict)]
    t = pd.DataFrame(rows)
    if t.empty or not {"cost_musd", "fairness_deviation"} <= set(t.columns):
        return pd.DataFrame(columns=["cost_musd", "fairness_deviation"])
    return t.sort_values("cost_musd", ignore_index=True)


def tradeoff_chart(result: dict) -> go.Figure:
    t = tradeoff_table(result)
    title = "Cost–fairness trade-off of the plan"
    if t.empty:
        return _empty(title, "No trade-off points")
    extra = [c for c in ("label", "shortfall_score", "personnel") if c in t.columns]
    hover = "cost %{x:,.0f} M USD<br>deviation from fair share %{y:,.0f}"
    if extra:
        hover += "".join(f"<br>{c.replace('_', ' ')} %{{customdata[{i}]}}" for i, c in enumerate(extra))
    fig = go.Figure()
    fig.add_scatter(x=t["cost_musd"], y=t["fairness_deviation"], mode="lines+markers", marker_color="#4E79A7", name="plans",
                    customdata=t[extra].to_numpy() if extra else None, hovertemplate=hover + "<extra></extra>")
    fig.update_xaxes(title="yearly cost (M USD)", gridcolor="#eee", separatethousands=True)
    fig.update_yaxes(title="Σ |personnel − fair share|", gridcolor="#eee", separatethousands=True)
    return _layout(fig, title=title, height=380, showlegend=False, font=FONT)
