"""What the report says, computed from the plan.json dict alone (no pyomo, no workbook).

:func:`check_plan` rejects a dict that is not a plan with one clear line;
:func:`derive` fills what an older or contract-minimal ``plan.json`` lacks
(domains, targets, shortfall by priority, sectors) and computes the figures
every section reads, so the document code only formats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from numbers import Real

DOMAINS = ("land", "sea", "air")
PRIORITY_WEIGHT = {1: 3, 2: 2, 3: 1}
NEAR_CAP = 0.95  # a nation using this share of its cap or more is reported as at its cap
NEAR_BUDGET = 0.95


class PlanFormatError(ValueError):
    """The dict (or file) is not a forceplan plan.  The message is one line."""


_REQUIRED_TABLES = {
    "allocations": ("nation", "unit_type", "sector", "units", "personnel", "cost_musd"),
    "requirements": ("unit_type", "sector", "min_units", "filled_units", "short_units"),
    "nations": ("nation", "eligible", "personnel", "cost_musd", "cap_personnel", "fair_personnel"),
    "leads": ("sector", "nation"),
}
_NUMERIC = {"units", "personnel", "cost_musd", "min_units", "filled_units", "short_units", "cap_personnel", "fair_personnel"}


def check_plan(plan) -> None:
    """Raise :class:`PlanFormatError` unless ``plan`` has the contract's shape (section 4)."""
    if not isinstance(plan, dict):
        raise PlanFormatError(f"not a forceplan plan: expected a JSON object, found {type(plan).__name__}")
    for key, kind in (("scenario", dict), ("status", str), ("totals", dict), ("solver", dict), *((t, list) for t in _REQUIRED_TABLES)):
        if key not in plan:
            raise PlanFormatError(f"not a forceplan plan: no '{key}'")
        if not isinstance(plan[key], kind):
            raise PlanFormatError(f"not a forceplan plan: '{key}' should be {'an object' if kind is dict else 'a list' if kind is list else 'text'}")
    sc = plan["scenario"]
    if not isinstance(sc.get("name", ""), str):
        raise PlanFormatError("not a forceplan plan: scenario 'name' should be text")
    if not _is_number(sc.get("force_target")):
        raise PlanFormatError("not a forceplan plan: scenario has no numeric 'force_target'")
    for table, columns in _REQUIRED_TABLES.items():
        for i, row in enumerate(plan[table]):
            if not isinstance(row, dict):
                raise PlanFormatError(f"not a forceplan plan: {table}[{i}] is not an object")
            for col in columns:
                if col not in row:
                    raise PlanFormatError(f"not a forceplan plan: {table}[{i}] has no '{col}'")
                if col in _NUMERIC and not _is_number(row[col]):
                    raise PlanFormatError(f"not a forceplan plan: {table}[{i}].{col} is not a number")
                if col in _TEXT and not isinstance(row[col], str):
                    raise PlanFormatError(f"not a forceplan plan: {table}[{i}].{col} is not text")
                if col == "eligible" and not isinstance(row[col], bool):
                    raise PlanFormatError(f"not a forceplan plan: {table}[{i}].eligible is not true or false")
    for key in ("personnel", "cost_musd"):
        if key in plan["totals"] and not _is_number(plan["totals"][key]):
            raise PlanFormatError(f"not a forceplan plan: totals.{key} is not a number")


def _is_number(v) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v)


_TEXT = {"nation", "unit_type", "sector"}


