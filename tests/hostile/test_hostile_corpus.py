"""Hostile inputs through the command line, each with its expected outcome (issue 14).

Every case ends in one of two ways: exit 1 or 2 with exactly one ``error: field: ...``
line (never a traceback, never the value itself), or a PDF whose every page carries the
patient's identifiers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from docgen.cli import cli
from docgen.resources import Resources
from tests.conftest import record
from tests.hostile.pdfwords import read_pages


@dataclass(frozen=True)
class Case:
    name: str
    changes: dict[str, Any]
    exit_code: int
    line: str = ""  # the start of the single error line, after "error: "
    secret: str = ""  # must not be echoed
    options: tuple[str, ...] = field(default=())


def run_packet(tmp_path: Path, changes: dict[str, Any], *options: str) -> tuple[Any, Path]:
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(record(**changes)), encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = CliRunner().invoke(cli, ["packet", str(patient), "-o", str(out), *options],
                                catch_exceptions=False)  # fmt: skip
    return result, out


def assert_one_error_line(result: Any, case: Case) -> None:
    assert result.exit_code == case.exit_code, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    # The CLI names the option to use beside the field: "family_name (--family-name): ...".
    without_option = re.sub(r" \(--[a-z-]+\)", "", lines[0], count=1)
    assert without_option.startswith(f"error: {case.line}"), lines[0]
    assert "Traceback" not in result.output and "internal error" not in lines[0]
    if case.secret:
        assert case.secret not in result.output


REFUSED = [
    Case("leading hyphen", {"family_name": "-Example"}, 1,
         "family_name: starts or ends with a hyphen"),
    Case("the same mark twice", {"given_name": "Ale\u0347\u0347x"}, 1,
         "given_name: has the same accent or mark twice on one letter"),
    Case("line separator", {"family_name": "Exam\u2028ple"}, 1,
         "family_name: contains a line or paragraph separator"),
    Case("paragraph separator", {"given_name": "Al\u2029ex"}, 1,
         "given_name: contains a line or paragraph separator"),
    Case("replacement character", {"family_name": "M\ufffdller"}, 1,
         "family_name: contains U+FFFD"),
    Case("stacked marks", {"family_name": "Zax\u0301\u0300\u0302\u0303lgo"}, 1,
         "family_name: has more than 3 accents"),
    Case("CJK, not in the fonts", {"family_name": "山田"}, 1,
         "family_name: contains characters the bundled fonts cannot print"),
    Case("emoji", {"given_name": "Alex 🙂"}, 1, "given_name: contains characters"),
    Case("right-to-left override", {"family_name": "\u202eelpmaxe"}, 1,
         "family_name: contains an invisible control"),
    Case("NUL", {"given_name": "Al\x00ex"}, 1, "given_name: contains an invisible control"),
    Case("101 letters", {"family_name": "A" * 101}, 1, "family_name: longer than 100"),
    Case("surgeon with separator", {"surgeon": "Dr\u2028Who"}, 1,
         "surgeon: contains a line or paragraph separator"),
    Case("dob 30 February", {"dob": "1960-02-30"}, 1, "dob: not a valid date", "1960-02-30"),
    Case("dob year 9999", {"dob": "9999-12-31"}, 1, "dob: must lie between", "9999"),
    Case("dob as a number", {"dob": 19600514}, 1, "dob: not a valid date"),
    Case("surgery month 13", {"surgery_at": "2026-13-01T08:00"}, 1, "surgery_at: not a valid"),
    Case("surgery 25 o'clock", {"surgery_at": "2026-12-02T25:00"}, 1, "surgery_at: not a valid"),
    Case("levels nonsense", {"levels": "L4-L5; DROP TABLE"}, 1, "levels:"),
    Case("levels out of the spine", {"levels": "L9-L10"}, 1, "levels:"),
    Case("levels empty", {"levels": ""}, 1, "levels:"),
    Case("mrn path", {"mrn": "../../etc/passwd"}, 1, "mrn: use 1 to 32"),
    Case("mrn too long", {"mrn": "1" * 33}, 1, "mrn: use 1 to 32"),
    Case("language unknown", {"language": "xx"}, 1, "language:"),
    Case("family name a list", {"family_name": ["A", "B"]}, 1, "family_name: must be text"),
    Case("unknown field", {"notes": "x"}, 1, "notes: unknown field"),
]  # fmt: skip


@pytest.mark.parametrize("case", REFUSED, ids=lambda case: case.name)
def test_refused_with_one_line_naming_the_field(tmp_path: Path, case: Case) -> None:
    result, out = run_packet(tmp_path, case.changes, "--docs", "preop")
    assert_one_error_line(result, case)
    assert not out.exists()


ACCEPTED = [
    Case("accents", {"family_name": "Zoë Ñúñez-Ollé", "given_name": "Çağla"}, 0),
    Case("two marks on a letter", {"family_name": "Nguye\u0302\u0303n"}, 0),
    Case("Turkish dotless and dotted i", {"family_name": "IŞIK İĞDİR", "given_name": "ılgın"}, 0),
    Case("German sharp s", {"family_name": "Straßburger", "given_name": "Jürgen"}, 0),
    Case("Arabic with vowel marks", {"family_name": "الحَدّاد", "given_name": "مُحَمَّد",
                                     "language": "ar"}, 0),
    Case("apostrophe and markup", {"family_name": "O'Brien <b>&amp;", "given_name": "Sé"}, 0),
    Case("100 wide letters", {"family_name": "W" * 100, "given_name": "M" * 100,
                              "language": "fr"}, 0),
]  # fmt: skip


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda case: case.name)
def test_accepted_names_print_on_every_page(tmp_path: Path, case: Case) -> None:
    result, out = run_packet(tmp_path, case.changes, "--docs", "preop")
    assert result.exit_code == 0, result.output
    wanted = record(**case.changes)
    for page in read_pages(out.read_bytes()):
        for key in ("family_name", "given_name", "mrn"):
            assert page.find(wanted[key]), key


def test_year_9999_in_a_western_zone_is_a_field_error(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    demo = (Resources.bundled().templates / "sites" / "demo.toml").read_text(encoding="utf-8")
    site.write_text(demo.replace("Europe/London", "America/New_York"), encoding="utf-8")
    result, _ = run_packet(tmp_path, {"surgery_at": "9999-12-31T23:30"}, "--site", str(site))
    assert_one_error_line(result, Case("", {}, 1, "surgery_at:"))


# --- Site files ----------------------------------------------------------------------------


def site_with_templates(tmp_path: Path, extra: str = "") -> tuple[Path, Path]:
    """A site whose templates_dir is a private copy of the bundled one."""
    templates = tmp_path / "templates"
    shutil.copytree(Resources.bundled().templates, templates)
    demo = (templates / "sites" / "demo.toml").read_text(encoding="utf-8")
    site = tmp_path / "site.toml"
    site.write_text(f'templates_dir = "templates"\n{extra}\n{demo}', encoding="utf-8")
    return site, templates


def test_site_with_unreadable_fonts_is_a_configuration_error(tmp_path: Path) -> None:
    # A site folder lacking files is laid over the bundled templates (so missing fonts are
    # taken from docgen), but a font file it does ship must be a real font.
    site, templates = site_with_templates(tmp_path)
    (templates / "fonts" / "NotoSans-Regular.ttf").write_bytes(b"not a font")
    result, _ = run_packet(tmp_path, {}, "--site", str(site))
    assert_one_error_line(result, Case("", {}, 2, "templates:"))
    assert "NotoSans-Regular.ttf" in result.stderr and "U+0041" not in result.stderr


def test_missing_template_is_a_configuration_error(tmp_path: Path) -> None:
    site, templates = site_with_templates(tmp_path)
    (templates / "documents" / "preop.html").write_text(
        '{% include "ward-extra.html" %}', encoding="utf-8"
    )
    result, _ = run_packet(tmp_path, {}, "--site", str(site), "--docs", "preop")
    assert_one_error_line(result, Case("", {}, 2, "templates: ward-extra.html is missing"))


def test_broken_template_is_a_configuration_error(tmp_path: Path) -> None:
    site, templates = site_with_templates(tmp_path)
    (templates / "documents" / "preop.html").write_text("{% if %}", encoding="utf-8")
    result, _ = run_packet(tmp_path, {}, "--site", str(site), "--docs", "preop")
    assert_one_error_line(result, Case("", {}, 2, "templates: preop.html line 1"))


def test_template_linked_outside_the_folder_is_refused(tmp_path: Path) -> None:
    site, templates = site_with_templates(tmp_path)
    secret = tmp_path / "secret.html"
    secret.write_text("{% extends 'base.html' %}SECRET-CONTENT", encoding="utf-8")
    (templates / "documents" / "preop.html").unlink()
    (templates / "documents" / "preop.html").symlink_to(secret)
    result, out = run_packet(tmp_path, {}, "--site", str(site), "--docs", "preop")
    assert_one_error_line(result, Case("", {}, 2, "templates: preop.html lies outside"))
    assert not out.exists()


@pytest.mark.parametrize("link", [
    '<link rel="attachment" href="../fonts/OFL.txt">',
    '<a rel="attachment" href="data:text/plain,hello">x</a>',
])  # fmt: skip
def test_attachment_links_are_refused(tmp_path: Path, link: str) -> None:
    site, templates = site_with_templates(tmp_path)
    preop = templates / "documents" / "preop.html"
    preop.write_text(preop.read_text().replace("{% block content %}",
                                               "{% block content %}" + link), "utf-8")  # fmt: skip
    result, out = run_packet(tmp_path, {}, "--site", str(site), "--docs", "preop")
    assert_one_error_line(result, Case("", {}, 2, "templates: preop links a file to embed"))
    assert not out.exists()


BILLION_LAUGHS = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<defs><rect id="a0" width="1" height="1"/>
""" + "".join(
    f'<g id="a{n}">' + f'<use xlink:href="#a{n - 1}"/>' * 10 + "</g>\n" for n in range(1, 10)
) + '</defs><use xlink:href="#a9"/></svg>'

