"""Where the printed material (templates/) and the translations (locales/) live.

An installed wheel carries them inside the package (``docgen/templates``); a source checkout
or an editable install finds them at the top of the repository. A site may point docgen at
its own copies (``templates_dir`` / ``locales_dir`` in SITE.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"docgen is installed without its {name}/ folder")


@dataclass(frozen=True)
class Resources:
    templates: Path
    locales: Path

    @property
    def procedures(self) -> Path:
        return self.templates / "procedures"

    @property
    def fonts(self) -> Path:
        return self.templates / "fonts"

    @classmethod
    def bundled(cls) -> Resources:
        return cls(templates=_bundled("templates"), locales=_bundled("locales"))
