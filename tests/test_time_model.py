"""Contract section 5 — the plan over time (issue 16, step 2).

Hand-solved tiny instances, one per rule of the model over periods, each
checked by the independent checker (``tests/plan_checker.py``, which
recomputes every rule of section 5 itself) and against the figures worked
out in its docstring; then brute force over two and three periods on seeded
instances (``tests/brute_force.py``).

Common figures: one unit type, 100 personnel, 10 M USD a year; priority 2
(weight 2), so one unit short on a line costs 2·100 = 200 in the score.
"""

from __future__ import annotations

import random

import pytest

from tests.brute_force import brute_force_over_time
from tests.plan_checker import check_plan, objectives_over_time, read_instance
from tests.test_families import INF, UNIT, base, nation


def solved(plan_tables, scenario, tables, overrides=()):
    plan, path = plan_tables(scenario, tables, overrides)
    assert plan["status"] == "optimal", plan["warnings"]
    assert check_plan(path, plan) == []
    return plan


def placed(plan) -> dict[tuple, int]:
    """(nation, sector, period) → units."""
    out = {}
    for a in plan["allocations"]:
        key = (a["nation"], a["sector"], a["period"])
        out[key] = out.get(key, 0) + a["units"]
    return out


def one_line(min_units=1, **line):
    return [{"unit_type": INF, "sector": "S", "min_units": min_units, **line}]


def pledges(**units):
    return [{"nation": n, "unit_type": INF, "max_units": q} for n, q in units.items()]


