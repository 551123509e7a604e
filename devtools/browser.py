"""Helpers to drive the workbench in a real browser (tests and bench/app_bench.py).

Debian's ``chromium`` (``/usr/bin/chromium``) is driven by Playwright; no
browser is downloaded.  :class:`AppServer` runs ``streamlit run app.py`` on a
free local port with its own scenarios folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("FORCEPLAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``streamlit run app.py`` in a subprocess (its own process group), with a log file."""

    def __init__(self, models_dir: Path, log_path: Path, *, workers: int = 1, env: dict | None = None,
                 address: str | None = "127.0.0.1", args: tuple[str, ...] = ()):
        self.port = free_port()
        self.address = address  # None: as .streamlit/config.toml says
        self.args = tuple(args)  # more of streamlit run's options (e.g. --secrets.files)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.models_dir = Path(models_dir)
        self.log_path = Path(log_path)
        self.workers = workers
        self.extra_env = env or {}
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> AppServer:
        env = dict(os.environ)
        env.update(
            FORCEPLAN_MODELS_DIR=str(self.models_dir),
            FORCEPLAN_SOLVER_WORKERS=str(self.workers),
            PYTHONUNBUFFERED="1",
            **self.extra_env,
        )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(self.port),
             *(("--server.address", self.address) if self.address else ()), *self.args,
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"streamlit did not become healthy within {timeout:.0f} s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def health(url: str, timeout: float = 10.0) -> bytes:
    """The body of the server's health check (``b"ok"`` when it is up), or an exception."""
    with urllib.request.urlopen(url.rstrip("/") + "/_stcore/health", timeout=timeout) as r:
        return r.read().strip()


def process_tree_rss(pid: int) -> dict[int, tuple[str, float]]:
    """Resident memory (MB) of a process and every descendant: {pid: (role, MB)}."""
    import psutil  # installed with distributed

    root = psutil.Process(pid)
    out = {}
    for p in [root, *root.children(recursive=True)]:
        try:
            cmd = " ".join(p.cmdline())
            role = "server" if p.pid == pid else ("solver worker" if "optimizer.workbench.worker" in cmd else p.name())
            out[p.pid] = (role, p.memory_info().rss / 1e6)
        except psutil.Error:
            pass
    return out


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def settle(page, quiet: float = 0.4, timeout: float = 60.0) -> None:
    """Wait until the app has finished its script run and shows no stale elements."""
    end = time.monotonic() + timeout
    calm = None
    while time.monotonic() < end:
        ok = page.evaluate(
            """() => { const a = document.querySelector('[data-testid=stApp]');
                return !!a && a.getAttribute('data-test-script-state') === 'notRunning'
                       && !document.querySelector('[data-stale=true]'); }"""
        )
        if ok:
            calm = calm or time.monotonic()
            if time.monotonic() - calm >= quiet:
                return
        else:
            calm = None
        time.sleep(0.05)
    raise TimeoutError("the app did not settle")


def metric_values(page) -> list[str]:
    return page.locator(".st-key-headline [data-testid=stMetricValue]").all_inner_texts()


def first_metric(page) -> str:
    return page.locator(".st-key-headline [data-testid=stMetricValue]").first.inner_text()


def wait_first_metric(page, *, differs_from: str | None = None, equals: str | None = None, timeout_ms: int = 120_000) -> None:
    js = "v => { const e = document.querySelector('.st-key-headline [data-testid=stMetricValue]'); return !!e && e.innerText %s v; }"
    if differs_from is not None:
        page.wait_for_function(js % "!==", arg=differs_from, timeout=timeout_ms, polling=50)
    else:
        page.wait_for_function(js % "===", arg=equals, timeout=timeout_ms, polling=50)


def wait_metrics(page, expected: list[str], timeout_ms: int = 120_000) -> None:
    """Until the headline shows exactly ``expected``: a page that has settled can still be between a
    rerun's first elements and its metrics on a loaded machine, so wait for the figures themselves."""
    page.wait_for_function(
        """want => { const v = [...document.querySelectorAll('.st-key-headline [data-testid=stMetricValue]')].map(e => e.innerText);
                     return v.length === want.length && v.every((x, i) => x === want[i]); }""",
        arg=expected, timeout=timeout_ms, polling=50,
    )


def expected_metrics(plan: dict) -> list[str]:
    """The eight headline figures the Plan page shows for ``plan`` (a plan.json dict), as it formats them."""
    from optimizer.workbench import views

    h = views.headline(plan)
    return [*(f"{h.planned[s]:,}" for s in views.SCOPES), f"{h.shortfall_score:,.0f}", f"{h.lines_filled} / {h.lines}",
            f"{h.nations_taking_part}", f"{h.cost_musd:,.0f}"]


def inputs_key(page) -> str:
    """The first 12 characters of the session's inputs hash, from the sidebar."""
    text = page.locator(".st-key-inputs_meta").inner_text()
    return text.rsplit("·", 1)[-1].strip().strip("`")


def wait_plan_of(page, key: str, timeout_ms: int = 180_000, polling: int = 20) -> None:
    """Until the Plan page shows the (fresh) plan of inputs ``key`` with its headline figures."""
    page.wait_for_function(
        """k => { const m = document.querySelector('.st-key-plan_meta');
                  const h = document.querySelector('.st-key-headline [data-testid=stMetricValue]');
                  return !!m && !!h && m.innerText.includes(k) && !m.innerText.includes('(stale)'); }""",
        arg=key, timeout=timeout_ms, polling=polling,
    )


def wait_final_plan_of(page, key: str, timeout_ms: int = 180_000, polling: int = 50) -> None:
    """Until the Plan page shows the final plan of inputs ``key`` (not the provisional one of stage 1)."""
    page.wait_for_function(
        """k => { const m = document.querySelector('.st-key-plan_meta');
                  const h = document.querySelector('.st-key-headline [data-testid=stMetricValue]');
                  return !!m && !!h && m.innerText.includes(k) && !m.innerText.includes('(stale)')
                         && !m.innerText.includes('status interim'); }""",
        arg=key, timeout=timeout_ms, polling=polling,
    )


def click_toggle(page, name: str) -> None:
    page.locator(f".st-key-p_{name} label").first.click()


def toggle_on(page, name: str) -> bool:
    return page.locator(f".st-key-p_{name} input[type=checkbox]").first.is_checked()


def click_solve(page) -> None:
    page.locator(".st-key-solve").get_by_role("button", name="Solve").click()


def open_workbench(page, url: str, timeout_ms: int = 180_000) -> None:
    """Open the workbench at ``url`` and wait for its first plan's headline figures, the app settled.

    The figures themselves, not their container: the container can be drawn a moment before
    them when the solve's fragment reruns the page (seen once in the full suite, a loaded machine)."""
    page.goto(url)
    page.wait_for_selector(".st-key-headline [data-testid=stMetricValue]", timeout=timeout_ms)
    settle(page)


def goto_page(page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).click()


def clear_dir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
