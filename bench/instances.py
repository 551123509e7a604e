"""The benchmark instances: seeded contract workbooks at sizes S, M, L and XL, and the hard class.

    python bench/instances.py OUT_DIR [--sizes S,M,L,XL,H50,H100] [--seeds 3]

Every instance is :func:`devtools.generators.generate_workbook` with

- ``density = 3``: each sector asks for up to 18 unit types of its domain and
  each unit type is pledged by up to a whole third-of-the-coalition × 3 of
  the nations able to field it, so a nation offers several unit types, each
  usable on several lines in several sectors (density 1, the generator's
  default, gives sparse instances HiGHS solves at the root);
- every feature on (leads, caveats, budgets, minimums, caps, interoperability
  limit, conditions, domain targets): each family of hard constraints binds
  somewhere, as in a real force-generation conference;
- the seed's own draw of scenario switches, weights and ``mip_gap`` (about
  one seed in three plants a plan without shortfall: stage 1 then proves a
  score of 0 and the work moves to stage 2);
- ``time_limit_s`` per size (:data:`TIME_LIMIT_S`), passed as an override.

The sizes are the issue's: nations × unit types × sectors.

``H50`` and ``H100`` are the hard class of issue 15: the workbooks of
``../shared/bench/`` (:func:`shared_hard`) and more drawn from the same
distributions (:func:`devtools.generators.generate_hard_workbook`), so that a
figure is a median over more than the few given and nothing is tuned to them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devtools.generators import FEATURES, generate_hard_workbook, generate_workbook  # noqa: E402

SIZES: dict[str, tuple[int, int, int]] = {
    "S": (30, 15, 6),
    "M": (50, 30, 8),
    "L": (100, 40, 12),
    "XL": (200, 100, 20),
}
#: The hard class (issue 15): nations × unit types × sectors, interoperability limit, caveat rows.
HARD_SIZES: dict[str, tuple[int, int, int, int, int]] = {
    "H50": (50, 30, 8, 4, 20),
    "H100": (100, 40, 12, 5, 40),
}
SHARED_BENCH = ROOT.parent / "shared" / "bench"
DENSITY = 3.0
ALL_FEATURES = {feature: True for feature in FEATURES}
#: Scenario time limit per size (the targets: S < 2 s, M < 20 s, L < 120 s; XL a plan with its gap).
#: The hard class: targets H50 < 20 s, H100 < 120 s; the limits leave room to measure how far off.
TIME_LIMIT_S = {"S": 60, "M": 60, "L": 120, "XL": 300, "default": 60, "H50": 120, "H100": 300}


def bench_workbook(out_dir: str | Path, size: str, seed: int) -> Path:
    """Write (or reuse) the workbook of ``size`` and ``seed`` in ``out_dir``; return its path."""
    path = Path(out_dir) / f"{size}-{seed}.xlsx"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    if size in HARD_SIZES:
        n_nations, n_unit_types, n_sectors, interop, caveats = HARD_SIZES[size]
        generate_hard_workbook(tmp, n_nations, n_unit_types, n_sectors, seed=seed, max_nations_per_sector=interop, caveat_rows=caveats)
    else:
        n_nations, n_unit_types, n_sectors = SIZES[size]
        generate_workbook(
            tmp,
            n_nations=n_nations,
            n_unit_types=n_unit_types,
            n_sectors=n_sectors,
            seed=seed,
            features=ALL_FEATURES,
            density=DENSITY,
        )
    tmp.replace(path)
    return path


def shared_hard(size: str) -> list[Path]:
    """The given workbooks of the hard class ``size`` (``../shared/bench/hard50_*.xlsx`` for H50),
    in name order; none when the folder is not beside the repository."""
    return sorted(SHARED_BENCH.glob(f"hard{size[1:]}_*.xlsx"))


def default_one_period(out_dir: str | Path) -> Path:
    """The default workbook's force at one moment (``scripts/build_default_workbook.py --one-period``):
    the size class ``default`` of the earlier speed work, comparable across commits now that the
    committed workbook plans the mission over six tours."""
    import importlib.util

    path = Path(out_dir) / "default-one-period.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = importlib.util.spec_from_file_location("build_default_workbook", ROOT / "scripts" / "build_default_workbook.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    builder.build(path, timeline=False)
    return path


def overrides(size: str) -> tuple[str, ...]:
    """Scenario overrides the benchmark applies to an instance of ``size``."""
    return (f"time_limit_s={TIME_LIMIT_S[size]}",)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--sizes", default="S,M,L,XL")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    for size in args.sizes.split(","):
        for seed in range(args.seeds):
            print(bench_workbook(args.out_dir, size.strip(), seed))
        for path in shared_hard(size.strip()) if size.strip() in HARD_SIZES else ():
            print(path)


if __name__ == "__main__":
    main()
