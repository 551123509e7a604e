"""The floor: the same model built straight on highspy from numpy arrays.

This is the lower bound the pyomo path (:mod:`optimizer.model`,
:mod:`optimizer.solve`) is measured against: the *same* matrix, bounds,
integrality and objectives — row for row and column for column, so HiGHS
takes the same path — assembled with vectorised numpy instead of pyomo
expressions and passed with one ``passModel`` call.  What separates the two
paths' end-to-end times is then only build and hand-over.

One function per family of :mod:`optimizer.model` (:data:`FAMILIES`, keyed
by the model's function names), called in the model's own order
(:func:`optimizer.model.families`); each adds its rows under a family
number with a sort key (group, row within group, position in the row), and
the columns are numbered by first appearance, as pyomo's persistent
interface numbers them.  ``tests/test_formulations.py`` checks the two LPs
are identical, that both reach the same stage-1 score, and that every
family has its counterpart here.  Each stage is certified with the
product's own functions (:mod:`optimizer.certify`), so a status means the
same on both paths; the analysis options (reserves, fairness cap) are
refused, not ignored.

    from devtools.floor import solve_floor
    solution = solve_floor(data, strong=True)     # an optimizer.solution.Solution
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from optimizer.data import SCOPES, PlanningData
from optimizer.certify import Attempt, assess_attempt, judge_stage, overall_status, plan_gap, plan_objectives
from optimizer.solution import LEAD_COLUMNS, Solution
from optimizer.highs_adapter import RANDOM_SEED
from optimizer.solve import STAGE1_ABS_GAP, empty_solution

INF = math.inf


class _Rows:
    """Rows and their entries, each with an integer sort key; assembled in key order."""

    def __init__(self) -> None:
        self.row_keys: list[np.ndarray] = []  # (n, 4) int64: family, group, sub-row, 0
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.ent_keys: list[np.ndarray] = []  # (m, 4): family, group, sub-row, position
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []

    def rows(self, family: int, group, sub, lower, upper) -> None:
        group = np.asarray(group, dtype=np.int64)
        n = len(group)
        keys = np.column_stack([np.full(n, family), group, np.broadcast_to(np.asarray(sub, dtype=np.int64), (n,)), np.zeros(n, dtype=np.int64)])
        self.row_keys.append(keys)
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)).astype(float))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)).astype(float))

    def entries(self, family: int, group, sub, position, cols, vals) -> None:
        group = np.asarray(group, dtype=np.int64)
        n = len(group)
        keys = np.column_stack([
            np.full(n, family),
            group,
            np.broadcast_to(np.asarray(sub, dtype=np.int64), (n,)),
            np.broadcast_to(np.asarray(position, dtype=np.int64), (n,)),
        ])
        self.ent_keys.append(keys)
        self.cols.append(np.broadcast_to(np.asarray(cols, dtype=np.int64), (n,)).copy())
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=float), (n,)).astype(float))

    def assemble(self):
        """(row_lower, row_upper, start, col, val) in key order; rows must be unique keys."""
        rk = np.concatenate(self.row_keys) if self.row_keys else np.zeros((0, 4), dtype=np.int64)
        order = np.lexsort(rk[:, ::-1].T) if len(rk) else np.zeros(0, dtype=np.int64)
        rk = rk[order]
        lower = np.concatenate(self.lower)[order] if self.lower else np.zeros(0)
        upper = np.concatenate(self.upper)[order] if self.upper else np.zeros(0)
        ek = np.concatenate(self.ent_keys) if self.ent_keys else np.zeros((0, 4), dtype=np.int64)
        cols = np.concatenate(self.cols) if self.cols else np.zeros(0, dtype=np.int64)
        vals = np.concatenate(self.vals) if self.vals else np.zeros(0)
        eorder = np.lexsort(ek[:, ::-1].T)
        ek, cols, vals = ek[eorder], cols[eorder], vals[eorder]
        # row of each entry: its (family, group, sub) among the sorted row keys
        row_id = _match_rows(rk[:, :3], ek[:, :3])
        start = np.searchsorted(row_id, np.arange(len(rk)), side="left")
        return lower, upper, start, row_id, cols, vals


def _match_rows(row_keys: np.ndarray, ent_keys: np.ndarray) -> np.ndarray:
    """Index into the (sorted, unique) row keys of each (sorted) entry key."""
    if not len(ent_keys):
        return np.zeros(0, dtype=np.int64)
    # combine the three key columns into one sortable integer
    base = np.maximum(row_keys.max(axis=0) if len(row_keys) else 0, ent_keys.max(axis=0) if len(ent_keys) else 0) + 1
    def flat(k):
        return (k[:, 0] * base[1] + k[:, 1]) * base[2] + k[:, 2]
    rf, ef = flat(row_keys), flat(ent_keys)
    pos = np.searchsorted(rf, ef)
    if len(ef) and (pos.max() >= len(rf) or not np.array_equal(rf[pos], ef)):
        raise AssertionError("an entry belongs to no row")
    return pos


def _codes(*columns: np.ndarray) -> tuple[np.ndarray, int]:
    """Group codes of integer key columns, numbered by first appearance (pyomo's dict insertion order)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        col = np.asarray(col, dtype=np.int64)
        key = key * (int(col.max()) + 1 if len(col) else 1) + col
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.ravel()], len(first)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """Position of each element within its group, in array order."""
    order = np.argsort(groups, kind="stable")
    sorted_g = groups[order]
    first = np.r_[0, np.flatnonzero(np.diff(sorted_g)) + 1]
    counts = np.diff(np.r_[first, len(sorted_g)])
    rank_sorted = np.arange(len(sorted_g)) - np.repeat(first, counts)
    rank = np.empty_like(rank_sorted)
    rank[order] = rank_sorted
    return rank


