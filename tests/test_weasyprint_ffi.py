"""WeasyPrint imported with its C declarations precompiled (docgen.ffi, docgen.weasyprint_ffi).

The committed data must be the one the installed WeasyPrint and cffi give; a packet made
with it must be byte for byte the packet made with cffi's own parser; and anything
unexpected must fall back to that parser.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import cffi
import pytest

from docgen import ffi as docgen_ffi
from docgen import weasyprint_ffi as data
from tests.conftest import pages_text

REPOSITORY = Path(__file__).parent.parent
REGENERATE = "run `.venv/bin/python -m docgen.ffi` and commit docgen/weasyprint_ffi.py"


@pytest.fixture(scope="module")
def declarations() -> str:
    return docgen_ffi.weasyprint_declarations()


def test_committed_data_is_built_from_the_installed_weasyprint(declarations: str) -> None:
    assert docgen_ffi.digest(declarations) == data.CDEF_SHA256, (
        f"WeasyPrint's C declarations changed since docgen/weasyprint_ffi.py was made: {REGENERATE}"
    )
    assert docgen_ffi.generated_module(declarations) == docgen_ffi.MODULE.read_text(), (
        f"docgen/weasyprint_ffi.py is not what this WeasyPrint and cffi give: {REGENERATE}"
    )


def test_every_ffi_operation_weasyprint_uses_works_on_the_precompiled_ffi(
    declarations: str,
) -> None:
    ffi = docgen_ffi.StandInFFI(cffi.FFI)
    ffi.cdef(declarations)
    assert ffi.precompiled
    pango = ffi.dlopen("libpango-1.0.so.0", ffi.RTLD_NOW)
    assert pango.pango_version() > 14400
    with pytest.raises(OSError):
        ffi.dlopen("libpango-1.0-0", ffi.RTLD_NOW)  # WeasyPrint tries the next spelling
    rectangle = ffi.new("PangoRectangle *")
    assert (rectangle.x, rectangle.width) == (0, 0)
    ffi.release(rectangle)
    with ffi.new("unsigned int *", 7) as length:
        assert length[0] == 7
    assert list(ffi.new("hb_codepoint_t[3]", [3, 1, 2])) == [3, 1, 2]
    text = ffi.new("char[]", b"Pango")
    assert ffi.string(text) == b"Pango" and ffi.unpack(text, 3) == b"Pan"
    assert ffi.cast("PangoFcFontMap *", ffi.NULL) == ffi.NULL
    freed: list[Any] = []
    kept = ffi.gc(ffi.new("FcResult *"), freed.append)
    del kept
    assert len(freed) == 1
    assert ffi.sizeof("PangoRectangle") == 16


SMALL = "typedef struct { int a; } pair_t;"


def small_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """docgen.weasyprint_ffi as if built from SMALL."""
    monkeypatch.setattr(data, "CDEF_SHA256", docgen_ffi.digest(SMALL))
    monkeypatch.setattr(data, "FFI_ARGUMENTS", docgen_ffi.ffi_arguments(SMALL))


def test_the_recorded_declarations_give_the_precompiled_ffi(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small_data(monkeypatch)
    ffi = docgen_ffi.StandInFFI(cffi.FFI)
    ffi.cdef(SMALL)
    assert ffi.precompiled and not isinstance(ffi._target, cffi.FFI)
    assert ffi.new("pair_t *", [5]).a == 5


@pytest.mark.parametrize(
    "change",
    ["other declarations", "another cffi's data", "damaged data", "no data", "cdef options"],
)
def test_anything_unexpected_gives_a_real_ffi(monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    small_data(monkeypatch)
    source, options = SMALL, {}
    if change == "other declarations":
        source = "typedef struct { int a, b; } pair_t;"
    elif change == "another cffi's data":
        monkeypatch.setitem(data.FFI_ARGUMENTS, "_version", 0x9999)
    elif change == "damaged data":
        monkeypatch.setitem(data.FFI_ARGUMENTS, "_globals", 5)
    elif change == "no data":
        monkeypatch.delattr(data, "FFI_ARGUMENTS")
    else:
        options = {"packed": True}
    ffi = docgen_ffi.StandInFFI(cffi.FFI)
    ffi.cdef(source, **options)
    assert not ffi.precompiled and isinstance(ffi._target, cffi.FFI)
    assert ffi.new("pair_t *", [5]).a == 5


def test_a_second_cdef_moves_to_a_real_ffi_with_every_declaration(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small_data(monkeypatch)
    ffi = docgen_ffi.StandInFFI(cffi.FFI)
    ffi.cdef(SMALL)
    assert ffi.precompiled and ffi.sizeof("pair_t") == 4
    ffi.cdef("typedef struct { pair_t first, second; } pairs_t;")
    assert not ffi.precompiled
    assert ffi.sizeof("pair_t") == 4 and ffi.sizeof("pairs_t") == 8


def test_cffi_ffi_is_restored_even_when_the_import_fails() -> None:
    real = cffi.FFI
    with pytest.raises(OSError), docgen_ffi.precompiled_cffi():
        assert isinstance(cffi.FFI(), docgen_ffi.StandInFFI)
        raise OSError("a library is missing")
    assert cffi.FFI is real


# A fresh process renders two packets with `docgen packet`, then reports the FFI it used.
PROGRAM = """
import json, sys
{prelude}
from docgen.cli import cli
for arguments in json.loads(sys.argv[1]):
    cli.main(arguments, prog_name="docgen", standalone_mode=False)
