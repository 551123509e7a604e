"""Who may do what in the workbench: users, roles and the checks every action passes.

Roles (issue 17):

- ``admin``    everything, and the audit trail;
- ``planner``  all inputs, solve, analyses, scenarios, downloads, pledge submissions to review;
- ``viewer``   plans and reports, no inputs;
- ``liaison``  for one nation: its own Nations row, Pledges and Caveats, which it submits;
               it sees the plan's figures for its own nation and the coalition's totals only.

A user's role comes from the identity provider's ID token (a claim, by default
``forceplan_roles``, holding ``admin``, ``planner``, ``viewer`` or
``liaison:<nation>``, alone or in a list) or else from a roles file
(``FORCEPLAN_ROLES_FILE``, TOML)::

    claim = "forceplan_roles"          # optional: the claim to read

    [users."anna.berg@mod.example"]
    role = "planner"

    [users."jean.martin@defense.example"]
    role = "liaison"
    nation = "France"

A signed-in user with neither is refused.  Without sign-in configured the
workbench runs for one person on their own machine (:data:`LOCAL_USER`, an
admin), bound to 127.0.0.1.

:func:`require` is the one gate: the workbench's logic calls it before acting,
so hiding a widget is never the only protection.  Nothing here imports
Streamlit or pyomo.
"""

from __future__ import annotations

import enum
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CLAIM = "forceplan_roles"


class Role(str, enum.Enum):
    ADMIN = "admin"
    PLANNER = "planner"
    VIEWER = "viewer"
    LIAISON = "liaison"


#: The more powerful role wins when a token names several.
RANK = (Role.ADMIN, Role.PLANNER, Role.VIEWER, Role.LIAISON)

A, P, V, L = Role.ADMIN, Role.PLANNER, Role.VIEWER, Role.LIAISON
#: Every action the workbench guards, and the roles allowed it.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "see all inputs": frozenset({A, P}),       # every nation's offer, requirements, scenario
    "edit inputs": frozenset({A, P}),          # change, import, reset
    "solve": frozenset({A, P}),
    "analyse": frozenset({A, P}),              # why the gaps, withdrawal stress, frontiers
    "see plans": frozenset({A, P, V}),         # the whole plan of every nation
    "download plans": frozenset({A, P, V}),    # plan.xlsx, plan.json, report.pdf, analyses
    "download inputs": frozenset({A, P}),      # the edited workbook
    "list scenarios": frozenset({A, P, V}),
    "open scenarios": frozenset({A, P, V}),
    "save scenarios": frozenset({A, P}),
    "delete scenarios": frozenset({A, P}),
    "review offers": frozenset({A, P}),        # accept or reject a nation's submission
    "edit own offer": frozenset({L}),
    "submit own offer": frozenset({L}),
    "see own plan": frozenset({L}),            # the plan's figures of its nation and the totals
    "read audit": frozenset({A}),
}
del A, P, V, L


class AccessDenied(PermissionError):
    """An action the user's role does not allow (the message names both)."""


class RoleError(ValueError):
    """A roles file or token claim that cannot be read (the message says where)."""


@dataclass(frozen=True)
class User:
    """Who is acting: an ``id`` (the e-mail, else the token's subject), a display name, a role, a
    nation (liaisons only) and whether they signed in (False only for :data:`LOCAL_USER`)."""

    id: str
    name: str
    role: Role
    nation: str | None = None
    signed_in: bool = True

    def can(self, action: str) -> bool:
        if action not in PERMISSIONS:
            raise KeyError(f"unknown action {action!r}")
        return self.role in PERMISSIONS[action]

    @property
    def label(self) -> str:
        """How the user appears in the audit trail and on the page."""
        role = f"liaison for {self.nation}" if self.role is Role.LIAISON else self.role.value
        return f"{self.name} ({role})" if self.name and self.name != self.id else f"{self.id} ({role})"


#: The one user of a workbench without sign-in: the person at the keyboard of this machine.
LOCAL_USER = User(id="local", name="local user", role=Role.ADMIN, signed_in=False)


