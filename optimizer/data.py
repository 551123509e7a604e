"""The planning data: validated tables plus the sparse index sets the model needs.

:func:`load_planning_data` is the single entry from a workbook path to a
frozen :class:`PlanningData`.  Everything the model iterates over is
precomputed here as a table, so the model never filters a Cartesian product:

- ``triples``: the (nation, unit_type, sector, period) placements that can hold a
  unit at all: nation eligible and available in the period (H1), pledge > 0
  (H2), sector risk allowed (H3), no caveat (H10), on a requirement line that
  applies in the period, with the tight upper bound on units;
- ``lead_candidates``: (nation, sector, period) that may lead a needs_lead sector.

Contract section 5 (time): everything is per period t = 1 … ``periods``, in
period order; with one period every table holds period 1 only, and the model
built from it is the one of sections 1–4.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from optimizer.reader import RawTables, read_tables
from optimizer.scenario import Scenario
from optimizer.schema import DOMAINS, PRIORITY_WEIGHT, SWITCH_FROM, SWITCHES

SCOPES = ("force", *DOMAINS)  # personnel targets: the whole force and each domain


@dataclass(frozen=True)
class PlanningData:
    """Everything a solve needs, validated and indexed.  Tables are in workbook order."""

    scenario: Scenario  # period 1's view of the Scenario (section 5); ``scenario_given`` is as written
    nations: pd.DataFrame  # index nation; contract columns + cap_personnel, min_personnel, and period 1's eligible, ineligible_reason, fair_personnel
    unit_types: pd.DataFrame  # index unit_type
    sectors: pd.DataFrame  # index sector
    pledges: pd.DataFrame  # nation, unit_type, max_units
    requirements: pd.DataFrame  # one row per line: unit_type, sector, min_units, max_units, priority, domain, personnel, weight
    caveats: pd.DataFrame  # nation, sector, unit_type, note (blank = every)
    triples: pd.DataFrame  # nation, unit_type, sector, period, upper_bound, personnel, cost_musd (per unit, for that nation), domain
    lead_candidates: pd.DataFrame  # nation, sector, period, max_personnel (most the nation can place there in that period)
    nation_periods: pd.DataFrame  # nation, period, eligible, ineligible_reason, fair_personnel (period-major)
    targets: pd.DataFrame  # period, scope, target (every period × SCOPES)
    source_name: str = ""
    source_sha256: str = ""
    scenario_given: Scenario | None = None  # the Scenario as written; ``scenario`` is period 1's view of it (section 5)
    warnings: tuple[str, ...] = field(default_factory=tuple)
    # Options of the analyses (optimizer.analysis), off in a plain plan:
    reserve_priority: int | None = None  # earmark backfill reserves on lines of this priority or more essential
    fairness_cap: float | None = None  # stage 2: Σ|P[n] − fair[n]| ≤ this (ε-constraint of the trade-off curve)

    @property
    def periods(self) -> int:
        """T, the number of periods planned (section 5; 1 = the plan of sections 1–4)."""
        return int((self.scenario_given or self.scenario).periods)

    @property
    def period_list(self) -> list[int]:
        return list(range(1, self.periods + 1))

    def period_label(self, period: int) -> str:
        """``YYYY-MM`` of the period's first month when start_month is given, else ``P<period>`` (section 5)."""
        sc = self.scenario_given or self.scenario
        if not sc.start_month:
            return f"P{period}"
        year, month = (int(v) for v in sc.start_month.split("-"))
        months = year * 12 + (month - 1) + (period - 1) * int(sc.period_months)
        return f"{months // 12:04d}-{months % 12 + 1:02d}"

    def scenario_in(self, period: int) -> Scenario:
        """The Scenario as it holds in ``period``: each condition from its ``*_from`` period, that period's targets."""
        rows = self.targets[self.targets["period"] == period]
        return in_period(self.scenario_given or self.scenario, None, period).model_copy(
            update={f"{g}_target": int(v) for g, v in zip(rows["scope"], rows["target"])})

    def dwell(self, nation: str) -> int:
        return int(self.nations.at[nation, "dwell_periods"])

    def line_periods(self, line) -> range:
        """The periods a requirement line (a row of ``requirements``) applies in."""
        return range(int(line["from_period"]), int(line["until_period"]) + 1)

    @property
    def eligible_nations(self) -> list[str]:
        return list(self.nations.index[self.nations["eligible"]])

    @property
    def lead_sectors(self) -> list[str]:
        return list(self.sectors.index[self.sectors["needs_lead"]])


