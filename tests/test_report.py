"""The PDF allocation report: content (pypdf), rendering (pdftoppm), determinism, wiring, failures.

Plans: the default workbook; one without shortfall; one with heavy shortfall;
one where no nation is eligible; a 100-nation plan whose tables span pages.
Rendering needs ``pdftoppm`` (Debian ``poppler-utils``, installed by
``.ci/run``): the test fails, never skips, without it.
"""

from __future__ import annotations

import copy
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

import optimizer.cli as cli_module
from optimizer.outputs import plan_to_dict
from optimizer.pipeline import plan_workbook, write_outputs
from optimizer.report import PlanFormatError, check_plan, load_plan, report_bytes, write_report
from devtools.generators import generate_workbook, write_workbook_from_tables
from tests.conftest import DEFAULT_WORKBOOK, run_cli

DEFAULT_CLASSIFICATION = "UNCLASSIFIED — ILLUSTRATIVE DATA"


# ---------------------------------------------------------------------------
# plans
# ---------------------------------------------------------------------------


def _nobody_eligible(path: Path) -> None:
    tables = {
        "Nations": [
            {"nation": "Atlantis", "status": "declined", "active_personnel": 50_000, "gdp_busd": 500},
            {"nation": "Borduria", "status": "committed", "active_personnel": 20_000, "gdp_busd": 100, "requires_un_mandate": True},
            {"nation": "Côte d’Ivoire", "status": "considering", "active_personnel": 20_000, "gdp_busd": 70, "requires_us_backstop": True},
        ],
        "UnitTypes": [
            {"unit_type": "Infantry battalion", "domain": "land", "personnel": 600, "annual_cost_musd": 90},
            {"unit_type": "Frigate", "domain": "sea", "personnel": 200, "annual_cost_musd": 80},
        ],
        "Sectors": [{"sector": "Kyiv", "risk": 2, "needs_lead": True}, {"sector": "Black Sea maritime", "risk": 1}, {"sector": "Zone <A&B>", "risk": 1}],
        "Pledges": [
            {"nation": "Atlantis", "unit_type": "Infantry battalion", "max_units": 3},
            {"nation": "Borduria", "unit_type": "Frigate", "max_units": 2},
            {"nation": "Côte d’Ivoire", "unit_type": "Infantry battalion", "max_units": 1},
        ],
        "Requirements": [
            {"unit_type": "Infantry battalion", "sector": "Kyiv", "min_units": 2, "priority": 1},
            {"unit_type": "Frigate", "sector": "Black Sea maritime", "min_units": 1, "priority": 2},
            {"unit_type": "Infantry battalion", "sector": "Zone <A&B>", "min_units": 1, "priority": 3},
        ],
    }
    scenario = {"name": "nobody", "force_target": 5000, "classification": "NATO RESTRICTED — EXERCISE"}
    write_workbook_from_tables(path, scenario, tables)


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict[str, dict]:
    folder = tmp_path_factory.mktemp("report_plans")
    out = {"default": plan_to_dict(plan_workbook(DEFAULT_WORKBOOK))}
    wb = folder / "ample.xlsx"
    generate_workbook(wb, n_nations=12, n_unit_types=8, n_sectors=4, seed=2, ample=True)
    out["no_shortfall"] = plan_to_dict(plan_workbook(wb))
    out["heavy_shortfall"] = plan_to_dict(plan_workbook(DEFAULT_WORKBOOK, ["sustainable_share=0.005", "force_target=60000", "name=thin caps"]))
    wb = folder / "nobody.xlsx"
    _nobody_eligible(wb)
    out["nobody_eligible"] = plan_to_dict(plan_workbook(wb))
    wb = folder / "n100.xlsx"
    generate_workbook(wb, n_nations=100, n_unit_types=20, n_sectors=12, seed=5, density=2.5)
    out["n100"] = plan_to_dict(plan_workbook(wb))
    return out


