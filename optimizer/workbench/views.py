"""What the workbench shows of a plan, from its ``plan.json`` dict (pandas only).

Every function takes the dict :func:`optimizer.outputs.plan_to_dict` returns
(or a saved ``plan.json``), so a plan solved a minute ago, one saved last
month and one restored with a draft are all shown the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from optimizer.certify import certificate_words
from optimizer.outputs.periods import handovers

SCOPES = ("force", "land", "sea", "air")


# --------------------------------------------------------------------------- one plan


def frame(plan: dict, table: str) -> pd.DataFrame:
    """One of the plan's tables (allocations, requirements, nations, leads, targets)."""
    return pd.DataFrame(plan.get(table) or [])


@dataclasses.dataclass(frozen=True)
class Headline:
    status: str
    shortfall_score: float
    planned: dict  # scope -> personnel
    target: dict  # scope -> personnel
    lines: int
    lines_filled: int
    nations_taking_part: int
    nations_eligible: int
    cost_musd: float
    units: int
    solve_seconds: float

    def short(self, scope: str) -> int:
        return max(0, int(self.target.get(scope, 0)) - int(self.planned.get(scope, 0)))


def headline(plan: dict) -> Headline:
    targets = {t["scope"]: t for t in plan.get("targets") or []}
    totals = plan.get("totals") or {}
    reqs = plan.get("requirements") or []
    nations = plan.get("nations") or []
    planned = {s: int(targets[s]["planned"]) if s in targets else int(totals.get("personnel" if s == "force" else s, 0)) for s in SCOPES}
    target = {s: int(targets[s]["target"]) if s in targets else int((plan.get("scenario") or {}).get(f"{s}_target", 0) or 0) for s in SCOPES}
    return Headline(
        status=str(plan.get("status", "")),
        shortfall_score=float(plan.get("shortfall_score") or 0),
        planned=planned,
        target=target,
        lines=len(reqs),
        lines_filled=sum(1 for r in reqs if int(r.get("short_units") or 0) == 0),
        nations_taking_part=int(totals.get("nations_taking_part", sum(1 for n in nations if (n.get("personnel") or 0) > 0))),
        nations_eligible=sum(1 for n in nations if n.get("eligible")),
        cost_musd=float(totals.get("cost_musd") or 0),
        units=int(totals.get("units") or 0),
        solve_seconds=float((plan.get("solver") or {}).get("seconds") or 0),
    )


def allocations_table(plan: dict) -> pd.DataFrame:
    cols = ["nation", "unit_type", "sector", "domain", "units", "personnel", "cost_musd"]
    a = frame(plan, "allocations")
    return a.reindex(columns=cols) if len(a) else pd.DataFrame(columns=cols)


def nations_table(plan: dict) -> pd.DataFrame:
    cols = ["nation", "status", "eligible", "ineligible_reason", "personnel", "land", "sea", "air", "cap_personnel", "cap_used",
            "fair_personnel", "fair_gap", "cost_musd", "budget_musd", "leads"]
    n = frame(plan, "nations")
    return n.reindex(columns=cols) if len(n) else pd.DataFrame(columns=cols)


def requirements_table(plan: dict) -> pd.DataFrame:
    cols = ["priority", "unit_type", "sector", "domain", "min_units", "max_units", "filled_units", "short_units", "short_personnel", "weighted_shortfall"]
    r = frame(plan, "requirements")
    return r.reindex(columns=cols) if len(r) else pd.DataFrame(columns=cols)


def sector_table(plan: dict) -> pd.DataFrame:
    """Personnel per (sector, nation), with the sector's lead marked."""
    a = frame(plan, "allocations")
    if a.empty:
        return pd.DataFrame(columns=["sector", "nation", "personnel", "lead"])
    leads = {r["sector"]: r["nation"] for r in plan.get("leads") or []}
    g = a.groupby(["sector", "nation"], sort=False)["personnel"].sum().reset_index()
    g["lead"] = [leads.get(s) == n for s, n in zip(g["sector"], g["nation"])]
    return g


def unfilled_lines(plan: dict) -> pd.DataFrame:
    r = requirements_table(plan)
    return r[r["short_units"] > 0].sort_values(["priority", "weighted_shortfall"], ascending=[True, False])


