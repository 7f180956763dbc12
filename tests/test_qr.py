"""The page codes' QR matrices are segno's, placed by a plan made once per version."""

from __future__ import annotations

import random

import pytest
import segno

from docgen.qr import qr_matrix
from docgen.stamp import QR_MASK, PageCode

ALPHABETS = {
    "numeric": "0123456789",
    "alphanumeric": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
    "byte": "abcdefghijklmnopqrstuvwxyz0123456789|/-_ ",
    "utf-8": "aé|ğ-şİ中文ا ل ع ر ب ي",
}


def _segno_rows(text: str, mask: int) -> list[bytes]:
    code = segno.make(text, error="m", micro=False, boost_error=False, mask=mask)
    return [bytes(row) for row in code.matrix]


def test_page_codes_are_the_codes_segno_makes() -> None:
    texts = [PageCode(mrn, form, "2026-03", page, 13).text
             for mrn in ("1", "4100925", "00012345678901")
             for form in ("CONSENT-NUCLEOPLASTY", "DISCHARGE-PERCUTANEOUS-DISCECTOMY")
             for page in (1, 12, None)]  # fmt: skip
    for text in texts:
        assert qr_matrix(text, QR_MASK) == _segno_rows(text, QR_MASK), text


@pytest.mark.parametrize("mode", sorted(ALPHABETS))
def test_every_mode_version_and_mask_matches_segno(mode: str) -> None:
    chosen = random.Random(f"qr {mode}")
    versions = set()
    for length in list(range(1, 40)) + list(range(40, 400, 23)):
        text = "".join(chosen.choice(ALPHABETS[mode]) for _ in range(length))
        mask = chosen.randrange(8)
        rows = qr_matrix(text, mask)
        assert rows == _segno_rows(text, mask), (mode, length, mask)
        versions.add(len(rows))
    assert len(versions) >= 6 and max(versions) >= 45  # version 7 and up carry their version
