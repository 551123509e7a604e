"""The sector "map": a schematic, drawn offline, of where each sector lies.

Each sector is a box (risk shown by its colour) with its lead nation, its
personnel and the nations in it.  Sectors whose names the schematic knows
(Kyiv, Odesa, Dnipro, Poland staging area, Black Sea …) sit near their
approximate place over a rough outline of Ukraine; air sectors sit in a band
above it; any other sector is laid out on a grid below.  The outline and
positions are approximate and illustrative, not a map to navigate by.
"""

from __future__ import annotations

import re

from reportlab.graphics.shapes import Drawing, Polygon, Rect, String
from reportlab.lib import colors

from optimizer.report.facts import Sector
from optimizer.report.style import (
    FONT, FONT_BOLD, FONT_ITALIC, GREY, LIGHT_GREY, NAVY, RISK_EDGE, RISK_FILL, SHORT_TEXT, clean, fit, width as text_width,
)

BOX_W, BOX_H = 116.0, 62.0
GAP = 6.0
AIR_BAND_H = BOX_H + 24
LON0, LON1, LAT0, LAT1 = 19.6, 41.0, 43.3, 52.7  # the schematic's extent, degrees
MAX_GRID_ROWS_WITH_MAP = 3  # more unplaced sectors than this go on drawings of their own

# A rough outline of Ukraine (lon, lat), for orientation only.
UKRAINE = (
    (22.1, 48.4), (22.6, 49.1), (22.7, 49.6), (24.0, 50.4), (23.6, 51.5), (24.4, 51.9), (25.8, 51.9), (27.8, 51.6),
    (28.7, 51.4), (30.6, 51.3), (30.9, 52.1), (32.2, 52.1), (33.2, 52.3), (34.4, 51.7), (35.1, 51.2), (35.4, 50.6),
    (36.6, 50.2), (37.5, 50.3), (38.2, 49.9), (40.1, 49.6), (40.0, 48.9), (39.8, 48.0), (38.8, 47.8), (38.2, 47.1),
    (37.5, 47.0), (36.7, 46.7), (35.2, 46.1), (35.0, 45.6), (36.5, 45.4), (35.5, 44.6), (34.5, 44.5), (33.4, 44.5),
    (32.5, 45.4), (33.6, 45.9), (32.6, 46.1), (31.7, 46.3), (30.8, 46.5), (30.2, 45.8), (29.7, 45.3), (28.2, 45.5),
    (28.9, 46.0), (30.1, 46.4), (29.2, 47.9), (28.2, 48.2), (27.3, 48.4), (26.6, 48.25), (24.9, 47.7), (23.1, 48.0),
)
BLACK_SEA = (
    (27.9, LAT0), (28.0, 43.4), (28.6, 44.3), (29.7, 45.3), (30.2, 45.8), (30.8, 46.5), (31.7, 46.3), (32.6, 46.1),
    (33.6, 45.9), (32.5, 45.4), (33.4, 44.5), (34.5, 44.5), (35.5, 44.6), (36.5, 45.1), (37.5, 44.7), (38.5, 44.2),
    (41.0, 43.6), (41.0, LAT0),
)
AZOV = ((35.0, 45.6), (35.2, 46.1), (36.7, 46.7), (37.5, 47.0), (38.2, 47.1), (39.0, 46.8), (38.0, 46.0), (37.0, 45.4), (36.5, 45.4))

