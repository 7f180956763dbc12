"""Access control and the audit trail of the ward web app (SPEC 10.4).

Who is asking, in this order: an API bearer token (``/api/*`` only), the user name set by a
trusted single-sign-on reverse proxy (``[web] trusted_header``), or the signed session
cookie set by ``/login``. Without any of them every route but ``/healthz``, ``/login`` and
the static files redirects to ``/login`` (pages) or answers 401 (API). Roles: ``nurse``
(the form) and ``admin`` (also the batch pages and ``/audit``).

The web app uses only this interface: ``init_app``, ``role_required``, ``current_user``,
``audit_event`` and ``access_configured``.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from docgen.audit import AuditLog, parse_since
from docgen.errors import DocgenError
from docgen.site import Site
from docgen.users import User, UserStore, users_file
from docgen.web.state import _, default_instance_dir

F = TypeVar("F", bound=Callable[..., Any])

MAX_FAILURES = 5  # failed logins in a row before the account is locked...
LOCK_SECONDS = 5 * 60  # ...for five minutes
MAX_SESSION_HOURS = 12  # one shift; then sign in again even if active
AUDIT_PAGE_ROWS = 200
OPEN_PATHS = ("/healthz", "/login")

blueprint = Blueprint("auth", __name__, template_folder="templates")


@dataclass(frozen=True)
class Identity:
    name: str
    role: str  # "nurse" or "admin"
    via: str  # "session", "token" or "header"

    def may(self, role: str) -> bool:
        """An admin may do everything a nurse may."""
        return self.role == "admin" or self.role == role


class LoginThrottle:
    """Failed logins per user name, in memory: five in a row lock the name for five minutes.

    Memory is enough: waitress serves from one process, and a restart needs IT anyway.
    Unknown names are counted too, so a lock does not tell whether a name exists.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}  # name -> (count, locked until)

    def locked_until(self, name: str, now: float) -> float | None:
        with self._lock:
            until = self._failures.get(name, (0, 0.0))[1]
        return until if until > now else None

    def failed(self, name: str, now: float) -> bool:
        """Count a failure; True if this one locks the name."""
        with self._lock:
            count, until = self._failures.get(name, (0, 0.0))
            count = 1 if until and until <= now else count + 1  # a lock served starts afresh
            locks = count >= MAX_FAILURES
            self._failures[name] = (count, now + LOCK_SECONDS if locks else 0.0)
            if len(self._failures) > 10_000:  # a flood of invented names: forget the oldest
                self._failures.pop(next(iter(self._failures)))
            return locks

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(name, None)


@dataclass
class AccessControl:
    """What this module keeps per app (``app.extensions["docgen_auth"]``)."""

    users: UserStore
    audit: AuditLog
    throttle: LoginThrottle
    trusted_header: str | None
    idle_seconds: int


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over TLS (through ProxyFix)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _seconds(app: Flask) -> float:
    """Seconds since the epoch; tests set ``DOCGEN_CLOCK`` to move time forward."""
    clock: Callable[[], float] = app.config.get("DOCGEN_CLOCK", time.time)
    return clock()


def _now() -> float:
    return _seconds(current_app)


def _control() -> AccessControl:
    found: AccessControl = current_app.extensions["docgen_auth"]
    return found


def init_app(app: Flask) -> None:
    """Called by create_app after the blueprints are registered."""
    web = app.extensions["docgen"]  # docgen.web.state.WebState
    site, instance = web.site, web.instance
    app.extensions["docgen_auth"] = AccessControl(
        users=UserStore(users_file(site, instance)),
        audit=AuditLog.in_instance(instance, lambda: datetime.fromtimestamp(_seconds(app), UTC)),
        throttle=LoginThrottle(),
        trusted_header=site.web.trusted_header,
        idle_seconds=site.web.idle_minutes * 60,
    )
    if site.web.trusted_proxies:  # believe X-Forwarded-For/-Proto only from our own proxies
        n = site.web.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.config.update(
        SESSION_COOKIE_NAME="docgen_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
    )
    app.session_interface = _SessionInterface()
    app.register_blueprint(blueprint)
    app.context_processor(_page_context)
    # Who is asking is settled before the CSRF check (a stranger is sent to /login, not told
    # about tokens) but after any hook registered ahead of CSRFProtect (the Host check).
    hooks = app.before_request_funcs.setdefault(None, [])
    at = next((i for i, hook in enumerate(hooks) if hook.__name__ == "csrf_protect"), 0)
    hooks.insert(at, _identify)


