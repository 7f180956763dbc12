"""The nurse's form: ``GET /`` shows it, ``POST /packet`` answers with the PDF or the errors.

Validation and rendering are the CLI's own (docgen.request, docgen.packet); this module only
turns form fields into a record and problems into an error summary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import Blueprint, Response, render_template, request

from docgen.catalog import Procedure
from docgen.errors import DocgenError, InvalidRecord
from docgen.languages import language_codes
from docgen.levels import all_levels
from docgen.options import (
    CONSENT_COPIES,
    DOCUMENT_KINDS,
    RenderOptions,
    parse_copies,
    parse_documents,
)
from docgen.packet import Packet, render_packet_in_child
from docgen.request import FIELDS, PacketRequest, Side, validate_record
from docgen.web import auth
from docgen.web.state import N_, _, state

blueprint = Blueprint("nurse", __name__)

OPTION_FIELDS = ("docs", "copies", "large_print")
# Where a message about each field links to in the error summary.
ANCHORS = {**{name: name for name in FIELDS}, "docs": "docs-consent",
           "copies": "copies-patient", "large_print": "large_print"}  # fmt: skip
LABELS = {
    "mrn": N_("Hospital number (MRN)"),
    "family_name": N_("Family name"),
    "given_name": N_("Given name"),
    "dob": N_("Date of birth"),
    "procedure": N_("Procedure"),
    "levels": N_("Spinal levels"),
    "side": N_("Side"),
    "surgery_at": N_("Date and time of the procedure"),
    "language": N_("Patient's language"),
    "surgeon": N_("Practitioner (optional)"),
    "interpreter": N_("Interpreter"),
    "docs": N_("Documents"),
    "copies": N_("Marked consent copies (optional)"),
    "large_print": N_("Large print"),
}
DOCUMENT_LABELS = {"consent": N_("Consent form"), "preop": N_("Pre-operative checklist"),
                   "discharge": N_("Discharge information")}  # fmt: skip
COPY_LABELS = {"patient": N_("Patient copy"), "record": N_("Copy for the medical record")}
SIDE_LABELS = {
    Side.LEFT: N_("Left"),
    Side.RIGHT: N_("Right"),
    Side.BILATERAL: N_("Both sides (bilateral)"),
    Side.CENTRAL: N_("Central"),
}
REGION_LABELS = {"cervical": N_("cervical"), "thoracic": N_("thoracic"), "lumbar": N_("lumbar")}


# --- Shared with the JSON API: record + options -> packet --------------------------------


def parse_options(docs: object, copies: object, large_print: object) -> RenderOptions:
    """The form's (or JSON's) docs, copies and large_print, with the CLI's parsers."""
    problems: list[DocgenError] = []

    def joined(value: object, field: str) -> str:
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            return ",".join(value)
        if isinstance(value, str):
            return value
        problems.append(DocgenError("must be text", field=field))
        return ""

    documents: tuple[str, ...] = DOCUMENT_KINDS
    consent_copies: tuple[str, ...] = ()
    try:
        documents = parse_documents(joined(docs, "docs"))
    except DocgenError as error:
        problems.append(error)
    try:
        consent_copies = parse_copies(joined(copies, "copies") or None)
    except DocgenError as error:
        problems.append(error)
    if large_print in (True, "yes", "true", "on"):
        large = True
    elif large_print in (False, None, "", "no", "false"):
        large = False
    else:
        large = False
        problems.append(DocgenError("tick the box or leave it empty", field="large_print"))
    if problems:
        raise InvalidRecord(problems)
    return RenderOptions(documents=documents, large_print=large, consent_copies=consent_copies)


def build_packet(record: Mapping[str, object], docs: object, copies: object,
                 large_print: object) -> tuple[PacketRequest, Packet]:  # fmt: skip
    """Validate as the CLI does (every problem at once), then render as the CLI does."""
    web = state()
    problems: list[DocgenError] = []
    request_: PacketRequest | None = None
    options: RenderOptions | None = None
    try:
        request_ = validate_record(record, web.catalog, web.site)
    except InvalidRecord as errors:
        problems += errors.problems
    try:
        options = parse_options(docs, copies, large_print)
    except InvalidRecord as errors:
        problems += errors.problems
    if problems or request_ is None or options is None:
        raise InvalidRecord(problems)
    try:
        # In a child process: a request thread cannot use the signal-based time limit.
        packet = render_packet_in_child(request_, web.site, options, cache=web.cache)
    except InvalidRecord:
        raise
    except DocgenError as error:  # e.g. a translation not ready to print: one clear line
        raise InvalidRecord([error]) from None
    auth.audit_event(
        "packet",
        mrn=request_.mrn,
        forms=[f"{d.form_id} rev. {d.revision}" for d in packet.documents],
        language=request_.language,
        sha256=hashlib.sha256(packet.pdf).hexdigest(),
    )
    return request_, packet


