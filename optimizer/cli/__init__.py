"""The command line, ``forceplan``: one module per group of commands.

- :mod:`optimizer.cli.common` — exit codes (0 plan written, 2 input rejected,
  1 any other failure, 130 interrupted), the default output folder, one-line failures;
- :mod:`optimizer.cli.plan` — ``solve``, ``report``, ``template``;
- :mod:`optimizer.cli.analyses` — ``explain``, ``stress``, ``frontier``, made from one table.
"""

from __future__ import annotations

import sys

import click

from optimizer.cli import analyses, plan
from optimizer.cli.common import EXIT_FAILURE, EXIT_INPUT, EXIT_INTERRUPTED, safe_folder_name
from optimizer.cli.plan import run_solve

__all__ = ["EXIT_FAILURE", "EXIT_INPUT", "EXIT_INTERRUPTED", "cli", "main", "run_solve", "safe_folder_name"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="forceplan")
def cli() -> None:
    """forceplan: coalition force-generation planning, pledges in, allocation out."""


for _command in (*plan.COMMANDS, *analyses.COMMANDS):
    cli.add_command(_command)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except Exception as exc:  # the last guard: one clear line, never a traceback
        click.echo(f"forceplan: unexpected failure: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
