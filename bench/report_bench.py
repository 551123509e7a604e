"""Benchmark: how long report.pdf takes, on the default workbook (target: under 3 s) and a 100-nation plan.

    python bench/report_bench.py [--repeat 5] [--workbook data/contributions.xlsx] [--no-large]

The plan is solved once (not timed); then the report is built ``--repeat``
times in this process.  Reported per plan: the first build in a fresh process
(imports of reportlab and font loading included, as ``forceplan solve`` and
``forceplan report`` pay it), then the median and best of the later builds,
the page count and the file size.  Also checks the builds are byte-identical.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_S = 3.0


def _plans(workbook: Path, large: bool) -> list[tuple[str, dict]]:
    from optimizer.outputs import plan_to_dict
    from optimizer.pipeline import plan_workbook
    from devtools.generators import generate_workbook

    plans = [(f"default ({workbook.name})", plan_to_dict(plan_workbook(workbook)))]
    if large:
        with tempfile.TemporaryDirectory() as tmp:
            wb = Path(tmp) / "n100.xlsx"
            generate_workbook(wb, n_nations=100, n_unit_types=20, n_sectors=12, seed=5, density=2.5)
            plans.append(("100 nations (synthetic seed 5)", plan_to_dict(plan_workbook(wb))))
    return plans


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workbook", type=Path, default=ROOT / "data" / "contributions.xlsx")
    ap.add_argument("--no-large", action="store_true", help="skip the 100-nation plan")
    args = ap.parse_args(argv)

    plans = _plans(args.workbook, not args.no_large)
    t0 = time.perf_counter()
    import optimizer.report.build  # noqa: F401  (reportlab and the report code)
    from optimizer.report import report_bytes

    import_s = time.perf_counter() - t0
    print(f"import of the report code (reportlab): {import_s:.2f} s")
    ok = True
    for label, plan in plans:
        times, outputs = [], []
        for _ in range(max(1, args.repeat)):
            t = time.perf_counter()
            outputs.append(report_bytes(plan))
            times.append(time.perf_counter() - t)
        from pypdf import PdfReader
        import io

        pages = len(PdfReader(io.BytesIO(outputs[0])).pages)
        first = times[0] + (import_s if label.startswith("default") else 0.0)
        later = times[1:] or times
        identical = all(o == outputs[0] for o in outputs)
        note = " (with imports)" if label.startswith("default") else ""
        print(f"{label}: first build {first:.2f} s{note}, then median {statistics.median(later):.2f} s, best {min(later):.2f} s; "
              f"{pages} pages, {len(outputs[0]) / 1024:.0f} KiB; byte-identical: {identical}")
        if label.startswith("default") and first >= TARGET_S:
            print(f"  over the {TARGET_S:.0f} s target")
            ok = False
        ok = ok and identical
    # the whole command in a fresh process, as a planner runs it
    import json
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "plan.json").write_text(json.dumps(plans[0][1]))
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "optimizer", "report", tmp], capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - t
    print(f"`forceplan report` on the default plan, fresh process: {wall:.2f} s wall (exit {done.returncode})")
    ok = ok and done.returncode == 0 and wall < TARGET_S
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
