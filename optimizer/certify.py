"""Certificates: a plan is called optimal only when its own tables prove it.

HiGHS's word is not taken for the objective of the plan it hands back.  With
a MIP start and presolve on, HiGHS 1.16 can report an objective and a bound
that belong to no plan while its columns hold the start's (``docs/model.md``
§ Certified plans: the root cause and the reproducer).  So after each stage
the solve recomputes the stage's objective from the chosen units exactly as
``CONTRACT.md`` §3 defines it (:func:`plan_objectives`), compares it with
what the solver says of its own columns, and calls the stage proven only when
that recomputed objective is within tolerance of a bound no figure contradicts
(:func:`assess_attempt`, :func:`judge_stage`).  Pandas in, plain dicts out; no
pyomo, so the report and the app read certificates without the solver.

Tolerances.  Stage 1: scores are whole numbers, so a bound above score − 1
proves the score exactly (``STAGE1_PROOF_GAP``).  Stage 2: the Scenario's
``mip_gap`` relative to the recomputed objective, or ``STAGE2_ABS_GAP``
absolute (the solve's own absolute gap).  Figures are compared with
``AGREE_REL``/``AGREE_ABS``: float noise of sums of a few thousand terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

STAGE1_PROOF_GAP = 0.999  # score − bound ≤ this proves an integral score (the solve's stage-1 absolute gap)
STAGE2_ABS_GAP = 1e-6  # the solve's stage-2 absolute gap
AGREE_REL = 1e-7  # two computations of one figure agree within AGREE_REL·|x| + AGREE_ABS
AGREE_ABS = 1e-6

STAGE_NAMES = {"stage1": "shortfall score", "stage2": "sharing"}


def _agree(a: float, b: float) -> bool:
    return abs(a - b) <= AGREE_REL * max(abs(a), abs(b)) + AGREE_ABS


def plan_objectives(data, units: pd.DataFrame) -> tuple[float, float]:
    """(shortfall score, stage-2 objective) of the plan ``units``, exactly as ``CONTRACT.md`` §3 and §5 define them.

    ``units``: rows nation, unit_type, sector, period, units (whole units).
    Computed from those rows and the workbook's figures only — never from the
    model's slack, deviation or indicator variables:

        score  = Σ_t [Σ_{lines applying in t} w(priority)·personnel[u]·max(0, min_units − Σ_n x_t) + Σ_g max(0, target_{g,t} − personnel_{g,t})]
        stage2 = Σ_t [weight_cost·Σ_n cost[n,t] + weight_fairness·Σ_n |personnel[n,t] − fair[n,t]| + weight_nations·#{n : personnel[n,t] > 0}]
                 + weight_churn·Σ_{t≥2} Σ_{n,u,s} |x[n,u,s,t] − x[n,u,s,t−1]|
    """
    sc = data.scenario
    ut = data.unit_types
    u = units[units["units"] != 0] if len(units) else units
    period = u["period"].astype(int) if "period" in u else pd.Series(1, index=u.index, dtype=int)  # without the column: one period
    req = data.requirements
    targets = data.targets
    fair_all = data.nation_periods
    score, stage2 = 0, 0.0
    for t in data.period_list:
        mine = u[period == t] if len(u) else u
        if len(mine):
            personnel = mine["units"].astype(int) * mine["unit_type"].map(ut["personnel"]).astype(int)
            cost = mine["units"].astype(int) * mine["unit_type"].map(ut["annual_cost_musd"]).astype(float) * mine["nation"].map(data.nations["cost_factor"]).astype(float)
            filled = mine.groupby(["unit_type", "sector"])["units"].sum()
            by_nation = personnel.groupby(mine["nation"]).sum()
            cost_by_nation = cost.groupby(mine["nation"]).sum()
            domain = mine["unit_type"].map(ut["domain"])
            planned = {"force": int(personnel.sum()), **{d: int(personnel[domain == d].sum()) for d in ("land", "sea", "air")}}
        else:
            filled, by_nation, cost_by_nation = pd.Series(dtype=int), pd.Series(dtype=int), pd.Series(dtype=float)
            planned = {"force": 0, "land": 0, "sea": 0, "air": 0}
        for unit_type, sector, need, weight, per_unit, first, last in zip(
                req["unit_type"], req["sector"], req["min_units"], req["weight"], req["personnel"], req["from_period"], req["until_period"]):
            if int(first) <= t <= int(last):
                short = max(0, int(need) - int(filled.get((unit_type, sector), 0)))
                score += int(weight) * int(per_unit) * short
        target = targets[targets["period"] == t].set_index("scope")["target"]
        for scope, done in planned.items():
            score += max(0, int(target[scope]) - done)
        nations = data.nations.index
        p = by_nation.reindex(nations, fill_value=0).astype(float)
        fair = fair_all[fair_all["period"] == t].set_index("nation")["fair_personnel"].reindex(nations).astype(float)
        stage2 += (sc.weight_cost * float(cost_by_nation.sum())
                   + sc.weight_fairness * float((p - fair).abs().sum())
                   + sc.weight_nations * int((p > 0).sum()))
    if data.periods > 1 and sc.weight_churn > 0 and len(u):
        held = u.groupby(["nation", "unit_type", "sector", period.rename("period")])["units"].sum().astype(int).to_dict()
        churn = 0
        for (n, unit_type, sector, t), v in held.items():  # each change counted once, at its later period
            if t >= 2:
                churn += abs(v - held.get((n, unit_type, sector, t - 1), 0))
            if t < data.periods and (n, unit_type, sector, t + 1) not in held:
                churn += v  # the units leave in t + 1
        stage2 += sc.weight_churn * churn
    return float(score), float(stage2)


@dataclass
class Attempt:
    """One run of one stage, and what its figures say about each other."""

    start: str  # "stage-1 plan" | "previous plan" | "none"
    presolve: str  # HiGHS's presolve option: "choose" | "off"
    termination: str  # HiGHS's words for how the run ended (run times are in the solver's timings, not here: plans stay byte-comparable)
    solver_objective: float | None = None  # what HiGHS reports for its incumbent
    bound: float | None = None  # HiGHS's proven bound
    columns_objective: float | None = None  # the model's objective recomputed from the columns read back
    objective: float | None = None  # the contract's objective recomputed from the plan's units
    score: float | None = None  # the plan's shortfall score (stage 2: must stay at the stage-1 optimum)
    consistent: bool = False
    disagreement: str = ""  # why not consistent, in words

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def assess_attempt(attempt: Attempt, best_score: float | None = None) -> Attempt:
    """Mark ``attempt`` consistent when its figures cannot all be true otherwise.

    1. HiGHS's reported objective is the model's objective of the columns it returned;
    2. the plan's contract objective is no worse than the model's value of those
       columns (the model's slacks and deviations bound the contract's terms from above);
    3. the bound is no better than a plan that exists (the plan's own objective);
    4. stage 2 only: the plan keeps the stage-1 optimum (``best_score``).
    """
    a = attempt
    if a.objective is None or a.solver_objective is None or a.columns_objective is None:
        a.consistent, a.disagreement = False, "no plan returned"
        return a
    problems = []
    if not _agree(a.solver_objective, a.columns_objective):
        problems.append(f"HiGHS reported {a.solver_objective:,.2f} for columns whose objective is {a.columns_objective:,.2f}")
    if a.objective > a.columns_objective and not _agree(a.objective, a.columns_objective):
        problems.append(f"the plan scores {a.objective:,.2f} on the contract's objective, worse than the model's {a.columns_objective:,.2f}")
    if a.bound is not None and a.bound > a.objective and not _agree(a.bound, a.objective):
        problems.append(f"the bound {a.bound:,.2f} is above the plan's own {a.objective:,.2f}")
    if best_score is not None and a.score is not None and a.score > best_score + 0.5:
        problems.append(f"the plan's shortfall score {a.score:,.0f} is above the stage-1 optimum {best_score:,.0f}")
    a.consistent = not problems
    a.disagreement = "; ".join(problems)
    return a


def within_tolerance(stage: str, objective: float, bound: float, mip_gap: float) -> bool:
    """The stage's proof criterion on a recomputed objective and a trusted bound."""
    slack = objective - bound
    if stage == "stage1":
        return slack <= STAGE1_PROOF_GAP + 1e-9
    return slack <= max(mip_gap * abs(objective), STAGE2_ABS_GAP) + AGREE_REL * abs(objective) + AGREE_ABS


def relative_gap(objective: float | None, bound: float | None) -> float:
    """(objective − bound) / objective, in [0, 1].  Both stages' objectives are ≥ 0, so 0 is always a
    valid bound and the gap never exceeds 1; unknown counts as 1."""
    if objective is None:
        return 1.0
    bound = max(0.0, bound if bound is not None else 0.0)
    if objective - bound <= 1e-9:
        return 0.0
    return min(1.0, (objective - bound) / max(abs(objective), 1e-10))


def plan_gap(stage1: dict, stage2: dict | None, skipped_stage2_objective: float | None = None) -> float:
    """The relative gap a plan is handed out with: its last stage's.  When stage 2 was due but no time
    was left to run it, the plan's stage-2 objective against the only bound known for it, 0 — never
    the 0 of a proven stage 1 under a ``time_limit`` status."""
    if skipped_stage2_objective is not None:
        return relative_gap(skipped_stage2_objective, 0.0)
    return (stage2 or stage1)["gap"]


def judge_stage(stage: str, attempts: list[Attempt], chosen: Attempt | None, mip_gap: float) -> dict:
    """The certificate of one stage: the chosen plan's recomputed objective against the best trusted bound.

    A bound is trusted only from a consistent attempt (0 is always valid: both
    objectives are ≥ 0).  Verdicts: ``proven`` (within the stage's tolerance),
    ``not proven`` (consistent, but the time limit came first), ``unverified``
    (no run's figures agreed with its own plan).
    """
    trusted = [a.bound for a in attempts if a.consistent and a.bound is not None]
    bound = max([0.0, *trusted])
    objective = chosen.objective if chosen is not None else None
    consistent = chosen is not None and chosen.consistent
    if objective is None:
        verdict = "unverified" if any(a.objective is not None for a in attempts) else "not proven"
    elif not consistent:
        verdict = "unverified"
    else:
        verdict = "proven" if within_tolerance(stage, objective, bound, mip_gap) else "not proven"
    recovered = consistent and attempts and attempts[0] is not chosen
    if verdict == "unverified":
        how = "HiGHS's figures disagreed with its own plan in every run: " + (attempts[-1].disagreement or "no plan")
    elif recovered:
        first = attempts[0]
        how = (f"re-solved {'without the MIP start' if chosen.start == 'none' else ''}"
               f"{' and with presolve off' if chosen.presolve == 'off' else ''} after the first run's figures disagreed "
               f"({first.disagreement or first.termination}); the objective recomputed from the plan's units "
               f"{'meets' if verdict == 'proven' else 'is compared with'} that run's bound")
    else:
        how = "objective recomputed from the plan's units; the solver's objective agrees with its columns; compared with its bound"
    return {
        "stage": stage,
        "verdict": verdict,
        "objective": objective,
        "bound": bound,
        "gap": relative_gap(objective, bound),
        "absolute_gap": None if objective is None else max(0.0, objective - bound),
        "tolerance": ("exact: scores are whole numbers, so a bound above score − 1 proves the score" if stage == "stage1"
                      else f"relative gap ≤ mip_gap {mip_gap:g} (or {STAGE2_ABS_GAP:g} absolute)"),
        "mip_gap": None if stage == "stage1" else mip_gap,
        "verified": how,
        "recovered": bool(recovered),
        "attempts": [a.as_dict() for a in attempts],
    }


def overall_status(stage1: dict | None, stage2: dict | None) -> str:
    """``optimal`` only when every stage that ran is proven; ``unverified`` when any stage's figures disagree."""
    stages = [s for s in (stage1, stage2) if s is not None]
    if any(s["verdict"] == "unverified" for s in stages):
        return "unverified"
    if stage1 is not None and all(s["verdict"] == "proven" for s in stages):
        return "optimal"
    return "time_limit"


def _percent(fraction: float) -> str:
    p = 100 * fraction
    return f"{p:.2g} %" if p < 1 else f"{p:.1f} %"


def certificate_words(certificate: dict | None) -> str:
    """The certificate in plain words, one line (the terminal, the workbench, the report).

    e.g. "proven optimal: shortfall score exact; sharing within 0.01 %".
    """
    if not certificate:
        return "no certificate (plan written before certificates existed)"
    s1, s2 = certificate.get("stage1"), certificate.get("stage2")
    if s1 is None:
        return "proven optimal: nothing can be placed, the empty plan is the only plan"
    parts = []
    if s1["verdict"] == "proven":
        parts.append("shortfall score exact")
    elif s1["verdict"] == "unverified":
        parts.append("shortfall score UNVERIFIED (the solver's figures disagree with its plan)")
    else:
        above = s1.get("absolute_gap")
        parts.append(f"shortfall score not proven (at most {above:,.0f} above the optimum)" if above is not None else "shortfall score not proven")
    status = certificate.get("status")
    if status == "interim":
        parts.append("cost, fairness and handovers not yet optimised (stage 2 is running)")
    elif s2 is None:
        parts.append("no sharing objective (all second-stage weights are 0)")
    elif s2["verdict"] == "proven":
        parts.append(f"sharing within {_percent(s2['mip_gap'])}" if s2["mip_gap"] > 0 else "sharing exact")
    elif s2["verdict"] == "unverified":
        parts.append("sharing UNVERIFIED (the solver's figures disagree with its plan)")
    else:
        parts.append(f"sharing not proven (gap {_percent(s2['gap'])} at the time limit)" if s2.get("gap") is not None else "sharing not proven")
    head = {"optimal": "proven optimal", "time_limit": "not proven (time limit)", "unverified": "UNVERIFIED",
            "interim": "provisional"}.get(status, status or "")
    text = f"{head}: " + "; ".join(parts)
    if any(s and s.get("recovered") for s in (s1, s2)):
        text += " (after a re-solve: the first run's figures disagreed with its plan)"
    return text
