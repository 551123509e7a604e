"""One analysis of the workbench's inputs, in its own process:
``python -m optimizer.workbench.analysis_worker KIND WORKBOOK OUT [options]``.

Started by :class:`optimizer.workbench.analyses.AnalysisService`.  It reads
``WORKBOOK`` (the session's inputs, written as a contract workbook) with the
command line's own reader, runs :func:`~optimizer.analysis.explain.explain`,
:func:`~optimizer.analysis.stress.stress` or
:func:`~optimizer.analysis.frontier.condition_frontier` on a local process
pool, and writes the result JSON to ``OUT`` atomically: the same payload the
``forceplan explain|stress|frontier`` commands write, so the report reads it.

Progress goes to stdout, one JSON object a line:
``{"phase": "...", "done": d, "total": t}`` (a new phase starts a new count),
and ``{"error": "..."}`` on failure (exit 1; bad input exits 2).

A plain subprocess on purpose: the web server runs the app as its
``__main__`` module, which a spawned ``multiprocessing`` child would import
(and run) again.  Here ``__main__`` is this module, which is safe to re-import.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from concurrent.futures import Executor
from pathlib import Path

KINDS = ("explain", "stress", "frontier")


def emit(**message) -> None:
    sys.stdout.write(json.dumps(message, default=str) + "\n")
    sys.stdout.flush()


def phase_of(kind: str, label: str) -> str:
    """The phase a solve belongs to, from its variant's label."""
    if kind == "stress":
        if label.startswith("withdrawn:"):
            return "Monte Carlo samples"
        if label.startswith("without ") and " and " in label:
            return "N-2 pairs"
        if label.startswith("without "):
            return "N-1 withdrawals"
        return "base plan"
    if kind == "explain":
        return "levers"
    if kind == "frontier":
        return "combinations of conditions" if label.startswith(("largest force", "plan:")) else "cost–fairness trade-off"
    return kind


class PhaseExecutor(Executor):
    """Passes solves on to ``inner``, noting the phase of the latest batch (from the variant labels)."""

    def __init__(self, inner: Executor, kind: str):
        self.inner, self.kind, self.phase = inner, kind, "solves"

    def submit(self, fn, /, *args, **kwargs):
        label = getattr(args[1], "label", "") if len(args) > 1 else ""
        self.phase = phase_of(self.kind, str(label))
        return self.inner.submit(fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):  # the pool is closed by its owner
        pass


def run(kind: str, workbook: Path, *, samples: int, seed: int, workers: int | None, source: dict, from_period: int = 1) -> dict:
    from optimizer.analysis.executor import make_executor
    from optimizer.reader import read_tables

    raw = read_tables(workbook)
    emit(phase="starting solver processes", done=0, total=0)
    with make_executor(None, workers) as pool:
        ex = PhaseExecutor(pool, kind)

        def progress(done: int, total: int) -> None:
            emit(phase=ex.phase, done=done, total=total)

        if kind == "explain":
            from optimizer.analysis.explain import explain

            emit(phase="planning the current inputs and finding causes", done=0, total=0)
            result = explain(raw, ex, progress)
        elif kind == "stress":
            from optimizer.analysis.stress import stress

            emit(phase="planning the current inputs", done=0, total=0)
            result = stress(raw, ex, samples=samples, seed=seed, progress=progress, from_period=from_period).to_dict()
        else:
            from optimizer.analysis import frontier

            result = {"conditions": frontier.condition_frontier(raw, ex, progress)}
            tradeoff = getattr(frontier, "cost_fairness_tradeoff", None)
            if callable(tradeoff):
                try:
                    ex.phase = "cost–fairness trade-off"
                    result["tradeoff"] = list(tradeoff(raw, ex, progress=progress))
                except Exception as exc:  # noqa: BLE001 - the conditions stand without it
                    traceback.print_exc(file=sys.stderr)
                    result["tradeoff_error"] = f"{type(exc).__name__}: {exc}"
    result.update(source=source, scenario_parameters=dict(raw.scenario))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("workbook", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--from-period", type=int, default=1, help="stress over time: the nations withdraw from this period on")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--source-name", default="forceplan workbench")
    parser.add_argument("--source-sha256", default="")
    args = parser.parse_args(argv)
    from optimizer.atomic import write_text_atomic
    from optimizer.errors import InputError

    try:
        result = run(args.kind, args.workbook, samples=args.samples, seed=args.seed, workers=args.workers, from_period=args.from_period,
                     source={"workbook": args.source_name, "sha256": args.source_sha256})
    except InputError as exc:
        emit(error="the inputs were rejected: " + "; ".join(str(i) for i in exc.issues[:5]))
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the traceback goes to the server log, one line to the page
        traceback.print_exc(file=sys.stderr)
        emit(error=f"the analysis failed ({type(exc).__name__}: {' '.join(str(exc).split())[:300]})")
        return 1
    write_text_atomic(args.out, json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    emit(phase="done", done=1, total=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
