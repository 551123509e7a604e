"""Plotly figures of a plan and of a comparison (from plan dicts; no Streamlit).

The map is a schematic on plain axes (an equirectangular sketch with two
rough outlines), so it draws without internet: no tile server, no topojson.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from optimizer.outputs.periods import handovers, period_labels, roster
from optimizer.workbench import geo, views

DOMAIN_COLOURS = {"land": "#59A14F", "sea": "#4E79A7", "air": "#F28E2B"}
RISK_COLOURS = {1: "#59A14F", 2: "#F28E2B", 3: "#E15759"}
FILLED, SHORT, NEEDED = "#59A14F", "#E15759", "#D9D9D9"
PALETTE = list(qualitative.Dark24) + list(qualitative.Light24)
FONT = dict(family="DejaVu Sans, Arial, sans-serif", size=12)


def _layout(fig: go.Figure, *, title: str, height: int = 420, **kw) -> go.Figure:
    layout = dict(
        title=dict(text=title, x=0, xanchor="left"),
        height=height,
        margin=dict(l=10, r=10, t=50, b=10),
        font=FONT,
        plot_bgcolor="white",
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
    )
    layout.update(kw)
    fig.update_layout(**layout)
    return fig


def nation_colours(plan: dict) -> dict[str, str]:
    """One colour per nation, stable within a plan (workbook order)."""
    names = [n["nation"] for n in plan.get("nations") or []]
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}


def _empty(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font=dict(size=14, color="#666"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title=title, height=260)


# --------------------------------------------------------------------------- one plan


def personnel_by_nation(plan: dict) -> go.Figure:
    """Personnel per nation taking part, stacked by domain, with each nation's cap."""
    nat = views.nations_table(plan)
    nat = nat[nat["personnel"] > 0].sort_values("personnel", ascending=False)
    title = "Personnel by nation and domain"
    if nat.empty:
        return _empty(title, "No nation takes part in this plan")
    fig = go.Figure()
    for d in ("land", "sea", "air"):
        fig.add_bar(x=nat["nation"], y=nat[d], name=d, marker_color=DOMAIN_COLOURS[d],
                    hovertemplate="%{x}<br>" + d + ": %{y:,}<extra></extra>")
    fig.add_scatter(x=nat["nation"], y=nat["cap_personnel"], mode="markers", name="cap",
                    marker=dict(symbol="line-ew-open", size=18, color="#333333", line=dict(width=2, color="#333333")),
                    hovertemplate="%{x}<br>cap: %{y:,}<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title="personnel", gridcolor="#eee", separatethousands=True)
    fig.update_xaxes(tickangle=-45)
    return _layout(fig, title=title, height=440)


def line_coverage(plan: dict) -> go.Figure:
    """Every requirement line: units needed (grey) and filled (green, red when short)."""
    req = views.requirements_table(plan)
    title = "Coverage of each requirement line (red: short)"
    if req.empty:
        return _empty(title, "No requirement lines")
    req = req.sort_values(["priority", "sector", "unit_type"], kind="stable").reset_index(drop=True)
    labels = [f"P{p} · {u} @ {s}" for p, u, s in zip(req["priority"], req["unit_type"], req["sector"])]
    short = req["short_units"] > 0
    fig = go.Figure()
    fig.add_bar(y=labels, x=req["min_units"], orientation="h", name="needed", marker_color=NEEDED,
                hovertemplate="%{y}<br>needed: %{x}<extra></extra>")
    fig.add_bar(y=labels, x=req["filled_units"], orientation="h", name="filled", width=0.5,
                marker_color=[SHORT if s else FILLED for s in short],
                customdata=req[["short_units"]].to_numpy(),
                hovertemplate="%{y}<br>filled: %{x}<br>short: %{customdata[0]}<extra></extra>")
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=10))
    fig.update_xaxes(title="units", gridcolor="#eee", dtick=1)
    return _layout(fig, title=title, height=max(320, 17 * len(req) + 90), showlegend=True)