@pytest.fixture(scope="module")
def pdfs(plans, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("report_pdfs")
    paths = {}
    for name, plan in plans.items():
        paths[name] = write_report(plan, folder / f"{name}.pdf")
    return paths


def texts(path: Path) -> list[str]:
    """Each page's text, whitespace collapsed (so words wrapped across lines still match)."""
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in PdfReader(path).pages]


def test_the_plans_cover_the_cases(plans):
    assert not [r for r in plans["no_shortfall"]["requirements"] if r["short_units"]] and plans["no_shortfall"]["shortfall_score"] == 0
    heavy = plans["heavy_shortfall"]
    assert sum(r["short_units"] > 0 for r in heavy["requirements"]) >= len(heavy["requirements"]) // 2
    assert not any(n["eligible"] for n in plans["nobody_eligible"]["nations"]) and plans["nobody_eligible"]["allocations"] == []
    assert len(plans["n100"]["nations"]) == 100


# ---------------------------------------------------------------------------
# content
# ---------------------------------------------------------------------------

CASES = ["default", "no_shortfall", "heavy_shortfall", "nobody_eligible", "n100"]


@pytest.mark.parametrize("case", CASES)
def test_banner_top_and_bottom_and_page_x_of_y_on_every_page(case, plans, pdfs):
    banner = re.sub(r"\s+", " ", plans[case]["scenario"]["classification"])
    pages = texts(pdfs[case])
    assert len(pages) >= 8
    for i, text in enumerate(pages, start=1):
        assert text.count(banner) >= 2, (case, i)
        assert f"Page {i} of {len(pages)}" in text, (case, i)


@pytest.mark.parametrize("case", CASES)
def test_every_nation_and_sector_of_the_plan_is_in_the_report(case, plans, pdfs):
    text = " ".join(texts(pdfs[case]))
    plan = plans[case]
    for n in plan["nations"]:
        assert n["nation"] in text, n["nation"]
    for s in {r["sector"] for r in plan["requirements"]}:
        assert s in text, s


@pytest.mark.parametrize("case", CASES)
def test_the_executive_summary_figures_are_the_plans(case, plans, pdfs):
    plan = plans[case]
    pages = texts(pdfs[case])
    summary = next(t for t in pages if "Under the conditions assumed" in t)
    t = plan["totals"]
    force = next(x for x in plan["targets"] if x["scope"] == "force")
    if 0 < t["personnel"] < force["target"]:
        assert f"can field {t['personnel']:,} of the {force['target']:,} personnel sought" in summary
        assert f"{force['target'] - t['personnel']:,} short" in summary
    elif t["personnel"] == 0:
        assert f"can field none of the {force['target']:,} personnel sought" in summary
    else:
        assert f"can field the full {force['target']:,} personnel sought ({t['personnel']:,} planned)" in summary
    taking = sum(n["personnel"] > 0 for n in plan["nations"])
    assert f"{taking} of the {len(plan['nations'])} nations take part" in summary
    assert f"The plan costs {t['cost_musd']:,.0f} million USD a year" in summary
    # the figures table: target, planned, short per scope
    for x in plan["targets"]:
        label = "Whole force" if x["scope"] == "force" else x["scope"].capitalize()
        target = f"{x['target']:,}" if x["target"] else "no target"
        assert f"{label} {target} {x['planned']:,} {x['short']:,}" in summary, (case, x)
    # unfilled lines by priority: lines, unfilled, units short, personnel short
    for b in plan["shortfall_by_priority"]:
        lines = sum(r["priority"] == b["priority"] for r in plan["requirements"])
        assert re.search(rf"Priority {b['priority']} \(\w+\) {lines:,} {b['unfilled_lines']:,} {b['short_units']:,} {b['short_personnel']:,}", summary), b
    for ld in plan["leads"]:
        assert f"{ld['nation']} leads {ld['sector']}" in summary or len(plan["leads"]) > 8
    # the title page's headline figures
    assert f"{t['personnel']:,}" in pages[0] and f"{taking} / {len(plan['nations'])}" in pages[0]
    assert plan["source"]["sha256"] in pages[0] and plan["source"]["workbook"] in pages[0]


