"""Patient layer: one packet's patient values, laid out once each on a single page.

The body of a packet (docgen.body) holds an empty placeholder wherever a patient value
goes. Here each distinct value in each distinct type and width ("band") is laid out with
WeasyPrint as its place would set it, one band under the other on one page, so that
docgen.compose can take each band out (by its tags) and set it in its places. The identity
in the header is one band, drawn on every page; two places that show the same text alike
(the day of the operation in two sentences) share one. A value too wide for its one-line
place is set smaller to fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from docgen.errors import RenderError
from docgen.pdf import SlotPlace, render_document

GAP = 12.0  # CSS px between two bands
RISE = 200.0  # room above a bottom-anchored band (the identity wraps upwards in its cell)


@dataclass(frozen=True)
class Band:
    """Where one band lies on the layer page (CSS px from its top)."""

    at: float  # the value's top (anchor "top") or bottom (anchor "bottom")
    reach: float  # the lowest point the band may draw at


BandKey = tuple[str, str, float, float, float, str]  # text, anchor, x, width, height, style


def band_key(place: SlotPlace, value: Markup) -> BandKey:
    """Places that show the same text in the same width and type share one band."""
    return (str(value), place.anchor, place.x, place.width, place.height, place.style)


@dataclass(frozen=True)
class Layer:
    pdf: bytes  # one page, the size of the packet's pages, tagged: one Div per band
    bands: tuple[Band, ...]  # in the order of those Divs
    band_of_place: tuple[int, ...]  # for each place given, in order: the band it shows


def _arrange(keys: list[BandKey]) -> dict[BandKey, Band]:
    bands: dict[BandKey, Band] = {}
    cursor = GAP
    for key in sorted(keys, key=lambda key: key[1] != "bottom"):  # bottom-anchored first
        _text, anchor, _x, _width, height, _style = key
        if anchor == "bottom":
            cursor += RISE
            bands[key] = Band(cursor, cursor + GAP / 2)
            cursor += GAP
        else:
            bands[key] = Band(cursor, cursor + height + GAP / 2)
            cursor += height + GAP
    return bands


def _band_html(index: int, key: BandKey, band: Band, page_height: float,
               scale: float) -> Markup:  # fmt: skip
    text, anchor, x, width, _height, style = key
    value = Markup(text)  # the slot's value, escaped when the template rendered it
    where = (f"bottom: {page_height - band.at:.3f}px" if anchor == "bottom"
             else f"top: {band.at:.3f}px; white-space: nowrap")  # fmt: skip
    if scale < 1:  # its own block, in type relative to the place's
        value = Markup('<div style="font-size: {:.4f}em">{}</div>').format(scale, value)
    # As few elements as can be: each costs the layout about a millisecond.
    return Markup(
        '<div data-band="{}" style="position: absolute; left: {:.3f}px; width: {:.3f}px; {}; {}">'
        "{}</div>"
    ).format(index, x, width, Markup(where), Markup(style), value)


def _overflow(document: Any, widths: dict[int, float]) -> dict[int, float]:
    """Bands whose one-line value is wider than its place: the factor that makes it fit."""
    too_wide: dict[int, float] = {}
    for box in document.pages[0]._page_box.descendants():
        element = getattr(box, "element", None)
        if element is None or type(box).__name__ != "BlockBox" or "data-band" not in element.attrib:
            continue
        index = int(element.get("data-band"))
        texts = [part for part in box.descendants() if type(part).__name__ == "TextBox"]
        if index not in widths or not texts:
            continue
        extent = max(t.position_x + t.width for t in texts) - min(t.position_x for t in texts)
        if extent > widths[index] + 0.5:
            too_wide[index] = widths[index] / extent * 0.995
    return too_wide


def render_layer(
    places: list[SlotPlace],
    values: dict[str, Markup],
    *,
    language: str,
    direction: str,
    large_print: bool,
    page_size: tuple[float, float],
    templates_dir: Path,
) -> Layer:
    """Lay out every band of one packet on one page and return it as a small PDF."""
    if not places:  # nothing to place (a site's templates that print no value in a slot)
        return Layer(b"", (), ())
    missing = {place.name for place in places} - values.keys()
    if missing:
        raise RenderError(f"no value for the slot(s) {', '.join(sorted(missing))}")
    place_keys = [band_key(place, values[place.name]) for place in places]
    keys = list(dict.fromkeys(place_keys))  # in the order of the layer's HTML
    arranged = _arrange(keys)
    bands = [arranged[key] for key in keys]
    width, height = page_size
    if max(band.reach for band in bands) > height:
        raise RenderError("the patient values do not fit on one layer page")
    one_line = {index: key[3] for index, key in enumerate(keys) if key[1] == "top"}
    scales: dict[int, float] = {}
    for _attempt in range(2):  # the second layout only when a value had to be set smaller
        html = _layer_html(keys, bands, scales, language, direction, large_print, height)
        # Tagged: the tags tell docgen.compose which drawn text belongs to which band.
        document = render_document(html, templates_dir, "patient layer",
                                   _page_style(width, height))  # fmt: skip
        too_wide = _overflow(document, one_line)
        if not too_wide or scales:
            break
        scales = too_wide
    number = {key: index for index, key in enumerate(keys)}
    return Layer(document.write_pdf(pdf_tags=True), tuple(bands),
                 tuple(number[key] for key in place_keys))  # fmt: skip


def _page_style(width: float, height: float) -> str:
    # No margin boxes: the house sheet's header and footer boxes are empty here, and making
    # them cost about 3 ms a packet.
    return (f"@page {{ size: {width:.3f}px {height:.3f}px; margin: 0;"
            " @top-center { content: none } @bottom-left { content: none }"
            " @bottom-right { content: none } }")


def _layer_html(keys: list[BandKey], bands: list[Band], scales: dict[int, float], language: str,
                direction: str, large_print: bool, height: float) -> str:  # fmt: skip
    classes = "layer large-print" if large_print else "layer"
    parts = [
        Markup('<!DOCTYPE html><html lang="{}" dir="{}" class="{}"><head><meta charset="utf-8">'
               "</head><body>").format(language, direction, classes)
    ]
    parts += [_band_html(index, key, band, height, scales.get(index, 1.0))
              for index, (key, band) in enumerate(zip(keys, bands, strict=True))]  # fmt: skip
    parts.append(Markup("</body></html>"))
    return str(escape("").join(parts))
