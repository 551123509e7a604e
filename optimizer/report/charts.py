"""The report's charts, drawn as vector graphics with ``reportlab.graphics``.

Drawing directly (rather than through matplotlib and an SVG converter) keeps
the charts vector, deterministic byte for byte, fast, and in the same
embedded font as the text.  Long charts come back as several drawings of at
most :data:`ROWS_PER_DRAWING` rows, so each fits a page and the document can
break between them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors

from optimizer.report.style import (
    AIR, DOMAIN_COLOURS, FONT, FONT_BOLD, GREY, LAND, LIGHT_GREY, NAVY, SEA, SHORT_TEXT, clean, fit, width as text_width,
)

ROWS_PER_DRAWING = 48
ROW_H = 11.0
BAR_H = 7.0
AXIS_H = 16.0
LEGEND_H = 16.0


@dataclass
class Row:
    label: str
    segments: list = field(default_factory=list)  # (value, colour), stacked left to right
    background: float | None = None  # a light bar behind (e.g. the nation's cap)
    marks: list = field(default_factory=list)  # (value, colour): a short vertical tick
    right: str = ""  # text right of the plot
    bold: bool = False


def nice_max(value: float) -> float:
    """A round axis maximum at or above ``value``."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * exp >= value:
            return m * exp
    return 10 * exp


def _ticks(vmax: float) -> list[float]:
    raw = vmax / 5
    exp = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * exp for m in (1, 2, 2.5, 5, 10) if m * exp >= raw)
    n = int(vmax / step + 1e-9)
    return [i * step for i in range(n + 1)]


def _fmt_tick(v: float) -> str:
    if v >= 10_000 and v % 1000 == 0:
        return f"{v / 1000:,.0f}k"
    if v == int(v):
        return f"{int(v):,}"
    return f"{v:,.1f}"


def legend(items: list[tuple[str, object, str]], width: float) -> Drawing:
    """A one-line legend: (label, colour, 'box' | 'tick' | 'ghost')."""
    d = Drawing(width, LEGEND_H)
    x = 0.0
    for label, colour, kind in items:
        if kind == "tick":
            d.add(Line(x + 4, 3, x + 4, 13, strokeColor=colour, strokeWidth=1.6))
        elif kind == "ghost":
            d.add(Rect(x, 4, 9, 8, fillColor=LIGHT_GREY, strokeColor=None))
        else:
            d.add(Rect(x, 4, 9, 8, fillColor=colour, strokeColor=None))
        d.add(String(x + 13, 5, clean(label), fontName=FONT, fontSize=7.5, fillColor=colors.black))
        x += 13 + text_width(clean(label), FONT, 7.5) + 16
    return d


def bar_rows(rows: list[Row], width: float, *, vmax: float | None = None, unit: str = "", label_width: float | None = None,
             right_width: float = 70.0) -> list[Drawing]:
    """Horizontal bars, one row each, split into drawings of at most ROWS_PER_DRAWING rows.

    All the drawings share one scale, so bars compare across them.
    """
    if not rows:
        return []
    top = max([sum(v for v, _ in r.segments) for r in rows] + [r.background or 0 for r in rows] + [v for r in rows for v, _ in r.marks] + [0])
    vmax = nice_max(vmax if vmax is not None else top)
    if label_width is None:
        label_width = min(130.0, max(text_width(clean(r.label), FONT_BOLD if r.bold else FONT, 7.5) for r in rows) + 6)
    plot_w = width - label_width - right_width
    scale = plot_w / vmax
    drawings = []
    for start in range(0, len(rows), ROWS_PER_DRAWING):
        chunk = rows[start:start + ROWS_PER_DRAWING]
        h = len(chunk) * ROW_H + AXIS_H + 2
        d = Drawing(width, h)
        x0 = label_width
        y_top = h - 1
        for t in _ticks(vmax):
            x = x0 + t * scale
            d.add(Line(x, AXIS_H - 2, x, y_top, strokeColor=LIGHT_GREY, strokeWidth=0.4))
            d.add(String(x, AXIS_H - 10, _fmt_tick(t), fontName=FONT, fontSize=6.5, fillColor=GREY, textAnchor="middle"))
        if unit:
            d.add(String(x0 + plot_w, 0.5, clean(unit), fontName=FONT, fontSize=6.5, fillColor=GREY, textAnchor="end"))
        d.add(Line(x0, AXIS_H - 2, x0 + plot_w, AXIS_H - 2, strokeColor=GREY, strokeWidth=0.5))
        for i, r in enumerate(chunk):
            yc = y_top - (i + 0.5) * ROW_H
            font = FONT_BOLD if r.bold else FONT
            d.add(String(x0 - 4, yc - 2.6, fit(r.label, label_width - 6, font, 7.5), fontName=font, fontSize=7.5, textAnchor="end"))
            if r.background:
                d.add(Rect(x0, yc - BAR_H / 2 - 1, r.background * scale, BAR_H + 2, fillColor=LIGHT_GREY, strokeColor=None))
            x = x0
            for value, colour in r.segments:
                if value > 0:
                    d.add(Rect(x, yc - BAR_H / 2, value * scale, BAR_H, fillColor=colour, strokeColor=None))
                    x += value * scale
            for value, colour in r.marks:
                mx = x0 + value * scale
                d.add(Line(mx, yc - BAR_H / 2 - 2, mx, yc + BAR_H / 2 + 2, strokeColor=colour, strokeWidth=1.6))
            if r.right:
                d.add(String(x0 + plot_w + 6, yc - 2.6, clean(r.right), fontName=font, fontSize=7.5))
        drawings.append(d)
    return drawings