def sector_composition(plan: dict) -> go.Figure:
    """Each sector's personnel by nation; the lead nation's segment hatched and named."""
    sec = views.sector_table(plan)
    title = "Sectors: nations and lead (hatched)"
    if sec.empty:
        return _empty(title, "No units placed")
    colours = nation_colours(plan)
    leads = {r["sector"]: r["nation"] for r in plan.get("leads") or []}
    order = list(dict.fromkeys(r["sector"] for r in plan.get("requirements") or []))
    order = [s for s in order if s in set(sec["sector"])]
    ylabel = {s: f"{s} — lead: {leads[s]}" if s in leads else s for s in order}
    fig = go.Figure()
    for nation, rows in sec.groupby("nation", sort=False):
        fig.add_bar(
            y=[ylabel[s] for s in rows["sector"]], x=rows["personnel"], orientation="h", name=nation,
            marker=dict(color=colours.get(nation, "#888"), line=dict(color="white", width=1),
                        pattern=dict(shape=["/" if lead else "" for lead in rows["lead"]], fillmode="overlay",
                                     fgcolor="rgba(0,0,0,0.45)", size=7, solidity=0.25)),
            text=[nation if p >= 250 else "" for p in rows["personnel"]], textposition="inside", insidetextanchor="middle",
            hovertemplate="%{y}<br>" + str(nation) + ": %{x:,} personnel<extra></extra>",
        )
    fig.update_layout(barmode="stack", showlegend=False)
    fig.update_yaxes(categoryorder="array", categoryarray=[ylabel[s] for s in order], autorange="reversed")
    fig.update_xaxes(title="personnel", gridcolor="#eee", separatethousands=True)
    return _layout(fig, title=title, height=max(300, 46 * len(order) + 100))


