"""Build the default, ILLUSTRATIVE workbook ``data/contributions.xlsx``.

    python scripts/build_default_workbook.py [OUTPUT] [--summary]

The data describes an illustrative coalition for a post-ceasefire reassurance
force in and around Ukraine, built from public reporting (see the project's
reference notes on coalition facts and the workbook's README sheet).  It is
not a record of national commitments: positions are simplified into switches,
pledges are invented to be consistent with them, costs are rough.

The tables are literal Python below so a reviewer can read every figure; the
workbook form itself (headers, comments, validation, README documentation)
comes from :mod:`optimizer.workbook_writer`.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from optimizer.workbook_writer import write_workbook

DEFAULT_OUTPUT = Path("data/contributions.xlsx")

# --------------------------------------------------------------------------
# Unit types and their cost basis
# --------------------------------------------------------------------------
# Yearly cost of one deployed unit, million USD:
#     personnel x PERSON_YEAR_MUSD x equipment factor + platform running cost
# PERSON_YEAR_MUSD is near the low end of the public range for a deployed
# soldier-year ($0.85M DoD Comptroller to $1.2-1.4M CSBA, US forces in
# Afghanistan), as European forces cost less per head than US ones.  The
# equipment factor marks equipment-heavy units.  Platform running costs: ship-
# years from UK figures (Type 23 about GBP 16M, Hunt about GBP 3M), converted
# and uplifted for inflation; aircraft about $20M per fast jet or tanker-year
# and $12-15M per transport / patrol aircraft-year (illustrative assumptions).
PERSON_YEAR_MUSD = 0.9

# unit_type: (domain, personnel, equipment factor, platform M USD/yr, basis)
UNIT_TYPES: dict[str, tuple[str, int, float, float, str]] = {
    "Multinational battlegroup": ("land", 1000, 1.0, 0, "NATO eFP battlegroup, about 1,000"),
    "Mechanised infantry battalion": ("land", 750, 1.1, 0, "UN infantry battalion manual, 600-850 [u]"),
    "Infantry company (force protection)": ("land", 150, 1.0, 0, "smallest useful contribution, a company of 150-200"),
    "Brigade HQ": ("land", 250, 1.1, 0, "brigade headquarters, 150-300 [u]"),
    "HQ staff officer cell": ("land", 25, 1.2, 0, "staff officers for the Kyiv coordination HQ [u]"),
    "Signals company": ("land", 150, 1.1, 0, "company strength [u]"),
    "Engineer company": ("land", 160, 1.1, 0, "engineer company, 150-180 [u]"),
    "Logistics battalion": ("land", 500, 1.0, 0, "logistics battalion, 400-600 [u]"),
    "Military police company": ("land", 130, 1.0, 0, "company strength [u]"),
    "CBRN defence company": ("land", 140, 1.1, 0, "company strength [u]"),
    "Role 2 hospital": ("land", 67, 1.3, 0, "UN Medical Support Manual: 57, 67 with aeromedical team"),
    "Role 3 field hospital": ("land", 90, 1.5, 0, "UN Medical Support Manual: about 90"),
    "Special operations task group": ("land", 120, 1.5, 0, "task group [u]"),
    "Training mission team": ("land", 60, 1.0, 0, "training team for Ukrainian forces [u]"),
    "Air-defence battery": ("air", 120, 1.0, 60, "ground-based air defence battery, 90-150 [u]; missiles and radar upkeep"),
    "Fighter detachment (4 jets)": ("air", 120, 1.0, 80, "Baltic Air Policing detachments of 4 jets, 90-140; 4 x $20M"),
    "ISR / drone detachment": ("air", 100, 1.0, 15, "ISR / drone detachment, 50-150 [u]"),
    "Airlift detachment (2 aircraft)": ("air", 80, 1.0, 24, "airlift detachment, 50-100 [u]; 2 x $12M"),
    "Tanker detachment (1 aircraft)": ("air", 70, 1.0, 20, "air-to-air refuelling [u]; $20M"),
    "Maritime patrol aircraft detachment": ("air", 90, 1.0, 30, "2 patrol aircraft [u]; 2 x $15M"),
    "Frigate": ("sea", 185, 1.0, 25, "Type 23 crew 185; about GBP 16M per ship-year (older figure), uplifted"),
    "Minehunter": ("sea", 40, 1.0, 4, "Sandown / Hunt crews 34-45; GBP 2-3M per ship-year, uplifted"),
    "Offshore patrol vessel": ("sea", 50, 1.0, 6, "patrol vessel crew [u]"),
}


def unit_cost(unit_type: str) -> float:
    domain, personnel, factor, platform, _ = UNIT_TYPES[unit_type]
    return round(personnel * PERSON_YEAR_MUSD * factor + platform, 1)


# --------------------------------------------------------------------------
# Sectors
# --------------------------------------------------------------------------
# sector: (risk, needs_lead, on Ukrainian soil, description)
SECTORS: dict[str, tuple[int, bool, bool, str]] = {
    "Lviv rear area": (1, False, True, "western Ukraine: training, logistics, hospitals"),
    "Kyiv": (2, True, True, "capital: coordination HQ (UK 2-star), protection, air defence"),
    "Odesa coast": (2, True, True, "southern coast and ports"),
    "Dnipro line": (3, True, True, "behind the contact line, central-east"),
    "Kharkiv approach": (3, True, True, "north-east, near the border"),
    "Black Sea maritime": (2, True, False, "sea area: mine clearance, maritime security"),
    "Ukrainian airspace": (2, False, False, "air area: air policing and surveillance"),
    "Poland staging area": (1, True, False, "neighbouring NATO territory: reserve, logistics hub, airlift"),
    "Romania staging area": (1, True, False, "neighbouring NATO territory: reserve, logistics, bases"),
}
UKRAINIAN_SOIL = tuple(s for s, (_, _, soil, _) in SECTORS.items() if soil)

# --------------------------------------------------------------------------
# Requirements (statement of requirements)
# --------------------------------------------------------------------------
# (unit_type, sector, min_units, max_units or None, priority)
REQUIREMENTS: list[tuple[str, str, int, int | None, int]] = [
    # Kyiv: coordination HQ and its protection
    ("Brigade HQ", "Kyiv", 1, 1, 1),
    ("HQ staff officer cell", "Kyiv", 8, 12, 1),
    ("Signals company", "Kyiv", 1, 2, 1),
    ("Mechanised infantry battalion", "Kyiv", 2, 3, 1),
    ("Air-defence battery", "Kyiv", 3, 4, 1),
    ("Infantry company (force protection)", "Kyiv", 2, 4, 2),
    ("Military police company", "Kyiv", 1, 2, 2),
    ("Special operations task group", "Kyiv", 1, 2, 2),
    ("Role 2 hospital", "Kyiv", 1, 1, 2),
    ("CBRN defence company", "Kyiv", 1, 1, 3),
    # Odesa coast
    ("Brigade HQ", "Odesa coast", 1, 1, 1),
    ("Multinational battlegroup", "Odesa coast", 3, 4, 1),
    ("Air-defence battery", "Odesa coast", 2, 3, 1),
    ("Role 2 hospital", "Odesa coast", 1, 2, 1),
    ("Engineer company", "Odesa coast", 2, 3, 2),
    ("Logistics battalion", "Odesa coast", 1, 1, 2),
    ("Infantry company (force protection)", "Odesa coast", 1, 2, 3),
    # Dnipro line: the largest and most exposed sector
    ("Brigade HQ", "Dnipro line", 1, 1, 1),
    ("Multinational battlegroup", "Dnipro line", 4, 5, 1),
    ("Mechanised infantry battalion", "Dnipro line", 2, 3, 1),
    ("Air-defence battery", "Dnipro line", 3, 4, 1),
    ("ISR / drone detachment", "Dnipro line", 2, 3, 1),
    ("Role 2 hospital", "Dnipro line", 2, 2, 1),
    ("Engineer company", "Dnipro line", 3, 4, 2),
    ("Logistics battalion", "Dnipro line", 1, 2, 2),
    ("Signals company", "Dnipro line", 1, 1, 2),
    # Kharkiv approach: desirable, not essential
    ("Brigade HQ", "Kharkiv approach", 1, 1, 3),
    ("Multinational battlegroup", "Kharkiv approach", 1, 2, 3),
    ("Mechanised infantry battalion", "Kharkiv approach", 2, 2, 3),
    ("Engineer company", "Kharkiv approach", 1, 2, 3),
    ("Air-defence battery", "Kharkiv approach", 1, 2, 3),
    ("Role 2 hospital", "Kharkiv approach", 1, 1, 3),
    # Lviv rear area
    ("Role 3 field hospital", "Lviv rear area", 1, 1, 1),
    ("Logistics battalion", "Lviv rear area", 2, 3, 1),
    ("Training mission team", "Lviv rear area", 12, 20, 2),
    ("Infantry company (force protection)", "Lviv rear area", 2, 4, 2),
    ("Military police company", "Lviv rear area", 1, 1, 3),
    ("Engineer company", "Lviv rear area", 1, 2, 3),
    # Staging areas on neighbouring NATO territory (reserves outside Ukraine)
    ("Logistics battalion", "Poland staging area", 2, 3, 1),
    ("Airlift detachment (2 aircraft)", "Poland staging area", 3, 4, 1),
    ("Brigade HQ", "Poland staging area", 1, 1, 2),
    ("Multinational battlegroup", "Poland staging area", 2, 3, 2),
    ("Role 3 field hospital", "Poland staging area", 1, 1, 2),
    ("Air-defence battery", "Poland staging area", 1, 2, 2),
    ("Multinational battlegroup", "Romania staging area", 1, 2, 2),
    ("Logistics battalion", "Romania staging area", 1, 2, 2),
    ("Air-defence battery", "Romania staging area", 1, 1, 3),
    ("Role 2 hospital", "Romania staging area", 1, 1, 3),
    # Black Sea maritime
    ("Frigate", "Black Sea maritime", 4, 6, 1),
    ("Minehunter", "Black Sea maritime", 6, 8, 1),
    ("Offshore patrol vessel", "Black Sea maritime", 2, 4, 2),
    ("Maritime patrol aircraft detachment", "Black Sea maritime", 2, 3, 2),
    # Ukrainian airspace
    ("Fighter detachment (4 jets)", "Ukrainian airspace", 4, 6, 1),
    ("ISR / drone detachment", "Ukrainian airspace", 3, 4, 1),
    ("Tanker detachment (1 aircraft)", "Ukrainian airspace", 2, 3, 2),
]

# --------------------------------------------------------------------------
# Nations
# --------------------------------------------------------------------------
# Active personnel: NATO 2024 estimates (N24) or ~2021 report (N21); GDP: IMF
# 2024, billion USD; [u] approximate.  Columns of each entry:
#   status, active, gdp, max_personnel, min_personnel,
#   requires (subset of "ceasefire", "un", "us"), max_sector_risk (None = 3),
#   can_lead, budget_musd, cost_factor, withdrawal_risk, position
NATIONS: dict[str, tuple] = {
    "United Kingdom": ("committed", 138_100, 3500, 8000, 1000, (), None, True, None, 1.15, 0.05,
                       "Leads the coalition; plans for a post-war force prepared."),
    "France": ("committed", 205_700, 3130, 10000, 1000, (), None, True, None, 1.05, 0.05,
               "Leads the coalition; about 10,000 mentioned."),
    "Germany": ("considering", 185_600, 4590, 3000, 500, (), None, True, None, 1.2, 0.15,
                "No troops based in Ukraine; could contribute from neighbouring NATO territory."),
    "Poland": ("committed", 216_100, 845, 1500, 500, (), None, True, None, 0.8, None,
               "No troops in Ukraine; offers logistics."),
    "Italy": ("uncertain", 171_400, 2330, 3500, 500, ("un",), 2, True, None, 1.0, 0.25,
              "No ground troops; only a UN-mandated mission."),
    "Spain": ("considering", 117_400, 1650, 3000, 500, (), 2, True, 2400, 0.95, 0.2,
              "No public position in the sources used; modelled as a possible framework nation (illustrative)."),
    "Netherlands": ("considering", 40_800, 1140, 1500, None, ("us",), None, True, None, 1.15, 0.25,
                    "Wants the mandate, escalation scenarios and the US role clear."),
    "Belgium": ("considering", 22_700, 655, 600, None, ("ceasefire",), 2, False, None, 1.1, None,
                "Sea and air assets after a ceasefire."),
    "Denmark": ("considering", 17_000, 410, 1000, None, (), None, False, None, 1.2, 0.15,
                "Ready 'in principle'."),
    "Norway": ("considering", 22_200, 527, 600, None, (), None, False, None, 1.3, None,
               "No public position in the sources used (illustrative)."),
    "Sweden": ("considering", 20_000, 623, 500, None, (), 2, False, None, 1.2, None,
               "Wants clarity on mission and rules of engagement; offers air surveillance, naval if needed. "
               "Active personnel 15-24k [u]: 20,000 used."),
    "Finland": ("declined", 24_000, 300, None, None, (), None, False, None, 1.1, None,
                "Keeps its forces home (FT, March 2025)."),
    "Estonia": ("committed", 6_800, 40, 200, None, (), None, False, None, 0.85, None,
                "Up to one company plus staff officers; needs a parliament mandate."),
    "Latvia": ("considering", 6_600, 45, 200, None, (), None, False, None, 0.85, None,
               "No public position in the sources used (illustrative)."),
    "Lithuania": ("considering", 16_700, 80, 500, 150, (), None, False, 400, 0.85, None,
                  "No public position in the sources used (illustrative)."),
    "Portugal": ("considering", 24_100, 290, 600, 150, ("ceasefire",), 2, False, 500, 0.85, 0.15,
                 "'Out of the question while there is war'; after a peace deal."),
    "Czechia": ("uncertain", 26_400, 340, 700, 150, (), 2, False, 400, 0.85, 0.35,
                "No public position in the sources used (illustrative)."),
    "Romania": ("considering", 68_600, 370, 1000, None, (), None, False, None, 0.8, None,
                "No troops in Ukraine; offers bases."),
    "Canada": ("committed", 71_100, 2240, 1500, 500, (), 1, True, None, 1.2, 0.1,
               "Ready to station troops away from the front line."),
    "Australia": ("considering", 59_000, 1790, 300, None, ("ceasefire",), 1, False, None, 1.3, None,
                  "Open to a 'small contribution' after a ceasefire. Active personnel 58-60k [u]: 59,000 used."),
    "New Zealand": ("considering", 9_000, 260, 100, None, ("ceasefire",), 1, False, None, 1.3, None,
                    "Open, 'peace secured first'."),
    "Ireland": ("uncertain", 7_500, 564, 150, None, ("un",), 2, False, None, 1.1, None,
                "'Triple lock': UN resolution, government and parliament."),
    "Greece": ("uncertain", 110_800, 250, 500, None, (), 2, False, 300, 0.85, 0.3,
               "No public position in the sources used (illustrative)."),
    "Croatia": ("considering", 14_400, 90, 300, None, (), None, False, None, 0.85, None,
                "No troops in Ukraine."),
    "Slovenia": ("uncertain", 6_000, 70, 150, 150, (), 2, False, None, 0.9, None,
                 "No public position in the sources used (illustrative)."),
    "Slovakia": ("uncertain", 13_100, 140, 200, None, (), 1, False, 200, 0.8, 0.5,
                 "No public position in the sources used (illustrative)."),
    "Luxembourg": ("considering", 800, 90, 50, None, (), 2, False, None, 1.3, None,
                   "No public position in the sources used (illustrative)."),
    "Iceland": ("declined", 250, 30, None, None, (), None, False, None, 1.3, None,
                "Has no armed forces: active personnel 250 stands for the Coast Guard so that the row is "
                "valid (the contract needs > 0); declined, no pledges."),
    "Turkey": ("considering", 481_000, 1110, 1000, None, (), 2, True, None, 0.8, 0.2,
               "Black Sea mine clearing. Active personnel includes the gendarmerie."),
    "Japan": ("declined", 247_000, 4110, None, None, (), None, False, None, 1.2, None,
              "Declined (5 September 2025)."),
}

# --------------------------------------------------------------------------
# Pledges: invented to be consistent with each stated position, each nation's
# total kept under 8% of its active personnel (the NATO sustainability target).
# --------------------------------------------------------------------------
PLEDGES: dict[str, dict[str, int]] = {
    "United Kingdom": {
        "Multinational battlegroup": 2, "Mechanised infantry battalion": 2, "Brigade HQ": 1,
        "HQ staff officer cell": 6, "Signals company": 1, "Engineer company": 2, "Logistics battalion": 1,
        "Role 2 hospital": 1, "Air-defence battery": 1, "Special operations task group": 1,
        "Training mission team": 5, "ISR / drone detachment": 1, "Fighter detachment (4 jets)": 1,
        "Frigate": 1, "Minehunter": 2, "Tanker detachment (1 aircraft)": 1,
    },
    "France": {
        "Multinational battlegroup": 3, "Mechanised infantry battalion": 2, "Brigade HQ": 2,
        "HQ staff officer cell": 4, "Signals company": 1, "Engineer company": 2, "Logistics battalion": 1,
        "Role 2 hospital": 2, "Role 3 field hospital": 1, "Air-defence battery": 2,
        "Special operations task group": 1, "CBRN defence company": 1, "Training mission team": 3,
        "ISR / drone detachment": 1, "Fighter detachment (4 jets)": 1, "Tanker detachment (1 aircraft)": 1,
        "Frigate": 1, "Minehunter": 1,
    },
    "Germany": {
        "Multinational battlegroup": 1, "Logistics battalion": 2, "Air-defence battery": 2,
        "Role 3 field hospital": 1, "Airlift detachment (2 aircraft)": 1, "ISR / drone detachment": 1,
        "Fighter detachment (4 jets)": 1, "Maritime patrol aircraft detachment": 1,
    },
    "Poland": {"Logistics battalion": 2, "Airlift detachment (2 aircraft)": 1, "Role 2 hospital": 1},
    "Italy": {
        "Multinational battlegroup": 2, "Brigade HQ": 1, "Engineer company": 2, "Air-defence battery": 2,
        "Role 2 hospital": 1, "Military police company": 1, "Frigate": 1, "Minehunter": 2,
        "Fighter detachment (4 jets)": 1,
    },
    "Spain": {
        "Multinational battlegroup": 1, "Brigade HQ": 1, "Engineer company": 1, "Role 2 hospital": 1,
        "Air-defence battery": 1, "Frigate": 1, "Minehunter": 1, "Fighter detachment (4 jets)": 1,
    },
    "Netherlands": {
        "Mechanised infantry battalion": 1, "Air-defence battery": 2, "Engineer company": 1,
        "Frigate": 1, "Minehunter": 2, "Fighter detachment (4 jets)": 1,
    },
    "Belgium": {"Minehunter": 2, "Frigate": 1, "Fighter detachment (4 jets)": 1, "Airlift detachment (2 aircraft)": 1},
    "Denmark": {"Mechanised infantry battalion": 1, "Frigate": 1},
    "Norway": {"Frigate": 1, "Maritime patrol aircraft detachment": 1, "Special operations task group": 1,
               "Role 2 hospital": 1},
    "Sweden": {"Fighter detachment (4 jets)": 1, "ISR / drone detachment": 1, "Minehunter": 2,
               "Airlift detachment (2 aircraft)": 1},
    "Estonia": {"Infantry company (force protection)": 1, "HQ staff officer cell": 2},
    "Latvia": {"Infantry company (force protection)": 1, "HQ staff officer cell": 1},
    "Lithuania": {"Infantry company (force protection)": 2, "HQ staff officer cell": 2, "Training mission team": 1},
    "Portugal": {"Infantry company (force protection)": 2, "Role 2 hospital": 1, "Offshore patrol vessel": 1},
    "Czechia": {"CBRN defence company": 1, "Infantry company (force protection)": 1, "Role 2 hospital": 1,
                "Training mission team": 2},
    "Romania": {"Logistics battalion": 1, "Air-defence battery": 1, "Role 2 hospital": 1, "Minehunter": 1},
    "Canada": {"Multinational battlegroup": 1, "Training mission team": 2, "Airlift detachment (2 aircraft)": 1,
               "Engineer company": 1},
    "Australia": {"Training mission team": 2, "ISR / drone detachment": 1},
    "New Zealand": {"Training mission team": 1, "HQ staff officer cell": 1},
    "Ireland": {"Role 2 hospital": 1, "HQ staff officer cell": 2},
    "Greece": {"Frigate": 1, "Offshore patrol vessel": 1},
    "Croatia": {"Military police company": 1, "Role 2 hospital": 1},
    "Slovenia": {"Infantry company (force protection)": 1},
    "Slovakia": {"Engineer company": 1},
    "Luxembourg": {"HQ staff officer cell": 2},
    "Turkey": {"Frigate": 2, "Minehunter": 4, "Offshore patrol vessel": 1},
}

# Nations that keep their troops off Ukrainian soil: one Caveats row per sector there.
NO_UKRAINIAN_SOIL = ("Germany", "Poland", "Romania", "Croatia")

# --------------------------------------------------------------------------
# The mission over time (contract section 5): six tours of six months
# --------------------------------------------------------------------------
# Tours of 6 months (NATO eFP battlegroups rotate every 6 months; UN contingents
# serve 6-8 months).  Three years: the force is "held for years" (KFOR, Korea).
# The start month is notional: the first tour after a ceasefire.
TIMELINE: dict[str, object] = {"periods": 6, "period_months": 6, "start_month": "2027-01"}

# Build-up: UN missions take about 10 months to reach peak strength, so the
# force stands at two thirds of its target in the first tour, 90 % in the
# second and in full from the third (month 13).  The domain targets follow the
# same share.  (period: share of the Scenario's targets)
BUILD_UP: dict[int, float] = {1: 2 / 3, 2: 0.9}

# The statement of requirements phases in with the force: priority-1 lines
# (the HQs, the core battlegroups, air defence, the sea and air tasks) from the
# first tour, priority 2 and 3 from the second; the Kharkiv approach, the most
# exposed and least essential sector, only once the ceasefire has held a year.
LINES_FROM_PRIORITY: dict[int, int] = {1: 1, 2: 2, 3: 2}
SECTORS_FROM: dict[str, int] = {"Kharkiv approach": 3}

# Deploy-to-dwell (1:d, in tours).  Most nations' pledges are what they can
# keep deployed themselves: their rotation pool stands behind the pledge (the
# 8 % sustainability cap on pledges reflects it), so d = 0.  Nations whose offer
# is a single contingent cannot relieve it in place and rest it between tours:
# 1:2 for the smallest (6 months out, 12 at home: the US Army's active goal,
# close to the UK's 24 months between army tours), 1:1 for the next (illustrative).
DWELL: dict[str, int] = {"Estonia": 2, "Latvia": 2, "Slovenia": 2, "Luxembourg": 2,
                         "New Zealand": 1, "Slovakia": 1, "Croatia": 1, "Ireland": 1}

# Distance and notice to move: Australia and New Zealand, open to a contribution
# once a ceasefire holds, arrive for the second tour.
AVAILABLE_FROM: dict[str, int] = {"Australia": 2, "New Zealand": 2}

SCENARIO_BASE: dict[str, object] = {
    "name": "baseline",
    "force_target": 30000,
    "ceasefire_in_place": True,
    "un_mandate": False,
    "us_backstop": False,
    "sustainable_share": 0.08,
    "max_nations_per_sector": 8,
    "lead_share": 0.4,
    "weight_cost": 1.0,
    "weight_fairness": 1.0,
    "weight_nations": 0.0,
    "time_limit_s": 60,
    "mip_gap": 0.0001,
}


# --------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------

def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def nations_table(timeline: bool = True) -> list[dict]:
    rows = []
    for nation, (status, active, gdp, max_p, min_p, requires, risk, lead, budget, cf, wr, position) in NATIONS.items():
        rows.append({
            "nation": nation, "status": status, "active_personnel": active, "gdp_busd": gdp,
            "max_personnel": max_p, "min_personnel": min_p,
            "requires_ceasefire": _yes("ceasefire" in requires),
            "requires_un_mandate": _yes("un" in requires),
            "requires_us_backstop": _yes("us" in requires),
            "max_sector_risk": risk, "can_lead": _yes(lead), "budget_musd": budget,
            "cost_factor": cf, "withdrawal_risk": wr,
            **({"available_from": AVAILABLE_FROM.get(nation), "dwell_periods": DWELL.get(nation)} if timeline else {}),
            "position": position,  # extra column: kept and ignored by forceplan
        })
    return rows


def unit_types_table() -> list[dict]:
    return [
        {"unit_type": name, "domain": domain, "personnel": personnel, "annual_cost_musd": unit_cost(name),
         "basis": basis}  # extra column
        for name, (domain, personnel, _, _, basis) in UNIT_TYPES.items()
    ]


def sectors_table() -> list[dict]:
    return [
        {"sector": name, "risk": risk, "needs_lead": _yes(lead),
         "on_ukrainian_soil": _yes(soil), "description": text}  # extra columns
        for name, (risk, lead, soil, text) in SECTORS.items()
    ]


def pledges_table() -> list[dict]:
    return [{"nation": n, "unit_type": u, "max_units": k} for n, offers in PLEDGES.items() for u, k in offers.items()]


def line_from_period(sector: str, priority: int) -> int:
    """The first tour a requirement line applies in (build-up)."""
    return max(SECTORS_FROM.get(sector, 1), LINES_FROM_PRIORITY[priority])


def requirements_table(timeline: bool = True) -> list[dict]:
    return [{"unit_type": u, "sector": s, "min_units": lo, "max_units": hi, "priority": p,
             **({"from_period": line_from_period(s, p)} if timeline else {})}
            for u, s, lo, hi, p in REQUIREMENTS]


def phases_table(scen: dict[str, object]) -> list[dict]:
    """Per-tour targets of the build-up: each of the Scenario's targets times the tour's share."""
    names = ("force_target", "land_target", "sea_target", "air_target")
    return [{"period": t, **{name: round(share * int(scen[name])) for name in names}}
            for t, share in sorted(BUILD_UP.items())]


def caveats_table() -> list[dict]:
    return [{"nation": n, "sector": s, "unit_type": None, "note": "no troops on Ukrainian soil"}
            for n in NO_UKRAINIAN_SOIL for s in UKRAINIAN_SOIL]


def requirement_personnel() -> dict[str, int]:
    """Personnel of the statement of requirements at min_units, by domain and in total."""
    out = {"land": 0, "sea": 0, "air": 0}
    for u, _, lo, _, _ in REQUIREMENTS:
        domain, personnel, *_ = UNIT_TYPES[u]
        out[domain] += lo * personnel
    out["total"] = sum(out.values())
    return out


def scenario(timeline: bool = True) -> dict[str, object]:
    """The baseline scenario; domain targets follow the requirement's split; with the
    mission timeline (``timeline``) planned over six tours."""
    sor = requirement_personnel()
    return {**SCENARIO_BASE,
            "land_target": sor["land"], "sea_target": sor["sea"], "air_target": sor["air"],
            **(TIMELINE if timeline else {})}


def eligible(nation: str, scen: dict[str, object]) -> bool:
    status, *_rest = NATIONS[nation]
    requires = NATIONS[nation][5]
    conditions = {"ceasefire": "ceasefire_in_place", "un": "un_mandate", "us": "us_backstop"}
    return status != "declined" and all(scen.get(conditions[r]) for r in requires)


def pledged_capacity(scen: dict[str, object]) -> int:
    """Personnel the eligible nations could send: pledges capped by each nation's personnel cap."""
    total = 0
    share = float(scen.get("sustainable_share", 0.08))
    for nation, offers in PLEDGES.items():
        if not eligible(nation, scen):
            continue
        pledged = sum(k * UNIT_TYPES[u][1] for u, k in offers.items())
        active, max_p = NATIONS[nation][1], NATIONS[nation][3]
        cap = math.floor(share * active)
        if max_p is not None:
            cap = min(cap, max_p)
        total += min(pledged, cap)
    return total


