"""The report's section "Over time", for a plan over several periods (contract section 5).

The plan's other sections show one period (its weakest, :func:`optimizer.outputs.periods.period_view`);
this one shows the whole mission: when the force reaches its targets and how long it holds them,
the strength of each period against its phased target, the handovers, and the roster — which
nation holds which sector in which period, and who leads.  Built from the plan dict only.
"""

from __future__ import annotations

from reportlab.platypus import Spacer

from optimizer.outputs.periods import handovers, period_labels, roster, summary_sentences
from optimizer.report import charts
from optimizer.report.layout import FRAME_W, Story, table
from optimizer.report.style import AIR, LAND, SEA, SHORT_TEXT, NAVY, money, num

ROSTER_PERIODS = 12  # periods per roster table (more would not fit the page's width)


def over_time(s: Story, plan: dict, number: int) -> None:
    labels = period_labels(plan)
    s.h1(f"{number} Over time")
    s.p(" ".join(summary_sentences(plan)) + " Each period is one tour: a unit deployed in one period rests for its nation's dwell "
        "periods before it can deploy again, and every other rule holds in each period with that period's conditions, nations "
        "and lines. The sections after this one show the weakest period.")

    s.h2("Strength in each period")
    changes = {h["period"]: h for h in handovers(plan)}
    req = plan.get("requirements") or []
    rows, hl = [], set()
    for i, r in enumerate(plan["timeline"]):
        short = max(0, r["force_target"] - r["personnel"])
        lines_short = sum(1 for x in req if x.get("period") == r["period"] and x.get("short_units", 0) > 0)
        h = changes.get(r["period"])
        rows.append([r["label"], num(r["personnel"]), num(r["force_target"]) if r["force_target"] else "no target", num(short),
                     num(r["land"]), num(r["sea"]), num(r["air"]), money(r["cost_musd"]), num(r["shortfall_score"]), num(lines_short),
                     "—" if h is None else f"+{h['arriving']} / −{h['leaving']}"])
        if short or lines_short:
            hl.add(i)
    s.add(table(["Period", "Personnel", "Target", "Short", "Land", "Sea", "Air", "Cost (M USD/yr)", "Score", "Lines short", "Handovers"],
                rows, [44, 50, 48, 40, 42, 36, 36, 56, 44, 40, 53], numeric=set(range(1, 11)), highlight=hl))
    s.caption("Handovers: units arriving / leaving against the period before (stage 2 counts each, weighted by weight_churn).")
    bars = [charts.Row(r["label"], [(r["land"], LAND), (r["sea"], SEA), (r["air"], AIR)], background=r["force_target"] or None,
                       marks=[(r["force_target"], SHORT_TEXT if r["personnel"] < r["force_target"] else NAVY)] if r["force_target"] else [],
                       right=f"{r['personnel']:,} / {r['force_target']:,}") for r in plan["timeline"]]
    s.add(Spacer(1, 6), charts.legend([("Land", LAND, "box"), ("Sea", SEA, "box"), ("Air", AIR, "box"), ("Force target", SHORT_TEXT, "tick")],
                                      FRAME_W))
    for d in charts.bar_rows(bars, FRAME_W, unit="personnel", right_width=80):
        s.add(d)
    s.caption("Personnel planned in each period by domain, against the period's force target (grey; red tick where it is not reached).")

    s.h2("Roster: who holds each sector when")
    s.p("Units each nation holds in each sector, period by period; L marks the lead nation of the sector in that period.")
    entries = roster(plan)
    periods = sorted(labels)
    for start in range(0, len(periods), ROSTER_PERIODS):
        chunk = periods[start:start + ROSTER_PERIODS]
        rows = []
        last_sector = None
        for e in entries:
            if not any(t in e["units"] for t in chunk):
                continue
            cells = [(f"{e['units'][t]}{' L' if t in e['leads'] else ''}" if t in e["units"] else "") for t in chunk]
            rows.append([e["sector"] if e["sector"] != last_sector else "", e["nation"], *cells])
            last_sector = e["sector"]
        width = (FRAME_W - 190) / len(chunk)
        s.add(table(["Sector", "Nation", *(labels[t] for t in chunk)], rows, [95, 95, *([width] * len(chunk))],
                    numeric=set(range(2, 2 + len(chunk)))))
        s.add(Spacer(1, 6))
