"""``plan.json`` as the contract (section 4) defines it, plus documented extras.

Names are written exactly as planned: JSON is data, never evaluated, so no
formula neutralisation here (:mod:`optimizer.outputs.safe_cells`); a tool that
turns plan.json into CSV must neutralise with ``safe_cells.csv_text``.
Written atomically (:mod:`optimizer.atomic`).
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pandas as pd

from optimizer.atomic import write_text_atomic
from optimizer.results import PlanResult


def _plain(value):
    """numpy/pandas scalars -> JSON-ready Python values; NaN -> null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        f = float(value)
        if math.isnan(f) or math.isinf(f):
            return None
        return int(f) if f.is_integer() and abs(f) < 2**53 else f
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    return [_plain(dict(zip(columns, row))) for row in frame[columns].itertuples(index=False, name=None)]


def _columns(plan: PlanResult, columns: list[str], after: str) -> list[str]:
    """``columns``, with ``period`` after ``after`` when the plan covers several periods (section 5)."""
    if plan.periods == 1:
        return columns
    i = columns.index(after) + 1
    return [*columns[:i], "period", *columns[i:]]


def plan_to_dict(plan: PlanResult) -> dict:
    """The plan as the contract's JSON object (key order fixed for stable diffs)."""
    return {
        "scenario": _plain(plan.scenario),
        "status": plan.status,
        "shortfall_score": _plain(plan.shortfall_score),
        "allocations": _records(plan.allocations, _columns(plan, ["nation", "unit_type", "sector", "units", "personnel", "cost_musd", "domain"], "sector")),
        "requirements": _records(
            plan.requirements,
            _columns(plan, ["unit_type", "sector", "min_units", "filled_units", "short_units", "max_units", "priority", "domain", "short_personnel",
                            "weighted_shortfall"], "sector"),
        ),
        "nations": _records(
            plan.nations,
            _columns(plan, ["nation", "eligible", "personnel", "cost_musd", "cap_personnel", "fair_personnel", "status", "ineligible_reason",
                            "land", "sea", "air", "units", "budget_musd", "cap_used", "min_personnel", "fair_gap", "takes_part", "leads"], "nation"),
        ),
        "leads": _records(plan.leads, _columns(plan, ["sector", "nation", "lead_personnel", "sector_personnel", "lead_share"], "sector")),
        "totals": _plain(plan.totals),
        "solver": _plain(plan.solver),
        "targets": _records(plan.targets, _columns(plan, ["scope", "target", "planned", "short"], "scope")),
        "shortfall_by_priority": _records(plan.shortfall_by_priority, ["priority", "unfilled_lines", "short_units", "short_personnel", "weighted_shortfall"]),
        "source": _plain(plan.source),
        "warnings": list(plan.warnings),
        **({} if plan.sectors is None else {"sectors": _records(plan.sectors, ["sector", "risk", "needs_lead"])}),
        **({} if plan.pledges is None else {"pledges": _records(plan.pledges, _columns(plan, ["nation", "unit_type", "max_units", "used_units"], "unit_type"))}),
        **({} if plan.timeline is None else {"timeline": _records(plan.timeline, list(plan.timeline.columns))}),
    }


def write_plan_json(plan: PlanResult, path: str | os.PathLike) -> None:
    write_text_atomic(path, json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n")
