"""Snapshot every output of forceplan on fixed workbooks, to show a refactoring changed nothing.

    python scripts/snapshot_outputs.py OUT_DIR            # write the snapshot
    python scripts/snapshot_outputs.py OUT_DIR --compare OTHER_DIR

Plans the default workbook and ten seeded workbooks of varied size
(:func:`devtools.generators.generate_workbook`), and writes for each
``plan.json`` (timings removed: they differ run to run), ``plan.xlsx`` and
``report.pdf`` as ``forceplan solve`` writes them, with the planning time and
solve seconds fixed.  ``--compare`` then lists every file that differs (exit
1), or says they are identical (exit 0): byte for byte, plan.xlsx cell for
cell.  Run it from two checkouts (before and after a change) into two
folders, the second with ``--inputs FIRST/inputs``, and compare.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEEDED = [  # (seed, nations, unit types, sectors, density)
    (1, 8, 4, 2, 1.0), (2, 12, 6, 3, 1.5), (3, 20, 8, 4, 1.0), (4, 30, 15, 6, 1.0), (5, 6, 3, 2, 2.5),
    (6, 16, 10, 5, 1.5), (7, 25, 12, 6, 2.5), (8, 10, 5, 3, 1.0), (9, 40, 15, 8, 1.0), (10, 14, 7, 4, 2.5),
]


def _stable(plan: dict) -> dict:
    plan["solver"].pop("seconds", None)
    plan["solver"].pop("timings_s", None)
    plan["source"].pop("planned_at", None)
    return plan


def snapshot(out: Path, inputs: Path | None = None) -> None:
    """Plan each workbook into ``out/<case>/``; the seeded workbooks are taken from ``inputs``
    when given (openpyxl stamps each file it writes with the time, so regenerated inputs
    would differ in their SHA-256, which the outputs print), else written to ``out/inputs``."""
    from optimizer.pipeline import plan_workbook, write_outputs
    from devtools.generators import generate_workbook

    out.mkdir(parents=True, exist_ok=True)
    if inputs is None:
        inputs = out / "inputs"
        inputs.mkdir(exist_ok=True)
        for seed, n, u, s, density in SEEDED:
            generate_workbook(inputs / f"seed{seed}.xlsx", n_nations=n, n_unit_types=u, n_sectors=s, seed=seed, density=density)
    cases = [("default", ROOT / "data" / "contributions.xlsx")] + [(f"seed{seed}", inputs / f"seed{seed}.xlsx") for seed, *_ in SEEDED]
    for name, path in cases:
        plan = plan_workbook(path)
        # fixed times: the outputs print them, and the snapshot compares bytes
        plan = dataclasses.replace(plan, source={**plan.source, "planned_at": "2026-01-01T00:00:00Z"},
                                   solver={**plan.solver, "seconds": 0.0, "timings_s": {}})
        folder = out / name
        write_outputs(plan, folder)
        data = json.loads((folder / "plan.json").read_text())
        (folder / "plan.json").write_text(json.dumps(_stable(data), indent=1, sort_keys=True) + "\n")
        print(f"{name}: {plan.status}, score {plan.shortfall_score:,.0f}")


def _xlsx_content(path: Path) -> list:
    """Every sheet's cells with their value, number format, font and fill: what a reader sees.

    (The file's bytes carry the time openpyxl wrote it, in its properties and zip entries.)"""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return [(ws.title, ws.freeze_panes, ws.auto_filter.ref,
             [(c.coordinate, c.value, c.number_format, c.font.b, c.fill.fgColor.rgb) for row in ws.iter_rows() for c in row])
            for ws in wb.worksheets]


def _same(a: Path, b: Path) -> bool:
    if not a.is_file() or not b.is_file():
        return False
    if a.suffix == ".xlsx":
        return _xlsx_content(a) == _xlsx_content(b)
    return a.read_bytes() == b.read_bytes()


def compare(one: Path, other: Path) -> int:
    """Outputs compared byte for byte (plan.xlsx: cell for cell); the inputs folder is skipped."""
    def files(root: Path) -> set:
        return {p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "inputs"}

    names = sorted(files(one) | files(other))
    differ = [str(n) for n in names if not _same(one / n, other / n)]
    if differ:
        print("differ:", *differ, sep="\n  ")
        return 1
    print(f"identical: {len(names)} files")
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--compare", type=Path, default=None, help="a second snapshot folder to compare OUT with")
    ap.add_argument("--inputs", type=Path, default=None, help="the seeded workbooks of an earlier snapshot (its inputs/ folder)")
    args = ap.parse_args()
    if args.compare is not None:
        sys.exit(compare(args.out, args.compare))
    snapshot(args.out, args.inputs)
