"""Files the pages hand over or take in: plan.xlsx and report.pdf downloads, uploaded workbooks."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from app_pages import state


def report_pdf(plan: dict) -> bytes:
    """report.pdf of a plan, built when its download is clicked (reportlab is imported then, not at start-up)."""
    from optimizer.report import report_bytes

    return report_bytes(plan)


def plan_xlsx(key: str) -> bytes:
    """plan.xlsx of a plan whose workbook the worker may still be writing (download callback)."""
    solved = state.service().with_xlsx(key, timeout=60)
    if solved is None or not solved.xlsx:
        raise RuntimeError("plan.xlsx is not available; solve again")
    return solved.xlsx


def save_uploaded(file) -> Path:
    """An uploaded file written to a private temporary path (caller deletes)."""
    fd, name = tempfile.mkstemp(prefix="forceplan-upload-", suffix=".xlsx")
    with os.fdopen(fd, "wb") as fh:
        fh.write(file.getvalue())
    return Path(name)
