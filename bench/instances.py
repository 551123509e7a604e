"""The benchmark instances: seeded contract workbooks at sizes S, M, L and XL.

    python bench/instances.py OUT_DIR [--sizes S,M,L,XL] [--seeds 3]

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
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from devtools.generators import FEATURES, generate_workbook  # noqa: E402

SIZES: dict[str, tuple[int, int, int]] = {
    "S": (30, 15, 6),
    "M": (50, 30, 8),
    "L": (100, 40, 12),
    "XL": (200, 100, 20),
}
DENSITY = 3.0
ALL_FEATURES = {feature: True for feature in FEATURES}
#: Scenario time limit per size (the targets: S < 2 s, M < 20 s, L < 120 s; XL a plan with its gap).
TIME_LIMIT_S = {"S": 60, "M": 60, "L": 120, "XL": 300, "default": 60}


def bench_workbook(out_dir: str | Path, size: str, seed: int) -> Path:
    """Write (or reuse) the workbook of ``size`` and ``seed`` in ``out_dir``; return its path."""
    n_nations, n_unit_types, n_sectors = SIZES[size]
    path = Path(out_dir) / f"{size}-{seed}.xlsx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.xlsx")
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


if __name__ == "__main__":
    main()
