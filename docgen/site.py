"""Site configuration (SITE.toml): who prints the packet and how.

Without ``--site`` docgen uses the embedded demo site (templates/sites/demo.toml), whose
names and phone numbers are fictional.
"""

from __future__ import annotations

import base64
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from docgen.errors import ConfigError
from docgen.resources import Resources

PAPER_SIZES = {"A4": "A4", "LETTER": "letter"}
_LOGO_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}
_MAX_LOGO_BYTES = 512 * 1024
_KEYS = {
    "name", "department", "address", "phone_day", "phone_emergency", "paper", "timezone",
    "staff_language", "arrival_lead_minutes", "form_prefix", "logo", "templates_dir",
    "locales_dir",
}  # fmt: skip


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
    mime = _LOGO_TYPES.get(path.suffix.lower())
    if mime is None or not path.is_file() or path.stat().st_size > _MAX_LOGO_BYTES:
        raise ConfigError(f"{where}: logo must be a PNG or SVG file under 512 KiB")
    # Embedded as a data URI: the renderer itself may read nothing outside templates/.
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def parse_site(data: dict[str, Any], base: Path, where: str) -> Site:
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
    paper = str(data.get("paper", "A4")).upper()
    if paper not in PAPER_SIZES:
        raise ConfigError(f"{where}: paper must be A4 or Letter")
    try:
        timezone = ZoneInfo(_text(data, "timezone", where))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: timezone is not a known IANA time zone") from None
    lead = data.get("arrival_lead_minutes", 60)
    if not isinstance(lead, int) or not 0 <= lead <= 240:
        raise ConfigError(f"{where}: arrival_lead_minutes must be a whole number from 0 to 240")
    address = data.get("address", [])
    if not isinstance(address, list) or not all(isinstance(line, str) for line in address):
        raise ConfigError(f"{where}: address must be a list of lines")
    bundled = Resources.bundled()
    return Site(
        name=_text(data, "name", where),
        department=_text(data, "department", where),
        address=tuple(address),
        phone_day=_text(data, "phone_day", where),
        phone_emergency=_text(data, "phone_emergency", where),
        paper=PAPER_SIZES[paper],
        timezone=timezone,
        staff_language=_text(data, "staff_language", where),
        arrival_lead_minutes=lead,
        form_prefix=_text(data, "form_prefix", where),
        logo_data_uri=_logo(data, base, where),
        resources=Resources(
            templates=_folder(data, "templates_dir", base, bundled.templates, where),
            locales=_folder(data, "locales_dir", base, bundled.locales, where),
        ),
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
