"""Pages per packet for every procedure, region and language (A4, Letter, large print).

    .venv/bin/python bench/pages.py > pages.tsv

A layout change should not make packets grow: compare this table before and after.
"""

from __future__ import annotations

import dataclasses
import os
import sys

from docgen.catalog import load_catalog
from docgen.options import RenderOptions
from docgen.packet import render_packet
from docgen.request import LANGUAGES, validate_record
from docgen.site import load_site

LEVEL_OF_REGION = {"cervical": "C5-C6", "thoracic": "T7-T8", "lumbar": "L4-L5"}
VARIANTS = {
    "A4": ("A4", False),
    "Letter": ("letter", False),
    "A4 large": ("A4", True),
}


def main() -> None:
    os.environ.setdefault("DOCGEN_TODAY", "2026-11-20")
    site = load_site()
    catalog = load_catalog(site.resources.procedures)
    print("variant\tprocedure\tregion\tlanguage\tconsent\tpreop\tdischarge\ttotal")
    for variant, (paper, large) in VARIANTS.items():
        variant_site = dataclasses.replace(site, paper=paper)
        for procedure in catalog:
            for region in procedure.regions:
                for language in LANGUAGES:
                    record = {
                        "mrn": "0004567", "family_name": "Example", "given_name": "Alex",
                        "dob": "1960-05-14", "procedure": procedure.id,
                        "levels": LEVEL_OF_REGION[region.value], "side": "left",
                        "surgery_at": "2026-12-02T08:30", "language": language,
                    }  # fmt: skip
                    request = validate_record(record, catalog, variant_site)
                    packet = render_packet(request, variant_site, RenderOptions(large_print=large))
                    pages = {d.kind: d.pages for d in packet.documents}
                    print(f"{variant}\t{procedure.id}\t{region.value}\t{language}\t"
                          f"{pages.get('consent')}\t{pages.get('preop')}\t"
                          f"{pages.get('discharge')}\t{packet.pages}", flush=True)  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    main()
