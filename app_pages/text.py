"""Text for the pages: user text made inert in Markdown, a plan's name."""

from __future__ import annotations

import re

_MD = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def md(text: object) -> str:
    """User text made inert in Markdown."""
    return _MD.sub(r"\\\1", str(text))


def fmt_name(plan: dict) -> str:
    return str((plan.get("scenario") or {}).get("name") or "plan")
