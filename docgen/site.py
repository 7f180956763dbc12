"""Site configuration (SITE.toml): who prints the packet and how.

Without ``--site`` docgen uses the embedded demo site (templates/sites/demo.toml), whose
names and phone numbers are fictional.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from docgen.errors import ConfigError
from docgen.languages import language_codes
from docgen.resources import Resources

PAPER_SIZES = {"A4": "A4", "LETTER": "letter"}
_KEYS = {
    "name", "department", "address", "phone_day", "phone_emergency", "paper", "timezone",
    "staff_language", "arrival_lead_minutes", "form_prefix", "logo", "templates_dir",
    "locales_dir",
    # SPEC 12: settings for real sites
    "locale", "date_order", "mrn_digits", "mrn_pad", "fasting_food_hours",
    "fasting_fluid_hours", "emergency_number", "require_approval", "approvals", "notes", "web",
    "private_files",  # true: packets 0600 whatever the umask (default: follow the umask)
    "ambiguous_time",  # issue 12: which of a repeated hour (clocks going back) is meant
    "fasting_local",  # issue 12: true: local-anaesthetic-only patients fast as well
}  # fmt: skip
_WEB_KEYS = {
    "users_file", "trusted_header", "allowed_hosts", "idle_minutes", "retention_hours",
    "trusted_proxies",
}  # fmt: skip
DOCUMENT_NOTES = ("consent", "preop", "discharge")
_FORM_PREFIX_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,11})$")
_JOINERS = {"\u200c", "\u200d"}  # zero-width (non-)joiners shape Arabic and Indic text


@dataclass(frozen=True)
class LocalText:
    """A site string: one text for every language, or a text per language.

    ``name = "Riverside"`` is valid in every language; ``name = {en = "...", ar = "..."}``
    gives each language its own, and a language without an entry has none (never English).
    """

    everywhere: str | None = None
    by_language: tuple[tuple[str, str], ...] = ()

    def get(self, language: str) -> str | None:
        if self.everywhere is not None:
            return self.everywhere
        return dict(self.by_language).get(language)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(language for language, _ in self.by_language)


@dataclass(frozen=True)
class Approval:
    """A clinical lead's sign-off of one procedure revision, for some languages, here."""

    procedure: str
    revision: str
    languages: tuple[str, ...]
    approved_by: str
    approved_on: date


@dataclass(frozen=True)
class WebSettings:
    """``[web]``: the ward web app (SPEC 10.4)."""

    users_file: Path | None = None
    trusted_header: str | None = None  # user name set by a single-sign-on reverse proxy
    allowed_hosts: tuple[str, ...] = ()
    idle_minutes: int = 15  # ward PCs are shared
    retention_hours: int = 24
    trusted_proxies: int = 0  # reverse proxies whose X-Forwarded-* headers are believed


@dataclass(frozen=True)
class Site:
    name: str
    department: str
    address: tuple[str, ...]
    phone_day: str
    phone_emergency: str
    paper: str  # CSS page size keyword: "A4" or "letter"
    timezone: ZoneInfo
    staff_language: str
    arrival_lead_minutes: int
    form_prefix: str
    logo_data_uri: str | None
    resources: Resources
    # SPEC 12 (all optional in SITE.toml)
    locale: str | None = None  # Babel locale for the staff language, e.g. "en_US"
    date_order: str | None = None  # "DMY" / "MDY": how 26/11/2026 is read; None: ISO only
    mrn_digits: int | None = None  # shorter MRNs are padded with zeros (or refused)
    mrn_pad: bool = True
    fasting_food_hours: float = 6
    fasting_fluid_hours: float = 2
    emergency_number: str | None = None  # national, e.g. "999", "112"
    require_approval: bool = False
    approvals: tuple[Approval, ...] = ()
    notes: tuple[tuple[str, LocalText], ...] = ()  # (document kind, text)
    web: WebSettings = field(default_factory=WebSettings)
    strings: tuple[tuple[str, LocalText], ...] = ()  # name, department by language
    private_files: bool = False  # force 0600 files and 0700 folders whatever the umask
    warnings: tuple[str, ...] = ()  # e.g. a site procedure file older than the bundled one
    ambiguous_time: str | None = None  # "earlier" / "later"; None: refuse a repeated hour
    fasting_local: bool = False  # local anaesthetic only: fasting not required unless true

    def note(self, document: str, language: str) -> str | None:
        return dict(self.notes)[document].get(language) if document in dict(self.notes) else None

    @property
    def file_mode(self) -> int:
        """Packets follow the user's umask (a shared print spooler may need to read them),
        unless the site asks for private files."""
        return 0o600 if self.private_files else 0o666 & ~current_umask()

    def string(self, key: str, language: str) -> str | None:
        """``name`` or ``department`` in ``language`` (None: no text for that language)."""
        return dict(self.strings)[key].get(language)


