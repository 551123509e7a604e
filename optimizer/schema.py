"""The workbook format of the contract (``CONTRACT.md`` section 1), as data.

Every sheet and column the reader accepts, the template writes and the
documentation lists is declared once here.  The reader, the workbook writer
(template and default workbook) and the README sheet all read these specs, so
the format cannot drift between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(str, Enum):
    """How a cell is parsed."""

    TEXT = "text"  # non-empty text (names, labels)
    INT = "int"  # whole number
    NUMBER = "number"  # real number
    YESNO = "yesno"  # yes/no, y/n, true/false, 1/0 in any case
    CHOICE = "choice"  # one of ``choices`` (case-insensitive)
    MONTH = "month"  # a calendar month: text YYYY-MM, or a date cell (its month)


YES_WORDS = frozenset({"yes", "y", "true", "1"})
NO_WORDS = frozenset({"no", "n", "false", "0"})

STATUSES = ("committed", "considering", "uncertain", "declined")
DOMAINS = ("land", "sea", "air")


@dataclass(frozen=True)
class Column:
    """One column of a sheet.

    ``minimum``/``maximum`` are inclusive unless ``min_exclusive`` is set.
    ``references`` names the sheet whose key column this column must match
    (``None``: no reference).  ``blank_means`` documents a blank optional cell
    (e.g. "no limit") when the default is ``None``.
    """

    name: str
    kind: Kind
    required: bool = False
    default: object = None
    minimum: float | None = None
    maximum: float | None = None
    min_exclusive: bool = False
    choices: tuple[str, ...] = ()
    references: str | None = None
    blank_means: str = ""
    help: str = ""
    since: int = 1  # the contract version that added it (2: section 5, time)


@dataclass(frozen=True)
class Sheet:
    """One sheet: its columns, its key (unique) columns and whether it may be absent."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    optional: bool = False
    help: str = ""
    since: int = 1  # the contract version that added it

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


# --- Scenario parameters ----------------------------------------------------
# The Scenario sheet has two columns, ``parameter`` and ``value``; each
# parameter is declared as a Column so one parser serves cells, --set values
# and the template's comments.
SCENARIO_PARAMETERS: tuple[Column, ...] = (
    Column("name", Kind.TEXT, default="baseline", help="Scenario label; also names the output folder reports/<name>/."),
    Column("force_target", Kind.INT, required=True, minimum=0, help="Personnel the whole force should reach."),
    Column("land_target", Kind.INT, default=0, minimum=0, help="Personnel the land domain should reach."),
    Column("sea_target", Kind.INT, default=0, minimum=0, help="Personnel the sea domain should reach."),
    Column("air_target", Kind.INT, default=0, minimum=0, help="Personnel the air domain should reach."),
    Column("ceasefire_in_place", Kind.YESNO, default=False, help="A ceasefire holds."),
    Column("un_mandate", Kind.YESNO, default=False, help="A UN Security Council resolution authorises the force."),
    Column("us_backstop", Kind.YESNO, default=False, help="The United States guarantees support (air cover, logistics, intelligence)."),
    Column(
        "sustainable_share", Kind.NUMBER, default=0.08, minimum=0, maximum=1, min_exclusive=True,
        help="Share of a nation's active personnel it can keep deployed indefinitely (NATO usability target 8%).",
    ),
    Column(
        "max_nations_per_sector", Kind.INT, default=None, minimum=1, blank_means="no limit",
        help="Interoperability limit on distinct nations in one sector; blank = no limit.",
    ),
    Column(
        "lead_share", Kind.NUMBER, default=0.4, minimum=0, maximum=1,
        help="Least share of a sector's personnel its lead nation provides (eFP framework nations: 40-60%).",
    ),
    Column("weight_cost", Kind.NUMBER, default=1.0, minimum=0, help="Stage-2 weight on total yearly cost (per million USD)."),
    Column("weight_fairness", Kind.NUMBER, default=1.0, minimum=0, help="Stage-2 weight on total deviation from GDP fair shares (per person)."),
    Column("weight_nations", Kind.NUMBER, default=0.0, minimum=0, help="Stage-2 weight on the number of nations taking part."),
    Column("time_limit_s", Kind.NUMBER, default=60.0, minimum=0, min_exclusive=True, help="Solver time limit in seconds (both stages together)."),
    Column("mip_gap", Kind.NUMBER, default=0.0001, minimum=0, help="Relative MIP gap for stage 2."),
    # Time (contract v2, section 5): all optional; without them the plan is for one period, as in v1.
    Column("periods", Kind.INT, default=1, minimum=1, maximum=60, help="Number of consecutive periods (tours) planned; 1 = a single period (the force at one moment).", since=2),
    Column("period_months", Kind.INT, default=6, minimum=1, maximum=36, help="Length of one period in months: the tour length (6 for most armies).", since=2),
    Column("start_month", Kind.MONTH, default=None, blank_means="periods labelled P1, P2, …", help="Calendar month of period 1, YYYY-MM (labels only).", since=2),
    Column("ceasefire_from", Kind.INT, default=None, minimum=1, blank_means="ceasefire_in_place holds in every period",
           help="The ceasefire holds from this period on, and not before, whatever ceasefire_in_place says; blank = ceasefire_in_place in every period.", since=2),
    Column("un_mandate_from", Kind.INT, default=None, minimum=1, blank_means="un_mandate holds in every period",
           help="The UN mandate holds from this period on, and not before, whatever un_mandate says; blank = un_mandate in every period.", since=2),
    Column("us_backstop_from", Kind.INT, default=None, minimum=1, blank_means="us_backstop holds in every period",
           help="The US backstop holds from this period on, and not before, whatever us_backstop says; blank = us_backstop in every period.", since=2),
    Column("weight_churn", Kind.NUMBER, default=1.0, minimum=0, help="Stage-2 weight on handovers: units that change from one period to the next.", since=2),
    # Extensions beyond the contract (allowed: "the project may add ... options").
    Column(
        "classification", Kind.TEXT, default="UNCLASSIFIED — ILLUSTRATIVE DATA",
        help="Classification banner printed at the top and bottom of every report page.",
    ),
)

