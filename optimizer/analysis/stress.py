"""Withdrawal stress: what if a nation walks away?

- **N-1**: for each nation taking part, re-plan with it declined: the new
  shortfall score and personnel, and who backfills which of its units.
- **N-2**: the same for every pair among the most damaging single withdrawals.
- **Monte Carlo**: each eligible nation withdraws independently with its
  ``withdrawal_risk`` (blank: a default by status, :data:`DEFAULT_RISK`); each
  sample is re-planned.  Sample *i* draws from ``default_rng([seed, i])``, so
  the same seed reproduces the same samples on any executor.
"""

from __future__ import annotations

import itertools
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Callable

import numpy as np

from optimizer.analysis.executor import run_all
from optimizer.analysis.variants import Variant, VariantResult, plan_variant
from optimizer.reader import RawTables

# Chance of withdrawal when the Nations sheet leaves withdrawal_risk blank.
DEFAULT_RISK = {"committed": 0.05, "considering": 0.25, "uncertain": 0.5, "declined": 0.0}
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
N2_TOP = 5  # N-2 pairs are formed among this many most damaging single withdrawals


def withdrawal_probabilities(raw: RawTables) -> dict[str, float]:
    nations = raw.tables["Nations"]
    out = {}
    for name, status, risk in zip(nations["nation"], nations["status"], nations["withdrawal_risk"]):
        blank = risk is None or (isinstance(risk, float) and risk != risk)
        out[name] = float(DEFAULT_RISK[status] if blank else risk)
    return out


def eligible_nations(raw: RawTables) -> list[str]:
    from optimizer.data import build_planning_data

    return build_planning_data(raw).eligible_nations


def backfill(base: VariantResult, after: VariantResult, withdrawn: tuple[str, ...]) -> list[dict]:
    """Units other nations add on the lines the withdrawn nations held, period by period.

    One period: one row per (nation, unit type, sector) with the units added.  Over several
    periods (section 5): one row per (nation, unit type, sector) with the most units added in any
    period, ``from_period`` (the first period it adds them) and ``periods`` (every period it does).
    """
    held = {(u, s, t) for (n, u, s, t) in base.units if n in withdrawn}
    added: dict[tuple[str, str, str], dict[int, int]] = {}
    for (n, u, s, t), units in sorted(after.units.items()):
        if (u, s, t) in held and n not in withdrawn:
            extra = units - base.units.get((n, u, s, t), 0)
            if extra > 0:
                added.setdefault((n, u, s), {})[t] = extra
    if len(base.labels) <= 1:
        return [{"nation": n, "unit_type": u, "sector": s, "units": by_period[1]} for (n, u, s), by_period in added.items()]
    return [{"nation": n, "unit_type": u, "sector": s, "units": max(by_period.values()), "from_period": min(by_period),
             "periods": sorted(by_period)} for (n, u, s), by_period in added.items()]


def _summary(base: VariantResult, r: VariantResult, withdrawn: tuple[str, ...], from_period: int = 1) -> dict:
    # the units the nations held (over time: unit-periods from the withdrawal on)
    lost = sum(v for (n, _, _, t), v in base.units.items() if n in withdrawn and t >= from_period)
    out = {
        "shortfall_score": r.shortfall_score,
        "shortfall_increase": r.shortfall_score - base.shortfall_score,
        "personnel": r.personnel,
        "personnel_lost": base.personnel - r.personnel,
        "units_withdrawn": lost,
        "lines_unfilled": r.lines_unfilled,
        "status": r.status,
        "backfilled_by": backfill(base, r, withdrawn),
    }
    if len(base.labels) > 1:  # which periods go short (their score rises)
        out["periods_short"] = [t for t, score in r.period_scores.items() if score > base.period_scores.get(t, 0.0) + 0.5]
    return out


def withdrawal(nations: tuple[str, ...], from_period: int, label: str, **kw) -> Variant:
    """The nations withdraw from ``from_period`` on (from the start: they decline)."""
    if from_period <= 1:
        return Variant(label, decline=nations, key=nations, **kw)
    return Variant(label, withdraw_from=tuple((n, from_period) for n in nations), key=nations, **kw)