# (pattern, lon, lat): first match wins; checked against the lower-cased sector name.
PLACES: tuple[tuple[str, float, float], ...] = (
    (r"azov", 37.0, 46.0),
    (r"danube", 28.9, 44.9),
    (r"black sea.*west|west.*black sea", 29.6, 43.9),
    (r"black sea.*north|north.*black sea", 32.6, 44.4),
    (r"black sea.*east|east.*black sea", 35.8, 43.9),
    (r"black sea|maritime|naval|sea\b", 31.6, 43.9),
    (r"crimea", 34.2, 45.2),
    (r"poland|polish|rzesz", 20.9, 50.6),
    (r"romania|constan", 25.2, 45.9),
    (r"moldova", 28.8, 47.2),
    (r"slovakia|hungary", 21.2, 48.4),
    (r"lviv|rear", 24.0, 49.9),
    (r"kyiv|kiev|capital", 30.5, 50.5),
    (r"kharkiv", 36.8, 49.9),
    (r"zaporizh", 35.6, 47.5),
    (r"dnipro|contact|front", 34.5, 48.3),
    (r"odesa|odessa", 30.2, 46.9),
    (r"mykolaiv|kherson", 32.5, 47.0),
    (r"poltava", 33.4, 49.6),
    (r"vinnytsia|vinnitsa|zhytomyr", 28.0, 49.2),
    (r"chernihiv|sumy", 32.8, 51.5),
    (r"donetsk|luhansk|donbas", 38.8, 48.4),
    (r"\bnorth", 30.5, 51.3),
    (r"\bsouth", 31.5, 46.9),
    (r"\beast", 37.0, 48.9),
    (r"\bwest", 25.0, 49.3),
    (r"\bcent(re|er|ral)", 31.0, 48.9),
)
AIR_PATTERN = re.compile(r"\bair(space)?\b|\bairspace|\bsky\b")
AIR_X = ((r"\bwest", 0.15), (r"\bcent(re|er|ral)", 0.45), (r"\beast", 0.80), (r"\bsouth", 0.62), (r"\bnorth", 0.30))


def known_position(name: str) -> tuple[float, float] | None:
    low = name.lower()
    for pattern, lon, lat in PLACES:
        if re.search(pattern, low):
            return lon, lat
    return None


def _overlaps(a, b, pad: float = 3.0) -> bool:
    return not (a[0] + BOX_W + pad <= b[0] or b[0] + BOX_W + pad <= a[0] or a[1] + BOX_H + pad <= b[1] or b[1] + BOX_H + pad <= a[1])


def _box(d: Drawing, x: float, y: float, s: Sector) -> None:
    fill = RISK_FILL.get(s.risk, colors.white)
    edge = RISK_EDGE.get(s.risk, GREY)
    d.add(Rect(x, y, BOX_W, BOX_H, rx=3, ry=3, fillColor=fill, strokeColor=edge, strokeWidth=0.9))
    inner = BOX_W - 8
    ty = y + BOX_H - 10
    d.add(String(x + 4, ty, fit(s.name, inner, FONT_BOLD, 7.5), fontName=FONT_BOLD, fontSize=7.5, fillColor=NAVY))
    ty -= 9.5
    if s.lead:
        lead = f"Lead: {s.lead}"
        colour = colors.black
    elif s.needs_lead:
        lead, colour = "Needs a lead: none", SHORT_TEXT
    else:
        lead, colour = "No lead required", GREY
    d.add(String(x + 4, ty, fit(lead, inner, FONT, 6.8), fontName=FONT, fontSize=6.8, fillColor=colour))
    ty -= 9
    d.add(String(x + 4, ty, fit(f"{s.personnel:,} personnel · {len(s.nations)} nation{'s' if len(s.nations) != 1 else ''}", inner, FONT, 6.8),
                 fontName=FONT, fontSize=6.8))
    ty -= 8.5
    for line in _wrap_names([n for n, _ in s.nations], inner, 6.0, 2):
        d.add(String(x + 4, ty, line, fontName=FONT_ITALIC, fontSize=6.0, fillColor=colors.HexColor("#404040")))
        ty -= 7.5
    if s.lines_unfilled:
        txt = f"{s.lines_unfilled} of {s.lines} lines short"
    else:
        txt = f"all {s.lines} lines filled" if s.lines else "no requirement lines"
    d.add(String(x + BOX_W - 4, y + 3.5, txt, fontName=FONT_BOLD if s.lines_unfilled else FONT, fontSize=6.0,
                 fillColor=SHORT_TEXT if s.lines_unfilled else GREY, textAnchor="end"))


