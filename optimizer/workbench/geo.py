"""Coordinates for the offline schematic map: nation capitals, sector places and
two rough outlines (Ukraine, the Black Sea).  Approximate on purpose: the map
is a schematic drawn without any tile server, not a survey.

Unknown names get no coordinates here; the chart places them in a row of
their own, so a workbook with new nations or sectors still draws.
"""

from __future__ import annotations

# (longitude, latitude) of each nation's capital.
NATIONS: dict[str, tuple[float, float]] = {
    "united kingdom": (-0.13, 51.51), "uk": (-0.13, 51.51), "britain": (-0.13, 51.51),
    "france": (2.35, 48.86), "germany": (13.40, 52.52), "poland": (21.01, 52.23),
    "italy": (12.50, 41.90), "spain": (-3.70, 40.42), "netherlands": (4.90, 52.37),
    "belgium": (4.35, 50.85), "denmark": (12.57, 55.68), "norway": (10.75, 59.91),
    "sweden": (18.07, 59.33), "finland": (24.94, 60.17), "estonia": (24.75, 59.44),
    "latvia": (24.11, 56.95), "lithuania": (25.28, 54.69), "portugal": (-9.14, 38.72),
    "czechia": (14.42, 50.08), "czech republic": (14.42, 50.08), "slovakia": (17.11, 48.15),
    "romania": (26.10, 44.43), "bulgaria": (23.32, 42.70), "greece": (23.73, 37.98),
    "croatia": (15.98, 45.81), "slovenia": (14.51, 46.06), "luxembourg": (6.13, 49.61),
    "ireland": (-6.26, 53.35), "austria": (16.37, 48.21), "hungary": (19.04, 47.50),
    "switzerland": (7.45, 46.95), "albania": (19.82, 41.33), "north macedonia": (21.43, 42.00),
    "montenegro": (19.26, 42.44), "serbia": (20.46, 44.79), "bosnia and herzegovina": (18.41, 43.86),
    "moldova": (28.86, 47.01), "ukraine": (30.52, 50.45), "turkey": (32.85, 39.93),
    "türkiye": (32.85, 39.93), "turkiye": (32.85, 39.93), "cyprus": (33.38, 35.17),
    "malta": (14.51, 35.90), "iceland": (-21.94, 64.15), "morocco": (-6.84, 34.02),
    "georgia": (44.79, 41.72), "united states": (-77.04, 38.91), "usa": (-77.04, 38.91),
    "canada": (-75.70, 45.42), "australia": (149.13, -35.28), "new zealand": (174.78, -41.29),
    "japan": (139.69, 35.69), "south korea": (126.98, 37.57), "republic of korea": (126.98, 37.57),
    "brazil": (-47.88, -15.79), "argentina": (-58.38, -34.60), "chile": (-70.67, -33.45),
    "mexico": (-99.13, 19.43), "india": (77.21, 28.61), "indonesia": (106.85, -6.21),
    "kenya": (36.82, -1.29), "ghana": (-0.19, 5.60), "bangladesh": (90.41, 23.81),
    "pakistan": (73.05, 33.68), "uruguay": (-56.16, -34.90), "fiji": (178.44, -18.14),
    "nepal": (85.32, 27.72), "singapore": (103.82, 1.35),
}

# Keywords found in sector names -> (longitude, latitude); the first match wins.
SECTOR_PLACES: tuple[tuple[str, tuple[float, float]], ...] = (
    ("airspace", (32.6, 48.9)),
    ("black sea", (31.6, 44.1)),
    ("azov", (36.6, 46.2)),
    ("danube", (29.3, 45.3)),
    ("maritime", (31.6, 44.1)),
    ("lviv", (24.03, 49.84)),
    ("kyiv", (30.52, 50.45)),
    ("kiev", (30.52, 50.45)),
    ("odesa", (30.73, 46.48)),
    ("odessa", (30.73, 46.48)),
    ("dnipro", (35.05, 48.46)),
    ("kharkiv", (36.23, 49.99)),
    ("zaporizhzhia", (35.14, 47.84)),
    ("mykolaiv", (31.99, 46.97)),
    ("kherson", (32.62, 46.64)),
    ("poltava", (34.55, 49.59)),
    ("vinnytsia", (28.47, 49.23)),
    ("sumy", (34.80, 50.91)),
    ("chernihiv", (31.29, 51.49)),
    ("donetsk", (37.80, 48.00)),
    ("poland", (21.40, 51.00)),
    ("romania", (26.60, 45.60)),
    ("moldova", (28.86, 47.01)),
    ("slovakia", (21.26, 48.72)),
    ("hungary", (21.62, 47.53)),
    ("baltic", (20.00, 56.50)),
    ("north", (31.3, 51.2)),
    ("south", (31.8, 46.9)),
    ("east", (35.5, 49.0)),
    ("west", (25.0, 49.5)),
    ("centre", (31.0, 49.2)),
    ("center", (31.0, 49.2)),
)