@dataclass
class FloorModel:
    """The assembled stage-1 model and what the two stages need."""

    highs_lp: object
    num_col: int
    x_col: np.ndarray  # column of each placement (data.triples order)
    lead_col: np.ndarray  # column of each lead candidate
    lead_pairs: list
    fair_col: np.ndarray  # column of e[n] for nations with placements (fairness weighted), else empty
    fair_nation: np.ndarray  # nation code of each e column (index into nat list)
    nat_of_x: np.ndarray  # nation code of each placement
    personnel: np.ndarray
    fair_value: np.ndarray  # fair share per nation code
    score_cols: np.ndarray  # columns of the score's non-fixed slacks, and their weights
    score_weights: np.ndarray
    stage1_cost: np.ndarray  # full column cost vector of stage 1
    stage2_cost: np.ndarray  # full column cost vector of stage 2
    stage2_offset: float
    integer_columns: int
    # what the stage-2 MIP start is computed from (as optimizer.starts.repair_start does)
    start_parts: dict = field(default_factory=dict)


class _Build:
    """What the families of the floor share while it is built: the placements as integer arrays,
    the provisional columns, the rows, and each family's columns for the families after it."""

    def __init__(self, data: PlanningData, strong: bool):
        t = data.triples
        self.data, self.sc, self.strong = data, data.scenario, strong
        self.nations = data.nations
        self.nT = len(t)
        # every name as an integer id, once: nations, unit types and sectors by their tables' order
        self.nat = self.nations.index.get_indexer(t["nation"]).astype(np.int64)
        self.unit = data.unit_types.index.get_indexer(t["unit_type"]).astype(np.int64)
        self.sec = data.sectors.index.get_indexer(t["sector"]).astype(np.int64)
        self.n_units, self.n_sectors = len(data.unit_types), len(data.sectors)
        self.ub = t["upper_bound"].to_numpy(dtype=np.int64)
        self.p = t["personnel"].to_numpy(dtype=np.int64)
        self.cost = t["cost_musd"].to_numpy(dtype=float)
        self.dom = t["domain"].to_numpy()
        self.tri = np.arange(self.nT)
        self.rows = _Rows()
        self._family = iter(range(1000))
        self.ncol = 0
        self.col_lower: list[np.ndarray] = []
        self.col_upper: list[np.ndarray] = []
        self.col_int: list[np.ndarray] = []
        # groupings several families use
        self.nat_code, self.n_nat_placed = _codes(self.nat)  # by_nation order
        self.nat_ids = np.empty(self.n_nat_placed, dtype=np.int64)
        self.nat_ids[self.nat_code] = self.nat  # global id of each placed nation, in by_nation order
        self.cap = self.nations["cap_personnel"].to_numpy(dtype=np.int64)[self.nat_ids]
        self.sec_code, self.n_sec = _codes(self.sec)  # by_sector order
        self.ns_code, self.n_ns = _codes(self.sec, self.nat)  # (s, n) pairs by first appearance
        self.ns_first = np.unique(self.ns_code, return_index=True)[1]
        req = data.requirements
        line_table = np.full(self.n_units * self.n_sectors, -1, dtype=np.int64)
        line_table[data.unit_types.index.get_indexer(req["unit_type"]) * self.n_sectors + data.sectors.index.get_indexer(req["sector"])] = np.arange(len(req))
        self.line_of = line_table[self.unit * self.n_sectors + self.sec]
        self.nlines = len(req)
        self.lmin = req["min_units"].to_numpy(dtype=np.int64)

    def family(self) -> int:
        """The next kind of row: rows are assembled family by family, in the order asked for."""
        return next(self._family)

    def declare(self, n, lower, upper, integer) -> np.ndarray:
        """``n`` provisional columns (numbered by first appearance in a row when assembled)."""
        ids = np.arange(self.ncol, self.ncol + n)
        self.ncol += n
        self.col_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)).astype(float))
        self.col_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)).astype(float))
        self.col_int.append(np.full(n, integer, dtype=bool))
        return ids


def _unit_variables(b: _Build) -> None:
    """``add_unit_variables``: x, one integer column per placement."""
    b.x = b.declare(b.nT, 0.0, b.ub.astype(float), True)


def _pledge_limits(b: _Build) -> None:
    """``pledge_limit[n,u]``."""
    fam, nations, data, x, tri = b.family(), b.nations, b.data, b.x, b.tri
    g, ng = _codes(b.nat, b.unit)
    size = np.bincount(g, minlength=ng)
    sum_ub = np.bincount(g, weights=b.ub, minlength=ng)
    first = np.unique(g, return_index=True)[1]
    pledged = np.zeros(len(nations) * b.n_units)
    pn = nations.index.get_indexer(data.pledges["nation"])
    pu = data.unit_types.index.get_indexer(data.pledges["unit_type"])
    pledged[pn * b.n_units + pu] = data.pledges["max_units"].to_numpy(dtype=float)
    q = pledged[b.nat[first] * b.n_units + b.unit[first]]
    sel = (size > 1) & (sum_ub > q)
    b.rows.rows(fam, np.flatnonzero(sel), 0, -INF, q[sel])
    m = sel[g]
    b.rows.entries(fam, g[m], 0, tri[m], x[m], 1.0)


