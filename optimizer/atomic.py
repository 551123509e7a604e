"""Atomic file output: write to a temporary file in the target folder, then rename.

A reader (or a crash) never sees a half-written file: ``os.replace`` within
one folder is atomic on POSIX and Windows, so the target holds either the old
content or the new, never a torn mix.

Temporary files
    are named ``.<target name>.<host>-<pid>.<random>.tmp`` beside the target:
    hidden, never an output's name, and traceable to the process that made
    them.  A process killed outright (SIGKILL, power cut) cannot remove its
    temporary file; the next atomic write into the same folder removes such
    leftovers once they are *stale*: made on this host by a process that is
    no longer running, or older than :data:`STALE_AFTER_S` whatever made them.
    A live writer's temporary file is never touched (a day-old one excepted).
    Creating a temporary file and recording its name happen with Ctrl-C held
    back (:func:`signals_held`), so an interruption never orphans one.

Several files as one (:func:`staged_files`)
    ``forceplan solve`` writes plan.xlsx, report.pdf and plan.json.  Each is
    first written in full to a temporary file; only when all are ready are
    they renamed into place, one right after the other, with Ctrl-C (SIGINT)
    and SIGTERM held back until the last rename is done.  An interruption
    while writing leaves every previous output exactly as it was.  Only a
    SIGKILL or power cut in the microseconds between two renames can leave a
    mix of old and new files, each of them whole.

Fault injection (tests only): the environment variable ``FORCEPLAN_FAULT``,
read once when this module is imported, makes the process signal itself at
one point of its atomic writes, to prove that nothing is half-written:

    ``kill-after-bytes:N``    SIGKILL once N bytes in all have gone into temporary
                              files (0: before the first byte; counted across files,
                              so one N can fall in any file of a run)
    ``kill-before-rename:K``  SIGKILL just before the K-th rename (1-based) of the process
    ``kill-after-rename:K``   SIGKILL just after it (between two files of one run)
    ``int-...``               the same points with SIGINT (Ctrl-C) instead of SIGKILL

Renames are counted in :func:`atomic_path` and :func:`rename` (the scenario
store's folder renames).  Bytes are counted in :func:`write_file`, through
which every forceplan writer goes (:func:`write_bytes_atomic`,
:func:`write_text_atomic`, :func:`buffered`; a raw ``writer(path)`` given to
:func:`write_with_atomic` is not counted).  An invalid value is an error at
import, reported by the command line in one line.  When the variable is
unset the hook costs one ``is None`` test per write and per rename.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import re
import secrets
import signal
import socket
import threading
import time
import zlib
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

FAULT_ENV = "FORCEPLAN_FAULT"
STALE_AFTER_S = 24 * 3600

_HOST = f"{zlib.crc32(socket.gethostname().encode('utf-8', 'replace')) & 0xFFFF:04x}"
_TEMP_NAME = re.compile(r"^\..+\.(?P<host>[0-9a-f]{4})-(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp$")


# --------------------------------------------------------------------------- fault injection


@dataclasses.dataclass
class Fault:
    """One planned self-inflicted signal (see the module docstring)."""

    signum: int
    point: str  # "after-bytes" | "before-rename" | "after-rename"
    n: int
    bytes_written: int = 0
    renames: int = 0
    fired: bool = False

    def fire(self) -> None:
        self.fired = True
        os.kill(os.getpid(), self.signum)  # SIGKILL never returns; SIGINT raises KeyboardInterrupt here

    def write(self, fh: BinaryIO, data: bytes) -> None:
        """Write ``data``, firing as soon as the byte budget is reached (the bytes before
        it are in the file): ``N`` = a file's whole size fires after its last byte,
        before its rename."""
        if self.point != "after-bytes" or self.fired:
            fh.write(data)
            return
        budget = self.n - self.bytes_written
        if budget > len(data):
            fh.write(data)
            self.bytes_written += len(data)
            return
        fh.write(data[:budget])
        fh.flush()
        self.bytes_written += budget
        self.fire()
        fh.write(data[budget:])  # only after SIGINT was handled without an exception

    def rename_point(self, when: str) -> None:
        if when == "before":
            self.renames += 1
        if not self.fired and self.point == f"{when}-rename" and self.renames == self.n:
            self.fire()


def parse_fault(spec: str | None) -> Fault | None:
    """The :class:`Fault` a ``FORCEPLAN_FAULT`` value asks for; ``None`` for unset or empty."""
    if not spec:
        return None
    found = re.fullmatch(r"(kill|int)-(after-bytes|before-rename|after-rename):(\d+)", spec.strip())
    if not found or (found.group(2) != "after-bytes" and int(found.group(3)) < 1):
        raise ValueError(
            f"{FAULT_ENV}={spec!r}: expected kill|int-after-bytes:N (N >= 0) or "
            "kill|int-before-rename:K / -after-rename:K (K >= 1)"
        )
    signum = signal.SIGKILL if found.group(1) == "kill" else signal.SIGINT
    return Fault(signum, found.group(2), int(found.group(3)))


_FAULT: Fault | None = parse_fault(os.environ.get(FAULT_ENV))


# --------------------------------------------------------------------------- temporary files


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, someone else's
        return True
    return True


def process_tag() -> str:
    """``<host>-<pid>``: which process on which host made a temporary file or folder."""
    return f"{_HOST}-{os.getpid()}"


def is_stale(tag_host: str | None, tag_pid: int | None, mtime: float) -> bool:
    """Is a temporary file or folder with this owner tag and modification time a leftover?"""
    if time.time() - mtime > STALE_AFTER_S:
        return True
    return tag_host == _HOST and tag_pid is not None and tag_pid != os.getpid() and not _alive(tag_pid)


def sweep_stale_temps(folder: str | os.PathLike) -> list[str]:
    """Remove stale temporary files (``.*.<host>-<pid>.<random>.tmp``) of :func:`atomic_path`
    from ``folder``; return their names.  Errors (a race with another sweeper) are ignored."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(".") and entry.name.endswith(".tmp")):
            continue
        found = _TEMP_NAME.match(entry.name)
        if found is None:
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False) and is_stale(found["host"], int(found["pid"]), entry.stat().st_mtime):
                os.unlink(entry.path)
                removed.append(entry.name)
    return removed