UKRAINE_OUTLINE: tuple[tuple[float, float], ...] = (
    (22.15, 48.40), (22.60, 49.10), (22.90, 49.60), (23.90, 50.40), (24.10, 50.90), (23.60, 51.50),
    (24.40, 51.90), (25.80, 51.90), (27.20, 51.60), (28.60, 51.60), (30.20, 51.50), (30.60, 51.30),
    (31.30, 52.10), (32.20, 52.10), (33.20, 52.35), (34.10, 51.90), (34.40, 51.25), (35.10, 51.20),
    (35.40, 50.60), (36.10, 50.40), (37.40, 50.40), (38.00, 49.90), (38.60, 49.95), (40.10, 49.60),
    (40.20, 48.80), (39.80, 48.00), (38.90, 47.80), (38.20, 47.10), (37.50, 47.05), (36.80, 46.75),
    (35.80, 46.60), (34.90, 46.20), (35.30, 45.70), (36.50, 45.40), (35.40, 45.05), (34.20, 44.50),
    (33.50, 44.60), (33.35, 45.20), (32.50, 45.40), (33.60, 45.90), (32.60, 46.10), (32.00, 46.45),
    (31.50, 46.60), (30.80, 46.50), (30.20, 46.00), (29.70, 45.50), (29.60, 45.25), (28.90, 45.30),
    (28.20, 45.45), (28.70, 45.95), (29.60, 46.35), (30.10, 46.40), (29.90, 46.80), (29.60, 47.30),
    (29.20, 47.90), (28.20, 48.30), (27.60, 48.45), (27.00, 48.40), (26.60, 48.25), (25.50, 47.95),
    (24.90, 47.75), (24.00, 47.95), (23.20, 48.10), (22.90, 47.95), (22.60, 48.10), (22.15, 48.40),
)

BLACK_SEA_OUTLINE: tuple[tuple[float, float], ...] = (
    (27.60, 42.40), (28.00, 43.40), (28.60, 44.20), (29.00, 44.80), (29.70, 45.20), (30.20, 45.90),
    (30.80, 46.50), (31.50, 46.60), (32.00, 46.45), (32.60, 46.10), (33.60, 45.90), (32.50, 45.40),
    (33.35, 45.20), (33.50, 44.60), (34.20, 44.50), (35.40, 45.05), (36.50, 45.20), (37.30, 44.80),
    (38.00, 44.40), (39.00, 43.90), (40.00, 43.40), (41.50, 41.60), (41.00, 41.10), (39.50, 41.00),
    (38.00, 40.95), (36.50, 41.30), (35.00, 42.00), (33.50, 42.00), (32.00, 41.80), (30.50, 41.20),
    (29.10, 41.20), (28.00, 41.60), (27.60, 42.40),
)

# The theatre drawn to scale (longitude, latitude); sectors outside it go to a
# row of their own at the bottom.  Nations are not drawn at their capitals but
# in a column on the west edge, ordered north to south by capital (unknown
# nations last), each linked to the sectors it sends units to.
LON_RANGE = (19.0, 41.5)
LAT_RANGE = (42.6, 53.6)
NATION_COLUMN_LON = 17.6  # the nations' column; names to its left
NATION_COLUMN_STEP = 3.4  # degrees of longitude between columns when one is not enough

# Context labels (longitude, latitude).
LABELS: tuple[tuple[str, tuple[float, float]], ...] = (
    ("UKRAINE", (29.0, 48.9)), ("POLAND", (20.6, 52.3)), ("BELARUS", (27.5, 53.0)), ("RUSSIA", (39.0, 52.6)),
    ("ROMANIA", (24.3, 45.4)), ("MOLDOVA", (28.5, 47.4)), ("Black Sea", (33.6, 43.2)), ("Sea of Azov", (36.9, 46.0)),
)


def nation_place(name: str) -> tuple[float, float] | None:
    return NATIONS.get(name.strip().casefold())


def sector_place(name: str) -> tuple[float, float] | None:
    low = name.casefold()
    for word, place in SECTOR_PLACES:
        if word in low:
            return place
    return None


def in_window(place: tuple[float, float]) -> bool:
    lon, lat = place
    return LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]