def _personnel_caps(b: _Build) -> None:
    """``personnel_cap[n]``."""
    fam, nat_code, p = b.family(), b.nat_code, b.p
    sel = np.bincount(nat_code, weights=b.ub * p, minlength=b.n_nat_placed) > b.cap
    b.rows.rows(fam, np.flatnonzero(sel), 0, -INF, b.cap[sel].astype(float))
    m = sel[nat_code]
    b.rows.entries(fam, nat_code[m], 0, b.tri[m], b.x[m], p[m].astype(float))


def _minimum_contributions(b: _Build) -> None:
    """``minimum_contribution[n]``, then ``takes_part_reach[n]``; y where needed."""
    nat_code, p, x, tri, nT = b.nat_code, b.p, b.x, b.tri, b.nT
    minimum = b.nations["min_personnel"].to_numpy(dtype=np.int64)[b.nat_ids]
    reach_n = np.minimum(b.cap, np.bincount(nat_code, weights=b.ub * p, minlength=b.n_nat_placed).astype(np.int64))
    b.needed = needed = (minimum > 0) | (b.sc.weight_nations > 0)
    b.y_of = y_of = np.full(b.n_nat_placed, -1, dtype=np.int64)
    y_of[needed] = b.declare(int(needed.sum()), 0.0, 1.0, True)
    has_min = needed & (minimum > 0)
    fam = b.family()  # P − μ·y ≥ 0
    b.rows.rows(fam, np.flatnonzero(has_min), 0, 0.0, INF)
    b.rows.entries(fam, np.flatnonzero(has_min), 0, nT, y_of[has_min], -minimum[has_min].astype(float))
    m = has_min[nat_code]
    b.rows.entries(fam, nat_code[m], 0, tri[m], x[m], p[m].astype(float))
    fam = b.family()  # P − R·y ≤ 0
    b.rows.rows(fam, np.flatnonzero(needed), 0, -INF, 0.0)
    m = needed[nat_code]
    b.rows.entries(fam, nat_code[m], 0, tri[m], x[m], p[m].astype(float))
    b.rows.entries(fam, np.flatnonzero(needed), 0, nT, y_of[needed], -reach_n[needed].astype(float))


def _budgets(b: _Build) -> None:
    """``budget[n]``."""
    fam, nat_code = b.family(), b.nat_code
    budget = pd.to_numeric(b.nations["budget_musd"], errors="coerce").to_numpy(dtype=float)[b.nat_ids]
    full_cost = np.bincount(nat_code, weights=b.ub * b.cost, minlength=b.n_nat_placed)
    sel = ~np.isnan(budget) & (full_cost > np.nan_to_num(budget, nan=INF))
    b.rows.rows(fam, np.flatnonzero(sel), 0, -INF, budget[sel])
    m = sel[nat_code]
    b.rows.entries(fam, nat_code[m], 0, b.tri[m], b.x[m], b.cost[m])


def _interoperability(b: _Build) -> None:
    """``presence_link[n,u,s]``, then ``interoperability[s]`` (one family here: every link row comes first)."""
    fam, K, n_sec, n_ns, ns_code, x, ub = b.family(), b.sc.max_nations_per_sector, b.n_sec, b.n_ns, b.ns_code, b.x, b.ub
    ns_sector = b.sec_code[b.ns_first]
    nations_in_sector = np.bincount(ns_sector, minlength=n_sec)
    z_sector = (nations_in_sector > K) if K is not None else np.zeros(n_sec, dtype=bool)
    # present_pairs order: sectors in by_sector order, nations by first appearance within
    pair_order = np.lexsort((np.arange(n_ns), ns_sector))
    b.z_pairs = z_pairs = pair_order[z_sector[ns_sector[pair_order]]]
    b.z_of = z_of = np.full(n_ns, -1, dtype=np.int64)
    z_of[z_pairs] = b.declare(len(z_pairs), 0.0, 1.0, True)
    pair_rank = np.empty(n_ns, dtype=np.int64)
    pair_rank[z_pairs] = np.arange(len(z_pairs))
    # link rows x_k − ub_k z ≤ 0: group = pair rank, sub = position of k within the pair
    m = z_of[ns_code] >= 0
    k_rank = _rank_within(ns_code)
    grp = pair_rank[ns_code[m]]
    b.rows.rows(fam, grp, k_rank[m], -INF, 0.0)
    b.rows.entries(fam, grp, k_rank[m], 0, x[m], 1.0)
    b.rows.entries(fam, grp, k_rank[m], 1, z_of[ns_code[m]], -ub[m].astype(float))
    # cardinality rows, after every link row: group = len(z_pairs) + rank of the sector
    zs = np.flatnonzero(z_sector)
    sector_rank = np.full(n_sec, -1, dtype=np.int64)
    sector_rank[zs] = np.arange(len(zs))
    b.rows.rows(fam, len(z_pairs) + sector_rank[zs], 0, -INF, float(K) if K is not None else INF)
    zp_sector = ns_sector[z_pairs]
    b.rows.entries(fam, len(z_pairs) + sector_rank[zp_sector], 0, np.arange(len(z_pairs)), z_of[z_pairs], 1.0)


