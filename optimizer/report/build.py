"""The allocation report: a PDF built with reportlab's platypus from a plan dict.

This module assembles it: the sections in print order (:mod:`plan_sections`,
then :mod:`analysis_sections` for each analysis given), numbered by
:func:`section_numbers`, on the pages of :mod:`layout`.

The document is a pure function of the plan: the creation date is the plan's
own ``source.planned_at`` (or reportlab's fixed invariant date when the plan
does not record one), the PDF ID is derived from the content, fonts are
embedded from reportlab's own files.  The same plan therefore gives the same
bytes.
"""

from __future__ import annotations

import io
from datetime import timezone

from optimizer import __version__
from optimizer.outputs.periods import over_time, period_view, weakest_period
from optimizer.report import analysis_sections, plan_sections, time_section
from optimizer.report.analyses import KINDS, matches_plan, normalise
from optimizer.schema import SWITCHES
from optimizer.report.facts import Facts, derive
from optimizer.report.layout import ReportDoc, Story, canvas_class, planned_at
from optimizer.report.style import clean, register_fonts


# ---------------------------------------------------------------------------


#: The plan's own sections, in the order the report prints them; the analyses given follow, then the method.
PLAN_SECTIONS = ("summary", "by_nation", "by_sector", "coverage", "burden", "cost", "binds")


def section_numbers(analyses: dict, over_time: bool = False) -> dict[str, int]:
    """Each section's number, counted in print order (so cross-references never go stale).
    A plan over several periods has "Over time" after the executive summary."""
    plan = [*PLAN_SECTIONS[:1], "over_time", *PLAN_SECTIONS[1:]] if over_time else list(PLAN_SECTIONS)
    order = [*plan, *(kind for kind in KINDS if kind in analyses), "method"]
    return {key: i for i, key in enumerate(order, start=1)}


def story(plan: dict, analyses: dict | None = None) -> tuple[Facts, list]:
    """The report's facts and flowables (everything but the page layout).

    ``analyses``: ``{"explain": ..., "stress": ..., "frontier": ...}`` (each optional), the
    analyses' JSON dicts; each one given adds its section after "What binds".
    """
    register_fonts()
    whole = plan if over_time(plan) else None
    if whole is not None:  # "Over time" shows the mission; the plan's other sections its weakest period
        plan = period_view(plan, weakest_period(plan))
    f = derive(plan)
    an = normalise(analyses)
    numbers = section_numbers(an, whole is not None)
    score = whole["shortfall_score"] if whole is not None else f.plan.get("shortfall_score")  # the analyses re-plan the whole plan
    switches = whole["scenario"] if whole is not None else f.scenario
    matches = {kind: matches_plan(kind, an[kind], score, tuple(bool(switches.get(k)) for k in SWITCHES))
               for kind in KINDS if kind in an}
    points, included, why = [], [], None
    if an:
        points = analysis_sections.summary_points(f, an, numbers, matches)
        included = [f"{analysis_sections.TITLES[k].lower()} (section {numbers[k]})" for k in KINDS if k in an]
        if "explain" in an and matches["explain"] is not False:
            why = analysis_sections.why_by_line(an["explain"], {x.name for x in f.binds["leaderless"]},
                                                period=weakest_period(whole) if whole is not None else None)
    s = Story()
    plan_sections.title_page(s, f, included, compact_contents=bool(an))
    plan_sections.executive_summary(s, f, numbers, points, time_section.summary_sentences(whole) if whole else ())
    if whole is not None:
        time_section.over_time(s, whole, numbers["over_time"])
    plan_sections.by_nation(s, f, numbers)
    plan_sections.by_sector(s, f, numbers)
    plan_sections.coverage(s, f, numbers)
    plan_sections.burden(s, f, numbers)
    plan_sections.cost(s, f, numbers)
    plan_sections.binds(s, f, numbers, why)
    if "explain" in an:
        analysis_sections.why_the_gaps(s, f, an["explain"], numbers["explain"], matches["explain"])
    if "stress" in an:
        analysis_sections.withdrawal_stress(s, f, an["stress"], numbers["stress"], matches["stress"])
    if "frontier" in an:
        analysis_sections.frontiers(s, f, an["frontier"], numbers["frontier"], matches["frontier"])
    plan_sections.method(s, f, numbers)
    plan_sections.annex(s, f)
    return f, s.items


def build_pdf(plan: dict, target, analyses: dict | None = None) -> None:
    """Write the report for ``plan`` (a plan.json dict) and its ``analyses`` to ``target`` (a path or a binary file)."""
    f, items = story(plan, analyses)
    when = planned_at(f)
    creation = None if when is None else when.astimezone(timezone.utc).strftime("D:%Y%m%d%H%M%S+00'00'")
    force = next(x for x in f.targets if x["scope"] == "force")
    doc = ReportDoc(
        target,
        f,
        title=clean(f"Allocation report: {f.scenario['name']}"),
        subject=clean(f"Force generation plan '{f.scenario['name']}': {int(f.totals['personnel']):,} of {int(force['target']):,} personnel; status {f.status}"),
        author="forceplan",
        creator=f"forceplan {__version__} (reportlab)",
        keywords=["force generation", "allocation", clean(f.scenario["classification"])],
        invariant=1,
        displayDocTitle=1,
        lang="en",
    )
    doc.multiBuild(items, canvasmaker=canvas_class(creation))


def report_bytes(plan: dict, analyses: dict | None = None) -> bytes:
    buf = io.BytesIO()
    build_pdf(plan, buf, analyses)
    return buf.getvalue()
