"""Render cache store: patient-independent packet bodies, kept on disk and reused (SPEC §11).

The store knows bytes only: :mod:`docgen.packet` decides what an entry holds and derives its
key from everything that changes the printed body. Entries never contain patient data.
:mod:`docgen.i18n`, :mod:`docgen.html` and :mod:`docgen.stylesheets` keep a process's start-up
work here too (checked catalogs, compiled templates, parsed stylesheets; see
:func:`use_for_startup`).

On disk: one file per entry, named by its key (64 hex digits), holding a format line, the
SHA-256 of the data and the data. Writers put each entry into a temporary file in the same
folder and rename it into place, so readers see a whole entry or none, and several batch
workers can share one folder. ``get`` checks the hash: a damaged entry (a flipped byte, a
truncated file) is removed and is a miss, never returned. An entry's modification time is
its last use; when the folder holds more than ``max_bytes`` the least recently used go first.

A folder that cannot be used (not writable, a file in the way) never stops a render: ``get``
misses and ``put`` stores nothing. ``stats`` and ``clear`` (``docgen cache``) report it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import stat
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from docgen.errors import ConfigError

CACHE_DIR_ENV = "DOCGEN_CACHE_DIR"
MAX_MB_ENV = "DOCGEN_CACHE_MAX_MB"
DEFAULT_MAX_MB = 512
KEY = re.compile(r"[0-9a-f]{64}")  # a hex SHA-256: the only names the store builds paths from
_FORMAT = b"docgen-render-cache 1\n"  # a change of layout makes old entries misses
_DIGEST_SIZE = 32
_TEMP_PREFIX = ".tmp-"
_STALE_TEMP_SECONDS = 3600  # a temporary file this old was left by a writer that died
# Between scans a process counts what it wrote; it scans again once that passes a sixteenth
# of the bound, so several writers together overshoot the bound by little.
_RESCAN_FRACTION = 16

log = logging.getLogger("docgen.cache")


@dataclass(frozen=True)
class CacheStats:
    folder: Path
    entries: int
    bytes: int
    max_bytes: int


@dataclass
class _Tally:
    """This process's idea of the folder's size: the last scan plus its own writes since."""

    total: int
    written_since_scan: int


_tallies: dict[Path, _Tally] = {}  # per process; a fresh worker scans on its first put
_warned: set[Path] = set()


def _checked(key: str) -> str:
    if not isinstance(key, str) or not KEY.fullmatch(key):
        # The key itself is not repeated: only a hex digest is ever a key.
        raise ValueError("render cache: a key must be a lowercase hex SHA-256 digest")
    return key


def _pack(data: bytes) -> bytes:
    return _FORMAT + hashlib.sha256(data).digest() + data


def _unpack(raw: bytes) -> bytes | None:
    """The data of a whole, undamaged entry; None for anything else."""
    if not raw.startswith(_FORMAT):
        return None
    start = len(_FORMAT) + _DIGEST_SIZE
    digest, data = raw[len(_FORMAT) : start], raw[start:]
    if len(digest) != _DIGEST_SIZE or hashlib.sha256(data).digest() != digest:
        return None
    return data


@dataclass(frozen=True)
class RenderCache:
    """A folder of entries named by key; picklable, so batch workers get their own handle."""

    folder: Path
    max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024

    def _path(self, key: str) -> Path:
        return self.folder / _checked(key)

    def get(self, key: str) -> bytes | None:
        """The entry's bytes, or None when absent or damaged (a damaged entry is removed)."""
        path = self._path(key)
        if self._shared():
            return None
        try:
            handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:  # absent, evicted a moment ago, or an unusable folder: a miss
            return None
        try:
            with os.fdopen(handle, "rb") as file:
                opened = os.fstat(file.fileno())
                raw = file.read()
        except OSError:
            return None
        data = _unpack(raw)
        if data is None:
            _remove_if_same(path, opened)
            return None
        with suppress(OSError):  # its last use, for least-recently-used eviction
            os.utime(path)
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store atomically, then evict least recently used entries beyond ``max_bytes``."""
        path = self._path(key)
        if self._shared():
            return
        blob = _pack(data)
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=_TEMP_PREFIX)
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(blob)
                # No fsync: an entry cut short by a crash fails its hash and is re-rendered.
                os.replace(temporary, path)
            except BaseException:
                with suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as error:
            self._unusable(error)
            return
        self._count(len(blob))

    def stats(self) -> CacheStats:
        """Entries and their total size; ConfigError when the folder cannot be used."""
        self._check_usable()
        entries, total = 0, 0
        for _, _, size in self._listed(remove_stale=False):
            entries += 1
            total += size
        return CacheStats(self.folder, entries, total, self.max_bytes)

    def clear(self) -> int:
        """Remove every entry; return how many there were."""
        self._check_usable()
        removed = 0
        for _, name, _ in self._listed(remove_stale=True):
            with suppress(FileNotFoundError):  # another process evicted it first
                self._remove(name)
                removed += 1
        _tallies.pop(self.folder, None)
        return removed

    # --- Size bound ----------------------------------------------------------------------

    def _count(self, written: int) -> None:
        """After a put: scan and evict only when this process's tally says it may be needed."""
        tally = _tallies.get(self.folder)
        if (
            tally is None
            or tally.total + written > self.max_bytes
            or tally.written_since_scan + written > self.max_bytes // _RESCAN_FRACTION
        ):
            self._evict()
        else:
            tally.total += written
            tally.written_since_scan += written

    def _evict(self) -> None:
        """Remove the least recently used entries until the folder fits ``max_bytes``."""
        try:
            entries = sorted(self._scan(remove_stale=True))
        except OSError as error:
            self._unusable(error)
            return
        total = sum(size for _, _, size in entries)
        for _, name, size in entries:
            if total <= self.max_bytes:
                break
            with suppress(OSError):  # gone already: another process evicted it
                self._remove(name)
            total -= size
        _tallies[self.folder] = _Tally(total, 0)

    def _scan(self, remove_stale: bool) -> list[tuple[int, str, int]]:
        """(last use in ns, name, size) of every entry; missing folder: none."""
        found: list[tuple[int, str, int]] = []
        now = time.time()
        try:
            listing = os.scandir(self.folder)
        except FileNotFoundError:
            return found
        with listing:
            for item in listing:
                try:
                    info = item.stat(follow_symlinks=False)
                except FileNotFoundError:  # removed while we looked
                    continue
                if not stat.S_ISREG(info.st_mode):
                    continue
                if KEY.fullmatch(item.name):
                    found.append((info.st_mtime_ns, item.name, info.st_size))
                elif (
                    remove_stale
                    and item.name.startswith(_TEMP_PREFIX)
                    and now - info.st_mtime > _STALE_TEMP_SECONDS
                ):
                    with suppress(OSError):
                        self._remove(item.name)
        return found

    def _remove(self, name: str) -> None:
        os.unlink(self.folder / name)

    # --- An unusable folder --------------------------------------------------------------

    def _listed(self, remove_stale: bool) -> list[tuple[int, str, int]]:
        """:meth:`_scan` for the commands: a folder that cannot be read is one clear line."""
        try:
            return self._scan(remove_stale)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise ConfigError(f"the folder cannot be read ({reason})",
                              field=f"render cache {self.folder}") from None  # fmt: skip

    def _check_usable(self) -> None:
        """ConfigError naming the folder when it cannot hold entries (a file in the way, no
        permission); a folder not made yet is fine when it could be made."""
        where = f"render cache {self.folder}"
        existing = self.folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir():
            shown = "it" if existing == self.folder else str(existing)
            raise ConfigError(f"not a folder: a file is in the way ({shown})", field=where)
        if not os.access(existing, os.R_OK | os.W_OK | os.X_OK):
            raise ConfigError("the folder cannot be used (permission denied)", field=where)

    def _shared(self) -> bool:
        """Whether another account may write to the folder: then it is not used at all.

        Its entries become printed pages and text; whoever could write there could put
        other words into a patient's packet (the hash only finds damage). A folder not
        made yet is fine: it is made private.
        """
        if not hasattr(os, "getuid"):  # no POSIX owners and modes to check
            return False
        try:
            info = os.stat(self.folder)
        except OSError:
            return False
        if _only_mine(info):
            return False
        if self.folder not in _warned:
            _warned.add(self.folder)
            log.warning("render cache %s may be written by other accounts; rendering without "
                        "it (give docgen a folder of its own)", self.folder)  # fmt: skip
        return True

    def _unusable(self, error: OSError) -> None:
        """Say once per process that the cache is off; rendering goes on without it."""
        if self.folder not in _warned:
            _warned.add(self.folder)
            reason = error.strerror or type(error).__name__
            log.warning("render cache %s cannot be used (%s); rendering without it",
                        self.folder, reason)  # fmt: skip


