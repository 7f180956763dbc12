"""The bilingual review sheet: every message side by side, for a second translator to sign.

``docgen i18n review LANG -o review.pdf|.html`` lists English | translation | where it
prints (file:line and the translator comment), marks what is missing or fuzzy, and ends
with a sign-off block. It prints no patient data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import jinja2

from docgen.languages import babel_locale
from docgen.messages import (
    PLACEHOLDER,
    check_catalog,
    extract_messages,
    message_keys,
    po_path,
    read_catalog,
)
from docgen.resources import Resources


@dataclass(frozen=True)
class ReviewRow:
    number: int
    source: str
    translation: str
    where: str  # "templates/documents/consent.html:74"
    comment: str  # the translator comment: where it prints, constraints
    status: str  # "", "fuzzy", "untranslated", or a check's reason


_PAGE = jinja2.Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Translation review: {{ name }}</title>
<style>
@font-face { font-family: "Noto Sans"; src: url("../fonts/NotoSans-Regular.ttf"); }
@font-face { font-family: "Noto Sans"; font-weight: bold; src: url("../fonts/NotoSans-Bold.ttf"); }
@font-face { font-family: "Noto Naskh Arabic"; src: url("../fonts/NotoNaskhArabic-Regular.ttf"); }
@page { size: A4 landscape; margin: 12mm;
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: "Noto Sans", "Noto Naskh Arabic"; font-size: 8.5pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #888; padding: 1.5mm; vertical-align: top; text-align: start; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.where { font-size: 7pt; color: #333; width: 22%; }
td.status { color: #b00000; font-weight: bold; }
.signoff { break-inside: avoid; margin-top: 8mm; }
.line { border-bottom: 0.5pt solid #000; height: 9mm; margin-bottom: 2mm; }
</style></head><body>
<h1>Translation review: {{ name }} ({{ code }})</h1>
<p>{{ rows | length }} messages; {{ open }} not ready (marked in red). Generated {{ generated }}
from {{ path }}. Check each translation against the English: meaning, numbers, negations,
and that it reads naturally for a patient.</p>
<table><thead><tr><th>#</th><th>English</th><th>{{ name }}</th><th>Where it prints</th></tr>
</thead><tbody>
{% for row in rows %}<tr><td>{{ row.number }}</td><td>{{ row.source }}</td>
<td dir="{{ direction }}" lang="{{ code }}"{% if row.status %} class="status"{% endif %}>
{% if row.status %}[{{ row.status }}] {% endif %}{{ row.translation }}</td>
<td class="where">{{ row.where }}{% if row.comment %}<br>{{ row.comment }}{% endif %}</td></tr>
{% endfor %}</tbody></table>
<section class="signoff"><h2>Sign-off</h2>
<p>I have compared every message above with the English and confirm that the {{ name }}
translation is accurate and suitable for patients.</p>
<p>Reviewer name</p><div class="line"></div><p>Signature</p><div class="line"></div>
<p>Date</p><div class="line"></div></section>
</body></html>
""")


def review_rows(resources: Resources, language: str) -> list[ReviewRow]:
    path = po_path(resources, language)
    catalog = read_catalog(path)
    expected = extract_messages(resources)
    problems = {p.line: p.reason for p in check_catalog(path, message_keys(expected))}
    rows: list[ReviewRow] = []
    for message in expected:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else " / ".join(message.id)
        found = catalog.get(message.id, context=message.context)
        strings = "" if found is None else found.string
        translation = strings if isinstance(strings, str) else " / ".join(strings or ())
        if found is None or not translation:
            status = "untranslated"
        else:
            status = problems.get(found.lineno or -1, "")
        context = f"[{message.context}] " if message.context else ""
        rows.append(ReviewRow(
            number=len(rows) + 1, source=context + source, translation=translation,
            where=", ".join(f"{file}:{line}" for file, line in message.locations),
            comment=" ".join(message.auto_comments), status=status,
        ))  # fmt: skip
    return rows


def _isolate_placeholders(text: str) -> str:
    """Keep "%(date)s" readable inside right-to-left text (left-to-right isolates)."""
    return PLACEHOLDER.sub(lambda match: f"\u2066{match[0]}\u2069", text)


def review_html(resources: Resources, language: str) -> str:
    locale = babel_locale(language)
    rows = review_rows(resources, language)
    if locale.character_order == "right-to-left":
        rows = [replace(row, translation=_isolate_placeholders(row.translation)) for row in rows]
    name = locale.get_display_name("en") or language
    return _PAGE.render(
        name=name, code=language, rows=rows, open=sum(1 for row in rows if row.status),
        direction="rtl" if locale.character_order == "right-to-left" else "ltr",
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        path=po_path(resources, language).relative_to(resources.locales.parent),
    )  # fmt: skip


def review_pdf(resources: Resources, language: str) -> bytes:
    from docgen.pdf import render_document

    document = render_document(review_html(resources, language), resources.templates, "review")
    pdf = document.write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
