"""``docgen review``: every text of one procedure, for the clinical lead who signs it off.

The review lists, for every region the procedure allows, every catalog text in the chosen
language (as a patient would read it), the printed name for each side, the sources, the
revision and the content fingerprint that the packets will carry, English reading grades,
and a sign-off page with the ``[[approvals]]`` entry to add to the site file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from docgen.approval import approval_problem
from docgen.catalog import SECTIONS, Procedure
from docgen.html import environment
from docgen.i18n import Formatter, load_translations
from docgen.languages import SOURCE_LANGUAGE
from docgen.levels import Region
from docgen.readability import Grades, grades
from docgen.request import Side
from docgen.site import Site
from docgen.timing import site_today
from docgen.viewmodel import REGION_NAMES, SIDE_NAMES, content_fingerprint

# Section headings for the reviewer (staff-facing, English like the rest of the review).
SECTION_TITLES = {
    "description": "Description", "indications": "Why it is offered",
    "contraindications": "When it may not be right", "how": "How it is done",
    "position": "Position", "duration": "Duration", "stay": "Stay",
    "benefits": "Benefits", "success": "Likelihood of success",
    "risks_common": "Risks: common", "risks_rare": "Risks: rare",
    "risks_serious": "Risks: rare but serious", "alternatives": "Alternatives",
    "additional_procedures": "Extra steps that may be needed", "preop": "Before the procedure",
    "activity": "Activity", "wound_care": "Wound care", "pain": "Pain",
    "warning_signs": "Warning signs (call the unit)",
    "emergency_signs": "Warning signs (emergency, extra)", "follow_up": "Follow-up",
    "return_work": "Return to work", "return_driving": "Driving", "return_travel": "Travel",
}  # fmt: skip


@dataclass(frozen=True)
class RegionReview:
    region: str  # e.g. "lumbar"
    region_printed: str  # as the packet prints it
    name_printed: str
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (title, texts in the language)
    grades: Grades | None  # English only


@dataclass(frozen=True)
class ReviewView:
    procedure_id: str
    name: str
    revision: str
    language: str
    direction: str
    site_name: str
    sources: tuple[str, ...]
    fingerprint: str
    anaesthesia: str
    side_rule: str
    sides: tuple[tuple[str, str], ...]  # (value, printed words)
    regions: tuple[RegionReview, ...]
    approval_status: str
    approvals: tuple[str, ...]
    printed_on: str


def build_review(procedure: Procedure, language: str, site: Site) -> ReviewView:
    _ = load_translations(site.resources, language).gettext
    fmt = Formatter(language)
    regions = []
    for region in procedure.regions:
        texts = {section: procedure.texts(section, region) for section in SECTIONS}
        english = [text for section in SECTIONS for text in texts[section]]
        regions.append(RegionReview(
            region=region.value,
            region_printed=_(REGION_NAMES[Region(region)]),
            name_printed=_(procedure.name_for(region)),
            sections=tuple(
                (SECTION_TITLES[section], tuple(_(text) for text in texts[section]))
                for section in SECTIONS if texts[section]
            ),
            grades=grades(english) if language == SOURCE_LANGUAGE else None,
        ))  # fmt: skip
    problem = approval_problem(procedure, language, site)
    return ReviewView(
        procedure_id=procedure.id,
        name=procedure.name,
        revision=procedure.revision,
        language=language,
        direction=fmt.direction,
        site_name=site.name,
        sources=procedure.sources,
        fingerprint=content_fingerprint(site.resources, procedure.fingerprint, language),
        anaesthesia=_(procedure.anaesthesia_text),
        side_rule="required" if procedure.side_required else "optional",
        sides=tuple((side.value, _(SIDE_NAMES[side])) for side in Side),
        regions=tuple(regions),
        approval_status="approved" if problem is None else f"not approved: {problem.message}",
        approvals=tuple(
            f"revision {a.revision}, languages {', '.join(a.languages)}: {a.approved_by}, "
            f"{a.approved_on.isoformat()}"
            for a in site.approvals if a.procedure == procedure.id
        ),
        printed_on=_printed_on(site),
    )


def _printed_on(site: Site) -> str:
    today: date = site_today(site.timezone)
    return today.isoformat()


def render_review(procedure: Procedure, language: str, site: Site) -> bytes:
    """The review as one PDF, through the same HTML and PDF stages as the packets."""
    from docgen.pdf import render_document, write_pdf

    view = build_review(procedure, language, site)
    html = environment(site.resources, language).get_template("review.html").render(review=view)
    document = render_document(html, site.resources.templates, "review")
    return write_pdf(
        [document],
        title=f"Clinical review: {procedure.name} (revision {procedure.revision}, {language})",
        language=language,
        author=site.name,
        subject=f"{procedure.id} revision {procedure.revision}",
        keywords=[f"fingerprint:{view.fingerprint}", procedure.id],
        created=f"{view.printed_on}T00:00:00Z",
    )