def current_umask() -> int:
    try:  # Linux: read it without changing it (the web app runs threads)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o077)
    os.umask(current)
    return current


def _local_text(data: dict[str, Any], key: str, where: str) -> LocalText:
    value = data.get(key)
    if isinstance(value, str) and value.strip():
        return LocalText(everywhere=value.strip())
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items())
    ):
        return LocalText(by_language=tuple(sorted((k, v.strip()) for k, v in value.items())))
    raise ConfigError(f"{where}: {key} must be a text, or a table of texts by language")


def _first(text: LocalText, language: str) -> str:
    """The text in the staff language (else the first one given), for the metadata."""
    return text.get(language) or text.by_language[0][1]


def _number(data: dict[str, Any], key: str, low: float, high: float, default: float,
            where: str) -> float:  # fmt: skip
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{where}: {key} must be a number from {low:g} to {high:g}")
    return float(value)


def _flag(data: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false")
    return value


def _approvals(data: dict[str, Any], where: str) -> tuple[Approval, ...]:
    entries = data.get("approvals", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: approvals must be a list of [[approvals]] tables")
    approvals = []
    for number, entry in enumerate(entries, start=1):
        at = f"{where}: approvals #{number}"
        if not isinstance(entry, dict) or set(entry) != {
            "procedure", "revision", "languages", "approved_by", "approved_on"
        }:  # fmt: skip
            raise ConfigError(
                f"{at}: needs procedure, revision, languages, approved_by and approved_on"
            )
        languages = entry["languages"]
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            raise ConfigError(f'{at}: languages must be a list such as ["en", "es"]')
        if not isinstance(entry["approved_on"], date):
            raise ConfigError(f"{at}: approved_on must be a date such as 2026-11-30")
        approvals.append(Approval(
            procedure=_text(entry, "procedure", at), revision=str(entry["revision"]).strip(),
            languages=tuple(languages), approved_by=_text(entry, "approved_by", at),
            approved_on=entry["approved_on"],
        ))  # fmt: skip
    return tuple(approvals)


def _notes(data: dict[str, Any], where: str) -> tuple[tuple[str, LocalText], ...]:
    notes = data.get("notes", {})
    if not isinstance(notes, dict) or set(notes) - set(DOCUMENT_NOTES):
        raise ConfigError(f"{where}: [notes] takes {', '.join(DOCUMENT_NOTES)}")
    return tuple((kind, _local_text(notes, kind, f"{where}: notes")) for kind in sorted(notes))


def _web(data: dict[str, Any], base: Path, where: str) -> WebSettings:
    web = data.get("web", {})
    at = f"{where}: [web]"
    if not isinstance(web, dict) or set(web) - _WEB_KEYS:
        raise ConfigError(f"{at} takes {', '.join(sorted(_WEB_KEYS))}")
    hosts = web.get("allowed_hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise ConfigError(f"{at}: allowed_hosts must be a list of host names")
    return WebSettings(
        users_file=(base / str(web["users_file"])).resolve() if "users_file" in web else None,
        trusted_header=_text(web, "trusted_header", at) if "trusted_header" in web else None,
        allowed_hosts=tuple(h.lower() for h in hosts),
        idle_minutes=int(_number(web, "idle_minutes", 1, 24 * 60, 15, at)),
        retention_hours=int(_number(web, "retention_hours", 1, 24 * 90, 24, at)),
        trusted_proxies=int(_number(web, "trusted_proxies", 0, 5, 0, at)),
    )


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} must be a non-empty text")
    return value.strip()


def _folder(data: dict[str, Any], key: str, base: Path, default: Path, where: str) -> Path:
    if key not in data:
        return default
    folder = (base / str(data[key])).resolve()
    if not folder.is_dir():
        raise ConfigError(f"{where}: {key} {folder} is not a folder")
    return folder


def _logo(data: dict[str, Any], base: Path, where: str) -> str | None:
    if "logo" not in data:
        return None
    path = (base / str(data["logo"])).resolve()
    if not path.is_file():
        raise ConfigError(f"{where}: logo file not found: {data['logo']}")
    from docgen.logo import logo_data_uri  # checks size, pixels and SVG content

    return logo_data_uri(path, where)


def _with_fonts(resources: Resources) -> Resources:
    """A templates folder without its fonts is a configuration error, found at load."""
    from docgen.fonts import covered_characters

    covered_characters(resources.fonts)
    return resources


def _invisible_characters(value: Any, key: str, where: str) -> None:
    """Site strings are printed on every page: no bidi overrides or control characters,
    which could make a name, a number or an address read differently from what it is."""
    if isinstance(value, dict):
        for name, item in value.items():
            _invisible_characters(item, f"{key}.{name}" if key else str(name), where)
    elif isinstance(value, list):
        for item in value:
            _invisible_characters(item, key, where)
    elif isinstance(value, str):
        for ch in value:
            category = unicodedata.category(ch)
            if (category == "Cc" and ch not in "\n\t") or (
                category == "Cf" and ch not in _JOINERS
            ):
                raise ConfigError(
                    f"{where}: {key} contains an invisible control or direction character "
                    f"(U+{ord(ch):04X})"
                )


def _templates(data: dict[str, Any], base: Path, bundled: Path, where: str,
               warnings: list[str]) -> Path:  # fmt: skip
    """The site's ``templates_dir``: a complete copy is used as it is; a folder with only
    the files the site changes (a header, a style sheet) is laid over the bundled templates,
    so that every other file, and all clinical text, still comes from docgen itself."""
    own = _folder(data, "templates_dir", base, bundled, where)
    if own == bundled:
        return bundled
    warnings.extend(_outdated_procedures(own / "procedures", bundled / "procedures", where))
    wanted = _files(bundled)
    if not set(wanted) - set(_files(own)):
        return own  # a complete copy
    return _overlay(own, bundled, where)


def _files(root: Path) -> dict[str, Path]:
    return {
        path.relative_to(root).as_posix(): path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def _overlay(own: Path, bundled: Path, where: str) -> Path:
    """A folder holding the bundled templates with the site's files in their place.

    Content-addressed in the user's cache (``DOCGEN_CACHE_DIR``, else ``XDG_CACHE_HOME`` or
    ``~/.cache``), built once and renamed into place: real files, so the renderer's and the
    template loader's confinement to one folder still holds.
    """
    chosen = {**_files(bundled)}
    for relative, path in _files(own).items():
        if path.is_symlink() and not path.resolve().is_relative_to(own):
            raise ConfigError(f"{where}: templates_dir: {relative} links outside the folder")
        chosen[relative] = path
    digest = hashlib.sha256()
    for relative, path in sorted(chosen.items()):
        digest.update(relative.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    root = Path(
        os.environ.get("DOCGEN_CACHE_DIR")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "docgen"
    )
    target = root / "site-templates" / digest.hexdigest()[:32]
    if target.is_dir():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(dir=target.parent, prefix=".build-"))
        for relative, path in chosen.items():
            (building / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, building / relative)
        try:
            building.rename(target)
        except OSError:  # another process built the same overlay first
            shutil.rmtree(building, ignore_errors=True)
    except OSError as error:
        raise ConfigError(
            f"{where}: templates_dir: cannot prepare the templates ({error.strerror})"
        ) from None
    return target


def _revision(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return None


def _outdated_procedures(own: Path, bundled: Path, where: str) -> list[str]:
    """A site's own procedure file older than docgen's: the clinical text has moved on."""
    warnings = []
    for path in sorted(own.glob("*.toml")):
        theirs = bundled / path.name
        if not theirs.is_file():
            continue
        try:
            mine = _revision(str(tomllib.loads(path.read_text("utf-8")).get("revision", "")))
            newer = _revision(str(tomllib.loads(theirs.read_text("utf-8")).get("revision", "")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue  # the catalog reports a broken file itself
        if mine is not None and newer is not None and mine < newer:
            warnings.append(
                f"{where}: procedures/{path.name} is revision {'.'.join(map(str, mine))}; "
                f"docgen bundles revision {'.'.join(map(str, newer))}: review the changes"
            )
    return warnings


def _locale(data: dict[str, Any], staff_language: str, where: str) -> str | None:
    """A Babel locale of the staff language, e.g. en_US for an English site in the US."""
    if "locale" not in data:
        return None
    value = _text(data, "locale", where)
    try:
        parsed = Locale.parse(value)
    except (ValueError, UnknownLocaleError):
        raise ConfigError(f"{where}: locale {value!r} is not a known locale") from None
    if parsed.language != staff_language:
        raise ConfigError(f"{where}: locale must be a locale of staff_language ({staff_language})")
    return str(parsed)


def _ambiguous_time(data: dict[str, Any], where: str) -> str | None:
    value = data.get("ambiguous_time")
    if value is not None and value not in ("earlier", "later"):
        raise ConfigError(f'{where}: ambiguous_time must be "earlier" or "later"')
    return value if value is None else str(value)


def parse_site(data: dict[str, Any], base: Path, where: str) -> Site:
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
    _invisible_characters(data, "", where)
    paper = str(data.get("paper", "A4")).upper()
    if paper not in PAPER_SIZES:
        raise ConfigError(f"{where}: paper must be A4 or Letter")
    try:
        timezone = ZoneInfo(_text(data, "timezone", where))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: timezone is not a known IANA time zone") from None
    lead = data.get("arrival_lead_minutes", 60)
    if isinstance(lead, bool) or not isinstance(lead, int) or not 0 <= lead <= 240:
        raise ConfigError(f"{where}: arrival_lead_minutes must be a whole number from 0 to 240")
    address = data.get("address", [])
    if not isinstance(address, list) or not all(isinstance(line, str) for line in address):
        raise ConfigError(f"{where}: address must be a list of lines")
    bundled = Resources.bundled()
    warnings: list[str] = []
    staff_language = _text(data, "staff_language", where)
    resources = _with_fonts(
        Resources(
            templates=_templates(data, base, bundled.templates, where, warnings),
            locales=_folder(data, "locales_dir", base, bundled.locales, where),
        )
    )
    known = language_codes(resources)  # English and every catalog under locales/
    if staff_language not in known:
        raise ConfigError(
            f"{where}: staff_language must be a language code: {', '.join(known)}"
        )
    form_prefix = _text(data, "form_prefix", where)
    if not _FORM_PREFIX_RE.match(form_prefix):
        # It is part of the page code (MRN|form|page): a "|" would break the scan-back.
        raise ConfigError(f"{where}: form_prefix must be 1 to 12 letters, digits or hyphens")
    strings = {key: _local_text(data, key, where) for key in ("name", "department")}
    date_order = data.get("date_order")
    if date_order is not None and date_order not in ("DMY", "MDY"):
        raise ConfigError(f'{where}: date_order must be "DMY" or "MDY"')
    mrn_digits = data.get("mrn_digits")
    if mrn_digits is not None and (
        isinstance(mrn_digits, bool) or not isinstance(mrn_digits, int) or not 1 <= mrn_digits <= 32
    ):
        raise ConfigError(f"{where}: mrn_digits must be a whole number from 1 to 32")
    return Site(
        name=_first(strings["name"], staff_language),
        department=_first(strings["department"], staff_language),
        address=tuple(address),
        phone_day=_text(data, "phone_day", where),
        phone_emergency=_text(data, "phone_emergency", where),
        paper=PAPER_SIZES[paper],
        timezone=timezone,
        staff_language=staff_language,
        arrival_lead_minutes=lead,
        form_prefix=form_prefix,
        logo_data_uri=_logo(data, base, where),
        resources=resources,
        locale=_locale(data, staff_language, where),
        date_order=date_order,
        mrn_digits=mrn_digits,
        mrn_pad=_flag(data, "mrn_pad", True, where),
        fasting_food_hours=_number(data, "fasting_food_hours", 2, 12, 6, where),
        fasting_fluid_hours=_number(data, "fasting_fluid_hours", 1, 6, 2, where),
        emergency_number=(
            _text(data, "emergency_number", where) if "emergency_number" in data else None
        ),
        require_approval=_flag(data, "require_approval", False, where),
        approvals=_approvals(data, where),
        notes=_notes(data, where),
        web=_web(data, base, where),
        strings=tuple(strings.items()),
        private_files=_flag(data, "private_files", False, where),
        warnings=tuple(warnings),
        ambiguous_time=_ambiguous_time(data, where),
        fasting_local=_flag(data, "fasting_local", False, where),
    )


def load_site(path: Path | None = None) -> Site:
    """Load SITE.toml, or the embedded demo site when ``path`` is None."""
    if path is None:
        path = Resources.bundled().templates / "sites" / "demo.toml"
    where = f"site {path.name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise ConfigError(f"{where}: cannot be read") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not valid TOML ({exc})") from None
    return parse_site(data, path.resolve().parent, where)
