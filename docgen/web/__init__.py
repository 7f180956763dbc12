"""The ward web app (``docgen serve``): the nurse's form, the administrator's batch page and
a JSON API, over the same validation and rendering as the command line."""

from __future__ import annotations

from docgen.web.app import create_app

__all__ = ["create_app"]
