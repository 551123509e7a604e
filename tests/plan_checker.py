"""An independent checker of plans against the contract (``CONTRACT.md``).

Nothing here imports :mod:`optimizer`: the workbook is parsed again from the
contract's text (section 1), the hard constraints H1-H10 (section 2) and the
shortfall score and stage-2 objective (section 3) are recomputed from scratch,
so a bug in the model code cannot hide behind the same bug in its tests.

Public API
----------
``read_instance(workbook_path, scenario_overrides=None) -> Instance``
    Parse and validate a contract workbook (raises :class:`WorkbookError`).
``check_plan(workbook_path, plan) -> list[str]``
    Every violation of a ``plan.json`` dict, one human-readable line each,
    prefixed by a code (``"H1: ..."`` ... ``"H10: ..."``, ``"LINE"``,
    ``"ALLOC"``, ``"REQ"``, ``"NAT"``, ``"TOTALS"``, ``"SCORE"``, ``"CERT"``,
    ``"SCENARIO"``, ``"PLAN"``).  Empty list: the plan is valid.
``violation_codes(violations) -> list[str]``
    The codes of such a list, for tests.
``shortfall_score(workbook_path, plan_scenario, units) -> float``
``stage2_objective(workbook_path, plan_scenario, units) -> float``
    Section 3's objectives for ``units = {(nation, unit_type, sector): int}``.
``hard_violations(instance, units, leads) -> list[str]``
    H1-H10 and "units only on requirement lines" on plain data.
``build_plan(workbook_path, units, leads, scenario_overrides=None) -> dict``
    A complete, self-consistent ``plan.json`` dict for given units and leads
    (used to write test plans, which are then broken on purpose).

Conventions decided here where the contract is silent
-----------------------------------------------------
* Scenario values come from ``plan["scenario"]`` (it reflects ``--set``);
  a parameter missing there is reported (``SCENARIO``) and taken from the
  workbook instead.
* H4's cap is ``floor(sustainable_share * active_personnel)`` computed on the
  float product, combined with ``max_personnel`` where given.
* The ``nations`` table must list every workbook nation once; for an
  ineligible nation ``cap_personnel`` may be the formula's value or 0.
  The ``requirements`` table must list every requirement line once.
* Hard-constraint floats (budget, lead share) are compared with
  ``math.isclose(rel_tol=1e-6, abs_tol=1e-6)``.  Floats reported in
  plan.json (cost_musd, fair_personnel, shortfall_score) may be rounded to 3
  decimals: ``abs_tol=1e-3``.  Integers (units, personnel) must match exactly.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import openpyxl

# --------------------------------------------------------------------------
# Constants of the contract
# --------------------------------------------------------------------------

YES_WORDS = frozenset({"yes", "y", "true", "1"})
NO_WORDS = frozenset({"no", "n", "false", "0"})
STATUSES = ("committed", "considering", "uncertain", "declined")
DOMAINS = ("land", "sea", "air")
PRIORITY_WEIGHT = {1: 3, 2: 2, 3: 1}
CONDITION_FLAGS = {  # nation flag -> scenario switch it needs
    "requires_ceasefire": "ceasefire_in_place",
    "requires_un_mandate": "un_mandate",
    "requires_us_backstop": "us_backstop",
}
REL_TOL = 1e-6  # relative tolerance on every float comparison
ABS_TOL = 1e-6  # absolute tolerance of constraint checks (budget, lead share)
REPORT_ABS_TOL = 1e-3  # absolute tolerance of floats *reported* in plan.json (may be rounded to 3 decimals)

Triple = tuple[str, str, str]  # (nation, unit_type, sector)


class WorkbookError(ValueError):
    """The workbook breaks section 1 of the contract."""


# --------------------------------------------------------------------------
# Cell parsing
# --------------------------------------------------------------------------


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or (
        isinstance(value, float) and math.isnan(value)
    )


def parse_yesno(value: Any, where: str = "") -> bool:
    """Parse a yes/no cell (``yes/no``, ``y/n``, ``true/false``, ``1/0``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    raise WorkbookError(f"{where}: {value!r} is not yes/no")


def parse_number(value: Any, where: str = "") -> float:
    if isinstance(value, bool):
        raise WorkbookError(f"{where}: {value!r} is not a number")
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise WorkbookError(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise WorkbookError(f"{where}: {value!r} is not a finite number")
    return number


def parse_int(value: Any, where: str = "") -> int:
    number = parse_number(value, where)
    if number != int(number):
        raise WorkbookError(f"{where}: {value!r} is not a whole number")
    return int(number)


def _check_range(value: float, where: str, lo=None, hi=None, lo_exclusive=False) -> None:
    if lo is not None and (value < lo or (lo_exclusive and value == lo)):
        raise WorkbookError(f"{where}: {value} is below the allowed range")
    if hi is not None and value > hi:
        raise WorkbookError(f"{where}: {value} is above the allowed range")


# --------------------------------------------------------------------------
# Scenario
# --------------------------------------------------------------------------

# parameter -> (kind, default, lo, hi, lo_exclusive); kind in int/number/yesno/text
SCENARIO_SPEC: dict[str, tuple[str, Any, float | None, float | None, bool]] = {
    "name": ("text", "baseline", None, None, False),
    "force_target": ("int", None, 0, None, False),  # required
    "land_target": ("int", 0, 0, None, False),
    "sea_target": ("int", 0, 0, None, False),
    "air_target": ("int", 0, 0, None, False),
    "ceasefire_in_place": ("yesno", False, None, None, False),
    "un_mandate": ("yesno", False, None, None, False),
    "us_backstop": ("yesno", False, None, None, False),
    "sustainable_share": ("number", 0.08, 0, 1, True),
    "max_nations_per_sector": ("int", None, 1, None, False),
    "lead_share": ("number", 0.4, 0, 1, False),
    "weight_cost": ("number", 1.0, 0, None, False),
    "weight_fairness": ("number", 1.0, 0, None, False),
    "weight_nations": ("number", 0.0, 0, None, False),
    "time_limit_s": ("number", 60.0, 0, None, True),
    "mip_gap": ("number", 0.0001, 0, None, False),
    # contract v2, section 5 (time)
    "periods": ("int", 1, 1, 60, False),
    "period_months": ("int", 6, 1, 36, False),
    "start_month": ("text", None, None, None, False),
    "ceasefire_from": ("int", None, 1, None, False),
    "un_mandate_from": ("int", None, 1, None, False),
    "us_backstop_from": ("int", None, 1, None, False),
    "weight_churn": ("number", 1.0, 0, None, False),
}
#: Section 5: each condition and the period from which it holds, whatever its yes/no cell says.
CONDITION_FROM = {"ceasefire_in_place": "ceasefire_from", "un_mandate": "un_mandate_from", "us_backstop": "us_backstop_from"}


def in_period(scenario: Mapping[str, Any], phases: Mapping[int, Mapping[str, Any]], period: int) -> dict[str, Any]:
    """The scenario as it holds in ``period`` (section 5): conditions with a ``*_from`` hold from
    that period on; the Phases sheet's targets for the period replace the Scenario's (blank keeps)."""
    out = dict(scenario)
    for switch, start in CONDITION_FROM.items():
        if scenario.get(start) is not None:
            out[switch] = period >= scenario[start]
    for scope in ("force", "land", "sea", "air"):
        value = (phases.get(period) or {}).get(f"{scope}_target")
        if value is not None:
            out[f"{scope}_target"] = value
    return out


def parse_scenario_value(parameter: str, value: Any) -> Any:
    """Parse one Scenario value (cell, JSON value or ``--set`` text); blank -> default."""
    kind, default, lo, hi, lo_exclusive = SCENARIO_SPEC[parameter]
    where = f"Scenario {parameter}"
    if _is_blank(value):
        if parameter == "force_target":
            raise WorkbookError(f"{where}: required")
        return default
    if kind == "text":
        return str(value).strip()
    if kind == "yesno":
        return parse_yesno(value, where)
    number = parse_int(value, where) if kind == "int" else parse_number(value, where)
    _check_range(number, where, lo, hi, lo_exclusive)
    return number


def merge_scenario(base: Mapping[str, Any], overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """``base`` with the known parameters of ``overrides`` parsed and applied."""
    merged = dict(base)
    for parameter, value in (overrides or {}).items():
        key = str(parameter).strip().lower()
        if key in SCENARIO_SPEC:
            merged[key] = parse_scenario_value(key, value)
    return merged


# --------------------------------------------------------------------------
# The parsed instance
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Nation:
    name: str
    status: str
    active_personnel: int
    gdp_busd: float
    max_personnel: int | None
    min_personnel: int
    requires: frozenset[str]  # scenario switches it needs, e.g. {"un_mandate"}
    max_sector_risk: int
    can_lead: bool
    budget_musd: float | None
    cost_factor: float
    available_from: int = 1  # section 5
    available_until: int | None = None  # None: the last period
    dwell_periods: int = 0


@dataclass(frozen=True)
class UnitType:
    name: str
    domain: str
    personnel: int
    annual_cost_musd: float


@dataclass(frozen=True)
class Sector:
    name: str
    risk: int
    needs_lead: bool


@dataclass(frozen=True)
class Line:
    unit_type: str
    sector: str
    min_units: int
    max_units: int | None
    priority: int
    from_period: int = 1  # section 5
    until_period: int | None = None  # None: the last period


@dataclass
class Instance:
    """A workbook after parsing, with the scenario in force."""

    scenario: dict[str, Any]
    nations: dict[str, Nation]
    unit_types: dict[str, UnitType]
    sectors: dict[str, Sector]
    pledges: dict[tuple[str, str], int]  # (nation, unit_type) -> max_units
    lines: dict[tuple[str, str], Line]  # (unit_type, sector) -> line
    caveats: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    given: dict[str, Any] | None = None  # the scenario as written (cells, overrides); ``scenario`` is period 1's view of it
    phases: dict[int, dict[str, Any]] = field(default_factory=dict)  # Phases sheet: period -> targets (None: the Scenario's)
    period: int = 1  # the period this view is of (section 5): scenario, eligibility and lines as they hold in it
    all_lines: dict[tuple[str, str], Line] | None = None  # every line, whatever its periods (``lines``: those applying in ``period``)

    def with_scenario(self, overrides: Mapping[str, Any] | None) -> "Instance":
        """A copy whose scenario has ``overrides`` applied (to the scenario as written), as period 1's view."""
        given = merge_scenario(self.given if self.given is not None else self.scenario, overrides)
        return Instance(
            in_period(given, self.phases, 1), self.nations, self.unit_types, self.sectors, self.pledges,
            self.all_lines if self.all_lines is not None else self.lines, self.caveats, given, self.phases,
        ).at(1)

    @property
    def periods(self) -> int:
        return int((self.given or self.scenario).get("periods") or 1)

    def at(self, period: int) -> "Instance":
        """The instance as it holds in ``period`` (section 5): the scenario's conditions and Phases
        targets of that period, its lines, and eligibility with each nation's availability."""
        lines = self.all_lines if self.all_lines is not None else self.lines
        last = self.periods
        active = {k: l for k, l in lines.items() if l.from_period <= period <= (l.until_period or last)}
        given = self.given if self.given is not None else self.scenario
        return Instance(in_period(given, self.phases, period), self.nations, self.unit_types, self.sectors, self.pledges,
                        active, self.caveats, given, self.phases, period, lines)

    # --- derived quantities -------------------------------------------------
    def eligible(self, nation: str) -> bool:
        """H1: not declined, every ``requires_*`` condition met by the scenario, and available in the period."""
        n = self.nations[nation]
        available = n.available_from <= self.period <= (n.available_until or self.periods)
        return n.status != "declined" and all(bool(self.scenario[s]) for s in n.requires) and available

    def cap(self, nation: str) -> int:
        """H4: min(max_personnel, floor(sustainable_share * active_personnel))."""
        n = self.nations[nation]
        cap = math.floor(self.scenario["sustainable_share"] * n.active_personnel)
        return cap if n.max_personnel is None else min(cap, n.max_personnel)

    def forbidden_by_caveat(self, nation: str, unit_type: str, sector: str) -> bool:
        """H10: a Caveats row covers this triple."""
        return any(
            cn == nation and (cs is None or cs == sector) and (cu is None or cu == unit_type)
            for cn, cs, cu in self.caveats
        )

    def allowed(self, nation: str, unit_type: str, sector: str) -> bool:
        """The triple may hold units: a requirement line, H1, H3 and H10 permit it."""
        return (
            (unit_type, sector) in self.lines
            and self.eligible(nation)
            and self.sectors[sector].risk <= self.nations[nation].max_sector_risk
            and not self.forbidden_by_caveat(nation, unit_type, sector)
        )

    def fair_shares(self) -> dict[str, float]:
        """fair[n] = force_target * gdp[n] / sum gdp over eligible nations (0 if ineligible)."""
        eligible = [n for n in self.nations if self.eligible(n)]
        total_gdp = sum(self.nations[n].gdp_busd for n in eligible)
        target = self.scenario["force_target"]
        return {
            n: (target * self.nations[n].gdp_busd / total_gdp if n in eligible and total_gdp > 0 else 0.0)
            for n in self.nations
        }

    def unit_cost(self, nation: str, unit_type: str) -> float:
        return self.unit_types[unit_type].annual_cost_musd * self.nations[nation].cost_factor


# --------------------------------------------------------------------------
# Workbook reading
# --------------------------------------------------------------------------


def _read_sheet(workbook, name: str, optional: bool = False) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a sheet as (Excel row number, {normalised header: value}); blank rows skipped."""
    by_lower = {ws.title.strip().lower(): ws for ws in workbook.worksheets}
    ws = by_lower.get(name.lower())
    if ws is None:
        if optional:
            return []
        raise WorkbookError(f"sheet {name} is missing")
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    names = [None if _is_blank(h) else str(h).strip().lower() for h in header]
    out = []
    for offset, values in enumerate(rows, start=2):
        if all(_is_blank(v) for v in values):
            continue
        row = {}
        for col, value in zip(names, values):
            if col is not None and col not in row:
                row[col] = None if _is_blank(value) else (value.strip() if isinstance(value, str) else value)
        out.append((offset, row))
    return out


class _Cells:
    """Typed access to the cells of one row with error messages naming sheet/row/column."""

    def __init__(self, sheet: str, number: int, row: dict[str, Any]):
        self.sheet, self.row_number, self.row = sheet, number, row

    def _where(self, col: str) -> str:
        return f"{self.sheet} row {self.row_number} column {col}"

    def raw(self, col: str, required: bool) -> Any:
        value = self.row.get(col)
        if value is None and required:
            raise WorkbookError(f"{self._where(col)}: required value is blank")
        return value

    def text(self, col, required=True, default=None):
        value = self.raw(col, required)
        return default if value is None else str(value).strip()

    def choice(self, col, choices):
        value = self.text(col).lower()
        if value not in choices:
            raise WorkbookError(f"{self._where(col)}: {value!r} not one of {choices}")
        return value

    def int(self, col, required=True, default=None, lo=None, hi=None, lo_exclusive=False):
        value = self.raw(col, required)
        if value is None:
            return default
        number = parse_int(value, self._where(col))
        _check_range(number, self._where(col), lo, hi, lo_exclusive)
        return number

    def number(self, col, required=True, default=None, lo=None, hi=None, lo_exclusive=False):
        value = self.raw(col, required)
        if value is None:
            return default
        number = parse_number(value, self._where(col))
        _check_range(number, self._where(col), lo, hi, lo_exclusive)
        return number

    def yesno(self, col, default=False):
        value = self.raw(col, False)
        return default if value is None else parse_yesno(value, self._where(col))


def read_instance(workbook_path: str | Path | Instance, scenario_overrides: Mapping[str, Any] | None = None) -> Instance:
    """Parse and validate a contract workbook; apply ``scenario_overrides`` like ``--set``.

    An :class:`Instance` passed in is returned (with the overrides applied).
    """
    if isinstance(workbook_path, Instance):
        return workbook_path.with_scenario(scenario_overrides)
    workbook = openpyxl.load_workbook(workbook_path, read_only=True, data_only=True)
    try:
        return _parse_workbook(workbook).with_scenario(scenario_overrides)
    finally:
        workbook.close()


def _unique(key, seen: set, where: str) -> None:
    if key in seen:
        raise WorkbookError(f"{where}: duplicate {key!r}")
    seen.add(key)


def _parse_workbook(workbook) -> Instance:
    # Scenario
    scenario: dict[str, Any] = {}
    for number, row in _read_sheet(workbook, "Scenario"):
        parameter = _Cells("Scenario", number, row).text("parameter").lower()
        if parameter in SCENARIO_SPEC:
            if parameter in scenario:
                raise WorkbookError(f"Scenario row {number}: duplicate parameter {parameter}")
            scenario[parameter] = parse_scenario_value(parameter, row.get("value"))
    for parameter in SCENARIO_SPEC:
        if parameter not in scenario:
            scenario[parameter] = parse_scenario_value(parameter, None)  # raises for force_target

    # Nations
    nations: dict[str, Nation] = {}
    for number, row in _read_sheet(workbook, "Nations"):
        c = _Cells("Nations", number, row)
        name = c.text("nation")
        _unique(name, set(nations), f"Nations row {number}")
        nations[name] = Nation(
            name=name,
            status=c.choice("status", STATUSES),
            active_personnel=c.int("active_personnel", lo=0, lo_exclusive=True),
            gdp_busd=c.number("gdp_busd", lo=0, lo_exclusive=True),
            max_personnel=c.int("max_personnel", required=False, lo=0),
            min_personnel=c.int("min_personnel", required=False, default=0, lo=0),
            requires=frozenset(switch for flag, switch in CONDITION_FLAGS.items() if c.yesno(flag)),
            max_sector_risk=c.int("max_sector_risk", required=False, default=3, lo=1, hi=3),
            can_lead=c.yesno("can_lead"),
            budget_musd=c.number("budget_musd", required=False, lo=0),
            cost_factor=c.number("cost_factor", required=False, default=1.0, lo=0, lo_exclusive=True),
        )
        c.number("withdrawal_risk", required=False, lo=0, hi=1)  # validated, unused
        first = c.int("available_from", required=False, default=1, lo=1, hi=scenario["periods"])  # section 5
        nations[name] = dataclasses.replace(
            nations[name], available_from=first,
            available_until=c.int("available_until", required=False, lo=first, hi=scenario["periods"]),
            dwell_periods=c.int("dwell_periods", required=False, default=0, lo=0),
        )

    # UnitTypes
    unit_types: dict[str, UnitType] = {}
    for number, row in _read_sheet(workbook, "UnitTypes"):
        c = _Cells("UnitTypes", number, row)
        name = c.text("unit_type")
        _unique(name, set(unit_types), f"UnitTypes row {number}")
        unit_types[name] = UnitType(
            name=name,
            domain=c.choice("domain", DOMAINS),
            personnel=c.int("personnel", lo=0, lo_exclusive=True),
            annual_cost_musd=c.number("annual_cost_musd", lo=0),
        )

    # Sectors
    sectors: dict[str, Sector] = {}
    for number, row in _read_sheet(workbook, "Sectors"):
        c = _Cells("Sectors", number, row)
        name = c.text("sector")
        _unique(name, set(sectors), f"Sectors row {number}")
        sectors[name] = Sector(name=name, risk=c.int("risk", lo=1, hi=3), needs_lead=c.yesno("needs_lead"))

    def reference(c: _Cells, col: str, table: Mapping, required: bool = True):
        value = c.text(col, required=required)
        if value is not None and value not in table:
            raise WorkbookError(f"{c.sheet} row {c.row_number} column {col}: unknown {value!r}")
        return value

    # Pledges
    pledges: dict[tuple[str, str], int] = {}
    for number, row in _read_sheet(workbook, "Pledges"):
        c = _Cells("Pledges", number, row)
        key = (reference(c, "nation", nations), reference(c, "unit_type", unit_types))
        _unique(key, set(pledges), f"Pledges row {number}")
        pledges[key] = c.int("max_units", lo=0)

    # Requirements
    lines: dict[tuple[str, str], Line] = {}
    for number, row in _read_sheet(workbook, "Requirements"):
        c = _Cells("Requirements", number, row)
        key = (reference(c, "unit_type", unit_types), reference(c, "sector", sectors))
        _unique(key, set(lines), f"Requirements row {number}")
        min_units = c.int("min_units", lo=0)
        max_units = c.int("max_units", required=False, lo=min_units)
        priority = c.int("priority", required=False, default=2, lo=1, hi=3)
        first = c.int("from_period", required=False, default=1, lo=1, hi=scenario["periods"])  # section 5
        until = c.int("until_period", required=False, lo=first, hi=scenario["periods"])
        lines[key] = Line(key[0], key[1], min_units, max_units, priority, first, until)

    # Caveats (optional sheet)
    caveats = []
    for number, row in _read_sheet(workbook, "Caveats", optional=True):
        c = _Cells("Caveats", number, row)
        caveats.append(
            (
                reference(c, "nation", nations),
                reference(c, "sector", sectors, required=False),
                reference(c, "unit_type", unit_types, required=False),
            )
        )

    # Phases (optional sheet, section 5)
    phases: dict[int, dict[str, Any]] = {}
    for number, row in _read_sheet(workbook, "Phases", optional=True):
        c = _Cells("Phases", number, row)
        period = c.int("period", lo=1, hi=scenario["periods"])
        _unique(period, set(phases), f"Phases row {number}")
        phases[period] = {f"{g}_target": c.int(f"{g}_target", required=False, lo=0) for g in ("force", "land", "sea", "air")}
    return Instance(in_period(scenario, phases, 1), nations, unit_types, sectors, pledges, lines, caveats, scenario, phases).at(1)


# --------------------------------------------------------------------------
# Aggregates of an assignment
# --------------------------------------------------------------------------


def _clean_units(units: Mapping[Triple, int]) -> dict[Triple, int]:
    return {tuple(k): int(v) for k, v in units.items() if v}


def nation_personnel(inst: Instance, units: Mapping[Triple, int]) -> dict[str, int]:
    out = {n: 0 for n in inst.nations}
    for (n, u, _s), x in units.items():
        out[n] += x * inst.unit_types[u].personnel
    return out


def nation_cost(inst: Instance, units: Mapping[Triple, int]) -> dict[str, float]:
    out = {n: 0.0 for n in inst.nations}
    for (n, u, _s), x in units.items():
        out[n] += x * inst.unit_cost(n, u)
    return out


def sector_personnel(inst: Instance, units: Mapping[Triple, int]) -> dict[str, dict[str, int]]:
    """sector -> nation -> personnel there (only nations holding units)."""
    out: dict[str, dict[str, int]] = {s: {} for s in inst.sectors}
    for (n, u, s), x in units.items():
        if x:
            out[s][n] = out[s].get(n, 0) + x * inst.unit_types[u].personnel
    return out


def line_filled(inst: Instance, units: Mapping[Triple, int]) -> dict[tuple[str, str], int]:
    out = {key: 0 for key in inst.lines}
    for (_n, u, s), x in units.items():
        if (u, s) in out:
            out[(u, s)] += x
    return out


def domain_personnel(inst: Instance, units: Mapping[Triple, int]) -> dict[str, int]:
    out = {d: 0 for d in DOMAINS}
    for (_n, u, _s), x in units.items():
        out[inst.unit_types[u].domain] += x * inst.unit_types[u].personnel
    return out


# --------------------------------------------------------------------------
# Objectives (section 3)
# --------------------------------------------------------------------------


def shortfall_of(inst: Instance, units: Mapping[Triple, int]) -> float:
    """Stage 1: weighted line shortfall personnel plus the four target shortfalls."""
    filled = line_filled(inst, units)
    score = 0
    for key, line in inst.lines.items():
        short = max(0, line.min_units - filled[key])
        score += PRIORITY_WEIGHT[line.priority] * inst.unit_types[line.unit_type].personnel * short
    by_domain = domain_personnel(inst, units)
    sc = inst.scenario
    score += max(0, sc["force_target"] - sum(by_domain.values()))
    for domain in DOMAINS:
        score += max(0, sc[f"{domain}_target"] - by_domain[domain])
    return float(score)


def stage2_of(inst: Instance, units: Mapping[Triple, int]) -> float:
    """Stage 2: weight_cost*cost + weight_fairness*sum|personnel - fair| + weight_nations*#taking part."""
    personnel = nation_personnel(inst, units)
    cost = nation_cost(inst, units)
    fair = inst.fair_shares()
    sc = inst.scenario
    return (
        sc["weight_cost"] * sum(cost.values())
        + sc["weight_fairness"] * sum(abs(personnel[n] - fair[n]) for n in inst.nations)
        + sc["weight_nations"] * sum(1 for n in inst.nations if personnel[n] > 0)
    )


def shortfall_score(workbook_path, plan_scenario: Mapping[str, Any] | None, units: Mapping[Triple, int]) -> float:
    """Section 3's shortfall score of ``units`` under the workbook with ``plan_scenario`` applied."""
    inst = read_instance(workbook_path, plan_scenario)
    return shortfall_of(inst, _clean_units(units))


def stage2_objective(workbook_path, plan_scenario: Mapping[str, Any] | None, units: Mapping[Triple, int]) -> float:
    """Section 3's stage-2 objective of ``units`` under the workbook with ``plan_scenario`` applied."""
    inst = read_instance(workbook_path, plan_scenario)
    return stage2_of(inst, _clean_units(units))


# --------------------------------------------------------------------------
# Hard constraints (section 2)
# --------------------------------------------------------------------------


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _reported_close(reported: float, exact: float) -> bool:
    """A float reported in plan.json matches the exact value (rounding to 3 decimals allowed)."""
    return math.isclose(reported, exact, rel_tol=REL_TOL, abs_tol=REPORT_ABS_TOL)


def _leq(a: float, b: float) -> bool:
    """a <= b up to the float tolerance."""
    return a <= b or _close(a, b)


def hard_violations(inst: Instance, units: Mapping[Triple, int], leads: Mapping[str, str]) -> list[str]:
    """H1-H10 and "units only on requirement lines" for ``units`` and ``leads`` (sector -> nation).

    ``units`` must only name known nations, unit types and sectors.
    """
    units = _clean_units(units)
    out: list[str] = []
    for (n, u, s), x in sorted(units.items()):
        if x < 0:
            out.append(f"PLAN: negative units {x} for {n}/{u}/{s}")
        if (u, s) not in inst.lines:
            out.append(f"LINE: {n} places {x} x {u} in {s}, which is not a requirement line")
        if not inst.eligible(n):
            out.append(f"H1: {n} is not eligible but places {x} x {u} in {s}")
        if inst.sectors[s].risk > inst.nations[n].max_sector_risk:
            out.append(
                f"H3: {n} (max risk {inst.nations[n].max_sector_risk}) places {u} in {s} (risk {inst.sectors[s].risk})"
            )
        if inst.forbidden_by_caveat(n, u, s):
            out.append(f"H10: a caveat forbids {n} to place {u} in {s}")

    # H2 pledges
    per_pledge: dict[tuple[str, str], int] = {}
    for (n, u, _s), x in units.items():
        per_pledge[(n, u)] = per_pledge.get((n, u), 0) + x
    for (n, u), total in sorted(per_pledge.items()):
        pledged = inst.pledges.get((n, u), 0)
        if total > pledged:
            out.append(f"H2: {n} places {total} x {u}, pledged {pledged}")

    # H4-H6 per nation
    personnel = nation_personnel(inst, units)
    cost = nation_cost(inst, units)
    for n, nation in inst.nations.items():
        if personnel[n] > inst.cap(n):
            out.append(f"H4: {n} deploys {personnel[n]} personnel, cap {inst.cap(n)}")
        if 0 < personnel[n] < nation.min_personnel:
            out.append(f"H5: {n} deploys {personnel[n]} personnel, minimum {nation.min_personnel}")
        if nation.budget_musd is not None and not _leq(cost[n], nation.budget_musd):
            out.append(f"H6: {n} costs {cost[n]:.6f} MUSD, budget {nation.budget_musd}")

    # H7 interoperability
    by_sector = sector_personnel(inst, units)
    limit = inst.scenario["max_nations_per_sector"]
    if limit is not None:
        for s, holders in by_sector.items():
            if len(holders) > limit:
                out.append(f"H7: {len(holders)} nations hold units in {s}, limit {limit}")

    # H8 lead
    out.extend(_lead_violations(inst, by_sector, leads))

    # H9 line limit
    filled = line_filled(inst, units)
    for key, line in inst.lines.items():
        if line.max_units is not None and filled[key] > line.max_units:
            out.append(f"H9: line {key[0]}/{key[1]} holds {filled[key]} units, max {line.max_units}")
    return out


def _lead_violations(inst: Instance, by_sector: dict[str, dict[str, int]], leads: Mapping[str, str]) -> list[str]:
    out = []
    share = inst.scenario["lead_share"]
    for s, sector in inst.sectors.items():
        holders = by_sector[s]
        lead = leads.get(s)
        if sector.needs_lead and holders:
            if lead is None:
                out.append(f"H8: {s} needs a lead and holds units but names none")
                continue
            if lead not in inst.nations:
                out.append(f"H8: lead of {s} is unknown nation {lead!r}")
                continue
            if not inst.nations[lead].can_lead:
                out.append(f"H8: lead of {s}, {lead}, cannot lead")
            if lead not in holders:
                out.append(f"H8: lead of {s}, {lead}, holds no units there")
            elif not _leq(share * sum(holders.values()), holders[lead]):
                out.append(
                    f"H8: lead of {s}, {lead}, provides {holders[lead]} of {sum(holders.values())} personnel,"
                    f" below lead_share {share}"
                )
        elif lead is not None:
            why = "does not need a lead" if not sector.needs_lead else "holds no units"
            out.append(f"H8: {s} {why} but names lead {lead}")
    for s in leads:
        if s not in inst.sectors:
            out.append(f"H8: lead named for unknown sector {s!r}")
    led: dict[str, list[str]] = {}
    for s, n in leads.items():
        led.setdefault(n, []).append(s)
    for n, sectors in sorted(led.items()):
        if len(sectors) > 1:
            out.append(f"H8: {n} leads {len(sectors)} sectors ({', '.join(sorted(sectors))})")
    return out


# --------------------------------------------------------------------------
# plan.json
# --------------------------------------------------------------------------

PLAN_STATUSES = ("optimal", "time_limit", "unverified")  # unverified: forceplan's extension (a certificate that fails)
PLAN_KEYS = ("scenario", "status", "shortfall_score", "allocations", "requirements", "nations", "leads", "totals", "solver")


def _is_number(value: Any) -> bool:
    """A real number (int, float or numpy scalar), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _as_int(value: Any) -> int | None:
    """An integral number as int, else None."""
    if not _is_number(value):
        return None
    return int(value) if float(value).is_integer() else None


def check_plan(workbook_path, plan: Mapping[str, Any]) -> list[str]:
    """Every violation of the contract by ``plan`` (a ``plan.json`` dict); [] when valid."""
    out: list[str] = []
    for key in PLAN_KEYS:
        if key not in plan:
            out.append(f"PLAN: key {key!r} missing")
    base = read_instance(workbook_path)
    scenario = plan.get("scenario") or {}
    for parameter in SCENARIO_SPEC:
        if parameter not in scenario:
            out.append(f"SCENARIO: parameter {parameter!r} missing from plan scenario")
    try:
        inst = base.with_scenario(scenario)
    except WorkbookError as exc:
        return out + [f"SCENARIO: {exc}"]
    if plan.get("status") not in PLAN_STATUSES:
        out.append(f"PLAN: status {plan.get('status')!r} is not one of {', '.join(PLAN_STATUSES)}")
    if inst.periods > 1:
        return out + check_plan_over_time(inst, plan)

    units = _read_allocations(inst, plan, out, over_time=False)

    # Leads
    leads: dict[str, str] = {}
    for row in plan.get("leads") or []:
        s, n = row.get("sector"), row.get("nation")
        if s in leads:
            out.append(f"H8: {s} names more than one lead ({leads[s]}, {n})")
            continue
        leads[s] = n

    out.extend(hard_violations(inst, units, leads))
    out.extend(_table_violations(inst, units, plan))

    score = shortfall_of(inst, units)
    reported = plan.get("shortfall_score")
    if not _is_number(reported) or not _reported_close(reported, score):
        out.append(f"SCORE: shortfall_score {reported!r} != recomputed {score}")
    out.extend(certificate_violations(inst, units, plan))
    return out


def _stage2_close(reported: float, exact: float) -> bool:
    """Stage-2 figures are sums over every nation of values rounded to 1e-6 in plan.json."""
    return math.isclose(reported, exact, rel_tol=REL_TOL, abs_tol=REPORT_ABS_TOL)


def certificate_violations(inst: Instance, units: Mapping[Triple, int], plan: Mapping[str, Any],
                           objectives: tuple[float, float] | None = None) -> list[str]:
    """The plan's certificate (``solver.certificate``) against the objectives recomputed here.

    Every plan must carry one.  Its objectives must be the plan's own (section 3,
    recomputed from the allocations), no bound may exceed the plan it bounds,
    and a plan called ``optimal`` must be proven by its own figures: stage 1
    exact (score − bound < 1, scores being whole numbers), stage 2 within
    ``mip_gap`` of its bound.
    """
    out: list[str] = []
    if "solver" not in plan:
        return out  # PLAN: already reported
    solver = plan.get("solver") or {}
    cert = solver.get("certificate")
    if not isinstance(cert, Mapping):
        return ["CERT: solver.certificate missing"]
    status = plan.get("status")
    if status in PLAN_STATUSES and cert.get("status") != status:
        out.append(f"CERT: certificate status {cert.get('status')!r} != plan status {status!r}")
    score, sharing = objectives if objectives is not None else (shortfall_of(inst, units), stage2_of(inst, units))
    sc = inst.scenario
    weighted = (sc["weight_cost"] > 0 or sc["weight_fairness"] > 0 or sc["weight_nations"] > 0
                or (inst.periods > 1 and sc["weight_churn"] > 0))
    s1, s2 = cert.get("stage1"), cert.get("stage2")
    if s1 is None:
        if units or status != "optimal":
            out.append("CERT: no stage-1 certificate for a plan that places units or is not optimal")
        return out
    if not _is_number(s1.get("objective")) or not _reported_close(s1["objective"], score):
        out.append(f"CERT: stage-1 objective {s1.get('objective')!r} != recomputed shortfall score {score}")
    if s2 is not None:
        if not _is_number(s2.get("objective")) or not _stage2_close(s2["objective"], sharing):
            out.append(f"CERT: stage-2 objective {s2.get('objective')!r} != recomputed stage-2 objective {sharing}")
        if "stage2_objective" in solver and (not _is_number(solver["stage2_objective"]) or not _stage2_close(solver["stage2_objective"], sharing)):
            out.append(f"CERT: solver.stage2_objective {solver['stage2_objective']!r} != recomputed {sharing}")
    for name, c, value in (("stage-1", s1, score), ("stage-2", s2, sharing)):
        if c is not None and _is_number(c.get("bound")) and c["bound"] > value + max(REPORT_ABS_TOL, REL_TOL * abs(value)):
            out.append(f"CERT: {name} bound {c['bound']} is above the plan's own objective {value}: impossible")
    if status == "optimal":
        if s1.get("verdict") != "proven" or not _is_number(s1.get("bound")) or score - s1["bound"] > 0.999 + 1e-6:
            out.append(f"CERT: status optimal but stage 1 is not proven exact (score {score}, bound {s1.get('bound')!r}, verdict {s1.get('verdict')!r})")
        if weighted:
            if s2 is None:
                out.append("CERT: status optimal but stage 2 has no certificate")
            elif s2.get("verdict") != "proven" or not _is_number(s2.get("bound")) or (
                sharing - s2["bound"] > max(sc["mip_gap"] * abs(sharing), 1e-6) + REPORT_ABS_TOL
            ):
                out.append(f"CERT: status optimal but stage 2 ({sharing}) is not within mip_gap {sc['mip_gap']} of its bound "
                           f"{s2.get('bound')!r} (verdict {s2.get('verdict')!r})")
    return out


def _table_violations(inst: Instance, units: dict[Triple, int], plan: Mapping[str, Any], totals: bool = True) -> list[str]:
    out = []
    # requirements table
    filled = line_filled(inst, units)
    seen = set()
    for row in plan.get("requirements") or []:
        key = (row.get("unit_type"), row.get("sector"))
        if key not in inst.lines:
            out.append(f"REQ: requirements table names {key[0]}/{key[1]}, not a requirement line")
            continue
        if key in seen:
            out.append(f"REQ: line {key[0]}/{key[1]} appears twice")
            continue
        seen.add(key)
        line = inst.lines[key]
        expected = {
            "min_units": line.min_units,
            "filled_units": filled[key],
            "short_units": max(0, line.min_units - filled[key]),
        }
        for col, value in expected.items():
            if _as_int(row.get(col)) != value:
                out.append(f"REQ: line {key[0]}/{key[1]} {col} {row.get(col)!r} != {value}")
    for key in sorted(set(inst.lines) - seen):
        out.append(f"REQ: line {key[0]}/{key[1]} missing from requirements table")

    # nations table
    personnel = nation_personnel(inst, units)
    cost = nation_cost(inst, units)
    fair = inst.fair_shares()
    seen = set()
    for row in plan.get("nations") or []:
        n = row.get("nation")
        if n not in inst.nations:
            out.append(f"NAT: nations table names unknown nation {n!r}")
            continue
        if n in seen:
            out.append(f"NAT: {n} appears twice")
            continue
        seen.add(n)
        eligible = inst.eligible(n)
        if row.get("eligible") not in (True, False) or bool(row.get("eligible")) != eligible:
            out.append(f"NAT: {n} eligible {row.get('eligible')!r} != {eligible}")
        if _as_int(row.get("personnel")) != personnel[n]:
            out.append(f"NAT: {n} personnel {row.get('personnel')!r} != {personnel[n]}")
        for col, value in (("cost_musd", cost[n]), ("fair_personnel", fair[n])):
            if not _is_number(row.get(col)) or not _reported_close(row[col], value):
                out.append(f"NAT: {n} {col} {row.get(col)!r} != {value}")
        cap = _as_int(row.get("cap_personnel"))
        if cap != inst.cap(n) and not (not eligible and cap == 0):
            out.append(f"NAT: {n} cap_personnel {row.get('cap_personnel')!r} != {inst.cap(n)}")
    for n in sorted(set(inst.nations) - seen):
        out.append(f"NAT: {n} missing from nations table")

    if not totals:
        return out
    # totals
    totals = plan.get("totals") or {}
    by_domain = domain_personnel(inst, units)
    expected = {"personnel": sum(by_domain.values()), **by_domain}
    for col, value in expected.items():
        if _as_int(totals.get(col)) != value:
            out.append(f"TOTALS: {col} {totals.get(col)!r} != {value}")
    total_cost = sum(cost.values())
    if not _is_number(totals.get("cost_musd")) or not _reported_close(totals["cost_musd"], total_cost):
        out.append(f"TOTALS: cost_musd {totals.get('cost_musd')!r} != {total_cost}")
    return out


# --------------------------------------------------------------------------
# Section 5: the plan over time
# --------------------------------------------------------------------------

Placement = tuple  # (nation, unit_type, sector, period)


def units_in(units: Mapping[Placement, int], period: int) -> dict[Triple, int]:
    """The units of one period, keyed (nation, unit_type, sector)."""
    return {(n, u, s): x for (n, u, s, t), x in units.items() if t == period and x}


def churn_of(units: Mapping[Placement, int], periods: int) -> int:
    """Σ_{t≥2} Σ_{n,u,s} |x[n,u,s,t] − x[n,u,s,t−1]| (section 5's handovers)."""
    keys = {(n, u, s) for n, u, s, _t in units}
    return sum(abs(units.get((*k, t), 0) - units.get((*k, t - 1), 0)) for k in keys for t in range(2, periods + 1))


def objectives_over_time(inst: Instance, units: Mapping[Placement, int]) -> tuple[float, float]:
    """(Σ_t shortfall score_t, Σ_t stage2_t + weight_churn·churn), each period with its own view (section 5)."""
    score = sum(shortfall_of(inst.at(t), units_in(units, t)) for t in range(1, inst.periods + 1))
    sharing = sum(stage2_of(inst.at(t), units_in(units, t)) for t in range(1, inst.periods + 1))
    return float(score), float(sharing + inst.scenario["weight_churn"] * churn_of(units, inst.periods))


def rotation_violations(inst: Instance, units: Mapping[Placement, int]) -> list[str]:
    """H2 over time: Σ_{τ=t…min(T,t+d)} Σ_s x[n,u,s,τ] ≤ max_units[n,u] for every nation, unit type and t."""
    per: dict[tuple[str, str, int], int] = {}
    for (n, u, _s, t), x in units.items():
        per[(n, u, t)] = per.get((n, u, t), 0) + x
    out = []
    last = inst.periods
    for n, u in sorted({(n, u) for n, u, _t in per}):
        d = inst.nations[n].dwell_periods
        pledged = inst.pledges.get((n, u), 0)
        for t in range(1, last + 1):
            end = min(last, t + d)
            total = sum(per.get((n, u, tau), 0) for tau in range(t, end + 1))
            if total > pledged:
                out.append(f"H2: {n} deploys {total} x {u} in periods {t}-{end}, pledged {pledged} with dwell {d}")
    return out


def period_label(inst: Instance, period: int) -> str:
    """``YYYY-MM`` of the period's first month when start_month is given, else ``P<period>``."""
    given = inst.given or inst.scenario
    if not given.get("start_month"):
        return f"P{period}"
    year, month = (int(v) for v in str(given["start_month"]).split("-")[:2])
    months = year * 12 + month - 1 + (period - 1) * int(given["period_months"])
    return f"{months // 12:04d}-{months % 12 + 1:02d}"


def _read_allocations(inst: Instance, plan: Mapping[str, Any], out: list[str], over_time: bool) -> dict:
    """plan.json's allocations as units, keyed (nation, unit_type, sector) — over time with the period
    last — every row checked: known names, whole units, its personnel and cost (and over time its period)."""
    units: dict = {}
    last = inst.periods
    for i, row in enumerate(plan.get("allocations") or []):
        n, u, s = row.get("nation"), row.get("unit_type"), row.get("sector")
        if n not in inst.nations or u not in inst.unit_types or s not in inst.sectors:
            out.append(f"PLAN: allocation {i} names an unknown nation/unit type/sector: {n}/{u}/{s}")
            continue
        t = _as_int(row.get("period")) if over_time else None
        if over_time and (t is None or not 1 <= t <= last):
            out.append(f"PLAN: allocation {i} ({n}/{u}/{s}) has period {row.get('period')!r}, not one of 1-{last}")
            continue
        x = _as_int(row.get("units"))
        if x is None or x < 0:
            out.append(f"PLAN: allocation {i} ({n}/{u}/{s}{f', period {t}' if over_time else ''}) has units {row.get('units')!r}, "
                       f"not a whole number >= 0")
            continue
        key = (n, u, s, t) if over_time else (n, u, s)
        if key in units:
            out.append(f"PLAN: allocation {n}/{u}/{s}{f' in period {t}' if over_time else ''} appears twice")
            continue
        units[key] = x
        where = f"{n}/{u}/{s}" + (f" period {t}" if over_time else "")
        if _as_int(row.get("personnel")) != x * inst.unit_types[u].personnel:
            out.append(f"ALLOC: {where} personnel {row.get('personnel')!r} != {x} x {inst.unit_types[u].personnel}")
        cost = x * inst.unit_cost(n, u)
        if not _is_number(row.get("cost_musd")) or not _reported_close(row["cost_musd"], cost):
            out.append(f"ALLOC: {where} cost_musd {row.get('cost_musd')!r} != {cost}")
    return {k: v for k, v in units.items() if v}


def check_plan_over_time(inst: Instance, plan: Mapping[str, Any]) -> list[str]:
    """Section 5: a plan over T > 1 periods — every row carries its period, H1–H10 hold in each
    period as that period's view has them, H2 over rotation windows, the tables per period, the
    totals of the period with the least personnel, the timeline, and both objectives summed
    over the periods (stage 2 with the handovers)."""
    out: list[str] = []
    last = inst.periods
    units = _read_allocations(inst, plan, out, over_time=True)

    leads: dict[int, dict[str, str]] = {t: {} for t in range(1, last + 1)}
    for row in plan.get("leads") or []:
        s, n, t = row.get("sector"), row.get("nation"), _as_int(row.get("period"))
        if t not in leads:
            out.append(f"PLAN: lead of {s} has period {row.get('period')!r}, not one of 1-{last}")
            continue
        if s in leads[t]:
            out.append(f"H8: {s} names more than one lead in period {t} ({leads[t][s]}, {n})")
            continue
        leads[t][s] = n

    def in_period_rows(key: str, t: int) -> list:
        return [r for r in plan.get(key) or [] if _as_int(r.get("period")) == t]

    for key in ("requirements", "nations"):
        stray = [r for r in plan.get(key) or [] if _as_int(r.get("period")) not in leads]
        if stray:
            out.append(f"{'REQ' if key == 'requirements' else 'NAT'}: {len(stray)} {key} rows without a period of 1-{last}")

    timeline = {(_as_int(r.get("period"))): r for r in plan.get("timeline") or []}
    personnel_by_period = {}
    for t in range(1, last + 1):
        view = inst.at(t)
        mine = units_in(units, t)
        for v in hard_violations(view, mine, leads[t]) + _table_violations(
                view, mine, {"requirements": in_period_rows("requirements", t), "nations": in_period_rows("nations", t)}, totals=False):
            code, rest = v.split(":", 1)
            out.append(f"{code}: period {t}:{rest}")
        by_domain = domain_personnel(view, mine)
        figures = {"personnel": sum(by_domain.values()), **by_domain, "cost_musd": sum(nation_cost(view, mine).values())}
        personnel_by_period[t] = figures
        row = timeline.get(t)
        if row is None:
            out.append(f"TIMELINE: period {t} missing")
            continue
        expected = {**figures, "shortfall_score": shortfall_of(view, mine), "force_target": view.scenario["force_target"]}
        for col, value in expected.items():
            if not _is_number(row.get(col)) or not _reported_close(row[col], value):
                out.append(f"TIMELINE: period {t} {col} {row.get(col)!r} != {value}")
        if row.get("label") != period_label(inst, t):
            out.append(f"TIMELINE: period {t} label {row.get('label')!r} != {period_label(inst, t)!r}")
    if set(timeline) - set(range(1, last + 1)):
        out.append(f"TIMELINE: rows for periods {sorted(set(timeline) - set(range(1, last + 1)), key=str)} beyond 1-{last}")
    out.extend(rotation_violations(inst, units))

    totals = plan.get("totals") or {}
    least = min(f["personnel"] for f in personnel_by_period.values())
    weakest = [f for f in personnel_by_period.values() if f["personnel"] == least]
    if not any(all(_reported_close(totals.get(col, float("nan")), value) if _is_number(totals.get(col)) else False
                   for col, value in f.items()) for f in weakest):
        out.append(f"TOTALS: {totals!r} are not the figures of a period with the least personnel ({least})")

    score, sharing = objectives_over_time(inst, units)
    reported = plan.get("shortfall_score")
    if not _is_number(reported) or not _reported_close(reported, score):
        out.append(f"SCORE: shortfall_score {reported!r} != recomputed {score} (the sum over periods)")
    out.extend(certificate_violations(inst, units, plan, (score, sharing)))
    return out


def violation_codes(violations: Iterable[str]) -> list[str]:
    """The code before the first colon of each violation, in order."""
    return [v.split(":", 1)[0] for v in violations]


# --------------------------------------------------------------------------
# Building consistent plans (for tests)
# --------------------------------------------------------------------------


def build_plan(
    workbook_path,
    units: Mapping[Triple, int],
    leads: Mapping[str, str] | None = None,
    scenario_overrides: Mapping[str, Any] | None = None,
    status: str = "optimal",
) -> dict[str, Any]:
    """A complete plan.json dict whose tables, totals and score agree with ``units``.

    Hard constraints are *not* enforced: tests use this to write plans that
    break exactly one of them.  ``leads`` maps sector -> nation.
    """
    inst = read_instance(workbook_path, scenario_overrides)
    units = _clean_units(units)
    filled = line_filled(inst, units)
    personnel = nation_personnel(inst, units)
    cost = nation_cost(inst, units)
    fair = inst.fair_shares()
    by_domain = domain_personnel(inst, units)
    return {
        "scenario": dict(inst.scenario),
        "status": status,
        "shortfall_score": shortfall_of(inst, units),
        "allocations": [
            {
                "nation": n, "unit_type": u, "sector": s, "units": x,
                "personnel": x * inst.unit_types[u].personnel, "cost_musd": x * inst.unit_cost(n, u),
            }
            for (n, u, s), x in sorted(units.items())
        ],
        "requirements": [
            {
                "unit_type": u, "sector": s, "min_units": line.min_units,
                "filled_units": filled[(u, s)], "short_units": max(0, line.min_units - filled[(u, s)]),
            }
            for (u, s), line in inst.lines.items()
        ],
        "nations": [
            {
                "nation": n, "eligible": inst.eligible(n), "personnel": personnel[n],
                "cost_musd": cost[n], "cap_personnel": inst.cap(n), "fair_personnel": fair[n],
            }
            for n in inst.nations
        ],
        "leads": [{"sector": s, "nation": n} for s, n in sorted((leads or {}).items())],
        "totals": {"personnel": sum(by_domain.values()), **by_domain, "cost_musd": sum(cost.values())},
        "solver": {
            "name": "hand-written", "version": "0", "seconds": 0.0, "gap": 0.0,
            # a hand-written plan claims to be its own proof: bounds equal to its objectives
            "certificate": {
                "status": status,
                "stage1": {"verdict": "proven" if status == "optimal" else "not proven", "objective": shortfall_of(inst, units),
                           "bound": shortfall_of(inst, units)},
                "stage2": {"verdict": "proven" if status == "optimal" else "not proven", "objective": stage2_of(inst, units),
                           "bound": stage2_of(inst, units), "mip_gap": inst.scenario["mip_gap"]},
            },
        },
    }
