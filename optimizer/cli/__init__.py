"""The command line, ``forceplan``: one module per group of commands.

- :mod:`optimizer.cli.common` — exit codes (0 plan written, 2 input rejected,
  1 any other failure, 130 interrupted), the default output folder, one-line failures;
- :mod:`optimizer.cli.plan` — ``solve``, ``report``, ``template``;
- :mod:`optimizer.cli.analyses` — ``explain``, ``stress``, ``frontier``, made from one table.
"""

from __future__ import annotations

import os
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
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:
            leave_interrupted()
        raise
    except Exception as exc:  # the last guard: one clear line, never a traceback
        click.echo(f"forceplan: unexpected failure: {type(exc).__name__}: {exc}", err=True)
        sys.exit(EXIT_FAILURE)


def leave_interrupted() -> None:
    """End the process with exit status 130 after a Ctrl-C that was handled (its line printed,
    nothing half-written), at once.

    Not ``sys.exit(130)``: CPython 3.11 turns the exit into a kill by SIGINT (status −2) once a
    KeyboardInterrupt has left an ``exec`` or ``eval`` of a *string* anywhere in the process —
    even one caught later — and the imports done while the outputs are written make classes
    that way (dataclasses, named tuples).  Seen once as a flaky fault test; reproduced and
    pinned by ``tests/test_faults.py::test_ctrl_c_inside_an_exec_of_a_string_still_exits_130``.
    Everything the interruption had to undo is undone by then (staged outputs discarded,
    worker pools shut down), so only the streams need flushing.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(EXIT_INTERRUPTED)
