"""The ward web app's factory: a second face over the same API as the command line.

Nothing here validates a record or renders a page of a packet: the blueprints call
docgen.request, docgen.packet and docgen.batch exactly as the CLI does. This module sets up
what every response shares: the Host allow-list, CSRF protection, security headers,
``no-store``, the upload limit, page text in the staff language, and error pages that never
show a traceback.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from docgen.cache import RenderCache, open_cache, use_for_startup
from docgen.catalog import load_catalog
from docgen.errors import ConfigError
from docgen.packet import write_atomic
from docgen.site import load_site
from docgen.web import admin, api, auth, catalog_pages, nurse
from docgen.web.jobs import JobStore
from docgen.web.state import WebState, _, default_instance_dir, state
from docgen.web.uitext import ui_translations

MAX_UPLOAD_BYTES = 8 * 1024 * 1024  # an operating list of thousands of rows is far smaller
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
log = logging.getLogger("docgen.web")


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 and ::1 (with or without brackets)."""
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(host: str) -> str:
    """``example.org:8080`` -> ``example.org``; ``[::1]:8080`` -> ``::1``."""
    if host.startswith("["):
        return host[1:].split("]", 1)[0].lower()
    return host.rsplit(":", 1)[0].lower() if host.count(":") == 1 else host.lower()


def _secret_key(instance: Path) -> bytes:
    """Created once per instance folder, readable by its owner only."""
    path = instance / "secret_key"
    if not path.is_file():
        write_atomic(path, secrets.token_bytes(32))
    return path.read_bytes()


def create_app(
    site_path: Path | None = None,
    instance_path: Path | str | None = None,
    config: Mapping[str, Any] | None = None,
) -> Flask:
    """The Flask application for ``site_path`` (default: the demo site).

    ``instance_path`` holds the job folders and the secret key (default: the user's data
    directory). ``config`` overrides Flask settings, e.g. for tests; its ``DOCGEN_CACHE``
    is the render cache (a :class:`~docgen.cache.RenderCache`, or None for none; default:
    :func:`~docgen.cache.open_cache`, i.e. $DOCGEN_CACHE_DIR or the user's cache directory).
    """
    instance = Path(instance_path or default_instance_dir()).resolve()
    instance.mkdir(parents=True, exist_ok=True, mode=0o700)
    site = load_site(site_path)
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=False)
    app.config.update(
        SECRET_KEY=_secret_key(instance),
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        WTF_CSRF_TIME_LIMIT=None,  # valid for the session: a form may stay open all shift
        WTF_CSRF_SSL_STRICT=False,  # the Referer is never sent (Referrer-Policy no-referrer)
        ALLOWED_HOSTS=site.web.allowed_hosts,
    )
    app.config.update(config or {})
    if "DOCGEN_CACHE" not in app.config:
        app.config["DOCGEN_CACHE"] = open_cache()
    cache: RenderCache | None = app.config["DOCGEN_CACHE"]
    use_for_startup(cache)  # the app's process keeps its start-up work there too
    load_catalog(site.resources.procedures)  # a broken procedure file stops the start
    app.extensions["docgen"] = WebState(
        site=site,
        site_path=site_path,
        ui=ui_translations(site.resources.locales, site.staff_language),
        jobs=JobStore(instance / "jobs", site.web.retention_hours, site_path, cache),
        instance=instance,
        cache=cache,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_translations(  # type: ignore[attr-defined]
        app.extensions["docgen"].ui, newstyle=True
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.before_request(_check_host)  # first of all: the DNS-rebinding defence
    csrf = CSRFProtect(app)
    app.add_url_rule("/healthz", "healthz", _healthz)
    app.register_blueprint(nurse.blueprint)
    app.register_blueprint(admin.blueprint)
    app.register_blueprint(catalog_pages.blueprint)
    app.register_blueprint(api.blueprint)
    csrf.exempt(api.blueprint)  # JSON only: a cross-site form cannot send application/json
    auth.init_app(app)
    app.after_request(_secure_headers)
    app.context_processor(_page_context)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ConfigError, _config_error)
    app.register_error_handler(Exception, _last_resort)
    app.extensions["docgen"].jobs.expire()
    return app


def _healthz() -> Response:
    """For monitoring: no login, no patient data."""
    return Response("ok", 200, mimetype="text/plain")


def _check_host() -> Response | None:
    """DNS-rebinding defence: only loopback names and the configured host names."""
    host = host_name(request.host)
    if is_loopback(host) or host in current_app.config["ALLOWED_HOSTS"]:
        state().jobs.expire_now_and_then()  # retention holds even if nobody opens /batch
        return None
    return Response("400 Bad Request: this host name is not allowed\n", 400,
                    mimetype="text/plain")  # fmt: skip


def _secure_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if not request.path.startswith("/static/"):
        # Pages, PDFs, ZIPs and JSON may all carry patient data: never keep a copy.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def _page_context() -> dict[str, Any]:
    site = state().site
    return {
        "site": site,
        "site_name": site.string("name", site.staff_language) or site.name,
        "department": site.string("department", site.staff_language) or site.department,
        "current_user": auth.current_user(),
        "page_language": site.staff_language,
        "page_direction": "rtl" if site.staff_language == "ar" else "ltr",
    }


def _error_page(status: int, title: str, message: str) -> tuple[str, int]:
    wants_json = request.path.startswith("/api/") or request.path.endswith(".json")
    if wants_json:
        return {"errors": [{"field": None, "message": message}]}, status  # type: ignore[return-value]
    return render_template("error.html", title=title, message=message), status


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return _error_page(400, _("The form has expired"),
                       _("This form was open too long or in another window. Go back, reload "
                         "the page and send it again."))  # fmt: skip


def _http_error(error: HTTPException) -> Any:
    if error.code == 413:
        return _error_page(413, _("The file is too large"),
                           _("Uploads are limited to %(size)s MB. Split the list into smaller "
                             "files, or send fewer rows.") % {"size": MAX_UPLOAD_BYTES // 2**20})
    if error.code == 404:
        return _error_page(404, _("Page not found"),
                           _("There is no page at this address. Start again from the home "
                             "page."))  # fmt: skip
    if error.code == 403:
        return _error_page(403, _("Not for your account"),
                           _("This page is for administrators. Sign in with an administrator's "
                             "account, or ask one to do this for you."))  # fmt: skip
    if error.code == 405:
        return _error_page(405, _("Not available"),
                           _("This address does not accept that kind of request."))
    if error.code is not None and error.code < 500:
        return _error_page(error.code, _("The request could not be read"),
                           _("Go back, reload the page and try again."))
    return _error_page(error.code or 500, _("Something went wrong"),
                       _("Try again; if it happens again, tell the IT service desk."))


def _config_error(error: ConfigError) -> Any:
    """A file of the site that cannot be used now, e.g. a procedure file saved with a
    mistake while the app runs: nothing prints until it is fixed, and the log says what
    (a configuration message names files, never a patient)."""
    log.error("configuration: %s", error)
    return _error_page(503, _("Something went wrong"),
                       _("The server could not finish this request. Try again; if it happens "
                         "again, tell the IT service desk."))  # fmt: skip


def _last_resort(error: Exception) -> Any:
    """A bug, not bad input: log only the exception's type (its text may hold patient data)."""
    route = request.url_rule.rule if request.url_rule else "(no route)"
    log.error("internal error on %s %s: %s", request.method, route, type(error).__name__)
    return _error_page(500, _("Something went wrong"),
                       _("The server could not finish this request. Try again; if it happens "
                         "again, tell the IT service desk."))  # fmt: skip