def _wrap_names(names: list[str], max_w: float, size: float, max_lines: int) -> list[str]:
    """Names, comma-separated, on at most ``max_lines`` lines; '+k more' for the rest."""
    names = [clean(n) for n in names]
    w = lambda t: text_width(t, FONT_ITALIC, size)  # noqa: E731
    lines: list[list[str]] = []
    i = 0
    while i < len(names) and len(lines) < max_lines:
        line = [names[i]]
        i += 1
        while i < len(names) and w(", ".join(line + [names[i]])) <= max_w:
            line.append(names[i])
            i += 1
        lines.append(line)
    if i < len(names):
        last = lines[-1]
        while True:
            hidden = len(names) - sum(len(ln) for ln in lines)
            text = ", ".join(last) + ("," if last else "") + f" +{hidden} more"
            if w(text) <= max_w or not last:
                break
            last.pop()
        return [fit(", ".join(ln), max_w, FONT_ITALIC, size) for ln in lines[:-1]] + [text.strip()]
    return [fit(", ".join(ln), max_w, FONT_ITALIC, size) for ln in lines]


def sector_schematic(sectors: list[Sector], width: float) -> list[Drawing]:
    """The schematic as one drawing (plus grid drawings when many sectors have no known place)."""
    air = [s for s in sectors if AIR_PATTERN.search(s.name.lower())]
    ground = [s for s in sectors if s not in air]
    map_h = width / ((LON1 - LON0) * 0.67 / (LAT1 - LAT0))
    legend_h = 16.0

    # ground sectors with a known place: placed in order of size, nudged off one another
    placed: list[tuple[float, float, Sector]] = []
    unplaced: list[Sector] = []
    for s in sorted(ground, key=lambda s: (-s.personnel, s.name)):
        pos = known_position(s.name)
        if pos is None:
            unplaced.append(s)
            continue
        cx = (pos[0] - LON0) / (LON1 - LON0) * width
        cy = (pos[1] - LAT0) / (LAT1 - LAT0) * map_h
        spot = _free_spot(cx - BOX_W / 2, cy - BOX_H / 2, [(x, y) for x, y, _ in placed], width, map_h)
        if spot is None:
            unplaced.append(s)
        else:
            placed.append((*spot, s))
    unplaced.sort(key=lambda s: sectors.index(s))

    # air sectors: a band above the map, placed by compass word
    air_placed: list[tuple[float, Sector]] = []
    for s in air:
        frac = next((f for p, f in AIR_X if re.search(p, s.name.lower())), 0.5)
        x = min(max(frac * width - BOX_W / 2, 0), width - BOX_W)
        for _ in range(len(air) + 1):
            if all(abs(x - ox) >= BOX_W + GAP for ox, _ in air_placed):
                break
            x = next((c for c in _air_slots(width) if all(abs(c - ox) >= BOX_W + GAP for ox, _ in air_placed)), None)
            if x is None:
                break
        if x is None:
            unplaced.append(s)
        else:
            air_placed.append((x, s))

    cols = max(1, int((width + GAP) // (BOX_W + GAP)))
    grid_rows = -(-len(unplaced) // cols)
    in_map_rows = grid_rows if grid_rows <= MAX_GRID_ROWS_WITH_MAP else 0
    grid_h = (in_map_rows * (BOX_H + GAP) + 16) if in_map_rows else 0
    air_h = AIR_BAND_H if air_placed else 0
    total_h = legend_h + grid_h + map_h + air_h
    d = Drawing(width, total_h)
    base_y = legend_h + grid_h
    _background(d, width, map_h, base_y)
    for x, y, s in placed:
        _box(d, x, base_y + y, s)
    if air_placed:
        y0 = base_y + map_h + 6
        d.add(Rect(0, y0, width, BOX_H + 18, fillColor=colors.HexColor("#EEF4FB"), strokeColor=None))
        d.add(String(4, y0 + BOX_H + 9, "Airspace", fontName=FONT_ITALIC, fontSize=7, fillColor=GREY))
        for x, s in air_placed:
            _box(d, x, y0 + 4, s)
    if in_map_rows:
        d.add(String(0, legend_h + grid_h - 10, "Sectors without a place on the schematic", fontName=FONT_ITALIC, fontSize=7, fillColor=GREY))
        _grid(d, unplaced, width, cols, legend_h + grid_h - 16)
    _legend(d, width)
    drawings = [d]
    if not in_map_rows and unplaced:
        per = cols * 8
        for start in range(0, len(unplaced), per):
            chunk = unplaced[start:start + per]
            rows = -(-len(chunk) // cols)
            g = Drawing(width, rows * (BOX_H + GAP) + 16)
            g.add(String(0, rows * (BOX_H + GAP) + 6, "Sectors without a place on the schematic" + (" (continued)" if start else ""),
                         fontName=FONT_ITALIC, fontSize=7, fillColor=GREY))
            _grid(g, chunk, width, cols, rows * (BOX_H + GAP))
            drawings.append(g)
    return drawings


def _air_slots(width: float) -> list[float]:
    n = max(1, int((width + GAP) // (BOX_W + GAP)))
    return [i * (BOX_W + GAP) for i in range(n)]


def _free_spot(x: float, y: float, taken: list[tuple[float, float]], width: float, height: float) -> tuple[float, float] | None:
    """The nearest spot to (x, y) inside the map where a box overlaps no other."""
    candidates = []
    for dx in (0, -0.5, 0.5, -1, 1, -1.5, 1.5, -2, 2, -2.5, 2.5, -3, 3):
        for dy in (0, -0.6, 0.6, -1.1, 1.1, -1.7, 1.7, -2.3, 2.3, -3, 3):
            cx = min(max(x + dx * BOX_W, 0), width - BOX_W)
            cy = min(max(y + dy * BOX_H, 0), height - BOX_H)
            candidates.append(((cx - x) ** 2 + (cy - y) ** 2, cx, cy))
    for _, cx, cy in sorted(candidates):
        if not any(_overlaps((cx, cy), t) for t in taken):
            return cx, cy
    return None


def _grid(d: Drawing, sectors: list[Sector], width: float, cols: int, top: float) -> None:
    for i, s in enumerate(sectors):
        r, c = divmod(i, cols)
        _box(d, c * (BOX_W + GAP), top - (r + 1) * (BOX_H + GAP) + GAP, s)


def _project(points, width, height, base_y):
    out = []
    for lon, lat in points:
        out += [(lon - LON0) / (LON1 - LON0) * width, base_y + (lat - LAT0) / (LAT1 - LAT0) * height]
    return out


def _background(d: Drawing, width: float, height: float, base_y: float) -> None:
    d.add(Rect(0, base_y, width, height, fillColor=colors.HexColor("#FAFAFA"), strokeColor=LIGHT_GREY, strokeWidth=0.5))
    sea = colors.HexColor("#DCE9F5")
    d.add(Polygon(_project(BLACK_SEA, width, height, base_y), fillColor=sea, strokeColor=None))
    d.add(Polygon(_project(AZOV, width, height, base_y), fillColor=sea, strokeColor=None))
    d.add(Polygon(_project(UKRAINE, width, height, base_y), fillColor=colors.HexColor("#EDEDED"), strokeColor=colors.HexColor("#BFBFBF"), strokeWidth=0.7))

    def label(text, lon, lat, size=9, font=FONT_BOLD, colour=colors.HexColor("#C8C8C8")):
        x, y = _project([(lon, lat)], width, height, base_y)
        d.add(String(x, y, text, fontName=font, fontSize=size, fillColor=colour, textAnchor="middle"))

    label("U K R A I N E", 26.45, 51.0, 9)
    label("Black Sea", 30.4, 43.6, 9, FONT_ITALIC, colors.HexColor("#9DB7D5"))
    label("POLAND", 21.0, 52.2, 7.5)
    label("ROMANIA", 25.0, 44.6, 7.5)
    label("MOLDOVA", 28.6, 47.9, 6.5)
    label("RUSSIA", 39.6, 52.2, 7.5)
    label("BELARUS", 27.5, 52.3, 7.5)


def _legend(d: Drawing, width: float) -> None:
    x = 0.0
    for risk, text in ((1, "risk 1 (rear)"), (2, "risk 2"), (3, "risk 3 (contact line)"), (None, "risk not recorded")):
        d.add(Rect(x, 3, 12, 9, fillColor=RISK_FILL.get(risk, colors.white), strokeColor=RISK_EDGE.get(risk, GREY), strokeWidth=0.8))
        d.add(String(x + 16, 5, text, fontName=FONT, fontSize=7))
        x += 16 + text_width(text, FONT, 7) + 14
    d.add(String(width, 5, "positions schematic, not to scale", fontName=FONT_ITALIC, fontSize=6.5, fillColor=GREY, textAnchor="end"))
