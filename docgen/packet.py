"""Packet assembly: the public API behind ``docgen packet``, ``docgen demo`` and batch.

    request = validate_record(record, load_catalog(...), site)
    packet = render_packet(request, site)
    write_atomic(path, packet.pdf)

Each document is laid out on its own, so "page X of Y" counts within it. A document that
ends on an odd page is followed by a labelled, intentionally blank page: printed
double-sided, every document starts on a new sheet, and so does the next packet.
"""

from __future__ import annotations

import contextlib
import gc
import gettext
import multiprocessing
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

import jinja2
from markupsafe import Markup

from docgen.body import Body, DocumentBody, PdfMetadata, body_key, lay_out_body
from docgen.cache import RenderCache
from docgen.compose import compose
from docgen.errors import DocgenError
from docgen.files import write_atomic as write_atomic  # the public API names it here too
from docgen.html import environment, render_body
from docgen.i18n import load_translations
from docgen.languages import language_codes
from docgen.layer import render_layer
from docgen.options import DEFAULT_OPTIONS, DOCUMENT_KINDS, RenderOptions
from docgen.pdf import house_style, render_document, time_limit
from docgen.request import PacketRequest
from docgen.site import Site
from docgen.stamp import PageCode
from docgen.viewmodel import build_views


@dataclass(frozen=True)
class DocumentInfo:
    """Where one document sits in the packet (the manifest's ``documents`` entries)."""

    kind: str
    form_id: str
    revision: str
    language: str
    copy: str | None  # "patient" / "record" for marked consent copies
    first_page: int  # 1-based, within the packet; always odd
    pages: int  # its own pages, without a blank page that may follow it
    fingerprint: str  # hash of the catalog entry, templates and translation in force


@dataclass(frozen=True)
class Packet:
    pdf: bytes
    pages: int
    documents: tuple[DocumentInfo, ...]
    codes: tuple[PageCode, ...]  # what the code on each page says
    approved: bool = True  # False: the text is not signed off at this site (band printed)


def _timestamp() -> str:
    """Creation time for the PDF metadata; fixed by SOURCE_DATE_EPOCH for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# CPU seconds. A packet needs one to three; anything near this is a hostile or broken input.
RENDER_TIME_LIMIT = 60.0


def render_packet(
    request: PacketRequest,
    site: Site,
    options: RenderOptions = DEFAULT_OPTIONS,
    seconds: float | None = RENDER_TIME_LIMIT,
    translations: gettext.NullTranslations | None = None,
    cache: RenderCache | None = None,
) -> Packet:
    """Render the requested documents for one patient into one PDF, in ``seconds`` of CPU.

    The limit holds where :func:`docgen.pdf.time_limit` can enforce it (the main thread);
    None turns it off. ``translations`` is for the translator's draft preview only
    (docgen.preview). ``cache`` holds laid-out bodies (SPEC §11); None renders without one.
    """
    with time_limit(seconds, "packet"):
        packet = _render_packet(request, site, options, translations, cache)
    _started()
    return packet


def _started() -> None:
    """The start of a command is over: with its first packet, or once it has warmed up.

    docgen.cli.main turns the cycle collector off for the start (a one-packet command
    keeps the same peak memory without it). What exists by now is frozen, so that the
    collections of a process that goes on are not spent on it (nor do forked renderers
    touch its pages), and collection is on again for the packets that follow.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def warm_up(site: Site) -> None:
    """Load now what every render needs: the renderer, the house style and its fonts, and
    each printable language's checked translations with the compiled templates.

    Called by a process that forks renderers (batch workers, the web app's render
    children) before it forks: they all start with it instead of each loading it again.
    """
    resources = site.resources
    house_style(resources.templates)
    # A first layout sets up Pango, fontconfig's matching and HarfBuzz (Latin and Arabic):
    # a few tenths of a second that each forked renderer would otherwise spend on its own.
    with contextlib.suppress(DocgenError):  # a site's stylesheet that warns: its rows say so
        render_document('<p>Aa 1 <span dir="rtl">\u0639\u0631\u0628\u064a</span></p>',
                        resources.templates, "warm-up").write_pdf(pdf_tags=True)
    for language in language_codes(resources):
        with contextlib.suppress(DocgenError):  # not printable: its rows say so themselves
            env = environment(resources, language)
            for kind in (*DOCUMENT_KINDS, "blank"):
                with contextlib.suppress(jinja2.TemplateError):
                    env.get_template(f"{kind}.html")
    _started()


