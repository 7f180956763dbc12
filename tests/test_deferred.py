"""fontTools' subsetter and instancer wait until first used (docgen.deferred).

A new process must not import them while starting WeasyPrint; when WeasyPrint does need
them (no HarfBuzz-Subset library), the real modules are imported and the packet is whole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from docgen.deferred import deferred_imports
from tests.conftest import pages_text

REPOSITORY = Path(__file__).parent.parent


def test_a_stand_in_becomes_the_real_module_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "deferred_example.py").write_text(
        "import builtins\nbuiltins.deferred_example_ran = True\n"
        "VALUE = 5\ndef twice(number):\n    return 2 * number\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "deferred_example", raising=False)
    with deferred_imports(("deferred_example",)):
        import deferred_example
        from deferred_example import twice
    import builtins

    assert not hasattr(builtins, "deferred_example_ran")  # nothing of it ran yet
    assert "deferred_example" not in sys.modules
    assert twice(3) == 6 and deferred_example.VALUE == 5
    assert builtins.deferred_example_ran  # type: ignore[attr-defined]
    assert sys.modules["deferred_example"].VALUE == 5
    monkeypatch.delattr(builtins, "deferred_example_ran")


def test_a_module_already_imported_is_left_alone() -> None:
    import json as real

    with deferred_imports(("json",)):
        assert sys.modules["json"] is real
    assert sys.modules["json"] is real


PROGRAM = """
import json, sys
import docgen.pdf
docgen.pdf.import_weasyprint()
import weasyprint.pdf.fonts
started = {name: name in sys.modules for name in ("fontTools.subset", "fontTools.varLib")}
if sys.argv[2] == "fonttools":  # as on a machine without the HarfBuzz-Subset library
    weasyprint.pdf.fonts.harfbuzz_subset = None
from docgen.cli import cli
cli.main(["packet", sys.argv[1], "-o", sys.argv[3], "--no-cache"], prog_name="docgen",
         standalone_mode=False)
print(json.dumps({"started": started, "subsetter": "fontTools.subset" in sys.modules}))
"""


@pytest.mark.parametrize("subsetter", ["harfbuzz", "fonttools"])
def test_packets_render_with_either_subsetter(tmp_path: Path, subsetter: str) -> None:
    record = json.loads((REPOSITORY / "examples" / "patient.json").read_text())
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({**record, "language": "ar"}))
    output = tmp_path / "packet.pdf"
    finished = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(patient), subsetter, str(output)],
        capture_output=True, text=True, timeout=300, cwd=REPOSITORY,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"},
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout.splitlines()[-1])
    assert report["started"] == {"fontTools.subset": False, "fontTools.varLib": False}
    if subsetter == "fonttools":
        assert report["subsetter"]
    pages = pages_text(output.read_bytes())
    assert "نوفمبر" in " ".join(pages) and "Example" in " ".join(pages)
