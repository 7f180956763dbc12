"""Atomic file writes: a temporary file in the same folder, fsync, then a rename into place.

An interrupted run leaves either the old file or the new one, never a partial file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TextIO, cast


@contextmanager
def _replaced(path: Path, mode: int, text: bool) -> Iterator[IO[Any]]:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
    try:
        with (
            os.fdopen(handle, "w", encoding="utf-8", newline="") if text
            else os.fdopen(handle, "wb")
        ) as out:  # fmt: skip
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically (creating its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _replaced(path, mode, text=False) as out:
        out.write(data)


@contextmanager
def open_atomic(path: Path, mode: int) -> Iterator[TextIO]:
    """Write a large text file piece by piece, then rename it into place (as write_atomic),
    so that neither the whole text nor a partial file ever exists."""
    with _replaced(path, mode, text=True) as out:
        yield cast(TextIO, out)


FileVersions = tuple[tuple[str, int, int], ...]


def file_versions(paths: Iterable[Path]) -> FileVersions:
    """Name, modification time and size of each file: a cache key that changes with an edit,
    so that a long-running process (``docgen serve``) reads an edited file again."""
    versions = []
    for path in paths:
        try:
            status = path.stat()
        except OSError:  # gone: the reader says what is missing
            versions.append((str(path), -1, -1))
        else:
            versions.append((str(path), status.st_mtime_ns, status.st_size))
    return tuple(versions)
