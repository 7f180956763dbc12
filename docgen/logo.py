"""A site's logo, checked at load: small, self-contained and quick to draw.

The logo is printed on every page. A hostile or broken file must not hang the renderer
(an SVG whose ``<use>`` elements copy each other a billion times), reach outside the
document (external references, scripts) or flood stderr (a PNG decompression bomb), so it
is refused at load with one line naming the limit.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import warnings
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from docgen.errors import ConfigError

MAX_BYTES = 512 * 1024
MAX_PIXELS = 4_000_000  # 2000 x 2000: far more than 40 x 10 mm at 600 dpi needs
MAX_SIDE = 8000
MAX_ELEMENTS = 5000  # after every <use> is expanded
MAX_DEPTH = 32
_SVG = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_REFUSED_ELEMENTS = {"script", "foreignObject", "image", "iframe", "object", "embed", "audio",
                     "video", "feImage"}  # fmt: skip
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?(?!#)", re.IGNORECASE)
_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}


def logo_data_uri(path: Path, where: str) -> str:
    """The logo as a data URI (the renderer reads nothing outside templates/)."""
    mime = _TYPES.get(path.suffix.lower())
    if mime is None or not path.is_file() or path.stat().st_size > MAX_BYTES:
        raise ConfigError(f"{where}: logo must be a PNG or SVG file under 512 KiB")
    data = path.read_bytes()
    if mime == "image/png":
        _check_png(data, where)
    else:
        _check_svg(data, where)
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _check_png(data: bytes, where: str) -> None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR" or len(data) < 24:
        raise ConfigError(f"{where}: logo is not a valid PNG file")
    width, height = struct.unpack(">II", data[16:24])  # read before any decoding
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise ConfigError(
            f"{where}: logo is {width} x {height} pixels; use at most "
            f"{MAX_PIXELS // 1_000_000} megapixels (e.g. 1200 x 300)"
        )
    from PIL import Image  # WeasyPrint's own image library

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a Pillow warning is a refusal, not stderr noise
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except Exception:  # any decoding failure means the renderer would fail too
        raise ConfigError(f"{where}: logo is not a valid PNG file") from None


def _check_svg(data: bytes, where: str) -> None:
    problem = svg_problem(data)
    if problem:
        raise ConfigError(f"{where}: logo SVG refused: {problem}")


def svg_problem(data: bytes) -> str | None:
    """Why an SVG logo is unsafe to print, or None."""
    head = data.lower()
    if b"<!doctype" in head or b"<!entity" in head:
        return "it declares a DOCTYPE or entities"
    if b"<?xml-stylesheet" in head:
        return "it links a style sheet"
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return "it is not well-formed XML"
    if root.tag != f"{_SVG}svg":
        return "its root element is not <svg>"
    by_id: dict[str, ElementTree.Element] = {}
    for element, depth in _walk(root):
        if depth > MAX_DEPTH:
            return f"elements nested deeper than {MAX_DEPTH} levels"
        name = element.tag.rpartition("}")[2]
        if name in _REFUSED_ELEMENTS:
            return f"it contains <{name}>"
        for key, value in element.attrib.items():
            local = key.rpartition("}")[2]
            if local.lower().startswith("on"):
                return f"it has an event handler ({local})"
            if local == "href" and not value.strip().startswith("#"):
                return "it refers to another file or address"
            if _EXTERNAL_URL.search(value):
                return "it refers to another file or address"
        if name == "style" and (_EXTERNAL_URL.search(element.text or "") or
                                "@import" in (element.text or "")):  # fmt: skip
            return "its style refers to another file or address"
        if "id" in element.attrib:
            by_id[element.attrib["id"]] = element
    try:
        total = _expanded_size(root, by_id, set(), {})
    except RecursionError:
        return "<use> references nested too deeply"
    if total is None:
        return "a <use> element refers to itself"
    if total > MAX_ELEMENTS:
        return f"more than {MAX_ELEMENTS} shapes once <use> copies are counted"
    return None


def _walk(root: ElementTree.Element) -> list[tuple[ElementTree.Element, int]]:
    found, stack = [], [(root, 1)]
    while stack:
        element, depth = stack.pop()
        found.append((element, depth))
        if len(found) > MAX_ELEMENTS:
            break  # the caller's count fails anyway
        stack.extend((child, depth + 1) for child in element)
    return found


def _expanded_size(element: ElementTree.Element, by_id: dict[str, ElementTree.Element],
                   active: set[int], memo: dict[int, int]) -> int | None:  # fmt: skip
    """Elements drawn for ``element``, each <use> counting its target again (None: a cycle).

    Counting stops early past the limit, so a billion-laughs file costs microseconds.
    """
    key = id(element)
    if key in memo:
        return memo[key]
    if key in active:
        return None
    active.add(key)
    total = 1
    children = list(element)
    if element.tag == f"{_SVG}use":
        href = element.get("href") or element.get(_XLINK_HREF) or ""
        target = by_id.get(href.strip().lstrip("#"))
        if target is not None:
            children.append(target)
    for child in children:
        size = _expanded_size(child, by_id, active, memo)
        if size is None:
            return None
        total += size
        if total > MAX_ELEMENTS:
            break
    active.discard(key)
    memo[key] = total
    return total
