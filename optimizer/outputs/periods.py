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

TABLES = ("allocations", "requirements", "nations", "leads", "targets", "pledges")
CONDITIONS = {"ceasefire_in_place": "ceasefire_from", "un_mandate": "un_mandate_from", "us_backstop": "us_backstop_from"}


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
    for flag, start in CONDITIONS.items():
        if scenario.get(start) is not None:
            scenario[flag] = period >= int(scenario[start])
    for target in view.get("targets") or []:
        scenario[f"{target['scope']}_target"] = target["target"]
    view["scenario"] = scenario
    view.pop("timeline", None)
    view["period_view"] = {"period": period, "label": row["label"], "periods": len(plan["timeline"]),
                           "plan_shortfall_score": plan["shortfall_score"]}
    return view


def _by_priority(requirements: list[dict]) -> list[dict]:
    out = []
    for p in (1, 2, 3):
        short = [r for r in requirements if r.get("priority") == p and r.get("short_units", 0) > 0]
        out.append({"priority": p, "unfilled_lines": len(short), "short_units": sum(r["short_units"] for r in short),
                    "short_personnel": sum(r.get("short_personnel", 0) for r in short),
                    "weighted_shortfall": sum(r.get("weighted_shortfall", 0) for r in short)})
    return out
