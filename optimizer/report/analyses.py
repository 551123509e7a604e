"""The analyses' findings as the report reads them: ``explain.json``, ``stress.json``, ``frontier.json``.

The analyses (:mod:`optimizer.analysis`) write their JSON next to ``plan.json``;
the report adds a section for each one given.  :func:`normalise` checks each
dict's overall shape (raising :class:`AnalysisFormatError`, one line, when it
is not that analysis at all) and returns a copy in which every value has the
type the report prints: a row with a required value missing or of the wrong
type is left out and counted in ``dropped``; an optional value of the wrong
type becomes ``None`` and is printed as '—'.  :func:`load_analyses` reads
whichever files exist in a plan folder and skips unreadable ones with an
:class:`AnalysisWarning`.

:func:`matches_plan` tells whether an analysis was run on the plan being
reported (same shortfall score), so a stale analysis is labelled as such.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from numbers import Real
from pathlib import Path

from optimizer.schema import SWITCHES

KINDS = ("explain", "stress", "frontier")
FILES = {kind: f"{kind}.json" for kind in KINDS}


class AnalysisFormatError(ValueError):
    """An analysis dict (or file) is not what its name says.  The message is one line."""


class AnalysisWarning(UserWarning):
    """An analysis file in a plan folder was skipped (unreadable or not that analysis)."""


# ---------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------


def _num(v):
    return v if isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v) else None


MAX_TEXT = 200  # characters of one free-text entry (a cause, a line, a lever) the report prints; longer ones are cut with '…'


def _text(v):
    return _cut(v) if isinstance(v, str) else None


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1].rstrip() + "…"


class _Rows:
    """Collects clean rows and counts the ones left out."""

    def __init__(self):
        self.dropped = 0

    def texts(self, v) -> list[str]:
        if not isinstance(v, list):
            if v is not None:
                self.dropped += 1
            return []
        out = [_cut(x) for x in v if isinstance(x, str)]
        self.dropped += len(v) - len(out)
        return out

    def rows(self, v, clean_row) -> list[dict]:
        """``clean_row(dict) -> dict | None`` over a list; None (or a non-dict) is left out."""
        if not isinstance(v, list):
            if v is not None:
                self.dropped += 1
            return []
        out = []
        for r in v:
            row = clean_row(r) if isinstance(r, dict) else None
            if row is None:
                self.dropped += 1
            else:
                out.append(row)
        return out

    def numbers(self, v) -> dict[str, float]:
        """A {text: number} mapping; other entries left out."""
        if not isinstance(v, dict):
            if v is not None:
                self.dropped += 1
            return {}
        out = {k: x for k, x in v.items() if isinstance(k, str) and _num(x) is not None}
        self.dropped += len(v) - len(out)
        return out


def _require(data, kind: str, keys: dict[str, type]) -> dict:
    if not isinstance(data, dict):
        raise AnalysisFormatError(f"not a forceplan {FILES[kind]}: expected a JSON object, found {type(data).__name__}")
    present = [k for k in keys if k in data]
    if not present:
        raise AnalysisFormatError(f"not a forceplan {FILES[kind]}: none of {', '.join(repr(k) for k in keys)}")
    for k in present:
        if not isinstance(data[k], keys[k]):
            raise AnalysisFormatError(f"not a forceplan {FILES[kind]}: '{k}' should be {'an object' if keys[k] is dict else 'a list'}")
    return data


# ---------------------------------------------------------------------------
# explain.json
# ---------------------------------------------------------------------------


def normalise_explain(data) -> dict:
    _require(data, "explain", {"causes": dict, "levers": list})
    acc = _Rows()
    causes = data.get("causes") or {}

    def pledge(r):
        if _text(r.get("nation")) is None:
            return None
        return {"nation": _text(r["nation"]), "causes": acc.texts(r.get("causes")), "why": _text(r.get("why")),
                **{k: _num(r.get(k)) for k in ("pledged", "here", "elsewhere", "free")}}

    def line(r):
        if _text(r.get("unit_type")) is None or _text(r.get("sector")) is None or _num(r.get("short_units")) is None:
            return None
        priority = r.get("priority") if r.get("priority") in (1, 2, 3) and not isinstance(r.get("priority"), bool) else None
        return {"unit_type": _text(r["unit_type"]), "sector": _text(r["sector"]), "priority": priority, "short_units": r["short_units"],
                "short_personnel": _num(r.get("short_personnel")), "causes": acc.texts(r.get("causes")), "pledges": acc.rows(r.get("pledges"), pledge)}

    def target(r):
        if _text(r.get("scope")) is None or any(_num(r.get(k)) is None for k in ("target", "planned", "short")):
            return None
        return {"scope": _text(r["scope"]), "target": r["target"], "planned": r["planned"], "short": r["short"],
                "excluded_nations": acc.texts(r.get("excluded_nations")), "nations_at_cap": acc.texts(r.get("nations_at_cap"))}

    def lever(r):
        if _text(r.get("lever")) is None or _num(r.get("score_cut")) is None:
            return None
        return {"lever": _text(r["lever"]), "kind": _text(r.get("kind")), "score_cut": r["score_cut"],
                **{k: _num(r.get(k)) for k in ("shortfall_score", "personnel", "personnel_gain", "lines_unfilled_before")},
                "lines_filled": acc.texts(r.get("lines_filled")), "lines_newly_unfilled": acc.texts(r.get("lines_newly_unfilled"))}

    return {
        "scenario": _text(data.get("scenario")),
        "shortfall_score": _num(data.get("shortfall_score")),
        "personnel": _num(data.get("personnel")),
        "lines": acc.rows(causes.get("lines"), line),
        "targets": acc.rows(causes.get("targets"), target),
        "levers": acc.rows(data.get("levers"), lever),
        "dropped": acc.dropped,
    }


# ---------------------------------------------------------------------------
# stress.json
# ---------------------------------------------------------------------------


def normalise_stress(data) -> dict:
    _require(data, "stress", {"n_minus_1": list, "n_minus_2": list, "monte_carlo": dict})
    acc = _Rows()

    def backfill(r):
        if any(_text(r.get(k)) is None for k in ("nation", "unit_type", "sector")) or _num(r.get("units")) is None:
            return None
        return {"nation": _text(r["nation"]), "unit_type": _text(r["unit_type"]), "sector": _text(r["sector"]), "units": r["units"]}

    def outcome(r):
        if _num(r.get("shortfall_score")) is None or _num(r.get("shortfall_increase")) is None:
            return None
        return {"shortfall_score": r["shortfall_score"], "shortfall_increase": r["shortfall_increase"],
                **{k: _num(r.get(k)) for k in ("personnel", "personnel_lost", "units_withdrawn", "lines_unfilled")},
                "status": _text(r.get("status")), "backfilled_by": acc.rows(r.get("backfilled_by"), backfill)}

    def single(r):
        if _text(r.get("nation")) is None:
            return None
        row = outcome(r)
        return None if row is None else {"nation": _text(r["nation"]), **row}

    def pair(r):
        names = r.get("nations")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            return None
        row = outcome(r)
        return None if row is None else {"nations": [_text(n) for n in names], **row}

    base = data.get("base") if isinstance(data.get("base"), dict) else {}
    out = {
        "base": {k: _num(base.get(k)) for k in ("shortfall_score", "personnel", "lines_unfilled", "nations_taking_part")},
        "n_minus_1": acc.rows(data.get("n_minus_1"), single),
        "n_minus_2": acc.rows(data.get("n_minus_2"), pair),
        "monte_carlo": None,
    }
    mc = data.get("monte_carlo")
    if isinstance(mc, dict):
        samples = _num(mc.get("samples"))

        def line(r):
            if _text(r.get("unit_type")) is None or _text(r.get("sector")) is None or _num(r.get("p_filled")) is None:
                return None
            return {"unit_type": _text(r["unit_type"]), "sector": _text(r["sector"]), "p_filled": r["p_filled"]}

        out["monte_carlo"] = {
            "samples": samples,
            "seed": mc.get("seed") if isinstance(mc.get("seed"), (int, str)) and not isinstance(mc.get("seed"), bool) else None,
            **{k: _num(mc.get(k)) for k in ("distinct_solves", "p_target_met", "mean_shortfall")},
            "shortfall_quantiles": acc.numbers(mc.get("shortfall_quantiles")),
            "personnel_quantiles": acc.numbers(mc.get("personnel_quantiles")),
            "p_line_filled": acc.rows(mc.get("p_line_filled"), line),
            "withdrawal_probability": acc.numbers(mc.get("withdrawal_probability")),
            "withdrawals_per_nation": acc.numbers(mc.get("withdrawals_per_nation")),
        }
    elif mc is not None:
        acc.dropped += 1
    out["dropped"] = acc.dropped
    return out


# ---------------------------------------------------------------------------
# frontier.json
# ---------------------------------------------------------------------------

TRADEOFF_EXTRAS = ("weight_cost", "weight_fairness", "personnel", "shortfall_score", "nations_taking_part")


def normalise_frontier(data) -> dict:
    _require(data, "frontier", {"conditions": list, "tradeoff": list})
    acc = _Rows()

    def combo(r):
        if any(not isinstance(r.get(k), bool) for k in SWITCHES) or _num(r.get("max_personnel")) is None or _num(r.get("planned_personnel")) is None:
            return None
        return {**{k: r[k] for k in SWITCHES}, "max_personnel": r["max_personnel"], "planned_personnel": r["planned_personnel"],
                **{k: _num(r.get(k)) for k in ("shortfall_score", "lines_unfilled", "force_target", "nations_taking_part", "cost_musd")}}

    def point(r):
        if _num(r.get("cost_musd")) is None or _num(r.get("fairness_deviation")) is None:
            return None
        return {"cost_musd": r["cost_musd"], "fairness_deviation": r["fairness_deviation"], "label": _text(r.get("label")),
                **{k: _num(r.get(k)) for k in TRADEOFF_EXTRAS}}

    out = {"conditions": acc.rows(data.get("conditions"), combo), "tradeoff": None}
    if "tradeoff" in data and data["tradeoff"] is not None:
        out["tradeoff"] = acc.rows(data["tradeoff"], point)
    out["dropped"] = acc.dropped
    return out


NORMALISERS = {"explain": normalise_explain, "stress": normalise_stress, "frontier": normalise_frontier}


def check_analysis(kind: str, data) -> None:
    """Raise :class:`AnalysisFormatError` unless ``data`` has the overall shape of analysis ``kind``."""
    NORMALISERS[kind](data)


def normalise(analyses) -> dict[str, dict]:
    """``{kind: clean dict}`` for the analyses given (None values and absent keys: no section)."""
    if analyses is None:
        return {}
    if not isinstance(analyses, dict):
        raise AnalysisFormatError(f"analyses should be a dict with the keys {', '.join(KINDS)}, found {type(analyses).__name__}")
    unknown = sorted(str(k) for k in analyses if k not in KINDS)
    if unknown:
        raise AnalysisFormatError(f"unknown analyses {', '.join(unknown)} (known: {', '.join(KINDS)})")
    return {kind: NORMALISERS[kind](analyses[kind]) for kind in KINDS if analyses.get(kind) is not None}


def load_analyses(plan_dir: str | os.PathLike) -> dict:
    """The analyses saved in ``plan_dir`` (or beside the plan.json file given), as ``{kind: dict}``.

    Reads whichever of explain.json, stress.json and frontier.json exist.  A
    file that cannot be read, is not JSON or is not that analysis is skipped
    with an :class:`AnalysisWarning` (one line each); this never raises.
    """
    p = Path(plan_dir)
    folder = p.parent if p.is_file() else p
    out: dict = {}
    for kind in KINDS:
        path = folder / FILES[kind]
        try:
            if not path.is_file():
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            check_analysis(kind, data)
        except UnicodeDecodeError:
            _warn(f"{path}: ignored, not UTF-8 JSON text")
        except json.JSONDecodeError as exc:
            _warn(f"{path}: ignored, not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")
        except AnalysisFormatError as exc:
            _warn(f"{path}: ignored, {exc}")
        except (OSError, RecursionError, ValueError) as exc:
            _warn(f"{path}: ignored, cannot read it ({getattr(exc, 'strerror', None) or exc})")
        else:
            out[kind] = data
    return out


def _warn(message: str) -> None:
    warnings.warn(message, AnalysisWarning, stacklevel=3)


# ---------------------------------------------------------------------------
# does an analysis belong to this plan?
# ---------------------------------------------------------------------------


def _same(a, b) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) <= 0.5 + 1e-9 * abs(float(b))


def matches_plan(kind: str, analysis: dict, plan_score, plan_conditions: tuple[bool, bool, bool]) -> bool | None:
    """True when the (normalised) analysis was run on a plan with this shortfall score; None when it cannot tell."""
    if plan_score is None:
        return None
    if kind == "explain":
        score = analysis["shortfall_score"]
    elif kind == "stress":
        score = analysis["base"]["shortfall_score"]
    else:
        row = next((r for r in analysis["conditions"] if tuple(r[k] for k in SWITCHES) == plan_conditions), None)
        score = None if row is None else row["shortfall_score"]
    if score is None:
        return None
    return _same(score, plan_score)
