"""Seeded generators of valid contract workbooks (``CONTRACT.md`` section 1).

Used by the tests (cross-checks against an independent checker and brute
force) and by the benchmarks.  Self-contained: plain :mod:`openpyxl` and
:mod:`random`, nothing else from :mod:`optimizer`, so a bug in the reader
cannot shape the instances it is tested on.

``generate_workbook(path, n_nations=30, n_unit_types=15, n_sectors=6, seed=0, features=None, ample=None)``
    A realistic instance: land, sea and air unit types and sectors, all four
    statuses, conditions, risk limits, lead nations, budgets, cost factors,
    minimum and maximum contributions, interoperability limit, caveats.
    About one seed in three (or ``ample=True``) plants a plan without
    shortfall and returns it; the others nearly always have a shortfall.
``generate_hard_workbook(path, n_nations=50, n_unit_types=30, n_sectors=8, seed=0, max_nations_per_sector=4, caveat_rows=20)``
    An instance of the hard class of ``../shared/bench/`` (issue 15): its
    distributions, measured on the five workbooks there, drawn anew from
    ``seed`` — for medians over more than those five.
``generate_tiny_workbook(path, seed, features=None, max_plans=20_000)``
    An instance small enough to enumerate every plan (2-3 nations, 1-3 unit
    types, 1-2 sectors, pledges of 0-2 units), still exercising every feature.
``write_workbook_from_tables(path, scenario, tables)``
    Any workbook from plain rows, for hand-written test instances.

``features`` switches parts of the instance on or off; keys are
:data:`FEATURES`.  A key left out (or ``None``) is decided at random from the
seed, so the default is a random mix.  The same arguments always give the
same cell contents.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any, Iterable, Mapping

import openpyxl

__all__ = [
    "FEATURES",
    "SHEET_COLUMNS",
    "count_assignments",
    "generate_hard_workbook",
    "generate_workbook",
    "generate_tiny_workbook",
    "write_workbook_from_tables",
]

#: Switchable parts of a generated instance.
FEATURES: tuple[str, ...] = (
    "leads",  # can_lead nations, needs_lead sectors
    "caveats",  # Caveats rows
    "budgets",  # budget_musd on some nations
    "minimums",  # min_personnel on some nations
    "caps",  # max_personnel on some nations
    "interop",  # max_nations_per_sector
    "conditions",  # requires_* flags on some nations
    "domain_targets",  # land/sea/air targets
)

#: Contract column order of every sheet; also the header of an empty sheet.
SHEET_COLUMNS: dict[str, tuple[str, ...]] = {
    "Scenario": ("parameter", "value"),
    "Nations": (
        "nation", "status", "active_personnel", "gdp_busd", "max_personnel", "min_personnel",
        "requires_ceasefire", "requires_un_mandate", "requires_us_backstop", "max_sector_risk",
        "can_lead", "budget_musd", "cost_factor", "withdrawal_risk",
    ),
    "UnitTypes": ("unit_type", "domain", "personnel", "annual_cost_musd"),
    "Sectors": ("sector", "risk", "needs_lead"),
    "Pledges": ("nation", "unit_type", "max_units"),
    "Requirements": ("unit_type", "sector", "min_units", "max_units", "priority"),
    "Caveats": ("nation", "sector", "unit_type", "note"),
}
_REQUIRED_SHEETS = ("Scenario", "Nations", "UnitTypes", "Sectors", "Pledges", "Requirements")


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """Python value -> cell value: bool -> yes/no, None -> blank."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def write_workbook_from_tables(
    path: str | Path, scenario: Mapping[str, Any], tables: Mapping[str, Iterable[Mapping[str, Any]]]
) -> None:
    """Write a workbook: a Scenario sheet from ``scenario`` and one sheet per table.

    ``scenario`` maps parameter -> value (one Scenario row each, in order).
    ``tables`` maps sheet name -> rows (dicts column -> value).  Columns are
    the contract's columns present in any row, in contract order, then any
    other columns in order of first appearance.  A required sheet missing from
    ``tables`` (or a table without rows) is written with the contract header
    only; Caveats is written only when given.  ``True``/``False`` become
    ``yes``/``no`` and ``None`` a blank cell.  Nothing is validated, so
    invalid workbooks can be written on purpose.
    """
    if "Scenario" in tables:
        raise ValueError("pass the Scenario sheet as `scenario`, not in `tables`")
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)

    sheet = workbook.create_sheet("Scenario")
    sheet.append(["parameter", "value"])
    for parameter, value in scenario.items():
        sheet.append([parameter, _cell(value)])

    names = list(_REQUIRED_SHEETS[1:]) + [t for t in tables if t not in _REQUIRED_SHEETS]
    for name in names:
        rows = [dict(r) for r in tables.get(name, ())]
        known = SHEET_COLUMNS.get(name, ())
        present: list[str] = []
        for row in rows:
            for col in row:
                if col not in present:
                    present.append(col)
        columns = [c for c in known if c in present] + [c for c in present if c not in known]
        if not columns:
            columns = list(known)
        sheet = workbook.create_sheet(name)
        sheet.append(columns)
        for row in rows:
            sheet.append([_cell(row.get(col)) for col in columns])

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


# --------------------------------------------------------------------------
# Catalogues
# --------------------------------------------------------------------------

_NATION_NAMES = (
    "United Kingdom", "France", "Germany", "Italy", "Poland", "Netherlands", "Belgium", "Denmark",
    "Norway", "Sweden", "Finland", "Estonia", "Latvia", "Lithuania", "Czechia", "Slovakia",
    "Romania", "Bulgaria", "Spain", "Portugal", "Greece", "Türkiye", "Canada", "Australia",
    "New Zealand", "Japan", "Ireland", "Austria", "Luxembourg", "Iceland", "Croatia", "Slovenia",
    "Albania", "North Macedonia", "Montenegro", "Hungary", "Switzerland", "Cyprus", "Malta",
    "South Korea", "Brazil", "Argentina", "Chile", "Mexico", "India", "Indonesia", "Morocco",
    "Kenya", "Ghana", "Bangladesh", "Pakistan", "Uruguay", "Fiji", "Nepal", "Singapore",
)