# ---- the report's charts ----------------------------------------------------


def coverage_chart(targets: list[dict], width: float) -> Drawing:
    """Planned personnel against each target: force, land, sea, air."""
    rows = []
    for t in targets:
        label = "Whole force" if t["scope"] == "force" else t["scope"].capitalize()
        colour = DOMAIN_COLOURS.get(t["scope"], NAVY)
        if t["target"] > 0:
            share = t["planned"] / t["target"]
            right = f"{share * 100:.0f} % of {t['target']:,}"
        else:
            right = "no target"
        rows.append(Row(label, [(t["planned"], colour)], background=t["target"] or None,
                        marks=[(t["target"], SHORT_TEXT if t["short"] else NAVY)] if t["target"] else [], right=right, bold=t["scope"] == "force"))
    d = bar_rows(rows, width, unit="personnel", right_width=90)[0]
    return d


def nation_domain_chart(nations: list[dict], width: float) -> list[Drawing]:
    """Personnel of each nation taking part, stacked by domain, largest first."""
    rows = [Row(n["nation"], [(n["land"], LAND), (n["sea"], SEA), (n["air"], AIR)], right=f"{n['personnel']:,}") for n in nations]
    return bar_rows(rows, width, unit="personnel", right_width=45)


def burden_chart(nations: list[dict], width: float) -> list[Drawing]:
    """Personnel against the GDP fair share, over the nation's cap."""
    rows = []
    for n in nations:
        rows.append(Row(n["nation"], [(n["personnel"], NAVY)], background=n["cap_personnel"] or None,
                        marks=[(n["fair_personnel"], SHORT_TEXT)], right=f"{n['personnel']:,} / {round(n['fair_personnel']):,}"))
    return bar_rows(rows, width, unit="personnel", right_width=70)


def cost_chart(nations: list[dict], width: float) -> list[Drawing]:
    """Yearly cost of each nation's contribution, with its budget where given."""
    rows = []
    for n in nations:
        budget = n.get("budget_musd")
        marks = [(budget, SHORT_TEXT)] if isinstance(budget, (int, float)) and budget > 0 else []
        rows.append(Row(n["nation"], [(n["cost_musd"], BLUE_COST)], marks=marks, right=f"{n['cost_musd']:,.0f}"))
    return bar_rows(rows, width, unit="M USD a year", right_width=45)


BLUE_COST = colors.HexColor("#5B9BD5")


# ---- the analyses' charts ----------------------------------------------------

STRESS_RED = colors.HexColor("#C0504D")
PLAN_POINT = SHORT_TEXT


def withdrawal_chart(rows: list[dict], width: float) -> list[Drawing]:
    """N-1: how much the shortfall score rises when each nation withdraws, most damaging first."""
    bars = [Row(r["nation"], [(max(0.0, r["shortfall_increase"]), STRESS_RED)], right=f"+{r['shortfall_increase']:,.0f}" if r["shortfall_increase"] >= 0
                else f"\u2212{-r['shortfall_increase']:,.0f}") for r in rows]
    return bar_rows(bars, width, unit="increase of the shortfall score", right_width=55)


def frontier_chart(rows: list[dict], width: float) -> Drawing:
    """Each combination of conditions: planned force over the largest force possible, with the force target."""
    bars = []
    for r in rows:
        target = r.get("force_target")
        marks = [(target, SHORT_TEXT)] if target else []
        bars.append(Row(r["label"], [(r["planned_personnel"], NAVY)], background=r["max_personnel"] or None, marks=marks,
                        right=f"{r['planned_personnel']:,.0f} / {r['max_personnel']:,.0f}", bold=r.get("this_plan", False)))
    label_width = min(190.0, max(text_width(clean(r.label), FONT_BOLD, 7.5) for r in bars) + 6)
    return bar_rows(bars, width, unit="personnel", right_width=80, label_width=label_width)[0]