def _remove_if_same(path: Path, opened: os.stat_result) -> None:
    """Remove a damaged entry unless a writer has just replaced it with a new one."""
    with suppress(OSError):
        now = os.stat(path, follow_symlinks=False)
        if (now.st_dev, now.st_ino) == (opened.st_dev, opened.st_ino):
            os.unlink(path)


def max_bytes_from_env() -> int:
    """$DOCGEN_CACHE_MAX_MB (whole megabytes, default 512) in bytes."""
    text = os.environ.get(MAX_MB_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_MB * 1024 * 1024
    try:
        megabytes = int(text)
    except ValueError:
        megabytes = 0
    if megabytes < 1:
        raise ConfigError("write a whole number of megabytes, at least 1", field=MAX_MB_ENV)
    return megabytes * 1024 * 1024


def default_folder() -> Path:
    """$DOCGEN_CACHE_DIR, else docgen in the user's cache directory."""
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen:
        return Path(chosen).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("docgen", appauthor=False))


def open_cache(folder: Path | None = None, *, enabled: bool = True) -> RenderCache | None:
    """The cache at ``folder``, else $DOCGEN_CACHE_DIR, else the user's cache directory;
    None when ``enabled`` is False (``--no-cache``)."""
    if not enabled:
        return None
    chosen = (folder if folder is not None else default_folder()).absolute()
    return RenderCache(chosen, max_bytes_from_env())