def timeline_rows() -> list[tuple[str, str]]:
    """README rows of the mission timeline, each with its public source."""
    phases = phases_table(scenario())
    build_up = ", ".join(f"tour {p['period']} {p['force_target']:,}" for p in phases)
    single = [n for n, d in DWELL.items() if d == 2]
    one = [n for n, d in DWELL.items() if d == 1]
    late = {s: t for s, t in SECTORS_FROM.items()}
    return [
        ("Mission timeline", f"{TIMELINE['periods']} tours of {TIMELINE['period_months']} months from "
                             f"{TIMELINE['start_month']} (a notional first tour after a ceasefire): three years, as "
                             "such forces are held for years (KFOR since 1999; US forces in Korea since 1953). Six-month "
                             "tours: NATO eFP battlegroups rotate every 6 months; UN contingents serve 6-8 months "
                             "before relief."),
        ("Build-up", f"UN missions take about 10 months to reach peak strength: the targets of the Phases sheet "
                     f"are {build_up} (domain targets in the same share), the full {scenario()['force_target']:,} "
                     f"from tour {max(BUILD_UP) + 1}. The priority-1 lines apply from tour 1, priority 2 and 3 from "
                     f"tour 2 (Requirements from_period); "
                     + ", ".join(f"the {s} from tour {t}" for s, t in late.items())
                     + " once the ceasefire has held a year (illustrative)."),
        ("Rotation", "dwell_periods is the deploy-to-dwell ratio 1:d in tours. Most nations' pledges are what "
                     "they can keep deployed themselves, their rotation pool standing behind the pledge (d = 0; "
                     "the 8% sustainability cap on pledges reflects it). Nations whose offer is a single "
                     "contingent cannot relieve it in place: " + ", ".join(single) + " rest it 1:2 (6 months "
                     "out, 12 at home: the US Army's active-component goal, close to the UK Harmony Guidelines' "
                     "24 months between army tours; RAND puts the units needed to keep one deployed at 3 at 1:2), "
                     + ", ".join(one) + " 1:1 (illustrative)."),
        ("Arrivals", "Australia and New Zealand, open to a contribution once a ceasefire holds, arrive for "
                     "tour 2 (available_from 2: distance and notice to move; the UN's rapid deployment level "
                     "is 60 days from a request). The conditions (ceasefire, UN mandate, US backstop) hold as "
                     "the Scenario's yes/no cells say in every tour: try un_mandate_from to bring one in later."),
    ]


