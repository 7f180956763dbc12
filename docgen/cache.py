"""Render cache store: patient-independent packet bodies, kept on disk and reused (SPEC §11).

The store knows bytes only: :mod:`docgen.packet` decides what an entry holds and derives its
key from everything that changes the printed body. Entries never contain patient data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CacheStats:
    folder: Path
    entries: int
    bytes: int
    max_bytes: int


@dataclass(frozen=True)
class RenderCache:
    """A folder of entries named by key; picklable, so batch workers get their own handle."""

    folder: Path
    max_bytes: int = 512 * 1024 * 1024

    def get(self, key: str) -> bytes | None:
        """The entry's bytes, or None when absent or damaged (a damaged entry is removed)."""
        raise NotImplementedError  # TODO(i11-store)

    def put(self, key: str, data: bytes) -> None:
        """Store atomically, then evict least recently used entries beyond ``max_bytes``."""
        raise NotImplementedError  # TODO(i11-store)

    def stats(self) -> CacheStats:
        raise NotImplementedError  # TODO(i11-store)

    def clear(self) -> int:
        """Remove every entry; return how many there were."""
        raise NotImplementedError  # TODO(i11-store)


def open_cache(folder: Path | None = None, *, enabled: bool = True) -> RenderCache | None:
    """The cache at ``folder``, else $DOCGEN_CACHE_DIR, else the user's cache directory;
    None when ``enabled`` is False (``--no-cache``)."""
    raise NotImplementedError  # TODO(i11-store)
