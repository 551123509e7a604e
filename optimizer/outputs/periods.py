"""One period of a plan over time, as a one-period plan dict (contract section 5).

A ``plan.json`` over several periods carries ``period`` on every row and a
``timeline``.  :func:`period_view` cuts out one period: the rows of that
period without the column, that period's totals, score, targets and
conditions — a dict every reader of a one-period plan (the report's
sections, the workbench's views) reads as it is.  Plain dicts in and out:
no pyomo, no pandas.
"""

from __future__ import annotations

from typing import Any

from optimizer.schema import SWITCH_FROM

TABLES = ("allocations", "requirements", "nations", "leads", "targets", "pledges")


def over_time(plan: dict) -> bool:
    """Whether ``plan`` covers several periods (has a timeline)."""
    return bool(plan.get("timeline"))


def period_labels(plan: dict) -> dict[int, str]:
    """period → label (``YYYY-MM`` or ``P<n>``), in period order."""
    return {int(r["period"]): str(r["label"]) for r in plan.get("timeline") or []}


def weakest_period(plan: dict) -> int:
    """The period ``totals`` describe: the one with the least personnel (section 5)."""
    return int((plan.get("totals") or {}).get("period") or 1)


def period_view(plan: dict, period: int) -> dict[str, Any]:
    """``plan`` as it stands in ``period``: a one-period plan dict, plus ``period_view``
    (period, label, periods, and the whole plan's shortfall score) so a reader can say which.

    The certificate, solver and source stay the whole plan's: the plan is proven as a whole.
    """
    if not over_time(plan):
        return plan
    row = next(r for r in plan["timeline"] if int(r["period"]) == period)
    view = dict(plan)
    for key in TABLES:
        if isinstance(plan.get(key), list):
            view[key] = [{k: v for k, v in r.items() if k != "period"} for r in plan[key] if r.get("period") == period]
    allocations = view["allocations"]
    view["totals"] = {
        "personnel": row["personnel"], "land": row["land"], "sea": row["sea"], "air": row["air"], "cost_musd": row["cost_musd"],
        "units": sum(a["units"] for a in allocations),
        "nations_taking_part": sum(1 for n in view["nations"] if n.get("personnel", 0) > 0),
    }
    view["shortfall_score"] = row["shortfall_score"]
    view["shortfall_by_priority"] = _by_priority(view["requirements"])
    scenario = dict(plan["scenario"])
    for flag, start in SWITCH_FROM.items():
        if scenario.get(start) is not None:
            scenario[flag] = period >= int(scenario[start])
    for target in view.get("targets") or []:
        scenario[f"{target['scope']}_target"] = target["target"]
    view["scenario"] = scenario
    view.pop("timeline", None)
    view["period_view"] = {"period": period, "label": row["label"], "periods": len(plan["timeline"]),
                           "plan_shortfall_score": plan["shortfall_score"],
                           # the whole plan's measures of the trade-off (stage 2 sums them over the periods)
                           "mean_cost_musd": sum(float(r["cost_musd"]) for r in plan["timeline"]) / len(plan["timeline"]),
                           "fairness_deviation": sum(abs(n["personnel"] - n["fair_personnel"]) for n in plan["nations"])}
    return view


def _by_priority(requirements: list[dict]) -> list[dict]:
    out = []
    for p in (1, 2, 3):
        short = [r for r in requirements if r.get("priority") == p and r.get("short_units", 0) > 0]
        out.append({"priority": p, "unfilled_lines": len(short), "short_units": sum(r["short_units"] for r in short),
                    "short_personnel": sum(r.get("short_personnel", 0) for r in short),
                    "weighted_shortfall": sum(r.get("weighted_shortfall", 0) for r in short)})
    return out


def roster(plan: dict) -> list[dict]:
    """Who holds which sector when: one row per (sector, nation) holding units in some period, in
    the sectors' and nations' plan order, with ``units`` {period: units} and ``leads`` {periods led}."""
    order_s = {r["sector"]: i for i, r in enumerate(plan.get("sectors") or [])}
    order_n = {}
    for r in plan.get("nations") or []:
        order_n.setdefault(r["nation"], len(order_n))
    rows: dict[tuple[str, str], dict] = {}
    for a in plan.get("allocations") or []:
        if a.get("units", 0) <= 0:
            continue
        row = rows.setdefault((a["sector"], a["nation"]), {"sector": a["sector"], "nation": a["nation"], "units": {}, "leads": set()})
        row["units"][int(a.get("period", 1))] = row["units"].get(int(a.get("period", 1)), 0) + a["units"]
    for ld in plan.get("leads") or []:
        key = (ld["sector"], ld["nation"])
        if key in rows:
            rows[key]["leads"].add(int(ld.get("period", 1)))
    return sorted(rows.values(), key=lambda r: (order_s.get(r["sector"], len(order_s)), r["sector"],
                                                order_n.get(r["nation"], len(order_n)), r["nation"]))