def _page_context() -> dict[str, Any]:
    identity = current_identity()
    return {
        "is_admin": bool(identity and identity.role == "admin"),
        "signed_in_by_session": bool(identity and identity.via == "session"),
    }


def _identify() -> Response | None:
    """Find who is asking; without anyone, redirect to /login or answer 401."""
    g.identity = None
    if request.path in OPEN_PATHS or request.path.startswith("/static/"):
        return None
    control = _control()
    api = request.path.startswith("/api/")
    bearer = request.headers.get("Authorization", "")
    if api and bearer:
        scheme, _space, token = bearer.partition(" ")
        user = control.users.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            return _unauthorised(_("The API token is not valid."))
        g.identity = Identity(user.name, user.role, "token")
        return None
    if control.trusted_header:
        name = request.headers.get(control.trusted_header, "").strip()[:128]
        if name:
            known = control.users.load().get(name)
            g.identity = Identity(name, known.role if known else "nurse", "header")
            return None
    g.identity = _session_identity(control)
    if g.identity is not None:
        return None
    if api:
        return _unauthorised(_("Sign in first, or send an API token."))
    if _is_page_visit():
        session["next"] = request.path  # a path only: no patient data is ever in a URL
    return redirect(url_for("auth.login"))  # type: ignore[return-value]


def _is_page_visit() -> bool:
    """A browser opening a page (not its favicon, nor a script polling JSON)."""
    return (request.method == "GET" and request.url_rule is not None and request.path != "/"
            and "text/html" in request.headers.get("Accept", ""))  # fmt: skip


def _session_identity(control: AccessControl) -> Identity | None:
    name = session.get("user")
    if not isinstance(name, str):
        return None
    now = _now()
    seen, started = float(session.get("seen", 0)), float(session.get("started", 0))
    user = control.users.load().get(name)
    if user is None:  # removed since signing in
        session.clear()
        return None
    if now - seen > control.idle_seconds or now - started > MAX_SESSION_HOURS * 3600:
        session.clear()
        session["notice"] = "idle"
        return None
    if not request.path.endswith(".json"):  # a page polling its progress is not a person
        session["seen"] = now
    return Identity(user.name, user.role, "session")


def _unauthorised(message: str) -> Response:
    response = jsonify({"errors": [{"field": None, "message": message}]})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="docgen"'
    return response


def current_identity() -> Identity | None:
    found: Identity | None = g.get("identity")
    return found


def current_user() -> str | None:
    """The signed-in user's name, or None (shown in the page header when set)."""
    identity = current_identity()
    return identity.name if identity else None


