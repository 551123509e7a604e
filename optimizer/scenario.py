"""The Scenario: typed, frozen configuration of one planning run (contract section 1)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Scenario(BaseModel):
    """Every Scenario parameter after defaults and ``--set`` overrides.

    The reader has already parsed and range-checked each cell against
    :data:`optimizer.schema.SCENARIO_PARAMETERS` (so it can name the row);
    this model is the typed object the rest of the pipeline reads, and a
    second guard on the ranges.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "baseline"
    force_target: int = Field(ge=0)
    land_target: int = Field(0, ge=0)
    sea_target: int = Field(0, ge=0)
    air_target: int = Field(0, ge=0)
    ceasefire_in_place: bool = False
    un_mandate: bool = False
    us_backstop: bool = False
    sustainable_share: float = Field(0.08, gt=0, le=1)
    max_nations_per_sector: int | None = Field(None, ge=1)
    lead_share: float = Field(0.4, ge=0, le=1)
    weight_cost: float = Field(1.0, ge=0)
    weight_fairness: float = Field(1.0, ge=0)
    weight_nations: float = Field(0.0, ge=0)
    time_limit_s: float = Field(60.0, gt=0)
    mip_gap: float = Field(0.0001, ge=0)
    # Time (contract v2, section 5)
    periods: int = Field(1, ge=1, le=60)
    period_months: int = Field(6, ge=1, le=36)
    start_month: str | None = None  # YYYY-MM: labels only
    ceasefire_from: int | None = Field(None, ge=1)
    un_mandate_from: int | None = Field(None, ge=1)
    us_backstop_from: int | None = Field(None, ge=1)
    weight_churn: float = Field(1.0, ge=0)
    classification: str = "UNCLASSIFIED — ILLUSTRATIVE DATA"  # extension: report banner

    def target(self, scope: str) -> int:
        """The personnel target of ``scope``: 'force', 'land', 'sea' or 'air'."""
        return getattr(self, f"{scope}_target")
