"""Composition: a packet's body, its patient layer and its page codes made into one PDF.

Every packet takes this path, whether its body came from the cache or was just laid out,
so a packet's bytes do not depend on the cache (SPEC §11). The body stays as it was laid
out; the packet's own objects follow it as an update of the file (docgen.append): the text
of each band of the layer page (docgen.layer) becomes a form XObject of its own, with the
layer's fonts, and each place the body draws fills its reserved form (docgen.body) with its
band moved into place. So each value is real text, read and tagged where it is printed.
Each page's reserved code stream gets its page code, and the dates become the packet's.
"""

from __future__ import annotations

import io

import pikepdf

from docgen.append import Copier, Update, stream
from docgen.body import PLACEHOLDER_DATE, PLACEHOLDER_STAMP, Body, Reserved
from docgen.errors import RenderError
from docgen.layer import Layer
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
    reserved = body.reserved
    if len(reserved.codes) != len(codes):
        raise ValueError("one page code per page")
    update = Update(body.pdf, reserved.trailer)
    # A site's templates may print no patient value in a place of its own: no layer.
    if layer.bands:
        with pikepdf.open(io.BytesIO(layer.pdf)) as top:
            _fill_places(update, top, body, layer)
    x, y = code_position(body.page_size[0] * PX, body.page_size[1] * PX, right_to_left)
    for number, code in zip(reserved.codes, codes, strict=True):
        # The page's own drawing ends its graphics state first (docgen.body).
        update.put(number, stream(b"", b"\nQ\n" + code_operators(code.text, x, y, CODE_SIZE)))
    _date(update, reserved, created)
    return update.finish()


def _date(update: Update, reserved: Reserved, created: str) -> None:
    """The packet's own creation date (``YYYY-MM-DDTHH:MM:SSZ``) in place of the body's, in
    the XMP metadata and the document information alike (PDF/A wants them to agree)."""
    xmp = reserved.xmp.replace(PLACEHOLDER_DATE, created).encode("utf-8")
    # Plain text, as the body's: a reader finds the XMP without decoding it.
    update.put(reserved.metadata, stream(b"/Type /Metadata /Subtype /XML", xmp, compress=False))
    stamp = "D:" + "".join(ch for ch in created if ch.isdigit()) + "Z"
    update.put(reserved.trailer.info,
               reserved.info.replace(PLACEHOLDER_STAMP, stamp).encode("latin-1"))  # fmt: skip


def _fill_places(update: Update, top: pikepdf.Pdf, body: Body, layer: Layer) -> None:
    """Each place's form: its band, moved from the layer into place.

    Each band is one form (the layer's drawing of that value, with the layer's fonts
    copied once); each place's reserved form draws its band moved to the place's height.
    """
    drawings = _band_drawings(top, len(layer.bands))
    theirs = top.pages[0].Resources
    copier = Copier(update)
    fonts = update.new()
    update.put(fonts, b"<< " + b" ".join(
        kind.encode("ascii") + b" " + copier.value(theirs[kind])
        for kind in ("/ExtGState", "/Font") if kind in theirs) + b" >>")  # fmt: skip
    box = b"[%s]" % b" ".join(copier.value(value) for value in top.pages[0].mediabox)
    bands = []
    for drawing in drawings:
        bands.append(update.new())
        update.put(bands[-1], _form(drawing, box, b"%d 0 R" % fonts))
    for number, spot, band in zip(body.reserved.places, body.places, layer.band_of_place,
                                  strict=True):  # fmt: skip
        shift = round((spot.y - layer.bands[band].at) * PX, 3)  # downwards, band to place
        moved = pikepdf.Array([1, 0, 0, 1, 0, -shift]).unparse()
        resources = b"<< /XObject << /DocgenBand %d 0 R >> >>" % bands[band]
        update.put(number, _form(b"/DocgenBand Do", box, resources, b" /Matrix " + moved))


def _form(drawing: bytes, box: bytes, resources: bytes, extra: bytes = b"") -> bytes:
    return stream(b"/Type /XObject /Subtype /Form /BBox %s /Resources %s%s"
                  % (box, resources, extra), drawing)  # fmt: skip
