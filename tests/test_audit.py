"""The audit trail (issue 17): append-only, chained by hash; a removed, edited or cut-off record is detected."""

from __future__ import annotations

import json
import threading

import pytest

from optimizer.workbench.audit import GENESIS, AuditError, AuditTrail


def _trail(tmp_path, n=4, **kw):
    trail = AuditTrail(tmp_path / "audit", **kw)
    for i in range(n):
        trail.record(f"user{i % 2}@mod.example", "planner", "save scenario", {"scenario": f"s{i}"})
    return trail


def _lines(trail):
    return trail.path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_records_chain_from_the_genesis_hash_and_verify_clean(tmp_path):
    trail = _trail(tmp_path)
    records = trail.records()
    assert [r["seq"] for r in records] == [1, 2, 3, 4]
    assert records[0]["prev"] == GENESIS
    assert all(b["prev"] == a["hash"] for a, b in zip(records, records[1:]))
    assert trail.verify() == []
    head = json.loads(trail.head_path.read_text())
    assert head == {"seq": 4, "hash": records[-1]["hash"], "size": trail.path.stat().st_size}


def test_a_deleted_record_is_detected(tmp_path):
    trail = _trail(tmp_path)
    lines = _lines(trail)
    trail.path.write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")
    problems = trail.verify()
    assert problems and problems[0].line == 2
    assert "removed" in problems[0].message


def test_an_edited_record_is_detected(tmp_path):
    trail = _trail(tmp_path)
    lines = _lines(trail)
    record = json.loads(lines[1])
    record["what"]["scenario"] = "something else"
    lines[1] = json.dumps(record, separators=(",", ":")) + "\n"
    trail.path.write_text("".join(lines), encoding="utf-8")
    problems = trail.verify()
    assert [p.line for p in problems] == [2]  # reported once, not on every later line
    assert "altered" in problems[0].message


def test_an_edit_that_recomputes_its_own_hash_breaks_the_next_link(tmp_path):
    trail = _trail(tmp_path)
    lines = _lines(trail)
    record = json.loads(lines[1])
    record["user"] = "someone@else"
    record["hash"] = trail.digest(record)
    lines[1] = json.dumps(record, separators=(",", ":")) + "\n"
    trail.path.write_text("".join(lines), encoding="utf-8")
    assert [p.line for p in trail.verify()] == [3]


def test_records_cut_off_the_end_are_detected_by_the_head(tmp_path):
    trail = _trail(tmp_path)
    lines = _lines(trail)
    trail.path.write_text("".join(lines[:2]), encoding="utf-8")
    problems = trail.verify()
    assert len(problems) == 1 and "removed from the end" in problems[0].message
    with pytest.raises(AuditError, match="shorter than its head"):  # never written over
        trail.record("x", "admin", "solve", {})


def test_with_a_key_the_chain_cannot_be_rebuilt_without_it(tmp_path):
    keyed = _trail(tmp_path, key="cell secret")
    assert keyed.verify() == []
    assert AuditTrail(keyed.folder, key="another").verify()  # a different key: every hash disagrees
    assert AuditTrail(keyed.folder, key="").verify()


def test_a_torn_last_line_is_cut_off_at_the_next_append(tmp_path):
    trail = _trail(tmp_path, n=2)
    with open(trail.path, "ab") as fh:  # a process died while writing record 3
        fh.write(b'{"seq":3,"time":"2026')
    assert trail.verify()
    trail.record("u", "planner", "solve", {"inputs": "abc"})
    assert [r["seq"] for r in trail.records()] == [1, 2, 3]
    assert trail.verify() == []


def test_a_committed_record_whose_head_was_lost_is_adopted(tmp_path):
    trail = _trail(tmp_path, n=2)
    head = trail.head_path.read_text()
    trail.record("u", "planner", "solve", {})
    trail.head_path.write_text(head)  # the process died between the record and its head
    trail.record("u", "planner", "solve", {})
    assert [r["seq"] for r in trail.records()] == [1, 2, 3, 4]
    assert trail.verify() == []


def test_concurrent_writers_keep_one_chain(tmp_path):
    trail = AuditTrail(tmp_path / "audit")
    other = AuditTrail(tmp_path / "audit")  # a second workbench process on the same folder

    def write(t, who):
        for i in range(25):
            t.record(who, "planner", "input change", {"i": i})

    threads = [threading.Thread(target=write, args=(t, w)) for t, w in ((trail, "a"), (other, "b"), (trail, "c"))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert [r["seq"] for r in trail.records()] == list(range(1, 76))
    assert trail.verify() == []


def test_unknown_actions_and_unwritable_details_are_refused(tmp_path):
    trail = AuditTrail(tmp_path / "audit")
    with pytest.raises(ValueError, match="unknown audit action"):
        trail.record("u", "planner", "sovle", {})
    with pytest.raises(TypeError):
        trail.record("u", "planner", "solve", {"x": object()})
    assert trail.records() == []


def test_the_table_filters_by_user_action_and_text_newest_first(tmp_path):
    trail = _trail(tmp_path)
    trail.record("user0@mod.example", "planner", "delete scenario", {"scenario": "s1"})
    frame = trail.frame(user="user0@mod.example")
    assert frame["seq"].tolist() == [5, 3, 1]
    assert trail.frame(action="delete scenario")["what"].tolist() == ["scenario: s1"]
    assert trail.frame(text="S2")["seq"].tolist() == [3]