def n_minus_k(raw: RawTables, executor: Executor, base: VariantResult, progress: Callable | None = None,
              from_period: int = 1) -> tuple[list, list]:
    """N-1 for every nation taking part in ``base`` (from ``from_period`` on); N-2 for pairs of the most damaging."""
    held_later = {n for (n, _, _, t), v in base.units.items() if t >= from_period and v > 0}
    taking_part = [n for n, p in base.nation_personnel.items() if p > 0 and n in held_later]
    when = "" if from_period <= 1 else f" from {base.labels.get(from_period, from_period)}"
    singles = [(raw, withdrawal((n,), from_period, f"without {n}{when}")) for n in taking_part]
    results = run_all(executor, plan_variant, singles, progress)
    n1 = [{"nation": r.key[0], **_summary(base, r, r.key, from_period)} for r in results]
    worst = sorted(n1, key=lambda row: (-row["shortfall_increase"], row["nation"]))[:N2_TOP]
    pairs = list(itertools.combinations(sorted((w["nation"] for w in worst), key=taking_part.index), 2))
    doubles = [(raw, withdrawal((a, b), from_period, f"without {a} and {b}{when}")) for a, b in pairs]
    n2 = [{"nations": list(r.key), **_summary(base, r, r.key, from_period)} for r in run_all(executor, plan_variant, doubles, progress)]
    n2.sort(key=lambda row: (-row["shortfall_increase"], row["nations"]))
    return n1, n2


def draw_withdrawals(nations: list[str], probability: dict[str, float], samples: int, seed: int) -> list[tuple[str, ...]]:
    """Sample i withdraws nation n when ``default_rng([seed, i]).random()[n] < p[n]``."""
    draws = []
    for i in range(samples):
        u = np.random.default_rng([seed, i]).random(len(nations))
        draws.append(tuple(n for n, x in zip(nations, u) if x < probability[n]))
    return draws


def monte_carlo(raw: RawTables, executor: Executor, samples: int, seed: int, progress: Callable | None = None) -> dict:
    """Re-plan each sampled set of withdrawals (stage 1 only: the shortfall is what is asked)."""
    probability = withdrawal_probabilities(raw)
    nations = list(raw.tables["Nations"]["nation"])
    eligible = set(eligible_nations(raw))
    draws = draw_withdrawals(nations, probability, samples, seed)
    # Declining a nation that is not eligible changes nothing: solve each distinct eligible set once.
    canonical = [tuple(n for n in d if n in eligible) for d in draws]
    distinct = sorted(set(canonical), key=lambda d: (len(d), [nations.index(n) for n in d]))
    tasks = [(raw, Variant("withdrawn: " + (", ".join(d) or "none"), decline=d, stage2=False, key=d)) for d in distinct]
    solved = {r.key: r for r in run_all(executor, plan_variant, tasks, progress)}
    results = [solved[d] for d in canonical]

    scores = np.array([r.shortfall_score for r in results], dtype=float)
    personnel = np.array([r.personnel for r in results], dtype=float)
    met = [all(short == 0 for (scope, _t), short in r.target_short.items() if scope == "force") for r in results]  # in every period
    lines = list(dict.fromkeys((u, s) for (u, s, _t) in results[0].line_short)) if results else []

    def filled(r, line) -> bool:  # in every period the line applies in
        return all(short == 0 for (u, s, _t), short in r.line_short.items() if (u, s) == line)

    return {
        "samples": samples,
        "seed": seed,
        "distinct_solves": len(distinct),
        "withdrawal_probability": probability,
        "p_target_met": float(np.mean(met)) if results else 0.0,
        "shortfall_quantiles": {f"q{int(q * 100):02d}": float(np.quantile(scores, q)) for q in QUANTILES} if results else {},
        "personnel_quantiles": {f"q{int(q * 100):02d}": float(np.quantile(personnel, q)) for q in QUANTILES} if results else {},
        "mean_shortfall": float(scores.mean()) if results else 0.0,
        "p_line_filled": [
            {"unit_type": u, "sector": s, "p_filled": float(np.mean([filled(r, (u, s)) for r in results]))} for (u, s) in lines
        ],
        "withdrawals_per_nation": {n: sum(n in d for d in draws) for n in nations if probability[n] > 0},
    }