# --- Start-up work kept in the cache ------------------------------------------------------
# A new process repeats work whose result depends only on files it can hash: checking the
# translation catalogs (docgen.i18n), compiling the templates (docgen.html) and parsing the
# stylesheets (docgen.stylesheets). They sit behind functools caches reached from many
# places, or run while WeasyPrint is imported, so the store they use is one setting of the
# process, made where a command or worker opens its cache; None (the default, and
# --no-cache) keeps all of it in memory.

_startup: RenderCache | None = None


def use_for_startup(cache: RenderCache | None) -> None:
    """Keep this process's start-up work (checked catalogs, compiled templates, parsed
    stylesheets) in ``cache`` (None: not)."""
    global _startup
    _startup = cache


def startup_store() -> RenderCache | None:
    """The store set by :func:`use_for_startup`, if any."""
    return _startup


def startup_key(*parts: bytes | str) -> str:
    """A key over ``parts``, each length-prefixed so that no two sequences hash alike."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def holds_code_safely(folder: Path) -> bool:
    """Whether entries in ``folder`` may hold code this process runs (compiled templates,
    parsed stylesheets with their compiled selectors).

    Jinja's rule for its own cache folder: a real folder (not a link), owned by this user,
    that nobody else can write to. Anyone who could write there could make docgen run
    their code, so elsewhere templates are compiled in memory.
    """
    if not hasattr(os, "getuid"):
        return False
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and _only_mine(info)


def _only_mine(info: os.stat_result) -> bool:
    """Owned by this process's user, and nobody else may write to it."""
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def code_store(*, create: bool = False) -> RenderCache | None:
    """The start-up store when its folder may hold code (:func:`holds_code_safely`), else
    None; ``create`` makes a missing folder first, private (the writer's case)."""
    store = _startup
    if store is None:
        return None
    if create:
        with suppress(OSError):  # an unusable folder: the check below says no
            store.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return store if holds_code_safely(store.folder) else None