def fair_share(plan: dict) -> go.Figure:
    """GDP fair share of the force target against planned personnel, per eligible nation."""
    nat = views.nations_table(plan)
    nat = nat[nat["eligible"].astype(bool)].sort_values("fair_personnel", ascending=False)
    title = "Fair share (by GDP) vs planned personnel"
    if nat.empty:
        return _empty(title, "No eligible nation")
    fig = go.Figure()
    fig.add_bar(x=nat["nation"], y=nat["fair_personnel"].round(0), name="fair share", marker_color="#BAB0AC",
                hovertemplate="%{x}<br>fair share: %{y:,.0f}<extra></extra>")
    fig.add_bar(x=nat["nation"], y=nat["personnel"], name="planned", marker_color="#4E79A7",
                hovertemplate="%{x}<br>planned: %{y:,}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="personnel", gridcolor="#eee", separatethousands=True)
    fig.update_xaxes(tickangle=-45)
    return _layout(fig, title=title, height=440)


def _xy(lon: float, lat: float) -> tuple[float, float]:
    return lon * math.cos(math.radians(48.0)), lat


def _outline(points) -> tuple[list[float], list[float]]:
    xs, ys = zip(*(_xy(lon, lat) for lon, lat in points))
    return list(xs), list(ys)


def schematic_map(plan: dict, sector_risk: Mapping[str, int] | None = None) -> go.Figure:
    """Sectors and contributing nations on a schematic map, linked by personnel.

    The theatre (Ukraine, the Black Sea, the staging areas) is drawn roughly to
    scale; sector squares sit at their places, coloured by risk (when
    ``sector_risk`` is given) and sized by personnel, with their lead named.
    Contributing nations are dots in a column on the west edge, north to south
    by capital, sized by personnel, each linked to the sectors it serves (line
    width by personnel).  No tiles, no topojson: it draws offline.
    """
    sector_risk = dict(sector_risk or {})
    alloc = views.allocations_table(plan)
    leads = {r["sector"]: r["nation"] for r in plan.get("leads") or []}
    sectors = list(dict.fromkeys(r["sector"] for r in plan.get("requirements") or []))
    nat = views.nations_table(plan)
    contributing = nat[nat["personnel"] > 0].copy()

    fig = go.Figure()
    for outline, fill, line in ((geo.BLACK_SEA_OUTLINE, "#DCEAF7", "#A9C4E0"), (geo.UKRAINE_OUTLINE, "#F3F0E6", "#9C9480")):
        x, y = _outline(outline)
        fig.add_scatter(x=x, y=y, mode="lines", fill="toself", fillcolor=fill, line=dict(color=line, width=1.2),
                        hoverinfo="skip", showlegend=False)
    for text, (lon, lat) in geo.LABELS:
        px, py = _xy(lon, lat)
        fig.add_annotation(x=px, y=py, text=text, showarrow=False, font=dict(size=11, color="#A39C86"))

    # sectors at their places; unknown ones (or outside the theatre) in a row at the bottom
    place: dict[str, tuple[float, float]] = {}
    spare = 0
    used: dict[tuple[float, float], int] = {}
    for s in sectors:
        p = geo.sector_place(s)
        if p is None or not geo.in_window(p):
            p = (geo.LON_RANGE[0] + 1.5 + 3.2 * spare, geo.LAT_RANGE[0] - 0.9)
            spare += 1
        k = used.get(p, 0)  # two sectors on one place: nudge
        used[p] = k + 1
        place[s] = (p[0] + 0.8 * k, p[1] - 0.45 * k)

    # nations in the west column(s), north to south by capital
    def order(n: str) -> tuple:
        p = geo.nation_place(n)
        return (0, -p[1]) if p else (1, 0)

    names = sorted(contributing["nation"], key=order)
    per_column = 26
    top, bottom = geo.LAT_RANGE[1] - 0.4, geo.LAT_RANGE[0] + 0.2
    nplace: dict[str, tuple[float, float]] = {}
    columns = max(1, math.ceil(len(names) / per_column))
    for i, n in enumerate(names):
        c, r = divmod(i, per_column)
        rows = min(per_column, len(names) - c * per_column)
        lat = top - (top - bottom) * (r / max(1, rows - 1)) if rows > 1 else (top + bottom) / 2
        nplace[n] = (geo.NATION_COLUMN_LON - geo.NATION_COLUMN_STEP * (columns - 1 - c), lat)

    # links nation -> sector, widths in five buckets (one trace each)
    if not alloc.empty:
        links = alloc.groupby(["nation", "sector"], sort=False)["personnel"].sum().reset_index()
        most = max(1, int(links["personnel"].max()))
        buckets: dict[int, tuple[list, list]] = {}
        for n, s, p in links.itertuples(index=False, name=None):
            if n not in nplace or s not in place:
                continue
            b = min(4, int(5 * p / (most + 1)))
            xs, ys = buckets.setdefault(b, ([], []))
            (x0, y0), (x1, y1) = _xy(*nplace[n]), _xy(*place[s])
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        for b, (xs, ys) in sorted(buckets.items()):
            fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(width=0.6 + 1.5 * b, color="rgba(78,121,167,0.30)"),
                            hoverinfo="skip", showlegend=False)

    if names:
        by_name = contributing.set_index("nation")
        xs, ys = zip(*(_xy(*nplace[n]) for n in names))
        most = max(1, int(by_name["personnel"].max()))
        fig.add_scatter(
            x=xs, y=ys, mode="markers+text", name="nations", text=names, textposition="middle left",
            textfont=dict(size=10, color="#333"),
            marker=dict(size=[5 + 15 * math.sqrt(by_name.at[n, "personnel"] / most) for n in names], color="#4E79A7",
                        line=dict(color="white", width=1)),
            customdata=[[int(by_name.at[n, "personnel"]), float(by_name.at[n, "cost_musd"])] for n in names],
            hovertemplate="%{text}<br>%{customdata[0]:,} personnel<br>%{customdata[1]:,.1f} M USD/yr<extra></extra>",
        )

    per_sector = alloc.groupby("sector")["personnel"].sum() if not alloc.empty else pd.Series(dtype=float)
    if sectors:
        most = max(1, int(per_sector.max())) if len(per_sector) else 1
        xs, ys, sizes, colours, texts, hovers = [], [], [], [], [], []
        for s in sectors:
            p = int(per_sector.get(s, 0))
            px, py = _xy(*place[s])
            xs.append(px)
            ys.append(py)
            sizes.append(12 + 26 * math.sqrt(p / most))
            risk = sector_risk.get(s)
            colours.append(RISK_COLOURS.get(risk, "#999999") if p > 0 else "white")
            lead = f"<br>lead: {leads[s]}" if s in leads else ""
            texts.append(f"<b>{s}</b>{lead}" + ("<br><i>empty</i>" if p == 0 else ""))
            hovers.append(f"{s}<br>{p:,} personnel" + (f"<br>risk {risk}" if risk else "") + lead)
        fig.add_scatter(
            x=xs, y=ys, mode="markers+text", name="sectors", text=texts, textposition="bottom center",
            textfont=dict(size=10, color="#222"), hovertext=hovers, hoverinfo="text",
            marker=dict(symbol="square", size=sizes, color=colours, line=dict(color="#333", width=1.5)),
        )

    left = geo.NATION_COLUMN_LON - geo.NATION_COLUMN_STEP * (columns - 1) - 5.5
    x0, _ = _xy(left, 0)
    x1, _ = _xy(geo.LON_RANGE[1], 0)
    fig.update_xaxes(range=[x0, x1], visible=False)
    fig.update_yaxes(range=[geo.LAT_RANGE[0] - (1.6 if spare else 0.2), geo.LAT_RANGE[1]], visible=False, scaleanchor="x", scaleratio=1)
    risk_note = " · sector colour: risk 1 green, 2 orange, 3 red" if sector_risk else ""
    return _layout(fig, title="Schematic map: sectors and contributing nations (not to scale)" + risk_note,
                   height=680, showlegend=False, plot_bgcolor="#FBFBFB", margin=dict(l=10, r=10, t=50, b=10))