def pdf_response(request_: PacketRequest, packet: Packet) -> Response:
    """The PDF inline, named as the batch names it but without the row: no name, no DOB."""
    name = f"{request_.mrn}-{request_.procedure.id}-{request_.language}.pdf"
    response = Response(packet.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# --- The form ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    data: Mapping[str, str] = field(default_factory=dict)


def language_name(code: str) -> str:
    """A language by its own name: "Español", "Türkçe", "العربية"; the code if Babel has none."""
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (UnknownLocaleError, ValueError, TypeError):  # a folder under locales/ named oddly
        return code
    return name[:1].upper() + name[1:]


def procedure_hint(procedure: Procedure, name: str) -> str:
    regions = ", ".join(_(REGION_LABELS[r.value]) for r in procedure.regions)
    if procedure.max_levels == 1:
        levels = _("exactly one level")
    else:
        levels = _("up to %(count)s levels") % {"count": procedure.max_levels}
    side = _("side required") if procedure.side_required else _("side optional")
    return _("%(procedure)s: %(regions)s spine; %(levels)s; %(side)s.") % {
        "procedure": name, "regions": regions, "levels": levels, "side": side}


def form_page(values: Mapping[str, Any], problems: tuple[DocgenError, ...] = ()) -> str:
    web = state()
    names = web.procedure_names
    procedures = [
        Choice(p.id, names[p.id], {
            "regions": " ".join(r.value for r in p.regions), "max": str(p.max_levels),
            "side": "required" if p.side_required else "optional",
            "hint": procedure_hint(p, names[p.id]),
        })
        for p in web.catalog
    ]  # fmt: skip
    errors: dict[str, str] = {}
    summary = []
    for problem in problems:
        field = problem.field if problem.field in ANCHORS else None
        if field and field not in errors:
            errors[field] = problem.message
        label = _(LABELS[field]) if field else (problem.field or "")
        summary.append({"anchor": ANCHORS.get(field or ""), "label": label,
                        "message": problem.message})  # fmt: skip
    return render_template(
        "nurse/form.html",
        values=values,
        errors=errors,
        summary=summary,
        labels={key: _(label) for key, label in LABELS.items()},
        procedures=procedures,
        # the languages installed here (locales/<lang>/), as the validator accepts them
        languages=[
            Choice(code, language_name(code)) for code in language_codes(web.site.resources)
        ],
        levels=[
            Choice(level.code, level.code, {"region": level.region.value})
            for level in all_levels()
        ],
        sides=[Choice(side.value, _(label)) for side, label in SIDE_LABELS.items()],
        documents=[Choice(kind, _(DOCUMENT_LABELS[kind])) for kind in DOCUMENT_KINDS],
        copies=[Choice(kind, _(COPY_LABELS[kind])) for kind in CONSENT_COPIES],
        staff_language=language_name(web.site.staff_language),
    )


@blueprint.get("/")
@auth.role_required("nurse")
def form() -> str:
    return form_page({"docs": list(DOCUMENT_KINDS), "copies": []})


@blueprint.post("/packet")
@auth.role_required("nurse")
def packet() -> Response | tuple[str, int]:
    posted = request.form
    record = {key: posted.get(key, "") for key in FIELDS}
    values: dict[str, Any] = {**record, "docs": posted.getlist("docs"),
                              "copies": posted.getlist("copies"),
                              "large_print": posted.get("large_print", "")}  # fmt: skip
    try:
        request_, packet_ = build_packet(record, values["docs"], values["copies"],
                                         values["large_print"])  # fmt: skip
    except InvalidRecord as errors:
        return form_page(values, errors.problems), 422
    return pdf_response(request_, packet_)