def _new_temp(target: Path) -> Path:
    """Create an empty, uniquely named temporary file beside ``target``."""
    while True:
        tmp = target.parent / f".{target.name}.{process_tag()}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # pragma: no cover - 32 random bits
            continue
        os.close(fd)
        return tmp


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:  # flush to disk before the rename makes it visible
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk; a no-op where folders cannot be opened."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def rename(src: str | os.PathLike, dst: str | os.PathLike, *, replace: bool = False) -> None:
    """``os.rename`` (``os.replace`` with ``replace=True``), with the fault hook's rename points."""
    if _FAULT is not None:
        _FAULT.rename_point("before")
    (os.replace if replace else os.rename)(src, dst)
    if _FAULT is not None:
        _FAULT.rename_point("after")


# --------------------------------------------------------------------------- one file


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it onto ``target``.

    On any exception (including KeyboardInterrupt) the temporary file is
    removed and ``target`` is left untouched.  Stale temporary files of dead
    processes in the same folder are removed first.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_temps(target.parent)
    tmp = None
    try:
        with signals_held():  # a Ctrl-C cannot fall between creating the file and knowing its name
            tmp = _new_temp(target)
        yield tmp
        _fsync(tmp)
        rename(tmp, target, replace=True)
    except BaseException:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        raise