@dataclass
class StressReport:
    base: dict
    n_minus_1: list
    n_minus_2: list
    monte_carlo: dict

    def to_dict(self) -> dict:
        return {"base": self.base, "n_minus_1": self.n_minus_1, "n_minus_2": self.n_minus_2, "monte_carlo": self.monte_carlo}


def stress(raw: RawTables, executor: Executor, samples: int = 200, seed: int = 0, progress: Callable | None = None,
           from_period: int = 1) -> StressReport:
    """N-1, N-2 and Monte Carlo.  Over several periods (section 5) N-1 and N-2 withdraw each nation from
    ``from_period`` on (a change of government mid-mission): who backfills, from when, which periods go short."""
    periods = int(raw.scenario.get("periods") or 1)
    if not 1 <= from_period <= periods:
        raise ValueError(f"--from-period {from_period} is not a period of this plan (1 to {periods})")
    base = run_all(executor, plan_variant, [(raw, Variant("base"))])[0]
    n1, n2 = n_minus_k(raw, executor, base, progress, from_period)
    mc = monte_carlo(raw, executor, samples, seed, progress)
    base_summary = {"shortfall_score": base.shortfall_score, "personnel": base.personnel, "lines_unfilled": base.lines_unfilled,
                    "nations_taking_part": sum(1 for p in base.nation_personnel.values() if p > 0)}
    if periods > 1:
        base_summary.update(periods=periods, from_period=from_period, labels={str(t): label for t, label in base.labels.items()},
                            period_scores={str(t): score for t, score in base.period_scores.items()})
    return StressReport(base_summary, n1, n2, mc)


def format_stress(report: dict, top: int = 8) -> str:
    base = report["base"]
    labels = base.get("labels") or {}
    name = lambda t: labels.get(str(t), f"P{t}")  # noqa: E731
    out = [f"withdrawal stress — base plan: shortfall score {base['shortfall_score']:,.0f}, {base['personnel']:,} personnel, "
           f"{base['nations_taking_part']} nations"]
    if base.get("periods"):
        out.append(f"over {base['periods']} periods; each nation withdraws from {name(base['from_period'])} on")
    out += ["", "N-1, most damaging first:"]
    for row in sorted(report["n_minus_1"], key=lambda r: -r["shortfall_increase"])[:top]:
        backfill = ", ".join(f"{b['nation']} +{b['units']} {b['unit_type']} @ {b['sector']}" + (f" from {name(b['from_period'])}" if "from_period" in b else "")
                             for b in row["backfilled_by"][:3]) or "nobody"
        short = f"   short in {', '.join(name(t) for t in row['periods_short']) or 'no period'}" if "periods_short" in row else ""
        out.append(f"  without {row['nation']:<16} score {row['shortfall_score']:>9,.0f} (+{row['shortfall_increase']:,.0f})  "
                   f"personnel {row['personnel']:>7,}{short}   backfilled by: {backfill}")
    if report["n_minus_2"]:
        out.append("N-2, most damaging pairs:")
        for row in report["n_minus_2"][:3]:
            out.append(f"  without {' and '.join(row['nations']):<30} score {row['shortfall_score']:>9,.0f} (+{row['shortfall_increase']:,.0f})")
    mc = report["monte_carlo"]
    q = mc["shortfall_quantiles"]
    out.append(f"Monte Carlo: {mc['samples']} samples (seed {mc['seed']}, {mc['distinct_solves']} distinct solves): "
               f"P(force target met) = {mc['p_target_met']:.2f}; shortfall median {q.get('q50', 0):,.0f}, 95th percentile {q.get('q95', 0):,.0f}")
    res = report.get("resilient")
    if res:
        out.append(f"resilient plan (backfill reserves on priority-{res['essential_priority']} lines): "
                   f"shortfall score {res['resilient']['shortfall_score']:,.0f} vs {res['nominal']['shortfall_score']:,.0f} nominal; "
                   f"essential units nobody could replace after a single withdrawal: {res['resilient']['uncovered_essential_units_total']} "
                   f"vs {res['nominal']['uncovered_essential_units_total']}")
    return "\n".join(out)
