"""Page codes: a QR code on every page, for scanning signed forms back into the record.

The code reads ``MRN|FORM-ID|REVISION|PAGE/PAGES`` (``...|BLANK`` on an intentionally blank
page). It is drawn as vector squares straight into each page's content, after layout, at a
fixed spot the page header keeps free (top corner on the reading-start side), and marked as
an artifact so screen readers of the tagged PDF skip it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docgen.qr import qr_matrix

MM = 72 / 25.4
CODE_SIZE = 18 * MM  # 33 modules at most -> 0.55 mm each: reads well from a 300 dpi scan
CODE_TOP = 8 * MM  # from the top edge of the sheet, clear of printer margins
CODE_SIDE = 16 * MM  # the page's side margin
QR_MASK = 4  # ISO/IEC 18004 mask pattern 100: a checkerboard of 2 x 3 blocks
_DARK_RUN = re.compile(b"\x01+")


@dataclass(frozen=True)
class PageCode:
    mrn: str
    form_id: str
    revision: str
    page: int | None  # None: an intentionally blank page
    pages: int

    @property
    def text(self) -> str:
        where = "BLANK" if self.page is None else f"{self.page}/{self.pages}"
        return f"{self.mrn}|{self.form_id}|{self.revision}|{where}"


def code_operators(text: str, x: float, y: float, size: float) -> bytes:
    """PDF operators drawing the code for ``text`` at (x, y), marked as an artifact."""
    # A fixed mask pattern: choosing the "best" of eight costs more than the rest of a
    # composed packet, and every mask is valid; the decoding tests read every code.
    matrix = qr_matrix(text, QR_MASK)
    count = len(matrix)
    ops = ["/Artifact BMC", "q", "0 0 0 rg", f"{size / count:.5f} 0 0 {size / count:.5f} "
           f"{x:.3f} {y:.3f} cm"]  # fmt: skip
    for row_index, row in enumerate(matrix):
        y_module = count - 1 - row_index
        # One rectangle per horizontal run of dark modules (1 bytes in the rows).
        ops += [f"{run.start()} {y_module} {run.end() - run.start()} 1 re"
                for run in _DARK_RUN.finditer(row)]  # fmt: skip
    ops += ["f", "Q", "EMC"]
    return ("\n".join(ops) + "\n").encode("ascii")


def code_position(
    page_width: float, page_height: float, right_to_left: bool
) -> tuple[float, float]:
    """Bottom-left corner of the code on a page, in PDF points."""
    x = page_width - CODE_SIDE - CODE_SIZE if right_to_left else CODE_SIDE
    return x, page_height - CODE_TOP - CODE_SIZE