SVG_LOGOS = [
    ("nested use", BILLION_LAUGHS, "more than 5000 shapes"),
    ("entities", '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
                 '<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>', "DOCTYPE"),
    ("external href", '<svg xmlns="http://www.w3.org/2000/svg"><use href="file:///etc/passwd"/>'
                      '</svg>', "refers to another file"),
    ("script", '<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
     "<script>"),
    ("event handler", '<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', "event handler"),
    ("self reference", '<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><use href="#a"/></g>'
                       '</svg>', "refers to itself"),
    ("deep nesting", '<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 40 + "</g>" * 40
     + "</svg>", "nested deeper"),
    ("css url", '<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(http://x/y)"/>'
                '</svg>', "refers to another file"),
    ("not xml", "<svg", "not well-formed"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "svg", "reason"), SVG_LOGOS, ids=[c[0] for c in SVG_LOGOS])
def test_unsafe_svg_logo_is_refused_at_load(tmp_path: Path, name: str, svg: str,
                                            reason: str) -> None:  # fmt: skip
    (tmp_path / "logo.svg").write_text(svg, encoding="utf-8")
    demo = (Resources.bundled().templates / "sites" / "demo.toml").read_text(encoding="utf-8")
    (tmp_path / "site.toml").write_text('logo = "logo.svg"\n' + demo, encoding="utf-8")
    result, _ = run_packet(tmp_path, {}, "--site", str(tmp_path / "site.toml"))
    assert_one_error_line(result, Case("", {}, 2, "site site.toml: logo SVG refused"))
    assert reason in result.stderr