def _leads(b: _Build) -> None:
    """The seven kinds of H8 row, each its own family: ``one_lead[s]``, ``lead_needed[n,u,s]``,
    ``lead_holds_units[n,s]``, ``lead_personnel_held[n,s]``, ``lead_personnel_link[n,s]``,
    ``lead_share[s]``, ``one_sector_per_lead[n]``; λ and v per candidate."""
    data, rows, x, p, tri, ub, sec_code = b.data, b.rows, b.x, b.p, b.tri, b.ub, b.sec_code
    lc = data.lead_candidates
    b.L = L = len(lc)
    b.lead_pairs = list(zip(lc["nation"], lc["sector"]))
    b.lam = lam = b.declare(L, 0.0, 1.0, True)
    M = lc["max_personnel"].to_numpy(dtype=np.int64) if L else np.zeros(0, dtype=np.int64)
    b.v = v = b.declare(L, 0.0, M.astype(float), False)
    b.cand_pair = np.zeros(0, dtype=np.int64)
    if not L:
        return
    n_nations = len(b.nations)
    lc_sec = data.sectors.index.get_indexer(lc["sector"]).astype(np.int64)
    lc_nat = b.nations.index.get_indexer(lc["nation"]).astype(np.int64)
    lsec_code, n_lsec = _codes(lc_sec)  # by_sector (lead) order
    lnat_code, _ = _codes(lc_nat)  # by_nation (lead) order
    b.cand_rank = cand_rank = _rank_within(lsec_code)  # position among the sector's candidates
    # map lead sectors to triple sector codes and (n,s) pairs
    sec_ids = np.empty(b.n_sec, dtype=np.int64)
    sec_ids[sec_code] = b.sec  # global id of each sector with placements, in by_sector order
    tsec_of_global = np.full(b.n_sectors, -1, dtype=np.int64)
    tsec_of_global[sec_ids] = np.arange(b.n_sec)
    lsec_ids = np.empty(n_lsec, dtype=np.int64)
    lsec_ids[lsec_code] = lc_sec
    lsec_to_tsec = tsec_of_global[lsec_ids]
    b.tsec_to_lsec = tsec_to_lsec = np.full(b.n_sec, -1, dtype=np.int64)
    tsec_to_lsec[lsec_to_tsec] = np.arange(n_lsec)
    pair_of = np.full(b.n_sectors * n_nations, -1, dtype=np.int64)
    pair_of[b.sec[b.ns_first] * n_nations + b.nat[b.ns_first]] = np.arange(b.n_ns)  # ns_first is in code order
    b.cand_pair = cand_pair = pair_of[lc_sec * n_nations + lc_nat]
    b.n_cands = n_cands = np.bincount(lsec_code, minlength=n_lsec)
    in_lead = tsec_to_lsec[sec_code] >= 0
    k_in_sector = _rank_within(sec_code)
    fams = {name: b.family() for name in ("one_lead", "lead_needed", "lead_holds_units", "lead_personnel_held",
                                          "lead_personnel_link", "lead_share", "one_sector_per_lead")}
    # one_lead[s]: Σλ ≤ 1, sectors in lead order
    rows.rows(fams["one_lead"], np.arange(n_lsec), 0, -INF, 1.0)
    rows.entries(fams["one_lead"], lsec_code, 0, cand_rank, lam, 1.0)
    # lead_needed[n,u,s]: x_k − ub_k Σλ ≤ 0 for every placement of a lead sector (sector, then triple order)
    km = np.flatnonzero(in_lead)
    kg = tsec_to_lsec[sec_code[km]]
    ksub = k_in_sector[km]
    rows.rows(fams["lead_needed"], kg, ksub, -INF, 0.0)
    rows.entries(fams["lead_needed"], kg, ksub, 0, x[km], 1.0)
    rep = n_cands[kg]  # λ entries: for each placement, each candidate of its sector
    kk = np.repeat(km, rep)
    kgr = np.repeat(kg, rep)
    b.cand_by_sector = cand_by_sector = np.argsort(lsec_code * (L + 1) + cand_rank, kind="stable")  # candidates grouped by sector
    starts = np.r_[0, np.cumsum(n_cands)[:-1]]
    offs = np.arange(len(kk)) - np.repeat(np.cumsum(rep) - rep, rep)
    cands = cand_by_sector[np.repeat(starts[kg], rep) + offs]
    rows.entries(fams["lead_needed"], kgr, k_in_sector[kk], 1 + cand_rank[cands], lam[cands], -ub[kk].astype(float))
    # per candidate, in candidate order: λ − Σx ≤ 0 ; v − P_ns ≤ 0 ; v − M λ ≤ 0
    cand = np.arange(L)
    for name in ("lead_holds_units", "lead_personnel_held", "lead_personnel_link"):
        rows.rows(fams[name], cand, 0, -INF, 0.0)
    rows.entries(fams["lead_holds_units"], cand, 0, -1, lam, 1.0)
    rows.entries(fams["lead_personnel_held"], cand, 0, -1, v, 1.0)
    rows.entries(fams["lead_personnel_link"], cand, 0, 0, v, 1.0)
    rows.entries(fams["lead_personnel_link"], cand, 0, 1, lam, -M.astype(float))
    cand_of_pair = np.full(b.n_ns, -1, dtype=np.int64)  # placements of each candidate pair
    cand_of_pair[cand_pair] = np.arange(L)
    pm = np.flatnonzero(cand_of_pair[b.ns_code] >= 0)
    pc = cand_of_pair[b.ns_code[pm]]
    rows.entries(fams["lead_holds_units"], pc, 0, tri[pm], x[pm], -1.0)
    rows.entries(fams["lead_personnel_held"], pc, 0, tri[pm], x[pm], -p[pm].astype(float))
    # lead_share[s]: Σ v − θ·P_s ≥ 0
    share = b.sc.lead_share
    if share > 0:
        rows.rows(fams["lead_share"], np.arange(n_lsec), 0, 0.0, INF)
        rows.entries(fams["lead_share"], lsec_code, 0, -L - 1 + cand_rank, v, 1.0)
        rows.entries(fams["lead_share"], kg, 0, k_in_sector[km], x[km], -(share * p[km].astype(float)))
    # one_sector_per_lead[n]: Σ_s λ ≤ 1, nations in lead order
    nsec_of = np.bincount(lnat_code, minlength=lnat_code.max() + 1)
    multi = np.flatnonzero(nsec_of > 1)
    rows.rows(fams["one_sector_per_lead"], multi, 0, -INF, 1.0)
    cm = nsec_of[lnat_code] > 1
    rows.entries(fams["one_sector_per_lead"], lnat_code[cm], 0, np.flatnonzero(cm), lam[cm], 1.0)