def timeline_table(plan: dict) -> pd.DataFrame:
    """One row per period (section 5): strength, target, short, domains, cost, score, lines short, handovers."""
    cols = ["period", "label", "personnel", "force_target", "short", "land", "sea", "air", "cost_musd", "shortfall_score",
            "lines_short", "arriving", "leaving"]
    t = frame(plan, "timeline")
    if t.empty:
        return pd.DataFrame(columns=cols)
    t["short"] = (t["force_target"] - t["personnel"]).clip(lower=0)
    req = frame(plan, "requirements")
    short = req[req["short_units"] > 0].groupby("period").size() if len(req) else pd.Series(dtype=int)
    t["lines_short"] = t["period"].map(short).fillna(0).astype(int)
    moves = {h["period"]: h for h in handovers(plan)}
    t["arriving"] = [moves[p]["arriving"] if p in moves else 0 for p in t["period"]]
    t["leaving"] = [moves[p]["leaving"] if p in moves else 0 for p in t["period"]]
    return t[cols]


# --------------------------------------------------------------------------- several plans


def _names(plans: Mapping[str, dict]) -> list[str]:
    names = list(plans)
    if len(names) < 1:
        raise ValueError("nothing to compare")
    return names


def compare_headlines(plans: Mapping[str, dict]) -> pd.DataFrame:
    """Headline figures side by side: one row per figure, one column per scenario,
    then a Δ column per scenario against the first (the baseline).  Each plan's
    status is ``headline(plan).status``."""
    names = _names(plans)
    heads = {n: headline(p) for n, p in plans.items()}
    rows = [
        ("shortfall score", lambda h: h.shortfall_score),
        *[(f"{s} personnel", (lambda s: lambda h: h.planned[s])(s)) for s in SCOPES],
        *[(f"{s} target", (lambda s: lambda h: h.target[s])(s)) for s in SCOPES],
        ("requirement lines filled", lambda h: h.lines_filled),
        ("requirement lines", lambda h: h.lines),
        ("nations taking part", lambda h: h.nations_taking_part),
        ("yearly cost (M USD)", lambda h: round(h.cost_musd, 1)),
        ("units", lambda h: h.units),
    ]
    data = {n: [get(heads[n]) for _, get in rows] for n in names}
    out = pd.DataFrame(data, index=[label for label, _ in rows])
    out.index.name = "figure"
    base = names[0]
    for n in names[1:]:
        out[f"Δ {n}"] = out[n] - out[base]
    return out


def compare_nations(plans: Mapping[str, dict]) -> pd.DataFrame:
    """Personnel per nation per scenario, and Δ against the first; nations in
    order of first appearance, only those taking part in at least one."""
    names = _names(plans)
    per: dict[str, dict[str, int]] = {}
    order: dict[str, None] = {}
    for n in names:
        per[n] = {}
        for row in plans[n].get("nations") or []:
            order.setdefault(row["nation"], None)
            per[n][row["nation"]] = int(row.get("personnel") or 0)
    out = pd.DataFrame({n: [per[n].get(k, 0) for k in order] for n in names}, index=pd.Index(list(order), name="nation"))
    base = names[0]
    for n in names[1:]:
        out[f"Δ {n}"] = out[n] - out[base]
    return out[(out[names] > 0).any(axis=1)]


def compare_timeline(plans: Mapping[str, dict]) -> pd.DataFrame:
    """Personnel per period per scenario, and Δ against the first (section 5): one row per period,
    labelled as the first plan that has it labels it; a one-period plan is its period 1; a plan with
    fewer periods has no figure (None) in the others, so no Δ there."""
    names = _names(plans)
    per: dict[str, dict[int, int]] = {}
    labels: dict[int, str] = {}
    for n in names:
        t = frame(plans[n], "timeline")
        if t.empty:
            per[n] = {1: int((plans[n].get("totals") or {}).get("personnel") or 0)}
            labels.setdefault(1, "P1")
        else:
            per[n] = {int(p): int(x) for p, x in zip(t["period"], t["personnel"])}
            for p, label in zip(t["period"], t["label"]):
                labels.setdefault(int(p), str(label))
    periods = sorted(set().union(*per.values()))
    out = pd.DataFrame({n: pd.array([per[n].get(t) for t in periods], dtype="Int64") for n in names},
                       index=pd.Index([labels[t] for t in periods], name="period"))
    base = names[0]
    for n in names[1:]:
        out[f"Δ {n}"] = out[n] - out[base]
    return out


