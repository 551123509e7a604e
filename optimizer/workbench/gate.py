"""The one door every guarded action of the workbench goes through: check the role, then record it.

:class:`Gate` binds a :class:`~optimizer.workbench.access.User` to the
:class:`~optimizer.workbench.audit.AuditTrail`.  ``gate.allow(permission,
action, what)`` raises :class:`~optimizer.workbench.access.AccessDenied` (and
records the refusal) when the role does not allow it, else records the action
and returns; an action that cannot be recorded does not happen
(:class:`~optimizer.workbench.audit.AuditError` propagates).  The pages call
it before acting, so a hidden widget is never the only protection.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.workbench.access import AccessDenied, User, require, require_nation
from optimizer.workbench.audit import AuditTrail

MAX_DETAIL_ITEMS = 40  # a bulk edit is summarised, not copied into the trail


def _trimmed(what: dict) -> dict:
    out = {}
    for k, v in what.items():
        if isinstance(v, (list, tuple)):
            v = list(v[:MAX_DETAIL_ITEMS]) + ([f"… and {len(v) - MAX_DETAIL_ITEMS} more"] if len(v) > MAX_DETAIL_ITEMS else [])
        out[k] = v
    return out


@dataclass(frozen=True)
class Gate:
    user: User
    trail: AuditTrail

    def record(self, action: str, what: dict | None = None) -> dict:
        return self.trail.record(self.user.id, self.user.role.value, action, _trimmed(what or {}))

    def allow(self, permission: str, action: str | None = None, what: dict | None = None, *, nation: object = ...) -> None:
        """Check ``permission`` (and, for an offer, the ``nation`` it belongs to); record ``action``."""
        try:
            require(self.user, permission)
            if nation is not ...:
                require_nation(self.user, nation)
        except AccessDenied as exc:
            self.record("denied", {"permission": permission, **({"action": action} if action else {}),
                                   **(what or {}), "reason": str(exc)})
            raise
        if action:
            self.record(action, what)

    def can(self, permission: str) -> bool:
        return self.user.can(permission)
