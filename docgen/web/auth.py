"""Access control and audit trail: a stub until issue 10's module replaces it.

The web app relies on exactly this interface, so the real module drops in unchanged:
``init_app``, ``role_required``, ``current_user``, ``audit_event`` and ``access_configured``.
Here nobody logs in, every role is allowed, and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask

from docgen.site import Site

F = TypeVar("F", bound=Callable[..., Any])


def init_app(app: Flask) -> None:
    """Called by create_app after the blueprints are registered."""


def role_required(role: str) -> Callable[[F], F]:
    """Restrict a view to ``role`` ("nurse" or "admin"); the stub lets everyone through."""

    def decorate(view: F) -> F:
        return view

    return decorate


def current_user() -> str | None:
    """The signed-in user's name, or None (shown in the page header when set)."""
    return None


def audit_event(action: str, **fields: object) -> None:
    """Record ``action`` (packet, batch, download) with its fields; never names or DOBs."""


def access_configured(site: Site) -> bool:
    """Whether logins are set up, so that ``docgen serve`` may bind a non-loopback address."""
    return False
