"""From the chosen units to the plan's tables (pandas in, pandas out; no pyomo).

Every figure is recomputed from ``x`` and the planning data, so the tables do
not depend on the solver's own bookkeeping (slack values, objective values).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd

from optimizer import __version__
from optimizer.certify import STAGE_NAMES, certificate_words
from optimizer.data import SCOPES, PlanningData
from optimizer.solution import Solution

ROUND = 6  # decimals kept for money, so float noise never shows in outputs


@dataclass(frozen=True)
class PlanResult:
    """A plan as tables.  The app, the report and the writers read only this."""

    scenario: dict
    status: str
    shortfall_score: float
    allocations: pd.DataFrame
    requirements: pd.DataFrame
    nations: pd.DataFrame
    leads: pd.DataFrame
    targets: pd.DataFrame
    totals: dict
    solver: dict
    source: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    reserves: pd.DataFrame | None = None  # resilient plans (analysis): units earmarked as backfill reserves
    sectors: pd.DataFrame | None = None  # sector, risk, needs_lead (the report's sector map)
    pledges: pd.DataFrame | None = None  # nation, unit_type, max_units, used_units (the report's "what binds")

    @property
    def shortfall_by_priority(self) -> pd.DataFrame:
        req = self.requirements
        grouped = req.groupby("priority")[["short_units", "short_personnel", "weighted_shortfall"]].sum()
        grouped["unfilled_lines"] = req[req["short_units"] > 0].groupby("priority").size()
        return grouped.reindex([1, 2, 3], fill_value=0).fillna(0).astype({"unfilled_lines": int}).reset_index()


def build_results(data: PlanningData, solution: Solution) -> PlanResult:
    sc = data.scenario
    alloc = _allocations(data, solution.units)
    requirements = _requirements(data, alloc)
    nations = _nations(data, alloc, solution.leads)
    leads = _leads(data, alloc, solution.leads)
    targets = _targets(data, alloc)
    totals = {
        "personnel": int(alloc["personnel"].sum()),
        **{d: int(alloc.loc[alloc["domain"] == d, "personnel"].sum()) for d in ("land", "sea", "air")},
        "cost_musd": round(float(alloc["cost_musd"].sum()), ROUND),
        "units": int(alloc["units"].sum()),
        "nations_taking_part": int((nations["personnel"] > 0).sum()),
    }
    score = float(requirements["weighted_shortfall"].sum() + targets["short"].sum())
    status, certificate, warnings = _check_certificate(data, solution, score, nations)
    solver = {
        "name": solution.solver_name,
        "version": solution.solver_version,
        "seconds": round(solution.seconds, 3),
        "gap": round(float(solution.gap), 9),
        "status": status,
        "stage1_proven": solution.stage1_proven,
        "stage2_objective": None if solution.stage2_objective is None else round(solution.stage2_objective, ROUND),
        "threads": 1,
        "timings_s": {k: round(v, 3) for k, v in solution.timings.items()},
        **{k: int(v) for k, v in solution.counts.items()},
        "certificate": certificate,
    }
    return PlanResult(
        scenario=(data.scenario_given or sc).model_dump(),  # as written: a re-run with it gives this plan
        status=status,
        shortfall_score=score,
        allocations=alloc,
        requirements=requirements,
        nations=nations,
        leads=leads,
        targets=targets,
        totals=totals,
        solver=solver,
        source={
            "workbook": data.source_name,
            "sha256": data.source_sha256,
            "forceplan_version": __version__,
            "planned_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),  # the report's date
        },
        warnings=(*data.warnings, *warnings),
        sectors=_sectors(data),
        pledges=_pledges(data, alloc),
        reserves=getattr(solution, "reserves", None),
    )


def _check_certificate(data: PlanningData, solution: Solution, score: float, nations: pd.DataFrame) -> tuple[str, dict, tuple[str, ...]]:
    """The solve's certificate, checked once more against the plan's final tables.

    The solve certified the objectives it recomputed from the chosen units;
    here they are recomputed again from the tables that are handed out
    (requirements and targets for the score; the nations table's personnel and
    cost, the workbook's fair shares and the nations taking part for stage 2).
    A mismatch means the tables and the certificate describe different plans:
    the status becomes ``unverified``.  Returns (status, certificate with the
    table figures and the plain-words summary, warnings).
    """
    sc = data.scenario
    cert = copy.deepcopy(solution.certificate) if solution.certificate else {"status": solution.status, "stage1": None, "stage2": None}
    fair = nations["nation"].map(data.nations["fair_personnel"]).astype(float)
    sharing = (sc.weight_cost * float(nations["cost_musd"].sum())
               + sc.weight_fairness * float((nations["personnel"] - fair).abs().sum())
               + sc.weight_nations * int((nations["personnel"] > 0).sum()))
    status, warnings = solution.status, ()
    for stage, table_value in (("stage1", score), ("stage2", sharing)):
        c = cert.get(stage)
        if c is None:
            continue
        c["table_objective"] = round(table_value, ROUND)
        # the tables round each nation's cost to 1e-6 M USD
        if c["objective"] is None or abs(table_value - c["objective"]) > 1e-6 * max(1.0, abs(table_value)) + 1e-6 * len(nations):
            c["verdict"] = "unverified"
            status = "unverified"
            warnings = (f"the plan is UNVERIFIED: its tables give {STAGE_NAMES[stage]} {table_value:,.2f}, "
                        f"the solve certified {c['objective']}; do not sign it off as optimal",)
    cert["status"] = status
    for c in (cert.get("stage1"), cert.get("stage2")):
        if c is not None:
            for key in ("objective", "bound", "gap", "absolute_gap"):
                if c.get(key) is not None:
                    c[key] = round(float(c[key]), 9 if key == "gap" else ROUND)
    cert["summary"] = certificate_words(cert)
    return status, cert, (*solution.warnings, *warnings)


def _allocations(data: PlanningData, units: pd.DataFrame) -> pd.DataFrame:
    cols = ["nation", "unit_type", "sector", "units", "personnel", "cost_musd", "domain"]
    if units.empty:
        return pd.DataFrame(columns=cols).astype({"units": int, "personnel": int, "cost_musd": float})
    a = units.copy()
    a["units"] = a["units"].astype(int)
    ut = data.unit_types
    a["domain"] = a["unit_type"].map(ut["domain"])
    a["personnel"] = (a["units"] * a["unit_type"].map(ut["personnel"])).astype(int)
    unit_cost = a["unit_type"].map(ut["annual_cost_musd"]).astype(float) * a["nation"].map(data.nations["cost_factor"]).astype(float)
    a["cost_musd"] = (a["units"] * unit_cost).round(ROUND)
    order_n = {n: i for i, n in enumerate(data.nations.index)}
    order_l = {(u, s): i for i, (u, s) in enumerate(zip(data.requirements["unit_type"], data.requirements["sector"]))}
    a["_o"] = [(order_n[n], order_l[(u, s)]) for n, u, s in zip(a["nation"], a["unit_type"], a["sector"])]
    return a.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)[cols]


def _requirements(data: PlanningData, alloc: pd.DataFrame) -> pd.DataFrame:
    req = data.requirements.copy()
    filled = alloc.groupby(["unit_type", "sector"])["units"].sum()
    req["filled_units"] = [int(filled.get((u, s), 0)) for u, s in zip(req["unit_type"], req["sector"])]
    req["short_units"] = (req["min_units"] - req["filled_units"]).clip(lower=0).astype(int)
    req["short_personnel"] = (req["short_units"] * req["personnel"]).astype(int)
    req["weighted_shortfall"] = (req["short_personnel"] * req["weight"]).astype(int)
    req["max_units"] = req["max_units"].astype(object).where(req["max_units"].notna(), None)
    cols = ["unit_type", "sector", "domain", "priority", "min_units", "max_units", "filled_units", "short_units", "short_personnel", "weighted_shortfall"]
    return req[cols].reset_index(drop=True)


def _nations(data: PlanningData, alloc: pd.DataFrame, leads: pd.DataFrame) -> pd.DataFrame:
    nat = data.nations
    out = pd.DataFrame({"nation": nat.index})
    out["status"] = nat["status"].values
    out["eligible"] = nat["eligible"].astype(bool).values
    out["ineligible_reason"] = nat["ineligible_reason"].values
    per = alloc.groupby("nation")[["personnel", "cost_musd", "units"]].sum()
    out["personnel"] = out["nation"].map(per["personnel"]).fillna(0).astype(int)
    for d in ("land", "sea", "air"):
        dom = alloc[alloc["domain"] == d].groupby("nation")["personnel"].sum()
        out[d] = out["nation"].map(dom).fillna(0).astype(int)
    out["units"] = out["nation"].map(per["units"]).fillna(0).astype(int)
    out["cost_musd"] = out["nation"].map(per["cost_musd"]).fillna(0.0).astype(float).round(ROUND)
    out["budget_musd"] = [None if b is None or b != b else float(b) for b in nat["budget_musd"]]
    out["cap_personnel"] = nat["cap_personnel"].astype(int).values
    out["cap_used"] = [round(p / c, 4) if c > 0 else 0.0 for p, c in zip(out["personnel"], out["cap_personnel"])]
    out["min_personnel"] = nat["min_personnel"].astype(int).values
    out["fair_personnel"] = nat["fair_personnel"].astype(float).round(3).values
    out["fair_gap"] = (out["personnel"] - out["fair_personnel"]).round(3)
    out["takes_part"] = out["personnel"] > 0
    led = dict(zip(leads["nation"], leads["sector"]))
    out["leads"] = [led.get(n) for n in out["nation"]]
    return out


def _leads(data: PlanningData, alloc: pd.DataFrame, leads: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for s, n in zip(leads["sector"], leads["nation"]):
        in_sector = alloc[alloc["sector"] == s]
        total = int(in_sector["personnel"].sum())
        mine = int(in_sector.loc[in_sector["nation"] == n, "personnel"].sum())
        rows.append({"sector": s, "nation": n, "lead_personnel": mine, "sector_personnel": total, "lead_share": round(mine / total, 4) if total else 0.0})
    return pd.DataFrame(rows, columns=["sector", "nation", "lead_personnel", "sector_personnel", "lead_share"])


def _sectors(data: PlanningData) -> pd.DataFrame:
    sec = data.sectors
    return pd.DataFrame({"sector": sec.index, "risk": sec["risk"].astype(int).values, "needs_lead": sec["needs_lead"].astype(bool).values})


def _pledges(data: PlanningData, alloc: pd.DataFrame) -> pd.DataFrame:
    p = data.pledges[["nation", "unit_type", "max_units"]].copy().reset_index(drop=True)
    p["max_units"] = p["max_units"].astype(int)
    used = alloc.groupby(["nation", "unit_type"])["units"].sum()
    p["used_units"] = [int(used.get((n, u), 0)) for n, u in zip(p["nation"], p["unit_type"])]
    return p


def _targets(data: PlanningData, alloc: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for scope in SCOPES:
        target = data.scenario.target(scope)
        planned = int(alloc["personnel"].sum()) if scope == "force" else int(alloc.loc[alloc["domain"] == scope, "personnel"].sum())
        rows.append({"scope": scope, "target": int(target), "planned": planned, "short": max(0, int(target) - planned)})
    return pd.DataFrame(rows)