def _line_limits(b: _Build) -> None:
    """``line_limit[u,s]``."""
    fam, line_of, nlines = b.family(), b.line_of, b.nlines
    lmax = pd.to_numeric(b.data.requirements["max_units"], errors="coerce").to_numpy(dtype=float)
    lsize = np.bincount(line_of, minlength=nlines)
    lsum = np.bincount(line_of, weights=b.ub, minlength=nlines)
    sel = ~np.isnan(lmax) & (lsize > 1) & (lsum > np.nan_to_num(lmax, nan=INF))
    b.rows.rows(fam, np.flatnonzero(sel), 0, -INF, lmax[sel])
    m = sel[line_of]
    b.rows.entries(fam, line_of[m], 0, b.tri[m], b.x[m], 1.0)


def _shortfall(b: _Build) -> None:
    """``line_shortfall[u,s]``, then ``target_shortfall[g]`` (one family here: lines come first); the slacks."""
    fam, req, lmin, nlines, line_of, x, tri, p = b.family(), b.data.requirements, b.lmin, b.nlines, b.line_of, b.x, b.tri, b.p
    b.weight = (req["weight"].to_numpy(dtype=np.int64) * req["personnel"].to_numpy(dtype=np.int64)).astype(float)
    b.pos_line = pos_line = lmin > 0
    b.short = short = np.full(nlines, -1, dtype=np.int64)
    short[pos_line] = b.declare(int(pos_line.sum()), 0.0, lmin[pos_line].astype(float), False)
    b.rows.rows(fam, np.flatnonzero(pos_line), 0, lmin[pos_line].astype(float), INF)
    b.rows.entries(fam, np.flatnonzero(pos_line), 0, -1, short[pos_line], 1.0)
    m = pos_line[line_of]
    b.rows.entries(fam, line_of[m], 0, tri[m], x[m], 1.0)
    b.targets = targets = np.array([b.sc.target(g) for g in SCOPES], dtype=np.int64)
    b.gap = gap = np.full(len(SCOPES), -1, dtype=np.int64)
    gap[targets > 0] = b.declare(int((targets > 0).sum()), 0.0, targets[targets > 0].astype(float), False)
    for gi, scope in enumerate(SCOPES):
        if targets[gi] <= 0:
            continue
        m = np.ones(b.nT, dtype=bool) if scope == "force" else (b.dom == scope)
        b.rows.rows(fam, [nlines + gi], 0, float(targets[gi]), INF)
        b.rows.entries(fam, [nlines + gi], 0, -1, gap[gi], 1.0)
        b.rows.entries(fam, np.full(int(m.sum()), nlines + gi), 0, tri[m], x[m], p[m].astype(float))


def _lead_cover(b: _Build) -> None:
    """``lead_cover[u,s]`` (strong formulation)."""
    fam = b.family()
    if not b.L:
        return
    line_code, _ = _codes(b.line_of)  # by_line order: first appearance in the triples
    line_first = np.unique(line_code, return_index=True)[1]
    line_req = b.line_of[line_first]  # requirement row of each by_line group
    lmin, n_cands = b.lmin, b.n_cands
    lsec_of_line = b.tsec_to_lsec[b.sec_code[line_first]]
    sel = (lsec_of_line >= 0) & (lmin[line_req] > 0)
    groups = np.flatnonzero(sel)
    b.rows.rows(fam, groups, 0, lmin[line_req[sel]].astype(float), INF)
    b.rows.entries(fam, groups, 0, -1, b.short[line_req[sel]], 1.0)
    rep = n_cands[lsec_of_line[sel]]
    gg = np.repeat(groups, rep)
    starts = np.r_[0, np.cumsum(n_cands)[:-1]]
    offs = np.arange(len(gg)) - np.repeat(np.cumsum(rep) - rep, rep)
    cands = b.cand_by_sector[np.repeat(starts[lsec_of_line[sel]], rep) + offs]
    b.rows.entries(fam, gg, 0, b.cand_rank[cands], b.lam[cands], np.repeat(lmin[line_req[sel]], rep).astype(float))


