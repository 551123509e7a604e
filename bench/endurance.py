"""Endurance of the what-if workbench: memory over many solves in one browser session.

    python bench/endurance.py [--solves 100] [--warm-up 10] [--workers 2]
                              [--workbook data/contributions.xlsx] [--out bench/endurance_results.jsonl]

Starts a real ``streamlit run app.py`` server (scenarios in a temporary
folder), opens one session in Debian's chromium (Playwright) and makes
``--solves`` what-if solves in a row, alternating the changes a planner makes:
a new force target (typed in the sidebar), then a scenario switch flipped
(UN mandate, US backstop, ceasefire in turn).  Every state is new, so every
solve is a real one (the sidebar says "Solved in", not "from the cache");
each waits until the Plan page shows the plan of its inputs.

The resident memory (RSS) of the server process and of each solver worker
subprocess is sampled after ``--warm-up`` solves and at the end (and every 10
solves for the curve).  The requirement: the total grows by under 50 MB.
A result row (date, machine, solves, RSS start/end/growth per process,
seconds) is appended to ``bench/endurance_results.jsonl``; the exit status
is 1 when the growth is 50 MB or more.  Memory, not time, is measured, so a
busy machine only makes it slower.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.browser import (  # noqa: E402
    AppServer,
    browser_missing,
    click_solve,
    click_toggle,
    health,
    inputs_key,
    launch,
    open_workbench,
    process_tree_rss,
    settle,
    wait_plan_of,
)

LIMIT_MB = 50.0
SWITCHES = ("un_mandate", "us_backstop", "ceasefire_in_place")


def from_cache(page) -> bool:
    return page.locator("[data-testid=stSidebar]").get_by_text("Plan from the cache").count() > 0


def what_if(page, i: int, base_target: int) -> str:
    """Make the i-th change; return what it was."""
    if i % 2 == 0:  # a force target never used before
        value = base_target - 10 * (i // 2 + 1)
        box = page.locator(".st-key-p_force_target input")
        box.fill(str(value))
        box.press("Enter")
        return f"force_target={value}"
    name = SWITCHES[(i // 2) % len(SWITCHES)]
    click_toggle(page, name)
    return f"flip {name}"


def sample(server) -> dict[int, tuple[str, float]]:
    time.sleep(2.0)  # let plan.xlsx hand-overs and the page's last run finish
    return process_tree_rss(server.proc.pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solves", type=int, default=100, help="what-if solves measured (after the warm-up)")
    parser.add_argument("--warm-up", type=int, default=10, help="solves before the first sample (the workers reach their working size)")
    parser.add_argument("--workers", type=int, default=2, help="solver worker processes (the app's default on two cores)")
    parser.add_argument("--workbook", default=str(ROOT / "data" / "contributions.xlsx"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "endurance_results.jsonl"))
    args = parser.parse_args()
    missing = browser_missing()
    if missing:
        sys.exit(f"cannot run: {missing}")
    from playwright.sync_api import sync_playwright

    curve: list[tuple[int, float]] = []
    cache_hits = 0
    with tempfile.TemporaryDirectory(prefix="forceplan-endurance-") as tmp:
        server = AppServer(Path(tmp) / "models", Path(tmp) / "streamlit.log", workers=args.workers,
                           env={"FORCEPLAN_WORKBOOK": str(Path(args.workbook).resolve())}).start()
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                page = browser.new_page(viewport={"width": 1400, "height": 1100})
                page.set_default_timeout(120_000)
                open_workbench(page, server.url, 300_000)
                base_target = int(page.locator(".st-key-p_force_target input").input_value())
                start = None
                t0 = None
                for i in range(args.warm_up + args.solves):
                    if i == args.warm_up:
                        start = sample(server)
                        curve.append((0, sum(mb for _, mb in start.values())))
                        t0 = time.perf_counter()
                    change = what_if(page, i, base_target)
                    settle(page, quiet=0.2)
                    key = inputs_key(page)
                    click_solve(page)
                    wait_plan_of(page, key, timeout_ms=300_000, polling=50)
                    settle(page, quiet=0.2)
                    cache_hits += from_cache(page)
                    done = i + 1 - args.warm_up
                    if done > 0 and done % 10 == 0:
                        now = process_tree_rss(server.proc.pid)
                        curve.append((done, sum(mb for _, mb in now.values())))
                        print(f"{done:4d} solves  {change:<28} total RSS {curve[-1][1]:7.1f} MB", flush=True)
                seconds = time.perf_counter() - t0
                end = sample(server)
                ok_health = health(server.url) == b"ok"
                browser.close()
        finally:
            server.stop()

    processes = []
    for pid in sorted(set(start) | set(end), key=lambda p: (p not in start, p)):
        role = (start.get(pid) or end.get(pid))[0]
        s = start[pid][1] if pid in start else None
        e = end[pid][1] if pid in end else None
        processes.append({"role": role, "pid": pid, "rss_start_mb": None if s is None else round(s, 1),
                          "rss_end_mb": None if e is None else round(e, 1),
                          "growth_mb": None if s is None or e is None else round(e - s, 1)})
    total_start = sum(mb for _, mb in start.values())
    total_end = sum(mb for _, mb in end.values())
    growth = total_end - total_start
    replaced = set(start) != set(end)
    row = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores",
        "python": platform.python_version(),
        "workbook": Path(args.workbook).name,
        "workers": args.workers,
        "warm_up": args.warm_up,
        "solves": args.solves,
        "cache_hits": cache_hits,
        "seconds": round(seconds, 1),
        "processes": processes,
        "rss_start_mb": round(total_start, 1),
        "rss_end_mb": round(total_end, 1),
        "growth_mb": round(growth, 1),
        "limit_mb": LIMIT_MB,
        "ok": growth < LIMIT_MB and not replaced and ok_health,
        "curve": [[n, round(mb, 1)] for n, mb in curve],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as fh:
        fh.write(json.dumps(row) + "\n")

    print(f"\n{args.solves} what-if solves in {seconds:.0f} s ({cache_hits} from the cache), {args.workers} worker(s), {row['workbook']}")
    print(f"{'process':<16}{'pid':>8}{'start MB':>10}{'end MB':>10}{'growth':>9}")
    for p in processes:
        def f(v):
            return "–" if v is None else f"{v:.1f}"
        print(f"{p['role']:<16}{p['pid']:>8}{f(p['rss_start_mb']):>10}{f(p['rss_end_mb']):>10}{f(p['growth_mb']):>9}")
    print(f"{'total':<24}{total_start:>10.1f}{total_end:>10.1f}{growth:>+9.1f}   limit < {LIMIT_MB:.0f} MB")
    if replaced:
        print("a process came or went between the samples (a worker replaced?): the growth is not comparable")
    print(("OK" if row["ok"] else "FAILED") + f"; appended to {out}")
    return 0 if row["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
