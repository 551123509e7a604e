"""The one-screen text summary of a plan, for the terminal."""

from __future__ import annotations

from optimizer.certify import certificate_words
from optimizer.results import PlanResult

MAX_LINES_SHOWN = 12


def format_summary(plan: PlanResult, out_dir: str | None = None) -> str:
    sc, t = plan.scenario, plan.totals
    yn = lambda b: "yes" if b else "no"  # noqa: E731
    lines = [
        f"forceplan — scenario '{sc['name']}'   ceasefire: {yn(sc['ceasefire_in_place'])}   "
        f"UN mandate: {yn(sc['un_mandate'])}   US backstop: {yn(sc['us_backstop'])}",
        "",
        f"{'personnel':<10}{'target':>10}{'planned':>10}{'short':>10}",
    ]
    for r in plan.targets.itertuples():
        lines.append(f"{r.scope:<10}{r.target:>10,}{r.planned:>10,}{r.short:>10,}")
    lines.append("")
    lines.append(f"shortfall score {plan.shortfall_score:,.0f}   yearly cost {t['cost_musd']:,.1f} M USD   units {t['units']:,}")
    by_p = plan.shortfall_by_priority
    lines.append(
        "shortfall by priority: "
        + "   ".join(f"P{int(r.priority)}: {int(r.unfilled_lines)} lines, {int(r.short_personnel):,} personnel" for r in by_p.itertuples())
    )
    unfilled = plan.requirements[plan.requirements["short_units"] > 0].sort_values(["priority", "weighted_shortfall"], ascending=[True, False])
    if len(unfilled):
        lines.append(f"unfilled lines ({len(unfilled)}):")
        for r in unfilled.head(MAX_LINES_SHOWN).itertuples():
            lines.append(f"  P{r.priority} {r.unit_type} @ {r.sector}: {r.filled_units}/{r.min_units} units, short {r.short_units}")
        if len(unfilled) > MAX_LINES_SHOWN:
            lines.append(f"  … and {len(unfilled) - MAX_LINES_SHOWN} more (see plan.xlsx, sheet Requirements)")
    elif len(plan.requirements):
        lines.append("every requirement line is filled")
    else:
        lines.append("the workbook has no requirement lines")
    taking = plan.nations[plan.nations["personnel"] > 0]
    lines.append(f"nations taking part ({len(taking)}): " + ", ".join(f"{r.nation} {r.personnel:,}" for r in taking.itertuples()))
    excluded = plan.nations[~plan.nations["eligible"]]
    if len(excluded):
        lines.append("not eligible: " + ", ".join(f"{r.nation} ({r.ineligible_reason})" for r in excluded.itertuples()))
    lines.append("leads: " + ("; ".join(f"{r.sector}: {r.nation}" for r in plan.leads.itertuples()) or "none"))
    s = plan.solver
    lines.append(f"solver: {s['name']} {s['version']}   status {plan.status}   {s['seconds']:.2f} s   gap {s['gap']:.2e}")
    lines.append(f"certificate: {certificate_words(s.get('certificate'))}")
    if out_dir:
        lines.append(f"written: {out_dir}/plan.json, plan.xlsx, report.pdf")
    for w in plan.warnings:
        lines.append(f"warning: {w}")
    return "\n".join(lines)
