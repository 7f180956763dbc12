"""PDF stage: HTML to laid-out pages with WeasyPrint, reading nothing but bundled assets.

The renderer may fetch only files under the templates folder (fonts, styles) and ``data:``
URIs that docgen itself generates. Any other fetch is refused and fails the document, and so
does any WeasyPrint warning: a silently dropped style or image is not acceptable on a
consent form. WeasyPrint is imported here only, so ``docgen --help`` stays fast.
"""

from __future__ import annotations

import atexit
import logging
import mimetypes
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from docgen.errors import ConfigError, RenderError

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


class _Expired(BaseException):
    """Raised by the timer; a BaseException because WeasyPrint catches Exception in places."""


@contextmanager
def time_limit(seconds: float | None, what: str) -> Iterator[None]:
    """Stop the block with a RenderError once it has used ``seconds`` of CPU time.

    CPU time (ITIMER_PROF / SIGPROF), not wall-clock time: a runaway render spins the
    CPU and is stopped, while an ordinary render on a busy machine, waiting for its turn,
    is not. A signal timer works in the main thread of a POSIX process (``docgen packet``,
    a batch worker process) and this does nothing elsewhere: a web server's worker threads
    must run renders in a child process they can stop. It interrupts Python code
    (WeasyPrint's layout and drawing, Jinja2, pikepdf calls between pages) between two
    bytecodes; one long call into C (Pango shaping one huge paragraph, zlib) finishes
    before the signal is handled. An enclosing limit that ends sooner stays in charge and
    is restored afterwards.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    outer_left = signal.getitimer(signal.ITIMER_PROF)[0] if usable else 0.0
    if not seconds or not usable or (outer_left and outer_left <= seconds):
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise _Expired

    started = time.process_time()
    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    except _Expired:
        raise RenderError(
            f"{what}: rendering took longer than {seconds:g} seconds and was stopped"
        ) from None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        if outer_left:  # give the enclosing limit back what is left of it
            left = outer_left - (time.process_time() - started)
            signal.setitimer(signal.ITIMER_PROF, max(left, 0.001))


_importing = threading.Lock()


@cache
def import_weasyprint() -> None:
    """Import WeasyPrint with its C declarations precompiled and no C compiler run.

    WeasyPrint's cffi declarations come from docgen.weasyprint_ffi instead of being parsed
    at each start (see docgen.ffi; anything unexpected parses them the ordinary way). And
    for each library WeasyPrint tries six spellings of its name (one per platform); cffi's
    in-line mode looks every spelling that fails to load up with
    ``ctypes.util.find_library``, which on Linux runs gcc and ldconfig: about a third of a
    second at each start of docgen. On Linux the spelling that works
    (``libpango-1.0.so.0``) loads without that look-up, so the look-up is skipped while
    WeasyPrint is imported. Both apply on Linux only, where they are tested; and should a
    library load only with the look-up, WeasyPrint is imported again the ordinary way.
    There too, fontTools' subsetter and instancer wait until first used (docgen.deferred),
    and WeasyPrint's own stylesheets come parsed from the start-up store (docgen.stylesheets).
    """
    from docgen.deferred import deferred_imports
    from docgen.ffi import precompiled_cffi
    from docgen.stylesheets import stored_user_agent_sheets

    with _importing:
        if sys.platform != "linux" or "weasyprint" in sys.modules:
            import weasyprint
            return
        import ctypes.util

        look_up = ctypes.util.find_library
        ctypes.util.find_library = lambda name: None
        try:
            with precompiled_cffi(), deferred_imports(), stored_user_agent_sheets():
                import weasyprint
        except OSError:  # a library only the look-up finds: import the ordinary way
            for name in [module for module in sys.modules if module.startswith("weasyprint")]:
                del sys.modules[name]
            ctypes.util.find_library = look_up
            import weasyprint  # noqa: F401
        finally:
            ctypes.util.find_library = look_up


@cache
def _house_style(stylesheet: Path, version: tuple[int, int]) -> tuple[Any, Any]:
    """The house stylesheet parsed once, with its fonts loaded once, per file version.

    Every document of the process shares the FontConfiguration, so the bundled fonts are
    read and registered once instead of once per document; an edited stylesheet (another
    mtime or size) is parsed anew.
    """
    import_weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    from docgen.stylesheets import parsed_file

    fonts = FontConfiguration()
    css = parsed_file(stylesheet, fonts, _fetcher(stylesheet.parent.parent))
    return css, fonts


# Let the shared fonts go while the interpreter still runs: their clean-up at exit would
# otherwise find WeasyPrint's libraries already unloaded.
atexit.register(_house_style.cache_clear)


def house_style(templates_dir: Path) -> tuple[Any, Any]:
    """``(CSS, FontConfiguration)`` for ``styles/docgen.css`` in this templates folder."""
    stylesheet = templates_dir.resolve() / "styles" / "docgen.css"
    try:
        status = stylesheet.stat()
    except OSError:
        raise ConfigError(f"templates: {stylesheet} is missing") from None
    return _house_style(stylesheet, (status.st_mtime_ns, status.st_size))


@cache
def _fetcher(assets_root: Path) -> Any:
    import_weasyprint()
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


@lru_cache(maxsize=8)  # a few page sizes; an edited house style brings new fonts
def _parsed_sheet(text: str, fonts: Any) -> Any:
    from weasyprint import CSS

    return CSS(string=text, font_config=fonts)


atexit.register(_parsed_sheet.cache_clear)  # as the house style: before the libraries go


def render_document(html: str, templates_dir: Path, name: str, extra_style: str = "") -> Document:
    """Lay out one document with the house stylesheet; raise RenderError on a refused fetch
    or any warning.

    ``extra_style``: CSS applied after the house stylesheet, parsed once per process (a
    ``<style>`` element is parsed anew with every document).
    """
    import_weasyprint()
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    root = templates_dir.resolve()
    base_url = (root / "documents").as_uri() + "/"
    with _warnings_fail() as capture:
        try:
            stylesheet, fonts = house_style(root)
            sheets = [stylesheet] + ([_parsed_sheet(extra_style, fonts)] if extra_style else [])
            document = HTML(string=html, base_url=base_url, url_fetcher=_fetcher(root)).render(
                stylesheets=sheets, font_config=fonts, pdf_tags=True
            )
        except FatalURLFetchingError:  # a BaseException: caught here, never a traceback
            raise RenderError(
                f"{name}: the template asked for a file outside the bundled assets"
            ) from None
    if capture.messages:
        raise RenderError(f"{name}: renderer warning: {capture.messages[0]}")
    _refuse_attachments(document, name)
    return document


def _refuse_attachments(document: Document, name: str) -> None:
    """A packet embeds no files: ``rel="attachment"`` in a site's template is refused.

    WeasyPrint would read such a link through the fetcher when writing the PDF and embed
    the file, so it is stopped here, before anything is read.
    """
    linked = any(link[0] == "attachment" for page in document.pages for link in page.links)
    if linked or document.metadata.attachments:
        raise ConfigError(f"templates: {name} links a file to embed (rel=attachment)")


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
    from weasyprint.urls import FatalURLFetchingError

    with _warnings_fail() as capture:
        try:
            pdf = combined.write_pdf(pdf_variant="pdf/a-3u", pdf_tags=True)
        except FatalURLFetchingError:  # a BaseException: caught here, never a traceback
            raise RenderError("the packet asked for a file outside the bundled assets") from None
    if capture.messages:
        raise RenderError(f"renderer warning: {capture.messages[0]}")
    assert isinstance(pdf, bytes)
    return pdf


@dataclass(frozen=True)
class SlotPlace:
    """Where a patient value goes on a laid-out page (a ``slot()`` placeholder's box).

    Coordinates are CSS px from the page's top left. ``anchor`` "top": the value's first
    line starts at ``y`` (a one-line placeholder); "bottom": its last line ends at ``y`` (the
    header identity, bottom-aligned in its cell, grows upwards).
    """

    page: int
    name: str
    anchor: str
    x: float
    y: float
    width: float
    height: float
    style: str  # the CSS the value inherits there: font size and weight, line height, ...


def _css_style(style: Any) -> str:
    line_height = style["line_height"]
    if hasattr(line_height, "unit"):
        line_height = f"{line_height.value:.4f}px"
    return (
        f"font-size: {style['font_size']:.4f}px; font-weight: {style['font_weight']}; "
        f"font-style: {style['font_style']}; line-height: {line_height}; "
        f"text-align: {style['text_align_all']}; direction: {style['direction']}"
    )


def slot_places(document: Document, first_page: int = 0) -> list[SlotPlace]:
    """Every slot placeholder of a laid-out document, page by page (margin boxes too)."""
    places: list[SlotPlace] = []
    for number, page in enumerate(document.pages, start=first_page):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            if element is None or box.element_tag != "article" or "data-slot" not in element.attrib:
                continue
            if type(box).__name__ != "BlockBox":  # the element's own box, not an anonymous one
                continue
            anchor = element.get("data-anchor", "top")
            y = box.content_box_y() + (box.height if anchor == "bottom" else 0)
            places.append(SlotPlace(number, element.get("data-slot"), anchor,
                                    round(box.content_box_x(), 3), round(y, 3),
                                    round(box.width, 3), round(box.height, 3),
                                    _css_style(box.style)))  # fmt: skip
    return places
