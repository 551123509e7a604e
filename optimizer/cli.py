"""The command line: ``forceplan solve``, ``forceplan report`` and ``forceplan template``.

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

from optimizer.errors import InputError

EXIT_INPUT = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
INTERRUPTED_SOLVING = "forceplan: interrupted while reading or solving; nothing was written"


def safe_folder_name(name: str) -> str:
    """A scenario name as a single, harmless folder name (no path tricks)."""
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", name).strip(" .")
    cleaned = re.sub(r"\s+", "_", cleaned)
    return cleaned[:80] or "scenario"


class _InterruptedBeforeWriting(KeyboardInterrupt):
    """Ctrl-C while reading or solving: nothing was being written yet."""


def _interrupted(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_INTERRUPTED)


def run_solve(workbook: str, out: str | None, overrides: tuple[str, ...]) -> tuple[object, Path]:
    """Read, solve and write; returns (PlanResult, output folder).  Raises InputError.

    Ctrl-C while reading or solving raises :class:`_InterruptedBeforeWriting`
    (the solve turns a Ctrl-C that HiGHS swallowed back into KeyboardInterrupt:
    :func:`optimizer.solve._ctrl_c_noted`); while writing it raises
    KeyboardInterrupt, and the staged outputs are discarded
    (:func:`optimizer.pipeline.write_outputs`).
    """
    from optimizer.pipeline import plan_workbook, write_outputs

    try:
        plan = plan_workbook(workbook, overrides)
    except KeyboardInterrupt:
        raise _InterruptedBeforeWriting from None
    out_dir = Path(out) if out else Path("reports") / safe_folder_name(plan.scenario["name"])
    src = Path(workbook).resolve()
    if any((out_dir / name).resolve() == src for name in ("plan.json", "plan.xlsx", "report.pdf")):
        raise click.UsageError(f"--out would overwrite the input workbook {workbook}")
    write_outputs(plan, out_dir)
    return plan, out_dir


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="forceplan")
def cli() -> None:
    """forceplan: coalition force-generation planning, pledges in, allocation out."""


@cli.command()
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=str))
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=str), default=None, help="Output folder (default: reports/<scenario name>/).")
@click.option("--set", "overrides", multiple=True, metavar="PARAMETER=VALUE", help="Override a Scenario parameter (repeatable).")
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
def solve(workbook: str, out: str | None, overrides: tuple[str, ...], quiet: bool) -> None:
    """Plan the force for WORKBOOK and write plan.json, plan.xlsx and report.pdf."""
    try:  # Ctrl-C during these imports: exit 130 too (not click's "Aborted!", exit 1)
        from optimizer.report import ReportError
        from optimizer.solve import SolverFailure
        from optimizer.summary import format_summary
    except KeyboardInterrupt:
        _interrupted(INTERRUPTED_SOLVING)

    try:
        plan, out_dir = run_solve(workbook, out, overrides)
    except InputError as exc:
        click.echo(exc.report(), err=True)
        sys.exit(EXIT_INPUT)
    except SolverFailure as exc:
        click.echo(f"forceplan: solver failure: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
    except _InterruptedBeforeWriting:
        _interrupted(INTERRUPTED_SOLVING)
    except KeyboardInterrupt:
        _interrupted("forceplan: interrupted; nothing was written half-way")
    except click.UsageError:
        raise
    except ReportError as exc:
        click.echo(f"forceplan: plan.json and plan.xlsx were written, but report.pdf failed: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
    except OSError as exc:
        click.echo(f"forceplan: cannot write outputs: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
    if not quiet:
        click.echo(format_summary(plan, str(out_dir)))


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


@cli.command()
@click.argument("plan_dir", type=click.Path(path_type=str))
def report(plan_dir: str) -> None:
    """Rebuild PLAN_DIR/report.pdf from the saved PLAN_DIR/plan.json, with a section for each analysis
    saved there (explain.json, stress.json, frontier.json)."""
    from optimizer.report import PlanFormatError, load_plan, write_report

    try:
        plan = load_plan(plan_dir)
    except PlanFormatError as exc:
        click.echo(f"forceplan: {exc}", err=True)
        sys.exit(EXIT_INPUT)
    target = Path(plan_dir) / "report.pdf" if not Path(plan_dir).is_file() else Path(plan_dir).with_name("report.pdf")
    analyses = load_analyses_reporting(plan_dir)
    try:
        write_report(plan, target, analyses)
    except KeyboardInterrupt:
        click.echo("forceplan: interrupted; report.pdf was left as it was", err=True)
        sys.exit(130)
    except OSError as exc:
        click.echo(f"forceplan: cannot write {target}: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
    except Exception as exc:
        click.echo(f"forceplan: the report failed: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
    click.echo(f"written: {target}")


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=str))
def template(out: str) -> None:
    """Write an empty workbook of the same form as the default to OUT."""
    from optimizer.workbook_writer import write_template

    try:
        write_template(out)
    except OSError as exc:
        click.echo(f"forceplan: cannot write {out}: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
    click.echo(f"written: {out}")


def _register_analyses() -> None:
    """explain, stress and frontier live in optimizer.analysis; their imports are lazy."""
    from optimizer.analysis.commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


_register_analyses()


def main() -> None:
    try:
        cli(standalone_mode=True)
    except Exception as exc:  # the last guard: one clear line, never a traceback
        click.echo(f"forceplan: unexpected failure: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
