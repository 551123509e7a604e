"""Shared helpers: write an inline workbook, plan it in-process or through the CLI."""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from devtools.generators import write_workbook_from_tables

ROOT = Path(__file__).resolve().parents[1]
#: the default workbook as it is committed: the mission over six tours (contract section 5)
MISSION_WORKBOOK = ROOT / "data" / "contributions.xlsx"


def _one_period_default() -> Path:
    """The default workbook's force at one moment: the same coalition, pledges and requirements,
    one period and none of section 5's columns (``scripts/build_default_workbook.py --one-period``).

    Most tests are about the rules of one period and take their figures from this workbook; it
    is built once per test process into a folder removed at exit, so it cannot drift from the
    builder.  (Planning the mission over six tours takes seconds, not a fraction of one.)
    """
    spec = importlib.util.spec_from_file_location("build_default_workbook", ROOT / "scripts" / "build_default_workbook.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    folder = Path(tempfile.mkdtemp(prefix="forceplan-default-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "contributions.xlsx"
    builder.build(path, timeline=False)
    return path


#: the default workbook at one moment (one period), which most tests plan
DEFAULT_WORKBOOK = _one_period_default()
# The workbench (in-process app tests and the servers the browser tests start) opens it too;
# a test that wants the mission sets FORCEPLAN_WORKBOOK itself.
os.environ["FORCEPLAN_WORKBOOK"] = str(DEFAULT_WORKBOOK)

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


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright, one per test module (the browser tests skip without it)."""
    from playwright.sync_api import sync_playwright

    from devtools.browser import launch

    with sync_playwright() as pw:
        b = launch(pw)
        try:
            yield b
        finally:
            b.close()
