"""The procedure catalog: one readable TOML file per procedure in templates/procedures/.

Every text in a catalog file is an English source message; the view model passes it through
gettext, so translators see catalog text in the same .po files as template text.

A section is either a list of texts (for every region the procedure allows) or a table with
``all`` plus per-region lists (``cervical``, ``thoracic``, ``lumbar``): that is how
region-specific facts (position, activity limits) are kept next to each other.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from docgen.errors import ConfigError, DocgenError
from docgen.files import FileVersions, file_versions
from docgen.levels import Level, Region
from docgen.resources import Resources


class Anaesthesia(StrEnum):
    LOCAL = "local"  # patient awake: no fasting, no escort required
    SEDATION = "sedation"  # local anaesthetic plus sedation
    GENERAL = "general"

    @property
    def needs_fasting(self) -> bool:
        return self is not Anaesthesia.LOCAL

    @property
    def needs_escort(self) -> bool:
        return self is not Anaesthesia.LOCAL


# Sections a procedure may leave out (empty for every region it allows).
OPTIONAL_SECTIONS = ("emergency_signs",)  # extra red flags for the emergency part of the box
# Every section a procedure file must provide, for every region it allows (the optional
# ones excepted).
SECTIONS: tuple[str, ...] = (
    "description",
    "indications",
    "contraindications",
    "how",
    "position",
    "duration",
    "stay",
    "benefits",
    "success",
    "risks_common",
    "risks_rare",
    "risks_serious",
    "alternatives",
    "additional_procedures",
    "preop",
    "activity",
    "wound_care",
    "pain",
    "warning_signs",
    "follow_up",
    "return_work",
    "return_driving",
    "return_travel",
    *OPTIONAL_SECTIONS,
)
_OPTIONAL_HEADER_KEYS = {"aliases"}  # other names for it on operating lists
_HEADER_KEYS = {
    "id", "code", "revision", "sources", "name", "anaesthesia", "anaesthesia_text",
    "regions", "max_levels", "side",
}  # fmt: skip
_REGION_KEYS = {"all"} | {region.value for region in Region}


@dataclass(frozen=True)
class Procedure:
    id: str
    code: str  # short code used in form IDs, e.g. "NUC"
    revision: str
    sources: tuple[str, ...]
    name: str
    anaesthesia: Anaesthesia
    anaesthesia_text: str
    regions: tuple[Region, ...]
    max_levels: int
    side_required: bool
    sections: Mapping[str, Mapping[str, tuple[str, ...]]] = field(repr=False)
    fingerprint: str = ""  # sha256 of the catalog file, for provenance
    aliases: tuple[str, ...] = ()  # e.g. "microdiscectomy", "Dekompressor"
    # A region whose operation has its own name (e.g. anterior cervical discectomy).
    region_names: Mapping[str, str] = field(default_factory=dict)

    def name_for(self, region: Region) -> str:
        return self.region_names.get(region.value, self.name)

    def texts(self, section: str, region: Region) -> tuple[str, ...]:
        by_region = self.sections[section]
        return by_region.get("all", ()) + by_region.get(region.value, ())

    def check_levels(self, levels: tuple[Level, ...]) -> None:
        region = levels[0].region
        if region not in self.regions:
            offered = " and ".join(r.value for r in self.regions)
            raise DocgenError(
                f"{self.id} is offered for the {offered} spine, not the {region.value} spine",
                field="levels",
            )
        if len(levels) > self.max_levels:
            limit = "exactly one level" if self.max_levels == 1 else f"at most {self.max_levels}"
            raise DocgenError(f"{self.id} treats {limit}; {len(levels)} were given", field="levels")


@dataclass(frozen=True)
class Catalog:
    procedures: Mapping[str, Procedure]

    def get(self, procedure_id: str) -> Procedure:
        """The procedure by id or by an alias, in any case and with spaces for hyphens."""
        key = procedure_key(procedure_id)
        for procedure in self.procedures.values():
            if key == procedure.id or key in map(procedure_key, procedure.aliases):
                return procedure
        # The value is not echoed: after a column shift it may be a patient's name.
        known = ", ".join(sorted(self.procedures))
        raise DocgenError(f"not a known procedure; choose one of: {known}", field="procedure")

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.procedures.values())


def _text_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise ConfigError(f"{where}: expected a list of non-empty texts")
    return tuple(" ".join(t.split()) for t in value)  # TOML multi-line strings: one line


def _section(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    if isinstance(value, list):
        return {"all": _text_list(value, where)}
    if isinstance(value, dict):
        unknown = set(value) - _REGION_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
        return {key: _text_list(texts, f"{where}.{key}") for key, texts in value.items()}
    raise ConfigError(f"{where}: expected a list or a table of lists")


def _aliases(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(a, str) and a.strip() for a in value):
        raise ConfigError(f"{where}: aliases must be a list of names")
    return tuple(value)


def procedure_key(name: str) -> str:
    """How a procedure name is compared: any case, spaces or underscores for hyphens."""
    return "-".join(name.lower().replace("_", " ").replace("-", " ").split())


def load_procedure(path: Path) -> Procedure:
    raw_bytes = path.read_bytes()
    try:
        data = tomllib.loads(raw_bytes.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: not valid TOML ({exc})") from None
    data = {section: [] for section in OPTIONAL_SECTIONS} | data
    region_names = data.pop("region_names", {})
    missing = (_HEADER_KEYS | set(SECTIONS)) - set(data)
    unknown = set(data) - _HEADER_KEYS - _OPTIONAL_HEADER_KEYS - set(SECTIONS)
    if missing or unknown:
        raise ConfigError(f"{path.name}: missing {sorted(missing)}, unknown {sorted(unknown)}")
    try:
        procedure = Procedure(
            id=str(data["id"]),
            code=str(data["code"]),
            revision=str(data["revision"]),
            sources=tuple(data["sources"]),
            name=str(data["name"]),
            anaesthesia=Anaesthesia(data["anaesthesia"]),
            anaesthesia_text=str(data["anaesthesia_text"]),
            regions=tuple(Region(r) for r in data["regions"]),
            max_levels=int(data["max_levels"]),
            side_required={"required": True, "optional": False}[data["side"]],
            sections={s: _section(data[s], f"{path.name}: {s}") for s in SECTIONS},
            fingerprint=hashlib.sha256(raw_bytes).hexdigest(),
            aliases=_aliases(data.get("aliases", []), path.name),
            region_names={Region(r).value: str(n) for r, n in dict(region_names).items()},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path.name}: invalid header value ({exc})") from None
    if procedure.id != path.stem:
        raise ConfigError(f"{path.name}: id {procedure.id!r} must match the file name")
    for section in SECTIONS:
        for region in procedure.regions if section not in OPTIONAL_SECTIONS else ():
            if not procedure.texts(section, region):
                raise ConfigError(
                    f"{path.name}: {section} has no text for the {region.value} spine"
                )
    return procedure


def load_catalog(procedures_dir: Path | None = None) -> Catalog:
    """Every procedure file of the folder, read again when one of them changes."""
    folder = procedures_dir or Resources.bundled().procedures
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise ConfigError(f"no procedure files in {folder}")
    return _load_catalog(file_versions(files))


@lru_cache(maxsize=32)
def _load_catalog(files: FileVersions) -> Catalog:
    procedures = {p.id: p for p in (load_procedure(Path(name)) for name, _, _ in files)}
    owners: dict[str, str] = {}
    for procedure in procedures.values():
        for name in (procedure.id, *procedure.aliases):
            key = procedure_key(name)
            if owners.setdefault(key, procedure.id) != procedure.id:
                raise ConfigError(f"procedure name {name!r} is used by {owners[key]} and "
                                  f"{procedure.id}")  # fmt: skip
    return Catalog(procedures)


def procedure_rows(catalog: Catalog, aliases: bool = False) -> list[dict[str, Any]]:
    """The catalog as plain data: ``docgen procedures --json`` (with aliases) and the web API."""
    rows = []
    for p in catalog:
        row: dict[str, Any] = {
            "id": p.id,
            "name": p.name,
            "regions": [r.value for r in p.regions],
            "max_levels": p.max_levels,
            "side": "required" if p.side_required else "optional",
            "anaesthesia": p.anaesthesia.value,
            "revision": p.revision,
        }
        if aliases:
            row["aliases"] = list(p.aliases)
        rows.append(row)
    return rows
