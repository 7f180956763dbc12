"""HTML stage: a document view rendered through its Jinja2 template, autoescaped."""

from __future__ import annotations

from functools import cache

import jinja2

from docgen.errors import RenderError
from docgen.fonts import unprintable
from docgen.i18n import load_translations
from docgen.resources import Resources
from docgen.viewmodel import DocumentView


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
    env.install_gettext_translations(  # type: ignore[attr-defined]
        load_translations(resources, language), newstyle=True
    )
    return env


def render_html(view: DocumentView, resources: Resources) -> str:
    env = environment(resources, view.language)
    html = env.get_template(f"{view.kind}.html").render(doc=view)
    # A character no bundled font has would print as a box or in a stray system font.
    missing = unprintable(html, resources.fonts)
    if missing:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in missing[:5])
        raise RenderError(f"{view.kind}: no bundled font has a glyph for {codes}")
    return html
