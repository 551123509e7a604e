"""The solver service: solves run in worker processes, never in the caller's thread.

:class:`SolveService` keeps a small pool of long-lived worker processes
(:mod:`optimizer.workbench.worker`, plain subprocesses that share nothing with
the web server but a socket) that import the engine once and then solve one
:class:`~optimizer.data.PlanningData` after another with
:func:`optimizer.pipeline.plan_data`.  Per job the service records
its stages as they happen (queued, solving, done), so a page can show live
progress while staying responsive; the plan is handed over as soon as it is
solved, and its plan.xlsx follows a moment later (:meth:`SolveService.with_xlsx`).

- **Time limit.** The engine stops HiGHS at the Scenario's ``time_limit_s``;
  the service adds a wall-clock guard on top (the limit plus a margin for
  model building and hand-over): a worker that has not answered by then is
  killed and replaced, and the job fails with a clear message.
- **Cache.** Finished plans are kept by the content hash of their inputs
  (:attr:`optimizer.workbench.inputs.Inputs.key`), so returning to an
  earlier state costs nothing.  The same hash submitted twice while running
  shares one job.  Plans only depend on their inputs, so sessions sharing the
  cache never see each other's edits: a session can only find a plan for
  inputs it holds itself.
- **Isolation from crashes.** A worker that dies takes only its job with it;
  the next job starts a fresh one.
- **Bounded memory.** The cache holds at most ``cache_size`` plans; all but
  the ``HOT_PLANS`` most recently used are kept packed (pickled and
  compressed, a tenth of a plan dict's size in memory) and unpacked when
  asked for again.  Only the latest ``finished_jobs_kept`` finished jobs are
  remembered (a session picks its job up within a poll interval), so a plan
  that has left the cache is freed however long the server runs.

Nothing here imports pyomo; the worker processes import the engine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import os
import pickle
import queue
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger("forceplan.workbench")

GUARD_MARGIN_S = 30.0  # added to time_limit_s before a silent worker is killed
FINISHED_JOBS_KEPT = 16  # finished jobs remembered for their sessions to pick up (their plans stay in the cache)
HOT_PLANS = 16  # cached plans kept unpacked (the most recently used)
GUARD_FACTOR = 1.25
START_TIMEOUT_S = 180.0  # a fresh worker must be ready (engine imported) within this

STAGE_LABELS = {
    "queued": "Waiting for a solver worker",
    "solve": "Solving: the model and stage 1 (shortfall) on HiGHS",
    "stage2": "Stage 2: cost, fairness and handovers (the shortfall is final)",
    "done": "Done",
}


@dataclasses.dataclass(frozen=True)
class SolvedPlan:
    """A finished plan: the contract's plan.json dict and plan.xlsx bytes (``None``
    while the worker is still writing them: :meth:`SolveService.with_xlsx` waits)."""

    key: str
    plan: dict
    xlsx: bytes | None
    solved_at: str
    wall_seconds: float = 0.0  # from submission to result
    interim: bool = False  # stage 1's plan while stage 2 runs: shown, never cached, saved or downloaded


@dataclasses.dataclass(frozen=True)
class _Packed:
    """A cached plan that has not been used for a while: its dict pickled and compressed."""

    key: str
    blob: bytes
    xlsx: bytes | None
    solved_at: str
    wall_seconds: float

    @classmethod
    def pack(cls, solved: SolvedPlan) -> _Packed:
        blob = zlib.compress(pickle.dumps(solved.plan, protocol=pickle.HIGHEST_PROTOCOL), 1)
        return cls(solved.key, blob, solved.xlsx, solved.solved_at, solved.wall_seconds)

    def unpack(self) -> SolvedPlan:
        return SolvedPlan(self.key, pickle.loads(zlib.decompress(self.blob)), self.xlsx, self.solved_at, self.wall_seconds)


class PlanCache:
    """Plans by input hash; the least recently used is dropped beyond ``size``.

    The ``hot`` most recently used are kept as they are (so a plan on show is
    the same object run after run); older ones are packed.  Not thread-safe:
    the service calls it under its lock.
    """

    def __init__(self, size: int, hot: int = HOT_PLANS):
        self.size = max(1, int(size))
        self.hot = max(1, min(int(hot), self.size))
        self._items: OrderedDict[str, SolvedPlan | _Packed] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def get(self, key: str) -> SolvedPlan | None:
        item = self._items.get(key)
        if item is None:
            return None
        self._items.move_to_end(key)
        if isinstance(item, _Packed):
            item = self._items[key] = item.unpack()
            self._pack_cold()
        return item

    def put(self, solved: SolvedPlan) -> None:
        self._items[solved.key] = solved
        self._items.move_to_end(solved.key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        self._pack_cold()

    def _pack_cold(self) -> None:
        cold = list(self._items)[: max(0, len(self._items) - self.hot)]
        for key in cold:
            item = self._items[key]
            if not isinstance(item, _Packed):
                self._items[key] = _Packed.pack(item)


@dataclasses.dataclass
class Stage:
    name: str
    started: float
    ended: float | None = None

    @property
    def label(self) -> str:
        return STAGE_LABELS.get(self.name, self.name)


class Job:
    """One solve, shared by every session that asks for the same inputs."""

    _ids = itertools.count(1)

    def __init__(self, key: str, data, time_limit_s: float):
        self.id = next(Job._ids)
        self.key = key
        self.data = data
        self.time_limit_s = float(time_limit_s)
        self.submitted = time.monotonic()
        self.state = "queued"  # queued | running | done | failed
        self.stages: list[Stage] = [Stage("queued", self.submitted)]
        self.result: SolvedPlan | None = None
        self.interim: SolvedPlan | None = None  # the stage-1 plan while stage 2 runs (never cached)
        self.error: str | None = None
        self.from_cache = False
        self.xlsx_ready = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()

    # -- updates (service side)
    def _stage(self, name: str) -> None:
        now = time.monotonic()
        with self._lock:
            if self.stages and self.stages[-1].name == name and self.stages[-1].ended is None:
                return
            if self.stages and self.stages[-1].ended is None:
                self.stages[-1].ended = now
            self.stages.append(Stage(name, now))
            if name != "queued":
                self.state = "running"

    def _interim(self, interim: SolvedPlan) -> None:
        with self._lock:
            self.interim = interim

    def _finish(self, result: SolvedPlan) -> None:
        with self._lock:
            now = time.monotonic()
            if self.stages and self.stages[-1].ended is None:
                self.stages[-1].ended = now
            self.stages.append(Stage("done", now, now))
            self.result, self.state = result, "done"
            self.data = self.interim = None
        self._done.set()

    def _fail(self, message: str) -> None:
        """Fail the job; after its plan arrived only plan.xlsx can fail, and the plan stands."""
        if self.state == "done":
            self.xlsx_ready.set()
            return
        with self._lock:
            now = time.monotonic()
            if self.stages and self.stages[-1].ended is None:
                self.stages[-1].ended = now
            self.error, self.state = message, "failed"
            self.data = self.interim = None
        self._done.set()
        self.xlsx_ready.set()

    # -- reading (UI side)
    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def snapshot(self) -> dict:
        with self._lock:
            now = time.monotonic()
            return {
                "id": self.id,
                "key": self.key,
                "state": self.state,
                "error": self.error,
                "from_cache": self.from_cache,
                "interim": self.interim is not None,
                "time_limit_s": self.time_limit_s,
                "elapsed": (self.stages[-1].ended or now) - self.submitted if self.finished else now - self.submitted,
                "stages": [
                    {"name": s.name, "label": s.label, "seconds": (s.ended or now) - s.started, "running": s.ended is None}
                    for s in self.stages
                ],
            }


# --------------------------------------------------------------------------- worker process

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class _Worker:
    """One worker process (:mod:`optimizer.workbench.worker`) and our end of its socket."""

    def __init__(self):
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), *filter(None, [env.get("PYTHONPATH")])])
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "optimizer.workbench.worker", "--fd", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, cwd=str(PROJECT_ROOT), env=env,
            )
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False
        self._ready_lock = threading.Lock()

    def wait_ready(self, timeout: float) -> None:
        with self._ready_lock:  # the warm-up thread and a dispatcher may both wait
            if self.ready:
                return
            if not self.conn.poll(timeout):
                raise RuntimeError("the solver worker did not start in time")
            msg = self.conn.recv()
            if msg[0] != "ready":
                raise RuntimeError(str(msg[2]))
            self.ready = True

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(("stop",))
            self.proc.wait(2)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        self.kill()


# --------------------------------------------------------------------------- service


class SolveService:
    """A pool of solver worker processes with a plan cache keyed by input hash."""

    def __init__(self, workers: int = 1, *, cache_size: int = 128, guard_margin_s: float = GUARD_MARGIN_S,
                 finished_jobs_kept: int = FINISHED_JOBS_KEPT):
        self.workers = max(1, int(workers))
        self.guard_margin_s = guard_margin_s
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._cache = PlanCache(cache_size)
        self._jobs: OrderedDict[str, Job] = OrderedDict()  # oldest submission first
        self._finished_kept = max(1, int(finished_jobs_kept))
        self._lock = threading.Lock()
        self._closed = False
        self._slots: list[_Worker | None] = [None] * self.workers
        self._threads = [threading.Thread(target=self._run_slot, args=(i,), name=f"forceplan-dispatch-{i}", daemon=True) for i in range(self.workers)]
        for t in self._threads:
            t.start()

    # -- cache
    def lookup(self, key: str) -> SolvedPlan | None:
        with self._lock:
            return self._cache.get(key)

    def remember(self, solved: SolvedPlan) -> None:
        """Put a plan in the cache (e.g. one loaded with a saved scenario); never an interim one."""
        if solved.interim:
            raise ValueError("an interim plan (stage 1 while stage 2 runs) is never cached")
        with self._lock:
            self._cache.put(solved)

    # -- jobs
    def job(self, key: str) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def submit(self, key: str, data) -> Job:
        """Solve ``data`` (validated PlanningData of the inputs with hash ``key``).

        Returns at once.  A cached plan gives a job that is already done; a job
        already under way for the same key is shared.
        """
        if self._closed:
            raise RuntimeError("the solver service is shut down")
        with self._lock:
            cached = self._cache.get(key)
            running = self._jobs.get(key)
            if cached is None and running is not None and not running.finished:
                return running
            job = Job(key, None if cached else data, float(getattr(data.scenario, "time_limit_s", 60.0)))
            self._jobs.pop(key, None)
            self._jobs[key] = job
            self._forget_old_jobs()
        if cached is not None:
            job.from_cache = True
            job._finish(cached)
            job.xlsx_ready.set()
        else:
            self._queue.put(job)
        return job

    def _forget_old_jobs(self) -> None:
        """Keep every unfinished job and the latest finished ones (caller holds the lock).

        A finished job holds its plan: were old ones kept, a plan evicted from
        the cache would stay in memory through its job."""
        finished = [k for k, j in self._jobs.items() if j.finished]
        for k in finished[: max(0, len(finished) - self._finished_kept)]:
            del self._jobs[k]

    def with_xlsx(self, key: str, timeout: float = 60.0) -> SolvedPlan | None:
        """The cached plan of ``key``, once its plan.xlsx is written (or ``timeout`` passed)."""
        solved = self.lookup(key)
        if solved is None or solved.xlsx is not None:
            return solved
        job = self.job(key)
        if job is not None:
            job.xlsx_ready.wait(timeout)
        return self.lookup(key)

    def solve(self, key: str, data, timeout: float | None = None) -> SolvedPlan:
        """Submit and wait, plan.xlsx included (for scripts and tests).  Raises
        ``RuntimeError`` on failure."""
        job = self.submit(key, data)
        if not job.wait(timeout):
            raise TimeoutError(f"no plan within {timeout} s")
        if job.result is None:
            raise RuntimeError(job.error or "the solve failed")
        job.xlsx_ready.wait(timeout)
        return self.lookup(key) or job.result

    def warm(self) -> None:
        """Start the worker processes now (they take a second or two to import the engine)."""
        for i in range(self.workers):
            threading.Thread(target=self._ensure_worker, args=(i,), daemon=True).start()

    def shutdown(self) -> None:
        self._closed = True
        for _ in self._threads:
            self._queue.put(None)
        for i, w in enumerate(self._slots):
            if w is not None:
                w.stop()
                self._slots[i] = None

    # -- dispatch
    def _ensure_worker(self, slot: int) -> _Worker:
        with self._lock:
            w = self._slots[slot]
            if w is None or not w.alive():
                if w is not None:
                    w.kill()
                w = _Worker()
                self._slots[slot] = w
        w.wait_ready(START_TIMEOUT_S)
        return w

    def _run_slot(self, slot: int) -> None:
        while True:
            job = self._queue.get()
            if job is None or self._closed:
                return
            try:
                self._run_job(slot, job)
            except Exception as exc:  # noqa: BLE001 - never let a dispatcher die
                log.exception("solver dispatch failed")
                w = self._slots[slot]
                if w is not None:
                    w.kill()
                    self._slots[slot] = None
                job._fail(f"the solver worker failed ({type(exc).__name__}: {exc})")

    def _run_job(self, slot: int, job: Job) -> None:
        cached = self.lookup(job.key)
        if cached is not None:
            job._finish(cached)
            job.xlsx_ready.set()
            return
        worker = self._ensure_worker(slot)
        job._stage("solve")
        worker.conn.send(("solve", job.id, job.data))
        guard = job.time_limit_s * GUARD_FACTOR + self.guard_margin_s
        deadline = time.monotonic() + guard
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning("solver worker exceeded %.0f s on job %s; killed", guard, job.id)
                worker.kill()
                self._slots[slot] = None
                job._fail(f"no answer within the time limit ({job.time_limit_s:g} s plus {guard - job.time_limit_s:.0f} s margin); the solve was stopped")
                return
            try:
                has = worker.conn.poll(min(remaining, 0.5))
            except (EOFError, OSError):
                has = False
            if not has:
                if not worker.alive():
                    worker.kill()
                    self._slots[slot] = None
                    job._fail("the solver process stopped unexpectedly")
                    return
                continue
            try:
                msg = worker.conn.recv()
            except (EOFError, OSError):
                worker.kill()
                self._slots[slot] = None
                job._fail("the solver process stopped unexpectedly")
                return
            kind, job_id = msg[0], msg[1]
            if job_id != job.id:
                continue
            if kind == "stage":
                job._stage(msg[2])
            elif kind == "interim":
                job._interim(SolvedPlan(key=job.key, plan=msg[2], xlsx=None,
                                        solved_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                                        wall_seconds=time.monotonic() - job.submitted, interim=True))
            elif kind == "done":
                solved = SolvedPlan(
                    key=job.key,
                    plan=msg[2],
                    xlsx=None,
                    solved_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                    wall_seconds=time.monotonic() - job.submitted,
                )
                self.remember(solved)
                job._finish(solved)  # the plan is shown now; plan.xlsx follows
            elif kind == "xlsx":
                if job.result is not None and msg[2]:
                    with_xlsx = dataclasses.replace(job.result, xlsx=msg[2])
                    self.remember(with_xlsx)
                    job.result = with_xlsx
                job.xlsx_ready.set()
                return
            else:
                job._fail(str(msg[2]))
                return


_SERVICE: SolveService | None = None
_SERVICE_LOCK = threading.Lock()


def default_workers() -> int:
    env = os.environ.get("FORCEPLAN_SOLVER_WORKERS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(2, os.cpu_count() or 1))


def get_service() -> SolveService:
    """The process-wide service (created, and its workers warmed, on first use)."""
    global _SERVICE
    with _SERVICE_LOCK:
        if _SERVICE is None:
            _SERVICE = SolveService(default_workers())
            _SERVICE.warm()
        return _SERVICE