def handovers(plan: dict) -> list[dict]:
    """Per period from the second: units arriving and leaving (section 5's handovers), by placement."""
    held: dict[tuple, int] = {}
    for a in plan.get("allocations") or []:
        key = (a["nation"], a["unit_type"], a["sector"], int(a["period"]))
        held[key] = held.get(key, 0) + a["units"]
    out = []
    periods = sorted(period_labels(plan))
    for t in periods[1:]:
        arriving = leaving = 0
        for n, u, s in {k[:3] for k in held if k[3] in (t - 1, t)}:
            change = held.get((n, u, s, t), 0) - held.get((n, u, s, t - 1), 0)
            arriving += max(0, change)
            leaving += max(0, -change)
        out.append({"period": t, "label": period_labels(plan)[t], "arriving": arriving, "leaving": leaving})
    return out


def milestones(plan: dict) -> dict:
    """When the force reaches its targets and how long it holds them (the executive summary's sentences).

    - ``initial``: the first period in which every essential (priority 1) line is filled;
    - ``full``: the first period in which every target of the period is met and the force is at
      the mission's peak force target (the largest of any period);
    - ``held_until``: the last period of the run of periods from ``full`` with every target met;
    - ``best``: the period with the most personnel, for a force that never reaches full strength.
    Periods are ints (None when never); labels are in ``period_labels``.
    """
    timeline = plan.get("timeline") or []
    peak = max((r["force_target"] for r in timeline), default=0)
    short_targets = {int(r["period"]) for r in plan.get("targets") or [] if r.get("short", 0) > 0}
    essential_short = {int(r["period"]) for r in plan.get("requirements") or [] if r.get("priority") == 1 and r.get("short_units", 0) > 0}
    essential_lines = {int(r["period"]) for r in plan.get("requirements") or [] if r.get("priority") == 1}
    periods = [int(r["period"]) for r in timeline]
    initial = next((t for t in periods if t in essential_lines and t not in essential_short), None)
    full = next((r["period"] for r in timeline if r["period"] not in short_targets and r["personnel"] >= peak), None)
    held_until = None
    if full is not None:
        held_until = full
        for t in periods[periods.index(full) + 1:]:
            if t in short_targets:
                break
            held_until = t
    best = max(timeline, key=lambda r: (r["personnel"], -r["period"]))["period"] if timeline else None
    return {"initial": initial, "full": full, "held_until": held_until, "best": best, "peak_target": peak,
            "period_months": int((plan.get("scenario") or {}).get("period_months") or 6), "last": periods[-1] if periods else None}


def _span(first: int, last: int, labels: dict[int, str]) -> str:
    return labels[first] if first == last else f"{labels[first]} to {labels[last]}"


def summary_sentences(plan: dict) -> list[str]:
    """How long the force can be sustained and when it reaches its targets, in words."""
    labels = period_labels(plan)
    m = milestones(plan)
    months = m["period_months"]
    timeline = {r["period"]: r for r in plan["timeline"]}
    out = [f"The plan covers {len(labels)} periods of {months} months, {_span(min(labels), max(labels), labels)}."]
    if m["initial"] is not None:
        out.append(f"Every essential (priority 1) requirement line is filled from {labels[m['initial']]} (initial strength).")
    elif any(r.get("priority") == 1 for r in plan.get("requirements") or []):
        out.append("In no period is every essential (priority 1) requirement line filled.")
    if m["peak_target"] > 0 and m["full"] is not None:
        held = m["held_until"] - m["full"] + 1
        until = ("to the end of the plan" if m["held_until"] == m["last"]
                 else f"until {labels[m['held_until']]}; from {labels[m['held_until'] + 1]} it falls short")
        out.append(f"The force reaches full strength ({m['peak_target']:,} personnel, every target met) in {labels[m['full']]} "
                   f"and holds it for {held} period{'s' if held != 1 else ''} ({held * months} months), {until}.")
    elif m["peak_target"] > 0:
        best = timeline[m["best"]]
        out.append(f"The force never reaches full strength ({m['peak_target']:,} personnel with every target met): at best "
                   f"{best['personnel']:,} in {labels[m['best']]} ({best['personnel'] / m['peak_target']:.0%} of the peak target).")
    return out
