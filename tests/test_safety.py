"""Rendering safety: autoescaping, a renderer that reads only bundled assets, no silent loss."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from docgen.errors import RenderError
from docgen.fonts import unprintable
from docgen.pdf import render_document
from docgen.resources import Resources

TEMPLATES = Resources.bundled().templates
INJECTION = '<img src="file:///etc/hostname">'


def test_markup_in_a_name_prints_literally(render: Any) -> None:
    packet = render(family_name=INJECTION, given_name="<b>Robin</b>")
    for page in packet.pages:
        assert f"{INJECTION}, <b>Robin</b>" in page
    with pikepdf.open(io.BytesIO(packet.packet.pdf)) as pdf:
        assert len(pdf.attachments) == 0
        assert "/EmbeddedFiles" not in pdf.Root.get("/Names", {})
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                assert annot.get("/Subtype") != "/FileAttachment"
        assert (
            len(
                [
                    o
                    for o in pdf.objects
                    if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
                ]
            )
            == 0
        )


def _page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}</head><body><p>text</p>{body}</body></html>"


@pytest.mark.parametrize(
    "body",
    [
        '<img src="file:///etc/hostname">',
        '<img src="../../../../etc/hostname">',
        '<img src="http://127.0.0.1:9/x.png">',
        '<img src="https://example.org/x.png">',
    ],
)
def test_fetches_outside_the_bundled_assets_fail_the_document(body: str) -> None:
    with pytest.raises(RenderError, match="outside the bundled assets"):
        render_document(_page(body), TEMPLATES, "test")


def test_a_stylesheet_outside_the_assets_fails(tmp_path: Path) -> None:
    outside = tmp_path / "evil.css"
    outside.write_text("p { color: red }", encoding="utf-8")
    with pytest.raises(RenderError):
        render_document(
            _page("", f'<link rel="stylesheet" href="{outside.as_uri()}">'), TEMPLATES, "test"
        )


def test_bundled_assets_are_served() -> None:
    document = render_document(
        _page("", '<link rel="stylesheet" href="../styles/docgen.css">'), TEMPLATES, "test"
    )
    assert len(document.pages) == 1


def test_a_renderer_warning_fails_the_document() -> None:
    with pytest.raises(RenderError, match="renderer warning"):
        render_document(_page("", "<style>p { colour: red }</style>"), TEMPLATES, "test")


def test_characters_without_a_bundled_glyph_are_found() -> None:
    fonts = TEMPLATES / "fonts"
    assert unprintable("Yılmaz Şükrü Ğ İ ç ñ ß é – “ ” محمد Ωμέγα Иван", fonts) == []
    assert unprintable("漢字 ok", fonts) == ["字", "漢"]
