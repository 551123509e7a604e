"""The corpus of bad workbooks (``tests/corpus/``): every file is rejected the way the contract says.

For each file of ``tests/corpus/files/MANIFEST.json`` the real command runs
(``optimizer.cli.main`` in-process for all of them, a ``forceplan solve``
subprocess for a handful) and must: exit 2; list the problems one per line;
name the sheet, the row as Excel numbers it and the column (and cell) the
manifest gives, with its message fragment; print no traceback; leave the
input byte-for-byte unchanged; write nothing into ``--out``.

The manifest is only trusted because a test regenerates the corpus with
``tests/corpus/make_corpus.py`` and compares: the script and the committed
files cannot drift apart.  After changing the script, regenerate with
``.venv/bin/python tests/corpus/make_corpus.py``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus.make_corpus import BASE_FILE, MANIFEST, build_corpus, content_sha256
from tests.corpus.messages import is_located, issue_lines, issue_matches, run_forceplan

CORPUS = Path(__file__).resolve().parent / "corpus" / "files"
ENTRIES: list[dict] = json.loads((CORPUS / MANIFEST).read_text(encoding="utf-8"))["files"]
BY_FILE = {e["file"]: e for e in ENTRIES}
EXIT_INPUT = 2

# A handful run through a real subprocess too: one per family of failure
# (a missing sheet, a bad cell, a damaged zip, a zip bomb, an XML bomb, macros).
SUBPROCESS_FILES = (
    "missing-sheet-nations.xlsx",
    "text-in-number.xlsx",
    "truncated.xlsx",
    "zip-bomb-ratio.xlsx",
    "xml-entity-bomb.xlsx",
    "macro-enabled.xlsm",
)


# ----------------------------------------------------------------------------- helpers


def check_rejection(stdout: str, stderr: str, entry: dict) -> None:
    """No traceback; one line per problem; one of them is the manifest's; every
    problem of a workbook-level defect is located (sheet, row/column, cell)."""
    assert "Traceback" not in stdout + stderr, stdout + stderr
    lines = issue_lines(stderr)
    expect = entry["expect"]
    assert any(issue_matches(line, expect, entry["file"]) for line in lines), (
        f"{entry['file']} ({entry['defect']}): no problem names {expect}\n{stderr}"
    )
    if expect["sheet"] is not None:
        assert all(is_located(line) for line in lines), stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def forceplan_command() -> list[str]:
    script = Path(sys.executable).with_name("forceplan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "optimizer"]


def copy_of(entry_file: str, tmp_path: Path) -> Path:
    """The corpus file copied under its own name: a bug that writes to its input
    must not damage the committed corpus."""
    target = tmp_path / "in" / entry_file
    target.parent.mkdir()
    shutil.copyfile(CORPUS / entry_file, target)
    return target


def assert_nothing_written(out: Path) -> None:
    assert not out.exists() or not any(out.iterdir()), sorted(p.name for p in out.iterdir())


# ------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_file_is_rejected_with_its_location(entry, tmp_path):
    workbook = copy_of(entry["file"], tmp_path)
    before = digest(workbook)
    out = tmp_path / "out"
    run = run_forceplan(["solve", str(workbook), "--out", str(out)])
    assert run.code == EXIT_INPUT, f"{entry['file']} ({entry['defect']}): exit {run.code}\n{run.stdout}{run.stderr}"
    check_rejection(run.stdout, run.stderr, entry)
    assert digest(workbook) == before
    assert_nothing_written(out)


@pytest.mark.parametrize("name", SUBPROCESS_FILES)
def test_corpus_file_is_rejected_by_the_installed_command(name, tmp_path):
    entry = BY_FILE[name]
    workbook = copy_of(name, tmp_path)
    before = digest(workbook)
    out = tmp_path / "out"
    result = subprocess.run(
        [*forceplan_command(), "solve", str(workbook), "--out", str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )
    assert result.returncode == EXIT_INPUT, result.stdout + result.stderr
    check_rejection(result.stdout, result.stderr, entry)  # also: no warnings or other noise on stderr
    assert result.stdout == ""
    assert digest(workbook) == before
    assert_nothing_written(out)
    assert not (tmp_path / "reports").exists()


def test_the_base_workbook_is_accepted(tmp_path):
    """Each corpus file is the base plus one defect; the base itself must plan,
    or a rejection could come from the base and not from the defect."""
    workbook = copy_of(BASE_FILE, tmp_path)
    out = tmp_path / "out"
    run = run_forceplan(["solve", str(workbook), "--out", str(out), "--quiet"])
    assert run.code == 0, run.stderr
    plan = json.loads((out / "plan.json").read_text())
    assert plan["status"] == "optimal"
    assert plan["allocations"]


def test_issue_matching_is_strict():
    """The matcher behind every corpus check: a wrong row, column, cell, sheet or
    message must not pass (otherwise the corpus test could not fail)."""
    line = "sheet 'Pledges', row 2, column 'max_units' (C2): value 'two': is text, not a number"
    expect = {"sheet": "Pledges", "row": 2, "column": "max_units", "cell": "C2", "message": "is text"}
    assert issue_matches(line, expect, "x.xlsx")
    for key, wrong in (("sheet", "Nations"), ("row", 3), ("row", None), ("column", "nation"), ("cell", "C3"), ("message", "whole number")):
        assert not issue_matches(line, dict(expect, **{key: wrong}), "x.xlsx"), key
    file_line = "workbook: bomb.xlsx: is compressed 1000:1, a sign of a zip bomb"
    file_expect = {"sheet": None, "row": None, "column": None, "cell": None, "message": "zip bomb"}
    assert issue_matches(file_line, file_expect, "bomb.xlsx")
    assert not issue_matches(file_line, file_expect, "other.xlsx")
    assert not issue_matches(line, file_expect, "x.xlsx")
    with pytest.raises(AssertionError):
        issue_lines("The input was rejected: 1 problem found.\n  - workbook: x: one\nsecond line of the same problem\n")
    assert is_located(line)
    assert not is_located(file_line)
    assert not is_located("sheet 'Pledges', row 2, column 'max_units': is text, not a number")  # no cell
    assert not is_located("sheet 'Pledges': is text, not a number")  # neither row nor column


def test_corpus_is_broad_and_small():
    kinds = {e["kind"] for e in ENTRIES}
    assert len(ENTRIES) >= 30
    assert len(kinds) >= 10, kinds
    missing_sheets = {e["expect"]["sheet"] for e in ENTRIES if e["kind"] == "missing sheet"}
    assert missing_sheets == {"Scenario", "Nations", "UnitTypes", "Sectors", "Pledges", "Requirements"}
    size = sum(p.stat().st_size for p in CORPUS.iterdir())
    assert size < 2_000_000, f"the corpus is {size / 1e6:.1f} MB; keep it small"


def test_regenerating_the_corpus_gives_the_committed_files(tmp_path):
    """Script and committed files stay in step: same manifest (defects,
    expectations and a digest of every file's content), same set of files."""
    committed = json.loads((CORPUS / MANIFEST).read_text(encoding="utf-8"))
    regenerated = build_corpus(tmp_path / "corpus")
    hint = "regenerate with: .venv/bin/python tests/corpus/make_corpus.py"
    assert regenerated == committed, hint
    listed = {BASE_FILE, MANIFEST, *(e["file"] for e in ENTRIES)}
    assert {p.name for p in CORPUS.iterdir()} == listed, hint
    for entry in [committed["base"], *committed["files"]]:
        assert content_sha256(CORPUS / entry["file"]) == entry["content_sha256"], (entry["file"], hint)
