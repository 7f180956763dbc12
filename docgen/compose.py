"""Composition: a packet's body, its patient layer and its page codes made into one PDF.

Every packet takes this path, whether its body came from the cache or was just laid out,
so a packet's bytes do not depend on the cache (SPEC §11). pikepdf does the work: the text
of each band of the layer page (docgen.layer) is taken out of the layer's drawing into a
form XObject of its own, with the layer's fonts; each place the body draws (docgen.body)
becomes a small form that draws its band moved into place. So each value is real text,
read and tagged where it is printed, and the body's own page drawings are never rewritten.
Then the page code is drawn on each page and the packet's own creation date is written.
"""

from __future__ import annotations

import contextlib
import io

import pikepdf

from docgen.body import PLACEHOLDER_DATE, Body, place_name
from docgen.errors import RenderError
from docgen.layer import Layer, band_key
from docgen.stamp import CODE_SIZE, PageCode, code_operators, code_position

PX = 0.75  # PDF points per CSS px
# Operators that would need layer resources a band form does not carry.
_UNPLACEABLE = ("Do", "sh", "cs", "CS", "scn", "SCN", "BI")


def _band_owners(layer: pikepdf.Pdf) -> dict[int, int]:
    """Marked-content ID -> band number, from the layer's tags (one Div per band)."""
    tree = layer.Root.StructTreeRoot
    document = tree.K[0]
    bands = {element.objgen: number for number, element in enumerate(document.K)}
    nums = tree.ParentTree.get("/Nums")
    if nums is None or len(nums) < 2:
        raise RenderError("the patient layer has no tags to place its values by")
    owners = {}
    for mcid, element in enumerate(nums[1]):
        while element.P.objgen != document.objgen:
            element = element.P
        owners[mcid] = bands[element.objgen]
    return owners


def _band_drawings(layer: pikepdf.Pdf, count: int) -> list[bytes]:
    """Each band's drawing: the page's drawing state and that band's text only."""
    owners = _band_owners(layer)
    drawings: list[list[pikepdf.ContentStreamInstruction]] = [[] for _ in range(count)]
    owner, depth = None, 0
    for instruction in pikepdf.parse_content_stream(layer.pages[0]):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            raise RenderError("the patient layer holds an inline image")
        operator = str(instruction.operator)
        if operator in ("BDC", "BMC"):
            depth += 1
            properties = instruction.operands[-1]
            if depth == 1 and isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                owner = owners[int(properties.MCID)]
            # The layer's own IDs mean nothing in the body: each run stays a marked span
            # (readers keep a run's characters together), tagged by the body's mark around it.
            instruction = pikepdf.ContentStreamInstruction([pikepdf.Name.Span],
                                                           pikepdf.Operator("BMC"))
        elif operator == "EMC":
            depth -= 1
            if depth == 0 and owner is not None:
                drawings[owner].append(instruction)
                owner = None
                continue
        elif operator in _UNPLACEABLE:
            raise RenderError(f"the patient layer draws with {operator}, which is not placed")
        for number in range(count) if owner is None else (owner,):
            drawings[number].append(instruction)
    return [pikepdf.unparse_content_stream(drawing) for drawing in drawings]


