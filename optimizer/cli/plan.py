"""``forceplan solve``, ``forceplan report`` and ``forceplan template``."""

from __future__ import annotations

from pathlib import Path

import click

from optimizer.cli.common import EXIT_FAILURE, EXIT_INPUT, default_out_dir, fail, interrupted, load_analyses_reporting
from optimizer.errors import InputError

INTERRUPTED_SOLVING = "forceplan: interrupted while reading or solving; nothing was written"


class _InterruptedBeforeWriting(KeyboardInterrupt):
    """Ctrl-C while reading or solving: nothing was being written yet."""


def run_solve(workbook: str, out: str | None, overrides: tuple[str, ...]) -> tuple[object, Path]:
    """Read, solve and write; returns (PlanResult, output folder).  Raises InputError.

    Ctrl-C while reading or solving raises :class:`_InterruptedBeforeWriting`
    (the solve turns a Ctrl-C that HiGHS swallowed back into KeyboardInterrupt:
    :func:`optimizer.highs_adapter.ctrl_c_noted`); while writing it raises
    KeyboardInterrupt, and the staged outputs are discarded
    (:func:`optimizer.pipeline.write_outputs`).
    """
    from optimizer.pipeline import plan_workbook, write_outputs

    try:
        plan = plan_workbook(workbook, overrides)
    except KeyboardInterrupt:
        raise _InterruptedBeforeWriting from None
    out_dir = default_out_dir(out, plan.scenario["name"])
    src = Path(workbook).resolve()
    if any((out_dir / name).resolve() == src for name in ("plan.json", "plan.xlsx", "report.pdf")):
        raise click.UsageError(f"--out would overwrite the input workbook {workbook}")
    write_outputs(plan, out_dir)
    return plan, out_dir


@click.command()
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
        interrupted(INTERRUPTED_SOLVING)

    try:
        plan, out_dir = run_solve(workbook, out, overrides)
    except InputError as exc:
        fail(exc.report(), EXIT_INPUT)
    except SolverFailure as exc:
        fail(f"forceplan: solver failure: {exc}")
    except _InterruptedBeforeWriting:
        interrupted(INTERRUPTED_SOLVING)
    except KeyboardInterrupt:
        interrupted("forceplan: interrupted; nothing was written half-way")
    except click.UsageError:
        raise
    except ReportError as exc:
        fail(f"forceplan: plan.json and plan.xlsx were written, but report.pdf failed: {exc}")
    except OSError as exc:
        fail(f"forceplan: cannot write outputs: {exc}")
    if not quiet:
        click.echo(format_summary(plan, str(out_dir)))


@click.command()
@click.argument("plan_dir", type=click.Path(path_type=str))
def report(plan_dir: str) -> None:
    """Rebuild PLAN_DIR/report.pdf from the saved PLAN_DIR/plan.json, with a section for each analysis
    saved there (explain.json, stress.json, frontier.json)."""
    from optimizer.report import PlanFormatError, load_plan, write_report

    try:
        plan = load_plan(plan_dir)
    except PlanFormatError as exc:
        fail(f"forceplan: {exc}", EXIT_INPUT)
    target = Path(plan_dir) / "report.pdf" if not Path(plan_dir).is_file() else Path(plan_dir).with_name("report.pdf")
    analyses = load_analyses_reporting(plan_dir)
    try:
        write_report(plan, target, analyses)
    except KeyboardInterrupt:
        interrupted("forceplan: interrupted; report.pdf was left as it was")
    except OSError as exc:
        fail(f"forceplan: cannot write {target}: {exc}")
    except Exception as exc:
        fail(f"forceplan: the report failed: {type(exc).__name__}: {exc}")
    click.echo(f"written: {target}")


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=str))
def template(out: str) -> None:
    """Write an empty workbook of the same form as the default to OUT."""
    from optimizer.workbook_writer import write_template

    try:
        write_template(out)
    except OSError as exc:
        fail(f"forceplan: cannot write {out}: {exc}", EXIT_FAILURE)
    click.echo(f"written: {out}")


COMMANDS = (solve, report, template)
