"""The view model: everything a document prints, translated and formatted for its language.

Templates receive plain values and decide only layout. Catalog texts are English msgids and
pass through gettext here; computed facts (the 48-hour start, the fasting rule) become
complete, translatable sentences with named placeholders, never concatenated fragments.
"""

from __future__ import annotations

import gettext
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path

from docgen.approval import check_approval
from docgen.catalog import SECTIONS
from docgen.files import FileVersions, file_versions
from docgen.i18n import Formatter, load_translations, site_text
from docgen.languages import SOURCE_LANGUAGE
from docgen.levels import Region
from docgen.options import DEFAULT_OPTIONS, RenderOptions
from docgen.request import PacketRequest, Side
from docgen.resources import Resources
from docgen.site import Site
from docgen.timing import abstinence_started, preop_timing, to_utc


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is printed."""
    return message


@dataclass(frozen=True)
class DocumentKind:
    kind: str
    code: str  # part of the form ID
    revision: str  # layout revision; bump when a template's wording changes
    title: str  # English msgid


DOCUMENT_FORMS: Mapping[str, DocumentKind] = {
    # TRANSLATORS: document title, in every page header and as the heading; keep it short
    "consent": DocumentKind("consent", "CONS", "2", N_("Consent form")),
    # TRANSLATORS: document title, in every page header and as the heading; keep it short
    "preop": DocumentKind("preop", "PREOP", "2", N_("Pre-operative checklist")),
    # TRANSLATORS: document title, in every page header and as the heading; keep it short
    "discharge": DocumentKind("discharge", "DISCH", "2", N_("Discharge information")),
}

REGION_NAMES = {
    # TRANSLATORS: region of the spine, after the levels in the summary table
    Region.CERVICAL: N_("cervical spine (neck)"),
    # TRANSLATORS: region of the spine, after the levels in the summary table
    Region.THORACIC: N_("thoracic spine (middle of the back)"),
    # TRANSLATORS: region of the spine, after the levels in the summary table
    Region.LUMBAR: N_("lumbar spine (lower back)"),
}
COPY_LABELS = {
    # TRANSLATORS: label under the title of a marked consent copy; keep it short
    "patient": N_("Patient copy"),
    # TRANSLATORS: label under the title of a marked consent copy; keep it short
    "record": N_("Copy for the medical record"),
}
SIDE_NAMES = {
    # TRANSLATORS: value after the label "Side" in the summary table; do not repeat "side"
    Side.LEFT: N_("left"),
    # TRANSLATORS: value after the label "Side" in the summary table; do not repeat "side"
    Side.RIGHT: N_("right"),
    # TRANSLATORS: value after the label "Side" in the summary table; do not repeat "side"
    Side.BILATERAL: N_("both (left and right)"),
    # TRANSLATORS: value after the label "Side" in the summary table; do not repeat "side"
    Side.CENTRAL: N_("central (middle)"),
}


@dataclass(frozen=True)
class PatientView:
    family_name: str
    given_name: str
    dob: str
    mrn: str


@dataclass(frozen=True)
class ProcedureView:
    id: str
    name: str
    levels: str  # e.g. "L4–L5 and L5–S1"
    region: str
    side: str | None
    anaesthesia: str
    surgeon: str | None
    sections: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class ScheduleView:
    date: str  # with weekday
    time: str
    arrival_time: str  # the time alone, or date and time when arrival is on another day
    abstinence_from: str  # date and time the 48 hours without alcohol and smoking begin
    abstinence_started: bool  # the 48 hours began before printing: "start now"
    fasting: str  # "required" or "not-required"
    last_food: str | None  # "Tuesday, 1 December 2026 at 23:00", translated
    last_fluid: str | None
    breakfast_allowed: bool  # the last food falls on the day itself: a light breakfast
    clear_fluids_window: bool  # clear fluids allowed after the last food
    escort_required: bool


@dataclass(frozen=True)
class SiteView:
    name: str
    department: str
    address: tuple[str, ...]
    phone_day: str
    phone_emergency: str
    logo: str | None
    emergency_number: str | None = None  # national, e.g. "999"


@dataclass(frozen=True)
class DocumentView:
    kind: str
    title: str
    form_id: str
    revision: str
    language: str
    direction: str
    paper: str
    page_counter_css: str  # CSS `content` value for "Page X of Y" in this language
    patient: PatientView
    procedure: ProcedureView
    schedule: ScheduleView
    site: SiteView
    interpreter: bool
    large_print: bool
    copy: str | None  # "patient" or "record" when the consent is printed in marked copies
    copy_label: str | None
    fingerprint: str  # of the catalog entry, templates and translation this text comes from
    site_note: str | None = None  # the site's own note for this document (SITE.toml [notes])
    approved: bool = True  # False: "not approved for clinical use" band on every page


def css_string(text: str) -> str:
    """Quote text as a CSS string that cannot end the string or the <style> element."""
    escaped = "".join(
        f"\\{ord(ch):X} " if ch in '"\\<>&' or not ch.isprintable() else ch for ch in text
    )
    return f'"{escaped}"'


def page_counter_css(template: str) -> str:
    """Turn "Page %(page)s of %(pages)s" (translated) into a CSS content value."""
    parts: list[str] = []
    rest = template
    while rest:
        positions = {
            name: rest.find(f"%({name})s") for name in ("page", "pages") if f"%({name})s" in rest
        }
        if not positions:
            parts.append(css_string(rest))
            break
        name = min(positions, key=lambda key: positions[key])
        before, rest = rest[: positions[name]], rest[positions[name] + len(f"%({name})s") :]
        if before:
            parts.append(css_string(before))
        parts.append(f"counter({name})")
    return " ".join(parts)


def content_fingerprint(resources: Resources, catalog_entry_hash: str, language: str) -> str:
    """A short hash of every file the printed words and layout come from.

    Printed in the footer and stored in the PDF metadata, it lets anyone prove later which
    text a patient signed: the same fingerprint means the same catalog entry, templates,
    styles and translation. Read again whenever one of those files changes.
    """
    files = sorted((resources.templates / "documents").glob("*.html"))
    files += sorted((resources.templates / "styles").glob("*.css"))
    if language != SOURCE_LANGUAGE:
        files.append(resources.locales / language / "LC_MESSAGES" / "docgen.po")
    return _fingerprint(catalog_entry_hash, file_versions(files))


@lru_cache(maxsize=256)
def _fingerprint(catalog_entry_hash: str, files: FileVersions) -> str:
    digest = hashlib.sha256(catalog_entry_hash.encode("ascii"))
    for name, _mtime, _size in files:
        path = Path(name)
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def moment_text(moment: datetime, fmt: Formatter, _: Callable[[str], str]) -> str:
    """A date and time as one phrase; 00:00 reads as midnight at the end of the day before."""
    if moment.time() == time(0, 0):
        # TRANSLATORS: a deadline at 00:00, said as the end of the day before (not "0:00 on
        # the next day"); %(date)s is that earlier day's full date, keep the placeholder
        return _("midnight at the end of %(date)s") % {
            "date": fmt.full_date(moment - timedelta(days=1))
        }
    return _("%(date)s at %(time)s") % {"date": fmt.full_date(moment), "time": fmt.time(moment)}


def _schedule(
    request: PacketRequest, site: Site, fmt: Formatter, _: Callable[[str], str]
) -> ScheduleView:
    zone = site.timezone
    timing = preop_timing(
        request.surgery_at,
        request.procedure.anaesthesia,
        zone,
        site.arrival_lead_minutes,
        site.fasting_food_hours,
        site.fasting_fluid_hours,
        site.fasting_local,
    )
    food, fluid = timing.last_food_at, timing.last_fluid_at
    same_day = timing.arrival_at.date() == timing.surgery_at.date()
    return ScheduleView(
        date=fmt.full_date(timing.surgery_at),
        time=fmt.time(timing.surgery_at),
        arrival_time=(
            fmt.time(timing.arrival_at) if same_day else moment_text(timing.arrival_at, fmt, _)
        ),
        abstinence_from=moment_text(timing.abstinence_from, fmt, _),
        abstinence_started=abstinence_started(timing, zone),
        fasting="required" if food else "not-required",
        last_food=moment_text(food, fmt, _) if food else None,
        last_fluid=moment_text(fluid, fmt, _) if fluid else None,
        breakfast_allowed=bool(food and food.date() == timing.surgery_at.date()
                               and food.time() != time(0, 0)),
        clear_fluids_window=bool(food and fluid and to_utc(fluid, zone) > to_utc(food, zone)),
        escort_required=request.procedure.anaesthesia.needs_escort,
    )


def build_views(
    request: PacketRequest,
    site: Site,
    options: RenderOptions = DEFAULT_OPTIONS,
    translations: gettext.NullTranslations | None = None,
) -> list[DocumentView]:
    """One view per requested document, in packet order.

    ``translations`` is for the translator's draft preview only (docgen.preview); packets
    always use the checked catalog of :func:`load_translations`.
    """
    approved = check_approval(request.procedure, request.language, site)
    if translations is None:
        translations = load_translations(site.resources, request.language)
    _ = translations.gettext
    # The site's locale (e.g. en_US) sets dates and the clock for its own staff language.
    fmt = Formatter(
        request.language, site.locale if request.language == site.staff_language else None
    )
    procedure = request.procedure
    procedure_view = ProcedureView(
        id=procedure.id,
        name=_(procedure.name_for(request.region)),
        # Each level is isolated, so "L4–L5" reads left to right inside Arabic text too.
        levels=fmt.list(f"\u2066{level.label}\u2069" for level in request.levels),
        region=_(REGION_NAMES[request.region]),
        side=_(SIDE_NAMES[request.side]) if request.side else None,
        anaesthesia=_(procedure.anaesthesia_text),
        surgeon=request.surgeon,
        sections={
            section: tuple(_(text) for text in procedure.texts(section, request.region))
            for section in SECTIONS
        },
    )
    patient = PatientView(
        family_name=request.family_name,
        given_name=request.given_name,
        dob=fmt.long_date(request.dob),
        mrn=request.mrn,
    )
    site_view = SiteView(
        name=site_text(site, "name", request.language),
        department=site_text(site, "department", request.language),
        address=site.address,
        phone_day=site.phone_day,
        phone_emergency=site.phone_emergency,
        logo=site.logo_data_uri,
        emergency_number=site.emergency_number,
    )
    schedule = _schedule(request, site, fmt, _)
    fingerprint = content_fingerprint(site.resources, procedure.fingerprint, request.language)
    # TRANSLATORS: page numbering within one document; keep both placeholders.
    counter = page_counter_css(_("Page %(page)s of %(pages)s"))
    return [
        DocumentView(
            kind=kind,
            title=_(DOCUMENT_FORMS[kind].title),
            form_id=f"{site.form_prefix}-{DOCUMENT_FORMS[kind].code}-{procedure.code}",
            revision=f"{DOCUMENT_FORMS[kind].revision}.{procedure.revision}",
            language=request.language,
            direction=fmt.direction,
            paper=site.paper,
            page_counter_css=counter,
            patient=patient,
            procedure=procedure_view,
            schedule=schedule,
            site=site_view,
            interpreter=request.interpreter,
            large_print=options.large_print,
            copy=copy,
            copy_label=_(COPY_LABELS[copy]) if copy else None,
            fingerprint=fingerprint,
            site_note=site.note(kind, request.language),
            approved=approved,
        )
        for kind in options.documents
        for copy in (options.consent_copies if kind == "consent" else ()) or (None,)
    ]