#: The scenario's conditions, each a yes/no parameter some nations' participation depends on (H1).
SWITCHES: tuple[str, ...] = ("ceasefire_in_place", "un_mandate", "us_backstop")
#: The period each condition holds from (contract section 5), by its switch.
SWITCH_FROM: dict[str, str] = {"ceasefire_in_place": "ceasefire_from", "un_mandate": "un_mandate_from", "us_backstop": "us_backstop_from"}

SCENARIO = Sheet(
    "Scenario",
    (
        Column("parameter", Kind.TEXT, required=True, help="Parameter name (see the README sheet)."),
        Column("value", Kind.TEXT, help="Its value; blank takes the default."),
    ),
    key=("parameter",),
    help="Scenario switches and targets: one row per parameter.",
)

NATIONS = Sheet(
    "Nations",
    (
        Column("nation", Kind.TEXT, required=True, help="Nation name, unique."),
        Column("status", Kind.CHOICE, required=True, choices=STATUSES, help="Political status of its participation."),
        Column("active_personnel", Kind.INT, required=True, minimum=0, min_exclusive=True, help="Active armed forces (persons)."),
        Column("gdp_busd", Kind.NUMBER, required=True, minimum=0, min_exclusive=True, help="GDP in billion USD (burden-sharing basis)."),
        Column("max_personnel", Kind.INT, default=None, minimum=0, blank_means="no political cap", help="Political cap on personnel deployed; blank = none."),
        Column("min_personnel", Kind.INT, default=0, minimum=0, help="Smallest contribution worth sending if it takes part."),
        Column("requires_ceasefire", Kind.YESNO, default=False, help="Takes part only if a ceasefire is in place."),
        Column("requires_un_mandate", Kind.YESNO, default=False, help="Takes part only with a UN mandate."),
        Column("requires_us_backstop", Kind.YESNO, default=False, help="Takes part only with a US backstop."),
        Column("max_sector_risk", Kind.INT, default=3, minimum=1, maximum=3, help="Deploys only to sectors of this risk or lower (1-3)."),
        Column("can_lead", Kind.YESNO, default=False, help="Can act as lead (framework) nation of a sector."),
        Column("budget_musd", Kind.NUMBER, default=None, minimum=0, blank_means="no budget limit", help="Yearly budget for the mission, million USD; blank = none."),
        Column("cost_factor", Kind.NUMBER, default=1.0, minimum=0, min_exclusive=True, help="Multiplies the unit types' yearly cost for this nation."),
        Column("withdrawal_risk", Kind.NUMBER, default=None, minimum=0, maximum=1, blank_means="default by status", help="Chance the nation withdraws (robustness analysis only)."),
        Column("available_from", Kind.INT, default=1, minimum=1, help="First period in which the nation can have units deployed (readiness, notice to move).", since=2),
        Column("available_until", Kind.INT, default=None, minimum=1, blank_means="the last period", help="Last period in which it can have units deployed; blank = the last period.", since=2),
        Column("dwell_periods", Kind.INT, default=0, minimum=0, help="Periods a unit stays home after each period deployed (deploy-to-dwell 1:d); 0 = the nation sustains its units itself.", since=2),
    ),
    key=("nation",),
    help="One row per nation: its status, size, conditions and limits.",
)

