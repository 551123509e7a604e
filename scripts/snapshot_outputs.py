"""Snapshot every output of forceplan on fixed workbooks, to show a refactoring changed nothing.

    python scripts/snapshot_outputs.py OUT_DIR            # write the snapshot
    python scripts/snapshot_outputs.py OUT_DIR --compare OTHER_DIR

Plans the default workbook and ten seeded workbooks of varied size
(:func:`devtools.generators.generate_workbook`), and writes for each
``plan.json`` (timings removed: they differ run to run), ``plan.xlsx`` and
``report.pdf`` as ``forceplan solve`` writes them, with the planning time and
solve seconds fixed.  ``--compare`` then lists every file that differs (exit
1), or says they are identical (exit 0): byte for byte, plan.xlsx cell for
cell; for each case that differs it says whether the two plans are equally
good (same score, same recomputed stage-2 objective) — a tie resolved the
other way — or not.  Run it from two checkouts (before and after a change) into two
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


def _objectives(a: Path, b: Path) -> str:
    """Whether two plans are equally good: same shortfall score, stage-2 objectives (each recomputed
    from its plan by the certificate) within 1e-6 relative; a plan change then only picks another of
    several optimal plans (a tie), e.g. after the rows reach HiGHS in another order."""
    if not (a.is_file() and b.is_file()):
        return "a plan.json is missing"
    pa, pb = json.loads(a.read_text()), json.loads(b.read_text())
    s2 = [(p["solver"].get("certificate") or {}).get("stage2") or {} for p in (pa, pb)]
    o2 = [c.get("objective") for c in s2]
    same2 = o2[0] == o2[1] or (None not in o2 and abs(o2[0] - o2[1]) <= 1e-6 * max(1.0, abs(o2[0])))
    same = pa["shortfall_score"] == pb["shortfall_score"] and same2 and pa["status"] == pb["status"]
    units = [{(r["nation"], r["unit_type"], r["sector"]): r["units"] for r in p["allocations"]} for p in (pa, pb)]
    moved = sum(1 for k in set(units[0]) | set(units[1]) if units[0].get(k) != units[1].get(k))
    return (f"{'equally good' if same else 'NOT equally good'}: score {pa['shortfall_score']:,} vs {pb['shortfall_score']:,}, "
            f"stage 2 {o2[0]} vs {o2[1]}; {moved} allocation rows differ, leads {'same' if pa['leads'] == pb['leads'] else 'differ'}")


def compare(one: Path, other: Path) -> int:
    """Outputs compared byte for byte (plan.xlsx: cell for cell); the inputs folder is skipped."""
    def files(root: Path) -> set:
        return {p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "inputs"}

    names = sorted(files(one) | files(other))
    differ = [str(n) for n in names if not _same(one / n, other / n)]
    if differ:
        print("differ:", *differ, sep="\n  ")
        for case in sorted({pathlib_parts[0] for pathlib_parts in (Path(d).parts for d in differ)}):
            print(f"{case}: {_objectives(one / case / 'plan.json', other / case / 'plan.json')}")
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
