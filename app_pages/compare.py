"""Compare page: two or more scenarios side by side (headlines, nations, lines, charts)."""

from __future__ import annotations

import streamlit as st

from app_pages import state
from app_pages.text import md
from optimizer.outputs import periods
from optimizer.workbench import charts, views
from optimizer.workbench.inputs import validate_cached
from optimizer.workbench.store import ScenarioError

ss = st.session_state
CURRENT = "(current inputs)"


@st.cache_data(show_spinner=False, max_entries=64)
def _load(models_dir: str, name: str, saved_at: str):
    """A saved scenario's inputs (as JSON) and plan, cached per save."""
    loaded = state.store().load(name)
    return loaded.inputs.to_json(), loaded.inputs.key, (loaded.solved.plan if loaded.solved else None)


def _plan_of(name: str, infos: dict) -> tuple[dict | None, str | None]:
    """(plan, inputs key) of a choice; the plan may come from the solver cache."""
    if name == CURRENT:
        solved, fresh = state.current_plan()
        return (solved.plan if solved is not None and fresh else None), ss.inputs.key
    info = infos[name]
    try:
        _, key, plan = _load(str(state.models_dir()), name, info.saved_at)
    except ScenarioError:
        return None, None
    if plan is None:
        cached = state.service().lookup(key)
        plan = cached.plan if cached else None
    return plan, key


def _solve_missing(names: list[str], infos: dict) -> None:
    from optimizer.workbench.inputs import Inputs

    state.guard("solve", "solve", {"scenarios": [n for n in names if n != CURRENT]})
    for name in names:
        if name == CURRENT:
            state.on_solve()
            continue
        try:
            payload, key, _ = _load(str(state.models_dir()), name, infos[name].saved_at)
            inputs, _ = Inputs.from_json(payload)
        except (ScenarioError, ValueError) as exc:
            state.flash("error", f"'{name}': {exc}")
            continue
        v = validate_cached(inputs)
        if v.ok:
            state.service().submit(inputs.key, v.data)
            ss.setdefault("cmp_waiting", set()).add(inputs.key)
        else:
            state.flash("error", f"'{name}' has {len(v.issues)} input problem(s); load it and fix them.")


@st.fragment(run_every=0.3)
def _waiting() -> None:
    keys = ss.get("cmp_waiting") or set()
    jobs = [state.service().job(k) for k in keys]
    if all(j is None or j.finished for j in jobs):
        ss.cmp_waiting = set()
        st.rerun()
    st.info(f"Solving {sum(1 for j in jobs if j and not j.finished)} scenario(s)…", icon=":material/hourglass_top:")


LOWER_IS_BETTER = ("shortfall score", "yearly cost (M USD)")


def _signed(frame, cols, plain=(), lower_is_better=()):
    """Δ columns signed and coloured (green better, red worse; rows in
    ``lower_is_better`` the other way round); ``plain`` columns with thousands separators."""

    def colours(column):
        out = []
        for label, v in column.items():
            good = (v < 0) if label in lower_is_better else (v > 0)
            out.append("" if not isinstance(v, (int, float)) or v == 0 else ("color: #1a7f37" if good else "color: #c62828"))
        return out

    formats = {c: "{:,.0f}" for c in plain}
    formats.update({c: (lambda v: "–" if v == 0 else f"{v:+,.0f}") for c in cols})
    return frame.style.apply(colours, subset=cols).format(formats, na_rep="—")


def render() -> None:
    state.show_flash()
    st.title("Compare scenarios")
    infos = {i.name: i for i in state.store().list(as_user=state.gate().user) if not i.problem}  # the user's and the shared
    options = [CURRENT, *infos]
    if "cmp_sel" not in ss:
        ss.cmp_sel = list(infos)[:2] if len(infos) >= 2 else options[:2]
    ss.cmp_sel = [c for c in ss.cmp_sel if c in options]
    chosen = st.multiselect("Scenarios to compare (the first is the baseline)", options, key="cmp_sel",
                            help="Saved scenarios, and the current inputs if they are solved")
    if len(chosen) < 2:
        st.info("Choose two or more scenarios.")
        return
    plans, missing = {}, []
    for name in chosen:
        plan, _ = _plan_of(name, infos)
        if plan is None:
            missing.append(name)
        else:
            plans[name] = plan
    over = [n for n, p in plans.items() if periods.over_time(p)]
    strength = views.compare_timeline(plans) if over and len(plans) >= 2 else None  # before the weakest-period views
    if over:  # a plan over time is compared in its weakest period (the Timeline page shows every period)
        plans = {n: periods.period_view(p, periods.weakest_period(p)) if n in over else p for n, p in plans.items()}
        st.caption("Planned over several periods, compared in their weakest period: " + ", ".join(
            f"'{md(n)}' ({plans[n]['period_view']['label']})" for n in over) + ".")
    if ss.get("cmp_waiting"):
        _waiting()
    elif missing:
        c1, c2 = st.columns([3, 1], vertical_alignment="center")
        c1.warning("Not solved: " + ", ".join(f"'{md(m)}'" for m in missing) + ". They are left out until solved.")
        if state.gate().can("solve"):
            c2.button("Solve them", on_click=_solve_missing, args=(missing, infos), key="cmp_solve")
    if len(plans) < 2:
        return

    names = list(plans)
    st.caption("Status: " + " · ".join(f"{md(n)}: {views.headline(p).status}" for n, p in plans.items()) +
               f". Δ columns are against '{md(names[0])}'.")
    head = views.compare_headlines(plans)
    deltas = [c for c in head.columns if str(c).startswith("Δ ")]
    with st.container(key="cmp_headline"):
        st.subheader("Headline figures")
        st.table(_signed(head, deltas, names, LOWER_IS_BETTER))
    if strength is not None:
        with st.container(key="cmp_timeline"):
            st.subheader("Strength per period")
            st.caption("Personnel in each period of each plan; a one-period plan counts as period 1.")
            sd = [c for c in strength.columns if str(c).startswith("Δ ")]
            st.dataframe(_signed(strength, sd, names), width="stretch")
    st.plotly_chart(charts.compare_nations_chart(plans), key="cmp_ch_nations", config={"displaylogo": False})
    st.plotly_chart(charts.compare_lines_chart(plans), key="cmp_ch_lines", config={"displaylogo": False})

    only = st.toggle("Show only what changes", value=True, key="cmp_only")
    nat = views.compare_nations(plans)
    nat = views.changed_only(nat) if only else nat
    st.subheader(f"Personnel by nation ({len(nat)})")
    nd = [c for c in nat.columns if str(c).startswith("Δ ")]
    st.dataframe(_signed(nat, nd, names), width="stretch")
    lines = views.compare_lines(plans)
    lines = views.changed_only(lines) if only else lines
    st.subheader(f"Requirement lines: filled units ({len(lines)})")
    ld = [c for c in lines.columns if str(c).startswith("Δ ")]
    st.dataframe(_signed(lines, ld), hide_index=True, width="stretch")


render()
