"""Benchmark the what-if workbench in a real browser (Debian's chromium via Playwright).

    python bench/app_bench.py [--rounds 7] [--workers 2] [--out bench/out/app_bench.jsonl]

Starts ``streamlit run app.py`` on a free port (scenarios in a temporary
folder), opens the default workbook's plan, then measures, from the click:

- **re-solve**: flip a switch to inputs never solved, click Solve, until the
  Plan page shows the plan of the new inputs (its headline figures: stage
  1's provisional plan when stage 2 runs, the shortfall already final);
  ``final`` until the final plan replaces it; ``engine`` is the solver's own
  time from plan.json, ``job`` the solve as the service timed it (hand-over
  to the worker, tables, transfer), ``app`` all but the engine (with the page
  run and the drawing);
- **cached switch**: flip a switch back to inputs solved before, until their
  plan is shown (no solve: the cache, keyed by the inputs' content hash);
- **cached scenario**: load a saved scenario on the Scenarios page, until the
  Plan page shows its figures.

"settled" is when the page has finished its run (charts included).  The
targets: a re-solve of the default workbook under 2 s, a cached switch
under 0.5 s.  Results are printed and appended as JSON lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import statistics
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
    goto_page,
    inputs_key,
    launch,
    open_workbench,
    settle,
    wait_final_plan_of,
    wait_plan_of,
)

# Each step flips one switch; every state reached is new until the end (8 states of 3 switches).
SEQUENCE = ("un_mandate", "us_backstop", "un_mandate", "ceasefire_in_place", "un_mandate", "us_backstop", "un_mandate")


def engine_seconds(page) -> float:
    text = page.locator(".st-key-plan_meta").inner_text()
    return float(text.split("solver ")[1].split(" s")[0])


def job_seconds(page) -> float | None:
    """The solve as the service timed it (submission to plan), from the sidebar's status."""
    text = page.locator("[data-testid=stSidebar] [data-testid=stExpander] summary").first.inner_text()
    return float(text.split("Solved in ")[1].split(" s")[0]) if "Solved in " in text else None


def summary(values: list[float]) -> str:
    if not values:
        return "–"
    return f"median {statistics.median(values):.2f} s, min {min(values):.2f}, max {max(values):.2f} (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=len(SEQUENCE), help="re-solves to time (at most 7)")
    parser.add_argument("--workers", type=int, default=2, help="solver worker processes")
    parser.add_argument("--out", default=str(ROOT / "bench" / "out" / "app_bench.jsonl"))
    parser.add_argument("--workbook", type=Path, default=None, help="the workbook sessions open (default: data/contributions.xlsx)")
    args = parser.parse_args()
    missing = browser_missing()
    if missing:
        sys.exit(f"cannot run: {missing}")
    from playwright.sync_api import sync_playwright

    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="forceplan-appbench-") as tmp:
        env = {"FORCEPLAN_WORKBOOK": str(args.workbook.resolve())} if args.workbook else {}
        server = AppServer(Path(tmp) / "models", Path(tmp) / "streamlit.log", workers=args.workers, env=env).start()
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                page = browser.new_page(viewport={"width": 1500, "height": 1200})
                page.set_default_timeout(120_000)
                t0 = time.perf_counter()
                open_workbench(page, server.url, 180_000)
                rows.append({"case": "first open (includes the first solve)", "seconds": time.perf_counter() - t0})
                keys = [inputs_key(page)]

                # re-solves of new inputs
                for name in SEQUENCE[: max(1, min(args.rounds, len(SEQUENCE)))]:
                    click_toggle(page, name)
                    settle(page)
                    key = inputs_key(page)
                    t = time.perf_counter()
                    click_solve(page)
                    wait_plan_of(page, key)
                    shown = time.perf_counter() - t
                    wait_final_plan_of(page, key)
                    final = time.perf_counter() - t
                    settle(page, quiet=0.2)
                    settled = time.perf_counter() - t - 0.2
                    engine = engine_seconds(page)
                    job = job_seconds(page)
                    rows.append({"case": "re-solve", "switch": name, "seconds": shown, "final": final, "settled": settled,
                                 "engine": engine, "app": final - engine, "job": job})
                    keys.append(key)

                # back to inputs solved before: the cache
                for name in reversed(SEQUENCE[: len(keys) - 1]):
                    t = time.perf_counter()
                    click_toggle(page, name)
                    keys.pop()
                    wait_plan_of(page, keys[-1])
                    shown = time.perf_counter() - t
                    settle(page, quiet=0.2)
                    rows.append({"case": "cached switch", "switch": name, "seconds": shown,
                                 "settled": time.perf_counter() - t - 0.2})

                # saved scenarios (the start, and the first re-solve), loaded from the Scenarios page
                goto_page(page, "Scenarios")
                page.wait_for_selector(".st-key-save_box")
                settle(page)
                saved = {}
                for name in ("bench-a", "bench-b"):
                    if name == "bench-b":
                        click_toggle(page, SEQUENCE[0])
                        settle(page)
                    box = page.locator(".st-key-save_name input")
                    box.fill(name)
                    box.press("Enter")
                    settle(page)
                    page.locator(".st-key-save_btn").get_by_role("button").click()
                    page.get_by_text(f"Saved '{name}'").wait_for()
                    settle(page)
                    saved[name] = inputs_key(page)
                for name in ("bench-a", "bench-b", "bench-a", "bench-b"):
                    page.locator(".st-key-sel_scenario").click()
                    page.get_by_role("option", name=name, exact=True).click()
                    settle(page)
                    t = time.perf_counter()
                    page.locator(".st-key-load_btn").get_by_role("button").click()
                    wait_plan_of(page, saved[name])
                    shown = time.perf_counter() - t
                    settle(page, quiet=0.2)
                    rows.append({"case": "cached scenario (load)", "scenario": name, "seconds": shown,
                                 "settled": time.perf_counter() - t - 0.2})
                    goto_page(page, "Scenarios")
                    page.wait_for_selector(".st-key-scenario_actions")
                    settle(page)
                browser.close()
        finally:
            server.stop()

    meta = {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": platform.node(),
            "python": platform.python_version(), "workers": args.workers}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a") as fh:
        for r in rows:
            fh.write(json.dumps({**meta, **{k: round(v, 3) if isinstance(v, float) else v for k, v in r.items()}}) + "\n")

    print(f"{'case':<40}{'shown':>8}{'final':>8}{'settled':>9}{'engine':>8}{'job':>6}{'app':>7}")
    for r in rows:
        def f(k):
            return f"{r[k]:.2f}" if k in r else "–"
        label = r["case"] + (f" ({r.get('switch') or r.get('scenario')})" if r.get("switch") or r.get("scenario") else "")
        print(f"{label:<40}{f('seconds'):>8}{f('final'):>8}{f('settled'):>9}{f('engine'):>8}{f('job'):>6}{f('app'):>7}")
    by = lambda c, k="seconds": [r[k] for r in rows if r["case"] == c]  # noqa: E731
    print()
    print("re-solve shown:         ", summary(by("re-solve")), "  target < 2 s (one period), < 5 s (the mission)")
    print("re-solve final plan:    ", summary(by("re-solve", "final")))
    print("  of which engine:      ", summary(by("re-solve", "engine")))
    print("  of which app:         ", summary(by("re-solve", "app")))
    print("cached switch shown:    ", summary(by("cached switch")), "  target < 0.5 s")
    print("cached scenario shown:  ", summary(by("cached scenario (load)")))
    print(f"appended to {out}")


if __name__ == "__main__":
    main()
