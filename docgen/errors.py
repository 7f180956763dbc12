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


class InvalidRecord(DocgenError):
    """Every problem found in one patient record, reported at once.

    ``problems`` holds one :class:`DocgenError` per fault, each naming its field, in the
    order of the record's fields. The CLI prints one line per problem; a batch row, the web
    form and the JSON API report them all together.
    """

    def __init__(self, problems: list[DocgenError]) -> None:
        super().__init__("; ".join(str(p) for p in problems), field=None)
        self.problems = tuple(problems)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(p.field for p in self.problems if p.field)


class ConfigError(DocgenError):
    """The site configuration, the catalog or the templates are unusable (exit 2)."""

    exit_code = EXIT_USAGE


class RenderError(DocgenError):
    """The renderer refused a document: a blocked fetch, a warning, a missing glyph."""
