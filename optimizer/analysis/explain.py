"""Why the gaps, and what would close them.

**Causes.**  For every unfilled requirement line, each pledge of that unit
type is classified by what kept it off the line, with figures: the nation is
excluded by a condition or has declined; the sector is above its risk limit;
a caveat forbids it; the pledge is used on other lines; the nation is at its
personnel cap or budget; its minimum contribution cannot be met; the sector
already holds the most nations allowed; the sector has no eligible lead.
Missed personnel targets are explained the same way, by personnel.

**Levers.**  Every change that could remove a cause is re-planned: each
condition switched on, each binding political cap, budget, caveat set and
risk limit lifted, the interoperability limit dropped.  Levers are ranked by
how much they cut the shortfall score, with the lines they fill.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import replace
from typing import Callable

from optimizer.analysis.executor import run_all
from optimizer.analysis.variants import Variant, plan_variant
from optimizer.data import PlanningData, build_planning_data
from optimizer.reader import RawTables
from optimizer.results import PlanResult
from optimizer.schema import SWITCH_FROM

CONDITIONS = {
    "ceasefire_in_place": ("requires_ceasefire", "a ceasefire"),
    "un_mandate": ("requires_un_mandate", "a UN mandate"),
    "us_backstop": ("requires_us_backstop", "a US backstop"),
}


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def pledge_blockers(data: PlanningData, plan: PlanResult, unit_type: str, sector: str, *, period: int = 1,
                    resting: dict[tuple[str, str], int] | None = None) -> list[dict]:
    """For one line: every nation that pledged the unit type, and what kept its units off the line.

    ``data`` and ``plan`` are one period's view (:func:`period_views`); ``resting[(n, u)]`` counts
    n's units of u that the rotation rule keeps home in ``period`` (deployed in a neighbouring
    period of the same window; section 5's H2)."""
    nations = data.nations
    sectors = data.sectors
    sc = data.scenario
    pledges = data.pledges[(data.pledges["unit_type"] == unit_type) & (data.pledges["max_units"] > 0)]
    alloc = plan.allocations
    used = alloc[(alloc["nation"].isin(pledges["nation"])) & (alloc["unit_type"] == unit_type)]
    personnel = dict(zip(plan.nations["nation"], plan.nations["personnel"]))
    cost = dict(zip(plan.nations["nation"], plan.nations["cost_musd"]))
    unit_personnel = int(data.unit_types.loc[unit_type, "personnel"])
    unit_cost = float(data.unit_types.loc[unit_type, "annual_cost_musd"])
    in_sector = set(alloc.loc[alloc["sector"] == sector, "nation"])
    limit = sc.max_nations_per_sector
    placements = data.triples
    lead_sector = bool(sectors.loc[sector, "needs_lead"])
    has_lead_candidate = sector in set(data.lead_candidates["sector"])
    caveats = data.caveats
    rows = []
    for p in pledges.itertuples():
        n = p.nation
        nat = nations.loc[n]
        here = int(used[(used["nation"] == n) & (used["sector"] == sector)]["units"].sum())
        elsewhere = int(used[(used["nation"] == n) & (used["sector"] != sector)]["units"].sum())
        free = int(p.max_units) - here - elsewhere
        reasons: list[tuple[str, str]] = []
        if nat["status"] == "declined":
            reasons.append(("declined", f"{n} has declined"))
        for switch, (column, words) in CONDITIONS.items():
            if bool(nat[column]) and not getattr(sc, switch):
                start = getattr(sc, SWITCH_FROM[switch])
                if start is not None and start > period:
                    reasons.append((f"condition_later:{switch}", f"{n} needs {words}, which holds from period {start}"))
                else:
                    reasons.append((f"condition:{switch}", f"{n} needs {words}"))
        if int(nat["available_from"]) > period:
            reasons.append(("not_yet_available", f"{n} is available from period {int(nat['available_from'])}"))
        if not _blank(nat["available_until"]) and int(nat["available_until"]) < period:
            reasons.append(("no_longer_available", f"{n} is available until period {int(nat['available_until'])}"))
        if not reasons:
            if int(sectors.loc[sector, "risk"]) > int(nat["max_sector_risk"]):
                reasons.append(("risk", f"{sector} is risk {int(sectors.loc[sector, 'risk'])}, above {n}'s limit {int(nat['max_sector_risk'])}"))
            forbid = caveats[(caveats["nation"] == n) & caveats["sector"].map(lambda s: _blank(s) or s == sector)
                             & caveats["unit_type"].map(lambda u: _blank(u) or u == unit_type)]
            if len(forbid):
                note = next((x for x in forbid["note"] if isinstance(x, str) and x), "caveat")
                reasons.append(("caveat", f"{n}: caveat — {note}"))
        if not reasons and free <= 0:
            reasons.append(("pledge_used", f"{n}'s {int(p.max_units)} pledged used ({here} here, {elsewhere} on other lines)"))
        rest = (resting or {}).get((n, unit_type), 0)
        if not reasons and free - rest <= 0 < free:
            reasons.append(("resting", f"{n}'s units rest between tours: {rest} of its {int(p.max_units)} deployed in the periods around "
                                       f"(dwell {int(nat['dwell_periods'])})"))
            free = 0
        if not reasons:
            cap = int(nat["cap_personnel"])
            if personnel.get(n, 0) + unit_personnel > cap:
                political = not _blank(nat["max_personnel"]) and int(nat["max_personnel"]) <= cap
                kind = "political cap" if political else "sustainable cap (share of active forces)"
                reasons.append(("cap_political" if political else "cap_sustainable", f"{n} is at its {kind}: {personnel.get(n, 0):,} of {cap:,}"))
            budget = nat["budget_musd"]
            if not _blank(budget) and cost.get(n, 0.0) + unit_cost * float(nat["cost_factor"]) > float(budget) + 1e-9:
                reasons.append(("budget", f"{n}'s budget: {cost.get(n, 0.0):,.0f} of {float(budget):,.0f} M USD used"))
            if personnel.get(n, 0) == 0 and int(nat["min_personnel"]) > 0 and n not in set(placements["nation"]):
                reasons.append(("minimum", f"{n}'s minimum contribution ({int(nat['min_personnel']):,}) cannot be reached"))
            if limit is not None and n not in in_sector and len(in_sector) >= limit:
                reasons.append(("interoperability", f"{sector} already holds {len(in_sector)} nations (limit {limit})"))
            if lead_sector and not has_lead_candidate:
                reasons.append(("no_lead", f"{sector} needs a lead nation and no eligible nation that can lead has units there"))
        if not reasons:
            reasons.append(("trade_off", f"{n} has {free} unused; the optimum places its personnel elsewhere (priority, lead share or cost)"))
        rows.append({"nation": n, "pledged": int(p.max_units), "here": here, "elsewhere": elsewhere, "free": max(free, 0),
                     "causes": [c for c, _ in reasons], "why": "; ".join(text for _, text in reasons)})
    return rows


