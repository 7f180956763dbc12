"""The one exception type the CLI turns into a single line and an exit code."""

from __future__ import annotations

# Exit codes of the interface contract (SPEC 6.3).
EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


class DocgenError(Exception):
    """A problem the user can fix: bad input, bad configuration, an incomplete translation.

    ``field`` names the input field at fault (``levels``, ``dob``...) so the message can be
    shown as ``field: reason``. Messages never contain patient names or dates of birth.
    """

    exit_code = EXIT_REJECTED

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ConfigError(DocgenError):
    """The site configuration, the catalog or the templates are unusable (exit 2)."""

    exit_code = EXIT_USAGE


class RenderError(DocgenError):
    """The renderer refused a document: a blocked fetch, a warning, a missing glyph."""