def render_packet_in_child(
    request: PacketRequest,
    site: Site,
    options: RenderOptions = DEFAULT_OPTIONS,
    seconds: float = RENDER_TIME_LIMIT,
    cache: RenderCache | None = None,
) -> Packet:
    """:func:`render_packet` in a forked child process, for callers that are not a main
    thread (the web server's request threads), where the signal-based limit cannot work.

    The child keeps the CPU-time limit (it is the main thread of its own process); the
    parent waits at most three times as long by the clock, then kills the child: a render
    stuck inside C code, or a child that died, ends the request with one clear line.
    """
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_render_child, args=(send, request, site, options, seconds, cache), daemon=True
    )
    child.start()
    send.close()
    try:
        if not receive.poll(3 * seconds):
            raise DocgenError(f"rendering took longer than {3 * seconds:g} s", field="render")
        try:
            outcome = receive.recv()
        except EOFError:
            raise DocgenError("the renderer stopped unexpectedly", field="render") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if isinstance(outcome, Packet):
        return outcome
    error_type, message, field = outcome  # exceptions do not pickle with their field
    raise error_type(message, field=field)


def _render_child(send: Connection, request: PacketRequest, site: Site,
                  options: RenderOptions, seconds: float,
                  cache: RenderCache | None) -> None:  # fmt: skip
    outcome: Packet | tuple[type[DocgenError], str, str | None]
    try:
        outcome = render_packet(request, site, options, seconds=seconds, cache=cache)
    except DocgenError as error:
        outcome = (type(error), error.message, error.field)
    except Exception as error:  # only the type: the message could quote patient data
        outcome = (DocgenError, f"internal error ({type(error).__name__})", "render")
    send.send(outcome)
    send.close()


def _render_packet(
    request: PacketRequest,
    site: Site,
    options: RenderOptions,
    translations: gettext.NullTranslations | None,
    cache: RenderCache | None,
) -> Packet:
    resources = site.resources
    if translations is None:  # the checked catalog, looked up once for the whole packet
        translations = load_translations(resources, request.language)
    try:
        views = build_views(request, site, options, translations)
    except OverflowError:  # e.g. 9999-12-31 23:30 in New York is past the end of year 9999
        raise DocgenError(
            "lies too far from today to work out in the site's time zone", field="surgery_at"
        ) from None
    documents = [
        DocumentBody(view.kind, render_body(view, resources, translations=translations),
                     render_body(view, resources, "blank.html", translations))
        for view in views
    ]  # fmt: skip
    first = views[0]
    metadata = PdfMetadata(
        title=f"{' · '.join(view.title for view in views)}: {first.procedure.name}",
        language=request.language,
        author=site.name,
        subject=", ".join(f"{view.form_id} rev. {view.revision}" for view in views),
        keywords=(f"fingerprint:{first.fingerprint}", *(view.form_id for view in views)),
    )
    if cache is not None and _prints_identity(documents, request):
        cache = None  # a site template prints the patient outside slot(): never stored
    body = _body(documents, metadata, resources.templates, cache)
    values: dict[str, Markup] = {}
    for document in documents:
        for part in (document.page, document.blank):
            values.update(part.values)
    layer = render_layer(list(body.places), values, language=request.language,
                         direction=first.direction, large_print=options.large_print,
                         page_size=body.page_size, templates_dir=resources.templates)  # fmt: skip
    infos: list[DocumentInfo] = []
    codes: list[PageCode] = []
    for view, pages in zip(views, body.pages, strict=True):
        infos.append(DocumentInfo(view.kind, view.form_id, view.revision, view.language,
                                  view.copy, first_page=len(codes) + 1, pages=pages,
                                  fingerprint=view.fingerprint))  # fmt: skip
        codes += [PageCode(request.mrn, view.form_id, view.revision, n, pages)
                  for n in range(1, pages + 1)]  # fmt: skip
        if pages % 2:
            codes.append(PageCode(request.mrn, view.form_id, view.revision, None, pages))
    pdf = compose(body, layer, codes, first.direction == "rtl", _timestamp())
    return Packet(pdf=pdf, pages=len(codes), documents=tuple(infos), codes=tuple(codes),
                  approved=first.approved)  # fmt: skip


def _prints_identity(documents: list[DocumentBody], request: PacketRequest) -> bool:
    """Whether a body still holds the patient's name or MRN (a site's own template that
    prints them directly, not through ``slot()``): such a body must not be cached."""
    marks = (f"{request.family_name}, {request.given_name}", f"\u2066{request.mrn}\u2069")
    return any(mark in part.html for document in documents
               for part in (document.page, document.blank) for mark in marks)  # fmt: skip


def _body(documents: list[DocumentBody], metadata: PdfMetadata, templates: Path,
          cache: RenderCache | None) -> Body:  # fmt: skip
    """The laid-out body from the cache, or laid out now (and kept there)."""
    if cache is None:
        return lay_out_body(documents, metadata, templates)
    key = body_key(documents, metadata, templates)
    stored = cache.get(key)
    if stored is not None:
        try:
            return Body.from_bytes(stored)
        except (ValueError, KeyError, TypeError):  # an entry of another format: lay out again
            pass
    body = lay_out_body(documents, metadata, templates)
    cache.put(key, body.to_bytes())
    return body