def png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))  # fmt: skip


@pytest.mark.parametrize(("data", "reason"), [
    (png_header(30000, 30000), "30000 x 30000 pixels"),
    (png_header(100, 100) + b"garbage", "not a valid PNG"),
    (b"GIF89a", "not a valid PNG"),
])  # fmt: skip
def test_raster_logo_limits(tmp_path: Path, data: bytes, reason: str) -> None:
    (tmp_path / "logo.png").write_bytes(data)
    demo = (Resources.bundled().templates / "sites" / "demo.toml").read_text(encoding="utf-8")
    (tmp_path / "site.toml").write_text('logo = "logo.png"\n' + demo, encoding="utf-8")
    result, _ = run_packet(tmp_path, {}, "--site", str(tmp_path / "site.toml"))
    assert_one_error_line(result, Case("", {}, 2, "site site.toml: logo"))
    assert reason in result.stderr


def test_safe_svg_logo_prints(tmp_path: Path) -> None:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 10"><defs>'
           '<rect id="r" width="4" height="4"/></defs><use href="#r"/><use href="#r" x="5"/>'
           '<text x="12" y="8">Logo</text></svg>')  # fmt: skip
    (tmp_path / "logo.svg").write_text(svg, encoding="utf-8")
    demo = (Resources.bundled().templates / "sites" / "demo.toml").read_text(encoding="utf-8")
    (tmp_path / "site.toml").write_text('logo = "logo.svg"\n' + demo, encoding="utf-8")
    result, out = run_packet(tmp_path, {}, "--site", str(tmp_path / "site.toml"),
                             "--docs", "preop")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")


