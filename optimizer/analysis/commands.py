"""Command-line verbs for the analyses: ``explain``, ``stress``, ``frontier``.

Registered on the main ``forceplan`` group by :mod:`optimizer.cli`.  Each
reads and validates the workbook exactly as ``solve`` does (exit 2 on bad
input), runs its solves on a process pool or, with ``--dask ADDRESS`` (or
``FORCEPLAN_DASK``), on a Dask cluster, shows a progress bar, and writes its
JSON atomically into ``--out`` (default ``reports/<scenario name>/``).

When that folder holds a ``plan.json`` (``forceplan solve`` wrote one there),
its ``report.pdf`` is rebuilt with a section for every analysis saved there.
The JSON is written first: if the report then fails, the JSON stays, the old
report is left as it was, and the command prints one line and exits 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from optimizer.errors import InputError

EXIT_INPUT = 2
EXIT_FAILURE = 1


def _load(workbook: str, overrides: tuple[str, ...]):
    from optimizer.reader import read_tables

    try:
        return read_tables(workbook, overrides)
    except InputError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(EXIT_INPUT)


def _out_dir(out: str | None, raw) -> Path:
    from optimizer.cli import safe_folder_name

    return Path(out) if out else Path("reports") / safe_folder_name(str(raw.scenario.get("name", "baseline")))


def _provenance(workbook: str, raw) -> dict:
    """Which workbook and which Scenario an analysis ran on, so a report can tell."""
    from optimizer.data import file_sha256

    return {"source": {"workbook": Path(workbook).name, "sha256": file_sha256(workbook)},
            "scenario_parameters": {k: v for k, v in raw.scenario.items()}}


def _write(path: Path, payload: dict) -> None:
    from optimizer.atomic import write_text_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def _refresh_report(folder: Path, written: Path) -> None:
    """Rebuild ``folder/report.pdf`` with every analysis saved in ``folder``, if ``folder`` holds a plan.json."""
    if not (folder / "plan.json").is_file():
        return
    from optimizer.cli import load_analyses_reporting
    from optimizer.report import load_plan, write_report

    target = folder / "report.pdf"
    try:
        plan = load_plan(folder)
        write_report(plan, target, load_analyses_reporting(folder))
    except KeyboardInterrupt:
        click.echo(f"forceplan: interrupted; {written} was written, {target.name} was left as it was", err=True)
        sys.exit(130)
    except Exception as exc:  # the analysis is saved; the report is not, and says nothing false
        message = " ".join(str(exc).split())
        click.echo(f"forceplan: {written} was written, but {target} was not rebuilt (left as it was): {type(exc).__name__}: {message}", err=True)
        sys.exit(EXIT_FAILURE)
    click.echo(f"written: {target}")


def _common(fn):
    fn = click.option("--set", "overrides", multiple=True, metavar="PARAMETER=VALUE", help="Override a Scenario parameter (repeatable).")(fn)
    fn = click.option("--out", "out", type=click.Path(file_okay=False), default=None, help="Output folder (default: reports/<scenario name>/).")(fn)
    fn = click.option("--dask", "dask", default=None, metavar="ADDRESS", help="Run the solves on this Dask scheduler (or set FORCEPLAN_DASK).")(fn)
    fn = click.option("--workers", type=click.IntRange(min=1), default=None, help="Local worker processes (default: one per core).")(fn)
    fn = click.argument("workbook", type=click.Path(dir_okay=False))(fn)
    return fn


def _close_progress_bars() -> None:
    """Clear the progress bar an interruption left half-drawn, so the message starts its own line."""
    if "tqdm" in sys.modules:
        from tqdm import tqdm

        for bar in list(getattr(tqdm, "_instances", ())):
            bar.close()


def _guard(run):
    """Run an analysis; turn failures into one clear line and exit 1."""
    try:
        return run()
    except KeyboardInterrupt:
        _close_progress_bars()
        click.echo("forceplan: interrupted; nothing was written half-way", err=True)
        sys.exit(130)
    except (OSError, RuntimeError, ValueError) as exc:
        click.echo(f"forceplan: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_FAILURE)


@click.command()
@_common
def explain(workbook, dask, workers, out, overrides):
    """Why the gaps in WORKBOOK's plan, and which levers close them (explain.json)."""
    from optimizer.analysis.executor import make_executor, terminal_progress
    from optimizer.analysis.explain import explain as run_explain
    from optimizer.analysis.explain import format_explanation

    raw = _load(workbook, overrides)

    def run():
        with make_executor(dask, workers) as ex:
            return run_explain(raw, ex, terminal_progress("levers"))

    result = {**_guard(run), **_provenance(workbook, raw)}
    target = _out_dir(out, raw) / "explain.json"
    _write(target, result)
    click.echo(format_explanation(result))
    click.echo(f"written: {target}")
    _refresh_report(target.parent, target)


@click.command()
@_common
@click.option("--samples", type=click.IntRange(min=1), default=200, show_default=True, help="Monte Carlo samples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Root seed of the Monte Carlo draws.")
@click.option("--resilient/--no-resilient", default=True, show_default=True,
              help="Also plan with backfill reserves on essential lines and compare with the nominal plan.")
def stress(workbook, dask, workers, out, overrides, samples, seed, resilient):
    """Withdrawal stress of WORKBOOK's plan: N-1, N-2 and Monte Carlo (stress.json)."""
    from optimizer.analysis.executor import make_executor, terminal_progress
    from optimizer.analysis.stress import format_stress
    from optimizer.analysis.stress import stress as run_stress

    raw = _load(workbook, overrides)

    def run():
        from optimizer.analysis.resilience import resilient_comparison

        with make_executor(dask, workers) as ex:
            result = run_stress(raw, ex, samples=samples, seed=seed, progress=terminal_progress("solves")).to_dict()
            if resilient:
                result["resilient"] = resilient_comparison(raw, ex, terminal_progress("resilient"))
            return result

    report = {**_guard(run), **_provenance(workbook, raw)}
    target = _out_dir(out, raw) / "stress.json"
    _write(target, report)
    click.echo(format_stress(report))
    click.echo(f"written: {target}")
    _refresh_report(target.parent, target)


@click.command()
@_common
def frontier(workbook, dask, workers, out, overrides):
    """The largest force under each combination of conditions (frontier.json)."""
    from optimizer.analysis.executor import make_executor, terminal_progress
    from optimizer.analysis.frontier import condition_frontier, format_frontier

    raw = _load(workbook, overrides)

    def run():
        from optimizer.analysis.frontier import cost_fairness_tradeoff

        with make_executor(dask, workers) as ex:
            return {"conditions": condition_frontier(raw, ex, terminal_progress("solves")),
                    "tradeoff": cost_fairness_tradeoff(raw, ex, progress=terminal_progress("trade-off"))}

    result = {**_guard(run), **_provenance(workbook, raw)}
    target = _out_dir(out, raw) / "frontier.json"
    _write(target, result)
    click.echo(format_frontier(result))
    click.echo(f"written: {target}")
    _refresh_report(target.parent, target)


COMMANDS = (explain, stress, frontier)