def role_required(role: str) -> Callable[[F], F]:
    """Restrict a view to ``role`` ("nurse" or "admin"; an admin may do both)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            identity = current_identity()
            if identity is None:
                abort(401)
            if not identity.may(role):
                abort(403)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def audit_event(action: str, **fields: object) -> None:
    """Record ``action`` (packet, batch, download) by the current user.

    Only these fields are stored: ``mrn`` (one or several), ``forms`` (IDs with revisions),
    ``language``, ``sha256``, and ``job``/``rows`` (kept as a short detail). Anything else
    is dropped, so a name or a date of birth can never reach the audit database.
    """
    detail = " ".join(f"{key}={fields[key]}" for key in ("job", "rows") if key in fields)
    _record(
        action,
        current_user() or "",
        mrn=_texts(fields.get("mrn")),
        forms=_texts(fields.get("forms")),
        language=str(fields.get("language") or ""),
        sha256=str(fields.get("sha256") or ""),
        detail=detail,
    )


def _texts(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value]
    return [str(value)]


def _record(action: str, user: str, **fields: Any) -> None:
    _control().audit.append(action, user, client=request.remote_addr or "", **fields)


def access_configured(site: Site, instance: Path | None = None) -> bool:
    """Whether logins are set up (a user in the users file, or a trusted SSO header).

    ``docgen serve`` may bind a non-loopback address only then. ``instance`` is the
    instance folder whose ``users.toml`` is used when the site names no users file.
    """
    if site.web.trusted_header:
        return True
    if instance is None:
        instance = default_instance_dir()
    try:
        return bool(UserStore(users_file(site, instance)).load())
    except DocgenError:
        return False


# Pages: /login, /logout and /audit.


def _safe_next() -> str:
    target = session.pop("next", None)
    if isinstance(target, str) and target.startswith("/") and not urlsplit(target).netloc:
        return target if not target.startswith("//") else "/"
    return "/"


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    control = _control()
    if request.method == "GET":
        notice = session.pop("notice", None)
        if notice is None and not control.users.load():
            notice = "no-users"  # a fresh install: say how to create the first account
        return render_template("auth/login.html", notice=notice, error=None, username="")
    name = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")[:1024]
    now = _now()
    known = name in control.users.load()
    if control.throttle.locked_until(name, now):
        _record("login-failed", name if known else "", detail="locked")
        return _login_refused(name, _locked_message())
    user: User | None = control.users.check_password(name, password) if name else None
    if user is None:
        locks = control.throttle.failed(name, now)
        # The name typed is kept only if it is a user's: a password typed into the name
        # field must not end up in the audit trail.
        _record("login-failed", name if known else "", detail="locked" if locks else "")
        return _login_refused(name, _locked_message() if locks else
                              _("The user name or the password is not right."))  # fmt: skip
    control.throttle.succeeded(name)
    target = _safe_next()
    session.clear()  # nothing from before the login carries over
    session.update(user=user.name, seen=now, started=now)
    g.identity = Identity(user.name, user.role, "session")
    _record("login", user.name)
    return redirect(target, 303)


def _locked_message() -> str:
    return _("Too many failed sign-ins: this account is locked for %(minutes)s minutes.") % {
        "minutes": LOCK_SECONDS // 60
    }


def _login_refused(name: str, message: str) -> tuple[str, int]:
    page = render_template("auth/login.html", notice=None, error=message, username=name)
    return page, 401


@blueprint.route("/logout", methods=["POST"])
def logout() -> Any:
    identity = current_identity()
    if identity is not None and identity.via == "session":
        _record("logout", identity.name)
    session.clear()
    session["notice"] = "signed-out"
    response = redirect(url_for("auth.login"), 303)
    response.headers["Clear-Site-Data"] = '"cache"'  # pages of this session leave the browser
    return response


@blueprint.route("/audit", methods=["GET", "POST"])
@role_required("admin")
def audit_page() -> Any:
    """The audit trail, newest first; filters are POSTed so an MRN never sits in a URL."""
    form = {key: request.form.get(key, "").strip()[:64] for key in ("since", "until", "user",
                                                                   "mrn")}  # fmt: skip
    problems: dict[str, str] = {}
    since = until = None
    for key in ("since", "until"):
        if form[key]:
            try:
                moment = parse_since(form[key])
            except DocgenError:
                problems[key] = _("Enter a date as YYYY-MM-DD.")
                continue
            if key == "since":
                since = moment
            else:
                until = moment + timedelta(days=1)  # "until" includes that whole day
    events = _control().audit.events(since=since, until=until, user=form["user"] or None,
                                     mrn=form["mrn"] or None, newest_first=True,
                                     limit=AUDIT_PAGE_ROWS)  # fmt: skip
    verification = None
    if request.form.get("verify"):
        verification = _control().audit.verify()
    status = 422 if problems else 200
    return render_template("auth/audit.html", events=events, form=form, problems=problems,
                           limit=AUDIT_PAGE_ROWS, verification=verification), status
