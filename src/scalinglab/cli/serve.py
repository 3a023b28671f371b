"""``scalinglab serve``: the explorer (plan, cost, fit, forecast, sweeps, laws) in a browser."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ..errors import InputError
from ..web.settings import SERVE, Limits
from .declared import with_options


def _check_host(host: str, port: int) -> None:
    """A host this machine can listen on at ``port`` (a trial bind, so that a wrong address or a port in use
    is one line rather than uvicorn's), checked before the server starts."""
    import socket

    if not host.strip() or any(c.isspace() for c in host):
        raise InputError(f"--host must be an address or a host name, got {host!r}")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise InputError(f"--host {host!r} is not an address this machine knows "
                         f"({getattr(error, 'strerror', None) or error})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise InputError(f"cannot listen on --host {host} --port {port}: {error.strerror or error}") from None


def register(app: typer.Typer) -> None:
    @app.command("serve")
    @with_options(SERVE)
    def serve_command(**options) -> None:
        """Serve the explorer on http://127.0.0.1:PORT (JSON API under /api/v1, the same numbers as --json)."""
        o = SERVE.check(options)
        host, port, registry = o["host"], o["port"], o["registry"]
        _check_host(host, port)
        try:
            import uvicorn

            from ..web import Settings, create_app
            from ..web.guard import LOOPBACK
        except ImportError as error:
            raise InputError(f"the explorer needs the web extra ({error.name} is missing): "
                             f"pip install 'scalinglab[web]'") from None
        if registry is not None:
            from ..store import RunsRegistry

            registry = Path(registry)
            RunsRegistry(registry, read_only=True).close()  # a clear error now rather than on the page
        if host not in LOOPBACK:
            sys.stderr.write(f"warning: --host {host} exposes the explorer to every machine that can reach this "
                             f"address; it has no login\n")
        settings = Settings(limits=Limits.served(o), registry=registry.resolve() if registry else None, host=host)
        shown = f"[{host}]" if ":" in host else host
        sys.stderr.write(f"scalinglab explorer on http://{shown}:{port}/ (Ctrl-C to stop)\n")
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