# (name, domain, personnel range, yearly cost per person in MUSD range)
_UNIT_CATALOGUE: tuple[tuple[str, str, tuple[int, int], tuple[float, float]], ...] = (
    ("Mechanised infantry battalion", "land", (600, 900), (0.12, 0.2)),
    ("Light infantry battalion", "land", (450, 700), (0.08, 0.14)),
    ("Armoured battalion", "land", (400, 600), (0.18, 0.3)),
    ("Artillery battalion", "land", (350, 550), (0.15, 0.25)),
    ("Logistics battalion", "land", (400, 700), (0.08, 0.14)),
    ("Brigade headquarters", "land", (150, 300), (0.12, 0.2)),
    ("Air defence battery", "land", (100, 200), (0.3, 0.6)),
    ("Engineer company", "land", (120, 200), (0.1, 0.16)),
    ("Military police company", "land", (100, 160), (0.08, 0.12)),
    ("Role 2 medical unit", "land", (60, 120), (0.15, 0.25)),
    ("CBRN defence company", "land", (80, 150), (0.12, 0.2)),
    ("Special operations task group", "land", (60, 150), (0.3, 0.5)),
    ("ISR company", "land", (80, 150), (0.15, 0.3)),
    ("Signals company", "land", (100, 180), (0.1, 0.18)),
    ("Demining team", "land", (30, 60), (0.1, 0.2)),
    ("Frigate", "sea", (150, 250), (0.3, 0.5)),
    ("Mine countermeasures vessel", "sea", (30, 60), (0.4, 0.7)),
    ("Offshore patrol vessel", "sea", (30, 80), (0.25, 0.4)),
    ("Submarine", "sea", (40, 60), (0.8, 1.2)),
    ("Amphibious ship", "sea", (300, 500), (0.2, 0.35)),
    ("Fighter squadron", "air", (150, 300), (0.5, 0.9)),
    ("Air-to-air refuelling detachment", "air", (60, 120), (0.5, 0.8)),
    ("Transport aircraft detachment", "air", (80, 150), (0.3, 0.5)),
    ("Helicopter squadron", "air", (120, 250), (0.3, 0.5)),
    ("ISR drone detachment", "air", (40, 90), (0.4, 0.7)),
    ("Maritime patrol aircraft detachment", "air", (60, 120), (0.5, 0.8)),
    ("Airborne early warning detachment", "air", (100, 180), (0.6, 1.0)),
)

_LAND_SECTORS = (
    "Sector North", "Sector East", "Sector South", "Sector Centre", "Sector West", "Kyiv region",
    "Odesa region", "Dnipro line", "Kharkiv region", "Lviv region", "Zaporizhzhia front",
    "Mykolaiv region", "Poltava region", "Vinnytsia region",
)
_SEA_SECTORS = ("Black Sea west", "Black Sea north", "Sea of Azov", "Danube delta")
_AIR_SECTORS = ("Airspace west", "Airspace centre", "Airspace east", "Airspace south")

_CAVEAT_NOTES = (
    "no troops on Ukrainian soil",
    "parliamentary mandate limited to rear areas",
    "no combat role",
    "maritime contribution only",
    "air policing only",
    "no deployment east of the Dnipro",
    "unit committed to national defence",
    "awaiting parliamentary vote",
)


def _names(base: tuple[str, ...], n: int, fallback: str) -> list[str]:
    """The first n names of ``base``, then ``fallback 1``, ``fallback 2`` ..."""
    names = list(base[:n])
    names += [f"{fallback} {i}" for i in range(1, n - len(names) + 1)]
    return names


def _resolve_features(features: Mapping[str, bool | None] | None, rng: random.Random, p_on: float) -> dict[str, bool]:
    """Every feature on/off: given ones as given, the others at random (probability ``p_on``)."""
    features = dict(features or {})
    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown features {sorted(unknown)}; known: {FEATURES}")
    draws = {f: rng.random() < p_on for f in FEATURES}  # drawn always, so seeds stay comparable
    return {f: (draws[f] if features.get(f) is None else bool(features[f])) for f in FEATURES}


def _pick_unit_types(rng: random.Random, n: int) -> list[tuple[str, str, int, float]]:
    """n unit types (name, domain, personnel, annual_cost_musd), about 60% land, 20% sea, 20% air."""
    by_domain = {d: [c for c in _UNIT_CATALOGUE if c[1] == d] for d in ("land", "sea", "air")}
    for entries in by_domain.values():
        rng.shuffle(entries)
    n_sea = n_air = 0 if n < 3 else max(1, round(0.2 * n))
    counts = {"land": n - n_sea - n_air, "sea": n_sea, "air": n_air}
    chosen = []
    for domain, count in counts.items():
        entries = by_domain[domain]
        for i in range(count):
            name, _, (p_lo, p_hi), (c_lo, c_hi) = entries[i % len(entries)]
            if i >= len(entries):  # catalogue exhausted: a variant of an earlier type
                name = f"{name} (variant {i // len(entries) + 1})"
            personnel = rng.randint(p_lo, p_hi)
            personnel = max(30, min(900, 10 * round(personnel / 10) if personnel >= 100 else personnel))
            cost = round(personnel * rng.uniform(c_lo, c_hi), 1)
            chosen.append((name, domain, personnel, cost))
    return chosen