# --- Through a real process: what a nurse's terminal shows ---------------------------------


@pytest.mark.parametrize(("changes", "exit_code", "line"), [
    ({"family_name": "Exam\u2028ple"}, 1,
     "error: family_name (--family-name): contains a line or paragraph"),
    ({"given_name": "M\ufffdller"}, 1, "error: given_name (--given-name): contains U+FFFD"),
    ({"family_name": "EXAMPLE", "given_name": "Alex", "language": "ar"}, 0, "wrote "),
])  # fmt: skip
def test_through_a_subprocess(tmp_path: Path, changes: dict[str, Any], exit_code: int,
                              line: str) -> None:  # fmt: skip
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(record(**changes)), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "docgen", "packet", str(patient), "-o", str(tmp_path / "o.pdf"),
         "--docs", "preop"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": ""},
    )  # fmt: skip
    assert done.returncode == exit_code, done.stderr
    output = (done.stderr if exit_code else done.stdout).strip().splitlines()
    assert len(output) == 1 and output[0].startswith(line), output
    assert "Traceback" not in done.stderr
    if exit_code == 0:
        assert done.stderr == ""  # no warning of any library on the terminal


def test_the_refused_corpus_through_a_batch(tmp_path: Path) -> None:
    """The same hostile values as CSV cells: each row refused naming its field, none echoed,
    and the run goes on (exit code 1: some rows rejected)."""
    import csv

    from docgen.request import FIELDS

    cases = [case for case in REFUSED
             if set(case.changes) <= set(FIELDS) - {"mrn"}
             and all(isinstance(value, str) and "\x00" not in value
                     for value in case.changes.values())]  # fmt: skip
    schedule = tmp_path / "list.csv"
    with schedule.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for number, case in enumerate(cases):
            writer.writerow(record(mrn=f"H{number:04d}", **case.changes))
    result = CliRunner().invoke(cli, ["batch", str(schedule), "-o", str(tmp_path / "out"),
                                      "--jobs", "1", "--docs", "preop"])  # fmt: skip
    assert result.exit_code == 1, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    items = {item["row"]: item for item in manifest["items"]}
    for row, case in enumerate(cases, start=2):
        assert items[row]["status"] == "error", case.name
        field = case.line.split(":")[0]
        assert field in items[row]["error"], (case.name, items[row]["error"])
        if case.secret:
            assert case.secret not in items[row]["error"]
    assert "Traceback" not in result.output
