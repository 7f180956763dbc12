"""The bundled fonts: what they can print.

docgen prints only with the fonts under templates/fonts/. A character none of them covers
would come out as an empty box or in a system font that differs between machines, so it is
an error instead.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError

from docgen.cache import startup_key, startup_store
from docgen.errors import ConfigError

# Any usable font set prints at least these: a folder without them is misconfigured.
_BASIC = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


@cache
def covered_characters(fonts_dir: Path) -> frozenset[str]:
    """Every character some bundled font draws; ConfigError for a folder without fonts.

    Reading the fonts' character maps takes a few hundredths of a second at every start,
    so the result is kept in the start-up store (docgen.cache), keyed by the fonts' bytes.
    """
    paths = sorted(fonts_dir.glob("*.ttf"))
    store, key = startup_store(), ""
    if store is not None:
        try:
            key = startup_key("docgen-font-coverage 1",
                              *(part for path in paths for part in (path.name, path.read_bytes())))
        except OSError:
            raise ConfigError(f"templates: the fonts in {fonts_dir} cannot be read") from None
    stored = store.get(key) if store is not None else None
    if stored is not None and len(stored) % 4 == 0:
        covered = {int.from_bytes(stored[at:at + 4], "big") for at in range(0, len(stored), 4)}
    else:
        covered = _read_character_maps(paths)
        if store is not None:
            store.put(key, b"".join(code.to_bytes(4, "big") for code in sorted(covered)))
    if not _BASIC.issubset(map(chr, covered)):
        raise ConfigError(
            f"templates: {fonts_dir} holds no usable fonts (the .ttf files docgen prints with)"
        )
    # Layout controls that are shaped, not drawn.
    covered.update({0x200C, 0x200D, 0x200E, 0x200F, 0xAD, 0x2066, 0x2067, 0x2068, 0x2069})
    return frozenset(map(chr, covered))


def _read_character_maps(paths: list[Path]) -> set[int]:
    covered: set[int] = set()
    for path in paths:
        try:
            with TTFont(path, lazy=True) as font:
                covered.update(font.getBestCmap() or {})
        except (OSError, TTLibError, AssertionError, KeyError):
            raise ConfigError(f"templates: the font {path.name} cannot be read") from None
    return covered


def unprintable(text: str, fonts_dir: Path) -> list[str]:
    """The characters of ``text`` that no bundled font can draw (whitespace excepted)."""
    missing = set(text) - covered_characters(fonts_dir)  # a packet's text: 100,000 characters
    return sorted(ch for ch in missing if not ch.isspace())