def readme_rows(timeline: bool = True) -> list[tuple[str, str]]:
    sor = requirement_personnel()
    scen = scenario(timeline)
    base = pledged_capacity(scen)
    both = pledged_capacity({**scen, "un_mandate": True, "us_backstop": True})
    return [
        ("Purpose", "An illustrative coalition of 30 nations for a post-ceasefire reassurance force in and "
                    "around Ukraine, to exercise forceplan. It is NOT a record of national commitments: "
                    "public positions are simplified into scenario switches and caveats, and the pledges "
                    "are invented to be consistent with them."),
        ("Force size", "Public discussion ranged from 15,000 to 30,000 (UK officials 'up to 30,000', FT March "
                       "2025; 25-30k in several brigades, France about 10,000, Washington Post February 2025; "
                       "15-30k at the Paris Declaration of 6 January 2026). force_target is 30,000."),
        ("Statement of requirements", f"{len(REQUIREMENTS)} lines in {len(SECTORS)} sectors; "
                                      f"{sor['total']:,} personnel at min_units (land {sor['land']:,}, "
                                      f"sea {sor['sea']:,}, air {sor['air']:,}). The land/sea/air targets "
                                      f"equal this split; max_units leaves room above the minimum. "
                                      f"Ground-based air-defence batteries count in the air domain (the "
                                      f"air shield); maritime patrol aircraft in the air domain too."),
        ("Sectors", "Risk 1 rear areas and staging areas, 2 Kyiv, the coast, the sea and the air, 3 near "
                    "the contact line. On Ukrainian soil: " + ", ".join(UKRAINIAN_SOIL) + ". The staging "
                    "areas are on neighbouring NATO territory; the Black Sea and Ukrainian airspace are sea "
                    "and air areas (extra column on_ukrainian_soil)."),
        ("Nations", "Active personnel: NATO 2024 estimates, else NATO ~2021; GDP: IMF 2024 (billion USD). "
                    "Status and conditions follow the reported positions (extra column position). Nations "
                    "without a reported position are given plausible, clearly illustrative values."),
        ("Caveats", "Germany, Poland, Romania and Croatia keep troops off Ukrainian soil: one Caveats row "
                    "per sector on Ukrainian soil ('no troops on Ukrainian soil'). Their pledges serve the "
                    "staging areas and, for aircraft and ships, the air and sea areas."),
        ("Iceland", "Iceland has no armed forces. The contract needs active_personnel > 0, so 250 (about "
                    "the Coast Guard) is entered; Iceland is declined and pledges nothing."),
        ("Pledges", "Each nation's pledged personnel stays under 8% of its active personnel (NATO "
                    "sustainability target). Under the baseline (ceasefire, no UN mandate, no US backstop) "
                    f"the eligible nations can send {base:,} personnel (pledges capped by max_personnel and "
                    f"8% of active), short of the {sor['total']:,} required: Italy and Ireland wait for a "
                    f"UN mandate, the Netherlands for a US backstop, and caveats keep several pledges off "
                    f"Ukrainian soil. With both switches on: {both:,}."),
        ("Unit costs", f"annual_cost_musd = personnel x {PERSON_YEAR_MUSD} M USD x equipment factor + "
                       "platform running cost. 0.9 M USD per soldier-year sits near the low end of the "
                       "public range ($0.85M DoD Comptroller to $1.2-1.4M CSBA for a US soldier-year in "
                       "Afghanistan; the UN's $1,428 per person-month is only a floor). Equipment factor 1.1-1.5 "
                       "for equipment-heavy land units (hospitals, SOF, HQ, engineers). Platforms: frigate "
                       "$25M and minehunter $4M per ship-year (UK figures GBP 16M / GBP 2-3M, uplifted); fast "
                       "jet and tanker $20M, transport and patrol aircraft $12-15M per aircraft-year; air "
                       "defence $60M per battery-year for missiles and radars (illustrative). Extra column "
                       "basis on UnitTypes gives each size's source. cost_factor (0.8-1.3) reflects national "
                       "pay and support costs and distance."),
        ("Scenario", "Baseline: ceasefire in place (deployment only after a ceasefire, Paris Declaration), "
                     "no UN mandate, no US backstop; sustainable_share 0.08 (NATO usability target); "
                     "lead_share 0.4 (eFP framework nations provide 40-60%); max_nations_per_sector 8 "
                     "(illustrative interoperability limit)."),
        ("Weights", "weight_cost 1 (per million USD a year) and weight_fairness 1 (per person away from the "
                    "GDP fair share) are kept: a deployed person costs about 0.7-1.3 M USD a year here, so one "
                    "person of unfairness weighs about as much as one person's yearly cost, and neither term "
                    "swamps the other. weight_nations 0."),
        *(timeline_rows() if timeline else []),
        ("Try", "forceplan solve data/contributions.xlsx --set un_mandate=yes --set us_backstop=yes "
                "(Italy, Ireland and the Netherlands join); --set ceasefire_in_place=no (Portugal, Belgium, "
                "Australia and New Zealand leave)"
                + ("; --set un_mandate_from=3 (a UN mandate from the third tour: Italy and Ireland join then). "
                   "The force at one moment, without the timeline: python scripts/build_default_workbook.py "
                   "--one-period today.xlsx." if timeline else ".")),
    ]