def period_views(data: PlanningData, plan: PlanResult, period: int) -> tuple[PlanningData, PlanResult]:
    """One period of a plan over time as a one-period (data, plan): that period's Scenario, H1,
    fair shares, placements and lead candidates; the plan's tables of that period."""
    np_ = data.nation_periods[data.nation_periods["period"] == period].set_index("nation")
    nations = data.nations.copy()
    for column in ("eligible", "ineligible_reason", "fair_personnel"):
        nations[column] = np_[column]
    view = replace(data, scenario=data.scenario_in(period), nations=nations,
                   triples=data.triples[data.triples["period"] == period].reset_index(drop=True),
                   lead_candidates=data.lead_candidates[data.lead_candidates["period"] == period].reset_index(drop=True))

    def of(frame):
        return frame[frame["period"] == period].drop(columns="period").reset_index(drop=True)

    return view, replace(plan, allocations=of(plan.allocations), requirements=of(plan.requirements), nations=of(plan.nations),
                         leads=of(plan.leads), targets=of(plan.targets), timeline=None)


def resting_units(data: PlanningData, plan: PlanResult, period: int) -> dict[tuple[str, str], int]:
    """Units of each (nation, unit type) the rotation rule keeps home in ``period``: the most deployed in
    the other periods of one window [τ, τ + d] that holds ``period`` (section 5's H2)."""
    used: dict[tuple[str, str, int], int] = {}
    for n, u, t, x in zip(plan.allocations["nation"], plan.allocations["unit_type"], plan.allocations["period"], plan.allocations["units"]):
        used[(n, u, int(t))] = used.get((n, u, int(t)), 0) + int(x)
    last = data.periods
    out = {}
    for n, u in {(n, u) for n, u, _ in used}:
        d = data.dwell(n)
        if d == 0:
            continue
        most = 0
        for start in range(max(1, period - d), period + 1):
            most = max(most, sum(used.get((n, u, t), 0) for t in range(start, min(last, start + d) + 1) if t != period))
        if most:
            out[(n, u)] = most
    return out


