"""A solved plan as plain data: what every engine hands to :mod:`optimizer.results`.

The solve (:mod:`optimizer.solve`) and the benchmark floor
(:mod:`devtools.floor`) return a :class:`Solution`.  The solve's ``status``
comes from :func:`optimizer.certify.overall_status`, applied to the stages'
certificates — the floor's too (it certifies each stage with the same
functions, without the solve's recovery re-runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


UNIT_COLUMNS = ["nation", "unit_type", "sector", "period", "units"]
LEAD_COLUMNS = ["sector", "period", "nation"]


@dataclass
class Solution:
    """The chosen units and leads, plain data (no pyomo objects)."""

    units: pd.DataFrame  # UNIT_COLUMNS: nation, unit_type, sector, period, units (> 0 only)
    leads: pd.DataFrame  # LEAD_COLUMNS: sector, period, nation
    status: str  # "optimal" | "time_limit" | "unverified" (optimizer.certify.overall_status)
    stage1_proven: bool
    stage1_score: float
    stage2_objective: float | None
    gap: float  # relative gap of the last stage solved (0 when proven)
    solver_name: str
    solver_version: str
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    reserves: pd.DataFrame | None = None  # resilient plans only: nation, unit_type, sector, (period over time,) units held in reserve
    certificate: dict | None = None  # per stage: recomputed objective, trusted bound, gap, verdict (optimizer.certify)
    warnings: tuple[str, ...] = ()
