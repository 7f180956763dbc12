"""The bundled fonts: what they can print.

docgen prints only with the fonts under templates/fonts/. A character none of them covers
would come out as an empty box or in a system font that differs between machines, so it is
an error instead.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError

from docgen.errors import ConfigError

# Any usable font set prints at least these: a folder without them is misconfigured.
_BASIC = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


@cache
def covered_characters(fonts_dir: Path) -> frozenset[str]:
    """Every character some bundled font draws; ConfigError for a folder without fonts."""
    covered: set[int] = set()
    for path in sorted(fonts_dir.glob("*.ttf")):
        try:
            with TTFont(path, lazy=True) as font:
                covered.update(font.getBestCmap() or {})
        except (OSError, TTLibError, AssertionError, KeyError):
            raise ConfigError(f"templates: the font {path.name} cannot be read") from None
    if not _BASIC.issubset(map(chr, covered)):
        raise ConfigError(
            f"templates: {fonts_dir} holds no usable fonts (the .ttf files docgen prints with)"
        )
    # Layout controls that are shaped, not drawn.
    covered.update({0x200C, 0x200D, 0x200E, 0x200F, 0xAD, 0x2066, 0x2067, 0x2068, 0x2069})
    return frozenset(map(chr, covered))


def unprintable(text: str, fonts_dir: Path) -> list[str]:
    """The characters of ``text`` that no bundled font can draw (whitespace excepted)."""
    covered = covered_characters(fonts_dir)
    return sorted({ch for ch in text if ch not in covered and not ch.isspace()})
