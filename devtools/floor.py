"""The floor: the same model built straight on highspy from numpy arrays.

This is the lower bound the pyomo path (:mod:`optimizer.model`,
:mod:`optimizer.solve`) is measured against: the *same* matrix, bounds,
integrality and objectives — row for row and column for column, so HiGHS
takes the same path — assembled with vectorised numpy instead of pyomo
expressions and passed with one ``passModel`` call.  What separates the two
paths' end-to-end times is then only build and hand-over.

Rows are produced family by family in the order ``build_model`` writes them;
each entry carries a sort key (family, group, row within group, position in
the row), and the columns are numbered by first appearance, as pyomo's
persistent interface numbers them.  ``tests/test_formulations.py`` checks the
two LPs are identical and that both reach the same stage-1 score.

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
from optimizer.certify import relative_gap as _relative_gap
from optimizer.solution import Solution
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
    stage2_cost: np.ndarray  # full column cost vector of stage 2
    stage2_offset: float
    integer_columns: int
    # what a MIP start is computed from (as optimizer.solve._Session._start does)
    start_parts: dict = field(default_factory=dict)


def build_floor(data: PlanningData, strong: bool = True) -> FloorModel:
    """Assemble the model of ``optimizer.model.build_model(data, strong)`` with numpy (the plain plan's families only)."""
    import highspy

    if data.reserve_priority is not None or data.fairness_cap is not None:
        raise ValueError("the floor builds the plain plan only: it has no backfill reserves and no fairness cap")

    from optimizer.model import STRENGTHENINGS

    sc = data.scenario
    t = data.triples
    nT = len(t)
    nations = data.nations
    # every name as an integer id, once: nations, unit types and sectors by their tables' order
    nat = nations.index.get_indexer(t["nation"]).astype(np.int64)
    unit = data.unit_types.index.get_indexer(t["unit_type"]).astype(np.int64)
    sec = data.sectors.index.get_indexer(t["sector"]).astype(np.int64)
    n_units, n_sectors = len(data.unit_types), len(data.sectors)
    ub = t["upper_bound"].to_numpy(dtype=np.int64)
    p = t["personnel"].to_numpy(dtype=np.int64)
    cost = t["cost_musd"].to_numpy(dtype=float)
    dom = t["domain"].to_numpy()
    tri = np.arange(nT)

    # ---- provisional columns: x, y, z, lead, v, short, gap, e -------------------------
    ncol = 0

    def new_cols(n: int) -> np.ndarray:
        nonlocal ncol
        ids = np.arange(ncol, ncol + n)
        ncol += n
        return ids

    col_lower: list[np.ndarray] = []
    col_upper: list[np.ndarray] = []
    col_int: list[np.ndarray] = []

    def declare(n, lower, upper, integer):
        ids = new_cols(n)
        col_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)).astype(float))
        col_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)).astype(float))
        col_int.append(np.full(n, integer, dtype=bool))
        return ids

    x = declare(nT, 0.0, ub.astype(float), True)
    nat_code, n_nat_placed = _codes(nat)  # by_nation order
    nat_ids = np.empty(n_nat_placed, dtype=np.int64)
    nat_ids[nat_code] = nat  # global id of each placed nation, in by_nation order
    cap = nations["cap_personnel"].to_numpy(dtype=np.int64)[nat_ids]
    minimum = nations["min_personnel"].to_numpy(dtype=np.int64)[nat_ids]
    reach_n = np.minimum(cap, np.bincount(nat_code, weights=ub * p, minlength=n_nat_placed).astype(np.int64))
    rows = _Rows()
    FAM = iter(range(100))

    # ---- H2 pledges
    fam = next(FAM)
    g, ng = _codes(nat, unit)
    size = np.bincount(g, minlength=ng)
    sum_ub = np.bincount(g, weights=ub, minlength=ng)
    first = np.unique(g, return_index=True)[1]
    pledged = np.zeros(len(nations) * n_units)
    pn = nations.index.get_indexer(data.pledges["nation"])
    pu = data.unit_types.index.get_indexer(data.pledges["unit_type"])
    pledged[pn * n_units + pu] = data.pledges["max_units"].to_numpy(dtype=float)
    q = pledged[nat[first] * n_units + unit[first]]
    sel = (size > 1) & (sum_ub > q)
    rows.rows(fam, np.flatnonzero(sel), 0, -INF, q[sel])
    m = sel[g]
    rows.entries(fam, g[m], 0, tri[m], x[m], 1.0)

    # ---- H4 caps
    fam = next(FAM)
    sel = np.bincount(nat_code, weights=ub * p, minlength=n_nat_placed) > cap
    rows.rows(fam, np.flatnonzero(sel), 0, -INF, cap[sel].astype(float))
    m = sel[nat_code]
    rows.entries(fam, nat_code[m], 0, tri[m], x[m], p[m].astype(float))

    # ---- H5 minimum contributions
    fam = next(FAM)
    needed = (minimum > 0) | (sc.weight_nations > 0)
    y_of = np.full(n_nat_placed, -1, dtype=np.int64)
    y_of[needed] = declare(int(needed.sum()), 0.0, 1.0, True)
    has_min = needed & (minimum > 0)
    # min row (sub 0): P − μ·y ≥ 0 ; link row (sub 1): P − R·y ≤ 0
    rows.rows(fam, np.flatnonzero(has_min), 0, 0.0, INF)
    rows.rows(fam, np.flatnonzero(needed), 1, -INF, 0.0)
    rows.entries(fam, np.flatnonzero(has_min), 0, nT, y_of[has_min], -minimum[has_min].astype(float))
    m = has_min[nat_code]
    rows.entries(fam, nat_code[m], 0, tri[m], x[m], p[m].astype(float))
    m = needed[nat_code]
    rows.entries(fam, nat_code[m], 1, tri[m], x[m], p[m].astype(float))
    rows.entries(fam, np.flatnonzero(needed), 1, nT, y_of[needed], -reach_n[needed].astype(float))

    # ---- H6 budgets
    fam = next(FAM)
    budget = pd.to_numeric(nations["budget_musd"], errors="coerce").to_numpy(dtype=float)[nat_ids]
    full_cost = np.bincount(nat_code, weights=ub * cost, minlength=n_nat_placed)
    sel = ~np.isnan(budget) & (full_cost > np.nan_to_num(budget, nan=INF))
    rows.rows(fam, np.flatnonzero(sel), 0, -INF, budget[sel])
    m = sel[nat_code]
    rows.entries(fam, nat_code[m], 0, tri[m], x[m], cost[m])

    # ---- H7 interoperability
    fam = next(FAM)
    K = sc.max_nations_per_sector
    sec_code, n_sec = _codes(sec)  # by_sector order
    ns_code, n_ns = _codes(sec, nat)  # (s, n) pairs by first appearance
    ns_first = np.unique(ns_code, return_index=True)[1]
    ns_sector = sec_code[ns_first]
    nations_in_sector = np.bincount(ns_sector, minlength=n_sec)
    z_sector = (nations_in_sector > K) if K is not None else np.zeros(n_sec, dtype=bool)
    # present_pairs order: sectors in by_sector order, nations by first appearance within
    pair_order = np.lexsort((np.arange(n_ns), ns_sector))
    z_pairs = pair_order[z_sector[ns_sector[pair_order]]]
    z_of = np.full(n_ns, -1, dtype=np.int64)
    z_of[z_pairs] = declare(len(z_pairs), 0.0, 1.0, True)
    pair_rank = np.empty(n_ns, dtype=np.int64)
    pair_rank[z_pairs] = np.arange(len(z_pairs))
    # link rows x_k − ub_k z ≤ 0: group = pair rank, sub = position of k within the pair
    m = z_of[ns_code] >= 0
    k_rank = _rank_within(ns_code)
    grp = pair_rank[ns_code[m]]
    rows.rows(fam, grp, k_rank[m], -INF, 0.0)
    rows.entries(fam, grp, k_rank[m], 0, x[m], 1.0)
    rows.entries(fam, grp, k_rank[m], 1, z_of[ns_code[m]], -ub[m].astype(float))
    # cardinality rows, after every link row: group = len(z_pairs) + rank of the sector
    zs = np.flatnonzero(z_sector)
    sector_rank = np.full(n_sec, -1, dtype=np.int64)
    sector_rank[zs] = np.arange(len(zs))
    rows.rows(fam, len(z_pairs) + sector_rank[zs], 0, -INF, float(K) if K is not None else INF)
    zp_sector = ns_sector[z_pairs]
    rows.entries(fam, len(z_pairs) + sector_rank[zp_sector], 0, np.arange(len(z_pairs)), z_of[z_pairs], 1.0)

    # ---- H8 leads
    fam = next(FAM)
    lc = data.lead_candidates
    L = len(lc)
    lead_pairs = list(zip(lc["nation"], lc["sector"]))
    lam = declare(L, 0.0, 1.0, True)
    M = lc["max_personnel"].to_numpy(dtype=np.int64) if L else np.zeros(0, dtype=np.int64)
    v = declare(L, 0.0, M.astype(float), False)
    if L:
        lc_sec = data.sectors.index.get_indexer(lc["sector"]).astype(np.int64)
        lc_nat = nations.index.get_indexer(lc["nation"]).astype(np.int64)
        lsec_code, n_lsec = _codes(lc_sec)  # by_sector (lead) order
        lnat_code, _ = _codes(lc_nat)  # by_nation (lead) order
        cand_rank = _rank_within(lsec_code)  # position among the sector's candidates
        # map lead sectors to triple sector codes and (n,s) pairs
        sec_ids = np.empty(n_sec, dtype=np.int64)
        sec_ids[sec_code] = sec  # global id of each sector with placements, in by_sector order
        tsec_of_global = np.full(n_sectors, -1, dtype=np.int64)
        tsec_of_global[sec_ids] = np.arange(n_sec)
        lsec_ids = np.empty(n_lsec, dtype=np.int64)
        lsec_ids[lsec_code] = lc_sec
        lsec_to_tsec = tsec_of_global[lsec_ids]
        tsec_to_lsec = np.full(n_sec, -1, dtype=np.int64)
        tsec_to_lsec[lsec_to_tsec] = np.arange(n_lsec)
        pair_of = np.full(n_sectors * len(nations), -1, dtype=np.int64)
        pair_of[sec[ns_first] * len(nations) + nat[ns_first]] = np.arange(n_ns)  # ns_first is in code order
        cand_pair = pair_of[lc_sec * len(nations) + lc_nat]
        n_cands = np.bincount(lsec_code, minlength=n_lsec)
        in_lead = tsec_to_lsec[sec_code] >= 0
        k_in_sector = _rank_within(sec_code)
        n_k = np.bincount(sec_code, minlength=n_sec)
        # sub-rows per sector: 0 = Σλ ≤ 1; 1..K = per placement link; then 3 per candidate; then share row
        base_k = 1
        base_c = 1 + n_k[lsec_to_tsec]  # per lead sector
        share_sub = base_c + 3 * n_cands
        rows.rows(fam, np.arange(n_lsec), 0, -INF, 1.0)
        rows.entries(fam, lsec_code, 0, cand_rank, lam, 1.0)
        # x_k − ub_k Σλ ≤ 0 for every placement in the sector
        km = np.flatnonzero(in_lead)
        kg = tsec_to_lsec[sec_code[km]]
        ksub = base_k + k_in_sector[km]
        rows.rows(fam, kg, ksub, -INF, 0.0)
        rows.entries(fam, kg, ksub, 0, x[km], 1.0)
        # λ entries: for each placement, each candidate of its sector
        rep = n_cands[kg]
        kk = np.repeat(km, rep)
        kgr = np.repeat(kg, rep)
        cand_by_sector = np.argsort(lsec_code * (L + 1) + cand_rank, kind="stable")  # candidates grouped by sector
        starts = np.r_[0, np.cumsum(n_cands)[:-1]]
        offs = np.arange(len(kk)) - np.repeat(np.cumsum(rep) - rep, rep)
        cands = cand_by_sector[np.repeat(starts[kg], rep) + offs]
        rows.entries(fam, kgr, base_k + k_in_sector[kk], 1 + cand_rank[cands], lam[cands], -ub[kk].astype(float))
        # per candidate: λ − Σx ≤ 0 ; v − P_ns ≤ 0 ; v − M λ ≤ 0
        csub = base_c[lsec_code] + 3 * cand_rank
        rows.rows(fam, lsec_code, csub, -INF, 0.0)
        rows.rows(fam, lsec_code, csub + 1, -INF, 0.0)
        rows.rows(fam, lsec_code, csub + 2, -INF, 0.0)
        rows.entries(fam, lsec_code, csub, -1, lam, 1.0)
        rows.entries(fam, lsec_code, csub + 1, -1, v, 1.0)
        rows.entries(fam, lsec_code, csub + 2, 0, v, 1.0)
        rows.entries(fam, lsec_code, csub + 2, 1, lam, -M.astype(float))
        # placements of each candidate pair
        cand_of_pair = np.full(n_ns, -1, dtype=np.int64)
        cand_of_pair[cand_pair] = np.arange(L)
        pm = np.flatnonzero(cand_of_pair[ns_code] >= 0)
        pc = cand_of_pair[ns_code[pm]]
        rows.entries(fam, lsec_code[pc], csub[pc], tri[pm], x[pm], -1.0)
        rows.entries(fam, lsec_code[pc], csub[pc] + 1, tri[pm], x[pm], -p[pm].astype(float))
        # share: Σ v − θ·P_s ≥ 0
        share = sc.lead_share
        if share > 0:
            rows.rows(fam, np.arange(n_lsec), share_sub, 0.0, INF)
            rows.entries(fam, lsec_code, share_sub[lsec_code], -L - 1 + cand_rank, v, 1.0)
            rows.entries(fam, kg, share_sub[kg], k_in_sector[km], x[km], -(share * p[km].astype(float)))
        # a nation leads one sector: after every sector's rows
        n_lnat = lnat_code.max() + 1
        nsec_of = np.bincount(lnat_code, minlength=n_lnat)
        multi = np.flatnonzero(nsec_of > 1)
        rows.rows(fam, n_lsec + multi, 0, -INF, 1.0)
        cm = nsec_of[lnat_code] > 1
        rows.entries(fam, n_lsec + lnat_code[cm], 0, np.flatnonzero(cm), lam[cm], 1.0)

    # ---- H9 line limits
    fam = next(FAM)
    req = data.requirements
    line_table = np.full(n_units * n_sectors, -1, dtype=np.int64)
    line_table[data.unit_types.index.get_indexer(req["unit_type"]) * n_sectors + data.sectors.index.get_indexer(req["sector"])] = np.arange(len(req))
    line_of = line_table[unit * n_sectors + sec]
    nlines = len(req)
    lmax = pd.to_numeric(req["max_units"], errors="coerce").to_numpy(dtype=float)
    lsize = np.bincount(line_of, minlength=nlines)
    lsum = np.bincount(line_of, weights=ub, minlength=nlines)
    sel = ~np.isnan(lmax) & (lsize > 1) & (lsum > np.nan_to_num(lmax, nan=INF))
    rows.rows(fam, np.flatnonzero(sel), 0, -INF, lmax[sel])
    m = sel[line_of]
    rows.entries(fam, line_of[m], 0, tri[m], x[m], 1.0)

    # ---- shortfall (stage 1)
    fam = next(FAM)
    lmin = req["min_units"].to_numpy(dtype=np.int64)
    weight = (req["weight"].to_numpy(dtype=np.int64) * req["personnel"].to_numpy(dtype=np.int64)).astype(float)
    pos_line = lmin > 0
    short = np.full(nlines, -1, dtype=np.int64)
    short[pos_line] = declare(int(pos_line.sum()), 0.0, lmin[pos_line].astype(float), False)
    rows.rows(fam, np.flatnonzero(pos_line), 0, lmin[pos_line].astype(float), INF)
    rows.entries(fam, np.flatnonzero(pos_line), 0, -1, short[pos_line], 1.0)
    m = pos_line[line_of]
    rows.entries(fam, line_of[m], 0, tri[m], x[m], 1.0)
    targets = np.array([sc.target(g) for g in SCOPES], dtype=np.int64)
    gap = np.full(len(SCOPES), -1, dtype=np.int64)
    gap[targets > 0] = declare(int((targets > 0).sum()), 0.0, targets[targets > 0].astype(float), False)
    for gi, scope in enumerate(SCOPES):
        if targets[gi] <= 0:
            continue
        m = np.ones(nT, dtype=bool) if scope == "force" else (dom == scope)
        rows.rows(fam, [nlines + gi], 0, float(targets[gi]), INF)
        rows.entries(fam, [nlines + gi], 0, -1, gap[gi], 1.0)
        rows.entries(fam, np.full(int(m.sum()), nlines + gi), 0, tri[m], x[m], p[m].astype(float))

    # ---- strengthenings
    if strong:
        line_code, _ = _codes(line_of)  # by_line order: first appearance in the triples
        line_first = np.unique(line_code, return_index=True)[1]
        line_req = line_of[line_first]  # requirement row of each by_line group
        for name in STRENGTHENINGS:
            fam = next(FAM)
            if name == "lead_cover" and L:
                lsec_of_line = tsec_to_lsec[sec_code[line_first]]
                sel = (lsec_of_line >= 0) & (lmin[line_req] > 0)
                groups = np.flatnonzero(sel)
                rows.rows(fam, groups, 0, lmin[line_req[sel]].astype(float), INF)
                rows.entries(fam, groups, 0, -1, short[line_req[sel]], 1.0)
                rep = n_cands[lsec_of_line[sel]]
                gg = np.repeat(groups, rep)
                starts = np.r_[0, np.cumsum(n_cands)[:-1]]
                offs = np.arange(len(gg)) - np.repeat(np.cumsum(rep) - rep, rep)
                cands = cand_by_sector[np.repeat(starts[lsec_of_line[sel]], rep) + offs]
                rows.entries(fam, gg, 0, cand_rank[cands], lam[cands], np.repeat(lmin[line_req[sel]], rep).astype(float))
            elif name == "takes_part_link":
                m = needed[nat_code]  # placements of nations with y, by nation (by_nation order), then triple order
                sub = _rank_within(nat_code)
                rows.rows(fam, nat_code[m], sub[m], -INF, 0.0)
                rows.entries(fam, nat_code[m], sub[m], 0, x[m], 1.0)
                rows.entries(fam, nat_code[m], sub[m], 1, y_of[nat_code[m]], -ub[m].astype(float))
            elif name not in ("lead_cover",):
                raise ValueError(f"the floor does not know the strengthening {name!r}")

    # ---- stage 2: fairness rows
    fam = next(FAM)
    fair = nations["fair_personnel"].to_numpy(dtype=float)[nat_ids]
    if sc.weight_fairness > 0:
        e = declare(n_nat_placed, 0.0, INF, False)
        rows.rows(fam, np.arange(n_nat_placed), 0, -fair, INF)
        rows.rows(fam, np.arange(n_nat_placed), 1, fair, INF)
        rows.entries(fam, np.arange(n_nat_placed), 0, -1, e, 1.0)
        rows.entries(fam, nat_code, 0, tri, x, -p.astype(float))
        rows.entries(fam, np.arange(n_nat_placed), 1, -1, e, 1.0)
        rows.entries(fam, nat_code, 1, tri, x, p.astype(float))
    else:
        e = np.zeros(0, dtype=np.int64)

    lower, upper, start, row_id, cols, vals = rows.assemble()

    # ---- columns numbered by first appearance; objective-only columns (fixed slacks) last
    lo = np.concatenate(col_lower)
    hi = np.concatenate(col_upper)
    integer = np.concatenate(col_int)
    seen, first_at = np.unique(cols, return_index=True)
    order = seen[np.argsort(first_at, kind="stable")]  # every column is in some row
    new_of = np.full(ncol, -1, dtype=np.int64)
    new_of[order] = np.arange(len(order))
    n = len(order)

    cost1 = np.zeros(ncol)
    cost1[short[pos_line]] = weight[pos_line]
    cost1[gap[targets > 0]] = 1.0
    cost2 = np.zeros(ncol)
    cost2[x] = sc.weight_cost * cost
    cost2[e] = sc.weight_fairness * 1.0
    count_nations = sc.weight_nations > 0
    if count_nations:
        cost2[y_of[y_of >= 0]] = sc.weight_nations * 1.0
    unplaced_mask = np.ones(len(nations), dtype=bool)
    unplaced_mask[nat_ids] = False
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
    nat_of_e = np.arange(n_nat_placed) if len(e) else np.zeros(0, dtype=np.int64)
    scope_masks = [np.ones(nT, dtype=bool) if g == "force" else (dom == g) for g, t_ in zip(SCOPES, targets) if t_ > 0]
    start_parts = {
        "line_of": line_of, "nlines": nlines, "short_col": new_of[short[pos_line]], "short_need": lmin[pos_line],
        "short_line": np.flatnonzero(pos_line), "gap_col": new_of[gap[targets > 0]], "gap_target": targets[targets > 0],
        "scope_masks": scope_masks, "y_col": new_of[y_of[needed]], "y_nation": np.flatnonzero(needed),
        "pair_of_x": ns_code, "n_pairs": n_ns, "z_col": new_of[z_of[z_pairs]], "z_pair": z_pairs,
        "v_col": new_of[v], "lead_pair": cand_pair if L else np.zeros(0, dtype=np.int64),
    }
    return FloorModel(
        highs_lp=lp,
        num_col=n,
        x_col=new_of[x],
        lead_col=new_of[lam],
        lead_pairs=lead_pairs,
        fair_col=new_of[e],
        fair_nation=nat_of_e,
        nat_of_x=nat_code,
        personnel=p,
        fair_value=fair,
        score_cols=new_of[score_cols],
        score_weights=score_w,
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


def solve_floor(data: PlanningData, strong: bool = True) -> Solution:
    """Both stages on the floor model, with the options and logic of :func:`optimizer.solve.solve`."""
    import highspy

    if data.reserve_priority is not None or data.fairness_cap is not None:
        raise ValueError("the floor builds the plain plan only: it has no backfill reserves and no fairness cap")
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
    has1, proven1, inc1, bnd1, info = _status(h)
    counts.update(stage1_nodes=int(max(info.mip_node_count, 0)), stage1_lp_iterations=int(max(info.simplex_iteration_count, 0)))
    t0 = time.perf_counter()
    col1 = np.asarray(h.getSolution().col_value) if has1 else None
    timings["handover"] += time.perf_counter() - t0
    gap = 0.0 if proven1 else _relative_gap(inc1, bnd1)
    status = "optimal" if proven1 else "time_limit"
    stage2_value = None
    values = col1

    weighted = sc.weight_cost > 0 or sc.weight_fairness > 0 or sc.weight_nations > 0
    remaining = deadline - time.perf_counter()
    if has1 and weighted and remaining > 0.01:
        t0 = time.perf_counter()
        h.addRow(-INF, float(inc1) + 0.5, len(fm.score_cols), fm.score_cols.astype(np.int32), fm.score_weights)
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
        has2, proven2, inc2, bnd2, info = _status(h)
        counts.update(stage2_nodes=int(max(info.mip_node_count, 0)), stage2_lp_iterations=int(max(info.simplex_iteration_count, 0)))
        if has2:
            t0 = time.perf_counter()
            values = np.asarray(h.getSolution().col_value)
            timings["handover"] += time.perf_counter() - t0
            stage2_value = float(inc2)
            gap = _relative_gap(inc2, bnd2)
            if not proven2:
                status = "time_limit"
        else:
            status = "time_limit"
    elif weighted and has1:
        status = "time_limit"
    if not has1:
        status = "time_limit"

    t = data.triples
    if values is not None:
        units = np.rint(values[fm.x_col]).astype(np.int64)
    else:
        units = np.zeros(len(t), dtype=np.int64)
    chosen = units > 0
    frame = pd.DataFrame({"nation": t["nation"].to_numpy()[chosen], "unit_type": t["unit_type"].to_numpy()[chosen],
                          "sector": t["sector"].to_numpy()[chosen], "units": units[chosen]})
    held = set(frame["sector"])
    leads = []
    if values is not None:
        for (n, s), col in zip(fm.lead_pairs, fm.lead_col):
            if s in held and values[col] > 0.5:
                leads.append((s, n))
    order = {s: i for i, s in enumerate(data.sectors.index)}
    leads.sort(key=lambda r: order[r[0]])
    counts.update(columns=h.getNumCol(), integer_columns=fm.integer_columns, rows=h.getNumRow(), nonzeros=h.getNumNz(), placements=len(t))
    return Solution(
        units=frame,
        leads=pd.DataFrame(leads, columns=["sector", "nation"]),
        status=status,
        stage1_proven=proven1,
        stage1_score=float(inc1) if has1 else float("nan"),
        stage2_objective=stage2_value,
        gap=float(gap),
        solver_name="HiGHS (floor)",
        solver_version=f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}",
        seconds=time.perf_counter() - start,
        timings=timings,
        counts=counts,
    )
