"""Clinical sign-off: is this procedure revision approved, in this language, at this site?

A site lists its approvals in SITE.toml (``[[approvals]]``). A packet whose text is not
approved carries a "not approved for clinical use" band on every page, or is refused when
the site sets ``require_approval = true``. The demo site approves nothing.
"""

from __future__ import annotations

from docgen.catalog import Procedure
from docgen.errors import DocgenError
from docgen.site import Site


def approval_problem(procedure: Procedure, language: str, site: Site) -> DocgenError | None:
    """What is not approved here (None: approved), as a field error."""
    signed = [
        a for a in site.approvals
        if a.procedure == procedure.id and a.revision == procedure.revision
    ]  # fmt: skip
    if not signed:
        return DocgenError(
            f"{procedure.id} revision {procedure.revision} is not approved for clinical use "
            "at this site",
            field="procedure",
        )
    if not any(language in a.languages for a in signed):
        return DocgenError(
            f"{language} is not approved for {procedure.id} revision {procedure.revision} "
            "at this site",
            field="language",
        )
    return None


def check_approval(procedure: Procedure, language: str, site: Site) -> bool:
    """True when approved; False (print the band) or refuse, as the site decides."""
    problem = approval_problem(procedure, language, site)
    if problem is not None and site.require_approval:
        raise problem
    return problem is None
