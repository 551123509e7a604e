"""Variants of a workbook and the task that plans one (runs inside a worker).

A :class:`Variant` is plain data: a label and the changes to apply to the
validated tables.  :func:`plan_variant` applies them, builds the planning
data, solves, and returns a :class:`VariantResult` of plain Python values,
so tasks ship cheaply to a process pool or a Dask worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from optimizer.errors import OverTimeNotAnalysed
from optimizer.reader import RawTables


def require_one_period(raw: RawTables) -> None:
    """Refuse, with a clear message, to analyse a plan over several periods: its variants would
    be judged by one period's figures.  (Every analysis calls this first.)"""
    periods = int(raw.scenario.get("periods") or 1)
    if periods > 1:
        raise OverTimeNotAnalysed(periods)


@dataclass(frozen=True)
class Variant:
    """Changes to a workbook's validated tables, applied in this order."""

    label: str
    scenario: tuple[tuple[str, object], ...] = ()  # Scenario overrides
    decline: tuple[str, ...] = ()  # nations set to status 'declined'
    lift_political_cap: tuple[str, ...] = ()  # max_personnel blanked
    lift_budget: tuple[str, ...] = ()  # budget_musd blanked
    lift_caveats: tuple[str, ...] = ()  # every Caveats row of these nations removed
    raise_risk: tuple[str, ...] = ()  # max_sector_risk set to 3
    add_pledge: tuple[tuple[str, str, int], ...] = ()  # (nation, unit_type, extra units)
    stage2: bool = True  # False: plan for the shortfall only (weights 0)
    maximise_force: bool = False  # plan the largest force: no line minimums, an unreachable force target
    reserve_priority: int | None = None  # resilient plan: backfill reserves on lines of this priority
    fairness_cap: float | None = None  # ε-constraint on the fairness deviation (trade-off curve)
    key: tuple = field(default=(), compare=False)  # caller's bookkeeping


@dataclass
class VariantResult:
    label: str
    status: str
    shortfall_score: float
    personnel: int
    cost_musd: float
    units: dict[tuple[str, str, str], int]
    line_short: dict[tuple[str, str], int]
    target_short: dict[str, int]
    nation_personnel: dict[str, int]
    key: tuple = ()
    fairness_deviation: float = 0.0
    reserves: dict[tuple[str, str, str], int] = field(default_factory=dict)

    @property
    def lines_unfilled(self) -> int:
        return sum(1 for v in self.line_short.values() if v > 0)


def apply_variant(raw: RawTables, v: Variant) -> RawTables:
    scenario = dict(raw.scenario)
    scenario.update(dict(v.scenario))
    if not v.stage2:
        scenario.update(weight_cost=0.0, weight_fairness=0.0, weight_nations=0.0)
    tables = {name: frame.copy() for name, frame in raw.tables.items()}
    if v.maximise_force:
        # Stage 1 then minimises (target − personnel): it maximises the force under H1–H10.
        nations = tables["Nations"]
        scenario.update(force_target=int(nations["active_personnel"].sum()) + 1, land_target=0, sea_target=0, air_target=0)
        tables["Requirements"]["min_units"] = 0
    nations = tables["Nations"]
    if v.decline:
        nations.loc[nations["nation"].isin(v.decline), "status"] = "declined"
    if v.lift_political_cap:
        nations["max_personnel"] = nations["max_personnel"].astype(object)
        nations.loc[nations["nation"].isin(v.lift_political_cap), "max_personnel"] = None
    if v.lift_budget:
        nations["budget_musd"] = nations["budget_musd"].astype(object)
        nations.loc[nations["nation"].isin(v.lift_budget), "budget_musd"] = None
    if v.raise_risk:
        nations.loc[nations["nation"].isin(v.raise_risk), "max_sector_risk"] = 3
    if v.lift_caveats:
        caveats = tables["Caveats"]
        tables["Caveats"] = caveats[~caveats["nation"].isin(v.lift_caveats)].reset_index(drop=True)
    if v.add_pledge:
        pledges = tables["Pledges"]
        for nation, unit_type, extra in v.add_pledge:
            hit = (pledges["nation"] == nation) & (pledges["unit_type"] == unit_type)
            if hit.any():
                pledges.loc[hit, "max_units"] = pledges.loc[hit, "max_units"].astype(int) + int(extra)
            else:
                row = {"_row": 0, "nation": nation, "unit_type": unit_type, "max_units": int(extra)}
                pledges = pd.concat([pledges, pd.DataFrame([row])], ignore_index=True)
        tables["Pledges"] = pledges
    return RawTables(scenario=scenario, tables=tables, warnings=list(raw.warnings))


def plan_variant(raw: RawTables, v: Variant) -> VariantResult:
    """Apply ``v`` and solve.  Runs in a worker: imports the solver here."""
    from dataclasses import replace

    from optimizer.data import build_planning_data
    from optimizer.pipeline import plan_data

    data = build_planning_data(apply_variant(raw, v))
    if v.reserve_priority is not None or v.fairness_cap is not None:
        data = replace(data, reserve_priority=v.reserve_priority, fairness_cap=v.fairness_cap)
    plan = plan_data(data)
    reserves = getattr(plan, "reserves", None)
    units = {(r.nation, r.unit_type, r.sector): int(r.units) for r in plan.allocations.itertuples()}
    return VariantResult(
        label=v.label,
        status=plan.status,
        shortfall_score=float(plan.shortfall_score),
        personnel=int(plan.totals["personnel"]),
        cost_musd=float(plan.totals["cost_musd"]),
        units=units,
        line_short={(r.unit_type, r.sector): int(r.short_units) for r in plan.requirements.itertuples()},
        target_short={r.scope: int(r.short) for r in plan.targets.itertuples()},
        nation_personnel={r.nation: int(r.personnel) for r in plan.nations.itertuples()},
        key=v.key,
        # Σ_n |P[n] − fair[n]|, the contract's stage-2 fairness term, over all nations.
        fairness_deviation=float(sum(abs(p - f) for p, f in zip(plan.nations["personnel"], plan.nations["fair_personnel"]))),
        reserves={} if reserves is None else {(r.nation, r.unit_type, r.sector): int(r.units) for r in reserves.itertuples()},
    )
