"""Spinal levels: the disc between two adjacent vertebrae, e.g. ``L4-L5``.

Input may be written ``L4/L5``, ``l4-5`` or ``L4–L5``; docgen stores ``L4-L5`` and prints
``L4–L5``. A packet covers one region; a procedure may limit how many levels it treats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from docgen.errors import DocgenError


class Region(StrEnum):
    CERVICAL = "cervical"
    THORACIC = "thoracic"
    LUMBAR = "lumbar"


def _build_levels() -> list[tuple[str, Region]]:
    vertebrae = (
        [f"C{n}" for n in range(2, 8)]
        + [f"T{n}" for n in range(1, 13)]
        + [f"L{n}" for n in range(1, 6)]
        + ["S1"]
    )
    region_of_upper = {"C": Region.CERVICAL, "T": Region.THORACIC, "L": Region.LUMBAR}
    return [(f"{upper}-{lower}", region_of_upper[upper[0]]) for upper, lower in pairwise(vertebrae)]


# In head-to-tail order: C2-C3 ... C7-T1 (cervical), T1-T2 ... T12-L1 (thoracic),
# L1-L2 ... L5-S1 (lumbar).
_LEVELS = _build_levels()
_ORDER = {code: index for index, (code, _) in enumerate(_LEVELS)}
_REGION = dict(_LEVELS)

_LEVEL_RE = re.compile(
    r"^\s*([CTLS])\s*(\d{1,2})\s*[-/–—‐‑]\s*([CTLS])?\s*(\d{1,2})\s*$", re.IGNORECASE
)
_RANGE_HINT = "levels run C2-C3 … L5-S1"


def _quoted(raw: str) -> str:
    """Echo user input safely: printable characters only, bounded length."""
    shown = "".join(ch for ch in raw if ch.isprintable())[:24]
    return f'"{shown}"'


@dataclass(frozen=True, order=False)
class Level:
    code: str  # normalised, e.g. "L4-L5"

    @property
    def region(self) -> Region:
        return _REGION[self.code]

    @property
    def label(self) -> str:
        """The printed form, with an en dash: ``L4–L5``."""
        return self.code.replace("-", "–")

    @property
    def position(self) -> int:
        return _ORDER[self.code]

    def __str__(self) -> str:
        return self.code


_RUN_TOGETHER_RE = re.compile(
    r"^\s*([CTL])\s*(\d{1,2}?)\s*([CTLS])?\s*(\d{1,2})\s*$", re.IGNORECASE
)
# A value that looks like a level may be echoed; anything else (a name after a column shift)
# is never repeated in a message.
_LEVEL_SHAPE_RE = re.compile(r"^[CTLS]\s*\d{1,2}[\s\-/–—‐‑]*[CTLS]?\s*\d{0,2}$", re.IGNORECASE)


def _code(upper_letter: str, upper_number: str, lower_letter: str | None,
          lower_number: str) -> str:  # fmt: skip
    upper = f"{upper_letter.upper()}{int(upper_number)}"
    lower = f"{(lower_letter or upper_letter).upper()}{int(lower_number)}"
    return f"{upper}-{lower}"


def _hint(raw: str) -> str:
    """What to type instead, for the usual slips: ``L45``, ``L4L5``, ``L5-L4``."""
    match = _LEVEL_RE.match(raw)
    if match:
        code = _code(*match.groups())
        upper, lower = code.split("-")
        reversed_code = f"{lower}-{upper}"
        if reversed_code in _ORDER:
            return f"write the upper level first: {reversed_code}"
        return _RANGE_HINT
    joined = _RUN_TOGETHER_RE.match(raw)  # "L45", "L4L5", "L5S1"
    if joined and _code(*joined.groups()) in _ORDER:
        return f"did you mean {_code(*joined.groups())}?"
    return _RANGE_HINT


def parse_level(raw: str) -> Level:
    match = _LEVEL_RE.match(raw)
    if match:
        code = _code(*match.groups())
        if code in _ORDER:
            return Level(code)
    if _LEVEL_SHAPE_RE.match(raw.strip()):
        raise DocgenError(f"{_quoted(raw)} is not a spinal level; {_hint(raw)}", field="levels")
    raise DocgenError(
        f"not a spinal level; write levels such as L4-L5, separated by ; ({_RANGE_HINT})",
        field="levels",
    )


def split_levels(value: str | Iterable[str]) -> list[str]:
    """Split the ``levels`` field: a list (JSON) or a ``;``-separated string (CSV)."""
    parts = re.split(r"[;,]", value) if isinstance(value, str) else list(value)
    return [part for part in (str(p).strip() for p in parts) if part]


def parse_levels(value: str | Iterable[str]) -> tuple[Level, ...]:
    """Parse, de-duplicate and order levels; all must lie in one region."""
    raw_parts = split_levels(value)
    if not raw_parts:
        raise DocgenError(f"at least one level is required; {_RANGE_HINT}", field="levels")
    levels = sorted({parse_level(part) for part in raw_parts}, key=lambda lv: lv.position)
    regions = sorted({level.region.value for level in levels})
    if len(regions) > 1:
        shown = ", ".join(level.code for level in levels)
        raise DocgenError(
            f"{shown} span more than one region ({' and '.join(regions)}); "
            "a packet covers one region",
            field="levels",
        )
    return tuple(levels)


def all_levels(region: Region | None = None) -> list[Level]:
    return [Level(code) for code, reg in _LEVELS if region is None or reg is region]
