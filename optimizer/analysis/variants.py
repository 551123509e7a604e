"""Variants of a workbook and the task that plans one (runs inside a worker).

A :class:`Variant` is plain data: a label and the changes to apply to the
validated tables.  :func:`plan_variant` applies them, builds the planning
data, solves, and returns a :class:`VariantResult` of plain Python values,
so tasks ship cheaply to a process pool or a Dask worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from optimizer.reader import RawTables


@dataclass(frozen=True)
class Variant:
    """Changes to a workbook's validated tables, applied in this order."""

    label: str
    scenario: tuple[tuple[str, object], ...] = ()  # Scenario overrides
    decline: tuple[str, ...] = ()  # nations set to status 'declined'
    lift_political_cap: tuple[str, ...] = ()  # max_personnel blanked
    lift_budget: tuple[str, ...] = ()  # budget_musd blanked
    lift_caveats: tuple[str, ...] = ()  # every Caveats row of these nations removed
    withdraw_from: tuple[tuple[str, int], ...] = ()  # (nation, period k): the nation withdraws from period k on (available until k − 1)
    available_earlier: tuple[str, ...] = ()  # available_from one period earlier
    dwell_shorter: tuple[str, ...] = ()  # dwell_periods one less
    raise_risk: tuple[str, ...] = ()  # max_sector_risk set to 3
    add_pledge: tuple[tuple[str, str, int], ...] = ()  # (nation, unit_type, extra units)
    stage2: bool = True  # False: plan for the shortfall only (weights 0)
    maximise_force: bool = False  # plan the largest force: no line minimums, an unreachable force target
    maximise_in: tuple[int, ...] = ()  # over time: the periods whose force is maximised (the others' targets 0); () = every period
    reserve_priority: int | None = None  # resilient plan: backfill reserves on lines of this priority
    fairness_cap: float | None = None  # ε-constraint on the fairness deviation (trade-off curve)
    key: tuple = field(default=(), compare=False)  # caller's bookkeeping


@dataclass
class VariantResult:
    """A variant's plan as plain values.  Keys carry the period last (section 5; period 1 of a
    one-period plan): ``units[(n, u, s, t)]``, ``line_short[(u, s, t)]``, ``target_short[(scope, t)]``.
    ``personnel`` and ``cost_musd`` are the plan's totals (its weakest period over time);
    ``nation_personnel[n]`` is the most nation n has deployed in any period."""

    label: str
    status: str
    shortfall_score: float
    personnel: int
    cost_musd: float
    units: dict[tuple[str, str, str, int], int]
    line_short: dict[tuple[str, str, int], int]
    target_short: dict[tuple[str, int], int]
    nation_personnel: dict[str, int]
    key: tuple = ()
    fairness_deviation: float = 0.0
    reserves: dict[tuple[str, str, str, int], int] = field(default_factory=dict)  # (n, u, s, t): units in reserve
    period_scores: dict[int, float] = field(default_factory=dict)  # each period's shortfall score
    period_personnel: dict[int, int] = field(default_factory=dict)  # each period's personnel
    period_costs: dict[int, float] = field(default_factory=dict)  # each period's cost, M USD a year
    labels: dict[int, str] = field(default_factory=dict)  # each period's label (P1 … or YYYY-MM)

    @property
    def mean_cost_musd(self) -> float:
        """The yearly cost averaged over the periods (stage 2 minimises their sum); one period: its cost."""
        return sum(self.period_costs.values()) / len(self.period_costs) if self.period_costs else self.cost_musd

    @property
    def lines_unfilled(self) -> int:
        """Requirement lines short in some period."""
        return len({(u, s) for (u, s, _t), v in self.line_short.items() if v > 0})


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
        if "Phases" in tables:  # over time: the unreachable target in the periods maximised, no target in the others
            phases = tables["Phases"]
            others = [t for t in range(1, int(scenario.get("periods") or 1) + 1) if v.maximise_in and t not in v.maximise_in]
            tables["Phases"] = pd.DataFrame([{"_row": 0, "period": t, "force_target": 0, "land_target": 0, "sea_target": 0, "air_target": 0}
                                             for t in others], columns=phases.columns)
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
    if v.withdraw_from:
        nations["available_until"] = nations["available_until"].astype(object)
        for nation, period in v.withdraw_from:
            hit = nations["nation"] == nation
            first = nations.loc[hit, "available_from"].fillna(1).astype(int)
            if period <= 1 or (first >= period).all():
                nations.loc[hit, "status"] = "declined"  # withdrawn before it ever deploys
            else:
                until = nations.loc[hit, "available_until"].iloc[0]
                last = period - 1 if until is None or until != until else min(int(until), period - 1)
                nations.loc[hit, "available_until"] = last
    if v.available_earlier:
        for nation in v.available_earlier:
            hit = nations["nation"] == nation
            nations.loc[hit, "available_from"] = (nations.loc[hit, "available_from"].fillna(1).astype(int) - 1).clip(lower=1)
    if v.dwell_shorter:
        for nation in v.dwell_shorter:
            hit = nations["nation"] == nation
            nations.loc[hit, "dwell_periods"] = (nations.loc[hit, "dwell_periods"].fillna(0).astype(int) - 1).clip(lower=0)
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

    def period(frame):  # a one-period plan's tables have no period column: they are period 1's
        return frame["period"] if "period" in frame else [1] * len(frame)

    a, req, tg, nat = plan.allocations, plan.requirements, plan.targets, plan.nations
    personnel: dict[str, int] = {}
    for n, p in zip(nat["nation"], nat["personnel"]):
        personnel[n] = max(personnel.get(n, 0), int(p))
    timeline = plan.timeline
    return VariantResult(
        label=v.label,
        status=plan.status,
        shortfall_score=float(plan.shortfall_score),
        personnel=int(plan.totals["personnel"]),
        cost_musd=float(plan.totals["cost_musd"]),
        units={(n, u, s, int(t)): int(x) for n, u, s, t, x in zip(a["nation"], a["unit_type"], a["sector"], period(a), a["units"])},
        line_short={(u, s, int(t)): int(x) for u, s, t, x in zip(req["unit_type"], req["sector"], period(req), req["short_units"])},
        target_short={(g, int(t)): int(x) for g, t, x in zip(tg["scope"], period(tg), tg["short"])},
        nation_personnel=personnel,
        key=v.key,
        # Σ_n,t |P[n,t] − fair[n,t]|, the contract's stage-2 fairness term, over all nations (and periods).
        fairness_deviation=float(sum(abs(p - f) for p, f in zip(nat["personnel"], nat["fair_personnel"]))),
        reserves={} if reserves is None else {(r.nation, r.unit_type, r.sector, int(getattr(r, "period", 1))): int(r.units)
                                              for r in reserves.itertuples()},
        period_scores={1: float(plan.shortfall_score)} if timeline is None else dict(zip(timeline["period"], map(float, timeline["shortfall_score"]))),
        labels={1: "P1"} if timeline is None else dict(zip(timeline["period"], timeline["label"])),
        period_personnel={1: int(plan.totals["personnel"])} if timeline is None else dict(zip(timeline["period"], map(int, timeline["personnel"]))),
        period_costs={1: float(plan.totals["cost_musd"])} if timeline is None else dict(zip(timeline["period"], map(float, timeline["cost_musd"]))),
    )