def _pick_sectors(rng: random.Random, n: int, domains_present: set[str]) -> list[tuple[str, str, int]]:
    """n sectors (name, domain, risk): mostly land, a sea and an air area when those units exist."""
    n_sea = (1 if "sea" in domains_present and n >= 3 else 0) + (1 if "sea" in domains_present and n >= 8 else 0)
    n_air = (1 if "air" in domains_present and n >= 3 else 0) + (1 if "air" in domains_present and n >= 8 else 0)
    n_land = n - n_sea - n_air
    sectors = []
    for i, name in enumerate(_names(_LAND_SECTORS, n_land, "Land sector")):
        risk = 3 if i == 0 else rng.choices((1, 2, 3), (0.3, 0.4, 0.3))[0]
        sectors.append((name, "land", risk))
    for name in _names(_SEA_SECTORS, n_sea, "Sea area"):
        sectors.append((name, "sea", rng.choices((1, 2, 3), (0.3, 0.5, 0.2))[0]))
    for name in _names(_AIR_SECTORS, n_air, "Air area"):
        sectors.append((name, "air", rng.choice((1, 2))))
    return sectors


# --------------------------------------------------------------------------
# The realistic generator
# --------------------------------------------------------------------------


def generate_workbook(
    path: str | Path,
    *,
    n_nations: int = 30,
    n_unit_types: int = 15,
    n_sectors: int = 6,
    seed: int = 0,
    features: Mapping[str, bool | None] | None = None,
    ample: bool | None = None,
    density: float = 1.0,
) -> dict[str, Any] | None:
    """Write a valid, realistic contract workbook determined by the arguments.

    ``ample=True`` plants a plan without any shortfall (see :func:`_plant_full_plan`),
    so the optimal shortfall score is 0; ``ample=False`` draws supply at random,
    which nearly always leaves a shortfall; ``None`` (default): ample for about
    one seed in three.  With very few nations the planted plan may turn a nation
    eligible (e.g. a declined one committed), so not every status may remain.

    ``density`` scales how many lines each sector asks for and how many
    nations pledge each unit type (1.0: a sparse, typical coalition; 3.0:
    nearly every nation offers every kind of unit, the hard case for the solver).

    Returns the planted plan ``{"units": {(nation, unit_type, sector): units},
    "leads": {sector: nation}}`` when ample, else ``None``.
    """
    if n_nations < 1 or n_unit_types < 1 or n_sectors < 1:
        raise ValueError("need at least one nation, unit type and sector")
    rng = random.Random(seed)
    on = _resolve_features(features, rng, p_on=0.7)
    ample_draw = rng.random() < 1 / 3
    ample = ample_draw if ample is None else bool(ample)

    # Unit types and sectors -------------------------------------------------
    unit_types = _pick_unit_types(rng, n_unit_types)
    domains_present = {d for _, d, _, _ in unit_types}
    sectors = _pick_sectors(rng, n_sectors, domains_present)
    types_by_domain = {d: [u for u in unit_types if u[1] == d] for d in ("land", "sea", "air")}
    personnel_of = {u[0]: u[2] for u in unit_types}
    cost_of = {u[0]: u[3] for u in unit_types}
    domain_of = {u[0]: u[1] for u in unit_types}

    # Requirements: each sector asks for some unit types of its own domain -----
    lines: dict[tuple[str, str], dict[str, Any]] = {}

    def add_line(unit_type: str, sector: str) -> None:
        size = personnel_of[unit_type]
        top = 4 if size >= 400 else 6
        min_units = 0 if rng.random() < 0.08 else rng.randint(1, top)
        max_units = None if rng.random() < 0.4 else min_units + rng.randint(0, 3)
        lines[(unit_type, sector)] = {
            "unit_type": unit_type, "sector": sector, "min_units": min_units, "max_units": max_units,
            "priority": rng.choices((1, 2, 3, None), (0.3, 0.35, 0.25, 0.1))[0],
        }

    for name, domain, _ in sectors:
        candidates = types_by_domain[domain]
        for u in rng.sample(candidates, rng.randint(1, min(len(candidates), max(1, round(6 * density))))):
            add_line(u[0], name)
    for u in unit_types:  # every unit type is required somewhere in its domain
        homes = [s for s, d, _ in sectors if d == u[1]]
        if homes and not any(key[0] == u[0] for key in lines):
            add_line(u[0], rng.choice(homes))

    # Nations -----------------------------------------------------------------
    statuses = rng.choices(("committed", "considering", "uncertain", "declined"), (0.4, 0.25, 0.2, 0.15), k=n_nations)
    if n_nations >= 4:  # every status occurs
        for status, i in zip(("committed", "considering", "uncertain", "declined"), rng.sample(range(n_nations), 4)):
            statuses[i] = status
    # Sizes log-uniform in 1,000-250,000, roughly largest first so the well-known names are the big ones
    actives = sorted((math.exp(rng.uniform(math.log(1_000), math.log(250_000))) for _ in range(n_nations)), reverse=True)
    for _ in range(n_nations // 3):
        i, j = rng.randrange(n_nations), rng.randrange(n_nations)
        actives[i], actives[j] = actives[j], actives[i]
    nations = []
    for i, name in enumerate(_names(_NATION_NAMES, n_nations, "Nation")):
        active = max(1_000, min(250_000, int(round(actives[i], -2))))
        gdp = round(min(5_000.0, max(10.0, active / 50 * math.exp(rng.gauss(0, 0.6)))), 1)
        big = active >= 50_000
        nations.append({
            "nation": name, "status": statuses[i], "active_personnel": active, "gdp_busd": gdp,
            "max_personnel": None, "min_personnel": None,
            "requires_ceasefire": None, "requires_un_mandate": None, "requires_us_backstop": None,
            "max_sector_risk": rng.choices((1, 2, 3, None), (0.2, 0.35, 0.2, 0.25))[0],
            "can_lead": (True if rng.random() < (0.6 if big else 0.1) else None) if on["leads"] else None,
            "budget_musd": None,
            "cost_factor": None if rng.random() < 0.3 else round(rng.uniform(0.7, 1.4), 2),
            "withdrawal_risk": None if rng.random() < 0.5 else round(rng.uniform(0.0, 0.5), 2),
        })
        if on["conditions"]:
            for flag, p in (("requires_ceasefire", 0.2), ("requires_un_mandate", 0.15), ("requires_us_backstop", 0.2)):
                nations[-1][flag] = True if rng.random() < p else rng.choice((False, None))
    if on["leads"]:  # at least two nations able to lead
        for row in sorted(nations, key=lambda r: -r["active_personnel"])[:2]:
            row["can_lead"] = True
    sustainable_share = rng.choice((None, None, 0.05, 0.08, 0.1, 0.12, 0.15))
    share = 0.08 if sustainable_share is None else sustainable_share
    cap_of = {r["nation"]: math.floor(share * r["active_personnel"]) for r in nations}

    # Pledges: per unit type, supply = demand x a seeded generosity, spread over a few nations
    # able to deploy such a unit, each unit going preferably to a nation with room under its cap.
    generosity = rng.uniform(0.6, 3.0)
    demand = {u[0]: sum(line["min_units"] for key, line in lines.items() if key[0] == u[0]) for u in unit_types}
    pledges: dict[tuple[str, str], int] = {}
    room = dict(cap_of)  # personnel each nation could still deploy
    for name, _, size, _ in unit_types:
        total = max(1, round(demand[name] * generosity * rng.uniform(0.7, 1.3))) if demand[name] else rng.randint(0, 3)
        able = [r for r in nations if cap_of[r["nation"]] >= size] or nations
        k = min(len(able), rng.randint(1, max(1, round(n_nations // 3 * density))))
        givers = sorted({r["nation"] for r in rng.choices(able, [r["active_personnel"] for r in able], k=k)})
        for nation in givers:
            pledges[(nation, name)] = 0
        for _ in range(total):
            nation = rng.choices(givers, [max(room[g], size // 10) for g in givers])[0]
            pledges[(nation, name)] += 1
            room[nation] -= size

    # Limits relative to what each nation pledged --------------------------------
    pledged_personnel = {r["nation"]: 0 for r in nations}
    pledged_cost = {r["nation"]: 0.0 for r in nations}
    for (n, u), x in pledges.items():
        pledged_personnel[n] += x * personnel_of[u]
        pledged_cost[n] += x * cost_of[u]
    for row in nations:
        n = row["nation"]
        factor = row["cost_factor"] or 1.0
        if on["budgets"] and pledged_cost[n] > 0 and rng.random() < 0.35:
            row["budget_musd"] = round(pledged_cost[n] * factor * rng.uniform(0.3, 1.2), 1)
        if on["minimums"] and rng.random() < 0.25:
            row["min_personnel"] = 50 * rng.randint(2, 12)
        elif rng.random() < 0.2:
            row["min_personnel"] = 0
        if on["caps"] and rng.random() < 0.3:
            row["max_personnel"] = int(round(max(cap_of[n], 100) * rng.uniform(0.3, 1.2), -1))

    # Sectors with lead requirements ------------------------------------------------
    sector_rows = []
    for name, domain, risk in sectors:
        needs_lead = None
        if on["leads"]:
            needs_lead = rng.random() < (0.6 if domain == "land" else 0.3)
        sector_rows.append({"sector": name, "risk": risk, "needs_lead": needs_lead})
    if on["leads"] and not any(r["needs_lead"] for r in sector_rows):
        sector_rows[0]["needs_lead"] = True

    # Caveats ---------------------------------------------------------------------
    caveat_rows = []
    if on["caveats"]:
        sector_names = [s[0] for s in sectors]
        for row in nations:
            if rng.random() >= 0.25:
                continue
            seen = set()
            for _ in range(rng.randint(1, 2)):
                kind = rng.choices(("sector", "unit_type", "both", "nation"), (0.4, 0.25, 0.3, 0.05))[0]
                sector = unit_type = None
                if kind == "both":  # a specific requirement line
                    unit_type, sector = rng.choice(sorted(lines))
                elif kind == "sector":
                    sector = rng.choice(sector_names)
                elif kind == "unit_type":
                    unit_type = rng.choice(unit_types)[0]
                if (sector, unit_type) not in seen:
                    seen.add((sector, unit_type))
                    caveat_rows.append({
                        "nation": row["nation"], "sector": sector, "unit_type": unit_type,
                        "note": rng.choice(_CAVEAT_NOTES) if rng.random() < 0.8 else None,
                    })

    # Scenario: targets relative to the personnel the requirements ask for ---------
    required = {d: 0 for d in ("land", "sea", "air")}
    for (u, _s), line in lines.items():
        required[domain_of[u]] += line["min_units"] * personnel_of[u]
    force_target = int(round(sum(required.values()) * rng.uniform(0.5, 1.3), -2))
    scenario: dict[str, Any] = {
        "name": f"synthetic-{seed}",
        "force_target": force_target,
    }
    for domain in ("land", "sea", "air"):
        wanted = on["domain_targets"] and required[domain] > 0 and rng.random() < 0.7
        scenario[f"{domain}_target"] = int(round(required[domain] * rng.uniform(0.5, 1.3), -1)) if wanted else None
    scenario.update({
        "ceasefire_in_place": rng.random() < 0.5,
        "un_mandate": rng.random() < 0.4,
        "us_backstop": rng.random() < 0.5,
        "sustainable_share": sustainable_share,
        "max_nations_per_sector": rng.randint(2, 6) if on["interop"] else None,
        "lead_share": round(rng.uniform(0.3, 0.6), 2),
        "weight_cost": rng.choice((None, 1, 1, 2)),
        "weight_fairness": rng.choice((None, 1, 0.1, 0.01)),
        "weight_nations": rng.choice((None, 0, 0, 10, 100)),
        "time_limit_s": 30,
        "mip_gap": rng.choice((None, 0.0001, 0.001)),
    })

    planted = None
    if ample:
        planted = _plant_full_plan(rng, scenario, nations, unit_types, sector_rows, lines, pledges, caveat_rows)
    pledge_rows = [
        {"nation": n, "unit_type": u, "max_units": x}
        for n, u, x in sorted((n, u, x) for (n, u), x in pledges.items())
    ]
    write_workbook_from_tables(
        path,
        scenario,
        {
            "Nations": nations,
            "UnitTypes": [
                {"unit_type": n, "domain": d, "personnel": p, "annual_cost_musd": c} for n, d, p, c in unit_types
            ],
            "Sectors": sector_rows,
            "Pledges": pledge_rows,
            "Requirements": list(lines.values()),
            "Caveats": caveat_rows,
        },
    )
    return planted


_SWITCH_OF_FLAG = {
    "requires_ceasefire": "ceasefire_in_place",
    "requires_un_mandate": "un_mandate",
    "requires_us_backstop": "us_backstop",
}
_MAX_ACTIVE = 250_000


def _plant_full_plan(
    rng: random.Random,
    scenario: dict[str, Any],
    nations: list[dict[str, Any]],
    unit_types: list[tuple[str, str, int, float]],
    sector_rows: list[dict[str, Any]],
    lines: dict[tuple[str, str], dict[str, Any]],
    pledges: dict[tuple[str, str], int],
    caveat_rows: list[dict[str, Any]],
) -> dict[str, Any]:
    """Edit the rows in place so that a plan with zero shortfall exists; return that plan.

    Each sector gets one *owner* nation that fills every line of the sector
    alone (min_units of each): one nation per sector satisfies any
    interoperability limit, and an owner holding all of a sector's personnel
    is a valid lead.  Owners of needs-lead sectors are distinct nations able
    to lead; other owners prefer nations not yet used.  Each owner is made
    eligible, allowed the sector's risk, relieved of caveats that forbid its
    lines, given the pledges, cap, minimum and budget its share needs.  Lines
    too large for any cap are trimmed, and the targets are set at or below
    the planted personnel.
    """
    share = scenario["sustainable_share"] or 0.08
    personnel_of = {u[0]: u[2] for u in unit_types}
    cost_of = {u[0]: u[3] for u in unit_types}
    domain_of = {u[0]: u[1] for u in unit_types}
    by_name = {r["nation"]: r for r in nations}

    def eligible(row) -> bool:
        return row["status"] != "declined" and all(
            scenario[switch] for flag, switch in _SWITCH_OF_FLAG.items() if row[flag]
        )

    def make_eligible(row) -> None:
        if row["status"] == "declined":
            row["status"] = "committed"
        for flag in _SWITCH_OF_FLAG:
            if row[flag] and not scenario[_SWITCH_OF_FLAG[flag]]:
                row[flag] = False

    # Owners: lead sectors first (they need distinct nations), each from the few largest candidates
    owner: dict[str, str] = {}
    leading: set[str] = set()
    used: set[str] = set()
    order = sorted(sector_rows, key=lambda r: not r["needs_lead"])
    for row in order:
        sector = row["sector"]
        if not any(key[1] == sector and line["min_units"] for key, line in lines.items()):
            continue  # nothing to fill
        if row["needs_lead"]:
            base = [r for r in nations if r["nation"] not in leading]
            if not base:  # fewer nations than lead sectors
                row["needs_lead"] = False
                base = nations
        else:
            base = nations
        # Prefer eligible nations not yet used, then any eligible one; make one eligible only if none is
        # (a declined nation last if it is the only declined one, so every status stays present).
        pool = [r for r in base if eligible(r) and r["nation"] not in used] or [r for r in base if eligible(r)]
        if pool:
            able = [r for r in pool if r["can_lead"]] if row["needs_lead"] else []
            chosen = rng.choice(sorted(able or pool, key=lambda r: -r["active_personnel"])[:3])
        else:
            declined = sum(r["status"] == "declined" for r in nations)
            chosen = min(base, key=lambda r: (r["status"] == "declined" and declined == 1, -r["active_personnel"]))
        owner[sector] = chosen["nation"]
        used.add(chosen["nation"])
        make_eligible(chosen)
        if (chosen["max_sector_risk"] or 3) < row["risk"]:
            chosen["max_sector_risk"] = row["risk"]
        if row["needs_lead"]:
            chosen["can_lead"] = True
            leading.add(chosen["nation"])

    # Trim lines an owner could not carry even at the largest size.
    def planted_personnel(nation: str) -> int:
        return sum(
            line["min_units"] * personnel_of[u] for (u, s), line in lines.items() if owner.get(s) == nation
        )

    ceiling = math.floor(share * _MAX_ACTIVE)
    for nation in set(owner.values()):
        while planted_personnel(nation) > ceiling:
            line = max(
                (line for (u, s), line in lines.items() if owner.get(s) == nation and line["min_units"]),
                key=lambda line: personnel_of[line["unit_type"]],
            )
            line["min_units"] -= 1

    # Owner limits, pledges and caveats
    planted: dict[tuple[str, str], int] = {}
    for (u, s), line in lines.items():
        if s in owner and line["min_units"]:
            planted[(owner[s], u)] = planted.get((owner[s], u), 0) + line["min_units"]
    for (nation, u), units in planted.items():
        pledges[(nation, u)] = max(pledges.get((nation, u), 0), units)
    for nation in set(owner.values()):
        row = by_name[nation]
        personnel = planted_personnel(nation)
        cost = sum(x * cost_of[u] for (n, u), x in planted.items() if n == nation) * (row["cost_factor"] or 1.0)
        if math.floor(share * row["active_personnel"]) < personnel:
            row["active_personnel"] = min(_MAX_ACTIVE, 100 * math.ceil(personnel / share / 100) + 100)
        if row["max_personnel"] is not None and row["max_personnel"] < personnel:
            row["max_personnel"] = 10 * math.ceil(personnel / 10)
        if (row["min_personnel"] or 0) > personnel:
            row["min_personnel"] = 10 * (personnel // 10)
        if row["budget_musd"] is not None and row["budget_musd"] < cost:
            row["budget_musd"] = math.ceil(cost * rng.uniform(1.0, 1.3) * 10 + 1e-9) / 10
    owned = {(owner[s], u, s) for (u, s), line in lines.items() if s in owner and line["min_units"]}
    caveat_rows[:] = [
        c for c in caveat_rows
        if not any(
            c["nation"] == n and c["sector"] in (None, s) and c["unit_type"] in (None, u) for n, u, s in owned
        )
    ]

    # Targets within the planted personnel
    planted_by_domain = {d: 0 for d in ("land", "sea", "air")}
    for (u, s), line in lines.items():
        if s in owner:
            planted_by_domain[domain_of[u]] += line["min_units"] * personnel_of[u]
    scenario["force_target"] = 100 * int(sum(planted_by_domain.values()) * rng.uniform(0.6, 1.0) // 100)
    for domain, personnel in planted_by_domain.items():
        if scenario[f"{domain}_target"] is not None:
            scenario[f"{domain}_target"] = 10 * int(personnel * rng.uniform(0.6, 1.0) // 10)

    units = {(owner[s], u, s): line["min_units"] for (u, s), line in lines.items() if s in owner and line["min_units"]}
    holding = {s for (_n, _u, s) in units}
    leads = {r["sector"]: owner[r["sector"]] for r in sector_rows if r["needs_lead"] and r["sector"] in holding}
    return {"units": units, "leads": leads}


# --------------------------------------------------------------------------
# The tiny generator (brute-force sized)
# --------------------------------------------------------------------------


def count_assignments(pledges: Mapping[tuple[str, str], int], lines: Iterable[tuple[str, str]]) -> int:
    """Upper bound on the plans of an instance: product over pledges of C(max_units + k, k),
    k the number of requirement lines of the pledged unit type (ignores eligibility,
    risk and caveats, which only remove plans)."""
    lines_per_type: dict[str, int] = {}
    for unit_type, _sector in lines:
        lines_per_type[unit_type] = lines_per_type.get(unit_type, 0) + 1
    total = 1
    for (_nation, unit_type), units in pledges.items():
        k = lines_per_type.get(unit_type, 0)
        total *= math.comb(units + k, k)
    return total


def generate_tiny_workbook(
    path: str | Path,
    seed: int,
    features: Mapping[str, bool | None] | None = None,
    *,
    max_plans: int = 20_000,
) -> None:
    """Write a valid workbook with at most ``max_plans`` integer plans (see :func:`count_assignments`).

    2-3 nations, 1-3 unit types, 1-2 sectors, pledges of 0-2 units; features
    default to on with probability 0.8 each, with parameters chosen so that
    caps, minimums, budgets, leads and the interoperability limit often bind.
    ``mip_gap`` is 0 so a solver's stage 2 must match brute force exactly.
    """
    rng = random.Random(seed)
    on = _resolve_features(features, rng, p_on=0.8)
    n_nations = rng.choice((2, 3, 3))
    n_unit_types = rng.choice((1, 2, 2, 3, 3))
    n_sectors = rng.choice((1, 2, 2))

    domains = ("land", "sea", "air")
    unit_types = []
    for i in range(n_unit_types):
        domain = rng.choices(domains, (0.6, 0.2, 0.2))[0]
        personnel = rng.choice((50, 80, 100, 150, 200, 300, 450))
        unit_types.append({
            "unit_type": f"Unit {chr(ord('A') + i)}", "domain": domain, "personnel": personnel,
            "annual_cost_musd": round(personnel * rng.uniform(0.05, 0.5), 1),
        })
    sectors = [
        {
            "sector": f"Sector {i + 1}", "risk": rng.choice((1, 2, 2, 3)),
            "needs_lead": (rng.random() < 0.6) if on["leads"] else None,
        }
        for i in range(n_sectors)
    ]
    lines = {}
    for s in sectors:
        wanted = [u for u in unit_types if rng.random() < 0.75] or [rng.choice(unit_types)]
        for u in wanted:
            min_units = rng.randint(0, 3)
            lines[(u["unit_type"], s["sector"])] = {
                "unit_type": u["unit_type"], "sector": s["sector"], "min_units": min_units,
                "max_units": None if rng.random() < 0.5 else min_units + rng.randint(0, 2),
                "priority": rng.choice((1, 2, 3, None)),
            }

    nations = []
    for i in range(n_nations):
        active = rng.choice((5_000, 10_000, 15_000, 25_000, 50_000))
        nation = {
            "nation": f"Nation {chr(ord('P') + i)}",
            "status": rng.choices(("committed", "considering", "uncertain", "declined"), (0.5, 0.25, 0.17, 0.08))[0],
            "active_personnel": active,
            "gdp_busd": round(rng.uniform(10, 500), 1),
            "max_personnel": None, "min_personnel": None,
            "requires_ceasefire": None, "requires_un_mandate": None, "requires_us_backstop": None,
            "max_sector_risk": rng.choice((2, 3, 3, None)),
            "can_lead": (rng.random() < 0.6) if on["leads"] else None,
            "budget_musd": None,
            "cost_factor": rng.choice((None, 0.8, 1.0, 1.25)),
        }
        if on["conditions"]:
            flag = rng.choice(("requires_ceasefire", "requires_un_mandate", "requires_us_backstop", None, None, None))
            if flag:
                nation[flag] = True
        nations.append(nation)

    pledges = {}  # most nations offer most unit types, 0-2 units each
    for n in nations:
        for u in unit_types:
            if rng.random() < 0.8:
                pledges[(n["nation"], u["unit_type"])] = rng.choices((0, 1, 2), (0.05, 0.35, 0.6))[0]
    line_keys = list(lines)
    while count_assignments(pledges, line_keys) > max_plans:  # shrink until enumerable
        key = rng.choice([k for k, v in pledges.items() if v > 0])
        pledges[key] -= 1

    personnel_of = {u["unit_type"]: u["personnel"] for u in unit_types}
    cost_of = {u["unit_type"]: u["annual_cost_musd"] for u in unit_types}
    for nation in nations:
        n = nation["nation"]
        offered = [(u, x) for (m, u), x in pledges.items() if m == n and x > 0]
        personnel = sorted(personnel_of[u] for u, _ in offered)
        full_personnel = sum(x * personnel_of[u] for u, x in offered)
        if on["minimums"] and personnel and rng.random() < 0.35:
            nation["min_personnel"] = personnel[0] + rng.choice((0, 10, 50))  # the smallest unit alone may not do
        if on["caps"] and personnel and rng.random() < 0.35:  # binds on what it offers, allows the smallest unit
            nation["max_personnel"] = max(personnel[0], int(round(full_personnel * rng.uniform(0.4, 0.8), -1)))
        if on["budgets"] and offered and rng.random() < 0.35:
            full = sum(x * cost_of[u] for u, x in offered) * (nation["cost_factor"] or 1.0)
            nation["budget_musd"] = round(full * rng.uniform(0.5, 0.95), 1)

    caveats = []
    if on["caveats"]:
        for nation in nations:
            if rng.random() < 0.35:
                kind = rng.choices(("sector", "unit_type", "both", "nation"), (0.2, 0.3, 0.45, 0.05))[0]
                caveats.append({
                    "nation": nation["nation"],
                    "sector": rng.choice(sectors)["sector"] if kind in ("sector", "both") else None,
                    "unit_type": rng.choice(unit_types)["unit_type"] if kind in ("unit_type", "both") else None,
                    "note": "tiny caveat",
                })

    required = {d: 0 for d in domains}
    for (u, _s), line in lines.items():
        required[next(t["domain"] for t in unit_types if t["unit_type"] == u)] += line["min_units"] * personnel_of[u]
    scenario = {
        "name": f"tiny-{seed}",
        "force_target": int(round(sum(required.values()) * rng.uniform(0.3, 1.5), -1)),
        "land_target": None, "sea_target": None, "air_target": None,
    }
    if on["domain_targets"]:
        for domain in domains:
            if required[domain] and rng.random() < 0.5:
                scenario[f"{domain}_target"] = int(round(required[domain] * rng.uniform(0.3, 1.5), -1))
    scenario.update({
        "ceasefire_in_place": rng.random() < 0.6,
        "un_mandate": rng.random() < 0.6,
        "us_backstop": rng.random() < 0.6,
        "sustainable_share": rng.choice((None, None, 0.05, 0.1)),
        "max_nations_per_sector": rng.choice((1, 1, 2)) if on["interop"] else None,
        "lead_share": round(rng.uniform(0.3, 0.6), 2),
        "weight_cost": rng.choice((1, 0.5, 2)),
        "weight_fairness": rng.choice((1, 0.1)),
        "weight_nations": rng.choice((0, 0, 50)),
        "time_limit_s": 30,
        "mip_gap": 0,
    })

    write_workbook_from_tables(
        path,
        scenario,
        {
            "Nations": nations,
            "UnitTypes": unit_types,
            "Sectors": sectors,
            "Pledges": [{"nation": n, "unit_type": u, "max_units": x} for (n, u), x in pledges.items()],
            "Requirements": list(lines.values()),
            "Caveats": caveats,
        },
    )


# --------------------------------------------------------------------------
# The hard class (issue 15)
# --------------------------------------------------------------------------

#: Each figure measured on the five workbooks of ``../shared/bench/`` (December 2026): the share or
#: range seen there, so that more of the class can be drawn than the five given.
_HARD = {
    "domain_weights": {"land": 0.6, "sea": 0.2, "air": 0.2},  # 21/6/3, 15/9/6, 26/7/7 … of the unit types
    "personnel": {"land": (80, 1100), "sea": (30, 250), "air": (30, 380)},
    "annual_cost_musd": {"land": (5.0, 60.0), "sea": (25.0, 160.0), "air": (25.0, 200.0)},
    "sector_risk_weights": {1: 0.4, 2: 0.5, 3: 0.1},
    "lead_sector_share": 0.4,
    "status_weights": {"committed": 0.48, "considering": 0.28, "uncertain": 0.16, "declined": 0.08},
    "active_personnel": (3_500, 250_000),  # log-uniform
    "gdp_per_1000_personnel_busd": (5.0, 30.0),
    "max_personnel_share": 0.5, "max_personnel_of_sustainable": (0.25, 1.25),
    "min_personnel_share": 0.25, "min_personnel_values": (100, 300, 600, 1200),
    "requires": {"requires_ceasefire": 0.3, "requires_un_mandate": 0.15, "requires_us_backstop": 0.2},
    "max_sector_risk_weights": {3: 0.55, 2: 0.2, 1: 0.25},
    "can_lead_share": 0.2,
    "budget_share": 0.25, "budget_musd": (20.0, 390.0),
    "cost_factor": (0.7, 1.4), "withdrawal_risk": (0.0, 0.5),
    "pledge_share": 0.45, "pledge_units_weights": {0: 0.13, 1: 0.28, 2: 0.15, 3: 0.14, 4: 0.14, 6: 0.16},
    "line_share": 0.34, "line_min_weights": {0: 0.18, 1: 0.3, 2: 0.17, 3: 0.17, 4: 0.18},
    "line_extra_weights": {0: 0.25, 1: 0.25, 2: 0.25, 4: 0.25},
    "force_of_pledged_personnel": 0.2, "domain_target_share": {"land": 0.6, "sea": 0.1, "air": 0.1},
    "caveat_kind_weights": {"sector": 0.45, "unit_type": 0.25, "both": 0.3},
}


def _weighted(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _letter_names(n: int) -> list[str]:
    """Nation A … Nation Z, Nation A1 … Nation Z1, Nation A2 … (as the class's workbooks name them)."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [f"Nation {letters[i % 26]}{i // 26 or ''}" for i in range(n)]


def generate_hard_workbook(
    path: str | Path,
    n_nations: int = 50,
    n_unit_types: int = 30,
    n_sectors: int = 8,
    seed: int = 0,
    max_nations_per_sector: int = 4,
    caveat_rows: int = 20,
) -> None:
    """Write a contract (v1) workbook of the hard class of ``../shared/bench/`` (see :data:`_HARD`).

    About 45 % of (nation, unit type) pairs pledged (0–6 units), 34 % of (unit type, sector)
    pairs required, 40 % of sectors needing a lead, an interoperability limit, budgets on a
    quarter of the nations, minimum contributions, caps, caveats, conditions (none holding),
    and a force target of a fifth of the personnel pledged, 60/10/10 % of it on land, sea and
    air.  The same arguments always give the same cells.
    """
    rng = random.Random(f"hard-{seed}")
    h = _HARD
    unit_types = []
    for i in range(n_unit_types):
        domain = _weighted(rng, h["domain_weights"])
        unit_types.append({
            "unit_type": f"{domain.capitalize()} unit {i:02d}",
            "domain": domain,
            "personnel": rng.randint(*h["personnel"][domain]),
            "annual_cost_musd": round(rng.uniform(*h["annual_cost_musd"][domain]), 1),
        })
    leads = set(rng.sample(range(n_sectors), round(h["lead_sector_share"] * n_sectors)))
    sectors = [{"sector": f"Sector {j + 1}", "risk": _weighted(rng, h["sector_risk_weights"]), "needs_lead": j in leads}
               for j in range(n_sectors)]
    nations = []
    for name in _letter_names(n_nations):
        low, high = h["active_personnel"]
        active = int(math.exp(rng.uniform(math.log(low), math.log(high))))
        sustainable = 0.08 * active
        nations.append({
            "nation": name,
            "status": _weighted(rng, h["status_weights"]),
            "active_personnel": active,
            "gdp_busd": round(active * rng.uniform(*h["gdp_per_1000_personnel_busd"]) / 1000, 1),
            "max_personnel": round(sustainable * rng.uniform(*h["max_personnel_of_sustainable"]))
            if rng.random() < h["max_personnel_share"] else None,
            "min_personnel": rng.choice(h["min_personnel_values"]) if rng.random() < h["min_personnel_share"] else 0,
            **{column: rng.random() < share for column, share in h["requires"].items()},
            "max_sector_risk": _weighted(rng, h["max_sector_risk_weights"]),
            "can_lead": rng.random() < h["can_lead_share"],
            "budget_musd": round(rng.uniform(*h["budget_musd"]), 1) if rng.random() < h["budget_share"] else None,
            "cost_factor": round(rng.uniform(*h["cost_factor"]), 2),
            "withdrawal_risk": round(rng.uniform(*h["withdrawal_risk"]), 2),
        })
    pledges = [
        {"nation": n["nation"], "unit_type": u["unit_type"], "max_units": _weighted(rng, h["pledge_units_weights"])}
        for n in nations for u in unit_types if rng.random() < h["pledge_share"]
    ]
    lines = []
    for u in unit_types:
        for s in sectors:
            if rng.random() < h["line_share"]:
                low = _weighted(rng, h["line_min_weights"])
                lines.append({"unit_type": u["unit_type"], "sector": s["sector"], "min_units": low,
                              "max_units": max(1, low + _weighted(rng, h["line_extra_weights"])), "priority": rng.randint(1, 3)})
    caveats = []
    for _ in range(caveat_rows):
        kind = _weighted(rng, h["caveat_kind_weights"])
        caveats.append({
            "nation": rng.choice(nations)["nation"],
            "sector": rng.choice(sectors)["sector"] if kind in ("sector", "both") else None,
            "unit_type": rng.choice(unit_types)["unit_type"] if kind in ("unit_type", "both") else None,
            "note": "national caveat",
        })
    personnel = {u["unit_type"]: u["personnel"] for u in unit_types}
    pledged = sum(p["max_units"] * personnel[p["unit_type"]] for p in pledges)
    force = max(100, round(h["force_of_pledged_personnel"] * pledged, -2))
    scenario = {
        "name": f"hard-{n_nations}-{seed}",
        "force_target": force,
        **{f"{d}_target": round(share * force) for d, share in h["domain_target_share"].items()},
        "ceasefire_in_place": False,
        "un_mandate": False,
        "us_backstop": False,
        "sustainable_share": 0.08,
        "max_nations_per_sector": max_nations_per_sector,
        "lead_share": 0.25,
        "weight_cost": 1,
        "weight_fairness": 1,
        "weight_nations": 0,
        "time_limit_s": 60,
        "mip_gap": 0.0001,
    }
    write_workbook_from_tables(
        path, scenario,
        {"Nations": nations, "UnitTypes": unit_types, "Sectors": sectors, "Pledges": pledges,
         "Requirements": lines, "Caveats": caveats},
    )