def test_the_default_report_reads_as_the_readme_says(plans, pdfs):
    text = " ".join(texts(pdfs["default"]))
    for heading in ("Contents", "1 Executive summary", "2 Allocation by nation", "3 Allocation by sector", "4 Coverage of the requirement",
                    "5 Burden sharing", "6 Cost by nation", "7 What binds", "8 Method and assumptions", "Annex A Full allocation"):
        assert heading in text
    assert "Italy and Ireland require a UN mandate" in text
    assert "Kharkiv approach needs a lead nation but has none" in text
    assert "Ceasefire in place yes" in text and "UN Security Council mandate no" in text
    assert "HiGHS" in text and "optimal" in text


def test_metadata_and_outline(plans, pdfs):
    reader = PdfReader(pdfs["default"])
    meta = reader.metadata
    assert meta.title == "Allocation report: baseline"
    assert meta.subject.startswith("Force generation plan 'baseline': ")
    assert meta.creator.startswith("forceplan ")
    stamp = plans["default"]["source"]["planned_at"]  # the creation date is the plan's own
    assert meta["/CreationDate"].startswith("D:" + re.sub(r"\D", "", stamp)[:14])
    top = [o.title for o in reader.outline if not isinstance(o, list)]
    assert top[:3] == ["Title page", "Contents", "1 Executive summary"] and top[-1] == "Annex A Full allocation"
    nested = [o for o in reader.outline if isinstance(o, list)]
    assert any("Lead nations" in [x.title for x in group] for group in nested)


def test_tables_repeat_their_header_on_every_page_they_span(plans, pdfs):
    """The 100-nation plan: the annex and the burden table split across pages, each page with the header."""
    pages = texts(pdfs["n100"])
    start = next(i for i, t in enumerate(pages) if "Annex A Full allocation" in t and "Every placement of the plan" in t)
    annex = pages[start:]
    assert len(annex) >= 2
    for t in annex:
        assert "Nation Sector Unit type Domain Units Personnel Cost (M USD/yr)" in t
    burden_pages = [t for t in pages if "Above (+) / below" in t]
    assert len(burden_pages) >= 2  # ~90 eligible nations do not fit one page
    # every allocation row is in the annex
    annex_text = " ".join(annex)
    for a in plans["n100"]["allocations"]:
        assert f"{a['unit_type']} {a['domain']} {a['units']:,} {a['personnel']:,}" in annex_text


