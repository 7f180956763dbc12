"""``docgen serve``: the ward web app, served by waitress."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from docgen.cli import (
    cache_options,
    cli,
    instance_option,
    load_site_option,
    reports_errors,
    site_option,
)
from docgen.errors import EXIT_USAGE

if TYPE_CHECKING:
    from docgen.cache import RenderCache


@cli.command()
@reports_errors
@site_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; other than loopback only with access control.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on (0: any free port).")
@instance_option
@cache_options
def serve(site_path: Path | None, host: str, port: int, instance: Path | None,
          cache: RenderCache | None) -> None:  # fmt: skip
    """Serve the ward web app: the nurse's form and the administrator's batch page."""
    import waitress

    from docgen.packet import warm_up
    from docgen.web import auth, create_app
    from docgen.web.app import MAX_UPLOAD_BYTES, is_loopback

    site = load_site_option(site_path)
    if not is_loopback(host) and not auth.access_configured(site, instance):
        click.echo(
            f"error: --host {host} is not a loopback address; serving other machines "
            "needs access control (add a user with 'docgen users add' or set "
            "trusted_header in [web])",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    app = create_app(site_path, instance, {"DOCGEN_CACHE": cache})
    warm_up(site)
    # X-Forwarded-* reach the app only when the site trusts a proxy (werkzeug's ProxyFix,
    # set up by docgen.web.auth, then believes exactly that many hops).
    server = waitress.create_server(
        app, host=host, port=port, ident="docgen",
        clear_untrusted_proxy_headers=not site.web.trusted_proxies,
        max_request_body_size=2 * MAX_UPLOAD_BYTES,  # beyond the app's own limit page
    )  # fmt: skip
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    bound_port = getattr(server, "effective_port", port)
    click.echo(f"serving on http://{shown}:{bound_port}/", nl=True)
    sys.stdout.flush()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: stop quietly
        server.run()
