"""HTML stage: a document view rendered through its Jinja2 template, autoescaped."""

from __future__ import annotations

import gettext
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
def environment(
    resources: Resources, language: str, translations: gettext.NullTranslations | None = None
) -> jinja2.Environment:
    """``translations`` is set only by the translator's draft preview (docgen.preview)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(resources.templates / "documents"),
        autoescape=True,  # every template, every value: patient data is never markup
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ltr"] = left_to_right
    if translations is None:
        translations = load_translations(resources, language)
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return env


def render_html(
    view: DocumentView,
    resources: Resources,
    template: str | None = None,
    translations: gettext.NullTranslations | None = None,
) -> str:
    env = environment(resources, view.language, translations)
    html = env.get_template(template or f"{view.kind}.html").render(doc=view)
    # The draft preview marks every page (its "DRAFT TRANSLATION" band); packets never do.
    mark_page = getattr(translations, "mark_page", None)
    if mark_page is not None:
        html = mark_page(html)
    # A character no bundled font has would print as a box or in a stray system font.
    missing = unprintable(html, resources.fonts)
    if missing:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in missing[:5])
        raise RenderError(f"{view.kind}: no bundled font has a glyph for {codes}")
    return html
