"""Patient text of a rendered document, as plain sentences for readability formulas.

The running header and footer (identifiers, form ID, page numbers) are not reading text and
are dropped; a printed line that is not part of a sentence (a heading, a label) counts as
one unit of its own, as a reader meets it.
"""

from __future__ import annotations

import io
import re

import pypdf

_ENDS = (".", ":", ";", "!", "?")


def body_units(pdf: bytes, first_page: int, pages: int, header_lines: set[str]) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    units: list[str] = []
    for page in reader.pages[first_page - 1 : first_page - 1 + pages]:
        for raw in page.extract_text().splitlines():
            line = " ".join(raw.replace("•", " ").split())
            if not line or line in header_lines or re.match(r"^(Name|Date of birth|MRN):", line):
                continue
            if line.startswith("Form ") and "Page" in line:
                continue
            continues = units and not units[-1].endswith(_ENDS) and (
                line[0].islower() or line[0].isdigit() or line[0] in "(–-"
            )
            if continues:
                units[-1] = f"{units[-1]} {line}"
            else:
                units.append(line)
    return [unit if unit.endswith(_ENDS) else f"{unit}." for unit in units]


def reading_text(units: list[str]) -> str:
    # Colons and semicolons end a reading unit too: lists follow them one item per line.
    return " ".join(re.sub(r"[:;]$", ".", unit) for unit in units)