def _axis(lo: float, hi: float) -> tuple[float, float, list[float]]:
    """A round axis range covering [lo, hi] with about five ticks."""
    if hi - lo <= 1e-9 * max(1.0, abs(hi)):
        pad = max(1.0, abs(hi) * 0.05)
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / 5
    exp = 10 ** math.floor(math.log10(raw))
    step = next(m * exp for m in (1, 2, 2.5, 5, 10) if m * exp >= raw)
    start = math.floor(lo / step + 1e-9) * step
    end = math.ceil(hi / step - 1e-9) * step
    ticks = [start + i * step for i in range(int(round((end - start) / step)) + 1)]
    return start, end, ticks


def _fmt_axis(v: float, step: float) -> str:
    if abs(v) >= 10_000 and step >= 1000 and v % 1000 == 0:
        return f"{v / 1000:,.0f}k"
    if step >= 1 or v == int(v):
        return f"{v:,.0f}".replace("-", "\u2212")
    decimals = min(3, max(1, -math.floor(math.log10(step))))
    return f"{v:,.{decimals}f}".replace("-", "\u2212")


def line_chart(points: list[tuple[float, float, str]], width: float, *, x_label: str, y_label: str, height: float = 210.0,
               extra: tuple[float, float, str] | None = None) -> Drawing:
    """Points (x, y, label) joined in order of x, each labelled; ``extra`` is one more point drawn apart (e.g. this plan)."""
    from reportlab.graphics.shapes import Circle, PolyLine, Polygon

    d = Drawing(width, height)
    left, right, bottom, top = 52.0, 14.0, 34.0, 18.0
    pw, ph = width - left - right, height - bottom - top
    xs = [p[0] for p in points] + ([extra[0]] if extra else [])
    ys = [p[1] for p in points] + ([extra[1]] if extra else [])
    x0, x1, xticks = _axis(min(xs), max(xs))
    y0, y1, yticks = _axis(min(ys), max(ys))

    def px(x):
        return left + (x - x0) / (x1 - x0) * pw

    def py(y):
        return bottom + (y - y0) / (y1 - y0) * ph

    xstep = xticks[1] - xticks[0] if len(xticks) > 1 else 1.0
    ystep = yticks[1] - yticks[0] if len(yticks) > 1 else 1.0
    for t in xticks:
        d.add(Line(px(t), bottom, px(t), bottom + ph, strokeColor=LIGHT_GREY, strokeWidth=0.4))
        d.add(String(px(t), bottom - 10, _fmt_axis(t, xstep), fontName=FONT, fontSize=6.5, fillColor=GREY, textAnchor="middle"))
    for t in yticks:
        d.add(Line(left, py(t), left + pw, py(t), strokeColor=LIGHT_GREY, strokeWidth=0.4))
        d.add(String(left - 4, py(t) - 2.3, _fmt_axis(t, ystep), fontName=FONT, fontSize=6.5, fillColor=GREY, textAnchor="end"))
    d.add(Line(left, bottom, left + pw, bottom, strokeColor=GREY, strokeWidth=0.5))
    d.add(Line(left, bottom, left, bottom + ph, strokeColor=GREY, strokeWidth=0.5))
    d.add(String(left + pw, 2, clean(x_label), fontName=FONT, fontSize=7, fillColor=GREY, textAnchor="end"))
    d.add(String(left - 4, height - 8, clean(y_label), fontName=FONT, fontSize=7, fillColor=GREY, textAnchor="start"))
    ordered = sorted(points, key=lambda p: (p[0], p[1]))
    if len(ordered) > 1:
        flat = [v for x, y, _ in ordered for v in (px(x), py(y))]
        d.add(PolyLine(flat, strokeColor=NAVY, strokeWidth=1.2))
    for x, y, label in ordered:
        d.add(Circle(px(x), py(y), 2.6, fillColor=NAVY, strokeColor=colors.white, strokeWidth=0.5))
        if label:
            d.add(String(px(x), py(y) + 5, clean(label), fontName=FONT, fontSize=6.5, fillColor=colors.black, textAnchor="middle"))
    if extra:
        x, y, label = extra
        cx, cy, r = px(x), py(y), 4.0
        d.add(Polygon([cx, cy + r, cx + r, cy, cx, cy - r, cx - r, cy], fillColor=PLAN_POINT, strokeColor=colors.white, strokeWidth=0.5))
        anchor = "end" if cx > left + pw * 0.8 else "start"
        d.add(String(cx + (-6 if anchor == "end" else 6), cy - 2.3, clean(label), fontName=FONT_BOLD, fontSize=6.5, fillColor=PLAN_POINT, textAnchor=anchor))
    return d
