"""The report's analysis sections (issue 5): Why the gaps, Withdrawal stress, Frontiers.

Real analyses: the seeded small workbook (10 nations) is planned, explained,
stressed (few samples) and swept over the conditions once per module, in
process.  A larger set of analyses is built inline from the default plan (no
solves) to fill the sections the way a real coalition does.  One test runs
``forceplan stress`` to check that an analysis rebuilds the report beside its
plan.json.  Rendering needs ``pdftoppm`` (as in test_report.py).
"""

from __future__ import annotations

import copy
import inspect
import io
import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

import optimizer.cli as cli_module
from optimizer.analysis.executor import make_executor
from optimizer.analysis.explain import explain
from optimizer.analysis.frontier import condition_frontier
from optimizer.analysis.stress import stress
from optimizer.outputs import plan_to_dict
from optimizer.pipeline import plan_workbook, write_outputs
from optimizer.reader import read_tables
from optimizer.report import AnalysisFormatError, AnalysisWarning, load_analyses, report_bytes, write_report
from devtools.generators import generate_workbook
from tests.conftest import DEFAULT_WORKBOOK, run_cli

SECTIONS = {"explain": "Why the gaps", "stress": "Withdrawal stress", "frontier": "Frontiers"}
KINDS = tuple(SECTIONS)


def _json(obj):
    """As the analysis commands save it, read back."""
    return json.loads(json.dumps(obj, ensure_ascii=False, default=str))


def pages_of(data: bytes) -> list[str]:
    """Each page's text, whitespace collapsed."""
    return [re.sub(r"\s+", " ", p.extract_text() or "") for p in PdfReader(io.BytesIO(data)).pages]