def _sanitised(plan: dict) -> dict:
    """A copy of a checked plan in which every optional value has the type the report expects.

    A value of the wrong type in an optional column (a documented extra) is
    dropped, so the report recomputes it or prints '—'; an optional table
    with a malformed row is ignored as a whole.
    """
    p = dict(plan)
    sc = dict(p["scenario"])
    for k in ("land_target", "sea_target", "air_target"):
        if not _is_number(sc.get(k)):
            sc[k] = 0
    for k in ("sustainable_share", "lead_share", "weight_cost", "weight_fairness", "weight_nations", "time_limit_s", "mip_gap", "max_nations_per_sector"):
        if k in sc and not _is_number(sc[k]):
            sc[k] = None
    for k in ("ceasefire_in_place", "un_mandate", "us_backstop"):
        sc[k] = sc.get(k) is True
    if "classification" in sc and not isinstance(sc["classification"], str):
        sc["classification"] = str(sc["classification"])
    p["scenario"] = sc
    p["totals"] = {k: v for k, v in p["totals"].items() if _is_number(v)}
    certificate = _certificate(p["solver"].get("certificate"))
    p["solver"] = {k: v for k, v in p["solver"].items() if (isinstance(v, (str, int, float, bool)) or v is None) and k != "certificate"}
    if certificate is not None:
        p["solver"]["certificate"] = certificate
    p["shortfall_score"] = p.get("shortfall_score") if _is_number(p.get("shortfall_score")) else None
    src = p.get("source")
    p["source"] = {k: v for k, v in src.items() if isinstance(v, str)} if isinstance(src, dict) else {}
    warn = p.get("warnings")
    p["warnings"] = [str(w) for w in warn] if isinstance(warn, list) else []

    def rows(table, numeric=(), text=(), keep_none=()):
        out = []
        for r in p[table]:
            r = dict(r)
            for k in numeric:
                if k in r and not _is_number(r[k]) and not (r[k] is None and k in keep_none):
                    del r[k]
            for k in text:
                if k in r and r[k] is not None and not isinstance(r[k], str):
                    r[k] = str(r[k])
            out.append(r)
        p[table] = out

    rows("allocations", text=("domain",))
    rows("requirements", numeric=("max_units", "priority", "short_personnel", "weighted_shortfall"), text=("domain",), keep_none=("max_units",))
    for r in p["requirements"]:
        if r.get("priority") not in (1, 2, 3):
            r.pop("priority", None)
    rows("nations", numeric=("land", "sea", "air", "units", "budget_musd", "min_personnel"), text=("status", "ineligible_reason", "leads"),
         keep_none=("budget_musd",))
    rows("leads", numeric=("lead_personnel", "sector_personnel", "lead_share"))

    def table_ok(key, required_text, required_numeric):
        t = p.get(key)
        return isinstance(t, list) and all(
            isinstance(r, dict) and all(isinstance(r.get(c), str) for c in required_text) and all(_is_number(r.get(c)) for c in required_numeric)
            for r in t
        )

    if not table_ok("pledges", ("nation", "unit_type"), ("max_units", "used_units")):
        p.pop("pledges", None)
    if table_ok("sectors", ("sector",), ()):
        p["sectors"] = [{**r, "risk": r.get("risk") if _is_number(r.get("risk")) else None, "needs_lead": r.get("needs_lead") is True} for r in p["sectors"]]
    else:
        p.pop("sectors", None)
    targets = p.get("targets")
    if not (table_ok("targets", ("scope",), ("target", "planned", "short")) and sorted(t["scope"] for t in targets) == sorted(("force", "land", "sea", "air"))):
        p.pop("targets", None)
    return p


# ---------------------------------------------------------------------------


@dataclass
class Sector:
    name: str
    risk: int | None
    needs_lead: bool
    lead: str | None = None
    lead_share: float | None = None
    personnel: int = 0
    by_domain: dict = field(default_factory=lambda: dict.fromkeys(DOMAINS, 0))
    nations: list = field(default_factory=list)  # (nation, personnel), largest first
    lines: int = 0
    lines_unfilled: int = 0
    short_personnel: int = 0
    units: int = 0


@dataclass
class Facts:
    plan: dict
    scenario: dict
    status: str
    totals: dict
    targets: list  # {scope, target, planned, short}
    allocations: list
    requirements: list
    nations: list
    leads: list
    sectors: list  # [Sector]
    by_priority: list  # {priority, unfilled_lines, short_units, short_personnel, weighted_shortfall}
    unfilled: list  # requirement rows with short_units > 0, by priority then weight
    taking_part: list
    ineligible: list
    idle: list  # eligible nations placing nothing
    pledges: list | None
    solver: dict
    source: dict
    warnings: list
    unit_personnel: dict  # unit_type -> personnel per unit, where the plan shows it
    binds: dict


def _certificate(cert) -> dict | None:
    """The certificate's fields the report reads, each of its type; None when it is not one."""
    if not isinstance(cert, dict) or not isinstance(cert.get("status"), str):
        return None
    out = {"status": cert["status"], "stage1": None, "stage2": None}
    for key in ("stage1", "stage2"):
        c = cert.get(key)
        if c is None:
            continue
        if not isinstance(c, dict) or not isinstance(c.get("verdict"), str):
            return None
        stage = {k: c.get(k) if _is_number(c.get(k)) else None for k in ("objective", "bound", "gap", "absolute_gap", "mip_gap")}
        if any(stage[k] is None for k in ("objective", "bound", "gap", "absolute_gap")):
            return None
        if key == "stage2" and stage["mip_gap"] is None:
            return None
        stage.update(verdict=c["verdict"], verified=str(c.get("verified") or ""), recovered=c.get("recovered") is True)
        out[key] = stage
    return out


