"""Packet body: every document of a packet laid out without its patient values.

The body's HTML is the same for every patient with the same procedure, levels, side,
language, site and options (docgen.html ``slot()`` takes the patient values out), so its
key is a hash of exactly what WeasyPrint reads: that HTML, the files of the templates folder
it may fetch (stylesheets, fonts, images), and the versions of docgen and WeasyPrint. Any
edit to a procedure file, a translation, the site or a template changes the key.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import pikepdf

from docgen.append import Trailer, trailer_of
from docgen.errors import RenderError
from docgen.html import BodyHTML
from docgen.pdf import SlotPlace, import_weasyprint, render_document, slot_places, write_pdf

FORMAT = b"docgen-body 3\n"
# The body's creation date; docgen.compose writes the packet's own.
PLACEHOLDER_DATE = "2000-01-01T00:00:00Z"
PLACEHOLDER_STAMP = "D:20000101000000Z"  # the same, in the document information


@dataclass(frozen=True)
class DocumentBody:
    """One document of the body: its HTML, and that of the blank page that may follow it."""

    name: str
    page: BodyHTML
    blank: BodyHTML


@dataclass(frozen=True)
class PdfMetadata:
    title: str
    language: str
    author: str
    subject: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Reserved:
    """The body's objects that stand empty for a packet's own (docgen.compose writes their
    new versions in an update of the file, docgen.append), and what that update needs."""

    trailer: Trailer
    codes: tuple[int, ...]  # per page: the stream that draws its page code
    places: tuple[int, ...]  # per place: the form its mark draws
    metadata: int  # the XMP stream
    xmp: str  # its text, with PLACEHOLDER_DATE
    info: str  # the document information dictionary's text, with PLACEHOLDER_STAMP


@dataclass(frozen=True)
class Body:
    pdf: bytes
    pages: tuple[int, ...]  # each document's own pages, without a blank page after it
    places: tuple[SlotPlace, ...]  # page numbers count from 0 within the packet
    page_size: tuple[float, float]  # CSS px
    reserved: Reserved

    def to_bytes(self) -> bytes:
        head = {"pages": self.pages, "places": [asdict(place) for place in self.places],
                "page_size": self.page_size, "reserved": asdict(self.reserved)}  # fmt: skip
        encoded = json.dumps(head, separators=(",", ":")).encode("utf-8")
        return FORMAT + str(len(encoded)).encode("ascii") + b"\n" + encoded + self.pdf

    @classmethod
    def from_bytes(cls, data: bytes) -> Body:
        if not data.startswith(FORMAT):
            raise ValueError("not a docgen body")
        size_line, _, rest = data[len(FORMAT):].partition(b"\n")
        head = json.loads(rest[: int(size_line)])
        reserved = head["reserved"]
        reserved.update(trailer=Trailer(**reserved["trailer"]), codes=tuple(reserved["codes"]),
                        places=tuple(reserved["places"]))  # fmt: skip
        return cls(
            pdf=rest[int(size_line):],
            pages=tuple(head["pages"]),
            places=tuple(SlotPlace(**place) for place in head["places"]),
            page_size=(head["page_size"][0], head["page_size"][1]),
            reserved=Reserved(**reserved),
        )


@cache
def _assets_digest(root: Path, files: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _mtime, _size in files:
        digest.update(name.encode("utf-8") + b"\0" + (root / name).read_bytes())
    return digest.hexdigest()


def assets_digest(templates_dir: Path) -> str:
    """A hash of every file the renderer may fetch; read again only when one changes."""
    root = templates_dir.resolve()
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix != ".toml":  # procedure and site files: in the HTML
            status = path.stat()
            files.append((str(path.relative_to(root)), status.st_mtime_ns, status.st_size))
    return _assets_digest(root, tuple(files))


def body_key(documents: list[DocumentBody], metadata: PdfMetadata, templates_dir: Path) -> str:
    """The cache key of a body: everything its layout and its PDF are made from."""
    import_weasyprint()
    from weasyprint import __version__ as weasyprint_version

    from docgen import __version__

    digest = hashlib.sha256(FORMAT)
    digest.update(f"docgen {__version__} weasyprint {weasyprint_version}\0".encode())
    digest.update(assets_digest(templates_dir).encode("ascii"))
    digest.update(json.dumps(asdict(metadata)).encode("utf-8"))
    for document in documents:
        for html in (document.page.html, document.blank.html):
            digest.update(b"\0" + hashlib.sha256(html.encode("utf-8")).digest())
    return digest.hexdigest()


def lay_out_body(
    documents: list[DocumentBody], metadata: PdfMetadata, templates_dir: Path
) -> Body:
    """Lay out each document (and a blank page after an odd page count) into one PDF."""
    laid_out = []
    pages: list[int] = []
    places: list[SlotPlace] = []
    count = 0
    for document in documents:
        laid = render_document(document.page.html, templates_dir, document.name)
        places += slot_places(laid, first_page=count)
        pages.append(len(laid.pages))
        laid_out.append(laid)
        count += len(laid.pages)
        if len(laid.pages) % 2:
            blank = render_document(document.blank.html, templates_dir, "blank page")
            places += slot_places(blank, first_page=count)
            laid_out.append(blank)
            count += len(blank.pages)
    sizes = {(page.width, page.height) for laid in laid_out for page in laid.pages}
    if len(sizes) != 1:
        raise RenderError("every page of a packet must have the same size")
    pdf = write_pdf(laid_out, title=metadata.title, language=metadata.language,
                    author=metadata.author, subject=metadata.subject,
                    keywords=list(metadata.keywords), created=PLACEHOLDER_DATE)  # fmt: skip
    marked, reserved = _mark_places(pdf, places)
    return Body(marked, tuple(pages), tuple(places), sizes.pop(), reserved)


# Each place draws a form XObject of this name, in the page's resources: empty in the body
# (reserved), filled with the patient's value for that place by docgen.compose.
def place_name(place: int) -> str:
    return f"/DocgenPlace_{place}"

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF's row-vector order, as ``m cm`` applies m to the current matrix n)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)  # fmt: skip


def _inverse(m: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    det = a * d - b * c
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def _mark(place: int, matrix: Matrix) -> list[pikepdf.ContentStreamInstruction]:
    """Operators that return to the page's own coordinates and draw the place's form there."""
    numbers = [round(value, 6) for value in _inverse(matrix)]
    return [
        pikepdf.ContentStreamInstruction([], pikepdf.Operator("q")),
        pikepdf.ContentStreamInstruction(numbers, pikepdf.Operator("cm")),
        pikepdf.ContentStreamInstruction([pikepdf.Name(place_name(place))],
                                         pikepdf.Operator("Do")),
        pikepdf.ContentStreamInstruction([], pikepdf.Operator("Q")),
    ]


def _slot_of_mcid(pdf: pikepdf.Pdf, page: pikepdf.Page) -> dict[int, int]:
    """Marked-content ID -> the n-th slot placeholder (an Art element) of the page."""
    tree = pdf.Root.StructTreeRoot
    nums = tree.ParentTree.Nums
    by_page = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    owners: dict[int, int] = {}
    arts: list[tuple[int, int]] = []
    for mcid, element in enumerate(by_page.get(int(page.StructParents), [])):
        while "/S" in element and pikepdf.Name.Art != element.S and "/P" in element:
            element = element.P
        if element.get("/S") == pikepdf.Name.Art:
            if element.objgen not in arts:
                arts.append(element.objgen)
            owners[mcid] = arts.index(element.objgen)
    return owners


def _mark_places(pdf_bytes: bytes, places: list[SlotPlace]) -> tuple[bytes, Reserved]:
    """Put a mark for each place into the page's drawing, where its value belongs, and
    reserve the objects a packet fills in (its values' forms, its page codes, its dates).

    A one-line place: inside its placeholder's marked content, so the value drawn there is
    read in its place and tagged as the placeholder's text. The header identity: at the
    end of the page, as an artifact, like the running header it belongs to. Each page
    draws in its own graphics state, then its code's stream (empty here) ends that state.
    """
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        begin = pdf.make_stream(b"q\n")
        for number, page in enumerate(pdf.pages):
            mine = [index for index, place in enumerate(places) if place.page == number]
            page.Contents = pikepdf.Array([begin, *_drawing(pdf, page, mine, places),
                                           pdf.make_stream(b"\nQ\n")])  # fmt: skip
            if not mine:
                continue
            resources = page.obj.Resources
            if "/XObject" not in resources:
                resources.XObject = pikepdf.Dictionary()
            for index in mine:  # an empty form, for now
                form = pdf.make_stream(b"")
                form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
                form.BBox = pikepdf.Array([0, 0, 0, 0])
                resources.XObject[place_name(index)] = form
        pdf.docinfo[pikepdf.Name.CreationDate] = PLACEHOLDER_STAMP
        pdf.docinfo[pikepdf.Name.ModDate] = PLACEHOLDER_STAMP
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True)
    marked = out.getvalue()
    with pikepdf.open(io.BytesIO(marked)) as pdf:  # saving numbered the objects anew
        xmp = pdf.Root.Metadata
        reserved = Reserved(
            trailer=trailer_of(pdf, marked),
            codes=tuple(page.obj.Contents[-1].objgen[0] for page in pdf.pages),
            places=tuple(_form_of(pdf, place.page, index) for index, place in enumerate(places)),
            metadata=xmp.objgen[0],
            xmp=xmp.read_bytes().decode("utf-8"),
            info=bytes(pdf.trailer.Info.unparse(resolved=True)).decode("latin-1"),
        )
    if reserved.xmp.count(PLACEHOLDER_DATE) != 2 or reserved.info.count(PLACEHOLDER_STAMP) != 2:
        raise RenderError("the laid-out pages carry no creation date to replace")
    return marked, reserved


def _form_of(pdf: pikepdf.Pdf, page: int, place: int) -> int:
    return int(pdf.pages[page].obj.Resources.XObject[place_name(place)].objgen[0])


def _drawing(pdf: pikepdf.Pdf, page: pikepdf.Page, mine: list[int],
             places: list[SlotPlace]) -> list[pikepdf.Object]:  # fmt: skip
    """The page's drawing, with a mark at each of its places."""
    if not mine:
        drawn = page.obj.Contents
        return list(drawn) if isinstance(drawn, pikepdf.Array) else [drawn]
    inline = [index for index in mine if places[index].anchor == "top"]
    owners = _slot_of_mcid(pdf, page) if inline else {}
    if len(set(owners.values())) != len(inline):
        raise RenderError(f"page {places[mine[0]].page + 1}: the value places cannot be found")
    matrix, saved, open_marks, marked = IDENTITY, [], [], set()
    drawing: list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage]
    drawing = []
    for instruction in pikepdf.parse_content_stream(page):
        operator = str(instruction.operator)
        if operator == "q":
            saved.append(matrix)
        elif operator == "Q":
            matrix = saved.pop()
        elif operator == "cm":
            numbers = [float(value) for value in instruction.operands]
            matrix = _times((numbers[0], numbers[1], numbers[2], numbers[3],
                             numbers[4], numbers[5]), matrix)  # fmt: skip
        elif operator in ("BDC", "BMC"):
            properties = instruction.operands[-1]
            mcid = (int(properties.MCID) if isinstance(properties, pikepdf.Dictionary)
                    and "/MCID" in properties else None)  # fmt: skip
            open_marks.append(owners.get(mcid) if mcid is not None else None)
        elif operator == "EMC" and open_marks:
            slot = open_marks.pop()
            if slot is not None and inline[slot] not in marked:
                drawing += _mark(inline[slot], matrix)
                marked.add(inline[slot])
        drawing.append(instruction)
    for index in mine:
        if places[index].anchor == "bottom":
            drawing.append(pikepdf.ContentStreamInstruction(
                [pikepdf.Name.Artifact], pikepdf.Operator("BMC")))  # fmt: skip
            drawing += _mark(index, matrix)
            drawing.append(pikepdf.ContentStreamInstruction([], pikepdf.Operator("EMC")))
    return [pdf.make_stream(pikepdf.unparse_content_stream(drawing))]
