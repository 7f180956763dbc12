"""Access control: the users file and ``docgen users`` (SPEC 10.4)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from docgen.audit import AuditLog, Event
from docgen.errors import DocgenError
from docgen.site import load_site
from docgen.users import UserStore, token_hash
from docgen.web.auth import access_configured
from tests.conftest import BASE_RECORD, pages_text

PASSWORD = "correct horse battery"


def docgen(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "docgen", *args], capture_output=True,
                          text=True, input=stdin, timeout=120)  # fmt: skip


def test_users_add_list_token_remove(tmp_path: Path) -> None:
    where = ("--instance", str(tmp_path))
    done = docgen("users", "add", "alice", "--role", "nurse", "--password-stdin", *where,
                  stdin=PASSWORD + "\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("added alice (nurse)")
    assert docgen("users", "add", "bob", "--role", "admin", "--password-stdin", *where,
                  stdin=PASSWORD).returncode == 0  # fmt: skip
    text = (tmp_path / "users.toml").read_text(encoding="utf-8")
    assert PASSWORD not in text
    stored = tomllib.loads(text)["users"]
    assert stored["alice"]["role"] == "nurse"
    assert stored["alice"]["password"].startswith(("scrypt:", "pbkdf2:"))
    assert (tmp_path / "users.toml").stat().st_mode & 0o077 == 0

    token = docgen("users", "token", "alice", *where)
    assert token.returncode == 0 and "shown once" not in token.stdout
    secret = token.stdout.strip()
    assert len(secret) >= 40 and secret not in (tmp_path / "users.toml").read_text()
    assert tomllib.loads((tmp_path / "users.toml").read_text())["users"]["alice"]["tokens"] == [
        token_hash(secret)
    ]
    store = UserStore(tmp_path / "users.toml")
    assert store.user_for_token(secret).name == "alice"  # type: ignore[union-attr]
    assert store.user_for_token(secret + "x") is None

    listed = docgen("users", "list", *where)
    assert listed.stdout.splitlines() == ["alice\tnurse\tpassword\ttoken",
                                          "bob\tadmin\tpassword\t-"]  # fmt: skip
    assert docgen("users", "remove", "alice", *where).returncode == 0
    assert docgen("users", "list", *where).stdout.splitlines() == ["bob\tadmin\tpassword\t-"]
    missing = docgen("users", "remove", "alice", *where)
    assert missing.returncode == 1 and missing.stderr.strip() == "error: user name: no user alice"


def test_users_add_asks_for_the_password_twice(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from docgen.cli import cli

    where = ["--instance", str(tmp_path)]
    runner = CliRunner()
    typo = runner.invoke(cli, ["users", "add", "fay", "--role", "nurse", *where],
                         input=f"{PASSWORD}\n{PASSWORD}x\n{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert typo.exit_code == 0, typo.output
    assert PASSWORD not in typo.output  # hidden input
    assert UserStore(tmp_path / "users.toml").check_password("fay", PASSWORD) is not None


def test_users_add_refuses_bad_input(tmp_path: Path) -> None:
    where = ("--instance", str(tmp_path))
    short = docgen("users", "add", "carol", "--role", "nurse", "--password-stdin", *where,
                   stdin="short\n")  # fmt: skip
    assert short.returncode == 1
    assert short.stderr.strip() == "error: password: must have at least 10 characters"
    role = docgen("users", "add", "carol", "--role", "doctor", "--password-stdin", *where,
                  stdin=PASSWORD)  # fmt: skip
    assert role.returncode == 2 and role.stderr.count("\n") == 1
    name = docgen("users", "add", "../x", "--role", "nurse", "--password-stdin", *where,
                  stdin=PASSWORD)  # fmt: skip
    assert name.returncode == 1 and name.stderr.startswith("error: user name: ")
    assert not (tmp_path / "users.toml").exists()


def test_users_file_from_the_site(tmp_path: Path) -> None:
    """``[web] users_file`` wins over the instance folder, for serve and the CLI alike."""
    demo = Path(__file__).parents[1] / "templates" / "sites" / "demo.toml"
    site = tmp_path / "site.toml"
    site.write_text(demo.read_text(encoding="utf-8") + '\n[web]\nusers_file = "staff.toml"\n',
                    encoding="utf-8")  # fmt: skip
    done = docgen("users", "add", "dana", "--role", "admin", "--password-stdin", "--site",
                  str(site), "--instance", str(tmp_path / "inst"), stdin=PASSWORD)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "dana" in tomllib.loads((tmp_path / "staff.toml").read_text())["users"]
    assert not (tmp_path / "inst" / "users.toml").exists()


def test_password_check_and_update(tmp_path: Path) -> None:
    store = UserStore(tmp_path / "users.toml")
    assert store.add("erin", "nurse", PASSWORD) is True
    assert store.check_password("erin", PASSWORD).role == "nurse"  # type: ignore[union-attr]
    assert store.check_password("erin", PASSWORD + "!") is None
    assert store.check_password("nobody", PASSWORD) is None
    assert store.add("erin", "admin", "another long one") is False  # an update, not a copy
    assert store.check_password("erin", PASSWORD) is None
    assert store.load()["erin"].role == "admin"
    with pytest.raises(DocgenError):
        store.add("erin", "superuser", PASSWORD)


# The web app: sessions, roles, CSRF, idle timeout, lock-out, tokens, audit rows.

DEMO_SITE = Path(__file__).parents[1] / "templates" / "sites" / "demo.toml"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PATIENT = {**BASE_RECORD, "docs": "discharge"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def make_site(folder: Path, **web: object) -> Path:
    lines = "".join(f"{key} = {json.dumps(value)}\n" for key, value in web.items())
    path = folder / "site.toml"
    path.write_text(DEMO_SITE.read_text(encoding="utf-8") + f"\n[web]\n{lines}", encoding="utf-8")
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    store = UserStore(tmp_path / "instance" / "users.toml")
    store.add("alice", "nurse", PASSWORD)
    store.add("bob", "admin", PASSWORD)
    return tmp_path / "instance"


def build_app(instance: Path, clock: Clock, site: Path | None = None) -> Flask:
    from docgen.web import create_app

    return create_app(site, instance, {"TESTING": True, "DOCGEN_CLOCK": clock})


@pytest.fixture
def app(instance: Path, clock: Clock) -> Flask:
    return build_app(instance, clock)


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def login(client: FlaskClient, name: str, password: str = PASSWORD) -> TestResponse:
    token = csrf_token(client)
    return client.post("/login", data={"username": name, "password": password,
                                       "csrf_token": token})  # fmt: skip


def post_packet(client: FlaskClient) -> TestResponse:
    return client.post("/packet", data={**PATIENT, "csrf_token": csrf_token(client, "/")})


def audit_rows(instance: Path, action: str | None = None) -> list[Event]:
    return [e for e in AuditLog.in_instance(instance).events() if action in (None, e.action)]


def test_every_route_needs_a_session(app: Flask) -> None:
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<job_id>", "0" * 32).replace("<path:filename>", "docgen.css")
        path = path.replace("<filename>", "docgen.css")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            checked += 1
            if path in ("/healthz", "/login") or path.startswith("/static/"):
                # Open; a POST without its CSRF token is refused as any form is.
                assert response.status_code == (400 if method == "POST" else 200), (method, path)
            elif path.startswith("/api/"):
                assert response.status_code == 401, (method, path)
                assert response.json == {"errors": [{"field": None, "message":
                                          "Sign in first, or send an API token."}]}  # fmt: skip
            else:
                assert response.status_code == 302, (method, path)
                assert response.headers["Location"] == "/login", (method, path)
    assert checked >= 15
    assert client.get("/no-such-page").status_code == 302  # unknown paths too


def test_healthz_is_open(app: Flask) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True).strip() == "ok"


def test_login_sets_a_strict_http_only_cookie_and_returns_to_the_page(app: Flask) -> None:
    client = app.test_client()
    client.get("/favicon.ico")  # not a page: not remembered
    client.get("/batch/" + "0" * 32 + "/status.json", headers={"Accept": "*/*"})  # nor this
    client.get("/procedures", headers={"Accept": "text/html"})  # remembered for after the login
    response = login(client, "alice")
    assert response.status_code == 303 and response.headers["Location"] == "/procedures"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert client.get("/").status_code == 200
    assert "Signed in as alice" in client.get("/").get_data(as_text=True)
    assert [(e.user, e.action, e.client) for e in audit_rows(Path(app.instance_path))] == [
        ("alice", "login", "127.0.0.1")
    ]


def test_roles(app: Flask) -> None:
    nurse = app.test_client()
    login(nurse, "alice")
    for path in ("/batch", "/audit", "/batch/" + "0" * 32):
        refused = nurse.get(path)
        assert refused.status_code == 403, path
        assert "This page is for administrators." in refused.get_data(as_text=True)
    assert nurse.get("/").status_code == 200
    admin = app.test_client()
    login(admin, "bob")
    for path in ("/", "/batch", "/audit", "/procedures"):
        assert admin.get(path).status_code == 200, path


def test_forms_without_csrf_token_are_refused(app: Flask) -> None:
    client = app.test_client()
    refused = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert refused.status_code == 400 and "docgen_session=" not in refused.headers.get(
        "Set-Cookie", "").replace("docgen_session=;", "")  # fmt: skip
    login(client, "alice")
    assert client.post("/packet", data=PATIENT).status_code == 400
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in
    assert audit_rows(Path(app.instance_path), "packet") == []


def test_logout_ends_the_session(app: Flask) -> None:
    client = app.test_client()
    login(client, "alice")
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert "You are signed out." in client.get("/login").get_data(as_text=True)
    assert [e.action for e in audit_rows(Path(app.instance_path))] == ["login", "logout"]


def test_idle_timeout(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    login(client, "alice")
    clock.now += 14 * 60
    assert client.get("/").status_code == 200  # used: the 15 minutes start again
    clock.now += 15 * 60 - 1
    assert client.get("/").status_code == 200
    clock.now += 15 * 60 + 1
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "not used for a while" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_polling_is_not_activity(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    login(client, "bob")
    for _minute in range(20):  # the batch page polls its progress while nobody is there
        clock.now += 60
        client.get("/batch/" + "0" * 32 + "/status.json")
    assert client.get("/batch").status_code == 302


def test_idle_minutes_from_the_site(tmp_path: Path, instance: Path, clock: Clock) -> None:
    app = build_app(instance, clock, make_site(tmp_path, idle_minutes=2))
    client = app.test_client()
    login(client, "alice")
    clock.now += 119
    assert client.get("/").status_code == 200
    clock.now += 121
    assert client.get("/").status_code == 302


def test_five_failed_logins_lock_the_account_for_five_minutes(app: Flask, clock: Clock) -> None:
    client = app.test_client()
    for attempt in range(1, 6):
        response = login(client, "alice", "wrong password")
        assert response.status_code == 401
        text = response.get_data(as_text=True)
        assert ("locked for 5 minutes" in text) == (attempt == 5), attempt
    clock.now += 4 * 60
    refused = login(client, "alice")  # the right password, but locked
    assert refused.status_code == 401 and "locked for 5 minutes" in refused.get_data(as_text=True)
    assert login(app.test_client(), "bob").status_code == 303  # other users are not locked
    clock.now += 61
    assert login(client, "alice").status_code == 303
    actions = [(e.user, e.action, e.detail) for e in audit_rows(Path(app.instance_path))]
    assert actions == [*[("alice", "login-failed", "")] * 4, ("alice", "login-failed", "locked"),
                       ("alice", "login-failed", "locked"), ("bob", "login", ""),
                       ("alice", "login", "")]  # fmt: skip


def test_unknown_user_names_are_not_recorded(app: Flask) -> None:
    assert login(app.test_client(), "my password 123", "x").status_code == 401
    assert [(e.user, e.action) for e in audit_rows(Path(app.instance_path))] == [
        ("", "login-failed")
    ]


def test_removed_user_loses_the_session(app: Flask) -> None:
    client = app.test_client()
    login(client, "alice")
    UserStore(Path(app.instance_path) / "users.toml").remove("alice")
    assert client.get("/").status_code == 302


def test_api_tokens(app: Flask) -> None:
    token = UserStore(Path(app.instance_path) / "users.toml").new_token("alice")
    client = app.test_client()
    good = client.get("/api/procedures", headers={"Authorization": f"Bearer {token}"})
    assert good.status_code == 200 and any(p["id"] == "nucleoplasty" for p in good.json)
    for header in (f"Bearer {token[:-1]}x", "Bearer ", f"Basic {token}", token):
        bad = client.get("/api/procedures", headers={"Authorization": header})
        assert bad.status_code == 401, header
        assert bad.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/procedures").status_code == 401
    # A token opens the API only, not the pages.
    assert client.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 302


def test_audit_row_per_packet_and_batch_without_names(app: Flask) -> None:
    client = app.test_client()
    login(client, "bob")
    response = post_packet(client)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    token = UserStore(Path(app.instance_path) / "users.toml").new_token("alice")
    api = client.post("/api/packet", json={**BASE_RECORD, "language": "es"},
                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert api.status_code == 200
    csv = (b"mrn,family_name,given_name,dob,procedure,levels,surgery_at,language\n"
           b"0004567,Testperson,Robin,1960-05-14,nucleoplasty,L4-L5,2026-12-02T08:30,en\n")
    started = client.post("/batch", data={"schedule": (io.BytesIO(csv), "list.csv"),
                                          "csrf_token": csrf_token(client, "/batch")},
                          content_type="multipart/form-data")  # fmt: skip
    assert started.status_code == 303
    job = started.headers["Location"]
    for _ in range(600):
        if client.get(job + "/status.json").json["state"] in ("done", "failed"):
            break
        time.sleep(0.2)
    download = client.get(job + "/packets.zip")
    assert download.status_code == 200
    packets = audit_rows(Path(app.instance_path), "packet")
    assert [(e.user, e.mrn, e.language) for e in packets] == [("bob", "0004567", "en"),
                                                              ("alice", "0004567", "es")]
    assert packets[0].sha256 == hashlib.sha256(response.data).hexdigest()
    assert packets[1].sha256 == hashlib.sha256(api.data).hexdigest()
    # the discharge sheet only, with the form number and revision printed in its footer
    text = " ".join(pages_text(response.data))
    [(form_id, revision)] = set(re.findall(r"Form (\S+) · revision ([\d.]+)", text))
    assert form_id == "DEMO-DISCH-NUC"
    assert packets[0].forms == f"{form_id} rev. {revision}"
    assert re.fullmatch(r"[\w-]+ rev\. [\d.]+(, [\w-]+ rev\. [\d.]+){2}", packets[1].forms)
    batches = audit_rows(Path(app.instance_path), "batch")
    assert [(e.user, e.action, e.detail) for e in batches] == [
        ("bob", "batch", f"job={job.rsplit('/', 1)[1]} rows=1")
    ]
    downloads = audit_rows(Path(app.instance_path), "download")
    assert [(e.user, e.mrn) for e in downloads] == [("bob", "0004567")]
    assert downloads[0].sha256 == hashlib.sha256(download.data).hexdigest()
    assert AuditLog.in_instance(Path(app.instance_path)).verify().ok
    stored = b"".join(p.read_bytes() for p in Path(app.instance_path).glob("audit.db*"))
    for secret in ("Testperson", "Robin", "1960-05-14", "14/05/1960", "05/14/1960", "19600514",
                   "14.05.1960"):  # fmt: skip
        assert secret.encode() not in stored, secret
        assert secret.encode("utf-16-le") not in stored, secret


def test_audit_page_filters(app: Flask, clock: Clock) -> None:
    audit = AuditLog.in_instance(Path(app.instance_path),
                                 clock=lambda: datetime.fromtimestamp(clock.now, UTC))
    audit.append("packet", "alice", mrn="0000111", forms="F1", language="de")
    audit.append("packet", "carol", mrn="0000222", forms="F2", language="fr")
    admin = app.test_client()
    login(admin, "bob")
    page = admin.get("/audit").get_data(as_text=True)
    assert "0000111" in page and "0000222" in page
    token = csrf_token(admin, "/audit")
    only = admin.post("/audit", data={"mrn": "0000222", "csrf_token": token})
    assert "0000222" in only.get_data(as_text=True) and "0000111" not in only.get_data(as_text=True)
    by_user = admin.post("/audit", data={"user": "alice", "csrf_token": token}).get_data(
        as_text=True)  # fmt: skip
    assert "0000111" in by_user and "0000222" not in by_user
    day = datetime.fromtimestamp(clock.now, UTC).date()
    later = admin.post("/audit", data={"since": str(day + timedelta(days=1)), "csrf_token": token})
    assert "0000111" not in later.get_data(as_text=True)
    before = admin.post("/audit", data={"until": str(day - timedelta(days=1)), "csrf_token": token})
    assert "0000111" not in before.get_data(as_text=True)
    same_day = admin.post("/audit", data={"since": str(day), "until": str(day),
                                          "csrf_token": token})  # fmt: skip
    assert "0000111" in same_day.get_data(as_text=True)
    bad = admin.post("/audit", data={"since": "soon", "csrf_token": token})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_data(as_text=True)
    checked = admin.post("/audit", data={"verify": "yes", "csrf_token": token})
    assert "none changed or removed" in checked.get_data(as_text=True)


def test_trusted_header_single_sign_on(tmp_path: Path, instance: Path, clock: Clock) -> None:
    app = build_app(instance, clock, make_site(tmp_path, trusted_header="X-Remote-User"))
    client = app.test_client()
    assert client.get("/", headers={"X-Remote-User": "carol"}).status_code == 200
    assert client.get("/batch", headers={"X-Remote-User": "carol"}).status_code == 403
    assert client.get("/batch", headers={"X-Remote-User": "bob"}).status_code == 200  # admin
    assert client.get("/").status_code == 302


def test_secure_cookie_behind_a_trusted_tls_proxy(tmp_path: Path, instance: Path,
                                                  clock: Clock) -> None:  # fmt: skip
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.1.2.3"}
    direct = build_app(instance, clock)
    response = login(direct.test_client(), "alice")  # the header is not believed
    assert "Secure" not in response.headers["Set-Cookie"]
    proxied = build_app(instance, clock, make_site(tmp_path, trusted_proxies=1))
    client = proxied.test_client()
    token = csrf_token(client)
    response = client.post("/login", headers=forwarded, base_url="http://localhost",
                           data={"username": "alice", "password": PASSWORD, "csrf_token": token})
    assert "; Secure" in response.headers["Set-Cookie"]
    assert audit_rows(instance)[-1].client == "10.1.2.3"


def test_access_configured(tmp_path: Path, instance: Path) -> None:
    site = load_site()
    assert access_configured(site, instance)
    assert not access_configured(site, tmp_path / "empty")
    assert access_configured(load_site(make_site(tmp_path, trusted_header="X-User")),
                             tmp_path / "empty")  # fmt: skip


def test_foreign_host_is_refused_before_the_login(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400


def test_twenty_concurrent_packets_from_four_users(instance: Path) -> None:
    """A real server (waitress, as ``docgen serve`` runs it): every request succeeds."""
    import waitress

    from docgen.web import create_app

    store = UserStore(instance / "users.toml")
    for name in ("carol", "dave"):
        store.add(name, "nurse", PASSWORD)
    app = create_app(None, instance)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    try:
        browsers = []
        for name in ("alice", "bob", "carol", "dave"):  # one cookie jar each
            browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
            with browser.open(base + "/login", timeout=30) as page:
                token = CSRF.findall(page.read().decode())[0]
            form = {"username": name, "password": PASSWORD, "csrf_token": token}
            with browser.open(base + "/login", urlencode(form).encode(), timeout=30) as page:
                text = page.read().decode()  # the form, after the redirect
            assert f"Signed in as {name}" in text
            browsers.append((browser, CSRF.findall(text)[0]))
        results: list[tuple[int, str, bytes]] = []

        def post(n: int) -> None:
            browser, token = browsers[n % 4]
            form = urlencode({**PATIENT, "mrn": f"{n + 1:07d}", "csrf_token": token}).encode()
            with browser.open(base + "/packet", form, timeout=600) as response:
                results.append((response.status, response.headers["Content-Type"],
                                response.read()))

        threads = [threading.Thread(target=post, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.close()
    assert sorted(status for status, _type, _body in results) == [200] * 20
    assert all(kind == "application/pdf" and body.startswith(b"%PDF") for _s, kind, body in results)
    rows = audit_rows(instance, "packet")
    assert len(rows) == 20
    assert sorted(e.mrn for e in rows) == [f"{n:07d}" for n in range(1, 21)]
    assert {e.user for e in rows} == {"alice", "bob", "carol", "dave"}
    assert {e.sha256 for e in rows} == {hashlib.sha256(body).hexdigest() for *_x, body in results}
    assert AuditLog.in_instance(instance).verify().ok


def test_serve_refuses_other_hosts_without_access_control(tmp_path: Path) -> None:
    done = docgen("serve", "--host", "0.0.0.0", "--port", "0", "--instance", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: --host 0.0.0.0")
    assert done.stdout == ""


def test_serve_binds_other_hosts_once_a_user_exists(instance: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "docgen", "serve", "--host", "0.0.0.0", "--port", "0",
         "--instance", str(instance)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert re.fullmatch(r"serving on http://0\.0\.0\.0:\d+/\n", line), line
        port = line.rsplit(":", 1)[1].strip("/\n")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as answer:
            assert answer.read() == b"ok"
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_audit_event_keeps_only_its_own_fields(app: Flask) -> None:
    """A caller passing a name or a date of birth by mistake still stores neither."""
    from docgen.web.auth import audit_event

    with app.test_request_context("/packet", method="POST"):
        audit_event("packet", mrn="0004567", family_name="Testperson", dob="1960-05-14",
                    forms=["X rev. 1"], language="en", sha256="0" * 64)  # fmt: skip
    row = audit_rows(Path(app.instance_path))[0]
    assert (row.user, row.mrn, row.forms, row.language) == ("", "0004567", "X rev. 1", "en")
    stored = b"".join(p.read_bytes() for p in Path(app.instance_path).glob("audit.db*"))
    assert b"Testperson" not in stored and b"1960-05-14" not in stored
