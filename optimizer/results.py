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
TIMELINE_COLUMNS = ["period", "label", "personnel", "land", "sea", "air", "cost_musd", "shortfall_score", "force_target"]


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
    timeline: pd.DataFrame | None = None  # over several periods (section 5): one row per period, TIMELINE_COLUMNS

    @property
    def periods(self) -> int:
        return int(self.scenario.get("periods") or 1)

    @property
    def shortfall_by_priority(self) -> pd.DataFrame:
        req = self.requirements
        grouped = req.groupby("priority")[["short_units", "short_personnel", "weighted_shortfall"]].sum()
        grouped["unfilled_lines"] = req[req["short_units"] > 0].groupby("priority").size()
        return grouped.reindex([1, 2, 3], fill_value=0).fillna(0).astype({"unfilled_lines": int}).reset_index()


def build_results(data: PlanningData, solution: Solution) -> PlanResult:
    """The plan's tables, recomputed from the chosen units.  Over several periods (section 5) every
    table carries ``period`` and ``timeline`` has one row per period; with one period the tables
    are those of sections 1–4, without the column."""
    alloc = _allocations(data, solution.units)
    requirements = _requirements(data, alloc)
    leads = _leads(data, alloc, solution.leads)
    nations = _nations(data, alloc, leads)
    targets = _targets(data, alloc)
    timeline = _timeline(data, alloc, requirements, targets, nations)
    weakest = int(timeline.sort_values(["personnel", "period"], kind="stable")["period"].iloc[0])  # totals: the period with the least personnel
    in_weakest = alloc[alloc["period"] == weakest]
    totals = {
        "personnel": int(in_weakest["personnel"].sum()),
        **{d: int(in_weakest.loc[in_weakest["domain"] == d, "personnel"].sum()) for d in ("land", "sea", "air")},
        "cost_musd": round(float(in_weakest["cost_musd"].sum()), ROUND),
        "units": int(in_weakest["units"].sum()),
        "nations_taking_part": int((nations.loc[nations["period"] == weakest, "personnel"] > 0).sum()),
    }
    if data.periods > 1:
        totals["period"] = weakest
    score = float(requirements["weighted_shortfall"].sum() + targets["short"].sum())
    status, certificate, warnings = _check_certificate(data, solution, score, nations, alloc)
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
    over_time = data.periods > 1
    tables = {name: frame if over_time else frame.drop(columns="period")
              for name, frame in (("allocations", alloc), ("requirements", requirements), ("nations", nations),
                                  ("leads", leads), ("targets", targets), ("pledges", _pledges(data, alloc)))}
    return PlanResult(
        scenario=(data.scenario_given or data.scenario).model_dump(),  # as written: a re-run with it gives this plan
        status=status,
        shortfall_score=score,
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
        reserves=getattr(solution, "reserves", None),
        timeline=timeline if over_time else None,
        **tables,
    )


def _check_certificate(data: PlanningData, solution: Solution, score: float, nations: pd.DataFrame,
                       alloc: pd.DataFrame) -> tuple[str, dict, tuple[str, ...]]:
    """The solve's certificate, checked once more against the plan's final tables.

    The solve certified the objectives it recomputed from the chosen units;
    here they are recomputed again from the tables that are handed out
    (requirements and targets for the score; the nations table's personnel and
    cost per period, the workbook's fair shares of each period, the nations
    taking part and the handovers between periods of the allocations for
    stage 2).  A mismatch means the tables and the certificate describe
    different plans: the status becomes ``unverified``.  Returns (status,
    certificate with the table figures and the plain-words summary, warnings).
    """
    sc = data.scenario
    cert = copy.deepcopy(solution.certificate) if solution.certificate else {"status": solution.status, "stage1": None, "stage2": None}
    np_ = data.nation_periods
    fair = pd.Series(np_["fair_personnel"].astype(float).values, index=pd.MultiIndex.from_arrays([np_["nation"], np_["period"]]))
    fair = fair.reindex(pd.MultiIndex.from_arrays([nations["nation"], nations["period"]])).values
    sharing = (sc.weight_cost * float(nations["cost_musd"].sum())
               + sc.weight_fairness * float((nations["personnel"] - fair).abs().sum())
               + sc.weight_nations * int((nations["personnel"] > 0).sum()))
    if data.periods > 1 and sc.weight_churn > 0:
        sharing += sc.weight_churn * handovers(alloc, data.periods)
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
    cols = ["nation", "unit_type", "sector", "period", "units", "personnel", "cost_musd", "domain"]
    if units.empty:
        return pd.DataFrame(columns=cols).astype({"period": int, "units": int, "personnel": int, "cost_musd": float})
    a = units.copy()
    if "period" not in a:
        a["period"] = 1
    a["period"] = a["period"].astype(int)
    a["units"] = a["units"].astype(int)
    ut = data.unit_types
    a["domain"] = a["unit_type"].map(ut["domain"])
    a["personnel"] = (a["units"] * a["unit_type"].map(ut["personnel"])).astype(int)
    unit_cost = a["unit_type"].map(ut["annual_cost_musd"]).astype(float) * a["nation"].map(data.nations["cost_factor"]).astype(float)
    a["cost_musd"] = (a["units"] * unit_cost).round(ROUND)
    order_n = {n: i for i, n in enumerate(data.nations.index)}
    order_l = {(u, s): i for i, (u, s) in enumerate(zip(data.requirements["unit_type"], data.requirements["sector"]))}
    a["_o"] = [(t, order_n[n], order_l[(u, s)]) for n, u, s, t in zip(a["nation"], a["unit_type"], a["sector"], a["period"])]
    return a.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)[cols]


