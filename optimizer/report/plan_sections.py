"""The plan's own sections of the report: title page, executive summary, allocation by
nation and by sector, coverage, burden sharing, cost, what binds, method, annex.

Each function appends one section to a :class:`~optimizer.report.layout.Story`;
``numbers`` (from :func:`optimizer.report.build.section_numbers`) gives every
section its number in print order, so cross-references follow it.
"""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.platypus import KeepTogether, NextPageTemplate, PageBreak, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.tableofcontents import TableOfContents

from optimizer import __version__
from optimizer.certify import certificate_words
from optimizer.report import charts, schematic
from optimizer.report.facts import Facts, conditions
from optimizer.report.layout import FRAME_W, Anchor, Heading, Story, date_text, kv_table, table
from optimizer.report.prose import ineligible_sentence, join_names, minister_paragraph
from optimizer.report.style import (
    LIGHT_GREY, MONO, NAVY, SHORT_TEXT, money, num, para_text, pct, signed, styles, yes_no,
)


# ---------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------


def title_page(s: Story, f: Facts, included: list[str] = (), compact_contents: bool = False) -> None:
    st = styles()
    sc, t = f.scenario, f.totals
    force = next(x for x in f.targets if x["scope"] == "force")
    s.add(Spacer(1, 40))
    s.add(Anchor("Title page", "title"))
    s.add(Paragraph("FORCE GENERATION PLAN", st["small"]))
    s.add(Paragraph("Allocation report", st["title"]))
    s.add(Paragraph(para_text(f"Scenario: {sc['name']}"), st["subtitle"]))
    figures = [
        (f"{int(t['personnel']):,}", f"personnel planned of {int(force['target']):,} sought" if force["target"] else "personnel planned"),
        (f"{len(f.taking_part)} / {len(f.nations)}", "nations taking part"),
        (f"{len(f.unfilled)} / {len(f.requirements)}", "requirement lines unfilled"),
    ]
    cells = [[Paragraph(para_text(a), st["figure_big"]) for a, _ in figures], [Paragraph(para_text(b), st["figure_label"]) for _, b in figures]]
    big = Table(cells, colWidths=[FRAME_W / 3] * 3)
    big.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, LIGHT_GREY), ("LINEAFTER", (0, 0), (1, -1), 0.4, LIGHT_GREY),
                             ("TOPPADDING", (0, 0), (-1, 0), 10), ("BOTTOMPADDING", (0, -1), (-1, -1), 10),
                             ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#F7F9FC"))]))
    s.add(big, Spacer(1, 22))
    sha = f.source.get("sha256") or "not recorded"
    rows = [
        ("Date planned", date_text(f) or "not recorded"),
        ("Workbook", f.source.get("workbook") or "not recorded"),
        ("Workbook SHA-256", Paragraph(f'<font name="{MONO}" size="8">{para_text(sha)}</font>', st["body"])),
        *([("Planned by", f.source["planned_by"])] if f.source.get("planned_by") else []),  # set by the workbench: who, signed in
        *([("Inputs SHA-256", Paragraph(f'<font name="{MONO}" size="8">{para_text(f.source["inputs_sha256"])}</font>', st["body"]))]
          if f.source.get("inputs_sha256") else []),  # the workbench's inputs (edited since the workbook was read)
        ("Plan status", f"{f.status}" + ("" if f.status == "optimal" else " (not proven: do not sign off as optimal)" if f.status == "unverified"
                                          else " (a better plan may exist)")),
        ("Certificate", certificate_words((f.solver or {}).get("certificate"))),
        ("Classification", sc["classification"]),
    ]
    if included:
        rows.append(("Analyses included", "; ".join(included)))
    s.add(Paragraph("The plan", st["h2"]), kv_table(rows))
    s.add(Paragraph("Conditions assumed", st["h2"]))
    s.add(kv_table([(label, "yes" if on else "no") for label, on in conditions(sc)]))
    s.add(Paragraph("Force target", st["h2"]))
    trows = []
    for x in f.targets:
        label = "Whole force" if x["scope"] == "force" else f"{x['scope'].capitalize()} forces"
        trows.append((label, f"{x['target']:,} personnel" if x["target"] else "no target"))
    s.add(kv_table(trows))
    s.add(Spacer(1, 16))
    s.p(f"Produced by forceplan {f.source.get('forceplan_version') or __version__} from the plan file alone; every figure is the plan's own.", "small")
    s.add(NextPageTemplate("body"), PageBreak())
    s.items.append(Heading("Contents", 0, "contents", contents=False))
    toc = TableOfContents(dotsMinLevel=0)
    if compact_contents:  # the analyses' sections add some 15 entries: keep the contents on one page
        toc = TableOfContents(dotsMinLevel=0, tableStyle=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                                                     ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                                                                     ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    toc.levelStyles = [st["toc0"], st["toc1"]]
    s.add(toc)


def executive_summary(s: Story, f: Facts, numbers: dict[str, int], points: list[str] = (), over_time: list[str] = ()) -> None:
    s.h1(f"{numbers['summary']} Executive summary")
    view = f.plan.get("period_view")
    if view:
        s.p(" ".join(over_time) + f" Its shortfall score over all {view['periods']} periods is {num(view['plan_shortfall_score'])}; "
            f"each period is in section {numbers['over_time']}. The rest of this report shows the weakest period, {view['label']} "
            f"(the least personnel): every figure from here on is that period's.", "lead")
    s.p(minister_paragraph(f, numbers["by_sector"]), "lead")
    s.h2("What the coalition can field, by domain")
    rows, hl = [], set()
    for i, x in enumerate(f.targets):
        label = "Whole force" if x["scope"] == "force" else x["scope"].capitalize()
        met = pct(x["planned"] / x["target"]) if x["target"] else "—"
        rows.append([label, num(x["target"]) if x["target"] else "no target", num(x["planned"]), num(x["short"]), met])
        if x["short"]:
            hl.add(i)
    s.add(table(["Personnel", "Target", "Planned", "Short", "Target met"], rows, [150, 90, 90, 90, 79], numeric={1, 2, 3, 4}, highlight=hl, zebra=False))
    s.add(Spacer(1, 8), charts.coverage_chart(f.targets, FRAME_W))
    s.caption("Bars: personnel planned; grey: the target; tick: the target (red where it is not reached).")
    s.h2("Unfilled requirement lines, by priority")
    rows = [[f"Priority {b['priority']} ({['essential', 'important', 'desirable'][b['priority'] - 1]})", num(b["lines"]), num(b["unfilled_lines"]),
             num(b["short_units"]), num(b["short_personnel"])] for b in f.by_priority]
    unprioritised = [r for r in f.unfilled if r["priority"] not in (1, 2, 3)]
    if unprioritised:
        rows.append(["Priority not recorded", "", num(len(unprioritised)), num(sum(r["short_units"] for r in unprioritised)), "—"])
    s.add(table(["Priority", "Lines", "Unfilled", "Units short", "Personnel short"], rows, [170, 80, 80, 80, 89], numeric={1, 2, 3, 4},
                highlight={i for i, b in enumerate(f.by_priority) if b["unfilled_lines"]}, zebra=False))
    if f.unfilled:
        s.add(Spacer(1, 6))
        worst = f.unfilled[:10]
        rows = [[f"P{r['priority']}" if r["priority"] else "—", r["sector"], r["unit_type"], f"{r['filled_units']} of {r['min_units']}", num(r["short_units"]),
                 num(r["short_personnel"])] for r in worst]
        s.add(KeepTogether([Paragraph("The most pressing unfilled lines" + (f" (10 of {len(f.unfilled)}; all in section {numbers['coverage']})" if len(f.unfilled) > 10 else ""),
                                      styles()["note"]),
                            table(["Priority", "Sector", "Unit type", "Filled", "Units short", "Personnel short"], rows, [45, 110, 170, 55, 55, 64],
                                  numeric={3, 4, 5})]))
    s.h2("Lead nations")
    if f.leads:
        rows = [[ld["sector"], ld["nation"], num(ld.get("lead_personnel")), num(ld.get("sector_personnel")), pct(ld.get("lead_share"))] for ld in f.leads]
        s.add(table(["Sector", "Lead nation", "Lead's personnel", "Sector personnel", "Lead's share"], rows, [150, 120, 80, 80, 69], numeric={2, 3, 4}))
        s.p(f"Each lead provides at least {pct(f.scenario.get('lead_share'))} of its sector's personnel (the scenario's lead share); a nation leads at most one sector.",
            "note")
    else:
        s.p("No sector has a lead nation in this plan.")
    if f.binds["leaderless"]:
        s.p(f"Needing a lead but without one (and therefore empty): {join_names([x.name for x in f.binds['leaderless']], 30)}.", "note")
    if points:
        s.h2("What the analyses add")
        for text in points:
            s.add(Paragraph(para_text(text), styles()["bullet"], bulletText="•"))


def by_nation(s: Story, f: Facts, numbers: dict[str, int]) -> None:
    s.h1(f"{numbers['by_nation']} Allocation by nation")
    if not f.taking_part:
        s.p("No nation places any units in this plan.")
    else:
        s.p(f"{len(f.taking_part)} nations place {int(f.totals['units']):,} units and {int(f.totals['personnel']):,} personnel, largest contribution first.")
        drawings = charts.nation_domain_chart(f.taking_part, FRAME_W)
        s.add(KeepTogether([charts.legend([("land", charts.LAND, "box"), ("sea", charts.SEA, "box"), ("air", charts.AIR, "box")], FRAME_W), drawings[0]]))
        for d in drawings[1:]:
            s.add(Spacer(1, 4), d)
        s.caption("Personnel each nation places, stacked by domain.")
        s.h2("Contributions")
        rows = []
        for n in f.taking_part:
            rows.append([n["nation"], n["status"], n.get("leads") or "", num(n["land"]), num(n["sea"]), num(n["air"]), num(n["personnel"]), num(n["units"]),
                         money(n["cost_musd"], 0)])
        t = f.totals
        rows.append(["Total", "", "", num(t["land"]), num(t["sea"]), num(t["air"]), num(t["personnel"]), num(t["units"]), money(t["cost_musd"], 0)])
        s.add(table(["Nation", "Status", "Leads", "Land", "Sea", "Air", "Personnel", "Units", "Cost (M USD/yr)"], rows,
                    [95, 55, 90, 45, 40, 40, 50, 35, 55], numeric={3, 4, 5, 6, 7, 8}, total=True))
    if f.idle:
        s.p(f"Eligible but placing nothing: {join_names([n['nation'] for n in f.idle], 40)}.", "note")
    if f.ineligible:
        s.p(f"Not eligible under this scenario: {ineligible_sentence(f)}.", "note")


def by_sector(s: Story, f: Facts, numbers: dict[str, int]) -> None:
    s.h1(f"{numbers['by_sector']} Allocation by sector")
    s.p("Where the force stands: each sector with its lead nation, the personnel placed there and the nations that provide them. "
        "Box colours give the sector's risk; red notes mark sectors with unfilled requirement lines.")
    drawings = schematic.sector_schematic(f.sectors, FRAME_W)
    s.add(drawings[0])
    for d in drawings[1:]:
        s.add(Spacer(1, 6), d)
    s.caption("Schematic of the sectors (approximate positions, not to scale; drawn without map data).")
    s.h2("Sectors")
    rows, hl = [], set()
    for i, x in enumerate(f.sectors):
        lead = x.lead or ("none (needed)" if x.needs_lead else "not required")
        rows.append([x.name, "—" if x.risk is None else str(x.risk), lead, pct(x.lead_share) if x.lead else "", num(len(x.nations)), num(x.by_domain["land"]),
                     num(x.by_domain["sea"]), num(x.by_domain["air"]), num(x.personnel), f"{x.lines_unfilled} of {x.lines}"])
        if x.lines_unfilled:
            hl.add(i)
    s.add(table(["Sector", "Risk", "Lead nation", "Lead share", "Nations", "Land", "Sea", "Air", "Personnel", "Lines short"], rows,
                [100, 28, 80, 42, 38, 42, 36, 36, 48, 49], numeric={1, 3, 4, 5, 6, 7, 8, 9}, highlight=hl))
    s.h2("Nations in each sector")
    rows = [[x.name, x.lead or "", ", ".join(f"{n} {p:,}" for n, p in x.nations) or "none"] for x in f.sectors]
    s.add(table(["Sector", "Lead", "Nations (personnel)"], rows, [100, 80, 319]))


def coverage(s: Story, f: Facts, numbers: dict[str, int]) -> None:
    s.h1(f"{numbers['coverage']} Coverage of the requirement")
    n_short = len(f.unfilled)
    s.p(f"Every line of the statement of requirements, sector by sector. {n_short} of {len(f.requirements)} lines are short "
        f"(highlighted), {sum(r['short_units'] for r in f.unfilled):,} units and {sum(r['short_personnel'] or 0 for r in f.unfilled):,} personnel in all.")
    order = {x.name: i for i, x in enumerate(f.sectors)}
    reqs = sorted(f.requirements, key=lambda r: (order.get(r["sector"], 1e9), r["priority"] or 9))
    rows, hl = [], set()
    for i, r in enumerate(reqs):
        rows.append([r["sector"], r["unit_type"], r.get("domain") or "", str(r["priority"]) if r["priority"] else "—", num(r["min_units"]),
                     "—" if r.get("max_units") is None else num(r["max_units"]), num(r["filled_units"]), num(r["short_units"]), num(r["short_personnel"])])
        if r["short_units"] > 0:
            hl.add(i)
    s.add(table(["Sector", "Unit type", "Domain", "Priority", "Needed", "At most", "Filled", "Short", "Personnel short"], rows,
                [95, 140, 36, 38, 38, 38, 36, 34, 44], numeric={3, 4, 5, 6, 7, 8}, highlight=hl))


def burden(s: Story, f: Facts, numbers: dict[str, int]) -> None:
    s.h1(f"{numbers['burden']} Burden sharing")
    eligible = [n for n in f.nations if n["eligible"]]
    s.p("Each eligible nation's personnel against its fair share of the force target (in proportion to GDP among the eligible nations) "
        "and against its personnel cap (the lesser of its political cap and the sustainable share of its active forces).")
    shown = sorted([n for n in eligible if n["personnel"] > 0 or n["fair_personnel"] > 0 or n["cap_personnel"] > 0],
                   key=lambda n: (-n["fair_personnel"], n["nation"]))
    if not shown:
        s.p("No nation is eligible under this scenario, so there is no burden to share.")
        return
    drawings = charts.burden_chart(shown, FRAME_W)
    s.add(KeepTogether([charts.legend([("personnel placed", NAVY, "box"), ("fair share", SHORT_TEXT, "tick"), ("cap", LIGHT_GREY, "ghost")], FRAME_W),
                        drawings[0]]))
    for d in drawings[1:]:
        s.add(Spacer(1, 4), d)
    s.caption("Nations by fair share, largest first. Bar: personnel placed; tick: fair share; grey: the nation's cap.")
    rows = []
    for n in shown:
        ratio = pct(n["personnel"] / n["fair_personnel"]) if n["fair_personnel"] > 0 else "—"
        rows.append([n["nation"], num(n["personnel"]), num(n["fair_personnel"]), signed(n['personnel'] - n['fair_personnel']), ratio, num(n["cap_personnel"]),
                     pct(n["cap_used"]) if n["cap_used"] is not None else "—"])
    tp = sum(n["personnel"] for n in shown)
    tf = sum(n["fair_personnel"] for n in shown)
    rows.append(["Total", num(tp), num(tf), signed(tp - tf), pct(tp / tf) if tf else "—", num(sum(n["cap_personnel"] for n in shown)), ""])
    s.add(table(["Nation", "Personnel", "Fair share", "Above (+) / below (−) fair share", "Of fair share", "Cap", "Cap used"], rows,
                [110, 60, 60, 85, 60, 60, 64], numeric={1, 2, 3, 4, 5, 6}, total=True))


def cost(s: Story, f: Facts, numbers: dict[str, int]) -> None:
    s.h1(f"{numbers['cost']} Cost by nation")
    if not f.taking_part:
        s.p("No nation places units, so the plan costs nothing.")
        return
    s.p(f"Yearly cost of each nation's contribution (unit costs times the nation's cost factor): {f.totals['cost_musd']:,.1f} million USD a year in all.")
    by_cost = sorted(f.taking_part, key=lambda n: (-n["cost_musd"], n["nation"]))
    top = max(n["cost_musd"] for n in by_cost)
    for d in charts.cost_chart([{**n, "budget_musd": n["budget_musd"] if (n["budget_musd"] or 0) <= 1.5 * top else None} for n in by_cost], FRAME_W):
        s.add(d, Spacer(1, 4))
    s.caption("Bars: yearly cost, M USD; red tick: the nation's mission budget where given (and on the chart's scale).")
    rows = []
    for n in by_cost:
        b = n["budget_musd"]
        per_head = n["cost_musd"] / n["personnel"] * 1000 if n["personnel"] else None
        rows.append([n["nation"], num(n["units"]), num(n["personnel"]), money(n["cost_musd"]), money(per_head, 0) if per_head is not None else "—",
                     money(b) if b is not None else "none", pct(n["cost_musd"] / b) if b else "—"])
    t = f.totals
    rows.append(["Total", num(t["units"]), num(t["personnel"]), money(t["cost_musd"]),
                 money(t["cost_musd"] / t["personnel"] * 1000, 0) if t["personnel"] else "—", "", ""])
    s.add(table(["Nation", "Units", "Personnel", "Cost (M USD/yr)", "Per person (k USD)", "Budget (M USD)", "Budget used"], rows,
                [110, 45, 60, 75, 70, 75, 64], numeric={1, 2, 3, 4, 5, 6}, total=True))


def _reading(r: dict, leaderless: set[str]) -> str:
    if r["sector"] in leaderless:
        return "the sector has no lead nation"
    return "every pledged unit in use" if r["spare_units"] <= 0 else "spare units kept out"


def binds(s: Story, f: Facts, numbers: dict[str, int], causes: dict | None = None) -> None:
    why_section = numbers.get("explain")
    """``causes``: (unit_type, sector) -> the line's causes in a few words, from the explanation analysis (section ``why_section``)."""
    b = f.binds
    leaderless = {x.name for x in b["leaderless"]}
    s.h1(f"{numbers['binds']} What binds")
    if causes is None:
        s.p("What the plan itself shows about its limits: nations at their cap or budget, nations that cannot take part, pledges not used, "
            "and unfilled lines with what the pledges say about them. Why a particular line stays unfilled (a risk limit, a caveat, a cap, a budget, "
            "the lead rule or the interoperability limit) is established by re-planning with the limit lifted; that explanation is not part of this plan file.")
    else:
        s.p("What the plan shows about its limits: nations at their cap or budget, nations that cannot take part, pledges not used, "
            f"and unfilled lines with their causes as the explanation analysis found them (in full, with the levers that would close them, in section {why_section}).")
    s.h2("Nations at their personnel cap")
    if b["at_cap"]:
        rows = [[n["nation"], num(n["personnel"]), num(n["cap_personnel"]), pct(n["cap_used"]), num(n["headroom"]),
                 "at the cap" if n["headroom"] <= 0 else ("no spare pledged unit fits under the cap" if n["blocked"] else f"within {pct(1 - n['cap_used'])} of the cap")]
                for n in b["at_cap"]]
        s.add(table(["Nation", "Personnel", "Cap", "Cap used", "Headroom", "Why listed"], rows, [100, 55, 55, 50, 50, 189], numeric={1, 2, 3, 4}))
    else:
        s.p("No nation is at (or within 5 % of) its cap.")
    if b["at_budget"]:
        s.h2("Nations at their budget")
        rows = [[n["nation"], money(n["cost_musd"]), money(n["budget_musd"]), pct(n["cost_musd"] / n["budget_musd"])] for n in b["at_budget"]]
        s.add(table(["Nation", "Cost (M USD/yr)", "Budget (M USD)", "Budget used"], rows, [160, 110, 110, 119], numeric={1, 2, 3}))
    s.h2("Nations that cannot take part")
    if f.ineligible:
        rows = [[n["nation"], n["status"], n["ineligible_reason"]] for n in f.ineligible]
        s.add(table(["Nation", "Status", "Why not, under this scenario's conditions"], rows, [120, 80, 299]))
    else:
        s.p("Every nation is eligible under this scenario.")
    if f.idle:
        s.h2("Eligible nations placing nothing")
        pledged: dict[str, int] = {}
        for p in f.pledges or []:
            if p.get("max_units", 0) > 0:
                pledged[p["nation"]] = pledged.get(p["nation"], 0) + p["max_units"]
        rows = []
        for n in f.idle:
            units = pledged.get(n["nation"], 0) if f.pledges is not None else None
            if n["cap_personnel"] <= 0:
                why = "its cap is zero"
            elif (n.get("min_personnel") or 0) > n["cap_personnel"]:
                why = "its minimum contribution exceeds its cap"
            elif units == 0:
                why = "pledged nothing"
            else:
                why = "its pledges are not used"
            rows.append([n["nation"], num(n["cap_personnel"]), num(n.get("min_personnel") or 0), "—" if units is None else num(units), why])
        s.add(table(["Nation", "Cap", "Minimum contribution", "Units pledged", "What the plan shows"], rows, [110, 60, 70, 60, 199], numeric={1, 2, 3}))
    s.h2("Unfilled lines and the pledges" if causes is None else "Unfilled lines and their causes")
    if not f.unfilled:
        s.p("Every requirement line is filled.")
    elif not b["pledges_known"]:
        s.p("This plan file does not record the pledges (it was written by an earlier forceplan); plan the workbook again to see which unfilled lines "
            "have no eligible pledge and which pledges go unused.", "note")
    else:
        if b["no_pledge_lines"]:
            s.p("No eligible nation pledges the unit type of these lines, so no plan under these conditions can fill them:", "note")
            rows = [[f"P{r['priority']}" if r["priority"] else "—", r["sector"], r["unit_type"], num(r["short_units"]), num(r["short_personnel"])] for r in b["no_pledge_lines"]]
            if causes is None:
                s.add(table(["Priority", "Sector", "Unit type", "Units short", "Personnel short"], rows, [50, 120, 189, 65, 75], numeric={3, 4}, zebra=False,
                            highlight=set(range(len(rows)))))
            else:
                rows = [row + [causes.get((r["unit_type"], r["sector"]), "no eligible pledge")] for row, r in zip(rows, b["no_pledge_lines"])]
                s.add(table(["Priority", "Sector", "Unit type", "Units short", "Personnel short", f"Causes (section {why_section})"], rows,
                            [40, 90, 120, 40, 50, 159], numeric={3, 4}, zebra=False, highlight=set(range(len(rows)))))
        else:
            s.p("Every unfilled line has at least one eligible nation pledging its unit type.", "note")
        if b["pledged_lines"]:
            s.add(Spacer(1, 6))
            s.p("Eligible nations pledge the unit type of these lines, yet the plan cannot place enough there. Where every pledged unit of the type "
                "is in use, the line competes for them with other lines; where pledged units stay unused, something keeps them out of this sector: "
                "a risk limit, a caveat, a cap, a budget, a minimum contribution, the lead rule or the interoperability limit.", "note")
            rows = [[f"P{r['priority']}" if r["priority"] else "—", r["sector"], r["unit_type"], num(r["short_units"]), num(r["pledging_nations"]),
                     num(r["spare_units"]), _reading(r, leaderless) if causes is None else causes.get((r["unit_type"], r["sector"]), _reading(r, leaderless))]
                    for r in b["pledged_lines"]]
            if causes is None:
                s.add(table(["Priority", "Sector", "Unit type", "Units short", "Nations pledging", "Pledged units unused", "What the plan shows"], rows,
                            [40, 95, 125, 38, 45, 46, 110], numeric={3, 4, 5}))
            else:
                s.add(table(["Priority", "Sector", "Unit type", "Units short", "Nations pledging", "Pledged units unused", f"Causes (section {why_section})"],
                            rows, [38, 78, 105, 38, 45, 46, 149], numeric={3, 4, 5}))
    if b["leaderless"]:
        s.h2("Sectors that need a lead and have none")
        s.p(f"{join_names([x.name for x in b['leaderless']], 40)}: a sector that needs a lead nation can hold units only if an eligible nation that can lead "
            "places units there, provides the lead share and leads no other sector.")
    if b["pledges_known"]:
        s.h2("Pledges not used")
        unused = b["unused_pledges"]
        if unused:
            total_units = sum(p["unused_units"] for p in unused)
            s.p(f"{len(unused)} pledges by eligible nations are not used in full ({total_units:,} units in all).", "note")
            rows = [[p["nation"], p["unit_type"], num(p["max_units"]), num(p.get("used_units", 0)), num(p["unused_units"])] for p in unused]
            s.add(table(["Nation", "Unit type", "Pledged", "Used", "Unused"], rows, [120, 200, 60, 60, 59], numeric={2, 3, 4}))
        elif not any(n["eligible"] for n in f.nations):
            s.p("No nation is eligible, so no pledge can be used.")
        else:
            s.p("Every unit pledged by an eligible nation is used.")


def method(s: Story, f: Facts, numbers: dict[str, int]) -> None:
    sc, sol = f.scenario, f.solver
    s.h1(f"{numbers['method']} Method and assumptions")
    s.h2("The model in words")
    s.p("forceplan chooses how many whole units of each type each nation places on each line of the statement of requirements. "
        "It plans in two stages. First it minimises the shortfall score: every missing unit weighs its personnel times 3 (priority 1), "
        "2 (priority 2) or 1 (priority 3), plus the personnel missing against the force target and each domain target; this stage is "
        "solved to proven optimality. Then, keeping that score, it minimises a weighted sum of the yearly cost, the distance of each nation "
        "from its GDP fair share and (optionally) the number of nations taking part.")
    s.p("Every plan obeys the hard constraints:")
    for text in (
        "Eligibility: a nation that has declined, or whose condition (a ceasefire, a UN mandate, a US backstop) the scenario does not meet, places nothing.",
        "Pledges: no nation places more units of a type than it pledged.",
        "Risk: a nation deploys only to sectors at or below its risk limit.",
        f"Caps: a nation's personnel stay within the lesser of its political cap and {pct(sc.get('sustainable_share'))} of its active forces.",
        "Minimum contributions: a nation sends nothing or at least its minimum worthwhile contribution.",
        "Budgets: a nation's yearly cost stays within its mission budget where one is given.",
        "Interoperability: at most " + (f"{sc['max_nations_per_sector']} nations" if sc.get("max_nations_per_sector") else "any number of nations") + " in one sector.",
        f"Leads: a sector that needs a lead nation and holds units has exactly one, able to lead, providing at least {pct(sc.get('lead_share'))} of the sector's personnel; a nation leads at most one sector.",
        "Line limits and national caveats: no line receives more than it can use, and no nation places units where its caveats forbid.",
    ):
        s.add(Paragraph(para_text(text), styles()["bullet"], bulletText="•"))
    s.h2("Scenario parameters")
    rows = [
        ("Force target", f"{int(sc['force_target']):,} personnel (land {int(sc.get('land_target') or 0):,}, sea {int(sc.get('sea_target') or 0):,}, air {int(sc.get('air_target') or 0):,})"),
        ("Ceasefire in place / UN mandate / US backstop", f"{yes_no(sc.get('ceasefire_in_place'))} / {yes_no(sc.get('un_mandate'))} / {yes_no(sc.get('us_backstop'))}"),
        ("Sustainable share of active forces", pct(sc.get("sustainable_share"), 1)),
        ("Lead share", pct(sc.get("lead_share"))),
        ("Most nations per sector", str(sc["max_nations_per_sector"]) if sc.get("max_nations_per_sector") else "no limit"),
        ("Weights: cost / fairness / nations", f"{sc.get('weight_cost', '—')} / {sc.get('weight_fairness', '—')} / {sc.get('weight_nations', '—')}"),
        ("Time limit / relative gap", f"{sc.get('time_limit_s', '—')} s / {sc.get('mip_gap', '—')}"),
    ]
    s.add(kv_table(rows, widths=(190, 309)))
    s.h2("Solver")
    gap = sol.get("gap")
    seconds = sol.get("seconds")
    cert = sol.get("certificate")
    rows = [
        ("Solver", f"{sol.get('name', '—')} {sol.get('version', '')}".strip()),
        ("Status", f"{f.status}"),
        ("Certificate", certificate_words(cert)),
        *_certificate_rows(cert),
        ("Relative gap (stage 2)", f"{gap:.2e}" if isinstance(gap, (int, float)) else "—"),
        ("Solve time", f"{seconds:.2f} s" if isinstance(seconds, (int, float)) else "—"),
        ("Shortfall score", num(f.plan.get("shortfall_score"))),
        ("Model size", f"{sol['variables']:,} variables, {sol['constraints']:,} constraints, {sol['placements']:,} possible placements"
         if all(isinstance(sol.get(k), int) for k in ("variables", "constraints", "placements")) else "not recorded"),
        ("forceplan version", f.source.get("forceplan_version") or "not recorded"),
    ]
    s.add(kv_table(rows, widths=(190, 309)))
    s.h2("Provenance")
    s.add(kv_table([
        ("Planned by", f.source.get("planned_by") or "not recorded (planned with the command line)"),
        ("From the workbook", f"{f.source.get('workbook') or 'not recorded'} (SHA-256 {f.source.get('sha256') or 'not recorded'})"),
        ("Inputs as planned (SHA-256)", f.source.get("inputs_sha256") or "the workbook's, unchanged"),
    ], widths=(190, 309)))
    if f.warnings:
        s.h2("Warnings from the workbook")
        for w in f.warnings:
            s.add(Paragraph(para_text(w), styles()["bullet"], bulletText="•"))


def _certificate_rows(cert: dict | None) -> list[tuple[str, str]]:
    """Per stage: the objective recomputed from the plan, the bound it is proven against, and how."""
    rows = []
    for key, label in (("stage1", "Shortfall score (stage 1)"), ("stage2", "Sharing objective (stage 2)")):
        c = (cert or {}).get(key)
        if not c or c.get("objective") is None:
            continue
        if key == "stage1":  # scores are whole numbers
            verdict = {"proven": "proven exact"}.get(c["verdict"], c["verdict"])
            rows.append((label, f"{c['objective']:,.0f} recomputed from the plan's tables; bound {c['bound']:,.2f}; {verdict}"))
        else:
            rows.append((label, f"{c['objective']:,.2f} recomputed from the plan's tables; bound {c['bound']:,.2f}; "
                                f"gap {100 * c['gap']:.3g} %; {c['verdict']}"))
        rows.append(("How it was verified", c.get("verified", "")))
    return rows


def annex(s: Story, f: Facts) -> None:
    s.h1("Annex A Full allocation")
    if not f.allocations:
        s.p("The plan places no units.")
        return
    s.p(f"Every placement of the plan: {len(f.allocations):,} rows, by nation, then requirement line.")
    rows = [[a["nation"], a["sector"], a["unit_type"], a.get("domain") or "", num(a["units"]), num(a["personnel"]), money(a["cost_musd"])] for a in f.allocations]
    t = f.totals
    rows.append(["Total", "", "", "", num(t["units"]), num(t["personnel"]), money(t["cost_musd"])])
    s.add(table(["Nation", "Sector", "Unit type", "Domain", "Units", "Personnel", "Cost (M USD/yr)"], rows, [90, 95, 150, 36, 32, 46, 50],
                numeric={4, 5, 6}, total=True))
