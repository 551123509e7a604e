"""Tables and the plot of docs/performance.md from bench/results.jsonl.

    python bench/plot.py [--results bench/results.jsonl] [--before TAG] [--after TAG]
                         [--png docs/performance.png]

Rows are grouped by their run ``tag`` (``bench/run.py --tag``); for each
(size, seed, engine) the latest row of a tag counts.  Prints markdown tables
(medians over seeds, per size) and writes a PNG: end-to-end time against
size, before and after, with the floor, on a log scale.  Needs the ``bench``
extra (matplotlib).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE_ORDER = ["default", "S", "M", "L", "XL"]
SIZE_LABEL = {"default": "default (30×23×9)", "S": "S (30×15×6)", "M": "M (50×30×8)", "L": "L (100×40×12)", "XL": "XL (200×100×20)"}


def load(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append(json.loads(line))
    return rows


def latest(rows: list[dict], tag: str) -> dict[tuple, dict]:
    """(size, seed, engine) -> the latest row of the runs tagged ``tag``."""
    out: dict[tuple, dict] = {}
    for row in rows:
        if row.get("tag") == tag and "error" not in row:
            out[(row["size"], row["seed"], row["engine"])] = row
    return out


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=2):
    if v is None:
        return "–"
    if isinstance(v, str):
        return v
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def by_size(table: dict[tuple, dict], engine: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for (size, _seed, eng), row in sorted(table.items(), key=lambda kv: (str(kv[0][1]),)):
        if eng == engine:
            out.setdefault(size, []).append(row)
    return out


def stage_table(table: dict[tuple, dict], engine: str = "pyomo") -> str:
    """Median seconds of each stage per size, worst gap, peak memory, model size."""
    lines = [
        "| size | runs | read | build | hand-over | stage 1 | stage 2 | write | total | status | worst gap | peak MB | columns (int) | rows | nonzeros |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    groups = by_size(table, engine)
    for size in [s for s in SIZE_ORDER if s in groups]:
        rs = groups[size]
        statuses = {}
        for r in rs:
            statuses[r["status"]] = statuses.get(r["status"], 0) + 1
        status = ", ".join(f"{n}× {s}" for s, n in sorted(statuses.items()))
        lines.append(
            "| " + " | ".join([
                SIZE_LABEL[size], str(len(rs)),
                *(fmt(median([r[k] for r in rs]), 3) for k in ("read_s", "build_s", "handover_s", "stage1_s", "stage2_s", "write_s", "total_s")),
                status, f"{max(r['gap'] for r in rs):.2g}", fmt(median([r.get('peak_rss_mb') for r in rs]), 0),
                f"{fmt(median([r.get('columns') for r in rs]), 0)} ({fmt(median([r.get('integer_columns') for r in rs]), 0)})",
                fmt(median([r.get("rows") for r in rs]), 0), fmt(median([r.get("nonzeros") for r in rs]), 0),
            ]) + " |"
        )
    return "\n".join(lines)


def seed_table(before: dict[tuple, dict], after: dict[tuple, dict]) -> str:
    """Per instance: stage times and total, before and after, with the floor's total."""
    lines = [
        "| instance | before: stage 1 | stage 2 | total | status | LP iterations | after: stage 1 | stage 2 | total | status, gap | LP iterations | floor total | overhead share | over the floor |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def work(r):
        its = [r.get("stage1_lp_iterations"), r.get("stage2_lp_iterations")]
        return f"{sum(i or 0 for i in its):,}" if any(i is not None for i in its) else "–"

    keys = sorted({(s, seed) for (s, seed, _e) in after}, key=lambda k: (SIZE_ORDER.index(k[0]), -1 if k[1] is None else k[1]))
    for size, seed in keys:
        b = before.get((size, seed, "pyomo"))
        a = after.get((size, seed, "pyomo"))
        f = after.get((size, seed, "floor"))
        name = size if seed is None else f"{size}-{seed}"
        cells = [name]
        for r in (b,):
            cells += [fmt(r["stage1_s"]), fmt(r["stage2_s"]), fmt(r["total_s"]), f"{r['status']}, {r['gap']:.1e}", work(r)] if r else ["–"] * 5
        if a:
            cells += [fmt(a["stage1_s"]), fmt(a["stage2_s"]), fmt(a["total_s"]), f"{a['status']}, {a['gap']:.1e}", work(a)]
        else:
            cells += ["–"] * 5
        cells.append(fmt(f["total_s"]) if f else "–")
        if a:
            share = (a["build_s"] + a["handover_s"]) / a["total_s"]
            cells.append(f"{100 * share:.1f} %")
            if f:
                excess = (a["build_s"] + a["handover_s"] - f["build_s"] - f["handover_s"]) / a["total_s"]
                cells.append(f"{100 * excess:.1f} %")
            else:
                cells.append("–")
        else:
            cells += ["–", "–"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def overhead_table(after: dict[tuple, dict]) -> str:
    """Build + hand-over, pyomo against the floor, per size (medians), as a share of end-to-end."""
    lines = [
        "| size | pyomo build | pyomo hand-over | floor build | floor hand-over | pyomo end-to-end | floor end-to-end | overhead share (pyomo) | over the floor (worst seed) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    pyomo, floor = by_size(after, "pyomo"), by_size(after, "floor")
    for size in [s for s in SIZE_ORDER if s in pyomo]:
        ps, fs = pyomo[size], floor.get(size, [])
        shares = [(r["build_s"] + r["handover_s"]) / r["total_s"] for r in ps]
        excess = []
        for r in ps:
            f = after.get((size, r.get("seed"), "floor"))
            if f:
                excess.append((r["build_s"] + r["handover_s"] - f["build_s"] - f["handover_s"]) / r["total_s"])
        lines.append("| " + " | ".join([
            SIZE_LABEL[size],
            fmt(median([r["build_s"] for r in ps]), 3), fmt(median([r["handover_s"] for r in ps]), 3),
            fmt(median([r["build_s"] for r in fs]), 3), fmt(median([r["handover_s"] for r in fs]), 3),
            fmt(median([r["total_s"] for r in ps]), 3), fmt(median([r["total_s"] for r in fs]), 3),
            f"{100 * statistics.median(shares):.1f} %", f"{100 * max(excess):.1f} %" if excess else "–",
        ]) + " |")
    return "\n".join(lines)


def plot(before: dict, after: dict, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = [
        ("before (plain formulation)", before, "pyomo", "tab:red", "o"),
        ("after (pyomo path)", after, "pyomo", "tab:blue", "s"),
        ("floor (highspy + numpy)", after, "floor", "tab:green", "^"),
    ]
    sizes = [s for s in SIZE_ORDER if s != "default" and any(k[0] == s for k in after)]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for label, table, engine, color, marker in series:
        xs, ys, xm, ym = [], [], [], []
        for i, size in enumerate(sizes):
            rows = [r for (s, _seed, e), r in table.items() if s == size and e == engine]
            for j, r in enumerate(rows):
                xs.append(i + (j - 1) * 0.06 + {"tab:red": -0.15, "tab:blue": 0.0, "tab:green": 0.15}[color])
                ys.append(r["total_s"])
            if rows:
                xm.append(i + {"tab:red": -0.15, "tab:blue": 0.0, "tab:green": 0.15}[color])
                ym.append(statistics.median(r["total_s"] for r in rows))
        axes[0].scatter(xs, ys, color=color, marker=marker, alpha=0.45, s=22)
        axes[0].plot(xm, ym, color=color, marker=marker, label=label)
    axes[0].set_yscale("log")
    axes[0].set_xticks(range(len(sizes)), [SIZE_LABEL[s] for s in sizes], fontsize=8)
    axes[0].set_ylabel("end-to-end seconds (read → write), log scale")
    axes[0].set_title("Time against size (dots: seeds, line: median)")
    axes[0].grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)

    stages = [("read_s", "read"), ("build_s", "build"), ("handover_s", "hand-over"), ("stage1_s", "stage 1"), ("stage2_s", "stage 2"),
              ("write_s", "write"), ("other_s", "other")]
    colors = ["#bbbbbb", "#e6a23c", "#f56c6c", "#409eff", "#67c23a", "#909399", "#f0f0f0"]
    width = 0.38
    for table in (before, after):
        for r in table.values():
            if "total_s" in r and "read_s" in r:
                r["other_s"] = max(0.0, r["total_s"] - sum(r[k] for k, _ in stages[:-1]))
    for offset, (table, label) in zip((-width / 2, width / 2), ((before, "before"), (after, "after"))):
        bottoms = [0.0] * len(sizes)
        for (key, name), color in zip(stages, colors):
            shares = []
            for size in sizes:
                rows = [r for (s, _seed, e), r in table.items() if s == size and e == "pyomo"]
                total = sum(r["total_s"] for r in rows)
                shares.append(100 * sum(r[key] for r in rows) / total if total else 0.0)
            axes[1].bar([i + offset for i in range(len(sizes))], shares, width, bottom=bottoms, color=color,
                        label=name if label == "after" else None, edgecolor="white", linewidth=0.5)
            bottoms = [b + v for b, v in zip(bottoms, shares)]
        for i in range(len(sizes)):
            axes[1].text(i + offset, 100.5, label, ha="center", va="bottom", fontsize=7)
    axes[1].set_ylim(0, 125)
    axes[1].set_xticks(range(len(sizes)), [SIZE_LABEL[s] for s in sizes], fontsize=8)
    axes[1].set_ylabel("share of end-to-end time, % (all seeds)")
    axes[1].set_title("Where the time goes (pyomo path)")
    axes[1].legend(fontsize=7, ncol=4, loc="upper center")
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=120)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default=str(ROOT / "bench" / "results.jsonl"))
    ap.add_argument("--before", default="before")
    ap.add_argument("--after", default="after")
    ap.add_argument("--png", default=str(ROOT / "docs" / "performance.png"))
    args = ap.parse_args()
    rows = load(Path(args.results))
    before, after = latest(rows, args.before), latest(rows, args.after)
    if not after:
        sys.exit(f"no rows tagged {args.after!r} in {args.results}")
    print(f"### After ({args.after}): pyomo path, medians over seeds\n")
    print(stage_table(after, "pyomo"))
    print("\n### Floor: the same model on highspy + numpy, medians over seeds\n")
    print(stage_table(after, "floor"))
    print("\n### Build and hand-over: pyomo against the floor\n")
    print(overhead_table(after))
    if before:
        print(f"\n### Before ({args.before}): medians over seeds\n")
        print(stage_table(before, "pyomo"))
    print("\n### Per instance\n")
    print(seed_table(before, after))
    plot(before, after, Path(args.png))
    print(f"\nwrote {args.png}")


if __name__ == "__main__":
    main()
