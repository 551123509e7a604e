"""What-if sessions: one model kept in HiGHS across changed pledges and switches.

:class:`Planner` sits above :mod:`optimizer.results` (its :meth:`Planner.plan`
returns a :class:`optimizer.results.PlanResult`) and below everything that
runs what-ifs; a changed pledge or scenario switch only updates Params and
bounds of the persistent model, and each re-solve is warm-started from the
previous plan.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import pandas as pd

from optimizer.data import PlanningData, build_planning_data, file_sha256
from optimizer.model import model_values, set_values
from optimizer.reader import RawTables, read_tables
from optimizer.results import PlanResult, build_results
from optimizer.scenario import Scenario
from optimizer.solution import Solution
from optimizer.solve import SWITCHES, _Session

_BIG_PLEDGE = 10**9  # a pledge no bound reaches: the universe's placements are bounded by caps, budgets, lines
#: Scenario parameters a session changes without rebuilding: the switches (through Params and bounds)
#: and the solve options.  Any other parameter rebuilds the model.
IN_PLACE_PARAMETERS = (*SWITCHES, "time_limit_s", "mip_gap", "name", "classification")


class Planner:
    """A what-if session on one workbook, pyomo-free at its interface.

        planner = Planner("data/contributions.xlsx")
        first = planner.solve()                       # a Solution, as optimizer.solve.solve gives
        planner.set_switch("un_mandate", True)
        planner.set_pledge("France", "Frigate", 3)
        again = planner.solve()                       # re-solved on the same HiGHS model
        plan = planner.plan()                         # the last solution as a PlanResult

    The model is built once over a *universe*: the workbook's placements with
    every pledge row at its largest and every scenario switch on, a superset
    of the placements of every state reachable by :meth:`set_pledge` (on a
    pledge row of the workbook) and :meth:`set_switch`.  Such a change only
    recomputes the planning data (pandas, no pyomo) and pushes the new numbers
    — bounds, pledges, reaches, lead candidacy, fair shares — into mutable
    Params of the persistent model; each re-solve starts HiGHS from the
    previous plan.  A pledge on a new (nation, unit type) pair, or a change
    of any other Scenario parameter than the switches and the solve options,
    rebuilds the model (:attr:`rebuilds` counts them).  Plans are the ones
    :func:`solve` gives on the same inputs: the same stage-1 score, and
    stage 2 within ``mip_gap``.
    """

    def __init__(self, workbook=None, overrides=(), *, raw=None, strong: bool = True):
        if (workbook is None) == (raw is None):
            raise ValueError("give a workbook path or raw tables, not both")
        if raw is None:
            raw = read_tables(workbook, overrides)
            self._source = {"source_name": Path(workbook).name, "source_sha256": file_sha256(workbook)}
        else:
            self._source = {}
        self._scenario = dict(raw.scenario)
        self._tables = {name: frame.copy() for name, frame in raw.tables.items()}
        self._warnings = list(raw.warnings)
        self._strong = strong
        self._session: _Session | None = None
        self._dirty_values = False
        self._last: Solution | None = None
        self.rebuilds = 0
        self._data = self._planning_data()

    # -- state -------------------------------------------------------------------

    def _raw(self, scenario: dict, tables: dict):
        return RawTables(scenario=scenario, tables=tables, warnings=list(self._warnings))

    def _planning_data(self) -> PlanningData:
        return build_planning_data(self._raw(dict(self._scenario), self._tables), **self._source)

    def _universe(self) -> PlanningData:
        scenario = {**self._scenario, **{s: True for s in SWITCHES}}
        tables = dict(self._tables)
        pledges = tables["Pledges"].copy()
        pledges["max_units"] = _BIG_PLEDGE
        tables["Pledges"] = pledges
        return build_planning_data(self._raw(scenario, tables))

    @property
    def data(self) -> PlanningData:
        """The planning data of the current state."""
        return self._data

    @property
    def scenario(self) -> dict:
        return dict(self._scenario)

    def pledge(self, nation: str, unit_type: str) -> int:
        p = self._tables["Pledges"]
        hit = p[(p["nation"] == nation) & (p["unit_type"] == unit_type)]
        return int(hit["max_units"].iloc[0]) if len(hit) else 0

    # -- changes -----------------------------------------------------------------

    def set_pledge(self, nation: str, unit_type: str, max_units: int) -> None:
        """Units of ``unit_type`` that ``nation`` offers (the Pledges sheet's max_units)."""
        if nation not in set(self._tables["Nations"]["nation"]):
            raise ValueError(f"unknown nation {nation!r}")
        if unit_type not in set(self._tables["UnitTypes"]["unit_type"]):
            raise ValueError(f"unknown unit type {unit_type!r}")
        if isinstance(max_units, bool) or int(max_units) != max_units or max_units < 0:
            raise ValueError(f"max_units must be a whole number ≥ 0, not {max_units!r}")
        p = self._tables["Pledges"]
        hit = (p["nation"] == nation) & (p["unit_type"] == unit_type)
        if hit.any():
            p.loc[hit, "max_units"] = int(max_units)
            self._dirty_values = True
        else:  # a new pledge row: outside the universe, rebuild
            row = {c: None for c in p.columns}
            row.update({"nation": nation, "unit_type": unit_type, "max_units": int(max_units)})
            if "_row" in row:
                row["_row"] = int(p["_row"].max()) + 1 if len(p) else 2
            self._tables["Pledges"] = pd.concat([p, pd.DataFrame([row])], ignore_index=True)
            self._session = None
        self._data = self._planning_data()

    def set_switch(self, name: str, value: bool) -> None:
        """A scenario switch: ``ceasefire_in_place``, ``un_mandate`` or ``us_backstop``."""
        if name not in SWITCHES:
            raise ValueError(f"{name!r} is not a switch; switches: {', '.join(SWITCHES)}")
        self.set_scenario(**{name: bool(value)})

    def set_scenario(self, **parameters) -> None:
        """Any Scenario parameters (validated as the workbook's); switches and solve options in place."""
        scenario = {**self._scenario, **parameters}
        Scenario(**scenario)  # raises on an unknown parameter or a value out of range
        self._scenario = scenario
        if set(parameters) - set(IN_PLACE_PARAMETERS):
            self._session = None
        else:
            self._dirty_values = True
        self._data = self._planning_data()

    # -- solving -----------------------------------------------------------------

    def solve(self) -> Solution:
        """Plan the current state; warm-started from the previous plan when the model is kept."""
        start = time.perf_counter()
        warm = self._session is not None
        if warm:
            self._session.timings = defaultdict(float)
            if self._dirty_values:
                t0 = time.perf_counter()
                try:
                    set_values(self._session.m, model_values(self._data, self._session.m.idx))
                except ValueError:  # a placement outside the universe (cannot happen by construction): rebuild
                    self._session, warm = None, False
                else:
                    self._session.timings["update"] = time.perf_counter() - t0
        if self._session is None:  # build (its timings: build, handover)
            self._session = _Session(self._data, strong=self._strong, universe=self._universe(), mutable=True)
            self.rebuilds += 1
        session = self._session
        session.data = self._data
        session.counts = {}
        self._dirty_values = False
        solution = session.solve(warm=warm, start=start)
        solution.seconds = time.perf_counter() - start
        self._last = solution
        return solution

    def plan(self) -> PlanResult:
        """The last solution as a :class:`optimizer.results.PlanResult` (solving first if needed)."""
        if self._last is None:
            self.solve()
        return build_results(self._data, self._last)