def outline_titles(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    out = []

    def walk(items):
        for o in items:
            if isinstance(o, list):
                walk(o)
            else:
                out.append(o.title)

    walk(reader.outline)
    return out


def section_text(pages: list[str], title: str, number: int) -> str:
    """The text of section ``number title`` up to the next numbered section."""
    text = " ".join(pages)
    start = text.rfind(f"{number} {title}")  # the heading itself, after the contents' entry
    following = [m.start() for m in re.finditer(rf"{number + 1} (Why the gaps|Withdrawal stress|Frontiers|Method and assumptions)", text) if m.start() > start]
    return text[start:following[0] if following else len(text)]


# ---------------------------------------------------------------------------
# plans and analyses
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict:
    """The small seeded workbook: its plan and its three analyses, computed once."""
    folder = tmp_path_factory.mktemp("small")
    wb = folder / "small.xlsx"
    generate_workbook(wb, n_nations=10, n_unit_types=6, n_sectors=3, seed=11)
    plan = _json(plan_to_dict(plan_workbook(wb)))
    raw = read_tables(wb)
    with make_executor(workers=2) as ex:
        analyses = {
            "explain": _json(explain(raw, ex)),
            "stress": _json(stress(raw, ex, samples=6, seed=3).to_dict()),
            "frontier": _json({"conditions": condition_frontier(raw, ex)}),
        }
    return {"workbook": wb, "plan": plan, "analyses": analyses}


@pytest.fixture(scope="module")
def small_pdfs(small) -> dict[str, bytes]:
    """The small plan's report with no analysis, each alone, and all three."""
    an = small["analyses"]
    out = {"none": report_bytes(small["plan"])}
    for kind in KINDS:
        out[kind] = report_bytes(small["plan"], {kind: an[kind]})
    out["all"] = report_bytes(small["plan"], an)
    return out


def test_the_small_analyses_have_something_to_show(small):
    an = small["analyses"]
    assert an["explain"]["causes"]["lines"] and an["explain"]["levers"]
    assert an["stress"]["n_minus_1"] and an["stress"]["n_minus_2"] and an["stress"]["monte_carlo"]["samples"] == 6
    assert len(an["frontier"]["conditions"]) == 8
    assert an["explain"]["shortfall_score"] == small["plan"]["shortfall_score"] == an["stress"]["base"]["shortfall_score"]


def inline_analyses(plan: dict) -> dict:
    """Analyses shaped like the real ones, built from a plan without solving: every unfilled line explained,
    every nation taking part withdrawn, eight combinations of conditions and a cost–fairness trade-off."""
    unfilled = [r for r in plan["requirements"] if r["short_units"] > 0]
    eligible = [n["nation"] for n in plan["nations"] if n["eligible"]]
    excluded = [n["nation"] for n in plan["nations"] if not n["eligible"]]
    taking = sorted((n for n in plan["nations"] if n["personnel"] > 0), key=lambda n: -n["personnel"])
    score = plan["shortfall_score"]
    lines = []
    for i, r in enumerate(unfilled):
        a, b = eligible[i % len(eligible)], excluded[i % len(excluded)]
        pledges = [
            {"nation": a, "pledged": 2, "here": 0, "elsewhere": 2, "free": 0, "causes": ["pledge_used"], "why": f"{a}'s 2 pledged used (0 here, 2 on other lines)"},
            {"nation": b, "pledged": 1, "here": 0, "elsewhere": 0, "free": 1, "causes": ["condition:un_mandate"], "why": f"{b} needs a UN mandate"},
        ]
        lines.append({"unit_type": r["unit_type"], "sector": r["sector"], "priority": r["priority"], "short_units": r["short_units"],
                      "short_personnel": r["short_personnel"], "causes": [p["why"] + " — pledged 1" for p in pledges], "pledges": pledges})
    levers = [{"lever": f"lift {n}'s caveats", "kind": "caveat", "shortfall_score": score - 100 * (20 - i), "score_cut": 100 * (20 - i),
               "personnel": plan["totals"]["personnel"] + 10 * i, "personnel_gain": 10 * i,
               "lines_filled": [f"{r['unit_type']} @ {r['sector']}" for r in unfilled[: i % 4]], "lines_newly_unfilled": [],
               "lines_unfilled_before": len(unfilled)} for i, n in enumerate(eligible[:12])]
    explain_ = {"scenario": plan["scenario"]["name"], "shortfall_score": score, "personnel": plan["totals"]["personnel"],
                "causes": {"lines": lines, "targets": [{**t, "excluded_nations": [f"{excluded[0]} (requires a UN mandate): 900 pledged"],
                                                       "nations_at_cap": [f"{taking[-1]['nation']} 50 of 50"]} for t in plan["targets"] if t["short"]]},
                "levers": levers}

    def outcome(i, names):
        return {"shortfall_score": score + 1000 * (len(taking) - i), "shortfall_increase": 1000 * (len(taking) - i), "personnel": 20_000 - i,
                "personnel_lost": 100 * i, "units_withdrawn": 3, "lines_unfilled": 20, "status": "optimal",
                "backfilled_by": [{"nation": taking[(i + 1) % len(taking)]["nation"], "unit_type": unfilled[0]["unit_type"], "sector": unfilled[0]["sector"], "units": 1}]}

    stress_ = {
        "base": {"shortfall_score": score, "personnel": plan["totals"]["personnel"], "lines_unfilled": len(unfilled), "nations_taking_part": len(taking)},
        "n_minus_1": [{"nation": n["nation"], **outcome(i, [n["nation"]])} for i, n in enumerate(taking)],
        "n_minus_2": [{"nations": [taking[0]["nation"], taking[j]["nation"]], **outcome(j, [])} for j in range(1, 6)],
        "monte_carlo": {"samples": 50, "seed": 7, "distinct_solves": 41, "withdrawal_probability": {n: 0.25 for n in eligible},
                        "p_target_met": 0.18, "shortfall_quantiles": {"q05": 1.0, "q25": 2.0, "q50": 3.0, "q75": 4.0, "q95": 5.0},
                        "personnel_quantiles": {"q05": 10.0, "q25": 20.0, "q50": 30.0, "q75": 40.0, "q95": 50.0}, "mean_shortfall": 3.1,
                        "p_line_filled": [{"unit_type": r["unit_type"], "sector": r["sector"], "p_filled": (i % 7) / 7} for i, r in enumerate(plan["requirements"])],
                        "withdrawals_per_nation": {n: 12 for n in eligible}},
    }
    force = int(plan["scenario"]["force_target"])
    conditions = []
    for k in range(8):
        cf, un, us = bool(k & 4), bool(k & 2), bool(k & 1)
        conditions.append({"ceasefire_in_place": cf, "un_mandate": un, "us_backstop": us, "max_personnel": 24_000 + 700 * k, "planned_personnel": 23_900 + 690 * k,
                           "shortfall_score": 22_000 - 2000 * k, "lines_unfilled": 16 - k, "force_target": force, "nations_taking_part": 19 + k, "cost_musd": 25_000.5 + 300 * k})
    frontier_ = {"conditions": conditions,
                 "tradeoff": [{"weight_cost": 1, "weight_fairness": w, "cost_musd": 26_000 - 150 * w, "fairness_deviation": 30_000 - 2_500 * w} for w in (0, 0.5, 1, 2, 4)]}
    return _json({"explain": explain_, "stress": stress_, "frontier": frontier_})


@pytest.fixture(scope="module")
def default_case() -> dict:
    plan = _json(plan_to_dict(plan_workbook(DEFAULT_WORKBOOK)))
    analyses = inline_analyses(plan)
    return {"plan": plan, "analyses": analyses, "pdf": report_bytes(plan, analyses)}


# ---------------------------------------------------------------------------
# sections appear when, and only when, their analysis is given
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("given", ["none", "explain", "stress", "frontier", "all"])
def test_each_section_appears_only_when_its_analysis_is_given(given, small_pdfs):
    data = small_pdfs[given]
    text = " ".join(pages_of(data))
    kinds = KINDS if given == "all" else () if given == "none" else (given,)
    titles = outline_titles(data)
    for number, kind in enumerate(kinds, start=8):
        assert f"{number} {SECTIONS[kind]}" in titles
        assert text.count(f"{number} {SECTIONS[kind]}") >= 2  # the contents and the section
    for kind in set(KINDS) - set(kinds):
        assert not any(SECTIONS[kind] in t for t in titles)
        assert f"From the {('explanation', 'withdrawal stress', 'frontier')[KINDS.index(kind)]} analysis" not in text
    method = 8 + len(kinds)
    assert f"{method} Method and assumptions" in titles and titles[-1] == "Annex A Full allocation"
    assert ("What the analyses add" in titles) == bool(kinds)
    assert ("Analyses included" in text) == bool(kinds)


def test_without_analyses_the_report_is_the_plain_report(small, small_pdfs, tmp_path):
    """No analyses, None or {}: the same bytes as before analyses existed (the old call), and the old outline."""
    plan = small["plan"]
    plain = small_pdfs["none"]
    assert report_bytes(plan, None) == plain and report_bytes(plan, {}) == plain
    assert report_bytes(plan, {"explain": None}) == plain
    assert write_report(plan, tmp_path / "r.pdf").read_bytes() == plain
    top = [t for t in outline_titles(plain) if re.match(r"(\d+ |Annex|Title|Contents)", t)]
    assert top == ["Title page", "Contents", "1 Executive summary", "2 Allocation by nation", "3 Allocation by sector", "4 Coverage of the requirement",
                   "5 Burden sharing", "6 Cost by nation", "7 What binds", "8 Method and assumptions", "Annex A Full allocation"]
    text = " ".join(pages_of(plain))
    assert "that explanation is not part of this plan file" in text and "Unfilled lines and the pledges" in text


# ---------------------------------------------------------------------------
# what the sections say
# ---------------------------------------------------------------------------


def test_why_the_gaps_lists_every_lever_and_every_unfilled_line(small, small_pdfs):
    e = small["analyses"]["explain"]
    body = section_text(pages_of(small_pdfs["explain"]), "Why the gaps", 8)
    for i, lv in enumerate(e["levers"], start=1):
        assert f"{i} {lv['lever']} {lv['score_cut']:,.0f}" in body, lv["lever"]
    for line in e["causes"]["lines"]:
        assert f"{line['unit_type']} @ {line['sector']}" in body
    for t in e["causes"]["targets"]:
        assert f"{t['target']:,} {t['planned']:,} {t['short']:,}" in body
    assert "Levers, best first" in body and "Causes, line by line" in body


def test_what_binds_takes_the_causes_from_the_explanation(small, small_pdfs):
    plan = small["plan"]
    text = " ".join(pages_of(small_pdfs["explain"]))
    binds = text[text.rfind("7 What binds"):text.rfind("8 Why the gaps")]
    assert "Unfilled lines and their causes" in binds and "Causes (section 8)" in binds
    assert "that explanation is not part of this plan file" not in binds
    words = {"used on other lines", "caveat", "risk limit", "political cap", "sustainable cap", "budget", "needs a UN mandate", "needs a US backstop",
             "needs a ceasefire", "declined", "placed elsewhere", "minimum contribution", "interoperability limit", "no lead nation", "no nation pledged"}
    unfilled = [r for r in plan["requirements"] if r["short_units"] > 0]
    assert unfilled
    assert any(w in binds for w in words)
    # the plain report keeps its own reading of the same lines
    plain = " ".join(pages_of(small_pdfs["none"]))
    assert "Unfilled lines and the pledges" in plain and "Causes (section" not in plain


def test_withdrawal_stress_names_every_n_minus_1_nation_most_damaging_first(small, small_pdfs):
    st = small["analyses"]["stress"]
    body = section_text(pages_of(small_pdfs["stress"]), "Withdrawal stress", 8)
    rows = sorted(st["n_minus_1"], key=lambda r: (-r["shortfall_increase"], r["nation"]))
    positions = []
    for r in rows:
        hit = re.search(rf"{re.escape(r['nation'])} {r['shortfall_score']:,.0f} \+{r['shortfall_increase']:,.0f} {r['personnel']:,}", body)
        assert hit, r["nation"]
        positions.append(hit.start())
    assert positions == sorted(positions)  # the table, most damaging first
    for r in st["n_minus_2"]:
        assert " and ".join(r["nations"]) in body
    mc = st["monte_carlo"]
    assert f"Samples {mc['samples']}" in body and f"Seed {mc['seed']}" in body
    assert f"P(force target met) {mc['p_target_met']:.2f}" in body
    assert "Median" in body and "95th percentile" in body
    assert "Lines least likely to be filled" in body


def test_frontiers_show_the_eight_combinations_and_this_plans_row(small, small_pdfs):
    fr = small["analyses"]["frontier"]
    body = section_text(pages_of(small_pdfs["frontier"]), "Frontiers", 8)
    for r in fr["conditions"]:
        yn = " ".join("yes" if r[k] else "no" for k in ("ceasefire_in_place", "un_mandate", "us_backstop"))
        assert f"{yn} {r['max_personnel']:,} {r['planned_personnel']:,}" in body, yn
    assert "none of the three" in body and "ceasefire + UN mandate + US backstop" in body
    assert "Cost against fair shares" not in body  # no trade-off in this frontier.json


def test_the_tradeoff_is_drawn_when_present(small):
    fr = dict(small["analyses"]["frontier"])
    fr["tradeoff"] = [{"cost_musd": 100.0 + 10 * i, "fairness_deviation": 900.0 - 100 * i, "weight_fairness": i} for i in range(4)]
    text = " ".join(pages_of(report_bytes(small["plan"], {"frontier": fr})))
    assert "Cost against fair shares" in text and "this plan" in text
    for p in fr["tradeoff"]:
        assert f"{p['cost_musd']:,.1f} {p['fairness_deviation']:,.0f}" in text
    fr["tradeoff"] = []
    assert "returned no points" in " ".join(pages_of(report_bytes(small["plan"], {"frontier": fr})))


def test_the_executive_summary_says_what_the_analyses_add(small, small_pdfs):
    pages = pages_of(small_pdfs["all"])
    summary = " ".join(p for p in pages if "What the analyses add" in p and "Contents" not in p)
    best = small["analyses"]["explain"]["levers"][0]
    if best["score_cut"] > 0:
        assert f"the strongest lever, {best['lever']}, cuts the shortfall score by {best['score_cut']:,.0f}" in summary
    worst = max(small["analyses"]["stress"]["n_minus_1"], key=lambda r: r["shortfall_increase"])
    assert f"the most damaging single withdrawal is {worst['nation']}'s" in summary
    largest = max(r["max_personnel"] for r in small["analyses"]["frontier"]["conditions"])
    assert f"the largest force possible is {largest:,} personnel" in summary
    assert "Why the gaps (section 8)" in summary and "Withdrawal stress (section 9)" in summary and "Frontiers (section 10)" in summary


def test_an_analysis_of_another_plan_is_shown_with_a_note(small, tmp_path):
    """The analyses of the seeded plan attached to a plan with another shortfall score: each section says so, and What binds keeps its own reading."""
    other = copy.deepcopy(small["plan"])
    other["shortfall_score"] = small["plan"]["shortfall_score"] + 1234
    pages = pages_of(report_bytes(other, small["analyses"]))
    text = " ".join(pages)
    assert text.count("It belongs to another plan") == 3
    assert text.count("run on another plan") == 3  # the executive summary's points
    assert "Unfilled lines and the pledges" in text and "Causes (section" not in text


# ---------------------------------------------------------------------------
# the document: banners, page numbers, contents, bytes, rendering
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["small", "default"])
def test_banners_and_page_x_of_y_on_every_page(case, small_pdfs, default_case):
    data = small_pdfs["all"] if case == "small" else default_case["pdf"]
    pages = pages_of(data)
    assert len(pages) >= 12
    for i, text in enumerate(pages, start=1):
        assert text.count("UNCLASSIFIED — ILLUSTRATIVE DATA") >= 2, (case, i)
        assert f"Page {i} of {len(pages)}" in text, (case, i)