def _takes_part_link(b: _Build) -> None:
    """``takes_part_link[n,u,s]`` (strong formulation)."""
    fam, nat_code = b.family(), b.nat_code
    m = b.needed[nat_code]  # placements of nations with y, by nation (by_nation order), then triple order
    sub = _rank_within(nat_code)
    b.rows.rows(fam, nat_code[m], sub[m], -INF, 0.0)
    b.rows.entries(fam, nat_code[m], sub[m], 0, b.x[m], 1.0)
    b.rows.entries(fam, nat_code[m], sub[m], 1, b.y_of[nat_code[m]], -b.ub[m].astype(float))


def _stage2_objective(b: _Build) -> None:
    """``fair_excess[n]``, then ``fair_deficit[n]``; e where fairness is weighted."""
    b.fair = fair = b.nations["fair_personnel"].to_numpy(dtype=float)[b.nat_ids]
    n = b.n_nat_placed
    if b.sc.weight_fairness <= 0:
        b.e = np.zeros(0, dtype=np.int64)
        return
    b.e = e = b.declare(n, 0.0, INF, False)
    excess, deficit = b.family(), b.family()
    b.rows.rows(excess, np.arange(n), 0, -fair, INF)
    b.rows.rows(deficit, np.arange(n), 0, fair, INF)
    b.rows.entries(excess, np.arange(n), 0, -1, e, 1.0)
    b.rows.entries(excess, b.nat_code, 0, b.tri, b.x, -b.p.astype(float))
    b.rows.entries(deficit, np.arange(n), 0, -1, e, 1.0)
    b.rows.entries(deficit, b.nat_code, 0, b.tri, b.x, b.p.astype(float))


def _churn(b: _Build) -> None:
    """``churn_in``/``churn_out``: none in one period, the only plan the floor builds."""
    assert b.data.periods == 1


#: The floor's counterpart of each family of :mod:`optimizer.model`, by the model's function name.
FAMILIES = {
    "define_pledge_limits": _pledge_limits,
    "define_personnel_caps": _personnel_caps,
    "define_minimum_contributions": _minimum_contributions,
    "define_budgets": _budgets,
    "define_interoperability": _interoperability,
    "define_leads": _leads,
    "define_line_limits": _line_limits,
    "define_shortfall": _shortfall,
    "define_lead_cover": _lead_cover,
    "define_takes_part_link": _takes_part_link,
    "define_churn": _churn,
    "define_stage2_objective": _stage2_objective,
}


def _refuse(data: PlanningData) -> None:
    """The floor is the one-period plain plan: what it cannot build is refused, never ignored."""
    if data.reserve_priority is not None or data.fairness_cap is not None:
        raise ValueError("the floor builds the plain plan only: it has no backfill reserves and no fairness cap")
    if data.periods > 1:
        raise ValueError("the floor builds one period only (contract sections 1-4); the model over periods is pyomo's")


def build_floor(data: PlanningData, strong: bool = True) -> FloorModel:
    """Assemble the model of ``optimizer.model.build_model(data, strong)`` with numpy, family by family
    in the model's own order (:func:`optimizer.model.families`); it refuses the analysis options."""
    import highspy

    from optimizer.model import families

    _refuse(data)
    b = _Build(data, strong)
    _unit_variables(b)
    for name in families(strong, analysis=False):
        if name not in FAMILIES:
            raise ValueError(f"the floor has no counterpart of the model's {name}")
        FAMILIES[name](b)

    sc, nations, nT, x, p = data.scenario, b.nations, b.nT, b.x, b.p
    short, pos_line, weight, gap, targets, e = b.short, b.pos_line, b.weight, b.gap, b.targets, b.e
    lower, upper, start, row_id, cols, vals = b.rows.assemble()

    # ---- columns numbered by first appearance; objective-only columns (fixed slacks) last
    lo = np.concatenate(b.col_lower)
    hi = np.concatenate(b.col_upper)
    integer = np.concatenate(b.col_int)
    seen, first_at = np.unique(cols, return_index=True)
    order = seen[np.argsort(first_at, kind="stable")]  # every column is in some row
    new_of = np.full(b.ncol, -1, dtype=np.int64)
    new_of[order] = np.arange(len(order))
    n = len(order)

    cost1 = np.zeros(b.ncol)
    cost1[short[pos_line]] = weight[pos_line]
    cost1[gap[targets > 0]] = 1.0
    cost2 = np.zeros(b.ncol)
    cost2[x] = sc.weight_cost * b.cost
    cost2[e] = sc.weight_fairness * 1.0
    if sc.weight_nations > 0:
        cost2[b.y_of[b.y_of >= 0]] = sc.weight_nations * 1.0
    unplaced_mask = np.ones(len(nations), dtype=bool)
    unplaced_mask[b.nat_ids] = False
    unplaced = float(sum(nations["fair_personnel"].to_numpy(dtype=float)[unplaced_mask].tolist()))
    offset2 = sc.weight_fairness * unplaced

    # column-wise matrix for passModel
    entry_col = new_of[cols]
    corder = np.lexsort((row_id, entry_col))
    a_index = row_id[corder].astype(np.int32)
    a_value = vals[corder]
    a_start = np.searchsorted(entry_col[corder], np.arange(n + 1)).astype(np.int32)

    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(lower)
    lp.col_cost_ = cost1[order]
    lp.col_lower_ = lo[order]
    lp.col_upper_ = hi[order]
    lp.row_lower_ = lower
    lp.row_upper_ = upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a_start
    lp.a_matrix_.index_ = a_index
    lp.a_matrix_.value_ = a_value
    if integer.any():  # (HiGHS keeps no integrality list for a pure LP)
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer[order]]

    score_cols = np.concatenate([short[pos_line], gap[targets > 0]])
    score_w = np.concatenate([weight[pos_line], np.ones(int((targets > 0).sum()))])
    nat_of_e = np.arange(b.n_nat_placed) if len(e) else np.zeros(0, dtype=np.int64)
    scope_masks = [np.ones(nT, dtype=bool) if g == "force" else (b.dom == g) for g, t_ in zip(SCOPES, targets) if t_ > 0]
    start_parts = {
        "line_of": b.line_of, "nlines": b.nlines, "short_col": new_of[short[pos_line]], "short_need": b.lmin[pos_line],
        "short_line": np.flatnonzero(pos_line), "gap_col": new_of[gap[targets > 0]], "gap_target": targets[targets > 0],
        "scope_masks": scope_masks, "y_col": new_of[b.y_of[b.needed]], "y_nation": np.flatnonzero(b.needed),
        "pair_of_x": b.ns_code, "n_pairs": b.n_ns, "z_col": new_of[b.z_of[b.z_pairs]], "z_pair": b.z_pairs,
        "v_col": new_of[b.v], "lead_pair": b.cand_pair,
    }
    return FloorModel(
        highs_lp=lp,
        num_col=n,
        x_col=new_of[x],
        lead_col=new_of[b.lam],
        lead_pairs=b.lead_pairs,
        fair_col=new_of[e],
        fair_nation=nat_of_e,
        nat_of_x=b.nat_code,
        personnel=p,
        fair_value=b.fair,
        score_cols=new_of[score_cols],
        score_weights=score_w,
        stage1_cost=cost1[order],
        stage2_cost=cost2[order],
        stage2_offset=offset2,
        integer_columns=int(integer.sum()),
        start_parts=start_parts,
    )


