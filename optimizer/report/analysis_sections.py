"""The report's sections for the analyses: Why the gaps, Withdrawal stress, Frontiers.

Each reads one normalised analysis (:mod:`optimizer.report.analyses`) and the
plan's :class:`~optimizer.report.facts.Facts`; a section appears only when its
analysis was given.  An analysis run on a different plan (another shortfall
score) is still shown, under a note saying so.
"""

from __future__ import annotations

from reportlab.platypus import KeepTogether, Paragraph, Spacer

from optimizer.report import charts
from optimizer.schema import SWITCHES
from optimizer.report.layout import FRAME_W, Story, kv_table, table
from optimizer.report.prose import join_names
from optimizer.report.facts import Facts
from optimizer.report.style import LIGHT_GREY, NAVY, SHORT_TEXT, num, para_text, pct, signed, styles

TITLES = {"explain": "Why the gaps", "stress": "Withdrawal stress", "frontier": "Frontiers"}
CAUSES_PER_LINE = 10  # causes listed per unfilled line before "and k more"
BACKFILL_LISTED = 4
LINES_LISTED = 6
CELL_TEXT = 400  # characters of a joined list in one table cell before it is cut with '…' (so no row outgrows a page)
LEAST_LIKELY = 15

# what kept a pledge off a line: (in a sentence, in a few words)
CAUSES = {
    "declined": ("the nation has declined", "declined"),
    "condition:ceasefire_in_place": ("the nation needs a ceasefire", "needs a ceasefire"),
    "condition:un_mandate": ("the nation needs a UN mandate", "needs a UN mandate"),
    "condition:us_backstop": ("the nation needs a US backstop", "needs a US backstop"),
    "risk": ("the sector is above the nation's risk limit", "risk limit"),
    "caveat": ("a national caveat forbids it", "caveat"),
    "pledge_used": ("the pledged units are used on other lines", "used on other lines"),
    "cap_political": ("the nation is at its political cap", "political cap"),
    "cap_sustainable": ("the nation is at its sustainable cap (share of active forces)", "sustainable cap"),
    "budget": ("the nation is at its budget", "budget"),
    "minimum": ("the nation's minimum contribution cannot be reached", "minimum contribution"),
    "interoperability": ("the sector already holds the most nations allowed", "interoperability limit"),
    "no_lead": ("the sector has no eligible lead nation", "no lead nation"),
    "trade_off": ("the optimum places the nation's personnel elsewhere", "placed elsewhere"),
    # over several periods (contract section 5)
    "not_yet_available": ("the nation is not yet available in that period", "not yet available"),
    "no_longer_available": ("the nation is no longer available in that period", "no longer available"),
    "resting": ("the pledged units rest between tours (dwell)", "resting (dwell)"),
    "condition_later:ceasefire_in_place": ("the nation needs a ceasefire, which holds only from a later period", "ceasefire later"),
    "condition_later:un_mandate": ("the nation needs a UN mandate, which holds only from a later period", "UN mandate later"),
    "condition_later:us_backstop": ("the nation needs a US backstop, which holds only from a later period", "US backstop later"),
}


def cause_words(code: str, short: bool = False) -> str:
    if code in CAUSES:
        return CAUSES[code][1 if short else 0]
    if code.startswith("condition:"):
        return f"needs {code.split(':', 1)[1].replace('_', ' ')}"
    return code.replace("_", " ")


def _line_key(unit_type: str, sector: str) -> str:
    return f"{unit_type} @ {sector}"


