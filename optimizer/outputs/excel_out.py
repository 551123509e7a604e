"""``plan.xlsx``: the plan as a planner's workbook.

Sheets ``Summary``, ``Allocation``, ``Requirements``, ``Nations`` (the
contract's), then ``Leads`` and ``Targets``; a plan over several periods
(contract section 5) adds ``Timeline`` and ``Roster`` (sector × nation ×
unit type against the periods), and its tables carry ``period``.  Frozen headers, widths, number
formats and autofilters.

Output safety (decided in :mod:`optimizer.outputs.safe_cells`): every cell
goes through :func:`~optimizer.outputs.safe_cells.put`, so text is always a
string cell, never a formula; text that looks like one (``= + - @``, tab,
CR, LF first) also gets the ``quotePrefix`` style, and its characters are
kept as they are (``plan.json`` holds the same names, exactly); characters
an xlsx cannot hold (NUL and the other C0 controls) are removed, in the
cells and in the workbook title alike.  The workbook is serialised in
memory and written atomically (:mod:`optimizer.atomic`).
"""

from __future__ import annotations

import os

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from optimizer.atomic import buffered, write_with_atomic
from optimizer.outputs.safe_cells import clean_text, put
from optimizer.results import PlanResult

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
SHORT_FILL = PatternFill("solid", fgColor="F8CBAD")

FORMATS = {
    "cost_musd": "#,##0.00",
    "budget_musd": "#,##0.00",
    "fair_personnel": "#,##0",
    "fair_gap": "#,##0",
    "cap_used": "0.0%",
    "lead_share": "0.0%",
}


def _put(ws, row: int, col: int, value) -> None:
    put(ws.cell(row=row, column=col), value)


def _table(ws, frame: pd.DataFrame, *, highlight: str | None = None) -> None:
    columns = list(frame.columns)
    for j, name in enumerate(columns, start=1):
        _put(ws, 1, j, name)
        cell = ws.cell(row=1, column=j)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=2):
        short = highlight is not None and row[columns.index(highlight)] > 0
        for j, value in enumerate(row, start=1):
            _put(ws, i, j, value)
            cell = ws.cell(row=i, column=j)
            if columns[j - 1] in FORMATS:
                cell.number_format = FORMATS[columns[j - 1]]
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.number_format = "#,##0"
            if short:
                cell.fill = SHORT_FILL
    for j, name in enumerate(columns, start=1):
        longest = max([len(str(name))] + [len(str(v)) for v in frame.iloc[:, j - 1].tolist()[:500]])
        ws.column_dimensions[get_column_letter(j)].width = min(max(10, longest + 2), 45)
    ws.freeze_panes = "A2"
    if len(frame):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(frame) + 1}"


def roster_frame(plan: PlanResult) -> pd.DataFrame:
    """The roster of a plan over time: one row per sector, nation and unit type (plan order), one column
    of units per period (headed by its label), and the periods in which the nation leads the sector."""
    labels = dict(zip(plan.timeline["period"], plan.timeline["label"]))
    a = plan.allocations
    if a.empty:
        return pd.DataFrame(columns=["sector", "nation", "unit_type", *labels.values(), "leads in"])
    wide = a.pivot_table(index=["sector", "nation", "unit_type"], columns="period", values="units", aggfunc="sum", sort=False)
    wide = wide.reindex(columns=list(labels)).fillna(0).astype(int)
    wide.columns.name = None
    order_s = {s: i for i, s in enumerate(plan.sectors["sector"])} if plan.sectors is not None else {}
    order_n = {n: i for i, n in enumerate(dict.fromkeys(plan.nations["nation"]))}
    wide = wide.reset_index()
    wide["_o"] = [(order_s.get(s, 0), order_n.get(n, 0)) for s, n in zip(wide["sector"], wide["nation"])]
    wide = wide.sort_values("_o", kind="stable").drop(columns="_o")
    led: dict[tuple, list] = {}
    for s, t, n in zip(plan.leads["sector"], plan.leads["period"], plan.leads["nation"]):
        led.setdefault((s, n), []).append(labels[t])
    wide["leads in"] = [", ".join(led.get((s, n), [])) for s, n in zip(wide["sector"], wide["nation"])]
    return wide.rename(columns=labels).reset_index(drop=True)


def summary_rows(plan: PlanResult) -> list[tuple[str, object]]:
    sc, t = plan.scenario, plan.totals
    rows: list[tuple[str, object]] = [
        ("Scenario", sc["name"]),
        ("Workbook", plan.source.get("workbook", "")),
        ("Workbook SHA-256", plan.source.get("sha256", "")),
        ("Status", plan.status),
        ("Shortfall score", plan.shortfall_score),
        ("Ceasefire in place", "yes" if sc["ceasefire_in_place"] else "no"),
        ("UN mandate", "yes" if sc["un_mandate"] else "no"),
        ("US backstop", "yes" if sc["us_backstop"] else "no"),
    ]
    over_time = plan.timeline is not None
    if over_time:
        rows.append(("Periods", f"{plan.periods} of {sc['period_months']} months"))
    for r in plan.targets.itertuples():
        when = f" ({plan.timeline.loc[plan.timeline['period'] == r.period, 'label'].iloc[0]})" if over_time else ""
        rows.append((f"{r.scope.capitalize()} personnel{when}: target / planned / short", f"{r.target:,} / {r.planned:,} / {r.short:,}"))
    if over_time:
        weakest = plan.timeline.loc[plan.timeline["period"] == t["period"], "label"].iloc[0]
        rows += [
            (f"Weakest period: {weakest}, personnel", t["personnel"]),
            (f"Yearly cost in {weakest} (M USD)", round(t["cost_musd"], 2)),
            (f"Nations taking part in {weakest}", t["nations_taking_part"]),
            ("Requirement lines unfilled (line × period)", int((plan.requirements["short_units"] > 0).sum())),
        ]
    else:
        rows += [
            ("Total yearly cost (M USD)", round(t["cost_musd"], 2)),
            ("Nations taking part", t["nations_taking_part"]),
            ("Requirement lines unfilled", int((plan.requirements["short_units"] > 0).sum())),
        ]
    rows += [
        ("Leads", "; ".join(f"{s}: {n}" for s, n in zip(plan.leads["sector"], plan.leads["nation"])) or "none") if not over_time
        else ("Leads", "per period: sheet Leads"),
        ("Solver", f"{plan.solver['name']} {plan.solver['version']}"),
        ("Solve time (s)", plan.solver["seconds"]),
        ("Relative gap", plan.solver["gap"]),
    ]
    return rows


def write_plan_xlsx(plan: PlanResult, path: str | os.PathLike) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    _table(ws, pd.DataFrame(summary_rows(plan), columns=["item", "value"]))
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = 70
    _table(wb.create_sheet("Allocation"), plan.allocations)
    _table(wb.create_sheet("Requirements"), plan.requirements, highlight="short_units")
    _table(wb.create_sheet("Nations"), plan.nations)
    _table(wb.create_sheet("Leads"), plan.leads)
    _table(wb.create_sheet("Targets"), plan.targets, highlight="short")
    if plan.timeline is not None:
        _table(wb.create_sheet("Timeline"), plan.timeline, highlight="shortfall_score")
        _table(wb.create_sheet("Roster"), roster_frame(plan))
    wb.properties.creator = "forceplan"
    wb.properties.title = clean_text(f"forceplan plan: {plan.scenario['name']}")
    write_with_atomic(path, buffered(wb.save))
