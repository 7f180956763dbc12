"""Composition: a packet's body, its patient layer and its page codes made into one PDF.

Every packet takes this path, whether its body came from the cache or was just laid out,
so a packet's bytes do not depend on the cache (SPEC §11). pikepdf does the work: each band
of the layer page (docgen.layer) becomes a form XObject holding that band's text alone, so
text extraction finds each value once, where it is printed; each is drawn in its places,
moved there; then the code is drawn on each page and the packet's creation date written.
"""

from __future__ import annotations

import io

import pikepdf

from docgen.body import Body
from docgen.errors import RenderError
from docgen.layer import Layer, band_key
from docgen.stamp import CODE_SIZE, PageCode, code_operators, code_position

PX = 0.75  # PDF points per CSS px


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


def _band_forms(layer: pikepdf.Pdf, count: int) -> list[pikepdf.Stream]:
    """One form XObject per band: the page's drawing state and that band's text only."""
    page = layer.pages[0]
    owners = _band_owners(layer)
    streams: list[list[pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage]]
    streams = [[] for _ in range(count)]
    owner, depth = None, 0
    for instruction in pikepdf.parse_content_stream(page):
        operator = str(instruction.operator)
        if operator in ("BDC", "BMC"):
            depth += 1
            properties = instruction.operands[-1]
            if depth == 1 and isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                owner = owners[int(properties.MCID)]
                continue
        elif operator == "EMC":
            depth -= 1
            if depth == 0 and owner is not None:
                owner = None
                continue
        for number in range(count) if owner is None else (owner,):
            streams[number].append(instruction)
    return [
        pikepdf.Stream(layer, pikepdf.unparse_content_stream(operations), Type=pikepdf.Name.XObject,
                       Subtype=pikepdf.Name.Form, BBox=page.mediabox, Resources=page.Resources)
        for operations in streams
    ]  # fmt: skip


def _placements(body: Body, layer: Layer, page: int, forms: dict[int, str]) -> bytes:
    order = {key: number for number, key in enumerate(layer.bands)}
    ops = []
    for place in body.places:
        if place.page == page:
            key = band_key(place)
            shift = place.y - layer.bands[key].at  # CSS px downwards, from the band to the place
            ops.append(f"q 1 0 0 1 0 {-shift * PX:.3f} cm {forms[order[key]]} Do Q")
    if not ops:
        return b""
    # Drawn as artifacts: the structure tree stays the body's (see the closing note of #11).
    return ("/Artifact BMC\n" + "\n".join(ops) + "\nEMC\n").encode("ascii")


def compose(body: Body, layer: Layer, codes: list[PageCode], right_to_left: bool,
            created: str) -> bytes:  # fmt: skip
    """The finished packet: deterministic bytes for the same inputs (stable /ID)."""
    with pikepdf.open(io.BytesIO(body.pdf)) as pdf, pikepdf.open(io.BytesIO(layer.pdf)) as top:
        if len(pdf.pages) != len(codes):
            raise ValueError("one page code per page")
        forms = [pdf.copy_foreign(form) for form in _band_forms(top, len(layer.bands))]
        for number, (page, code) in enumerate(zip(pdf.pages, codes, strict=True)):
            left, bottom, right, upper = (float(v) for v in page.mediabox)
            used = {band_key(place) for place in body.places if place.page == number}
            names = {}
            for index, key in enumerate(layer.bands):
                if key in used:  # a fixed name: pikepdf's generated names are random
                    name = pikepdf.Name(f"/DocgenPatient{index}")
                    page.add_resource(forms[index], pikepdf.Name.XObject, name)
                    names[index] = str(name)
            x, y = code_position(right - left, upper - bottom, right_to_left)
            page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
            page.contents_add(pikepdf.Stream(pdf, b"Q\n" + _placements(body, layer, number, names)
                                             + code_operators(code.text, x, y, CODE_SIZE)))
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            for field in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate"):
                meta[field] = created
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True)
        return out.getvalue()