def derive(plan: dict) -> Facts:
    """Every figure the report prints, from a checked plan dict."""
    check_plan(plan)
    plan = _sanitised(plan)
    sc = dict(plan["scenario"])
    sc.setdefault("name", "baseline")
    sc.setdefault("classification", "UNCLASSIFIED — ILLUSTRATIVE DATA")
    for k in ("land_target", "sea_target", "air_target"):
        sc.setdefault(k, 0)

    reqs = [dict(r) for r in plan["requirements"]]
    allocs = [dict(a) for a in plan["allocations"]]
    domain_of = {r["unit_type"]: r.get("domain") for r in reqs if r.get("domain")}
    domain_of.update({a["unit_type"]: a["domain"] for a in allocs if a.get("domain")})
    for a in allocs:
        a["domain"] = a.get("domain") or domain_of.get(a["unit_type"]) or ""

    unit_personnel: dict[str, float] = {}
    for a in allocs:
        if a["units"] > 0:
            unit_personnel[a["unit_type"]] = a["personnel"] / a["units"]
    for r in reqs:
        if r["short_units"] > 0 and _is_number(r.get("short_personnel")):
            unit_personnel.setdefault(r["unit_type"], r["short_personnel"] / r["short_units"])
    for r in reqs:
        r.setdefault("priority", None)
        r["domain"] = r.get("domain") or domain_of.get(r["unit_type"]) or ""
        r.setdefault("max_units", None)
        if not _is_number(r.get("short_personnel")):
            size = unit_personnel.get(r["unit_type"])
            r["short_personnel"] = None if size is None else round(r["short_units"] * size)
        if not _is_number(r.get("weighted_shortfall")):
            w = PRIORITY_WEIGHT.get(r["priority"])
            r["weighted_shortfall"] = None if w is None or r["short_personnel"] is None else r["short_personnel"] * w

    totals = dict(plan["totals"])
    totals.setdefault("personnel", sum(a["personnel"] for a in allocs))
    for d in DOMAINS:
        totals.setdefault(d, sum(a["personnel"] for a in allocs if a["domain"] == d))
    totals.setdefault("cost_musd", sum(a["cost_musd"] for a in allocs))
    totals.setdefault("units", sum(a["units"] for a in allocs))

    targets = plan.get("targets")
    if targets is None:
        targets = []
        for scope in ("force", *DOMAINS):
            target = int(sc.get("force_target" if scope == "force" else f"{scope}_target") or 0)
            planned = int(totals["personnel"] if scope == "force" else totals[scope])
            targets.append({"scope": scope, "target": target, "planned": planned, "short": max(0, target - planned)})

    leads = [dict(ld) for ld in plan["leads"]]
    lead_of = {ld["sector"]: ld["nation"] for ld in leads}

    nations = []
    for n in plan["nations"]:
        n = dict(n)
        mine = [a for a in allocs if a["nation"] == n["nation"]]
        for d in DOMAINS:
            n.setdefault(d, sum(a["personnel"] for a in mine if a["domain"] == d))
        n.setdefault("units", sum(a["units"] for a in mine))
        n.setdefault("status", "")
        n["ineligible_reason"] = n.get("ineligible_reason") or ("" if n["eligible"] else "not eligible")
        n.setdefault("budget_musd", None)
        cap = n["cap_personnel"]
        n["cap_used"] = n["personnel"] / cap if cap else (0.0 if not n["personnel"] else None)
        n.setdefault("min_personnel", 0)
        n.setdefault("leads", next((s for s, ln in lead_of.items() if ln == n["nation"]), None))
        nations.append(n)

    unfilled = sorted((r for r in reqs if r["short_units"] > 0), key=lambda r: (r["priority"] or 9, -(r["weighted_shortfall"] or 0)))
    by_priority = []
    for p in (1, 2, 3):
        rows = [r for r in reqs if r["priority"] == p]
        short = [r for r in rows if r["short_units"] > 0]
        by_priority.append({
            "priority": p,
            "lines": len(rows),
            "unfilled_lines": len(short),
            "short_units": sum(r["short_units"] for r in short),
            "short_personnel": sum(r["short_personnel"] or 0 for r in short),
            "weighted_shortfall": sum(r["weighted_shortfall"] or 0 for r in short),
        })

    sectors = _sectors(plan, reqs, allocs, leads)
    pledges = plan.get("pledges") if isinstance(plan.get("pledges"), list) else None
    taking_part = sorted((n for n in nations if n["personnel"] > 0), key=lambda n: (-n["personnel"], n["nation"]))
    facts = Facts(
        plan=plan,
        scenario=sc,
        status=plan["status"],
        totals=totals,
        targets=targets,
        allocations=allocs,
        requirements=reqs,
        nations=nations,
        leads=leads,
        sectors=sectors,
        by_priority=by_priority,
        unfilled=unfilled,
        taking_part=taking_part,
        ineligible=[n for n in nations if not n["eligible"]],
        idle=[n for n in nations if n["eligible"] and n["personnel"] == 0],
        pledges=pledges,
        solver=dict(plan["solver"]),
        source=dict(plan.get("source") or {}),
        warnings=list(plan.get("warnings") or []),
        unit_personnel=unit_personnel,
        binds={},
    )
    facts.binds = _binds(facts)
    return facts


