"""Who is at the workbench: sign-in through the organisation's identity provider, or one local user.

With ``[auth]`` in ``.streamlit/secrets.toml`` (Streamlit's OpenID Connect:
Keycloak, Entra ID, any OIDC provider) every session signs in with
``st.login``; the role comes from the ID token or the roles file
(:mod:`optimizer.workbench.access`).  Without it the workbench is for the
person at this machine only: ``.streamlit/config.toml`` binds it to
127.0.0.1, every page carries a banner saying it is unprotected, and a
request from any other address (a ``--server.address 0.0.0.0`` override, a
port forwarded) is refused.

The session's user is ``ss.user``; :func:`app_pages.state.guard` checks and
records every guarded action through it.
"""

from __future__ import annotations

import ipaddress

import streamlit as st

from app_pages import state
from optimizer.workbench.access import LOCAL_USER, AccessDenied, Role, RoleError, User, load_policy, user_from_claims

ss = st.session_state
#: Roles the workbench has pages for; any other is refused at sign-in (fail closed, should a role be added to
#: optimizer.workbench.access before its pages).
SERVED_ROLES = (Role.ADMIN, Role.PLANNER, Role.VIEWER, Role.LIAISON)


def auth_configured() -> bool:
    """Whether sign-in is configured (``[auth]`` in the secrets)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all: not configured
        return False


def _is_loopback(address: str | None) -> bool:
    if address in (None, ""):
        return False
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _refuse(message: str) -> None:
    st.error(message, icon=":material/lock:")
    st.stop()


def _local_user() -> User:
    """The unprotected workbench's one user, after checking it serves this machine only."""
    bound = st.get_option("server.address")
    if bound not in (None, "") and not _is_loopback(bound):
        _refuse(f"This workbench has no sign-in configured, so it serves this machine only, but it was started on "
                f"address {bound}. Restart it without --server.address (it binds to 127.0.0.1), or configure sign-in "
                "([auth] in .streamlit/secrets.toml: see the README, 'Sharing the workbench').")
    client = st.context.ip_address  # None from this machine (Streamlit maps loopback to None); not text under AppTest
    if isinstance(client, str) and not _is_loopback(client):
        _refuse("This workbench has no sign-in configured and serves this machine only.")
    return LOCAL_USER


def _signed_in_user() -> User:
    if not st.user.is_logged_in:
        st.title("forceplan workbench")
        st.write("Sign in with your organisation's account to plan, review or submit pledges.")
        st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login)
        st.stop()
    claims = st.user.to_dict()
    try:
        user = user_from_claims(claims, load_policy())
    except RoleError as exc:
        state.log.error("roles file: %s", exc)
        user = None
        message = "The workbench's roles file cannot be read; the administrator has been told in the server log."
    except AccessDenied as exc:
        user, message = None, str(exc)
    if user is not None and user.role not in SERVED_ROLES:
        message = f"Signed in as {user.label}: this role has no pages in this workbench."
        denied_as = user
        user = None
    else:
        denied_as = None
    if user is None:
        if not ss.get("denial_recorded"):
            who = denied_as.id if denied_as else str(claims.get("email") or claims.get("sub") or "unknown")
            state.trail().record(who, denied_as.role.value if denied_as else "none", "denied", {"permission": "sign in", "reason": message})
            ss.denial_recorded = True
        st.error(message, icon=":material/block:")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    return user


def current_user() -> User:
    """The session's user (stopping the page with a sign-in or a refusal when there is none)."""
    user = _signed_in_user() if auth_configured() else _local_user()
    if ss.get("user") != user:
        ss.user = user
        if user.signed_in:
            # each browser session of a signed-in user (the first after signing in, and every reload: the cookie signs it in)
            state.trail().record(user.id, user.role.value, "session opened", {"name": user.name})
    return user


def _sign_out() -> None:
    state.gate().record("sign-out")
    st.logout()


def banner(user: User) -> None:
    """Top of the sidebar: who is signed in, or that nobody is."""
    if user.signed_in:
        with st.sidebar:
            st.caption(f":material/account_circle: {user.label}")
            st.button("Sign out", on_click=_sign_out, key="sign_out")
    else:
        st.sidebar.warning("Unprotected: no sign-in is configured. This workbench serves this machine only "
                           "(127.0.0.1); anyone using it can read and change every nation's pledges.",
                           icon=":material/lock_open:")
