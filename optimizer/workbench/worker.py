"""The solver worker process: ``python -m optimizer.workbench.worker --fd N``.

Started by :class:`optimizer.workbench.jobs.SolveService` with one end of a
socket pair as file descriptor ``N``.  It imports the engine once, says
``ready``, then loops: receive a job (validated ``PlanningData``), solve it
with :func:`optimizer.pipeline.plan_data`, send back the stage-1 plan as soon
as stage 1 is done (``interim``: its shortfall is final, its sharing not yet
optimised), the plan's JSON dict (``done``) and then its plan.xlsx bytes
(``xlsx``), so the page need not wait for stage 2 or the workbook.

A plain subprocess rather than a ``multiprocessing`` child on purpose: the web
server runs the app as its ``__main__`` module, which a spawned
``multiprocessing`` child would import (and run) again.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from pathlib import Path


def serve(conn) -> None:
    """Loop: receive ("solve", job_id, data); answer ("stage", job_id, "solve"), and when stage 2 is
    to run ("interim", job_id, the stage-1 plan) and ("stage", job_id, "stage2"); then ("done", job_id,
    plan) and ("xlsx", job_id, bytes or None), or ("error", job_id, message)."""
    try:
        from optimizer.outputs import plan_to_dict, write_plan_xlsx
        from optimizer.pipeline import plan_data
        from optimizer.solve import SolverFailure
    except Exception as exc:  # noqa: BLE001
        conn.send(("fatal", 0, f"the engine cannot be imported: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", 0, None))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if not msg or msg[0] != "solve":
            return
        _, job_id, data = msg

        def interim(plan, job_id=job_id) -> None:  # stage 1 done: its plan now, while stage 2 runs
            conn.send(("interim", job_id, plan_to_dict(plan)))
            conn.send(("stage", job_id, "stage2"))

        try:
            conn.send(("stage", job_id, "solve"))
            plan = plan_data(data, on_interim=interim)
            conn.send(("done", job_id, plan_to_dict(plan)))  # the page can show the plan now
        except SolverFailure as exc:
            conn.send(("error", job_id, f"solver failure: {exc}"))
            continue
        except KeyboardInterrupt:
            return
        except Exception as exc:  # noqa: BLE001 - the traceback goes to the server log, one line to the user
            traceback.print_exc(file=sys.stderr)
            conn.send(("error", job_id, f"unexpected failure while solving ({type(exc).__name__})"))
            continue
        try:  # plan.xlsx follows, off the critical path
            with tempfile.TemporaryDirectory(prefix="forceplan-worker-") as tmp:
                path = Path(tmp) / "plan.xlsx"
                write_plan_xlsx(plan, path)
                conn.send(("xlsx", job_id, path.read_bytes()))
        except KeyboardInterrupt:
            return
        except Exception:  # noqa: BLE001
            traceback.print_exc(file=sys.stderr)
            conn.send(("xlsx", job_id, None))


def main(argv: list[str] | None = None) -> None:
    from multiprocessing.connection import Connection

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fd", type=int, required=True)
    args = parser.parse_args(argv)
    conn = Connection(args.fd)
    try:
        serve(conn)
    finally:
        conn.close()


if __name__ == "__main__":
    main()
