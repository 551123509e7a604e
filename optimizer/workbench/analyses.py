"""The analyses of the workbench (why the gaps, withdrawal stress, frontiers), run off the page.

:class:`AnalysisService` runs each analysis of a session's inputs in its own
subprocess (:mod:`optimizer.workbench.analysis_worker`), which writes the
inputs' workbook, reads it with the command line's reader, runs the analysis
on a local process pool and writes the same JSON the ``forceplan explain |
stress | frontier`` commands write.  A thread per job reads the worker's
progress lines, so a page only ever looks at a :class:`AnalysisJob`'s
snapshot; nothing here blocks the Streamlit script thread, and nothing here
imports pyomo.

- **Cache.** Results are kept by :func:`analysis_key` (the kind, the inputs'
  content hash and the analysis's own settings), so returning to earlier
  inputs is instant.  The same key submitted twice while running shares one job.
- **Load.** At most ``FORCEPLAN_ANALYSIS_JOBS`` analyses (default 1) run at a
  time; each uses ``FORCEPLAN_ANALYSIS_WORKERS`` solver processes (default one
  per core).  Later ones wait in the queue and say so.
- **Cancel and guard.** A job can be cancelled; its whole process group
  (the pool's children included) is killed.  One that runs past
  ``FORCEPLAN_ANALYSIS_TIMEOUT_S`` (default an hour) is killed the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

from optimizer.workbench.inputs import SOURCE_NAME, Inputs, write_inputs_workbook

log = logging.getLogger("forceplan.workbench")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KINDS = ("explain", "stress", "frontier")
TITLES = {"explain": "Why the gaps", "stress": "Withdrawal stress", "frontier": "Frontiers"}
FILENAMES = {"explain": "explain.json", "stress": "stress.json", "frontier": "frontier.json"}
DEFAULT_PARAMS = {"explain": {}, "stress": {"samples": 100, "seed": 0}, "frontier": {}}
#: settings that only plans over time take, with the value that means "as before": left out of the
#: cleaned settings at that value, so the cache key of every earlier analysis stays what it was
OPTIONAL_PARAMS = {"stress": {"from_period": 1}}
MAX_SAMPLES = 5000


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.isdigit() and int(value) > 0 else default


def clean_params(kind: str, params: dict | None = None) -> dict:
    """The settings an analysis of ``kind`` takes, with defaults, checked."""
    if kind not in KINDS:
        raise ValueError(f"unknown analysis {kind!r}")
    out = dict(DEFAULT_PARAMS[kind])
    optional = OPTIONAL_PARAMS.get(kind, {})
    for name, value in (params or {}).items():
        if name not in out and name not in optional:
            raise ValueError(f"{kind} takes no setting {name!r}")
        out[name] = int(value)
    if kind == "stress" and not 1 <= out["samples"] <= MAX_SAMPLES:
        raise ValueError(f"samples must be between 1 and {MAX_SAMPLES}")
    if kind == "stress" and out.get("from_period", 1) < 1:
        raise ValueError("from_period must be a period, 1 or later")
    return {k: v for k, v in out.items() if not (k in optional and v == optional[k])}


def analysis_key(kind: str, inputs_key: str, params: dict | None = None) -> str:
    """The cache key of an analysis: its kind, the inputs' content hash and its settings."""
    text = json.dumps({"kind": kind, "inputs": inputs_key, "params": clean_params(kind, params)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class AnalysisResult:
    key: str
    kind: str
    inputs_key: str
    params: dict
    result: dict
    seconds: float
    finished_at: str

    def json_text(self) -> str:
        return json.dumps(self.result, indent=2, ensure_ascii=False, default=str) + "\n"


class AnalysisJob:
    """One analysis under way (or finished), shared by every session that asks for it."""

    _ids = itertools.count(1)

    def __init__(self, key: str, kind: str, inputs: Inputs, params: dict):
        self.id = next(AnalysisJob._ids)
        self.key, self.kind, self.params = key, kind, params
        self.inputs = inputs
        self.inputs_key = inputs.key
        self.submitted = time.monotonic()
        self.started: float | None = None
        self.ended: float | None = None
        self.state = "queued"  # queued | running | done | failed | cancelled
        self.phases: list[dict] = []  # {"phase", "done", "total", "started", "ended"}
        self.result: AnalysisResult | None = None
        self.error: str | None = None
        self.proc: subprocess.Popen | None = None
        self.cancel_requested = False
        self._done = threading.Event()
        self._lock = threading.Lock()

    @property
    def finished(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def _progress(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        with self._lock:
            last = self.phases[-1] if self.phases else None
            if last is None or last["phase"] != phase or done < last["done"] or total != last["total"] and last["total"]:
                if last is not None and last["ended"] is None:
                    last["ended"] = now
                if phase == "done":
                    return
                self.phases.append({"phase": phase, "done": done, "total": total, "started": now, "ended": None})
            else:
                last.update(done=done, total=total)

    def _finish(self, state: str, result: AnalysisResult | None = None, error: str | None = None) -> None:
        with self._lock:
            now = time.monotonic()
            for p in self.phases:
                if p["ended"] is None:
                    p["ended"] = now
            self.state, self.result, self.error, self.ended = state, result, error, now
            self.inputs = None
        self._done.set()

    def snapshot(self) -> dict:
        with self._lock:
            now = time.monotonic()
            start = self.started or now
            return {
                "id": self.id,
                "key": self.key,
                "kind": self.kind,
                "state": self.state,
                "error": self.error,
                "params": dict(self.params),
                "waiting": now - self.submitted if self.started is None else 0.0,
                "elapsed": ((self.ended or now) - start) if self.started is not None else 0.0,
                "phases": [{"phase": p["phase"], "done": p["done"], "total": p["total"], "running": p["ended"] is None,
                            "seconds": (p["ended"] or now) - p["started"]} for p in self.phases],
            }


STOP_GRACE_S = 5.0  # a worker's own clean stop takes a fraction of a second


def _stop_group(proc: subprocess.Popen, grace_s: float = STOP_GRACE_S) -> None:
    """Stop a worker and its pool's children (it leads its own process group).

    Ctrl-C (SIGINT) first: the worker cancels its queued solves, ends its pool
    (:func:`optimizer.analysis.executor.make_executor`) and exits, and then
    multiprocessing's resource tracker removes the pool's named semaphores.  A
    SIGKILL of the whole group would kill the tracker too and leave them in
    ``/dev/shm`` for good, a few at every cancel of a long-running server.
    Whatever has not ended after ``grace_s`` is killed with the group.
    """
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            os.kill(proc.pid, signal.SIGINT)
        try:
            proc.wait(grace_s)
            return
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        try:
            proc.kill()
        except OSError:
            pass
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass


class AnalysisService:
    """Analyses in subprocesses, with a result cache keyed by :func:`analysis_key`."""

    def __init__(self, *, parallel: int | None = None, workers: int | None = None, timeout_s: float | None = None, cache_size: int = 64):
        self.workers = workers if workers is not None else _env_int("FORCEPLAN_ANALYSIS_WORKERS", os.cpu_count() or 1)
        self.timeout_s = timeout_s if timeout_s is not None else float(_env_int("FORCEPLAN_ANALYSIS_TIMEOUT_S", 3600))
        self._slots = threading.Semaphore(parallel if parallel is not None else _env_int("FORCEPLAN_ANALYSIS_JOBS", 1))
        self._cache: OrderedDict[str, AnalysisResult] = OrderedDict()
        self._cache_size = cache_size
        self._jobs: dict[str, AnalysisJob] = {}
        self._lock = threading.Lock()

    # -- cache
    def lookup(self, key: str) -> AnalysisResult | None:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            return found

    def remember(self, result: AnalysisResult) -> None:
        with self._lock:
            self._cache[result.key] = result
            self._cache.move_to_end(result.key)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    # -- jobs
    def job(self, key: str) -> AnalysisJob | None:
        with self._lock:
            return self._jobs.get(key)

    def submit(self, kind: str, inputs: Inputs, params: dict | None = None) -> AnalysisJob:
        """Run an analysis of ``inputs`` (validated by the caller).  Returns at once; a cached
        result gives a finished job, a job under way for the same key is shared."""
        params = clean_params(kind, params)
        key = analysis_key(kind, inputs.key, params)
        with self._lock:
            running = self._jobs.get(key)
            if running is not None and not running.finished:
                return running
            job = AnalysisJob(key, kind, inputs, params)
            self._jobs[key] = job
            cached = self._cache.get(key)
        if cached is not None:
            job.started = job.submitted
            job._finish("done", cached)
            return job
        threading.Thread(target=self._run, args=(job,), name=f"forceplan-analysis-{job.id}", daemon=True).start()
        return job

    def run(self, kind: str, inputs: Inputs, params: dict | None = None, timeout: float | None = None) -> AnalysisResult:
        """Submit and wait (for scripts and tests); raises ``RuntimeError`` on failure."""
        job = self.submit(kind, inputs, params)
        if not job.wait(timeout):
            raise TimeoutError(f"no {kind} result within {timeout} s")
        if job.result is None:
            raise RuntimeError(job.error or f"the {kind} analysis failed")
        return job.result

    def cancel(self, key: str) -> bool:
        job = self.job(key)
        if job is None or job.finished:
            return False
        job.cancel_requested = True
        proc = job.proc
        if proc is not None:
            _stop_group(proc)
        return True

    def _run(self, job: AnalysisJob) -> None:
        try:
            with self._slots:
                if job.cancel_requested:
                    job._finish("cancelled", error="cancelled")
                    return
                job.started = time.monotonic()
                job.state = "running"
                self._run_worker(job)
        except Exception as exc:  # noqa: BLE001 - never leave a job hanging
            log.exception("analysis %s failed", job.kind)
            if not job.finished:
                job._finish("failed", error=f"the analysis could not run ({type(exc).__name__}: {exc})")

    def _run_worker(self, job: AnalysisJob) -> None:
        with tempfile.TemporaryDirectory(prefix="forceplan-analysis-") as tmp:
            workbook, out = Path(tmp) / "inputs.xlsx", Path(tmp) / FILENAMES[job.kind]
            job._progress("writing the inputs", 0, 0)
            write_inputs_workbook(job.inputs, workbook)
            cmd = [sys.executable, "-m", "optimizer.workbench.analysis_worker", job.kind, str(workbook), str(out),
                   "--workers", str(self.workers), "--source-name", SOURCE_NAME, "--source-sha256", job.inputs_key]
            if job.kind == "stress":
                cmd += ["--samples", str(job.params["samples"]), "--seed", str(job.params["seed"]),
                        "--from-period", str(job.params.get("from_period", 1))]
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), *filter(None, [env.get("PYTHONPATH")])])
            env["PYTHONUNBUFFERED"] = "1"
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True, cwd=str(PROJECT_ROOT),
                                    env=env, start_new_session=True)
            job.proc = proc
            if job.cancel_requested:
                _stop_group(proc)
            timed_out = threading.Event()

            def guard() -> None:
                timed_out.set()
                _stop_group(proc)

            timer = threading.Timer(self.timeout_s, guard)
            timer.daemon = True
            timer.start()
            error = None
            try:
                assert proc.stdout is not None
                for line in proc.stdout:
                    try:
                        msg = json.loads(line)
                    except ValueError:
                        continue
                    if "error" in msg:
                        error = str(msg["error"])
                    elif "phase" in msg:
                        job._progress(str(msg["phase"]), int(msg.get("done", 0)), int(msg.get("total", 0)))
                code = proc.wait()
            finally:
                timer.cancel()
                if proc.poll() is None:
                    _stop_group(proc)
            if job.cancel_requested:
                job._finish("cancelled", error="cancelled")
            elif code == 0 and out.exists():
                result = AnalysisResult(job.key, job.kind, job.inputs_key, dict(job.params), json.loads(out.read_text("utf-8")),
                                        time.monotonic() - (job.started or job.submitted),
                                        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
                self.remember(result)
                job._finish("done", result)
            elif timed_out.is_set():
                job._finish("failed", error=f"stopped after {self.timeout_s:.0f} s (FORCEPLAN_ANALYSIS_TIMEOUT_S)")
            else:
                job._finish("failed", error=error or f"the analysis process stopped unexpectedly (exit {code})")

    def shutdown(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            self.cancel(job.key)


_SERVICE: AnalysisService | None = None
_SERVICE_LOCK = threading.Lock()


def get_service() -> AnalysisService:
    """The process-wide analysis service."""
    global _SERVICE
    with _SERVICE_LOCK:
        if _SERVICE is None:
            _SERVICE = AnalysisService()
        return _SERVICE