UNIT_TYPES = Sheet(
    "UnitTypes",
    (
        Column("unit_type", Kind.TEXT, required=True, help="Kind of unit, unique."),
        Column("domain", Kind.CHOICE, required=True, choices=DOMAINS, help="land, sea or air."),
        Column("personnel", Kind.INT, required=True, minimum=0, min_exclusive=True, help="Personnel per unit."),
        Column("annual_cost_musd", Kind.NUMBER, required=True, minimum=0, help="Yearly cost of one deployed unit, million USD."),
    ),
    key=("unit_type",),
    help="One row per kind of unit.",
)

SECTORS = Sheet(
    "Sectors",
    (
        Column("sector", Kind.TEXT, required=True, help="Area of operations (land, sea or air), unique."),
        Column("risk", Kind.INT, required=True, minimum=1, maximum=3, help="1 rear area ... 3 near the contact line."),
        Column("needs_lead", Kind.YESNO, default=False, help="The sector must have a lead nation if it holds any units."),
    ),
    key=("sector",),
    help="One row per area of operations (sea and air areas too).",
)

PLEDGES = Sheet(
    "Pledges",
    (
        Column("nation", Kind.TEXT, required=True, references="Nations", help="A nation of the Nations sheet."),
        Column("unit_type", Kind.TEXT, required=True, references="UnitTypes", help="A unit type of the UnitTypes sheet."),
        Column("max_units", Kind.INT, required=True, minimum=0, help="Most units of this type the nation offers, over all sectors."),
    ),
    key=("nation", "unit_type"),
    help="What each nation offers. No row means 0.",
)

REQUIREMENTS = Sheet(
    "Requirements",
    (
        Column("unit_type", Kind.TEXT, required=True, references="UnitTypes", help="A unit type of the UnitTypes sheet."),
        Column("sector", Kind.TEXT, required=True, references="Sectors", help="A sector of the Sectors sheet."),
        Column("min_units", Kind.INT, required=True, minimum=0, help="Units the line needs."),
        Column("max_units", Kind.INT, default=None, minimum=0, blank_means="no limit", help="Most units the line can use; blank = no limit."),
        Column("priority", Kind.INT, default=2, minimum=1, maximum=3, help="1 essential, 2 important, 3 desirable."),
        Column("from_period", Kind.INT, default=1, minimum=1, help="First period the line applies in (build-up).", since=2),
        Column("until_period", Kind.INT, default=None, minimum=1, blank_means="the last period", help="Last period the line applies in (drawdown); blank = the last period.", since=2),
    ),
    key=("unit_type", "sector"),
    help="The statement of requirements, line by line. Units are placed only on these lines.",
)

CAVEATS = Sheet(
    "Caveats",
    (
        Column("nation", Kind.TEXT, required=True, references="Nations", help="A nation of the Nations sheet."),
        Column("sector", Kind.TEXT, default=None, references="Sectors", blank_means="every sector", help="A sector, or blank for every sector."),
        Column("unit_type", Kind.TEXT, default=None, references="UnitTypes", blank_means="every unit type", help="A unit type, or blank for every unit type."),
        Column("note", Kind.TEXT, default="", help="Why (e.g. 'no troops on Ukrainian soil')."),
    ),
    optional=True,
    help="National restrictions beyond risk: each row forbids the nation that unit type in that sector.",
)

PHASES = Sheet(
    "Phases",
    (
        Column("period", Kind.INT, required=True, minimum=1, help="A period, 1 to the Scenario's periods."),
        Column("force_target", Kind.INT, default=None, minimum=0, blank_means="the Scenario's force_target", help="Personnel the whole force should reach in this period; blank = the Scenario's."),
        Column("land_target", Kind.INT, default=None, minimum=0, blank_means="the Scenario's land_target", help="Land personnel target in this period; blank = the Scenario's."),
        Column("sea_target", Kind.INT, default=None, minimum=0, blank_means="the Scenario's sea_target", help="Sea personnel target in this period; blank = the Scenario's."),
        Column("air_target", Kind.INT, default=None, minimum=0, blank_means="the Scenario's air_target", help="Air personnel target in this period; blank = the Scenario's."),
    ),
    key=("period",),
    optional=True,
    since=2,
    help="Targets period by period (build-up, drawdown); a missing period or a blank cell takes the Scenario's target.",
)

SHEETS: tuple[Sheet, ...] = (SCENARIO, NATIONS, UNIT_TYPES, SECTORS, PLEDGES, REQUIREMENTS, CAVEATS, PHASES)
SHEETS_BY_NAME: dict[str, Sheet] = {s.name: s for s in SHEETS}

# Stage-1 weight of a requirement line's missing personnel, by priority.
PRIORITY_WEIGHT: dict[int, int] = {1: 3, 2: 2, 3: 1}