def compose(body: Body, layer: Layer, codes: list[PageCode], right_to_left: bool,
            created: str) -> bytes:  # fmt: skip
    """The finished packet: deterministic bytes for the same inputs (stable /ID)."""
    with contextlib.ExitStack() as open_files:
        pdf = open_files.enter_context(pikepdf.open(io.BytesIO(body.pdf)))
        if len(pdf.pages) != len(codes):
            raise ValueError("one page code per page")
        # A site's templates may print no patient value in a place of its own: no layer.
        forms: dict[int, pikepdf.Object] = {}
        if layer.bands:  # the layer stays open until saving: its copied streams are read then
            top = open_files.enter_context(pikepdf.open(io.BytesIO(layer.pdf)))
            forms = _place_forms(pdf, top, body, layer)
        on_page: dict[int, dict[str, pikepdf.Object]] = {}
        for index, form in forms.items():
            on_page.setdefault(body.places[index].page, {})[place_name(index)] = form
        begin = pdf.make_stream(b"q\n")  # the body's drawing state ends before the code's
        for number, (page, code) in enumerate(zip(pdf.pages, codes, strict=True)):
            mine = on_page.get(number)
            if mine:
                resources = page.obj.Resources
                if "/XObject" not in resources:
                    resources.XObject = pikepdf.Dictionary()
                for name, form in sorted(mine.items()):
                    resources.XObject[name] = form
            left, bottom, right, upper = (float(v) for v in page.mediabox)
            x, y = code_position(right - left, upper - bottom, right_to_left)
            drawn = page.obj.Contents
            own = list(drawn) if isinstance(drawn, pikepdf.Array) else [drawn]
            page.obj.Contents = pikepdf.Array([begin, *own, pdf.make_stream(
                b"\nQ\n" + code_operators(code.text, x, y, CODE_SIZE))])
        _date(pdf, created)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True)
        return out.getvalue()


def _date(pdf: pikepdf.Pdf, created: str) -> None:
    """The packet's own creation date (``YYYY-MM-DDTHH:MM:SSZ``) in place of the body's, in
    the XMP metadata and the document information alike (PDF/A wants them to agree).

    The body's date is a fixed placeholder, replaced in the two XMP elements that hold it:
    parsing and rewriting the XMP with pikepdf cost about 9 ms a packet.
    """
    metadata = pdf.Root.Metadata
    xmp = metadata.read_bytes()
    for tag in (b"xmp:CreateDate", b"xmp:ModifyDate"):
        placeholder = b"<%s>%s</%s>" % (tag, PLACEHOLDER_DATE.encode(), tag)
        if xmp.count(placeholder) != 1:
            raise RenderError("the laid-out pages carry no creation date to replace")
        xmp = xmp.replace(placeholder, b"<%s>%s</%s>" % (tag, created.encode("ascii"), tag))
    metadata.write(xmp)
    stamp = "D:" + "".join(ch for ch in created if ch.isdigit()) + "Z"
    pdf.docinfo[pikepdf.Name.CreationDate] = pdf.docinfo[pikepdf.Name.ModDate] = stamp


def _place_forms(pdf: pikepdf.Pdf, top: pikepdf.Pdf, body: Body, layer: Layer
                 ) -> dict[int, pikepdf.Object]:  # fmt: skip
    """Place number -> the form its mark draws: its band, moved from the layer into place.

    Each band is one form (the layer's drawing of that value, with the layer's fonts);
    places that show a band at the same height share one small form that moves it there.
    """
    drawings = _band_drawings(top, len(layer.bands))
    theirs = top.pages[0].Resources
    fonts = pdf.make_indirect(pikepdf.Dictionary({
        kind: pdf.copy_foreign(top.make_indirect(theirs[kind]))
        for kind in ("/ExtGState", "/Font") if kind in theirs
    }))  # fmt: skip
    left, bottom, right, upper = (float(v) for v in top.pages[0].mediabox)
    box = pikepdf.Array([left, bottom, right, upper])
    bands = [_form(pdf, drawing, box, fonts) for drawing in drawings]
    order = {key: number for number, key in enumerate(layer.bands)}
    moved: dict[tuple[int, float], pikepdf.Object] = {}
    forms = {}
    for index, spot in enumerate(body.places):
        key = band_key(spot)
        band = order[key]
        shift = round((spot.y - layer.bands[key].at) * PX, 3)  # downwards, band to place
        if (band, shift) not in moved:
            form = _form(pdf, b"/DocgenBand Do", box,
                         pikepdf.Dictionary(XObject=pikepdf.Dictionary(DocgenBand=bands[band])))
            form.Matrix = pikepdf.Array([1, 0, 0, 1, 0, -shift])
            moved[band, shift] = form
        forms[index] = moved[band, shift]
    return forms


def _form(pdf: pikepdf.Pdf, drawing: bytes, box: pikepdf.Array,
          resources: pikepdf.Object) -> pikepdf.Object:  # fmt: skip
    form = pdf.make_stream(drawing)
    form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
    form.BBox, form.Resources = box, resources
    return form
