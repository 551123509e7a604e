"""The one-screen text summary of a plan, for the terminal."""

from __future__ import annotations

from optimizer.certify import certificate_words
from optimizer.results import PlanResult

MAX_LINES_SHOWN = 12


def format_summary(plan: PlanResult, out_dir: str | None = None) -> str:
    if plan.timeline is not None:
        return format_summary_over_time(plan, out_dir)
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
    return "\n".join([*lines, *_footer(plan, out_dir)])


def _footer(plan: PlanResult, out_dir: str | None) -> list[str]:
    """The solver, the certificate, what was written, the warnings."""
    s = plan.solver
    lines = [f"solver: {s['name']} {s['version']}   status {plan.status}   {s['seconds']:.2f} s   gap {s['gap']:.2e}",
             f"certificate: {certificate_words(s.get('certificate'))}"]
    if out_dir:
        lines.append(f"written: {out_dir}/plan.json, plan.xlsx, report.pdf")
    return lines + [f"warning: {w}" for w in plan.warnings]


def _spans(periods: list[int], labels: dict[int, str]) -> str:
    """Consecutive periods as ranges of their labels: "2027-01–2027-07, 2028-07"."""
    out, run = [], []
    for p in sorted(periods):
        if run and p != run[-1] + 1:
            out.append(run)
            run = []
        run.append(p)
    if run:
        out.append(run)
    return ", ".join(labels[r[0]] if len(r) == 1 else f"{labels[r[0]]}–{labels[r[-1]]}" for r in out)


def format_summary_over_time(plan: PlanResult, out_dir: str | None = None) -> str:
    """The summary of a plan over several periods (contract section 5): strength per period against its
    target, the periods where lines go unfilled, who takes part and leads when."""
    sc, t, tl = plan.scenario, plan.totals, plan.timeline
    labels = dict(zip(tl["period"], tl["label"]))
    yn = lambda b: "yes" if b else "no"  # noqa: E731

    def condition(flag, start):
        return f"from {labels[sc[start]]}" if sc.get(start) else yn(sc[flag])

    lines = [
        f"forceplan — scenario '{sc['name']}'   {plan.periods} periods of {sc['period_months']} months   ceasefire: "
        f"{condition('ceasefire_in_place', 'ceasefire_from')}   UN mandate: {condition('un_mandate', 'un_mandate_from')}   "
        f"US backstop: {condition('us_backstop', 'us_backstop_from')}",
        "",
        f"{'period':<9}{'personnel':>10}{'target':>9}{'short':>8}{'land':>8}{'sea':>7}{'air':>7}{'cost M USD':>12}{'score':>9}{'lines short':>13}",
    ]
    req = plan.requirements
    for r in tl.itertuples():
        short = int((req.loc[req["period"] == r.period, "short_units"] > 0).sum())
        lines.append(f"{r.label:<9}{r.personnel:>10,}{r.force_target:>9,}{max(0, r.force_target - r.personnel):>8,}{r.land:>8,}"
                     f"{r.sea:>7,}{r.air:>7,}{r.cost_musd:>12,.1f}{r.shortfall_score:>9,}{short:>13}")
    lines.append("")
    lines.append(f"shortfall score {plan.shortfall_score:,.0f} (over all periods)   weakest period {labels[t['period']]}: "
                 f"{t['personnel']:,} personnel, {t['units']:,} units, {t['cost_musd']:,.1f} M USD a year")
    unfilled = req[req["short_units"] > 0]
    if len(unfilled):
        by_line = unfilled.groupby(["priority", "unit_type", "sector"], sort=False)
        keyed = sorted(by_line, key=lambda kv: (kv[0][0], -kv[1]["weighted_shortfall"].sum()))
        lines.append(f"unfilled lines ({len(keyed)}, in {unfilled['period'].nunique()} of {plan.periods} periods):")
        for (priority, unit_type, sector), rows in keyed[:MAX_LINES_SHOWN]:
            worst = int(rows["short_units"].max())
            lines.append(f"  P{priority} {unit_type} @ {sector}: short in {_spans(list(rows['period']), labels)} (at most {worst} of "
                         f"{int(rows['min_units'].max())} units)")
        if len(keyed) > MAX_LINES_SHOWN:
            lines.append(f"  … and {len(keyed) - MAX_LINES_SHOWN} more (see plan.xlsx, sheet Requirements)")
    elif len(req):
        lines.append("every requirement line is filled in every period")
    else:
        lines.append("the workbook has no requirement lines")
    nat = plan.nations
    taking = nat[nat["personnel"] > 0].groupby("nation", sort=False)
    lines.append(f"nations taking part ({len(taking)}): " + ", ".join(
        f"{n} up to {int(rows['personnel'].max()):,} ({_spans(list(rows['period']), labels)})" for n, rows in taking))
    out = nat[~nat["eligible"]].groupby("nation", sort=False)
    if len(out):
        def why(rows):
            return "; ".join(f"{_spans(list(g['period']), labels)}: {reason}" for reason, g in rows.groupby("ineligible_reason", sort=False))
        lines.append("not eligible: " + ", ".join(f"{n} ({why(rows)})" for n, rows in out))
    leads = plan.leads.groupby(["sector", "nation"], sort=False)
    lines.append("leads: " + ("; ".join(f"{s}: {n} ({_spans(list(rows['period']), labels)})" for (s, n), rows in leads) or "none"))
    return "\n".join([*lines, *_footer(plan, out_dir)])