def eligibility(nations: pd.DataFrame, scenario: Scenario, period: int = 1) -> pd.Series:
    """Why each nation is excluded under H1 in ``period`` ('' when eligible): its status,
    each condition as it holds in ``scenario`` (that period's view), and its
    availability (section 5: ``available_from`` … ``available_until``)."""
    reasons = []
    for n in _records(nations):
        why = []
        if n["status"] == "declined":
            why.append("declined")
        if n["requires_ceasefire"] and not scenario.ceasefire_in_place:
            why.append("requires a ceasefire")
        if n["requires_un_mandate"] and not scenario.un_mandate:
            why.append("requires a UN mandate")
        if n["requires_us_backstop"] and not scenario.us_backstop:
            why.append("requires a US backstop")
        if period < int(n["available_from"]):
            why.append(f"not available before period {int(n['available_from'])}")
        if not is_blank(n["available_until"]) and period > int(n["available_until"]):
            why.append(f"not available after period {int(n['available_until'])}")
        reasons.append("; ".join(why))
    return pd.Series(reasons, index=nations.index, dtype=object)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts with the index under its name.  (``iterrows`` would
    re-infer each row's dtype and turn a blank ``None`` into NaN.)"""
    names = [frame.index.name, *frame.columns] if frame.index.name else list(frame.columns)
    if frame.index.name:
        return [dict(zip(names, (i, *row))) for i, row in zip(frame.index, frame.itertuples(index=False, name=None))]
    return [dict(zip(names, row)) for row in frame.itertuples(index=False, name=None)]


def is_blank(value) -> bool:
    """A blank optional cell: ``None`` (or NaN, should a numeric column carry one)."""
    return value is None or (isinstance(value, float) and value != value)


def personnel_cap(active_personnel: int, max_personnel, sustainable_share: float) -> int:
    """H4: min(max_personnel, floor(sustainable_share * active_personnel)).

    The floor is of the floating-point product, which can only err low, so a
    plan within this cap is within the exact one too.
    """
    sustainable = math.floor(sustainable_share * active_personnel)
    if is_blank(max_personnel):
        return int(sustainable)
    return int(min(int(max_personnel), sustainable))


def _is_forbidden(caveats: pd.DataFrame) -> callable:
    by_nation: dict[str, list[tuple]] = {}
    for c in _records(caveats):
        by_nation.setdefault(c["nation"], []).append((c["sector"], c["unit_type"]))

    def forbidden(nation: str, unit_type: str, sector: str) -> bool:
        for c_sector, c_unit in by_nation.get(nation, ()):
            if (is_blank(c_sector) or c_sector == sector) and (is_blank(c_unit) or c_unit == unit_type):
                return True
        return False

    return forbidden


def in_period(scenario: Scenario, phases: pd.DataFrame | None, period: int) -> Scenario:
    """The Scenario as it holds in ``period`` (contract section 5): each condition with a
    ``*_from`` period holds from that period on, whatever its yes/no cell says, and the
    Phases sheet's targets for the period replace the Scenario's (a blank keeps it)."""
    update = {}
    for switch in SWITCHES:
        start = getattr(scenario, SWITCH_FROM[switch])
        if start is not None:
            update[switch] = period >= start
    if phases is not None and len(phases):
        row = phases[phases["period"] == period]
        if len(row):
            for scope in SCOPES:
                value = row[f"{scope}_target"].iloc[0]
                if value is not None and value == value:
                    update[f"{scope}_target"] = int(value)
    return scenario.model_copy(update=update) if update else scenario


def build_planning_data(raw: RawTables, *, source_name: str = "", source_sha256: str = "") -> PlanningData:
    """Derive eligibility, caps, fair shares and the sparse index sets from validated tables.

    Per period t (section 5): the Scenario as it holds in t (:func:`in_period`),
    the nations eligible and available in t, their fair shares of t's force
    target, the lines that apply in t, and the placements and lead candidates
    of t, each presolved on its own.  Tables are period-major (all of period 1,
    then period 2 …), so one period gives exactly the tables of sections 1–4.
    """
    t = raw.tables
    given = Scenario(**raw.scenario)
    periods = list(range(1, given.periods + 1))
    phases = t.get("Phases")
    views = {p: in_period(given, phases, p) for p in periods}
    scenario = views[1]  # the Scenario of period 1: what parameters constant over time are read from

    unit_types = t["UnitTypes"].drop(columns="_row").set_index("unit_type")
    sectors = t["Sectors"].drop(columns="_row").set_index("sector")
    sectors["needs_lead"] = sectors["needs_lead"].astype(bool)

    nations = t["Nations"].drop(columns="_row").set_index("nation")
    nations["available_from"] = nations["available_from"].fillna(1).astype(int)
    nations["dwell_periods"] = nations["dwell_periods"].fillna(0).astype(int)
    nation_periods = pd.concat([_nations_in(nations, views[p], p) for p in periods], ignore_index=True)
    first = nation_periods[nation_periods["period"] == 1].set_index("nation")
    nations["ineligible_reason"] = first["ineligible_reason"]  # period 1's, as the one-period plan reads them
    nations["eligible"] = first["eligible"]
    nations["cap_personnel"] = [
        personnel_cap(n["active_personnel"], n["max_personnel"], scenario.sustainable_share) for n in _records(nations)
    ]
    nations["fair_personnel"] = first["fair_personnel"]
    nations["min_personnel"] = nations["min_personnel"].fillna(0).astype(int)

    pledges = t["Pledges"].drop(columns="_row").reset_index(drop=True)
    caveats = t["Caveats"].drop(columns="_row").reset_index(drop=True)

    requirements = t["Requirements"].drop(columns="_row").reset_index(drop=True)
    requirements["domain"] = requirements["unit_type"].map(unit_types["domain"])
    requirements["personnel"] = requirements["unit_type"].map(unit_types["personnel"]).astype(int)
    requirements["weight"] = requirements["priority"].map(PRIORITY_WEIGHT).astype(int)
    requirements["risk"] = requirements["sector"].map(sectors["risk"]).astype(int)
    requirements["from_period"] = requirements["from_period"].fillna(1).astype(int)
    requirements["until_period"] = requirements["until_period"].fillna(len(periods)).astype(int)

    targets = pd.DataFrame(
        [{"period": p, "scope": g, "target": int(views[p].target(g))} for p in periods for g in SCOPES],
        columns=["period", "scope", "target"],
    )

    triples_by_period, leads_by_period = [], []
    for p in periods:
        in_p = nations.assign(eligible=nation_periods.loc[nation_periods["period"] == p].set_index("nation")["eligible"])
        lines = requirements[(requirements["from_period"] <= p) & (requirements["until_period"] >= p)]
        triples = _valid_triples(in_p, unit_types, sectors, pledges, lines, caveats)
        # Two presolve reductions, repeated until nothing changes (each can enable the other):
        while True:
            before = len(triples)
            triples = _drop_unreachable_minimums(in_p, triples)
            lead_candidates = _lead_candidates(in_p, sectors, triples)
            triples = _drop_leaderless(sectors, triples, lead_candidates)
            if len(triples) == before:
                break
        triples_by_period.append(_with_period(triples, p, after="sector"))
        leads_by_period.append(_with_period(lead_candidates, p, after="sector"))

    return PlanningData(
        scenario=scenario,
        nations=nations,
        unit_types=unit_types,
        sectors=sectors,
        pledges=pledges,
        requirements=requirements,
        caveats=caveats,
        triples=pd.concat(triples_by_period, ignore_index=True),
        lead_candidates=pd.concat(leads_by_period, ignore_index=True),
        nation_periods=nation_periods,
        targets=targets,
        source_name=source_name,
        source_sha256=source_sha256,
        warnings=tuple(raw.warnings),
        scenario_given=given,
    )


def _nations_in(nations: pd.DataFrame, scenario: Scenario, period: int) -> pd.DataFrame:
    """H1 and the fair shares in one period: nation, period, eligible, ineligible_reason, fair_personnel.

    fair[n,t] = F_t·gdp[n] / Σ_{m ∈ E_t} gdp[m] for n ∈ E_t, else 0 (section 5: from t's force target and E_t).
    """
    reason = eligibility(nations, scenario, period)
    eligible = reason == ""
    eligible_gdp = nations.loc[eligible, "gdp_busd"].sum()
    fair = [scenario.force_target * g / eligible_gdp if ok and eligible_gdp > 0 else 0.0
            for g, ok in zip(nations["gdp_busd"], eligible)]
    return pd.DataFrame({"nation": nations.index, "period": period, "eligible": eligible.values,
                         "ineligible_reason": pd.Series(reason.values, dtype=object), "fair_personnel": fair})


def _with_period(frame: pd.DataFrame, period: int, *, after: str) -> pd.DataFrame:
    """``frame`` with a ``period`` column right after column ``after``."""
    out = frame.copy()
    out.insert(list(out.columns).index(after) + 1, "period", period)
    out["period"] = out["period"].astype(int)
    return out


def _valid_triples(nations, unit_types, sectors, pledges, requirements, caveats) -> pd.DataFrame:
    """Placements that can hold a unit (H1, H2, H3, H10 and requirement lines), with tight bounds.

    upper_bound = min(pledge, line max_units, floor(cap / personnel), floor(budget / unit cost)).
    """
    forbidden = _is_forbidden(caveats)
    lines_by_unit: dict[str, list[tuple[int, dict]]] = {}
    for order, line in enumerate(_records(requirements)):
        lines_by_unit.setdefault(line["unit_type"], []).append((order, line))
    nation_rec = {n["nation"]: n for n in _records(nations)}
    unit_rec = {u["unit_type"]: u for u in _records(unit_types)}
    risk = dict(zip(sectors.index, sectors["risk"]))
    nation_order = {n: i for i, n in enumerate(nations.index)}
    rows = []
    for p in _records(pledges):
        nation, unit_type, pledged = p["nation"], p["unit_type"], int(p["max_units"])
        n = nation_rec[nation]
        if pledged <= 0 or not n["eligible"]:  # H2 (nothing pledged), H1 (not eligible)
            continue
        u = unit_rec[unit_type]
        unit_cost = float(u["annual_cost_musd"]) * float(n["cost_factor"])
        bound = min(pledged, int(n["cap_personnel"]) // int(u["personnel"]))
        if not is_blank(n["budget_musd"]) and unit_cost > 0:
            bound = min(bound, math.floor(float(n["budget_musd"]) / unit_cost + 1e-9))
        for order, line in lines_by_unit.get(unit_type, ()):
            sector = line["sector"]
            if risk[sector] > n["max_sector_risk"]:  # H3
                continue
            if forbidden(nation, unit_type, sector):  # H10
                continue
            ub = bound if is_blank(line["max_units"]) else min(bound, int(line["max_units"]))
            if ub <= 0:
                continue
            rows.append(
                {
                    "nation": nation,
                    "unit_type": unit_type,
                    "sector": sector,
                    "upper_bound": int(ub),
                    "personnel": int(u["personnel"]),
                    "cost_musd": unit_cost,
                    "domain": u["domain"],
                    "_order": (nation_order[nation], order),
                }
            )
    cols = ["nation", "unit_type", "sector", "upper_bound", "personnel", "cost_musd", "domain"]
    if not rows:
        return pd.DataFrame(columns=cols).astype({"upper_bound": int, "personnel": int, "cost_musd": float})
    frame = pd.DataFrame(rows).sort_values("_order", kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)[cols]


def _drop_unreachable_minimums(nations, triples) -> pd.DataFrame:
    """H5 presolve: a nation whose min_personnel exceeds all it could ever send
    (its cap, or the sum of its placements' bounds) cannot take part."""
    reachable = (triples["upper_bound"] * triples["personnel"]).groupby(triples["nation"]).sum()
    reachable = reachable.reindex(nations.index, fill_value=0).clip(upper=nations["cap_personnel"])
    blocked = nations.index[(nations["min_personnel"] > 0) & (nations["min_personnel"] > reachable)]
    return triples[~triples["nation"].isin(blocked)].reset_index(drop=True)


def _drop_leaderless(sectors, triples, lead_candidates) -> pd.DataFrame:
    """H8 presolve: a needs_lead sector with no possible lead can hold no units."""
    lead_sectors = set(sectors.index[sectors["needs_lead"]])
    leaderless = lead_sectors - set(lead_candidates["sector"])
    return triples[~triples["sector"].isin(leaderless)].reset_index(drop=True)


def _lead_candidates(nations, sectors, triples) -> pd.DataFrame:
    """Eligible can_lead nations with at least one placement in a needs_lead sector."""
    lead_sectors = set(sectors.index[sectors["needs_lead"]])
    can_lead = set(nations.index[nations["can_lead"].astype(bool) & nations["eligible"]])
    sub = triples[triples["sector"].isin(lead_sectors) & triples["nation"].isin(can_lead)]
    if sub.empty:
        return pd.DataFrame(columns=["nation", "sector", "max_personnel"])
    reach = (sub["upper_bound"] * sub["personnel"]).groupby([sub["nation"], sub["sector"]], sort=False).sum()
    frame = reach.rename("max_personnel").reset_index()
    cap = frame["nation"].map(nations["cap_personnel"])
    frame["max_personnel"] = frame["max_personnel"].clip(upper=cap).astype(int)
    return frame


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_planning_data(path: str | os.PathLike, overrides: list[str] | tuple[str, ...] = ()) -> PlanningData:
    """Read, validate and index the workbook at ``path``.  Raises ``InputError``."""
    raw = read_tables(path, overrides)
    return build_planning_data(raw, source_name=Path(path).name, source_sha256=file_sha256(path))