import weasyprint.text.ffi
ffi = weasyprint.text.ffi.ffi
print(json.dumps({{"kind": type(ffi).__name__, "precompiled": getattr(ffi, "precompiled", None),
                  "pycparser": "pycparser" in sys.modules}}))
"""
SPOIL_DIGEST = "import docgen.weasyprint_ffi; docgen.weasyprint_ffi.CDEF_SHA256 = '0' * 64"


def packets(folder: Path, prelude: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    folder.mkdir()
    record = json.loads((REPOSITORY / "examples" / "patient.json").read_text())
    (folder / "ar.json").write_text(json.dumps({**record, "language": "ar"}))
    inputs = {"en": REPOSITORY / "examples" / "patient.json", "ar": folder / "ar.json"}
    arguments = [
        ["packet", str(path), "-o", str(folder / f"{name}.pdf"), "--no-cache"]
        for name, path in inputs.items()
    ]
    finished = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(prelude=prelude), json.dumps(arguments)],
        capture_output=True, text=True, timeout=300, cwd=REPOSITORY,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"},
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout.splitlines()[-1])
    return report, {name: (folder / f"{name}.pdf").read_bytes() for name in inputs}


@pytest.fixture(scope="module")
def both_ways(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("ffi")
    return {
        "precompiled": packets(folder / "precompiled", ""),
        "parsed": packets(folder / "parsed", SPOIL_DIGEST),
    }


def assert_real_packets(pdfs: dict[str, bytes]) -> None:
    english, arabic = pages_text(pdfs["en"]), pages_text(pdfs["ar"])
    assert "Consent form Discectomy" in english[0] and "L4–L5" in english[0]
    assert "Example" in " ".join(english)
    assert "نوفمبر" in " ".join(arabic) and "Example" in " ".join(arabic)


def test_docgen_packet_uses_the_precompiled_ffi(both_ways: dict[str, Any]) -> None:
    report, pdfs = both_ways["precompiled"]
    assert report == {"kind": "StandInFFI", "precompiled": True, "pycparser": False}
    assert_real_packets(pdfs)


def test_a_mismatching_digest_parses_the_declarations_and_still_renders(
    both_ways: dict[str, Any],
) -> None:
    report, pdfs = both_ways["parsed"]
    assert report == {"kind": "StandInFFI", "precompiled": False, "pycparser": True}
    assert_real_packets(pdfs)


def test_packets_are_byte_identical_with_and_without_the_precompiled_ffi(
    both_ways: dict[str, Any],
) -> None:
    precompiled, parsed = both_ways["precompiled"][1], both_ways["parsed"][1]
    assert precompiled["en"] == parsed["en"]
    assert precompiled["ar"] == parsed["ar"]