def require(user: User, action: str) -> None:
    """Raise :class:`AccessDenied` unless ``user`` may do ``action``."""
    if not user.can(action):
        raise AccessDenied(f"{user.label} may not {action}")


def require_nation(user: User, nation: object) -> None:
    """A liaison may only touch its own nation's rows; planners and admins any."""
    if user.role is Role.LIAISON and nation != user.nation:
        raise AccessDenied(f"{user.label} may not read or change the offer of {nation!r}")
    if user.role is Role.VIEWER:
        raise AccessDenied(f"{user.label} may not change offers")


# --------------------------------------------------------------------------- roles from the token or a file


def parse_role(value: object, where: str) -> tuple[Role, str | None]:
    """``admin``/``planner``/``viewer`` or ``liaison:<nation>`` → (role, nation)."""
    if not isinstance(value, str) or not value.strip():
        raise RoleError(f"{where}: a role must be text, not {value!r}")
    text = value.strip()
    name, _, nation = text.partition(":")
    try:
        role = Role(name.strip().lower())
    except ValueError:
        raise RoleError(f"{where}: unknown role {name.strip()!r} (admin, planner, viewer or liaison:<nation>)") from None
    nation = nation.strip() or None
    if role is Role.LIAISON and not nation:
        raise RoleError(f"{where}: a liaison needs its nation, as liaison:<nation>")
    if role is not Role.LIAISON and nation:
        raise RoleError(f"{where}: only a liaison has a nation ({text!r})")
    return role, nation


@dataclass(frozen=True)
class RolePolicy:
    """The roles file: the claim to read and the users it maps (by lower-case e-mail or subject)."""

    claim: str = DEFAULT_CLAIM
    users: Mapping[str, tuple[Role, str | None]] = None  # type: ignore[assignment]

    def __post_init__(self):
        if self.users is None:
            object.__setattr__(self, "users", {})


def load_policy(path: str | os.PathLike | None = None) -> RolePolicy:
    """The roles file at ``path`` (else ``FORCEPLAN_ROLES_FILE``); no file → claims only."""
    path = path or os.environ.get("FORCEPLAN_ROLES_FILE")
    if not path:
        return RolePolicy()
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RoleError(f"roles file {path} not found") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RoleError(f"roles file {path}: {exc}") from None
    claim = doc.get("claim", DEFAULT_CLAIM)
    if not isinstance(claim, str) or not claim:
        raise RoleError(f"roles file {path}: 'claim' must be the name of an ID-token claim")
    users = {}
    for ident, entry in (doc.get("users") or {}).items():
        where = f"roles file {path}, [users.\"{ident}\"]"
        if not isinstance(entry, dict) or "role" not in entry:
            raise RoleError(f"{where}: needs role = \"admin\" | \"planner\" | \"viewer\" | \"liaison\"")
        role_text = entry["role"] if entry.get("nation") is None else f"{entry['role']}:{entry['nation']}"
        users[ident.strip().lower()] = parse_role(role_text, where)
    return RolePolicy(claim=claim, users=users)


def user_from_claims(claims: Mapping[str, object], policy: RolePolicy) -> User:
    """The signed-in user of an ID token's claims: role from the token's claim, else the roles file.

    Raises :class:`AccessDenied` for a user neither grants a role."""
    ident = str(claims.get("email") or claims.get("sub") or "").strip()
    if not ident:
        raise AccessDenied("the identity provider sent neither an e-mail nor a subject")
    name = str(claims.get("name") or claims.get("preferred_username") or ident)
    granted: list[tuple[Role, str | None]] = []
    value = claims.get(policy.claim)
    if value is not None:
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            try:
                granted.append(parse_role(v, f"ID-token claim {policy.claim!r}"))
            except RoleError:
                continue  # other groups of the organisation share the claim; they grant nothing here
    if not granted:
        entry = policy.users.get(ident.lower()) or policy.users.get(str(claims.get("sub") or "").lower())
        if entry:
            granted.append(entry)
    if not granted:
        raise AccessDenied(f"{ident} has no role in this workbench; ask its administrator")
    role, nation = min(granted, key=lambda rn: RANK.index(rn[0]))
    return User(id=ident, name=name, role=role, nation=nation)
