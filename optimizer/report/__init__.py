"""The PDF allocation report, built from a plan.json dict (never from pyomo objects).

    from optimizer.report import write_report
    write_report(plan_dict, "reports/baseline/report.pdf")

``plan_dict`` is a saved ``plan.json`` loaded with :func:`json.load`, or a
fresh plan through :func:`optimizer.outputs.plan_to_dict`.  The same plan
gives the same bytes.  :func:`report_bytes` returns the PDF in memory (for a
download button); :func:`load_plan` reads a plan folder's ``plan.json``.

When analyses were run, pass them and the report gains a section each
(Why the gaps, Withdrawal stress, Frontiers)::

    write_report(plan_dict, path, analyses=load_analyses("reports/baseline"))

``analyses`` is ``{"explain": ..., "stress": ..., "frontier": ...}``, each key
optional, each value the analysis's JSON dict (``explain.json`` …).
:func:`load_analyses` reads whichever exist in a plan folder, skipping
unreadable ones with an :class:`AnalysisWarning`.

Parts: :mod:`.facts` (every figure, from the plan dict), :mod:`.build` (the
document), :mod:`.charts` (bar charts), :mod:`.schematic` (the sector map),
:mod:`.style` (fonts, colours, text).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from optimizer.report.analyses import AnalysisFormatError, AnalysisWarning, load_analyses, normalise
from optimizer.report.facts import PlanFormatError, check_plan

__all__ = ["AnalysisFormatError", "AnalysisWarning", "PlanFormatError", "ReportError", "check_plan", "load_analyses", "load_plan", "report_bytes",
           "write_report"]


class ReportError(Exception):
    """Building or writing the report failed (the plan itself was fine).  One-line message."""


def report_bytes(plan: dict, analyses: dict | None = None) -> bytes:
    """The report of ``plan`` (with a section per analysis given) as PDF bytes.

    Raises PlanFormatError for a dict that is not a plan, AnalysisFormatError
    for an analysis that is not one (a wrong key, or not that analysis at all).
    """
    from optimizer.report.build import report_bytes as _bytes

    check_plan(plan)
    normalise(analyses)
    return _bytes(plan, analyses) if analyses else _bytes(plan)


def write_report(plan: dict, path: str | os.PathLike, analyses: dict | None = None) -> Path:
    """Write the report of ``plan`` (and its ``analyses``) to ``path`` atomically (temporary file, then rename); return the path.

    Raises PlanFormatError when ``plan`` is not a plan, AnalysisFormatError
    when an analysis is not one (nothing written); any other failure leaves
    ``path`` as it was.
    """
    from optimizer.atomic import write_bytes_atomic

    # built in memory first: a failure never touches the target
    data = report_bytes(plan, analyses) if analyses else report_bytes(plan)
    write_bytes_atomic(path, data)
    return Path(path)


def load_plan(plan_dir: str | os.PathLike) -> dict:
    """Read ``plan_dir/plan.json`` (or the file itself); raise PlanFormatError with one line if it is missing or not a plan."""
    p = Path(plan_dir)
    path = p if p.is_file() else p / "plan.json"
    if not p.exists():
        raise PlanFormatError(f"{p}: no such folder")
    if not path.is_file():
        raise PlanFormatError(f"{p}: no plan.json in this folder (run `forceplan solve` first)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PlanFormatError(f"{path}: not a plan.json (not UTF-8 JSON text)") from None
    except OSError as exc:
        raise PlanFormatError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        plan = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFormatError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    try:
        check_plan(plan)
    except PlanFormatError as exc:
        raise PlanFormatError(f"{path}: {exc}") from None
    return plan