def handovers(alloc: pd.DataFrame, last: int) -> int:
    """Σ_{t=2…last} Σ_{n,u,s} |x[n,u,s,t] − x[n,u,s,t−1]| over an allocations table with ``period`` (section 5's churn)."""
    held = alloc.groupby(["nation", "unit_type", "sector", "period"])["units"].sum().astype(int).to_dict()
    churn = 0
    for (n, u, s, t), v in held.items():
        if t >= 2:
            churn += abs(v - held.get((n, u, s, t - 1), 0))
        if t < last and (n, u, s, t + 1) not in held:
            churn += v
    return churn


def _requirements(data: PlanningData, alloc: pd.DataFrame) -> pd.DataFrame:
    """One row per line and period it applies in (period-major)."""
    frames = []
    for t in data.period_list:
        req = data.requirements[(data.requirements["from_period"] <= t) & (data.requirements["until_period"] >= t)].copy()
        mine = alloc[alloc["period"] == t]
        filled = mine.groupby(["unit_type", "sector"])["units"].sum()
        req["period"] = t
        req["filled_units"] = [int(filled.get((u, s), 0)) for u, s in zip(req["unit_type"], req["sector"])]
        frames.append(req)
    req = pd.concat(frames, ignore_index=True)
    req["period"] = req["period"].astype(int)
    req["filled_units"] = req["filled_units"].astype(int)
    req["short_units"] = (req["min_units"] - req["filled_units"]).clip(lower=0).astype(int)
    req["short_personnel"] = (req["short_units"] * req["personnel"]).astype(int)
    req["weighted_shortfall"] = (req["short_personnel"] * req["weight"]).astype(int)
    req["max_units"] = req["max_units"].astype(object).where(req["max_units"].notna(), None)
    cols = ["unit_type", "sector", "period", "domain", "priority", "min_units", "max_units", "filled_units", "short_units", "short_personnel", "weighted_shortfall"]
    return req[cols].reset_index(drop=True)


def _nations(data: PlanningData, alloc: pd.DataFrame, leads: pd.DataFrame) -> pd.DataFrame:
    """One row per nation and period (period-major): H1 as it holds in the period, the plan's figures there."""
    nat = data.nations
    frames = []
    for t in data.period_list:
        in_t = data.nation_periods[data.nation_periods["period"] == t].set_index("nation").reindex(nat.index)
        mine = alloc[alloc["period"] == t]
        out = pd.DataFrame({"nation": nat.index})
        out["period"] = t
        out["status"] = nat["status"].values
        out["eligible"] = in_t["eligible"].astype(bool).values
        out["ineligible_reason"] = in_t["ineligible_reason"].values
        per = mine.groupby("nation")[["personnel", "cost_musd", "units"]].sum()
        out["personnel"] = out["nation"].map(per["personnel"]).fillna(0).astype(int)
        for d in ("land", "sea", "air"):
            dom = mine[mine["domain"] == d].groupby("nation")["personnel"].sum()
            out[d] = out["nation"].map(dom).fillna(0).astype(int)
        out["units"] = out["nation"].map(per["units"]).fillna(0).astype(int)
        out["cost_musd"] = out["nation"].map(per["cost_musd"]).fillna(0.0).astype(float).round(ROUND)
        out["budget_musd"] = [None if b is None or b != b else float(b) for b in nat["budget_musd"]]
        out["cap_personnel"] = nat["cap_personnel"].astype(int).values
        out["cap_used"] = [round(p / c, 4) if c > 0 else 0.0 for p, c in zip(out["personnel"], out["cap_personnel"])]
        out["min_personnel"] = nat["min_personnel"].astype(int).values
        out["fair_personnel"] = in_t["fair_personnel"].astype(float).round(3).values
        out["fair_gap"] = (out["personnel"] - out["fair_personnel"]).round(3)
        out["takes_part"] = out["personnel"] > 0
        led = {n: s for s, n, p in zip(leads["sector"], leads["nation"], leads["period"]) if p == t}
        out["leads"] = [led.get(n) for n in out["nation"]]
        frames.append(out)
    out = pd.concat(frames, ignore_index=True)
    out["period"] = out["period"].astype(int)
    return out


