"""What every command shares: exit codes, the default output folder, one-line failures.

Exit codes (contract section 4): 0 a plan was written; 2 the input was
rejected (every problem listed on stderr with sheet, row and column; nothing
written); 1 any other failure, one clear line, nothing half-written; 130
interrupted (Ctrl-C), nothing half-written.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

EXIT_INPUT = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C


def safe_folder_name(name: str) -> str:
    """A scenario name as a single, harmless folder name (no path tricks)."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", name).strip(" .")
    cleaned = re.sub(r"\s+", "_", cleaned)
    return cleaned[:80] or "scenario"


def default_out_dir(out: str | None, scenario_name: str) -> Path:
    """``--out``, or ``reports/<scenario name>/``."""
    return Path(out) if out else Path("reports") / safe_folder_name(scenario_name)


def fail(message: str, code: int = EXIT_FAILURE) -> None:
    """One line on stderr, then exit with ``code``."""
    click.echo(message, err=True)
    sys.exit(code)


def interrupted(message: str) -> None:
    fail(message, EXIT_INTERRUPTED)


def load_analyses_reporting(plan_dir) -> dict:
    """The analyses saved beside a plan (:func:`optimizer.report.load_analyses`); each file skipped is named on stderr in one line."""
    import warnings

    from optimizer.report import AnalysisWarning, load_analyses

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AnalysisWarning)
        analyses = load_analyses(plan_dir)
    for w in caught:
        if issubclass(w.category, AnalysisWarning):
            click.echo(f"forceplan: warning: {w.message}", err=True)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return analyses