def causes(data: PlanningData, plan: PlanResult) -> dict:
    """Causes for every unfilled line and every missed target (over time: per period, each with its time causes)."""
    if data.periods == 1:
        return _causes(data, plan)
    found = {"lines": [], "targets": []}
    for t in data.period_list:
        view_data, view_plan = period_views(data, plan, t)
        part = _causes(view_data, view_plan, period=t, resting=resting_units(data, plan, t))
        label = data.period_label(t)
        for key in ("lines", "targets"):
            found[key] += [{**row, "period": t, "label": label} for row in part[key]]
    return found


def _causes(data: PlanningData, plan: PlanResult, period: int = 1, resting: dict | None = None) -> dict:
    lines = []
    unfilled = plan.requirements[plan.requirements["short_units"] > 0]
    for r in unfilled.itertuples():
        blockers = [b for b in pledge_blockers(data, plan, r.unit_type, r.sector, period=period, resting=resting)
                    if b["here"] == 0 or b["free"] > 0 or b["causes"] != ["pledge_used"]]
        summary = []
        if not len(data.pledges[(data.pledges["unit_type"] == r.unit_type) & (data.pledges["max_units"] > 0)]):
            summary.append(f"no nation pledged any {r.unit_type}")
        for b in blockers:
            if b["causes"] == ["trade_off"] and b["free"] == 0:
                continue
            could = min(b["free"] if b["causes"][0] not in ("declined",) and not b["causes"][0].startswith("condition") else b["pledged"], int(r.short_units))
            if b["causes"][0].startswith("condition") or b["causes"][0] in ("declined", "risk", "caveat", "not_yet_available", "no_longer_available"):
                could = min(b["pledged"] - b["elsewhere"], int(r.short_units))
            summary.append(f"{b['why']} — pledged {b['pledged']}" + (f", could cover {could} of the missing {int(r.short_units)}" if could > 0 else ""))
        lines.append({"unit_type": r.unit_type, "sector": r.sector, "priority": int(r.priority), "short_units": int(r.short_units),
                      "short_personnel": int(r.short_personnel), "causes": summary, "pledges": blockers})
    targets = []
    for t in plan.targets.itertuples():
        if t.short <= 0:
            continue
        scope = t.scope
        excluded = []
        for n in data.nations.index[~data.nations["eligible"]]:
            mask = data.pledges["nation"] == n
            pers = sum(int(q) * int(data.unit_types.loc[u, "personnel"]) for u, q in zip(data.pledges.loc[mask, "unit_type"], data.pledges.loc[mask, "max_units"])
                       if scope == "force" or data.unit_types.loc[u, "domain"] == scope)
            if pers:
                excluded.append(f"{n} ({data.nations.loc[n, 'ineligible_reason']}): {pers:,} pledged")
        at_cap = [f"{r.nation} {r.personnel:,} of {r.cap_personnel:,}" for r in plan.nations.itertuples() if r.eligible and r.cap_personnel and r.personnel >= r.cap_personnel * 0.98]
        targets.append({"scope": scope, "target": int(t.target), "planned": int(t.planned), "short": int(t.short),
                        "excluded_nations": excluded, "nations_at_cap": at_cap})
    return {"lines": lines, "targets": targets}


def candidate_levers(data: PlanningData, found: dict) -> list[Variant]:
    """Every change that could remove a cause found above, as a variant to re-plan.  Over time
    also: a condition holding from the start, a nation available one period earlier, a shorter dwell."""
    sc = data.scenario_given or data.scenario
    levers: list[Variant] = []
    for switch, (_, words) in CONDITIONS.items():
        start_key = SWITCH_FROM[switch]
        start = getattr(sc, start_key)
        if start is not None and start > 1:
            levers.append(Variant(f"{words} from period 1 (not {start})", scenario=((start_key, 1),), key=("condition", switch)))
        elif start is None and not getattr(sc, switch):
            levers.append(Variant(f"{words} ({switch} = yes)", scenario=((switch, True),), key=("condition", switch)))
    tagged: dict[str, set[str]] = {}
    for line in found["lines"]:
        for b in line["pledges"]:
            for c in b["causes"]:
                tagged.setdefault(c, set()).add(b["nation"])
    order = {n: i for i, n in enumerate(data.nations.index)}
    by = lambda names: sorted(names, key=order.get)  # noqa: E731
    for n in by(tagged.get("not_yet_available", ())):
        levers.append(Variant(f"{n} available one period earlier (period {int(data.nations.loc[n, 'available_from']) - 1})",
                              available_earlier=(n,), key=("available", n)))
    for n in by(tagged.get("resting", ())):
        d = data.dwell(n)
        levers.append(Variant(f"dwell {d} → {d - 1} for {n}", dwell_shorter=(n,), key=("dwell", n)))
    for n in by(tagged.get("cap_political", ())):
        levers.append(Variant(f"lift {n}'s political cap", lift_political_cap=(n,), key=("cap", n)))
    for n in by(tagged.get("budget", ())):
        levers.append(Variant(f"lift {n}'s budget", lift_budget=(n,), key=("budget", n)))
    for n in by(tagged.get("caveat", ())):
        levers.append(Variant(f"lift {n}'s caveats", lift_caveats=(n,), key=("caveat", n)))
    for n in by(tagged.get("risk", ())):
        levers.append(Variant(f"let {n} deploy to risk 3", raise_risk=(n,), key=("risk", n)))
    if sc.max_nations_per_sector is not None and "interoperability" in tagged:
        levers.append(Variant("drop the interoperability limit", scenario=(("max_nations_per_sector", None),), key=("interop",)))
    if "no_lead" in tagged or any("no_lead" in b["causes"] for line in found["lines"] for b in line["pledges"]):
        levers.append(Variant("halve the lead share", scenario=(("lead_share", sc.lead_share / 2),), key=("lead_share",)))
    return levers


