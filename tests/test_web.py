"""The ward web app through Flask's test client: routes, validation, headers, limits, jobs."""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from docgen.cli import cli
from docgen.packet import Packet
from docgen.web import create_app
from docgen.web.jobs import JobStore
from tests.conftest import BASE_RECORD, add_staff, key_times, pages_text, signed_in
from tests.test_batch import schedule_rows, write_csv

FORM_FIELDS = ("mrn", "family_name", "given_name", "dob", "procedure", "levels", "side",
               "surgery_at", "language", "surgeon", "interpreter")  # fmt: skip


def form(**changes: Any) -> dict[str, Any]:
    """What a browser posts: every field, empty ones included, all documents ticked."""
    data: dict[str, Any] = {field: "" for field in FORM_FIELDS}
    data.update(BASE_RECORD)
    data["docs"] = ["consent", "preop", "discharge"]
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app(None, tmp_path_factory.mktemp("instance"), {"WTF_CSRF_ENABLED": False})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return signed_in(app)


# --- The form ----------------------------------------------------------------------------


def test_the_form_has_a_visible_label_for_every_field(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "Print a patient's packet" in page and "Riverside Demo Hospital" in page
    for field in (*FORM_FIELDS, "docs-consent", "copies-patient", "large_print"):
        assert re.search(rf'<label[^>]* for="{field}"', page), field
        assert f'id="{field}"' in page
    for name in (*FORM_FIELDS, "docs", "copies", "large_print"):
        assert f'name="{name}"' in page
    assert re.search(r'id="dob" name="dob" type="date"', page)
    assert re.search(r'id="surgery_at" name="surgery_at" type="datetime-local"', page)
    for own_name in ("English", "Español", "Türkçe", "Deutsch", "Français", "العربية"):
        assert f">{own_name}</option>" in page
    # procedures from the catalog, each with the levels and side it allows
    assert 'value="percutaneous-discectomy" data-regions="lumbar" data-max="1"' in page
    assert "exactly one level; side required" in page
    assert "<script>" not in page and " on" + "click=" not in page  # no inline script


def test_an_invalid_form_comes_back_with_every_problem_and_the_values(
    client: FlaskClient,
) -> None:
    response = client.post("/packet", data=form(levels="L9-L10", procedure="discectomy",
                                                mrn="12 34", docs=[]))  # fmt: skip
    assert response.status_code == 422
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    summary = page[page.index('class="error-summary"') : page.index("</ul>")]
    # every problem at once, in the CLI's words, each linking to its field
    assert '<a href="#mrn">Hospital number (MRN): use 1 to 32 letters, digits or hyphens</a>' in (
        summary
    )
    assert '<a href="#levels">Spinal levels: &#34;L9-L10&#34; is not a spinal level' in summary
    assert '<a href="#side">Side: is required for discectomy' in summary
    assert '<a href="#docs-consent">Documents: choose from consent, preop, discharge' in summary
    # and beside the field
    assert re.search(r'id="levels-error">.*&#34;L9-L10&#34; is not a spinal level', page)
    assert 'aria-describedby="levels-hint levels-error" aria-invalid="true"' in page
    # values kept
    assert 'name="family_name" type="text" value="Testperson"' in page
    assert 'name="levels" type="text" list="level-list" value="L9-L10"' in page
    assert '<option value="discectomy" data-regions' in page
    assert re.search(r'<option value="discectomy"[^>]*selected>', page)


def test_form_api_and_cli_give_the_same_bytes(
    client: FlaskClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764547200")
    record = dict(BASE_RECORD, procedure="discectomy", side="left", levels="L5-S1")
    from_form = client.post("/packet", data=form(**record))
    assert from_form.status_code == 200
    assert from_form.mimetype == "application/pdf"
    assert from_form.headers["Content-Disposition"] == (
        'inline; filename="0004567-discectomy-en.pdf"'  # no name, no date of birth
    )
    assert from_form.headers["Cache-Control"] == "no-store"
    from_api = client.post("/api/packet", json=record)
    assert from_api.status_code == 200 and from_api.mimetype == "application/pdf"
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(record), encoding="utf-8")
    out = tmp_path / "cli.pdf"
    result = CliRunner().invoke(cli, ["packet", str(patient), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert from_form.data == from_api.data == out.read_bytes()
    pages = pages_text(from_form.data)
    assert all("Testperson, Robin" in page for page in pages)
    assert "Spinal level(s) L5–S1, lumbar spine" in pages[0] and "Side left" in pages[0]
    times = key_times(from_form.data)
    assert times["No alcohol or smoking from"] == "Monday, 30 November 2026 at 08:30"


# --- JSON API ----------------------------------------------------------------------------


def test_the_api_reports_every_problem_as_json(client: FlaskClient) -> None:
    response = client.post("/api/packet", json=dict(BASE_RECORD, levels="L9-L10", dob="x"))
    assert response.status_code == 422
    assert response.headers["Cache-Control"] == "no-store"
    errors = response.get_json()["errors"]
    assert [e["field"] for e in errors] == ["dob", "levels"]
    assert errors[1]["message"].startswith('"L9-L10" is not a spinal level')


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (json.dumps(BASE_RECORD), "application/x-www-form-urlencoded", 415),
        (json.dumps(BASE_RECORD), "text/plain", 415),
        ("{not json", "application/json", 422),
        ("[1, 2]", "application/json", 422),
        ("[" * 100_000 + "]" * 100_000, "application/json", 422),
        (b"\xff\xfe{}", "application/json", 422),
        (json.dumps(dict(BASE_RECORD, levels=[{"a": 1}], mrn=["x"], dob=None)),
         "application/json", 422),
        (json.dumps(dict(BASE_RECORD, docs=5, copies={"a": 1}, large_print="maybe")),
         "application/json", 422),
    ],
)  # fmt: skip
def test_the_api_refuses_what_is_not_a_json_record(
    client: FlaskClient, body: str | bytes, content_type: str, status: int
) -> None:
    response = client.post("/api/packet", data=body, content_type=content_type)
    assert response.status_code == status
    assert response.get_json()["errors"]


def test_the_api_lists_the_catalog(client: FlaskClient) -> None:
    rows = client.get("/api/procedures").get_json()
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {"nucleoplasty", "discectomy", "endoscopic-discectomy",
                          "percutaneous-discectomy"}  # fmt: skip
    assert by_id["percutaneous-discectomy"]["max_levels"] == 1
    assert by_id["discectomy"]["side"] == "required"


# --- Safety --------------------------------------------------------------------------------


def test_security_headers_on_every_response(client: FlaskClient) -> None:
    for path in ("/", "/batch", "/procedures", "/languages", "/healthz", "/nowhere"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("localhost", 200), ("127.0.0.1:8080", 200), ("[::1]:8080", 200),
        ("127.0.0.2", 200), ("evil.example", 400), ("evil.example:8080", 400),
        ("localhost.evil.example", 400), ("10.0.0.1", 400),
    ],
)  # fmt: skip
def test_only_loopback_and_allowed_hosts_are_served(
    client: FlaskClient, host: str, status: int
) -> None:
    assert client.get("/healthz", headers={"Host": host}).status_code == status


