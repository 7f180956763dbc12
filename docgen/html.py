"""HTML stage: a document view rendered through its Jinja2 template, autoescaped."""

from __future__ import annotations

from functools import cache

import jinja2
from markupsafe import Markup, escape

from docgen.errors import RenderError
from docgen.fonts import unprintable
from docgen.i18n import load_translations
from docgen.resources import Resources
from docgen.viewmodel import DocumentView


def left_to_right(value: object) -> Markup:
    """Keep an identifier (MRN, L4–L5, a phone number) in reading order inside RTL text.

    WeasyPrint does not support CSS ``unicode-bidi``; the Unicode isolate characters
    LRI ... PDI do the same job in the text itself and are invisible in LTR documents.
    """
    return Markup("\u2066") + escape(str(value)) + Markup("\u2069")


@cache
def environment(resources: Resources, language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resources.templates / "documents"),
        autoescape=True,  # every template, every value: patient data is never markup
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ltr"] = left_to_right
    env.install_gettext_translations(  # type: ignore[attr-defined]
        load_translations(resources, language), newstyle=True
    )
    return env


def render_html(view: DocumentView, resources: Resources, template: str | None = None) -> str:
    env = environment(resources, view.language)
    html = env.get_template(template or f"{view.kind}.html").render(doc=view)
    # A character no bundled font has would print as a box or in a stray system font.
    missing = unprintable(html, resources.fonts)
    if missing:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in missing[:5])
        raise RenderError(f"{view.kind}: no bundled font has a glyph for {codes}")
    return html