def _start(fm: FloorModel, col: np.ndarray) -> np.ndarray:
    """The MIP start for stage 2 from stage 1's columns, computed as the pyomo path computes it:
    every variable from the units (slacks at max(0, ·), y, z, lead and v as the plan has them,
    each fairness deviation at its least)."""
    sp = fm.start_parts
    units = np.maximum(np.rint(col[fm.x_col]), 0.0)
    pers = units * fm.personnel
    start = np.zeros(fm.num_col)
    start[fm.x_col] = units
    per_line = np.bincount(sp["line_of"], weights=units, minlength=sp["nlines"])
    start[sp["short_col"]] = np.maximum(0.0, sp["short_need"] - per_line[sp["short_line"]])
    for c, target, mask in zip(sp["gap_col"], sp["gap_target"], sp["scope_masks"]):
        start[c] = max(0.0, float(target) - float(pers[mask].sum()))
    placed = np.bincount(fm.nat_of_x, weights=pers, minlength=len(fm.fair_value))
    start[sp["y_col"]] = (placed[sp["y_nation"]] > 0).astype(float)
    per_pair = np.bincount(sp["pair_of_x"], weights=pers, minlength=sp["n_pairs"])
    start[sp["z_col"]] = (per_pair[sp["z_pair"]] > 0).astype(float)
    lead = (col[fm.lead_col] > 0.5).astype(float)
    start[fm.lead_col] = lead
    start[sp["v_col"]] = np.where(lead > 0, per_pair[sp["lead_pair"]], 0.0)
    if len(fm.fair_col):
        start[fm.fair_col] = np.abs(placed[fm.fair_nation] - fm.fair_value[fm.fair_nation])
    return start


