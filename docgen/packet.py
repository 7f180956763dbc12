"""Packet assembly: the public API behind ``docgen packet``, ``docgen demo`` and batch.

request = validate_record(record, load_catalog(...), site)
packet = render_packet(request, site)
write_atomic(path, packet.pdf)
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from docgen.html import render_html
from docgen.pdf import render_document, write_pdf
from docgen.request import DOCUMENT_KINDS, PacketRequest
from docgen.site import Site
from docgen.viewmodel import build_views


@dataclass(frozen=True)
class DocumentInfo:
    """Where one document sits in the packet (the manifest's ``documents`` entries)."""

    kind: str
    form_id: str
    revision: str
    language: str
    first_page: int  # 1-based, within the packet
    pages: int


@dataclass(frozen=True)
class Packet:
    pdf: bytes
    pages: int
    documents: tuple[DocumentInfo, ...]


def render_packet(
    request: PacketRequest, site: Site, kinds: tuple[str, ...] = DOCUMENT_KINDS
) -> Packet:
    """Render the requested documents for one patient into one PDF."""
    resources = site.resources
    views = build_views(request, site, kinds)
    laid_out = []
    infos = []
    next_page = 1
    for view in views:
        html = render_html(view, resources)
        document = render_document(html, resources.templates, view.kind)
        laid_out.append(document)
        infos.append(
            DocumentInfo(
                kind=view.kind,
                form_id=view.form_id,
                revision=view.revision,
                language=view.language,
                first_page=next_page,
                pages=len(document.pages),
            )
        )
        next_page += len(document.pages)
    title = " · ".join(view.title for view in views) + f" · {views[0].procedure.name}"
    pdf = write_pdf(laid_out, title=title, language=request.language, author=site.name)
    return Packet(pdf=pdf, pages=next_page - 1, documents=tuple(infos))


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``.

    An interrupted run leaves either the old file or the new one, never a partial PDF.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