def test_the_nobody_eligible_report_says_so(plans, pdfs):
    text = " ".join(texts(pdfs["nobody_eligible"]))
    assert "can field none of the 5,000 personnel sought" in text
    assert "No nation places any units in this plan" in text
    assert "Atlantis" in text and "declined" in text and "requires a UN mandate" in text
    assert "Côte d’Ivoire" in text and "Zone <A&B>" in text  # non-ASCII and markup characters come through as text
    assert "NATO RESTRICTED — EXERCISE" in text


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_every_page_renders_and_is_not_blank(case, pdfs, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: apt-get install -y poppler-utils (CI installs it)"
    result = subprocess.run([pdftoppm, "-r", "30", "-gray", "-png", str(pdfs[case]), str(tmp_path / "p")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == len(PdfReader(pdfs[case]).pages)
    for png in pngs:
        image = Image.open(png).convert("L")
        w, h = image.size
        body = image.crop((0, int(h * 0.05), w, int(h * 0.95)))  # without the banners
        dark = sum(body.histogram()[:200])
        assert dark > 0.003 * body.width * body.height, f"{png.name} looks blank"


# ---------------------------------------------------------------------------
# determinism and wiring
# ---------------------------------------------------------------------------


def test_the_same_plan_gives_the_same_bytes(plans, tmp_path):
    plan = plans["heavy_shortfall"]
    first = report_bytes(plan)
    assert report_bytes(json.loads(json.dumps(plan))) == first  # a saved plan.json reads back to the same report
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2, ensure_ascii=False))
    result = run_cli("report", tmp_path)  # another process (another hash seed)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "report.pdf").read_bytes() == first


def test_solve_writes_the_report_and_report_rebuilds_it_identically(tmp_path):
    out = tmp_path / "out"
    result = run_cli("solve", DEFAULT_WORKBOOK, "--out", out)
    assert result.returncode == 0, result.stderr
    assert f"written: {out}/plan.json, plan.xlsx, report.pdf" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["plan.json", "plan.xlsx", "report.pdf"]
    fresh = (out / "report.pdf").read_bytes()
    assert fresh.startswith(b"%PDF-")
    result = run_cli("report", out)
    assert result.returncode == 0 and result.stdout.strip() == f"written: {out}/report.pdf", result.stderr
    assert (out / "report.pdf").read_bytes() == fresh
    assert sorted(p.name for p in out.iterdir()) == ["plan.json", "plan.xlsx", "report.pdf"]  # no temporary files left


def _plan_dir(tmp_path: Path, content: str | None) -> Path:
    folder = tmp_path / "plan"
    folder.mkdir()
    if content is not None:
        (folder / "plan.json").write_text(content)
    return folder


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no plan.json"),
        ("{not json", "not valid JSON"),
        ("[1, 2]", "not a forceplan plan"),
        ('{"scenario": {"name": "x", "force_target": 10}}', "no 'status'"),
    ],
)
def test_report_of_a_bad_or_missing_plan_is_exit_2_in_one_line(tmp_path, content, message):
    folder = _plan_dir(tmp_path, content)
    result = CliRunner().invoke(cli_module.cli, ["report", str(folder)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert result.output.strip().count("\n") == 0
    assert not (folder / "report.pdf").exists()


def test_report_of_a_missing_folder_is_exit_2(tmp_path):
    result = run_cli("report", tmp_path / "nowhere")
    assert result.returncode == 2 and "no such folder" in result.stderr and "Traceback" not in result.stderr


def test_a_plan_with_a_broken_row_is_rejected_with_its_place(plans, tmp_path):
    plan = json.loads(json.dumps(plans["default"]))
    del plan["allocations"][3]["units"]
    folder = _plan_dir(tmp_path, json.dumps(plan))
    with pytest.raises(PlanFormatError, match=r"allocations\[3\] has no 'units'"):
        load_plan(folder)
    plan["allocations"][3]["units"] = "two"
    with pytest.raises(PlanFormatError, match=r"allocations\[3\]\.units is not a number"):
        check_plan(plan)


def test_a_contract_minimal_plan_still_gives_a_report(plans):
    """A plan.json with only the contract's keys and columns (no extras) is reported, with the default banner."""
    full = plans["default"]
    keep = {
        "allocations": ["nation", "unit_type", "sector", "units", "personnel", "cost_musd"],
        "requirements": ["unit_type", "sector", "min_units", "filled_units", "short_units"],
        "nations": ["nation", "eligible", "personnel", "cost_musd", "cap_personnel", "fair_personnel"],
        "leads": ["sector", "nation"],
    }
    plan = {k: full[k] for k in ("status", "shortfall_score", "solver")}
    plan["scenario"] = {k: v for k, v in full["scenario"].items() if k != "classification"}
    plan["totals"] = {k: full["totals"][k] for k in ("personnel", "land", "sea", "air", "cost_musd")}
    for table, cols in keep.items():
        plan[table] = [{c: row[c] for c in cols} for row in full[table]]
    data = report_bytes(plan)
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]
    assert all(p.count(DEFAULT_CLASSIFICATION) >= 2 for p in pages)
    assert any("can field 24,957 of the 30,000 personnel sought" in p for p in pages)
    assert any("does not record the pledges" in p for p in pages)


def test_a_report_failure_keeps_plan_json_and_xlsx_and_removes_a_stale_report(tmp_path, monkeypatch):
    import optimizer.report as report_module

    wb = tmp_path / "w.xlsx"
    generate_workbook(wb, n_nations=6, n_unit_types=4, n_sectors=2, seed=5)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").write_bytes(b"%PDF- an older plan's report")

    def broken(plan):
        raise RuntimeError("simulated renderer crash")

    monkeypatch.setattr(report_module, "report_bytes", broken)
    result = CliRunner().invoke(cli_module.cli, ["solve", str(wb), "--out", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.output.strip().count("\n") == 0
    assert "plan.json and plan.xlsx were written, but report.pdf failed" in result.output and "simulated renderer crash" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["plan.json", "plan.xlsx"]
    check_plan(json.loads((out / "plan.json").read_text()))
    assert openpyxl.load_workbook(out / "plan.xlsx").sheetnames[:4] == ["Summary", "Allocation", "Requirements", "Nations"]


def test_write_outputs_can_skip_the_report(tmp_path):
    wb = tmp_path / "w.xlsx"
    generate_workbook(wb, n_nations=5, n_unit_types=3, n_sectors=2, seed=1)
    plan = plan_workbook(wb)
    written = write_outputs(plan, tmp_path / "a", report=False)
    assert [p.name for p in written] == ["plan.xlsx", "plan.json"]
    written = write_outputs(plan, tmp_path / "b")
    assert [p.name for p in written] == ["plan.xlsx", "plan.json", "report.pdf"]
    assert (tmp_path / "b" / "report.pdf").read_bytes() == report_bytes(plan_to_dict(plan))


def _paths(obj, prefix=()):
    """Every key path of a plan dict (lists: their first two rows)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:2]):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def test_a_damaged_plan_is_either_rejected_in_one_line_or_reported(plans):
    """Any value replaced by one of the wrong type: PlanFormatError (exit 2), or a report with '—' in its place; never a crash."""
    import copy

    from optimizer.report.build import story

    plan = plans["no_shortfall"]
    bad_values = ("x", None, [], {}, -1, True, 1.5)
    for n, path in enumerate(_paths(plan)):
        for bad in (bad_values[n % len(bad_values)], bad_values[(n + 3) % len(bad_values)]):
            damaged = copy.deepcopy(plan)
            node = damaged
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = bad
            try:
                story(damaged)
            except PlanFormatError as exc:
                assert "\n" not in str(exc)


def test_the_solver_section_shows_the_certificate_in_plain_words(plans, pdfs):
    """The certificate's words on the cover and in the Solver section, with each stage's recomputed objective and bound."""
    plan = plans["default"]
    words = plan["solver"]["certificate"]["summary"]
    assert words.startswith("proven optimal: shortfall score exact; sharing within")
    text = " ".join(texts(pdfs["default"]))
    assert text.count(words) >= 2  # the cover's table and the Solver section
    s1 = plan["solver"]["certificate"]["stage1"]
    assert f"{s1['objective']:,.0f} recomputed from the plan's tables; bound {s1['bound']:,.2f}; proven exact" in text
    s2 = plan["solver"]["certificate"]["stage2"]
    assert f"{s2['objective']:,.2f} recomputed from the plan's tables; bound {s2['bound']:,.2f}" in text


def test_an_unverified_plan_says_so_on_the_cover_and_in_the_summary(plans, tmp_path):
    plan = copy.deepcopy(plans["default"])
    plan["status"] = "unverified"
    cert = plan["solver"]["certificate"]
    cert["status"] = "unverified"
    cert["stage2"]["verdict"] = "unverified"
    path = write_report(plan, tmp_path / "unverified.pdf")
    text = " ".join(texts(path))
    assert "UNVERIFIED: shortfall score exact; sharing UNVERIFIED" in text
    assert "must not be signed off as optimal" in text
    assert "not proven: do not sign off as optimal" in text


def test_a_damaged_certificate_is_reported_as_none(plans, tmp_path):
    plan = copy.deepcopy(plans["default"])
    plan["solver"]["certificate"] = {"status": "optimal", "stage1": {"verdict": "proven", "objective": "a lot"}}
    text = " ".join(texts(write_report(plan, tmp_path / "damaged.pdf")))
    assert "no certificate (plan written before certificates existed)" in text
