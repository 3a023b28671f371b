"""``scalinglab serve``: the explorer (plan, cost, fit, forecast, sweeps, laws) in a browser."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ..errors import InputError
from ..options import Option, Options
from ..web.settings import Limits
from .declared import with_options

#: What ``serve`` takes: where it listens, the registry it shows, and the limits of a request (``Limits``).
SERVE = Options((
    Option("port", "Port to listen on (0: any free port).", default=8000, kind="int", low=0, high=65535),
    Option("host", "Address to bind: 127.0.0.1 (the default) serves this machine only; anything else exposes the "
                   "explorer to the network.", default="127.0.0.1"),
    Option("registry", "A runs registry (SQLite) to show, read-only, on the Sweeps page."),
    Option("max_upload_mb", "Largest runs table accepted, in MB.", default=Limits.upload_bytes / 1e6, kind="float",
           low=0, low_open=True),
    Option("max_bootstrap", "Most bootstrap refits of a fit.", default=Limits.bootstrap, kind="int", low=1),
    Option("max_samples", "Most Monte Carlo samples of a request.", default=Limits.samples, kind="int", low=1),
    Option("request_seconds", "Time limit of a request; fit jobs get {fit_seconds}.", default=Limits.request_seconds,
           kind="float", low=0, low_open=True),
    Option("fit_seconds", "Time limit of a fit job.", default=Limits.fit_seconds, kind="float", low=0, low_open=True),
    Option("compute_threads", "Requests computing at once; the others wait their turn, in order.",
           default=Limits.compute_threads, kind="int", low=1),
))


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
        limits = Limits(upload_bytes=int(o["max_upload_mb"] * 1e6), bootstrap=o["max_bootstrap"],
                        samples=o["max_samples"], request_seconds=o["request_seconds"], fit_seconds=o["fit_seconds"],
                        compute_threads=o["compute_threads"])
        settings = Settings(limits=limits, registry=registry.resolve() if registry else None, host=host)
        shown = f"[{host}]" if ":" in host else host
        sys.stderr.write(f"scalinglab explorer on http://{shown}:{port}/ (Ctrl-C to stop)\n")
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