def _leads(data: PlanningData, alloc: pd.DataFrame, leads: pd.DataFrame) -> pd.DataFrame:
    rows = []
    periods = leads["period"] if "period" in leads else [1] * len(leads)
    for s, t, n in zip(leads["sector"], periods, leads["nation"]):
        in_sector = alloc[(alloc["sector"] == s) & (alloc["period"] == int(t))]
        total = int(in_sector["personnel"].sum())
        mine = int(in_sector.loc[in_sector["nation"] == n, "personnel"].sum())
        rows.append({"sector": s, "period": int(t), "nation": n, "lead_personnel": mine, "sector_personnel": total,
                     "lead_share": round(mine / total, 4) if total else 0.0})
    return pd.DataFrame(rows, columns=["sector", "period", "nation", "lead_personnel", "sector_personnel", "lead_share"]).astype({"period": int})


def _sectors(data: PlanningData) -> pd.DataFrame:
    sec = data.sectors
    return pd.DataFrame({"sector": sec.index, "risk": sec["risk"].astype(int).values, "needs_lead": sec["needs_lead"].astype(bool).values})


def _pledges(data: PlanningData, alloc: pd.DataFrame) -> pd.DataFrame:
    """One row per pledge and period: units pledged and units deployed in the period."""
    frames = []
    for t in data.period_list:
        p = data.pledges[["nation", "unit_type", "max_units"]].copy().reset_index(drop=True)
        p.insert(2, "period", t)
        p["max_units"] = p["max_units"].astype(int)
        used = alloc[alloc["period"] == t].groupby(["nation", "unit_type"])["units"].sum()
        p["used_units"] = [int(used.get((n, u), 0)) for n, u in zip(p["nation"], p["unit_type"])]
        frames.append(p)
    out = pd.concat(frames, ignore_index=True)
    out["period"] = out["period"].astype(int)
    return out


def _targets(data: PlanningData, alloc: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for t, scope, target in zip(data.targets["period"], data.targets["scope"], data.targets["target"]):
        mine = alloc[alloc["period"] == t]
        planned = int(mine["personnel"].sum()) if scope == "force" else int(mine.loc[mine["domain"] == scope, "personnel"].sum())
        rows.append({"scope": scope, "period": int(t), "target": int(target), "planned": planned, "short": max(0, int(target) - planned)})
    return pd.DataFrame(rows, columns=["scope", "period", "target", "planned", "short"])


def _timeline(data: PlanningData, alloc, requirements, targets, nations) -> pd.DataFrame:
    """One row per period: strength by domain, cost, the period's shortfall score and force target (section 5)."""
    rows = []
    for t in data.period_list:
        mine = alloc[alloc["period"] == t]
        req = requirements[requirements["period"] == t]
        tg = targets[targets["period"] == t]
        rows.append({
            "period": t,
            "label": data.period_label(t),
            "personnel": int(mine["personnel"].sum()),
            **{d: int(mine.loc[mine["domain"] == d, "personnel"].sum()) for d in ("land", "sea", "air")},
            "cost_musd": round(float(mine["cost_musd"].sum()), ROUND),
            "shortfall_score": int(req["weighted_shortfall"].sum() + tg["short"].sum()),
            "force_target": int(tg.loc[tg["scope"] == "force", "target"].iloc[0]),
        })
    return pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