def test_the_contents_list_every_section_on_one_page(default_case):
    pages = pages_of(default_case["pdf"])
    assert "Contents" in pages[1] and "1 Executive summary" in pages[2][:400]  # the contents fit one page
    for title in ("8 Why the gaps", "9 Withdrawal stress", "10 Frontiers", "11 Method and assumptions", "Annex A Full allocation",
                  "Levers, best first", "One nation withdraws (N−1)", "Random withdrawals (Monte Carlo)", "Cost against fair shares"):
        assert title in pages[1], title
    titles = outline_titles(default_case["pdf"])
    assert titles.index("8 Why the gaps") < titles.index("9 Withdrawal stress") < titles.index("10 Frontiers") < titles.index("11 Method and assumptions")


def test_the_default_plan_with_every_analysis_names_every_nation_withdrawn_and_lever(default_case):
    pages = pages_of(default_case["pdf"])
    stress_text = section_text(pages, "Withdrawal stress", 9)
    gaps_text = section_text(pages, "Why the gaps", 8)
    for r in default_case["analyses"]["stress"]["n_minus_1"]:
        assert r["nation"] in stress_text, r["nation"]
    for lv in default_case["analyses"]["explain"]["levers"]:
        assert lv["lever"] in gaps_text, lv["lever"]