def _clip(text: str, limit: int = CELL_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _capped(items: list[str], limit: int, more: str = "more") -> list[str]:
    if len(items) <= limit:
        return list(items)
    return items[:limit] + [f"… and {len(items) - limit} {more}"]


def _stale(s: Story, what: str, score, plan_score, command: str) -> None:
    s.p(f"<font color=\"#C00000\"><b>Note:</b></font> this {para_text(what)} was run on a plan whose shortfall score is {para_text(num(score))}; the plan of this report scores "
        f"{para_text(num(plan_score))}. It belongs to another plan (other settings or an edited workbook): re-run "
        f"<font name=\"Courier\">{para_text(command)}</font> on the same workbook and settings to bring it up to date.", "note", markup=True)


def _dropped(s: Story, n: int, file: str) -> None:
    if n:
        s.p(f"{n:,} entr{'y' if n == 1 else 'ies'} of {file} could not be read (a value missing or of the wrong type) and {'is' if n == 1 else 'are'} left out.", "note")


_BULLET = None


def _bullet_style():
    global _BULLET
    if _BULLET is None:
        from reportlab.lib.styles import ParagraphStyle

        _BULLET = ParagraphStyle("cell_bullet", parent=styles()["cell"], leftIndent=7, bulletIndent=0, bulletFontSize=7.5, spaceAfter=1)
    return _BULLET


def _cell(lines: list[str]) -> list[Paragraph] | str:
    """Several short texts in one table cell, each a bullet of its own."""
    if not lines:
        return "—"
    return [Paragraph(para_text(x), _bullet_style(), bulletText="•") for x in lines]


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------
# explain.json
# ---------------------------------------------------------------------------


def line_reasons(line: dict) -> str:
    """A line's causes in a few words, grouped by cause: 'caveat: Germany, Romania; needs a UN mandate: Italy'."""
    groups: dict[str, list[str]] = {}
    for p in line["pledges"]:
        if p["causes"] == ["trade_off"] and not p["free"]:
            continue
        for c in p["causes"] or ["?"]:
            names = groups.setdefault(cause_words(c, short=True), [])
            if p["nation"] not in names:
                names.append(p["nation"])
    parts = [f"{label}: {join_names(names, 6)}" for label, names in groups.items()]
    if not parts:
        no_pledge = next((c for c in line["causes"] if c.startswith("no nation pledged")), None)
        return no_pledge or "; ".join(line["causes"][:2]) or "no pledge could reach this line"
    return _clip("; ".join(parts))


def why_by_line(e: dict, leaderless: set[str] = frozenset(), period: int | None = None) -> dict[tuple[str, str], str]:
    """(unit_type, sector) -> the line's causes in a few words, for the What binds section
    (over several periods: the causes in ``period``, the one the section shows).

    Lines in a sector that needs a lead and has none say so first (the plan shows it).
    """
    out = {}
    for ln in e["lines"]:
        if period is not None and ln.get("period", period) != period:
            continue
        text = line_reasons(ln)
        if ln["sector"] in leaderless and "no lead nation" not in text:
            text = "the sector has no lead nation; " + text
        out[(ln["unit_type"], ln["sector"])] = text
    return out


def why_the_gaps(s: Story, f: Facts, e: dict, number: int, matches: bool | None) -> None:
    s.h1(f"{number} {TITLES['explain']}")
    s.p("From the explanation analysis (forceplan explain, explain.json). For each unfilled requirement line, every nation that pledged its "
        "unit type is examined for what kept its units off the line. Then every change that could remove a cause — a condition met; a political "
        "cap, budget, caveat or risk limit lifted; the interoperability limit dropped — is re-planned on its own, and the changes (levers) are "
        "ranked by how much they cut the shortfall score.")
    if matches is False:
        _stale(s, "explanation", e["shortfall_score"], f.plan.get("shortfall_score"), "forceplan explain")
    if not e["lines"] and not e["targets"] and not e["levers"]:
        s.p("Nothing to explain: the plan analysed fills every requirement line and meets every target.")
        _dropped(s, e["dropped"], "explain.json")
        return
    _levers(s, e)
    _cause_summary(s, e)
    _line_causes(s, e)
    _target_causes(s, e)
    _dropped(s, e["dropped"], "explain.json")


def _levers(s: Story, e: dict) -> None:
    levers = e["levers"]
    base = e["shortfall_score"]
    s.h2("Levers, best first")
    if not levers:
        s.p("No lever was found to try: nothing the analysis can change (a condition, a cap, a budget, a caveat, a risk limit, the "
            "interoperability limit or the lead share) stands in the way of the unfilled lines.")
        return
    s.p(("Against the analysed plan's shortfall score of " + num(base) + ". " if base is not None else "")
        + "Score cut: how much lower the shortfall score is with the lever alone. Personnel gain: the change in personnel planned. "
        "Lines filled: unfilled lines the lever fills completely; some levers in turn leave short a line the plan fills.", "note")
    rows = []
    for i, lv in enumerate(levers, start=1):
        before = lv["lines_unfilled_before"]
        filled = f"{len(lv['lines_filled'])} of {num(before)}" if before is not None else num(len(lv["lines_filled"]))
        which = []
        if lv["lines_filled"]:
            which.append(Paragraph("<b>Fills:</b> " + para_text(_clip("; ".join(_capped(lv["lines_filled"], LINES_LISTED)))), styles()["cell"]))
        if lv["lines_newly_unfilled"]:
            which.append(Paragraph("<b>Leaves short:</b> " + para_text(_clip("; ".join(_capped(lv["lines_newly_unfilled"], LINES_LISTED)))), styles()["cell"]))
        rows.append([str(i), lv["lever"], num(lv["score_cut"]), num(lv["shortfall_score"]), signed(lv["personnel_gain"]), filled, which or "none"])
    s.add(table(["#", "Lever", "Score cut", "Score after", "Personnel gain", "Lines filled", "Which lines"], rows,
                [18, 130, 50, 50, 52, 45, 154], numeric={0, 2, 3, 4, 5}, valign="TOP"))


def _cause_summary(s: Story, e: dict) -> None:
    counts: dict[str, dict] = {}
    for ln in e["lines"]:
        for p in ln["pledges"]:
            if p["causes"] == ["trade_off"] and not p["free"]:
                continue
            for c in p["causes"]:
                g = counts.setdefault(c, {"pledges": 0, "lines": set(), "nations": []})
                g["pledges"] += 1
                g["lines"].add((ln["unit_type"], ln["sector"]))
                if p["nation"] not in g["nations"]:
                    g["nations"].append(p["nation"])
    if not counts:
        return
    order = sorted(counts.items(), key=lambda kv: (-len(kv[1]["lines"]), -kv[1]["pledges"], kv[0]))
    rows = [[_sentence_start(cause_words(c)), num(len(g["lines"])), num(g["pledges"]), join_names(g["nations"], 10)] for c, g in order]
    s.h2("What keeps pledges off the unfilled lines")
    s.p("Each pledge of an unfilled line's unit type counts once per line for every cause that applies to it.", "note")
    s.add(table(["Cause", "Lines", "Pledges", "Nations"], rows, [170, 40, 45, 244], numeric={1, 2}))


def _line_causes(s: Story, e: dict) -> None:
    if not e["lines"]:
        return
    lines = sorted(e["lines"], key=lambda ln: (ln["priority"] or 9, -(ln["short_personnel"] or 0), ln["sector"], ln["unit_type"]))
    s.h2("Causes, line by line")
    s.p("Every unfilled line with each pledge of its unit type that could have gone there and what kept it off; 'could cover' is how many of the "
        "missing units that pledge alone would supply.", "note")
    rows = []
    for ln in lines:
        causes = _capped(ln["causes"], CAUSES_PER_LINE, "more in explain.json") or ["no pledge could reach this line"]
        key = _line_key(ln["unit_type"], ln["sector"]) + (f" ({ln['label']})" if ln.get("label") else "")
        rows.append([f"P{ln['priority']}" if ln["priority"] else "—", Paragraph(para_text(key), styles()["cell"]),
                     num(ln["short_units"]), num(ln["short_personnel"]), _cell(causes)])
    s.add(table(["Priority", "Line", "Units short", "Personnel short", "Causes"], rows, [40, 110, 38, 48, 263], numeric={2, 3}, valign="TOP"))


def _target_causes(s: Story, e: dict) -> None:
    if not e["targets"]:
        return
    s.h2("Missed personnel targets")
    rows = []
    for t in e["targets"]:
        label = ("Whole force" if t["scope"] == "force" else t["scope"].capitalize()) + (f" ({t['label']})" if t.get("label") else "")
        rows.append([label, num(t["target"]), num(t["planned"]), num(t["short"]),
                     _cell(_capped(t["excluded_nations"], CAUSES_PER_LINE)) if t["excluded_nations"] else "none",
                     _cell(_capped(t["nations_at_cap"], CAUSES_PER_LINE)) if t["nations_at_cap"] else "none"])
    s.add(table(["Target", "Sought", "Planned", "Short", "Pledged by nations that cannot take part", "Nations at their cap"], rows,
                [55, 45, 45, 45, 170, 139], numeric={1, 2, 3}, valign="TOP"))


# ---------------------------------------------------------------------------
# stress.json
# ---------------------------------------------------------------------------


def _backfill_text(row: dict) -> str:
    items = [f"{b['nation']} +{num(b['units'])} {_line_key(b['unit_type'], b['sector'])}" + (f" from period {b['from_period']}" if "from_period" in b else "")
             for b in row["backfilled_by"]]
    return _clip("; ".join(_capped(items, BACKFILL_LISTED))) or "nobody"


def withdrawal_stress(s: Story, f: Facts, st: dict, number: int, matches: bool | None) -> None:
    s.h1(f"{number} {TITLES['stress']}")
    s.p("From the withdrawal stress analysis (forceplan stress, stress.json): what becomes of the plan if nations walk away. Every case is "
        "re-planned from scratch, so the nations that remain backfill where their pledges, caps, caveats and the rules allow.")
    base = st["base"]
    if matches is False:
        _stale(s, "stress analysis", base["shortfall_score"], f.plan.get("shortfall_score"), "forceplan stress")
    if any(v is not None for v in base.values()):
        s.add(kv_table([("Plan analysed", f"shortfall score {num(base['shortfall_score'])}, {num(base['personnel'])} personnel, "
                                          f"{num(base['lines_unfilled'])} lines unfilled, {num(base['nations_taking_part'])} nations taking part")]))
    _n1(s, st)
    _n2(s, st)
    _monte_carlo(s, f, st)
    _dropped(s, st["dropped"], "stress.json")


def _n1(s: Story, st: dict) -> None:
    s.h2("One nation withdraws (N−1)")
    rows = sorted(st["n_minus_1"], key=lambda r: (-r["shortfall_increase"], r["nation"]))
    if not rows:
        s.p("No nation takes part in the plan analysed, so none can withdraw." if "n_minus_1" in st else "Not analysed.")
        return
    s.p(f"Each of the {len(rows)} nations taking part withdrawn in turn, most damaging first: the shortfall score and personnel of the plan "
        "re-made without it, and who backfills the lines it held.")
    drawings = charts.withdrawal_chart(rows, FRAME_W)
    s.add(KeepTogether([drawings[0], *([Paragraph(para_text("Bars: how much the shortfall score rises when the nation withdraws."), styles()["caption"])]
                                        if len(drawings) == 1 else [])]))
    for d in drawings[1:]:
        s.add(Spacer(1, 4), d)
    if len(drawings) > 1:
        s.caption("Bars: how much the shortfall score rises when the nation withdraws.")
    table_rows = [[r["nation"], num(r["shortfall_score"]), signed(r["shortfall_increase"]), num(r["personnel"]), num(r["personnel_lost"]),
                   num(r["lines_unfilled"]), _backfill_text(r)] for r in rows]
    s.add(table(["Without", "Shortfall score", "Increase", "Personnel", "Personnel lost", "Lines unfilled", "Backfilled by"], table_rows,
                [80, 52, 48, 48, 45, 40, 186], numeric={1, 2, 3, 4, 5}, valign="TOP"))


def _n2(s: Story, st: dict) -> None:
    pairs = sorted(st["n_minus_2"], key=lambda r: (-r["shortfall_increase"], r["nations"]))
    if not pairs:
        return
    single = {r["nation"]: r["shortfall_increase"] for r in st["n_minus_1"]}
    s.h2("Two nations withdraw (N−2)")
    s.p("Pairs among the most damaging single withdrawals, most damaging first. Beyond the two alone: how much more the pair raises the "
        "shortfall score than the two withdrawals do added up (positive: together they hurt more than apart).", "note")
    rows = []
    for r in pairs:
        parts = [single.get(n) for n in r["nations"]]
        beyond = r["shortfall_increase"] - sum(parts) if all(p is not None for p in parts) else None
        rows.append([" and ".join(r["nations"]), num(r["shortfall_score"]), signed(r["shortfall_increase"]), signed(beyond), num(r["personnel"]),
                     num(r["personnel_lost"]), num(r["lines_unfilled"])])
    s.add(table(["Without", "Shortfall score", "Increase", "Beyond the two alone", "Personnel", "Personnel lost", "Lines unfilled"], rows,
                [150, 58, 55, 60, 55, 55, 66], numeric={1, 2, 3, 4, 5, 6}))


def _met_words(mc: dict, target) -> str:
    p, n = mc["p_target_met"], mc["samples"]
    if not target:
        return "no force target was set"
    if n and abs(p * n - round(p * n)) < 1e-6:
        k = round(p * n)
        share = "none" if k == 0 else ("all" if k == n else f"{k:,}")
        return f"the force reaches its target of {int(target):,} personnel in {share} of the {int(n):,} samples"
    return f"the force reaches its target of {int(target):,} personnel in {pct(p)} of the samples"


def _quantile_label(key: str) -> str:
    digits = "".join(ch for ch in key if ch.isdigit())
    if not digits:
        return key
    q = int(digits)
    if q == 50:
        return "Median"
    suffix = "th" if 10 <= q % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(q % 10, "th")
    return f"{q}{suffix} percentile"


def _quantile_order(key: str) -> tuple:
    digits = "".join(ch for ch in key if ch.isdigit())
    return (int(digits) if digits else 1_000, key)


def _monte_carlo(s: Story, f: Facts, st: dict) -> None:
    mc = st["monte_carlo"]
    if mc is None:
        return
    s.h2("Random withdrawals (Monte Carlo)")
    samples = mc["samples"]
    s.p(f"In each of {num(samples)} samples every eligible nation withdraws independently, with its chance of withdrawal (the Nations "
        "sheet's withdrawal_risk, or a default by political status where it is blank), and the plan is re-made for the shortfall; "
        f"the seed {mc['seed'] if mc['seed'] is not None else '—'} reproduces the same draws.")
    force = next(x for x in f.targets if x["scope"] == "force")
    rows = [
        ("Samples", f"{num(samples)}" + (f" ({num(mc['distinct_solves'])} distinct sets of withdrawals re-planned)" if mc["distinct_solves"] is not None else "")),
        ("Seed", "—" if mc["seed"] is None else str(mc["seed"])),
        ("P(force target met)", "—" if mc["p_target_met"] is None else f"{mc['p_target_met']:.2f}: " + _met_words(mc, force["target"])),
        ("Mean shortfall score", num(mc["mean_shortfall"])),
    ]
    s.add(kv_table(rows, widths=(130, 369)))
    prob = mc["withdrawal_probability"]
    if prob:
        drawn = mc["withdrawals_per_nation"]
        taking = {n["nation"] for n in f.taking_part}
        listed = sorted(((n, p) for n, p in prob.items() if p > 0 and n in taking), key=lambda kv: (-kv[1], kv[0]))
        if listed:
            words = [f"{n} {pct(p)}" + (f" (withdrew in {num(drawn[n])} of the samples)" if n in drawn else "") for n, p in listed]
            s.p(f"Chance of withdrawal assumed for the nations taking part, highest first: {join_names(words, 12)}.", "note")
    keys = sorted(set(mc["shortfall_quantiles"]) | set(mc["personnel_quantiles"]), key=_quantile_order)
    if keys:
        qrows = [["Shortfall score", *[num(mc["shortfall_quantiles"].get(k)) for k in keys]],
                 ["Personnel", *[num(mc["personnel_quantiles"].get(k)) for k in keys]]]
        s.add(Spacer(1, 6))
        s.add(KeepTogether([Paragraph(para_text("Over the samples: the shortfall score and personnel at each quantile (the 5th percentile is the value only "
                                                "5 % of the samples fall below; a low shortfall score is good, a low personnel figure bad)."), styles()["note"]),
                            table(["Over the samples", *[_quantile_label(k) for k in keys]], qrows, [100] + [80] * len(keys), numeric=set(range(1, len(keys) + 1)))]))
    _least_likely(s, f, mc)


def _least_likely(s: Story, f: Facts, mc: dict) -> None:
    lines = mc["p_line_filled"]
    if not lines:
        return
    req = {(r["unit_type"], r["sector"]): r for r in f.requirements}
    shaky = sorted((ln for ln in lines if ln["p_filled"] < 1), key=lambda ln: (ln["p_filled"], (req.get((ln["unit_type"], ln["sector"])) or {}).get("priority") or 9,
                                                                           ln["sector"], ln["unit_type"]))
    s.h2("Lines least likely to be filled")
    if not shaky:
        s.p(f"Every one of the {len(lines)} requirement lines is filled in every sample.")
        return
    shown = shaky[:LEAST_LIKELY]
    s.p(f"{len(shaky)} of the {len(lines)} requirement lines go short in some samples; " + ("all of them" if len(shown) == len(shaky) else f"the {len(shown)} least often filled")
        + ", with the line's state in this plan.", "note")
    rows, hl = [], set()
    for i, ln in enumerate(shown):
        r = req.get((ln["unit_type"], ln["sector"]))
        here = "—" if r is None else ("filled" if r["short_units"] <= 0 else f"{num(r['short_units'])} short")
        rows.append([f"P{r['priority']}" if r and r.get("priority") else "—", ln["sector"], ln["unit_type"], here, pct(ln["p_filled"])])
        if r is not None and r.get("priority") == 1:
            hl.add(i)
    s.add(table(["Priority", "Sector", "Unit type", "In this plan", "Filled in (share of samples)"], rows, [45, 120, 180, 70, 84], numeric={4}, highlight=hl))
    if hl:
        s.caption("Highlighted: essential (priority 1) lines.")


# ---------------------------------------------------------------------------
# frontier.json
# ---------------------------------------------------------------------------

_SHORT_SWITCH = {"ceasefire_in_place": "ceasefire", "un_mandate": "UN mandate", "us_backstop": "US backstop"}


def conditions_label(row: dict) -> str:
    on = [_SHORT_SWITCH[k] for k in SWITCHES if row[k]]
    return " + ".join(on) if on else "none of the three"


def conditions_phrase(row: dict) -> str:
    """'with a ceasefire and a UN mandate' / 'with none of the three conditions'."""
    on = [f"a {_SHORT_SWITCH[k]}" for k in SWITCHES if row[k]]
    return "with " + join_names(on) if on else "with none of the three conditions"


def frontiers(s: Story, f: Facts, fr: dict, number: int, matches: bool | None) -> None:
    s.h1(f"{number} {TITLES['frontier']}")
    s.p("From the frontier analysis (forceplan frontier, frontier.json). For each of the 8 combinations of the three conditions — a ceasefire, "
        "a UN mandate, a US backstop — the largest force the coalition could field at all (every pledge, cap, caveat and rule respected, with "
        "no requirement line to fill) and the force planned against the statement of requirements."
        + (f" Over the plan's {f.plan['period_view']['periods']} periods each combination holds in every period; the forces are those "
           "held once built up (averaged over the periods at the peak force target), the costs yearly costs averaged over the periods."
           if f.plan.get("period_view") else ""))
    sc = f.scenario
    mine = tuple(bool(sc.get(k)) for k in SWITCHES)
    if matches is False:
        row = next((r for r in fr["conditions"] if tuple(r[k] for k in SWITCHES) == mine), None)
        _stale(s, "frontier", None if row is None else row["shortfall_score"], f.plan.get("shortfall_score"), "forceplan frontier")
    rows = sorted(fr["conditions"], key=lambda r: tuple(r[k] for k in SWITCHES))
    s.h2("The force under each combination of conditions")
    if not rows:
        s.p("The frontier analysis returned no combination of conditions.")
    else:
        for r in rows:
            r["label"] = conditions_label(r)
            r["this_plan"] = tuple(r[k] for k in SWITCHES) == mine
        legend = charts.legend([("planned force", NAVY, "box"), ("largest force possible", LIGHT_GREY, "ghost"), ("force target", SHORT_TEXT, "tick")], FRAME_W)
        s.add(KeepTogether([legend, charts.frontier_chart(rows, FRAME_W),
                            Paragraph(para_text("Conditions met in each row; bold: this plan's conditions. Right: planned / largest force."), styles()["caption"])]))
        yn = lambda b: "yes" if b else "no"  # noqa: E731
        trows = []
        for r in rows:
            target = r["force_target"]
            trows.append([yn(r["ceasefire_in_place"]), yn(r["un_mandate"]), yn(r["us_backstop"]), num(r["max_personnel"]), num(r["planned_personnel"]),
                          pct(r["planned_personnel"] / target) if target else "—", num(r["shortfall_score"]), num(r["lines_unfilled"]),
                          num(r["nations_taking_part"]), num(r["cost_musd"])])
        s.add(table(["Ceasefire", "UN mandate", "US backstop", "Largest force", "Planned force", "Of force target", "Shortfall score", "Lines unfilled",
                     "Nations", "Cost (M USD/yr)"], trows, [48, 48, 48, 50, 50, 48, 50, 42, 40, 55], numeric=set(range(3, 10)),
                    emphasis={i for i, r in enumerate(rows) if r["this_plan"]}))
        targets = {r["force_target"] for r in rows if r["force_target"] is not None}
        if len(targets) == 1:
            t = targets.pop()
            best = max(rows, key=lambda r: (r["max_personnel"], r["label"]))
            s.p(f"Force target: {num(t)} personnel. The largest force possible under any combination is {num(best['max_personnel'])} "
                f"({conditions_phrase(best)}); " + ("it reaches the target." if best["max_personnel"] >= t else f"{num(t - best['max_personnel'])} short of the target, "
                                                     "so no combination of conditions alone fills the force: more pledges are needed."), "note")
    if fr["tradeoff"] is not None:
        _tradeoff(s, f, fr["tradeoff"])
    _dropped(s, fr["dropped"], "frontier.json")


def plan_fairness_deviation(f: Facts) -> float:
    """Σ |personnel − fair share| over the plan's nations — and periods, over time (as stage 2 counts it)."""
    view = f.plan.get("period_view")
    return view["fairness_deviation"] if view else sum(abs(n["personnel"] - n["fair_personnel"]) for n in f.nations)


def plan_mean_cost(f: Facts) -> float:
    """The plan's yearly cost; over time averaged over the periods (the trade-off's measure)."""
    view = f.plan.get("period_view")
    return view["mean_cost_musd"] if view else float(f.totals["cost_musd"])


def _tradeoff(s: Story, f: Facts, points: list[dict]) -> None:
    if not points:
        s.h2("Cost against fair shares")
        s.p("The trade-off analysis returned no points.")
        return
    intro = Paragraph(para_text("Plans that keep the shortfall score and weigh the yearly cost against the fair shares differently: each point is one "
                                "plan, its yearly cost against its distance from the GDP fair shares (the sum over nations of |personnel − fair share|). "
                                "Moving along the line, a lower cost is bought with a less even burden, or the reverse."
                                + (" Over time: the yearly cost averaged over the periods, the distance summed over the periods."
                                   if f.plan.get("period_view") else "")), styles()["body"])
    ordered = sorted(enumerate(points, start=1), key=lambda ip: (ip[1]["cost_musd"], ip[1]["fairness_deviation"], ip[0]))
    extra = (plan_mean_cost(f), plan_fairness_deviation(f), "this plan")
    drawing = charts.line_chart([(p["cost_musd"], p["fairness_deviation"], str(i)) for i, p in ordered], FRAME_W,
                                x_label="yearly cost, M USD", y_label="distance from fair shares, personnel", extra=extra)
    caption = Paragraph(para_text("Numbered points: the plans of the table below, joined in order of cost; red diamond: this plan."), styles()["caption"])
    cols = [k for k in ("weight_cost", "weight_fairness", "personnel", "shortfall_score", "nations_taking_part") if all(p[k] is not None for p in points)]
    names = {"weight_cost": "Weight on cost", "weight_fairness": "Weight on fairness", "personnel": "Personnel", "shortfall_score": "Shortfall score",
             "nations_taking_part": "Nations"}
    labelled = any(p["label"] for p in points)
    header = ["#"] + (["Plan"] if labelled else []) + ["Cost (M USD/yr)", "Distance from fair shares"] + [names[k] for k in cols]
    rows = []
    for i, p in ordered:
        extras = [(f"{p[k]:g}" if k.startswith("weight") else num(p[k])) for k in cols]
        rows.append([str(i)] + ([p["label"] or ""] if labelled else []) + [f"{p['cost_musd']:,.1f}", num(p["fairness_deviation"])] + extras)
    widths = [20] + ([120] if labelled else []) + [70, 80] + [60] * len(cols)
    first_num = 2 if labelled else 1
    t = table(header, rows, widths, numeric={0, *range(first_num, len(header))})
    # the chart with its table on one page when the table is short; else the chart alone
    s.h2("Cost against fair shares", keep=[intro, drawing, caption, t] if len(rows) <= 20 else [intro, drawing, caption])
    if len(rows) > 20:
        s.add(t)


# ---------------------------------------------------------------------------
# the executive summary's view
# ---------------------------------------------------------------------------


def summary_points(f: Facts, an: dict, numbers: dict, matches: dict) -> list[str]:
    """One sentence per analysis for the executive summary."""
    out = []
    stale = " (run on another plan; see the note there)"
    e = an.get("explain")
    if e is not None:
        where = f"section {numbers['explain']}"
        best = e["levers"][0] if e["levers"] else None
        if best is not None and best["score_cut"] > 0:
            before = best["lines_unfilled_before"]
            score = e["shortfall_score"]
            share = f" ({pct(best['score_cut'] / score)} of it)" if score else ""
            txt = (f"Why the gaps ({where}): the strongest lever, {best['lever']}, cuts the shortfall score by {num(best['score_cut'])}{share} and fills "
                   f"{len(best['lines_filled'])}" + (f" of the {num(before)} unfilled lines" if before is not None else " unfilled lines") + ".")
        elif e["lines"] or e["targets"]:
            txt = f"Why the gaps ({where}): no single lever tried cuts the shortfall score; the causes are listed line by line."
        else:
            txt = f"Why the gaps ({where}): nothing to explain, every line is filled and every target met."
        out.append(txt + (stale if matches.get("explain") is False else ""))
    st = an.get("stress")
    if st is not None:
        where = f"section {numbers['stress']}"
        parts = []
        if st["n_minus_1"]:
            worst = min(st["n_minus_1"], key=lambda r: (-r["shortfall_increase"], r["nation"]))
            lost = f", {num(worst['personnel_lost'])} personnel fewer" if worst["personnel_lost"] is not None else ""
            parts.append(f"the most damaging single withdrawal is {worst['nation']}'s (shortfall score {signed(worst['shortfall_increase'])}{lost})")
        mc = st["monte_carlo"]
        if mc is not None and mc["p_target_met"] is not None:
            force = next(x for x in f.targets if x["scope"] == "force")
            parts.append("with random withdrawals " + _met_words(mc, force["target"]))
        if parts:
            txt = f"Withdrawal stress ({where}): " + "; ".join(parts) + "."
            out.append(txt + (stale if matches.get("stress") is False else ""))
    fr = an.get("frontier")
    if fr is not None and fr["conditions"]:
        where = f"section {numbers['frontier']}"
        best = max(fr["conditions"], key=lambda r: (r["max_personnel"], conditions_label(r)))
        mine = tuple(bool(f.scenario.get(k)) for k in SWITCHES)
        own = next((r for r in fr["conditions"] if tuple(r[k] for k in SWITCHES) == mine), None)
        txt = f"Frontiers ({where}): the largest force possible is {num(best['max_personnel'])} personnel, {conditions_phrase(best)}"
        if own is not None and own is not best:
            txt += f"; under this plan's conditions it is {num(own['max_personnel'])}"
        out.append(txt + "." + (stale if matches.get("frontier") is False else ""))
    return out