def write_file(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` (a temporary path of :func:`atomic_path`).

    Every forceplan writer puts its bytes through here, so the fault hook can
    stop the process at any byte of any output.
    """
    with open(path, "wb") as fh:
        if _FAULT is None:
            fh.write(data)
        else:
            _FAULT.write(fh, data)


def write_bytes_atomic(target: str | os.PathLike, data: bytes) -> None:
    with atomic_path(target) as tmp:
        write_file(tmp, data)


def write_text_atomic(target: str | os.PathLike, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


def write_with_atomic(target: str | os.PathLike, writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp_path)`` and rename the result onto ``target``."""
    with atomic_path(target) as tmp:
        writer(tmp)


def buffered(save: Callable[[BinaryIO], object]) -> Callable[[Path], None]:
    """A writer for :func:`write_with_atomic` from a ``save(stream)`` function (such as
    openpyxl's ``Workbook.save``): it saves into memory, then :func:`write_file` puts the
    bytes in the temporary file."""

    def writer(path: Path) -> None:
        buf = io.BytesIO()
        save(buf)
        write_file(path, buf.getvalue())

    return writer


# --------------------------------------------------------------------------- several files


class StagedFiles:
    """Files staged by :func:`staged_files`: each target's temporary path, in order."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []
        self._removals: list[Path] = []

    def path(self, target: str | os.PathLike) -> Path:
        """A temporary path to write ``target`` into; it is renamed onto ``target`` at the end.
        Files are renamed in the order their paths were asked for."""
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale_temps(target.parent)
        with signals_held():  # a Ctrl-C cannot fall between creating the file and staging it
            tmp = _new_temp(target)
            self._staged.append((tmp, target))
        return tmp

    def drop(self, target: str | os.PathLike) -> None:
        """Forget ``target``'s staged file (its writer failed): nothing is renamed onto it."""
        target = Path(target)
        for tmp, staged in [s for s in self._staged if s[1] == target]:
            self._staged.remove((tmp, staged))
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def remove(self, target: str | os.PathLike) -> None:
        """Delete ``target`` (if it exists) at the end, before the renames: a stale output."""
        self._removals.append(Path(target))

    def _discard(self) -> None:
        for tmp, _ in self._staged:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _commit(self) -> None:
        for tmp, _ in self._staged:
            _fsync(tmp)
        with signals_held():
            for target in self._removals:
                target.unlink(missing_ok=True)
            for tmp, target in self._staged:
                rename(tmp, target, replace=True)
        for folder in {target.parent for _, target in self._staged}:
            fsync_dir(folder)


@contextlib.contextmanager
def staged_files() -> Iterator[StagedFiles]:
    """Write several files, then put them all in place together (see the module docstring).

    On any exception (KeyboardInterrupt included) every staged file is removed
    and every target is left as it was.
    """
    stage = StagedFiles()
    try:
        yield stage
    except BaseException:
        stage._discard()
        raise
    try:
        stage._commit()
    except BaseException:
        stage._discard()
        raise


_HELD = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold back SIGINT and SIGTERM for a few system calls that must not be split: the
    renames of a commit or of the scenario store's swap, creating a temporary file and
    recording its name.  A signal that comes meanwhile acts right after (Ctrl-C raises
    KeyboardInterrupt then; SIGTERM ends the process then).

    Done with Python-level handlers, not ``pthread_sigmask``: a signal blocked in the
    main thread is delivered to any other thread (numpy's, HiGHS's), and Python would
    still raise KeyboardInterrupt in the main thread.  Handlers can only be set in the
    main thread; elsewhere this holds nothing back (Python raises KeyboardInterrupt only
    in the main thread anyway).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {}
    for signum in _HELD:
        handler = signal.getsignal(signum)
        if handler is None:  # set outside Python: it could not be put back
            continue
        signal.signal(signum, lambda s, frame: caught.append(s))
        previous[signum] = handler
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(caught):
            handler = previous[signum]
            if callable(handler):
                handler(signum, None)  # default_int_handler: KeyboardInterrupt, here
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), signum)


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike, name: str, thread_lock: threading.RLock) -> Iterator[None]:
    """One writer at a time in ``folder``: ``thread_lock`` across threads, then ``flock`` on
    ``folder/name`` across processes (where the platform has it); the folder is created first."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with thread_lock:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            yield
            return
        with open(folder / name, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