# --------------------------------------------------------------------------- comparison


def compare_nations_chart(plans: Mapping[str, dict]) -> go.Figure:
    """Personnel per nation in each scenario (nations whose personnel differ)."""
    table = views.compare_nations(plans)
    names = list(plans)
    title = "Personnel by nation, per scenario"
    changed = views.changed_only(table) if len(names) > 1 else table
    if changed.empty:
        changed = table
        title += " (no nation changes)"
    else:
        title += " (nations that change)"
    if changed.empty:
        return _empty(title, "No nation takes part")
    fig = go.Figure()
    for i, n in enumerate(names):
        fig.add_bar(x=changed.index, y=changed[n], name=n, marker_color=PALETTE[i % len(PALETTE)],
                    hovertemplate="%{x}<br>" + n + ": %{y:,}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="personnel", gridcolor="#eee", separatethousands=True)
    fig.update_xaxes(tickangle=-45)
    return _layout(fig, title=title, height=420)


def compare_lines_chart(plans: Mapping[str, dict]) -> go.Figure:
    """Change in filled units per requirement line against the first scenario."""
    table = views.compare_lines(plans)
    names = list(plans)
    title = f"Filled units per requirement line: change against '{names[0]}'"
    changed = views.changed_only(table)
    if changed.empty:
        return _empty(title, "No requirement line changes")
    labels = [f"P{p} · {u} @ {s}" for p, u, s in zip(changed["priority"], changed["unit_type"], changed["sector"])]
    fig = go.Figure()
    for i, n in enumerate(names[1:], start=1):
        d = changed[f"Δ {n}"]
        fig.add_bar(y=labels, x=d, orientation="h", name=f"Δ {n}", marker_color=PALETTE[i % len(PALETTE)],
                    text=[f"{v:+d}" for v in d], textposition="auto", textangle=0,
                    hovertemplate="%{y}<br>Δ %{x:+d} units<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed", tickfont=dict(size=10))
    reach = max(1, int(changed[[f"Δ {n}" for n in names[1:]]].abs().to_numpy().max()))
    fig.update_xaxes(title="Δ filled units", gridcolor="#eee", zeroline=True, zerolinecolor="#333", dtick=1,
                     range=[-reach - 1.5, reach + 1.5])
    return _layout(fig, title=title, height=max(280, 22 * len(labels) * max(1, len(names) - 1) // 1 + 100))


# --------------------------------------------------------------------------- a plan over time (section 5)


def strength_over_time(plan: dict) -> go.Figure:
    """Personnel of each period stacked by domain, against the phased targets (force and each domain)."""
    title = "Strength over time against the phased targets"
    timeline = plan.get("timeline") or []
    if not timeline:
        return _empty(title, "This plan covers one period")
    x = [r["label"] for r in timeline]
    fig = go.Figure()
    for d in ("land", "sea", "air"):
        fig.add_bar(x=x, y=[r[d] for r in timeline], name=d, marker_color=DOMAIN_COLOURS[d],
                    hovertemplate="%{x}<br>" + d + ": %{y:,}<extra></extra>")
    targets = {(t["scope"], t["period"]): t["target"] for t in plan.get("targets") or []}
    periods = [r["period"] for r in timeline]
    fig.add_scatter(x=x, y=[r["force_target"] for r in timeline], mode="lines+markers", name="force target", line=dict(color="#333", shape="hv"),
                    hovertemplate="%{x}<br>force target: %{y:,}<extra></extra>")
    for d in ("land", "sea", "air"):
        values = [targets.get((d, p), 0) for p in periods]
        if any(values):
            fig.add_scatter(x=x, y=values, mode="lines", name=f"{d} target", line=dict(color=DOMAIN_COLOURS[d], dash="dot", shape="hv"),
                            hovertemplate="%{x}<br>" + d + " target: %{y:,}<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title="personnel", gridcolor="#eee", separatethousands=True)
    fig.update_xaxes(type="category", title="period")
    return _layout(fig, title=title, height=420)


def roster_chart(plan: dict) -> go.Figure:
    """The roster as a grid: one row per sector and nation, one column per period; the units held, L for the lead."""
    title = "Roster: who holds each sector when (L: lead)"
    entries = roster(plan)
    labels = period_labels(plan)
    if not entries or not labels:
        return _empty(title, "No units are placed in any period")
    periods = sorted(labels)
    rows = [f"{e['sector']} · {e['nation']}" for e in entries]
    z = [[e["units"].get(t) for t in periods] for e in entries]
    text = [[(f"{e['units'][t]}{' L' if t in e['leads'] else ''}" if t in e["units"] else "") for t in periods] for e in entries]
    fig = go.Figure(go.Heatmap(
        z=z, x=[labels[t] for t in periods], y=rows, text=text, texttemplate="%{text}", colorscale="Blues", showscale=False,
        xgap=1, ygap=1, hovertemplate="%{y}<br>%{x}: %{text} units<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top")
    # the period labels sit on top, under the title: room for both
    _layout(fig, title=title, height=min(2400, 150 + 22 * len(rows)), margin=dict(l=10, r=10, t=90, b=10))
    fig.update_layout(title=dict(y=1, yref="container", yanchor="top", pad=dict(t=12)))
    return fig


def handovers_chart(plan: dict) -> go.Figure:
    """Units arriving and leaving at each change of period (stage 2's handovers)."""
    title = "Handovers per period"
    rows = handovers(plan)
    if not rows:
        return _empty(title, "This plan covers one period")
    x = [r["label"] for r in rows]
    fig = go.Figure()
    fig.add_bar(x=x, y=[r["arriving"] for r in rows], name="units arriving", marker_color="#4E79A7",
                hovertemplate="%{x}<br>arriving: %{y}<extra></extra>")
    fig.add_bar(x=x, y=[-r["leaving"] for r in rows], name="units leaving", marker_color="#E15759", customdata=[r["leaving"] for r in rows],
                hovertemplate="%{x}<br>leaving: %{customdata}<extra></extra>")
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title="units", gridcolor="#eee", zeroline=True, zerolinecolor="#999")
    fig.update_xaxes(type="category", title="period")
    return _layout(fig, title=title, height=320)
