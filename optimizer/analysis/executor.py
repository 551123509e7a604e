"""Where the many solves run: a local process pool, or a Dask cluster.

Both are ``concurrent.futures``-style executors.  Results come back in task
order whatever order they finish in, so an analysis gives the same output on
any executor and any number of workers (each solve uses one thread and the
fixed HiGHS seed; random draws are made by the caller, from one root seed).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from typing import Callable, Iterator, Sequence

DASK_ENV = "FORCEPLAN_DASK"


@contextlib.contextmanager
def make_executor(dask_address: str | None = None, workers: int | None = None) -> Iterator[Executor]:
    """A process pool (default: one worker per core), or a Dask client's executor.

    ``dask_address`` (or the ``FORCEPLAN_DASK`` environment variable) is a
    scheduler address such as ``tcp://10.0.0.5:8786``.
    """
    address = dask_address or os.environ.get(DASK_ENV) or None
    if address:
        from distributed import Client

        with Client(address, set_as_default=False) as client:
            yield client.get_executor(pure=False)
        return
    import multiprocessing

    # 'spawn' keeps workers free of the parent's state (threads, open solvers).
    context = multiprocessing.get_context("spawn")
    _start_resource_tracker_quietly()
    pool = ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=context, initializer=_leave_ctrl_c_to_the_parent)
    try:
        yield pool
    except BaseException:  # Ctrl-C or a failed solve: stop now, not after every queued solve
        _stop_at_once(pool)
        raise
    pool.shutdown(wait=True)


def _leave_ctrl_c_to_the_parent() -> None:
    """Pool workers ignore SIGINT.  A terminal sends Ctrl-C to every process of the
    command; the parent alone reacts (and stops the workers), so no worker prints a
    traceback of its own or turns an interrupted solve into a result."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# The resource tracker (multiprocessing's helper process that removes named semaphores
# left behind) warns when it removes one.  Each pool worker holds one such semaphore
# (pyomo's output-capture lock); a worker stopped by _stop_at_once cannot release it, so
# after a Ctrl-C the tracker would print a "leaked semaphore" warning under the
# one-line message.  It still removes the semaphore; only its warning is silenced.
_TRACKER_WARNING = "ignore:resource_tracker:UserWarning"
_tracker_lock = threading.Lock()


def _start_resource_tracker_quietly() -> None:
    """Start the resource tracker (if not yet running) with its clean-up warning silenced."""
    from multiprocessing import resource_tracker

    with _tracker_lock:
        saved = os.environ.get("PYTHONWARNINGS")
        os.environ["PYTHONWARNINGS"] = ",".join(filter(None, [saved, _TRACKER_WARNING]))
        try:
            resource_tracker.ensure_running()  # it takes this environment; nothing else does
        finally:
            if saved is None:
                del os.environ["PYTHONWARNINGS"]
            else:
                os.environ["PYTHONWARNINGS"] = saved


def _stop_at_once(pool: ProcessPoolExecutor) -> None:
    """Cancel the queued solves and end the running ones.

    ``shutdown(wait=True)`` (what ``with`` does) would run every queued solve
    first: minutes of work nobody will read after a Ctrl-C.  The workers are
    terminated because a solve cannot be cancelled once started; their
    results were going to be discarded anyway.  ``_processes`` is the
    executor's own table of its workers (CPython 3.8+).
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)
    if manager is not None:  # it notices the ended workers, closes the queues and frees their semaphores
        manager.join(timeout=5)


def run_all(
    executor: Executor,
    fn: Callable,
    args: Sequence[tuple],
    progress: Callable[[int, int], None] | None = None,
) -> list:
    """``[fn(*a) for a in args]`` on the executor, in task order, reporting progress."""
    futures = {executor.submit(fn, *a): i for i, a in enumerate(args)}
    results: list = [None] * len(futures)
    done = 0
    for future in as_completed(futures):
        results[futures[future]] = future.result()
        done += 1
        if progress:
            progress(done, len(futures))
    return results


def terminal_progress(label: str) -> Callable[[int, int], None]:
    """A tqdm progress bar on stderr, fed by :func:`run_all`."""
    from tqdm import tqdm

    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None or bar.disable or done <= bar.n or total != bar.total:  # a new batch of solves
            if bar is not None:
                bar.close()
            bar = tqdm(total=total, desc=label, unit="solve", leave=False, dynamic_ncols=True)
        bar.update(done - bar.n)
        if done == total:
            bar.close()

    return update