def _highs(time_limit: float, rel_gap: float, abs_gap: float):
    """A HiGHS instance with exactly the options optimizer.solve gives its own."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", RANDOM_SEED)
    h.setOptionValue("time_limit", max(time_limit, 0.01))
    h.setOptionValue("mip_rel_gap", rel_gap)
    h.setOptionValue("mip_abs_gap", abs_gap)
    return h


def _status(h):
    import highspy

    info = h.getInfo()
    has = info.primal_solution_status == 2
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    incumbent = info.objective_function_value if has else None
    bound = info.mip_dual_bound if info.mip_node_count != -1 else (incumbent if optimal else None)
    return has, optimal, incumbent, bound, info


def _frame(data: PlanningData, units: np.ndarray) -> pd.DataFrame:
    t = data.triples
    chosen = units > 0
    return pd.DataFrame({"nation": t["nation"].to_numpy()[chosen], "unit_type": t["unit_type"].to_numpy()[chosen],
                         "sector": t["sector"].to_numpy()[chosen], "period": t["period"].to_numpy()[chosen], "units": units[chosen]})


def _certify(data, fm: FloorModel, h, stage: str, col, incumbent, bound, start: str, timings: dict, best_score=None) -> dict:
    """The stage's certificate as the product makes it (:mod:`optimizer.certify`): the objective
    recomputed from the plan's units, HiGHS's figures checked against it.  (The product's
    recovery re-runs are left out: the floor measures the first run.)"""
    t0 = time.perf_counter()
    attempt = Attempt(start=start, presolve="on", termination=h.modelStatusToString(h.getModelStatus()))
    if col is not None:
        units = np.rint(col[fm.x_col]).astype(np.int64)
        score, sharing = plan_objectives(data, _frame(data, units))
        cost = fm.stage1_cost if stage == "stage1" else fm.stage2_cost
        attempt.solver_objective = float(incumbent)
        attempt.bound = bound
        attempt.columns_objective = float(cost @ col) + (0.0 if stage == "stage1" else fm.stage2_offset)
        attempt.objective = score if stage == "stage1" else sharing
        attempt.score = score
    assess_attempt(attempt, best_score)
    certificate = judge_stage(stage, [attempt], attempt if col is not None else None, data.scenario.mip_gap)
    timings["certify"] = timings.get("certify", 0.0) + time.perf_counter() - t0
    return certificate


def solve_floor(data: PlanningData, strong: bool = True) -> Solution:
    """Both stages on the floor model, with the options and logic of :func:`optimizer.solve.solve`."""
    import highspy

    _refuse(data)
    sc = data.scenario
    start = time.perf_counter()
    timings = {"build": 0.0, "handover": 0.0, "stage1": 0.0, "stage2": 0.0}
    counts: dict[str, int] = {}
    if data.triples.empty:
        return empty_solution(data, start, timings)
    t0 = time.perf_counter()
    fm = build_floor(data, strong)
    timings["build"] = time.perf_counter() - t0
    deadline = start + sc.time_limit_s

    t0 = time.perf_counter()
    h = _highs(deadline - time.perf_counter(), 0.0, STAGE1_ABS_GAP)
    h.passModel(fm.highs_lp)
    timings["handover"] += time.perf_counter() - t0
    h.run()
    timings["stage1"] = h.getRunTime()
    has1, _, inc1, bnd1, info = _status(h)
    counts.update(stage1_nodes=int(max(info.mip_node_count, 0)), stage1_lp_iterations=int(max(info.simplex_iteration_count, 0)))
    t0 = time.perf_counter()
    col1 = np.asarray(h.getSolution().col_value) if has1 else None
    timings["handover"] += time.perf_counter() - t0
    cert1 = _certify(data, fm, h, "stage1", col1, inc1, bnd1, "none", timings)
    cert2 = None
    values = col1

    weighted = sc.weight_cost > 0 or sc.weight_fairness > 0 or sc.weight_nations > 0
    remaining = deadline - time.perf_counter()
    if has1 and weighted and remaining > 0.01:
        t0 = time.perf_counter()
        h.addRow(-INF, float(cert1["objective"]) + 0.5, len(fm.score_cols), fm.score_cols.astype(np.int32), fm.score_weights)
        h.changeColsCost(fm.num_col, np.arange(fm.num_col, dtype=np.int32), fm.stage2_cost)
        h.changeObjectiveOffset(fm.stage2_offset)
        h.setOptionValue("time_limit", max(remaining, 0.01))
        h.setOptionValue("mip_rel_gap", sc.mip_gap)
        h.setOptionValue("mip_abs_gap", 1e-6)
        sol = highspy.HighsSolution()
        sol.col_value = _start(fm, col1)
        sol.value_valid = True
        h.setSolution(sol)
        timings["handover"] += time.perf_counter() - t0
        before = h.getRunTime()
        h.run()
        timings["stage2"] = h.getRunTime() - before
        has2, _, inc2, bnd2, info = _status(h)
        counts.update(stage2_nodes=int(max(info.mip_node_count, 0)), stage2_lp_iterations=int(max(info.simplex_iteration_count, 0)))
        t0 = time.perf_counter()
        col2 = np.asarray(h.getSolution().col_value) if has2 else None
        timings["handover"] += time.perf_counter() - t0
        cert2 = _certify(data, fm, h, "stage2", col2, inc2, bnd2, "stage-1 plan", timings, best_score=cert1["objective"])
        if has2:
            values = col2
    status = overall_status(cert1, cert2)  # the product's own rule (optimizer.certify)
    skipped = weighted and has1 and cert2 is None  # no time was left for stage 2
    if skipped and status == "optimal":
        status = "time_limit"
    gap = plan_gap(cert1, cert2, plan_objectives(data, _frame(data, np.rint(col1[fm.x_col]).astype(np.int64)))[1] if skipped else None)
    stage2_value = cert2["objective"] if cert2 else None

    t = data.triples
    if values is not None:
        units = np.rint(values[fm.x_col]).astype(np.int64)
    else:
        units = np.zeros(len(t), dtype=np.int64)
    frame = _frame(data, units)
    held = set(frame["sector"])
    leads = []
    if values is not None:
        for (n, s), col in zip(fm.lead_pairs, fm.lead_col):
            if s in held and values[col] > 0.5:
                leads.append((s, 1, n))
    order = {s: i for i, s in enumerate(data.sectors.index)}
    leads.sort(key=lambda r: order[r[0]])
    counts.update(columns=h.getNumCol(), integer_columns=fm.integer_columns, rows=h.getNumRow(), nonzeros=h.getNumNz(), placements=len(t))
    return Solution(
        units=frame,
        leads=pd.DataFrame(leads, columns=LEAD_COLUMNS),
        status=status,
        stage1_proven=cert1["verdict"] == "proven",
        stage1_score=float(cert1["objective"]) if has1 else float("nan"),
        stage2_objective=stage2_value,
        gap=float(gap),
        solver_name="HiGHS (floor)",
        solver_version=f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}",
        seconds=time.perf_counter() - start,
        timings=timings,
        counts=counts,
    )