def test_the_same_inputs_give_the_same_bytes(small, small_pdfs, tmp_path):
    an = small["analyses"]
    assert report_bytes(small["plan"], an) == small_pdfs["all"]
    assert report_bytes(_json(small["plan"]), _json(an)) == small_pdfs["all"]
    # another process (another hash seed), through the files: forceplan report PLAN_DIR reads them all
    (tmp_path / "plan.json").write_text(json.dumps(small["plan"], indent=2, ensure_ascii=False))
    for kind in KINDS:
        (tmp_path / f"{kind}.json").write_text(json.dumps(an[kind], indent=2, ensure_ascii=False))
    result = run_cli("report", tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert (tmp_path / "report.pdf").read_bytes() == small_pdfs["all"]


def test_every_page_renders_and_is_not_blank(small_pdfs, default_case, tmp_path):
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: apt-get install -y poppler-utils (CI installs it)"
    for name, data in (("small", small_pdfs["all"]), ("default", default_case["pdf"])):
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(data)
        result = subprocess.run([pdftoppm, "-r", "30", "-gray", "-png", str(pdf), str(tmp_path / name)], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        pngs = sorted(tmp_path.glob(f"{name}-*.png"))
        assert len(pngs) == len(PdfReader(pdf).pages)
        for png in pngs:
            image = Image.open(png).convert("L")
            w, h = image.size
            body = image.crop((0, int(h * 0.05), w, int(h * 0.95)))
            assert sum(body.histogram()[:200]) > 0.003 * body.width * body.height, f"{png.name} looks blank"


# ---------------------------------------------------------------------------
# reading the files; damaged analyses
# ---------------------------------------------------------------------------


def test_load_analyses_reads_what_is_there_and_skips_what_is_not_readable(small, tmp_path):
    an = small["analyses"]
    assert load_analyses(tmp_path / "nowhere") == {}
    (tmp_path / "explain.json").write_text(json.dumps(an["explain"]))
    (tmp_path / "stress.json").write_text("{not json")
    (tmp_path / "frontier.json").write_text("[1, 2]")
    with pytest.warns(AnalysisWarning) as caught:
        got = load_analyses(tmp_path)
    assert got == {"explain": an["explain"]}
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2 and all("\n" not in m for m in messages)
    assert any("stress.json: ignored, not valid JSON" in m for m in messages)
    assert any("frontier.json: ignored, not a forceplan frontier.json" in m for m in messages)
    (tmp_path / "stress.json").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "frontier.json").write_text(json.dumps({"something": "else"}))
    with pytest.warns(AnalysisWarning):
        assert set(load_analyses(tmp_path)) == {"explain"}
    (tmp_path / "plan.json").write_text("{}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AnalysisWarning)
        assert set(load_analyses(tmp_path / "plan.json")) == {"explain"}  # the plan file's folder


def test_forceplan_report_warns_in_one_line_and_still_writes_the_report(small, tmp_path):
    (tmp_path / "plan.json").write_text(json.dumps(small["plan"]))
    (tmp_path / "stress.json").write_text(json.dumps(small["analyses"]["stress"]))
    (tmp_path / "explain.json").write_text("{broken")
    result = _runner().invoke(cli_module.cli, ["report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert _stderr(result).strip().count("\n") == 0 and "explain.json: ignored" in _stderr(result)
    assert (tmp_path / "report.pdf").read_bytes() == report_bytes(small["plan"], {"stress": small["analyses"]["stress"]})


def test_report_bytes_rejects_what_is_not_an_analysis(small):
    plan = small["plan"]
    with pytest.raises(AnalysisFormatError, match="unknown analyses stres"):
        report_bytes(plan, {"stres": small["analyses"]["stress"]})
    with pytest.raises(AnalysisFormatError, match="not a forceplan stress.json"):
        report_bytes(plan, {"stress": []})
    with pytest.raises(AnalysisFormatError, match="'levers' should be a list"):
        report_bytes(plan, {"explain": {"levers": {}}})


def _paths(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:2]):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


def test_a_damaged_analysis_is_rejected_in_one_line_or_reported(small):
    """Any value replaced by one of the wrong type: AnalysisFormatError, or a report with the row left out (and said so) or '—'; never a crash."""
    from optimizer.report.build import story

    bad_values = ("x", None, [], {}, -1, True, 1.5, float("nan"))
    for kind in KINDS:
        analysis = small["analyses"][kind]
        for n, path in enumerate(_paths(analysis)):
            for bad in (bad_values[n % len(bad_values)],):
                damaged = copy.deepcopy(analysis)
                node = damaged
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = bad
                try:
                    story(small["plan"], {kind: damaged})
                except AnalysisFormatError as exc:
                    assert "\n" not in str(exc)


def test_overlong_texts_are_cut_so_no_row_outgrows_a_page(small):
    """Causes, levers, lines and names thousands of characters long still give a report (cut with '…')."""
    e = copy.deepcopy(small["analyses"]["explain"])
    for line in e["causes"]["lines"]:
        line["causes"] = ["word " * 400] * 30
        line["unit_type"] = "U" * 3000
    for lv in e["levers"]:
        lv["lever"] = "lever " * 100
        lv["lines_filled"] = ["x @ y " * 50] * 40
        lv["lines_newly_unfilled"] = ["z " * 200] * 40
    for t in e["causes"]["targets"]:
        t["excluded_nations"] = ["n " * 300] * 50
    st = copy.deepcopy(small["analyses"]["stress"])
    for r in st["n_minus_1"]:
        r["backfilled_by"] = [{"nation": "N" * 500, "unit_type": "U " * 100, "sector": "S " * 100, "units": 1}] * 30
        r["nation"] = r["nation"] + " " + "long " * 300
    data = report_bytes(small["plan"], {"explain": e, "stress": st})
    assert "…" in " ".join(pages_of(data))


def test_left_out_rows_are_counted_in_the_report(small):
    st = copy.deepcopy(small["analyses"]["stress"])
    st["n_minus_1"].append({"nation": 7})
    st["n_minus_1"].append("not a row")
    text = " ".join(pages_of(report_bytes(small["plan"], {"stress": st})))
    assert "2 entries of stress.json could not be read" in text


# ---------------------------------------------------------------------------
# the analysis commands rebuild the report beside plan.json
# ---------------------------------------------------------------------------


def _runner() -> CliRunner:
    return CliRunner(**({"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}))


def _stderr(result) -> str:
    return result.stderr


def test_an_analysis_rebuilds_the_report_beside_plan_json(small, tmp_path):
    out = tmp_path / "out"
    write_outputs(plan_workbook(small["workbook"]), out)
    before = (out / "report.pdf").read_bytes()
    (out / "frontier.json").write_text(json.dumps(small["analyses"]["frontier"]))  # an earlier analysis, already there
    result = run_cli("stress", small["workbook"], "--out", out, "--samples", "3", "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert f"written: {out}/stress.json" in result.stdout and f"written: {out}/report.pdf" in result.stdout
    after = (out / "report.pdf").read_bytes()
    assert after != before
    plan = json.loads((out / "plan.json").read_text())
    assert after == report_bytes(plan, load_analyses(out))
    text = " ".join(pages_of(after))
    assert "9 Withdrawal stress" not in text and "8 Withdrawal stress" in text and "9 Frontiers" in text
    assert sorted(p.name for p in out.iterdir()) == ["frontier.json", "plan.json", "plan.xlsx", "report.pdf", "stress.json"]


CANNED = [{"ceasefire_in_place": bool(k & 4), "un_mandate": bool(k & 2), "us_backstop": bool(k & 1), "max_personnel": 1000 + k, "planned_personnel": 900 + k,
           "shortfall_score": 50.0, "lines_unfilled": 1, "force_target": 2000, "nations_taking_part": 3, "cost_musd": 10.0} for k in range(8)]


def _canned_frontier(monkeypatch):
    import optimizer.analysis.frontier as frontier_module

    monkeypatch.setattr(frontier_module, "condition_frontier", lambda raw, ex, progress=None: copy.deepcopy(CANNED))


def test_without_a_plan_json_an_analysis_writes_no_report(small, tmp_path, monkeypatch):
    _canned_frontier(monkeypatch)
    out = tmp_path / "out"
    result = _runner().invoke(cli_module.cli, ["frontier", str(small["workbook"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["frontier.json"]
    assert "report.pdf" not in result.output


def test_a_report_failure_keeps_the_analysis_and_the_old_report(small, tmp_path, monkeypatch):
    import optimizer.report as report_module

    _canned_frontier(monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text(json.dumps(small["plan"]))
    (out / "report.pdf").write_bytes(b"%PDF- the report before this analysis")

    def broken(plan, analyses=None):
        raise RuntimeError("simulated renderer\ncrash")

    monkeypatch.setattr(report_module, "report_bytes", broken)
    result = _runner().invoke(cli_module.cli, ["frontier", str(small["workbook"]), "--out", str(out)])
    assert result.exit_code == 1
    err = _stderr(result)
    assert err.strip().count("\n") == 0 and "Traceback" not in result.output
    assert "frontier.json was written, but" in err and "report.pdf was not rebuilt" in err and "simulated renderer crash" in err
    assert json.loads((out / "frontier.json").read_text())["conditions"] == CANNED
    assert (out / "report.pdf").read_bytes() == b"%PDF- the report before this analysis"
    assert sorted(p.name for p in out.iterdir()) == ["frontier.json", "plan.json", "report.pdf"]  # no temporary file left


def test_a_folder_whose_plan_json_is_not_a_plan_fails_in_one_line_and_keeps_the_json(small, tmp_path, monkeypatch):
    _canned_frontier(monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text('{"not": "a plan"}')
    result = _runner().invoke(cli_module.cli, ["frontier", str(small["workbook"]), "--out", str(out)])
    assert result.exit_code == 1
    assert _stderr(result).strip().count("\n") == 0 and "not a forceplan plan" in _stderr(result)
    assert (out / "frontier.json").is_file() and not (out / "report.pdf").exists()