def explain(raw: RawTables, executor: Executor, progress: Callable | None = None) -> dict:
    from optimizer.pipeline import plan_data

    data = build_planning_data(raw)
    plan = plan_data(data)
    found = causes(data, plan)
    levers = candidate_levers(data, found)
    req = plan.requirements
    periods = req["period"] if "period" in req else [1] * len(req)
    base_short = {(u, s, int(t)): int(x) for u, s, t, x in zip(req["unit_type"], req["sector"], periods, req["short_units"])}

    def name(u, s, t):  # a line, and over time its period: "Infantry company @ Kyiv (2027-07)"
        return f"{u} @ {s}" if data.periods == 1 else f"{u} @ {s} ({data.period_label(t)})"

    results = run_all(executor, plan_variant, [(raw, v) for v in levers], progress)
    ranked = []
    for v, r in zip(levers, results):
        filled = [name(*k) for k, short in base_short.items() if short > 0 and r.line_short.get(k, 0) == 0]
        opened = [name(*k) for k, short in base_short.items() if short == 0 and r.line_short.get(k, 0) > 0]
        ranked.append({
            "lever": v.label,
            "kind": v.key[0],
            "shortfall_score": r.shortfall_score,
            "score_cut": plan.shortfall_score - r.shortfall_score,
            "personnel": r.personnel,
            "personnel_gain": r.personnel - int(plan.totals["personnel"]),
            "lines_filled": filled,
            "lines_newly_unfilled": opened,
            "lines_unfilled_before": sum(1 for s in base_short.values() if s > 0),
        })
    ranked.sort(key=lambda x: (-x["score_cut"], -x["personnel_gain"], x["lever"]))
    return {
        "scenario": plan.scenario["name"],
        "shortfall_score": plan.shortfall_score,
        "personnel": int(plan.totals["personnel"]),
        "causes": found,
        "levers": ranked,
    }


def format_explanation(result: dict, max_lines: int = 12) -> str:
    out = [f"why the gaps — scenario '{result['scenario']}', shortfall score {result['shortfall_score']:,.0f}", ""]
    for line in result["causes"]["lines"][:max_lines]:
        when = f" in {line['label']}" if "label" in line else ""
        out.append(f"P{line['priority']} {line['unit_type']} @ {line['sector']}{when}: short {line['short_units']} ({line['short_personnel']:,} personnel)")
        for c in line["causes"][:4] or ["no pledge could reach this line"]:
            out.append(f"    - {c}")
    for t in result["causes"]["targets"]:
        when = f" in {t['label']}" if "label" in t else ""
        out.append(f"{t['scope']} target{when} {t['target']:,}: planned {t['planned']:,}, short {t['short']:,}")
        for e in t["excluded_nations"][:6]:
            out.append(f"    - excluded: {e}")
    out += ["", "levers, best first:"]
    for lv in result["levers"][:10]:
        out.append(f"  {lv['lever']:<45} score −{lv['score_cut']:,.0f}   personnel {lv['personnel_gain']:+,}   fills {len(lv['lines_filled'])} of {lv['lines_unfilled_before']} unfilled lines"
                   + (f", leaves {len(lv['lines_newly_unfilled'])} others short" if lv["lines_newly_unfilled"] else ""))
    return "\n".join(out)
