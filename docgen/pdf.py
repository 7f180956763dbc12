"""PDF stage: HTML to laid-out pages with WeasyPrint, reading nothing but bundled assets.

The renderer may fetch only files under the templates folder (fonts, styles) and ``data:``
URIs that docgen itself generates. Any other fetch is refused and fails the document, and so
does any WeasyPrint warning: a silently dropped style or image is not acceptable on a
consent form. WeasyPrint is imported here only, so ``docgen --help`` stays fast.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from docgen.errors import RenderError

if TYPE_CHECKING:
    from weasyprint.document import Document


# Warnings that say nothing about the printed result: without the HarfBuzz-Subset library
# WeasyPrint subsets fonts with fontTools instead, which gives the same pages.
_HARMLESS = ("Using fontTools instead of HarfBuzz-Subset",)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith(_HARMLESS):
            return
        first_line = record.getMessage().splitlines()[0]
        self.messages.append(re.sub(r"data:[^\"'\s]{20,}", "data:...", first_line)[:300])


@contextmanager
def _warnings_fail() -> Iterator[_Capture]:
    logger = logging.getLogger("weasyprint")
    capture = _Capture()
    logger.addHandler(capture)
    propagate, logger.propagate = logger.propagate, False
    try:
        yield capture
    finally:
        logger.removeHandler(capture)
        logger.propagate = propagate


@cache
def _fetcher(assets_root: Path) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):  # type: ignore[misc]
        """Serves bundled files and data URIs; refuses everything else."""

        def __init__(self) -> None:
            super().__init__(
                allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=True
            )

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file" and not parts.netloc:
                path = Path(unquote(parts.path)).resolve()
                if path.is_relative_to(assets_root) and path.is_file():
                    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        url, path.read_bytes(), headers={"Content-Type": mime}
                    )
            raise PermissionError("refused: only bundled template assets may be read")

    return AssetFetcher()


def render_document(html: str, templates_dir: Path, name: str) -> Document:
    """Lay out one document; raise RenderError on a refused fetch or any warning."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    root = templates_dir.resolve()
    base_url = (root / "documents").as_uri() + "/"
    with _warnings_fail() as capture:
        try:
            document = HTML(string=html, base_url=base_url, url_fetcher=_fetcher(root)).render(
                pdf_tags=True
            )
        except FatalURLFetchingError:
            raise RenderError(
                f"{name}: the template asked for a file outside the bundled assets"
            ) from None
    if capture.messages:
        raise RenderError(f"{name}: renderer warning: {capture.messages[0]}")
    return document


def write_pdf(
    pages_of: list[Document],
    *,
    title: str,
    language: str,
    author: str,
    subject: str,
    keywords: list[str],
    created: str,
) -> bytes:
    """Combine laid-out documents into one archival PDF (PDF/A-3u, tagged)."""
    first = pages_of[0]
    combined = first.copy([page for document in pages_of for page in document.pages])
    metadata = combined.metadata
    metadata.title, metadata.lang, metadata.authors = title, language, [author]
    metadata.description, metadata.keywords = subject, keywords
    metadata.created = metadata.modified = created
    metadata.generator = "docgen"
    with _warnings_fail() as capture:
        pdf = combined.write_pdf(pdf_variant="pdf/a-3u", pdf_tags=True)
    if capture.messages:
        raise RenderError(f"renderer warning: {capture.messages[0]}")
    assert isinstance(pdf, bytes)
    return pdf
