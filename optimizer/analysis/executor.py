"""Where the many solves run: a local process pool, or a Dask cluster.

Both are ``concurrent.futures``-style executors.  Results come back in task
order whatever order they finish in, so an analysis gives the same output on
any executor and any number of workers (each solve uses one thread and the
fixed HiGHS seed; random draws are made by the caller, from one root seed).
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from typing import Callable, Iterable, Iterator, Sequence

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
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=context) as pool:
        yield pool


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


def chunked(items: Iterable, size: int) -> list[list]:
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]