def test_configured_hosts_are_served(tmp_path: Path) -> None:
    demo = (Path(__file__).parent.parent / "templates" / "sites" / "demo.toml").read_text()
    site = tmp_path / "site.toml"
    site.write_text(demo + '\n[web]\nallowed_hosts = ["Docgen.Ward.Example"]\n', encoding="utf-8")
    client = create_app(site, tmp_path / "instance").test_client()
    assert client.get("/healthz", headers={"Host": "docgen.ward.example"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "docgen.ward.example:443"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "other.example"}).status_code == 400


def test_form_posts_need_the_csrf_token(tmp_path: Path) -> None:
    client = signed_in(create_app(None, tmp_path))
    refused = client.post("/packet", data=form(levels="L9-L10"))
    assert refused.status_code == 400
    assert "The form has expired" in refused.get_data(as_text=True)
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    accepted = client.post("/packet", data=form(levels="L9-L10", csrf_token=token[1]))
    assert accepted.status_code == 422  # past the CSRF check, into validation
    assert client.post("/batch", data={}).status_code == 400
    # the JSON API needs no token: its Content-Type is the defence
    assert client.post("/api/packet", json={"mrn": "1"}).status_code == 422


def test_an_upload_over_the_limit_gets_a_clear_page(client: FlaskClient) -> None:
    big = io.BytesIO(b"x" * (9 * 1024 * 1024))
    response = client.post("/batch", data={"schedule": (big, "list.csv")},
                           content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 413
    assert "Uploads are limited to 8 MB" in response.get_data(as_text=True)


INJECTION = '<img src="file:///etc/hostname">'
HOSTILE = [
    "", "  ", "L9-L10", "L4-L5;C5-C6", "hip-replacement", "1960-02-30", "14/05/1960",
    "2027-01-01", "2026-02-30T08:30", "02/12/2026 08:30", "2026-12-02T25:00", "xx", "12 34",
    "Test\u202eperson", "Rob\x07in", "罗宾", "maybe", INJECTION, "<b>Robin</b>",
    "{{ 7 * 7 }}", "%(x)s %s", "../../../../etc/passwd", "\x00", "\ud800", "A" * 5000,
    "'; DROP TABLE patients; --", "yes", "left", "consent,letter", "محمد",
]  # fmt: skip


def test_hostile_values_in_any_field_get_a_message_or_a_pdf(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every payload of the CLI tests, in every field: 422 with the field named, or a PDF.

    Rendering itself is the engine's (its safety tests print these names literally); here
    the renderer is replaced so that the sweep checks the web path only, quickly.
    """
    rendered: list[Any] = []

    def fake_render(request: Any, site: Any, options: Any, **kw: Any) -> Packet:
        rendered.append(request)
        return Packet(pdf=b"%PDF-1.7 fake", pages=1, documents=(), codes=())

    monkeypatch.setattr("docgen.web.nurse.render_packet_in_child", fake_render)
    for field in (*FORM_FIELDS, "docs", "copies", "large_print"):
        for value in HOSTILE:
            api = client.post("/api/packet", json=dict(BASE_RECORD, **{field: value}))
            assert api.status_code in (200, 422), (field, value)
            if value == "\ud800":
                continue  # a lone surrogate reaches the API (JSON escape), not an HTML form
            response = client.post("/packet", data=form(**{field: value}))
            assert response.status_code in (200, 422), (field, value)
            if response.status_code == 422:
                page = response.get_data(as_text=True)
                assert "There is a problem" in page
                messages = page[page.index('class="error-summary"') : page.index("</ul>")]
                messages += " ".join(re.findall(r'class="error-message".*?</p>', page))
                if field in ("family_name", "given_name", "dob") and len(value.strip()) > 3:
                    assert html.escape(value) not in messages  # names never in a message
            else:
                assert response.data.startswith(b"%PDF")
    assert rendered  # some payloads are valid names and print


def test_markup_in_a_name_prints_literally_from_the_form(client: FlaskClient) -> None:
    response = client.post("/packet", data=form(family_name=INJECTION, docs=["discharge"]))
    assert response.status_code == 200
    assert all(f"{INJECTION}, Robin" in page for page in pages_text(response.data))


@pytest.mark.parametrize(
    "body",
    [
        b"mrn=%FF%FE&family_name=%00%00&levels=" + b"L4-L5%3B" * 2000,
        b"&".join(b"f%d=x" % i for i in range(5000)),
        b"mrn=1&mrn=2&docs=consent&docs=consent&docs=nothing",
        b"\xff\xfe\x00garbage",
    ],
)
def test_malformed_form_bodies_never_give_a_500(client: FlaskClient, body: bytes) -> None:
    response = client.post("/packet", data=body,
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code in (413, 422)


@pytest.mark.parametrize(
    "path",
    ["/batch/0123", "/batch/" + "0" * 32, "/batch/../../etc/passwd", "/batch/%2e%2e/status.json",
     "/batch/" + "0" * 32 + "/packets.zip", "/batch/" + "g" * 32 + "/status.json"],
)  # fmt: skip
def test_unknown_jobs_are_not_found(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_a_bug_answers_a_plain_500_and_logs_only_its_type(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kw: Any) -> Packet:  # kw: the render cache
        raise RuntimeError("Testperson 1960-05-14")

    monkeypatch.setattr("docgen.web.nurse.render_packet_in_child", broken)
    response = client.post("/packet", data=form())
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and "Testperson" not in page.split("<main")[1]
    assert "RuntimeError" in caplog.text and "Testperson" not in caplog.text
    assert "1960" not in caplog.text


# --- Batch -----------------------------------------------------------------------------------


def wait_for(client: FlaskClient, job_url: str, timeout: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(f"{job_url}/status.json").get_json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.3)
    raise AssertionError("the batch did not finish")


def test_a_batch_runs_in_the_background_and_zips_its_output(
    client: FlaskClient, tmp_path: Path
) -> None:
    rows = schedule_rows(3, {3: ({"levels": "L9-L10"}, "")})
    schedule = write_csv(tmp_path / "list.csv", rows, delimiter=";")
    response = client.post(
        "/batch",
        data={"schedule": (schedule.open("rb"), "Secretname list.csv"), "jobs": "2",
              "print_file": "yes"},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 303
    job_url = response.headers["Location"]
    assert re.fullmatch(r"/batch/[0-9a-f]{32}", job_url)
    first = client.get(job_url)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    status = wait_for(client, job_url)
    assert status == {"state": "done", "rows_done": 3, "rows_total": 3}
    page = client.get(job_url).get_data(as_text=True)
    assert "2 packets written, 1 rows rejected" in page
    assert re.search(r"<td>3</td><td>000001</td><td>nucleoplasty</td><td>es</td>", page)
    assert '&#34;L9-L10&#34; is not a spinal level' in page
    assert "Secretname" not in page  # names never shown
    download = client.get(f"{job_url}/packets.zip")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert download.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        report = archive.read("report.html").decode("utf-8")
    assert names == {"manifest.json", "print-file.pdf", "report.html",
                     "row0002-000000-nucleoplasty-en.pdf",
                     "row0004-000002-discectomy-de.pdf"}  # fmt: skip
    # the administrator's report: the rejected row, its field and what is wrong; no names
    # (rejects.csv holds the rows' own values and stays out of the ZIP)
    assert "<td>3</td><td>000001</td><td>levels</td>" in report
    assert "&#34;L9-L10&#34; is not a spinal level" in report
    assert "Secretname" not in report
    assert [(i["row"], i["status"]) for i in manifest["items"]] == [
        (2, "ok"), (3, "error"), (4, "ok")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "choose the operating list&#39;s CSV file"),
        ({"schedule": (io.BytesIO(b"mrn,family_name\n1,x\n"), "a.csv")},
         "missing columns: given_name, dob"),
        ({"schedule": (io.BytesIO(b"\xff\xfe\x00"), "a.csv")}, "not UTF-8"),
        ({"schedule": (io.BytesIO(",".join(FORM_FIELDS).encode()), "a.csv")},
         "no patient rows"),
        ({"schedule": (io.BytesIO(b"mrn\n"), "a.csv"), "jobs": "lots"},
         "a whole number from 1 to 64"),
    ],
)  # fmt: skip
def test_an_unusable_upload_is_refused_on_the_form(
    client: FlaskClient, data: dict[str, Any], message: str
) -> None:
    response = client.post("/batch", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_old_jobs_are_deleted(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs", retention_hours=24, site_path=None)
    for job_id, created in (("a" * 32, time.time() - 25 * 3600), ("b" * 32, time.time())):
        (store.root / job_id).mkdir()
        (store.root / job_id / "job.json").write_text(
            json.dumps({"state": "done", "created": created}), encoding="utf-8"
        )
    store.expire()
    assert sorted(p.name for p in store.root.iterdir()) == ["b" * 32]
    assert store.status("b" * 32) is not None and store.status("a" * 32) is None


def test_requests_keep_the_retention_time_without_visiting_batch(tmp_path: Path) -> None:
    app = create_app(None, tmp_path)
    store: JobStore = app.extensions["docgen"].jobs
    old = store.root / ("d" * 32)
    old.mkdir()
    (old / "job.json").write_text(json.dumps({"state": "done", "created": 0}), encoding="utf-8")
    store._expired_at = -float("inf")  # as if the last sweep were long ago
    app.test_client().get("/healthz")
    assert not old.exists()


def test_a_run_cut_short_by_a_restart_shows_as_failed(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs", retention_hours=24, site_path=None)
    (store.root / ("c" * 32)).mkdir()
    (store.root / ("c" * 32) / "job.json").write_text(
        json.dumps({"state": "running", "created": time.time()}), encoding="utf-8"
    )
    status = store.status("c" * 32)
    assert status is not None and status.state == "failed" and "restarted" in str(status.error)


# --- Catalog pages ---------------------------------------------------------------------------


def test_procedures_page(client: FlaskClient) -> None:
    page = client.get("/procedures").get_data(as_text=True)
    assert "percutaneous-discectomy" in page and "exactly one" in page


def test_languages_page_says_which_print_and_why_not(tmp_path: Path) -> None:
    locales = Path(__file__).parent.parent / "locales"
    copy = tmp_path / "locales"
    for path in locales.rglob("docgen.po*"):
        target = copy / path.relative_to(locales)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    (copy / "tr" / "LC_MESSAGES" / "docgen.po").unlink()
    demo = (locales.parent / "templates" / "sites" / "demo.toml").read_text()
    site = tmp_path / "site.toml"
    site.write_text(f'locales_dir = "{copy}"\n' + demo, encoding="utf-8")
    client = signed_in(create_app(site, tmp_path / "instance", {"WTF_CSRF_ENABLED": False}))
    # the languages are the folders under locales/ that hold a catalog: Turkish is not offered
    text = client.get("/languages").get_data(as_text=True)
    assert "<code>tr</code>" not in text and ">Türkçe<" not in text
    row = text[text.index(">Español<") :].split("</tr>")[0]
    assert "<code>es</code>" in row and "tag--ok" in row
    page = client.get("/").get_data(as_text=True)
    assert '<option value="es"' in page and '<option value="tr"' not in page
    # a packet asked for in it anyway (an old form) is refused beside the language field,
    # naming what can print here; never printed in English, never a 500
    refused = client.post("/packet", data=form(language="tr"))
    assert refused.status_code == 422
    assert re.search(r'id="language-error">.*&#34;tr&#34; is not one of: en, ar, de, es, fr<',
                     refused.get_data(as_text=True))  # fmt: skip


# --- docgen serve ----------------------------------------------------------------------------


def test_serve_refuses_a_non_loopback_address_without_access_control() -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("error: --host 0.0.0.0 is not a loopback address")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "docgen", "serve", "--port", "0", "--instance", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        match = re.fullmatch(r"serving on (http://127\.0\.0\.1:\d+/)\n", line)
        assert match, line
        yield match[1], process
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_serve_prints_one_line_and_logs_no_patient_data(
    served: tuple[str, subprocess.Popen[str]], tmp_path: Path
) -> None:
    import urllib.error
    import urllib.request

    from docgen.users import UserStore

    url, process = served
    token = UserStore(tmp_path / "users.toml").new_token(add_staff(tmp_path))
    with urllib.request.urlopen(f"{url}healthz", timeout=30) as response:
        assert response.read() == b"ok"
    request = urllib.request.Request(
        f"{url}api/packet", data=json.dumps(dict(BASE_RECORD, levels="L9-L10")).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 422
    process.terminate()
    out, err = process.communicate(timeout=20)
    assert "Testperson" not in out + err and "1960" not in out + err
    assert out == ""  # the one line was read already


# --- Page text ---------------------------------------------------------------------------


def test_page_catalogs_are_current_complete_and_safe() -> None:
    from docgen.messages import check_catalog, message_keys, read_catalog
    from docgen.resources import Resources
    from docgen.web.uitext import extract, po_path

    locales = Resources.bundled().locales
    fresh = message_keys(extract())
    current = message_keys(read_catalog(locales / "web.pot"))
    assert current == fresh, "run python -m docgen.web extract"
    for language in ("es", "tr", "de", "fr", "ar"):
        problems = check_catalog(po_path(locales, language), fresh)
        assert not problems, [str(p) for p in problems]


def test_pages_speak_the_staff_language_and_packets_keep_theirs(tmp_path: Path) -> None:
    demo = (Path(__file__).parent.parent / "templates" / "sites" / "demo.toml").read_text()
    site = tmp_path / "site.toml"
    site.write_text(demo.replace('staff_language = "en"', 'staff_language = "de"'),
                    encoding="utf-8")  # fmt: skip
    client = signed_in(create_app(site, tmp_path / "instance", {"WTF_CSRF_ENABLED": False}))
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="de"' in page
    assert ">Nachname</label>" in page and "Mappe eines Patienten drucken" in page
    assert ">Español</option>" in page  # languages keep their own names
    refused = client.post("/packet", data=form(levels="L9-L10")).get_data(as_text=True)
    # the validation message stays in the command line's words
    assert '<a href="#levels">Wirbelsäulenhöhen: &#34;L9-L10&#34; is not a spinal level' in refused


def test_an_edited_procedure_file_prints_without_a_restart_and_a_broken_one_prints_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil

    bundled = Path(__file__).parent.parent / "templates"
    shutil.copytree(bundled, tmp_path / "templates")
    demo = (bundled / "sites" / "demo.toml").read_text(encoding="utf-8")
    site = tmp_path / "site.toml"
    site.write_text(demo + '\ntemplates_dir = "templates"\n', encoding="utf-8")
    client = signed_in(create_app(site, tmp_path / "instance", {"WTF_CSRF_ENABLED": False}))
    record = form(procedure="nucleoplasty", levels="L4-L5", side="", language="en",
                  docs=["consent"])  # fmt: skip
    assert "light sedation" in " ".join(pages_text(client.post("/packet", data=record).data))

    procedure = tmp_path / "templates" / "procedures" / "nucleoplasty.toml"
    text = procedure.read_text(encoding="utf-8")
    procedure.write_text(text.replace("with light sedation", "with gentle sedation", 1),
                         encoding="utf-8")  # fmt: skip
    assert "gentle sedation" in " ".join(pages_text(client.post("/packet", data=record).data))

    procedure.write_text(text + "\n[unclosed\n", encoding="utf-8")  # saved with a mistake
    with caplog.at_level("ERROR", logger="docgen.web"):
        for answer in (client.get("/"), client.post("/packet", data=record)):
            assert answer.status_code == 503 and answer.mimetype == "text/html"
    assert any("nucleoplasty.toml" in r.getMessage() for r in caplog.records)
    procedure.write_text(text, encoding="utf-8")
    assert "light sedation" in " ".join(pages_text(client.post("/packet", data=record).data))