def compare_lines(plans: Mapping[str, dict]) -> pd.DataFrame:
    """Filled units per requirement line per scenario (with each scenario's
    min_units), and Δ filled against the first."""
    names = _names(plans)
    order: dict[tuple, None] = {}
    filled: dict[str, dict[tuple, int]] = {}
    need: dict[tuple, int] = {}
    prio: dict[tuple, int] = {}
    for n in names:
        filled[n] = {}
        for r in plans[n].get("requirements") or []:
            k = (r["unit_type"], r["sector"])
            order.setdefault(k, None)
            filled[n][k] = int(r.get("filled_units") or 0)
            need.setdefault(k, int(r.get("min_units") or 0))
            prio.setdefault(k, int(r.get("priority") or 2))
    keys = list(order)
    out = pd.DataFrame(
        {
            "priority": [prio[k] for k in keys],
            "unit_type": [k[0] for k in keys],
            "sector": [k[1] for k in keys],
            "min_units": [need[k] for k in keys],
            **{n: [filled[n].get(k, 0) for k in keys] for n in names},
        }
    )
    base = names[0]
    for n in names[1:]:
        out[f"Δ {n}"] = out[n] - out[base]
    return out


def changed_only(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a comparison where any Δ column is not zero."""
    deltas = [c for c in table.columns if str(c).startswith("Δ ")]
    if not deltas:
        return table.iloc[0:0]
    return table[(table[deltas] != 0).any(axis=1)]


def certificate_notice(plan: dict) -> tuple[str, str]:
    """(kind, text) of the Plan page's certificate line: ``caption`` for a proven plan,
    ``warning`` for one stopped by the time limit, ``error`` for an unverified one,
    ``info`` for the interim plan shown while stage 2 runs."""
    cert = (plan.get("solver") or {}).get("certificate")
    words = cert.get("summary") if isinstance(cert, dict) and isinstance(cert.get("summary"), str) else certificate_words(None)
    status = plan.get("status")
    if status == "interim":
        return "info", ("**Provisional plan** — stage 1 is done: the shortfall score is exact and the lines filled are final. "
                        "Cost, fairness and handovers are not yet optimised and change when stage 2 ends (its progress is in "
                        "the sidebar). Downloads and saving wait for the final plan.")
    if status == "unverified":
        return "error", f"**Certificate:** {words}. The plan is valid but not proven: do not sign it off as optimal."
    if status == "optimal":
        return "caption", f":material/verified: **Certificate:** {words}"
    return "warning", f"**Certificate:** {words}"



# --------------------------------------------------------------------------- a nation's own view (liaisons)

#: What of a plan a nation's liaison sees: the coalition's totals and what is still short, and the rows of its
#: own nation — an allow-list, so a table added to plan.json later stays hidden until it is added here.
COALITION_KEYS = ("status", "shortfall_score", "totals", "targets", "shortfall_by_priority", "requirements", "sectors", "timeline")
OWN_ROW_KEYS = ("allocations", "nations", "leads", "pledges")
SCENARIO_KEYS = ("name", "force_target", "land_target", "sea_target", "air_target", "periods", "period_months", "start_month",
                 "classification")


def nation_view(plan: dict, nation: str) -> dict:
    """The plan as ``nation``'s liaison may see it: the coalition's figures (status, score, totals by domain and
    period, targets, lines still short) and its own rows; no other nation's name, units, pledges or figures
    (a lead is kept only where the nation leads; the warnings, which may name nations, are left out)."""
    view: dict = {"nation": nation}
    for key in COALITION_KEYS:
        if key in plan:
            view[key] = plan[key]
    view["scenario"] = {k: v for k, v in (plan.get("scenario") or {}).items() if k in SCENARIO_KEYS}
    for key in OWN_ROW_KEYS:
        view[key] = [r for r in plan.get(key) or [] if r.get("nation") == nation]
    solver = plan.get("solver") or {}
    view["solver"] = {k: solver[k] for k in ("status", "gap", "stage1_proven") if k in solver}
    return view
