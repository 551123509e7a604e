"""``forceplan explain | stress | frontier``: the analyses, three commands made from one table.

Each reads and validates the workbook exactly as ``solve`` does (exit 2 on bad
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
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import click

from optimizer.cli.common import EXIT_INPUT, default_out_dir, fail, interrupted, load_analyses_reporting
from optimizer.errors import InputError


# -- what each analysis runs (imports are lazy: the CLI starts quickly) -----------------------


def _explain(raw, executor, progress) -> dict:
    from optimizer.analysis.explain import explain

    return explain(raw, executor, progress("levers"))


def _stress(raw, executor, progress, samples: int, seed: int, resilient: bool, from_period: int) -> dict:
    from optimizer.analysis.resilience import resilient_comparison
    from optimizer.analysis.stress import stress

    result = stress(raw, executor, samples=samples, seed=seed, progress=progress("solves"), from_period=from_period).to_dict()
    if resilient:
        result["resilient"] = resilient_comparison(raw, executor, progress("resilient"))
    return result


def _frontier(raw, executor, progress) -> dict:
    from optimizer.analysis.frontier import condition_frontier, cost_fairness_tradeoff

    return {"conditions": condition_frontier(raw, executor, progress("solves")),
            "tradeoff": cost_fairness_tradeoff(raw, executor, progress=progress("trade-off"))}


def _format(module: str, name: str) -> Callable[[dict], str]:
    def format_result(result: dict) -> str:
        from importlib import import_module

        return getattr(import_module(module), name)(result)

    return format_result


@dataclass(frozen=True)
class Analysis:
    name: str
    help: str
    run: Callable[..., dict]  # (raw tables, executor, progress factory, **its own options) -> the JSON dict
    format: Callable[[dict], str]  # the terminal's text
    options: tuple = ()  # click.option decorators of its own

    @property
    def output(self) -> str:
        return f"{self.name}.json"


ANALYSES = (
    Analysis("explain", "Why the gaps in WORKBOOK's plan, and which levers close them (explain.json).",
             _explain, _format("optimizer.analysis.explain", "format_explanation")),
    Analysis("stress", "Withdrawal stress of WORKBOOK's plan: N-1, N-2 and Monte Carlo (stress.json).",
             _stress, _format("optimizer.analysis.stress", "format_stress"), options=(
                 click.option("--samples", type=click.IntRange(min=1), default=200, show_default=True, help="Monte Carlo samples."),
                 click.option("--seed", type=int, default=0, show_default=True, help="Root seed of the Monte Carlo draws."),
                 click.option("--resilient/--no-resilient", default=True, show_default=True,
                              help="Also plan with backfill reserves on essential lines and compare with the nominal plan."),
                 click.option("--from-period", "from_period", type=click.IntRange(min=1), default=1, show_default=True,
                              help="Over several periods: each nation withdraws from this period on (a change of government mid-mission)."),
             )),
    Analysis("frontier", "The largest force under each combination of conditions (frontier.json).",
             _frontier, _format("optimizer.analysis.frontier", "format_frontier")),
)


# -- the steps every analysis command takes -----------------------------------------------------


def _load(workbook: str, overrides: tuple[str, ...]):
    from optimizer.reader import read_tables

    try:
        return read_tables(workbook, overrides)
    except InputError as exc:
        fail(exc.report(), EXIT_INPUT)


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
    from optimizer.report import load_plan, write_report

    target = folder / "report.pdf"
    try:
        plan = load_plan(folder)
        write_report(plan, target, load_analyses_reporting(folder))
    except KeyboardInterrupt:
        interrupted(f"forceplan: interrupted; {written} was written, {target.name} was left as it was")
    except Exception as exc:  # the analysis is saved; the report is not, and says nothing false
        message = " ".join(str(exc).split())
        fail(f"forceplan: {written} was written, but {target} was not rebuilt (left as it was): {type(exc).__name__}: {message}")
    click.echo(f"written: {target}")


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
        interrupted("forceplan: interrupted; nothing was written half-way")
    except (OSError, RuntimeError, ValueError) as exc:
        fail(f"forceplan: {type(exc).__name__}: {exc}")


def _command(analysis: Analysis) -> click.Command:
    def command(workbook, dask, workers, out, overrides, **options):
        from optimizer.analysis.executor import make_executor, terminal_progress

        raw = _load(workbook, overrides)

        def run():
            with make_executor(dask, workers) as executor:
                return analysis.run(raw, executor, terminal_progress, **options)

        result = {**_guard(run), **_provenance(workbook, raw)}
        target = default_out_dir(out, str(raw.scenario.get("name", "baseline"))) / analysis.output
        _write(target, result)
        click.echo(analysis.format(result))
        click.echo(f"written: {target}")
        _refresh_report(target.parent, target)

    command.__doc__ = analysis.help
    for option in reversed(analysis.options):
        command = option(command)
    command = click.option("--set", "overrides", multiple=True, metavar="PARAMETER=VALUE", help="Override a Scenario parameter (repeatable).")(command)
    command = click.option("--out", "out", type=click.Path(file_okay=False), default=None, help="Output folder (default: reports/<scenario name>/).")(command)
    command = click.option("--dask", "dask", default=None, metavar="ADDRESS", help="Run the solves on this Dask scheduler (or set FORCEPLAN_DASK).")(command)
    command = click.option("--workers", type=click.IntRange(min=1), default=None, help="Local worker processes (default: one per core).")(command)
    command = click.argument("workbook", type=click.Path(dir_okay=False))(command)
    return click.command(name=analysis.name, help=analysis.help)(command)


COMMANDS = tuple(_command(a) for a in ANALYSES)