def _sectors(plan, reqs, allocs, leads) -> list[Sector]:
    given = plan.get("sectors") if isinstance(plan.get("sectors"), list) else []
    out: dict[str, Sector] = {}
    for s in given:
        if isinstance(s, dict) and "sector" in s:
            risk = s.get("risk")
            out[s["sector"]] = Sector(str(s["sector"]), int(risk) if _is_number(risk) else None, bool(s.get("needs_lead")))
    lead_sectors = {ld["sector"] for ld in leads}
    for name in [r["sector"] for r in reqs] + [a["sector"] for a in allocs] + [ld["sector"] for ld in leads]:
        if name not in out:
            out[name] = Sector(str(name), None, name in lead_sectors)
    for r in reqs:
        s = out[r["sector"]]
        s.lines += 1
        if r["short_units"] > 0:
            s.lines_unfilled += 1
            s.short_personnel += r["short_personnel"] or 0
    per_nation: dict[str, dict[str, int]] = {}
    for a in allocs:
        s = out[a["sector"]]
        s.personnel += a["personnel"]
        s.units += a["units"]
        if a["domain"] in s.by_domain:
            s.by_domain[a["domain"]] += a["personnel"]
        per_nation.setdefault(a["sector"], {})
        per_nation[a["sector"]][a["nation"]] = per_nation[a["sector"]].get(a["nation"], 0) + a["personnel"]
    for name, s in out.items():
        s.nations = sorted(per_nation.get(name, {}).items(), key=lambda kv: (-kv[1], kv[0]))
    for ld in leads:
        s = out[ld["sector"]]
        s.lead = ld["nation"]
        share = ld.get("lead_share")
        if not _is_number(share):
            mine = dict(s.nations).get(ld["nation"], 0)
            share = mine / s.personnel if s.personnel else 0.0
        s.lead_share = share
    return list(out.values())


def _binds(f: Facts) -> dict:
    """What the plan alone shows about what limits it (the explanation analysis will say more)."""
    at_cap = []
    pledged_by: dict[str, list] = {}
    for p in f.pledges or []:
        pledged_by.setdefault(p.get("nation"), []).append(p)
    for n in f.nations:
        if not n["eligible"] or n["cap_personnel"] <= 0:
            continue
        headroom = n["cap_personnel"] - n["personnel"]
        sizes = [f.unit_personnel.get(p["unit_type"]) for p in pledged_by.get(n["nation"], []) if p.get("used_units", 0) < p.get("max_units", 0)]
        sizes = [s for s in sizes if s is not None]
        blocked = bool(sizes) and n["personnel"] > 0 and min(sizes) > headroom  # no unused pledged unit fits under the cap
        if headroom <= 0 or (n["cap_used"] or 0) >= NEAR_CAP or blocked:
            at_cap.append({**n, "headroom": headroom, "blocked": blocked})
    at_budget = [
        n for n in f.nations
        if n["eligible"] and _is_number(n.get("budget_musd")) and n["budget_musd"] > 0 and n["cost_musd"] >= NEAR_BUDGET * n["budget_musd"]
    ]
    eligible = {n["nation"] for n in f.nations if n["eligible"]}
    unused = []
    no_pledge_lines, pledged_lines = [], []
    if f.pledges is not None:
        for p in f.pledges:
            if p.get("nation") in eligible and p.get("max_units", 0) > p.get("used_units", 0):
                unused.append({**p, "unused_units": p["max_units"] - p.get("used_units", 0)})
        pledgers: dict[str, list] = {}
        for p in f.pledges:
            if p.get("nation") in eligible and p.get("max_units", 0) > 0:
                pledgers.setdefault(p["unit_type"], []).append(p)
        for r in f.unfilled:
            offers = pledgers.get(r["unit_type"], [])
            if not offers:
                no_pledge_lines.append(r)
            else:
                spare = sum(p["max_units"] - p.get("used_units", 0) for p in offers)
                pledged_lines.append({**r, "pledging_nations": len(offers), "spare_units": spare})
    leaderless = [s for s in f.sectors if s.needs_lead and s.lead is None]
    return {
        "at_cap": at_cap,
        "at_budget": at_budget,
        "unused_pledges": unused,
        "no_pledge_lines": no_pledge_lines,
        "pledged_lines": pledged_lines,
        "leaderless": leaderless,
        "pledges_known": f.pledges is not None,
    }


def conditions(sc: dict) -> list[tuple[str, bool]]:
    return [
        ("Ceasefire in place", bool(sc.get("ceasefire_in_place"))),
        ("UN Security Council mandate", bool(sc.get("un_mandate"))),
        ("US backstop (air cover, logistics, intelligence)", bool(sc.get("us_backstop"))),
    ]
