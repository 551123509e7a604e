"""What a nation's liaison does, each step checked and recorded through the session's gate.

A liaison edits its own nation's offer (:func:`own_offer`), submits it
(:func:`submit`), follows its submissions (:func:`own_submissions`) and sees
the plan as :func:`optimizer.workbench.views.nation_view` cuts it
(:func:`plan_for`); a planner reviews (:func:`pending`, :func:`decide`).  The
nation always comes from the signed-in user, never from the request, so a
crafted call or upload naming another nation is refused here — the pages
only draw what these functions return.
"""

from __future__ import annotations

import pandas as pd

from optimizer.workbench.access import AccessDenied, Role
from optimizer.workbench.gate import Gate
from optimizer.workbench.inputs import Inputs
from optimizer.workbench.offers import Submission, SubmissionStore, apply_offer, check_offer, offer_changes, offer_of
from optimizer.workbench.views import nation_view


def _nation(gate: Gate) -> str:
    if gate.user.role is not Role.LIAISON or not gate.user.nation:
        raise AccessDenied(f"{gate.user.label} is not a nation's liaison")
    return gate.user.nation


def own_offer(gate: Gate, inputs: Inputs) -> dict[str, pd.DataFrame]:
    """The liaison's own rows of Nations, Pledges and Caveats."""
    nation = _nation(gate)
    gate.allow("edit own offer", nation=nation)
    return offer_of(inputs, nation)


def changes(gate: Gate, inputs: Inputs, tables: dict[str, pd.DataFrame]) -> list[str]:
    """What the liaison's edited offer changes (checked: only its own rows)."""
    nation = _nation(gate)
    gate.allow("edit own offer", nation=nation)
    return offer_changes(inputs, nation, tables)


def submit(gate: Gate, store: SubmissionStore, inputs: Inputs, tables: dict[str, pd.DataFrame], note: str = "") -> Submission:
    """Submit the liaison's offer (every row checked to be its own nation's), recorded."""
    nation = _nation(gate)
    for sheet, frame in tables.items():  # a crafted upload is refused before anything is kept, and the attempt recorded
        for value in frame.get("nation", pd.Series(dtype=object)).tolist():
            if value != nation:
                gate.allow("submit own offer", "submit offer", {"sheet": sheet}, nation=value)
    gate.allow("submit own offer", nation=nation)
    sub = store.submit(gate.user.id, nation, tables, inputs, note)
    gate.record("submit offer", {"nation": nation, "submission": sub.id, "changes": sub.changes})
    return sub


def own_submissions(gate: Gate, store: SubmissionStore) -> list[Submission]:
    nation = _nation(gate)
    gate.allow("submit own offer", nation=nation)
    return store.list(nation=nation)


def pending(gate: Gate, store: SubmissionStore) -> list[Submission]:
    gate.allow("review offers")
    return store.list(status="pending")


def decided(gate: Gate, store: SubmissionStore) -> list[Submission]:
    gate.allow("review offers")
    return [s for s in store.list() if s.status != "pending"]


def decide(gate: Gate, store: SubmissionStore, ident: str, inputs: Inputs, *, accept: bool, reason: str = "") -> tuple[Submission, Inputs]:
    """Accept (the offer replaces the nation's rows of ``inputs``) or reject with a reason; recorded."""
    gate.allow("review offers")
    sub = store.get(ident)
    new = apply_offer(inputs, sub.nation, check_offer(sub.frames(), sub.nation)) if accept else inputs
    diff = offer_changes(inputs, sub.nation, sub.frames()) if accept else []
    sub = store.decide(ident, gate.user.id, "accepted" if accept else "rejected", reason)
    gate.record("accept offer" if accept else "reject offer",
                {"nation": sub.nation, "submission": sub.id, **({"changes": diff} if accept else {"reason": sub.reason})})
    return sub, new


def plan_for(gate: Gate, plan: dict) -> dict:
    """The plan as the user may see it: whole for planners, admins and viewers, cut to its nation for a liaison."""
    if gate.can("see plans"):
        return plan
    nation = _nation(gate)
    gate.allow("see own plan", nation=nation)
    return nation_view(plan, nation)
