"""Access control: the users file and ``docgen users`` (SPEC 10.4)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from docgen.errors import DocgenError
from docgen.users import UserStore, token_hash

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
