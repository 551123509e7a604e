"""The report's running text: names joined for reading, why nations are not eligible,
and the paragraph a minister reads first.  Plain strings from the plan's facts.
"""

from __future__ import annotations

from optimizer.report.facts import Facts
from optimizer.report.layout import LIST_LIMIT
from optimizer.report.style import clean


def join_names(names: list[str], limit: int = LIST_LIMIT) -> str:
    names = [clean(n) for n in names]
    if len(names) > limit:
        shown = names[:limit]
        return ", ".join(shown) + f" and {len(names) - limit} others"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _conditions_phrase(sc: dict) -> str:
    parts = [
        ("with" if sc.get("ceasefire_in_place") else "without") + " a ceasefire",
        ("with" if sc.get("un_mandate") else "without") + " a UN mandate",
        ("with" if sc.get("us_backstop") else "without") + " a US backstop",
    ]
    return f"{parts[0]}, {parts[1]} and {parts[2]}"


def _reason_key(reason: str) -> str:
    """An ineligibility reason ('declined; requires a ceasefire') reduced to what a reader needs."""
    parts = [r.strip() for r in reason.split(";") if r.strip()]
    if "declined" in parts or not parts:
        return "declined" if parts else "not eligible"
    if all(r.startswith("requires ") for r in parts):
        return "requires " + " and ".join(r[len("requires "):] for r in parts)
    return "; ".join(parts)


def _reason_phrase(key: str, many: bool) -> str:
    if key == "declined":
        return "have declined" if many else "has declined"
    if key.startswith("requires "):
        return ("require " if many else "requires ") + key[len("requires "):]
    return f"are excluded ({key})" if many else f"is excluded ({key})"


def ineligible_sentence(f: Facts) -> str:
    groups: dict[str, list[str]] = {}
    for n in f.ineligible:
        groups.setdefault(_reason_key(n["ineligible_reason"] or ""), []).append(n["nation"])
    parts = [f"{join_names(names, 6)} {_reason_phrase(key, len(names) > 1)}" for key, names in groups.items()]
    return "; ".join(parts)


def _line_name(r: dict) -> str:
    return f"{r['unit_type']} in {r['sector']}"


def minister_paragraph(f: Facts, by_sector_section: int) -> str:
    """The one paragraph a minister reads.  Every figure is the plan's own."""
    sc, t = f.scenario, f.totals
    force = next(x for x in f.targets if x["scope"] == "force")
    planned, target = int(t["personnel"]), int(force["target"])
    cond = _conditions_phrase(sc)
    if target > 0 and planned >= target:
        s = f"Under the conditions assumed — {cond} — the coalition can field the full {target:,} personnel sought ({planned:,} planned)."
    elif target > 0 and planned == 0:
        s = f"Under the conditions assumed — {cond} — the coalition can field none of the {target:,} personnel sought."
    elif target > 0:
        s = (f"Under the conditions assumed — {cond} — the coalition can field {planned:,} of the {target:,} personnel sought "
             f"({planned / target * 100:.0f} %), {target - planned:,} short.")
    else:
        s = f"Under the conditions assumed — {cond} — the coalition can field {planned:,} personnel; no force target was set."
    n_all, n_part = len(f.nations), len(f.taking_part)
    s += f" {n_part} of the {n_all} nations take part"
    if f.ineligible:
        s += f"; {len(f.ineligible)} cannot under these conditions: {ineligible_sentence(f)}."
    else:
        s += "."
    dom = []
    for x in f.targets:
        if x["scope"] == "force":
            continue
        if x["target"] > 0:
            dom.append(f"{x['scope']} {x['planned']:,} of {x['target']:,}" + (" (met)" if x["short"] == 0 else ""))
        elif x["planned"] > 0:
            dom.append(f"{x['scope']} {x['planned']:,}")
    if dom:
        s += " By domain: " + "; ".join(dom) + "."
    n_lines = len(f.requirements)
    if f.unfilled:
        p1 = [r for r in f.unfilled if r["priority"] == 1]
        s += f" {len(f.unfilled)} of the {n_lines} requirement lines are not fully met"
        if p1:
            top = [f"{_line_name(r)} ({r['short_units']} short)" for r in p1[:3]]
            if len(p1) > 3:
                top.append(f"{len(p1) - 3} more")
            s += f", {len(p1)} of them essential (priority 1): {join_names(top)}"
        s += "."
    elif n_lines:
        s += f" Every one of the {n_lines} requirement lines is filled."
    s += f" The plan costs {t['cost_musd']:,.0f} million USD a year."
    if f.leads:
        pairs = [f"{ld['nation']} leads {ld['sector']}" for ld in f.leads]
        s += " " + (join_names(pairs, 8) if len(pairs) <= 8 else f"{len(pairs)} sectors have a lead nation (section {by_sector_section})") + "."
    if f.binds["leaderless"]:
        names = [x.name for x in f.binds["leaderless"]]
        s += f" {join_names(names, 6)} {'need' if len(names) > 1 else 'needs'} a lead nation but {'have' if len(names) > 1 else 'has'} none, so {'they hold' if len(names) > 1 else 'it holds'} no units."
    if f.status == "unverified":
        s += (" The solver's figures disagreed with the plan it returned, even after re-solving: the plan is valid "
              "but UNVERIFIED, and must not be signed off as optimal (section on the solver).")
    elif f.status != "optimal":
        s += f" The solver stopped at its time limit ({f.status}); a better plan may exist."
    return s
