"""The web app's users file (SPEC 10.4): names, roles, password hashes and API token hashes.

The file is TOML written by ``docgen users``; nothing in it is a secret in clear. Passwords
are hashed with werkzeug.security (scrypt); API tokens are random 256-bit strings, so a plain
SHA-256 is enough to store them and lets a request find its user without a slow hash per
stored token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from docgen.errors import ConfigError, DocgenError
from docgen.site import Site

ROLES = ("nurse", "admin")
USERS_FILE_NAME = "users.toml"
MIN_PASSWORD_LENGTH = 10
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_TOKEN_PREFIX = "sha256:"
# Compared against when the user does not exist, so an unknown name takes as long as a
# wrong password (no user enumeration by timing).
_DUMMY_HASH = generate_password_hash("not a password of anyone")


@dataclass(frozen=True)
class User:
    name: str
    role: str  # "nurse" or "admin"
    password_hash: str | None = None
    token_hashes: tuple[str, ...] = ()


def users_file(site: Site, instance: Path) -> Path:
    """The users file ``serve``, ``docgen users`` and ``access_configured`` all use."""
    return site.web.users_file or instance / USERS_FILE_NAME


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise DocgenError(
            "1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit",
            field="user name",
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise DocgenError(f"must be one of {', '.join(ROLES)}", field="role")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DocgenError(f"must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
    return password


def token_hash(token: str) -> str:
    return _TOKEN_PREFIX + hashlib.sha256(token.encode("utf-8")).hexdigest()


class UserStore:
    """Reads and writes one users file; every write replaces the file atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: tuple[float, int, dict[str, User]] | None = None

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self) -> dict[str, User]:
        """All users by name; an absent file has none. Re-read only when the file changed."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        if self._cache and self._cache[:2] == (stat.st_mtime, stat.st_size):
            return self._cache[2]
        users = self._parse()
        self._cache = (stat.st_mtime, stat.st_size, users)
        return users

    def _parse(self) -> dict[str, User]:
        where = f"users file {self.path}"
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except OSError:
            raise ConfigError(f"{where}: cannot be read") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{where}: not valid TOML ({exc})") from None
        table = data.get("users", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [users] must be a table")
        users: dict[str, User] = {}
        for name, entry in table.items():
            if not isinstance(entry, dict) or not _NAME.fullmatch(name):
                raise ConfigError(f"{where}: user {name!r} is not valid")
            role = entry.get("role")
            password = entry.get("password")
            tokens = entry.get("tokens", [])
            if role not in ROLES or not (password is None or isinstance(password, str)):
                raise ConfigError(f"{where}: user {name}: role or password is not valid")
            if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
                raise ConfigError(f"{where}: user {name}: tokens must be a list of hashes")
            users[name] = User(name, role, password, tuple(tokens))
        return users

    def save(self, users: Iterable[User]) -> None:
        lines = ["# docgen users (written by `docgen users`): passwords and tokens are hashes.", ""]
        for user in sorted(users, key=lambda u: u.name):
            lines.append(f"[users.{_toml_string(user.name)}]")
            lines.append(f"role = {_toml_string(user.role)}")
            if user.password_hash:
                lines.append(f"password = {_toml_string(user.password_hash)}")
            tokens = ", ".join(_toml_string(t) for t in user.token_hashes)
            lines.append(f"tokens = [{tokens}]")
            lines.append("")
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(prefix=".users-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write("\n".join(lines))
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._cache = None

    # The commands of ``docgen users``.

    def add(self, name: str, role: str, password: str) -> bool:
        """Add a user, or give an existing one a new role and password; True if new."""
        check_name(name)
        check_role(role)
        check_password(password)
        users = self.load()
        old = users.get(name)
        hashed = generate_password_hash(password)
        user = replace(old, role=role, password_hash=hashed) if old else User(name, role, hashed)
        self.save([*(u for u in users.values() if u.name != name), user])
        return old is None

    def remove(self, name: str) -> None:
        users = self.load()
        if name not in users:
            raise DocgenError(f"no user {name}", field="user name")
        self.save(u for u in users.values() if u.name != name)

    def new_token(self, name: str) -> str:
        """A new API token for ``name`` (replacing the previous one); only its hash is kept."""
        users = self.load()
        if name not in users:
            raise DocgenError(f"no user {name}", field="user name")
        token = secrets.token_urlsafe(32)
        users = {**users, name: replace(users[name], token_hashes=(token_hash(token),))}
        self.save(users.values())
        return token

    # Checks made by the web app.

    def check_password(self, name: str, password: str) -> User | None:
        user = self.load().get(name)
        stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
        matches = check_password_hash(stored, password)
        return user if user and user.password_hash and matches else None

    def user_for_token(self, token: str) -> User | None:
        wanted = token_hash(token)
        found = None
        for user in self.load().values():
            for stored in user.token_hashes:
                if hmac.compare_digest(stored, wanted):
                    found = user
        return found


def _toml_string(text: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes: \" \\ \n \uXXXX).
    return json.dumps(text)
