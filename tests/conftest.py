"""Shared helpers: write an inline workbook, plan it in-process or through the CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.generators import write_workbook_from_tables

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WORKBOOK = ROOT / "data" / "contributions.xlsx"

# A test run started in the background by a non-interactive shell (as a CI job may be)
# inherits SIGINT ignored, and so would every process a test starts: the Ctrl-C tests
# (tests/test_faults.py) would then find forceplan deaf to it.  Restore the default, which
# the child processes inherit as SIG_DFL and turn into KeyboardInterrupt as usual.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def plan_in_process(path, overrides=()) -> dict:
    from optimizer.data import load_planning_data
    from optimizer.outputs import plan_to_dict
    from optimizer.results import build_results
    from optimizer.solve import solve

    data = load_planning_data(path, overrides)
    return plan_to_dict(build_results(data, solve(data)))


def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "optimizer", *map(str, args)], capture_output=True, text=True, cwd=cwd or ROOT, timeout=600)


@pytest.fixture
def plan_tables(tmp_path):
    """plan_tables(scenario, tables, overrides=()) -> (plan dict, workbook path)."""
    counter = iter(range(1000))

    def _plan(scenario: dict, tables: dict, overrides=()):
        path = tmp_path / f"wb{next(counter)}.xlsx"
        write_workbook_from_tables(path, scenario, tables)
        return plan_in_process(path, overrides), path

    return _plan


def units_of(plan: dict) -> dict[tuple[str, str, str], int]:
    return {(a["nation"], a["unit_type"], a["sector"]): a["units"] for a in plan["allocations"]}


def load_json(path) -> dict:
    return json.loads(Path(path).read_text())