def build(output: str | Path = DEFAULT_OUTPUT, *, timeline: bool = True) -> None:
    """Write the default workbook at ``output``; ``timeline=False`` writes the force at one
    moment (one period, none of section 5's columns): the same coalition and requirements."""
    scen = scenario(timeline)
    tables = {
        "Nations": nations_table(timeline),
        "UnitTypes": unit_types_table(),
        "Sectors": sectors_table(),
        "Pledges": pledges_table(),
        "Requirements": requirements_table(timeline),
        "Caveats": caveats_table(),
        "Phases": phases_table(scen) if timeline else [],
    }
    write_workbook(output, scen, tables, readme_rows=readme_rows(timeline))


def summary() -> str:
    sor = requirement_personnel()
    scen = scenario()
    lines = [
        f"nations: {len(NATIONS)}, unit types: {len(UNIT_TYPES)}, sectors: {len(SECTORS)}, "
        f"requirement lines: {len(REQUIREMENTS)}, pledges: {len(pledges_table())}, caveats: {len(caveats_table())}",
        f"requirement personnel at min_units: {sor['total']:,} "
        f"(land {sor['land']:,}, sea {sor['sea']:,}, air {sor['air']:,})",
        f"eligible pledged capacity: baseline {pledged_capacity(scen):,}; "
        f"+UN {pledged_capacity({**scen, 'un_mandate': True}):,}; "
        f"+US {pledged_capacity({**scen, 'us_backstop': True}):,}; "
        f"+both {pledged_capacity({**scen, 'un_mandate': True, 'us_backstop': True}):,}",
    ]
    share = scen["sustainable_share"]
    for nation, offers in PLEDGES.items():
        pledged = sum(k * UNIT_TYPES[u][1] for u, k in offers.items())
        cap8 = math.floor(share * NATIONS[nation][1])
        if pledged > cap8:
            lines.append(f"WARNING: {nation} pledges {pledged} > 8% of active ({cap8})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", default=str(DEFAULT_OUTPUT), help="workbook to write")
    parser.add_argument("--summary", action="store_true", help="print the shape of the data")
    parser.add_argument("--one-period", action="store_true",
                        help="the force at one moment: one period, without the mission timeline")
    args = parser.parse_args(argv)
    build(args.output, timeline=not args.one_period)
    print(f"wrote {args.output}")
    if args.summary:
        print(summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