def test_rotation_forces_a_second_nation_in(plan_tables):
    """Two periods, one line needing 1 unit; A and B pledge 1 unit each with dwell 1 (1:1).

    A unit that deploys in period 1 rests in period 2, so one nation cannot hold
    the line in both periods: A in one, B in the other; score 0; stage 2 pays
    the handover, |0−1| + |1−0| = 2.  Without B the line is short in one
    period: 200.  With dwell 0, A holds it in both: no handover, stage 2 = 0.
    """
    tables = {
        "Nations": [nation("A", dwell_periods=1), nation("B", dwell_periods=1)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": pledges(A=1, B=1),
        "Requirements": one_line(),
    }
    plan = solved(plan_tables, base(periods=2), tables)
    assert plan["shortfall_score"] == 0
    held = placed(plan)
    assert sorted(held.values()) == [1, 1] and {n for n, _, _ in held} == {"A", "B"}
    assert {t for _, _, t in held} == {1, 2}
    assert plan["solver"]["stage2_objective"] == pytest.approx(2)

    alone = dict(tables, Nations=[nation("A", dwell_periods=1), nation("B", status="declined")])
    plan = solved(plan_tables, base(periods=2), alone)
    assert plan["shortfall_score"] == 200
    assert sum(placed(plan).values()) == 1

    sustained = dict(tables, Nations=[nation("A", dwell_periods=0), nation("B", status="declined")])
    plan = solved(plan_tables, base(periods=2), sustained)
    assert placed(plan) == {("A", "S", 1): 1, ("A", "S", 2): 1}
    assert plan["shortfall_score"] == 0 and plan["solver"]["stage2_objective"] == pytest.approx(0)


def test_dwell_two_over_six_periods(plan_tables):
    """Six periods, one line needing 2 units; A pledges 2 units with dwell 2 (1:2), nothing else.

    Any three consecutive periods hold at most 2 of A's units; periods 1–3 and
    4–6 are two such windows, so at most 4 unit-periods over the six (2, 0, 0,
    2, 0, 0 reaches it).  The line needs 12: at least 8 short, 8·200 = 1,600.
    """
    tables = {
        "Nations": [nation("A", dwell_periods=2)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": pledges(A=2),
        "Requirements": one_line(2),
    }
    plan = solved(plan_tables, base(periods=6, weight_churn=0), tables)
    assert plan["shortfall_score"] == 1600
    per_period = [sum(v for (_, _, t), v in placed(plan).items() if t == p) for p in range(1, 7)]
    assert sum(per_period) == 4
    assert all(sum(per_period[t:t + 3]) <= 2 for t in range(6))


def test_a_nation_arriving_late(plan_tables):
    """Three periods, a line needing 2; A pledges 1 (always there), B pledges 1 but is available from period 2.

    Period 1 has A alone: 1 short, 200; periods 2–3 are filled.  The nations
    table says why B is out in period 1, and B is in from period 2.
    """
    tables = {
        "Nations": [nation("A"), nation("B", available_from=2)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": pledges(A=1, B=1),
        "Requirements": one_line(2),
    }
    plan = solved(plan_tables, base(periods=3), tables)
    assert plan["shortfall_score"] == 200
    assert placed(plan) == {("A", "S", 1): 1, ("A", "S", 2): 1, ("B", "S", 2): 1, ("A", "S", 3): 1, ("B", "S", 3): 1}
    b = {r["period"]: r for r in plan["nations"] if r["nation"] == "B"}
    assert not b[1]["eligible"] and b[1]["ineligible_reason"] == "not available before period 2"
    assert b[2]["eligible"] and b[3]["eligible"]
    assert [r["shortfall_score"] for r in plan["timeline"]] == [200, 0, 0]


def test_a_nation_leaving_early(plan_tables):
    """As above, but B is available until period 1 only: periods 2–3 are short 1 each, 400."""
    tables = {
        "Nations": [nation("A"), nation("B", available_until=1)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": pledges(A=1, B=1),
        "Requirements": one_line(2),
    }
    plan = solved(plan_tables, base(periods=3), tables)
    assert plan["shortfall_score"] == 400
    assert ("B", "S", 1) in placed(plan) and not any(n == "B" and t > 1 for n, _, t in placed(plan))


def test_a_condition_from_period_2(plan_tables):
    """Two periods; no ceasefire, but ceasefire_from = 2.  B requires a ceasefire; the line needs 2, A and B pledge 1.

    Period 1: A alone, 1 short (200); period 2: both.  The ceasefire cell says
    no, yet from period 2 the ceasefire holds (section 5).
    """
    tables = {
        "Nations": [nation("A"), nation("B", requires_ceasefire=True)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": pledges(A=1, B=1),
        "Requirements": one_line(2),
    }
    plan = solved(plan_tables, base(periods=2, ceasefire_in_place=False, ceasefire_from=2), tables)
    assert plan["shortfall_score"] == 200
    assert placed(plan) == {("A", "S", 1): 1, ("A", "S", 2): 1, ("B", "S", 2): 1}
    b = {r["period"]: r for r in plan["nations"] if r["nation"] == "B"}
    assert b[1]["ineligible_reason"] == "requires a ceasefire" and b[2]["eligible"]


def test_a_line_that_starts_in_period_3(plan_tables):
    """Three periods; line S needs 1 throughout, line N needs 1 from period 3; force target 300; A pledges 3 (dwell 0).

    Periods 1–2: N does not apply, so nothing goes there even though the
    force target wants 3 units: all 3 on S.  Period 3: both lines, 3 units in
    all.  Score 0.  The requirements table lists N in period 3 only.
    """
    tables = {
        "Nations": [nation("A")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}, {"sector": "N", "risk": 1}],
        "Pledges": pledges(A=3),
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 1},
                         {"unit_type": INF, "sector": "N", "min_units": 1, "from_period": 3}],
    }
    plan = solved(plan_tables, base(periods=3, force_target=300, land_target=0), tables)
    assert plan["shortfall_score"] == 0
    held = placed(plan)
    assert held[("A", "S", 1)] == 3 and held[("A", "S", 2)] == 3
    assert held[("A", "N", 3)] >= 1 and held[("A", "S", 3)] >= 1 and held[("A", "N", 3)] + held[("A", "S", 3)] == 3
    assert not any(s == "N" and t < 3 for _, s, t in held)
    assert sorted((r["sector"], r["period"]) for r in plan["requirements"]) == [("N", 3), ("S", 1), ("S", 2), ("S", 3)]

    short = dict(tables, Pledges=pledges(A=1))
    plan = solved(plan_tables, base(periods=3, force_target=0), short)
    assert plan["shortfall_score"] == 200  # period 3: one unit for two lines


def test_phases_targets_and_the_cheapest_build_up(plan_tables):
    """Two periods; Phases: force target 100 in period 1, 300 in period 2 (the Scenario says 200).
    A pledges 3, no line minimum; weight_cost 1, weight_churn 1.

    Stage 1: period 1 needs ≥ 1 unit, period 2 needs 3: score 0 only so.
    Stage 2 per period-1 units k ∈ {1,2,3}: cost 10k + 30, handovers 3 − k:
    k = 1 → 42, k = 2 → 51, k = 3 → 60.  The build-up plan: 1 then 3.
    """
    tables = {
        "Nations": [nation("A")],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": pledges(A=3),
        "Requirements": one_line(0),
        "Phases": [{"period": 1, "force_target": 100}, {"period": 2, "force_target": 300}],
    }
    plan = solved(plan_tables, base(periods=2, force_target=200, weight_cost=1), tables)
    assert plan["shortfall_score"] == 0
    assert placed(plan) == {("A", "S", 1): 1, ("A", "S", 2): 3}
    assert plan["solver"]["stage2_objective"] == pytest.approx(42)
    assert [r["force_target"] for r in plan["timeline"]] == [100, 300]
    assert plan["totals"]["personnel"] == 100 and plan["totals"]["period"] == 1  # the weakest period


def test_handovers_are_paid_in_stage_2(plan_tables):
    """Two periods, a line needing 1; A (cost 10) always, B (cost 5, cost_factor 0.5) from period 2; weight_cost 1.

    Keep A in both periods: cost 20, no handover → 20.  Switch to B in
    period 2: cost 15 plus 2 handovers (A leaves, B arrives) × weight_churn.
    weight_churn 3: 15 + 6 = 21 > 20, A stays.  weight_churn 1: 15 + 2 = 17 < 20, B takes over.
    """
    tables = {
        "Nations": [nation("A"), nation("B", available_from=2, cost_factor=0.5)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1}],
        "Pledges": pledges(A=1, B=1),
        "Requirements": one_line(1, max_units=1),
    }
    plan = solved(plan_tables, base(periods=2, weight_cost=1, weight_churn=3), tables)
    assert placed(plan) == {("A", "S", 1): 1, ("A", "S", 2): 1}
    assert plan["solver"]["stage2_objective"] == pytest.approx(20)
    plan = solved(plan_tables, base(periods=2, weight_cost=1, weight_churn=1), tables)
    assert placed(plan) == {("A", "S", 1): 1, ("B", "S", 2): 1}
    assert plan["solver"]["stage2_objective"] == pytest.approx(17)


def test_one_lead_per_period_and_a_nation_leads_one_sector_a_period(plan_tables):
    """Two periods, two needs_lead sectors each with a line needing 1; A and B can lead, 1 unit each, dwell 0.

    Each period each sector needs its own lead, and a nation leads one sector
    a period: A leads one, B the other, in both periods.  Score 0; the leads
    table has four rows, two per period.
    """
    tables = {
        "Nations": [nation("A", can_lead=True), nation("B", can_lead=True)],
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": "S", "risk": 1, "needs_lead": True}, {"sector": "N", "risk": 1, "needs_lead": True}],
        "Pledges": pledges(A=2, B=2),
        "Requirements": [{"unit_type": INF, "sector": "S", "min_units": 1}, {"unit_type": INF, "sector": "N", "min_units": 1}],
    }
    plan = solved(plan_tables, base(periods=2), tables)
    assert plan["shortfall_score"] == 0
    for t in (1, 2):
        leads = {r["sector"]: r["nation"] for r in plan["leads"] if r["period"] == t}
        assert set(leads) == {"S", "N"} and set(leads.values()) == {"A", "B"}


SEEDS = list(range(12))


def random_instance(seed: int) -> tuple[dict, dict]:
    """A tiny workbook over two or three periods with every rule of section 5 in play."""
    rng = random.Random(seed)
    periods = rng.choice([2, 3])
    names = ["A", "B", "C"][: 3 if periods == 2 else 2]
    sectors = ["S", "N"][: rng.choice([1, 2])]

    def some_period():
        return rng.randint(1, periods)

    nations = []
    for n in names:
        first = rng.choice([1, 1, some_period()])
        nations.append(nation(
            n, dwell_periods=rng.choice([0, 0, 1, 2]), available_from=first,
            available_until=rng.choice([None, None, rng.randint(first, periods)]),
            requires_ceasefire=rng.random() < 0.3, can_lead=rng.random() < 0.7,
            min_personnel=rng.choice([None, None, 200]), cost_factor=rng.choice([0.5, 1.0, 1.5]),
        ))
    lines = []
    for s in sectors:
        first = rng.choice([1, some_period()])
        lines.append({"unit_type": INF, "sector": s, "min_units": rng.randint(1, 2), "priority": rng.randint(1, 3),
                      "from_period": first, "until_period": rng.choice([None, rng.randint(first, periods)])})
    tables = {
        "Nations": nations,
        "UnitTypes": [UNIT],
        "Sectors": [{"sector": s, "risk": 1, "needs_lead": rng.random() < 0.5} for s in sectors],
        "Pledges": pledges(**{n: rng.randint(1, 2) for n in names}),
        "Requirements": lines,
        "Phases": [{"period": t, "force_target": rng.choice([None, 100, 300])} for t in range(1, periods + 1) if rng.random() < 0.5],
    }
    scenario = base(periods=periods, force_target=rng.choice([0, 200]), weight_cost=1, weight_fairness=rng.choice([0, 0.01]),
                    weight_nations=rng.choice([0, 5]), weight_churn=rng.choice([0, 1, 3]), ceasefire_in_place=False,
                    ceasefire_from=rng.choice([None, 2, 2]), lead_share=0.4)
    return scenario, tables


@pytest.mark.parametrize("seed", SEEDS)
def test_brute_force_over_periods(seed, plan_tables):
    """The lexicographic optimum over every plan of two or three periods (enumerated independently of the
    model): the same shortfall score, and the same stage-2 objective (mip_gap 0)."""
    scenario, tables = random_instance(seed)
    plan, path = plan_tables(scenario, tables)
    assert plan["status"] == "optimal"
    assert check_plan(path, plan) == []
    score, stage2 = brute_force_over_time(path)
    assert plan["shortfall_score"] == pytest.approx(score)
    certified = plan["solver"]["certificate"]["stage2"]
    if certified is None:  # nothing can be placed: the empty plan, whose stage 2 the checker recomputes
        assert plan["allocations"] == []
        certified = {"objective": objectives_over_time(read_instance(path), {})[1]}
    assert certified["objective"] == pytest.approx(stage2, abs=1e-6)


def test_the_rotation_windows_written_imply_every_window_of_the_contract():
    """``model.rotation_windows`` leaves out windows it calls implied (cut short by the horizon, or
    holding no more placements than a neighbour).  On random placement patterns: every window of
    section 5, [t, min(T, t + d)] for t = 1 … T, holds a subset of the placements of a window written."""
    from types import SimpleNamespace

    from optimizer.model import rotation_windows

    rng = random.Random(5)
    for _ in range(400):
        periods = rng.randint(1, 8)
        dwell = {n: rng.randint(0, 4) for n in ("A", "B")}
        by_pledge = {}
        for n in dwell:
            for t in range(1, periods + 1):
                if rng.random() < 0.6:
                    by_pledge[(n, INF, t)] = [(n, INF, "S", t)]
        idx = SimpleNamespace(by_pledge=by_pledge, periods=list(range(1, periods + 1)))
        data = SimpleNamespace(dwell=dwell.__getitem__)
        written = [set(keys) for keys in rotation_windows(data, idx).values()]
        for n, d in dwell.items():
            for t in range(1, periods + 1):
                window = {k for p in range(t, min(periods, t + d) + 1) for k in by_pledge.get((n, INF, p), [])}
                assert not window or any(window <= w for w in written), (n, d, t, periods, sorted(by_pledge))
