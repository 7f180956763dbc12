"""Composition: a packet's body, its patient layer and its page codes made into one PDF.

Every packet takes this path, whether its body came from the cache or was just laid out,
so a packet's bytes do not depend on the cache (SPEC §11). pikepdf does the work: the text
of each band of the layer page (docgen.layer) is taken out of the layer's drawing and set
at each of its places' marks in the body (docgen.body), moved into place; so each value is
real text, drawn once per place, read and tagged where it is printed. Then the page code
is drawn on each page and the packet's own creation date is written.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from typing import Any

import pikepdf

from docgen.body import MARK, Body
from docgen.errors import RenderError
from docgen.layer import Layer, band_key
from docgen.stamp import CODE_SIZE, PageCode, code_operators, code_position

PX = 0.75  # PDF points per CSS px
# The layer's resources get names of their own in the body's pages.
RENAMED = {"Tf": pikepdf.Name.Font, "gs": pikepdf.Name.ExtGState}
PREFIX = "DocgenP"


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


def _renamed(instruction: pikepdf.ContentStreamInstruction) -> pikepdf.ContentStreamInstruction:
    operator = str(instruction.operator)
    operands = list(instruction.operands)
    if operator in RENAMED:
        operands[0] = pikepdf.Name(f"/{PREFIX}{str(operands[0])[1:]}")
    elif operator in ("Do", "sh", "cs", "CS", "scn", "SCN", "BI"):
        raise RenderError(f"the patient layer draws with {operator}, which is not placed")
    return pikepdf.ContentStreamInstruction(operands, instruction.operator)


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
        for number in range(count) if owner is None else (owner,):
            drawings[number].append(_renamed(instruction))
    return [pikepdf.unparse_content_stream(drawing) for drawing in drawings]


def compose(body: Body, layer: Layer, codes: list[PageCode], right_to_left: bool,
            created: str) -> bytes:  # fmt: skip
    """The finished packet: deterministic bytes for the same inputs (stable /ID)."""
    with contextlib.ExitStack() as open_files:
        pdf = open_files.enter_context(pikepdf.open(io.BytesIO(body.pdf)))
        if len(pdf.pages) != len(codes):
            raise ValueError("one page code per page")
        # A site's templates may print no patient value in a place of its own: no layer.
        place: Callable[[re.Match[bytes]], bytes] | None = None
        resources: dict[pikepdf.Name, dict[str, Any]] = {}
        if layer.bands:  # the layer stays open until saving: its copied streams are read then
            top = open_files.enter_context(pikepdf.open(io.BytesIO(layer.pdf)))
            place, resources = _placing(pdf, top, body, layer)
        for page, code in zip(pdf.pages, codes, strict=True):
            content = page.Contents.read_bytes()
            if place is not None and MARK.search(content):
                content = MARK.sub(place, content)
                for kind, objects in resources.items():
                    own = page.Resources.get(kind)
                    if own is None:
                        own = page.Resources[kind] = pikepdf.Dictionary()
                    for name, value in sorted(objects.items()):
                        own[f"/{PREFIX}{name[1:]}"] = value
            left, bottom, right, upper = (float(v) for v in page.mediabox)
            x, y = code_position(right - left, upper - bottom, right_to_left)
            page.Contents = pdf.make_stream(
                b"q\n" + content + b"\nQ\n" + code_operators(code.text, x, y, CODE_SIZE)
            )
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            for field in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate"):
                meta[field] = created
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True)
        return out.getvalue()


def _placing(pdf: pikepdf.Pdf, top: pikepdf.Pdf, body: Body, layer: Layer
             ) -> tuple[Callable[[re.Match[bytes]], bytes], dict[pikepdf.Name, dict[str, Any]]]:
    """What replaces each place's mark, and the layer's resources it draws with."""
    drawings = _band_drawings(top, len(layer.bands))
    order = {key: number for number, key in enumerate(layer.bands)}
    theirs = top.pages[0].Resources
    resources = {
        kind: {name: pdf.copy_foreign(top.make_indirect(value))
               for name, value in theirs.get(kind, pikepdf.Dictionary()).items()}
        for kind in (pikepdf.Name.ExtGState, pikepdf.Name.Font)
    }  # fmt: skip

    def place(match: re.Match[bytes]) -> bytes:
        spot = body.places[int(match.group(1))]
        key = band_key(spot)
        shift = (spot.y - layer.bands[key].at) * PX  # downwards, from the band to the place
        return f"1 0 0 1 0 {-shift:.3f} cm\n".encode("ascii") + drawings[order[key]]

    return place, resources
