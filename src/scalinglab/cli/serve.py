"""``scalinglab serve``: the explorer (plan, cost, fit, forecast, sweeps, laws) in a browser."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError


def _check_start(*, port: int, host: str, positive: dict) -> None:
    """Everything ``serve`` is given, checked before the server starts: a port in 0-65535 (0: any free
    one), limits that are finite and positive, and a host this machine can listen on at that port (a
    trial bind, so that a wrong address or a port in use is one line rather than uvicorn's)."""
    import math
    import socket

    if not 0 <= port <= 65535:
        raise InputError(f"--port must be between 1 and 65535 (or 0 for any free port), got {port}")
    for flag, value in positive.items():
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{flag} must be a finite number above 0, got {value:g}")
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
    def serve_command(
        port: Annotated[int, typer.Option("--port", help="Port to listen on (0: any free port).")] = 8000,
        host: Annotated[str, typer.Option("--host", help="Address to bind. The default serves this machine only; "
                                                         "anything else exposes the explorer to the network.")] = "127.0.0.1",
        registry: Annotated[Optional[Path], typer.Option("--registry", help="A runs registry (SQLite) to show, read-only, on the Sweeps page.")] = None,
        max_upload_mb: Annotated[float, typer.Option("--max-upload-mb", help="Largest runs table accepted, in MB.")] = 5.0,
        max_bootstrap: Annotated[int, typer.Option("--max-bootstrap", help="Most bootstrap refits of a fit.")] = 2000,
        max_samples: Annotated[int, typer.Option("--max-samples", help="Most Monte Carlo samples of a request.")] = 100_000,
        request_seconds: Annotated[float, typer.Option("--request-seconds", help="Time limit of a request; fit jobs get --fit-seconds.")] = 30.0,
        fit_seconds: Annotated[float, typer.Option("--fit-seconds", help="Time limit of a fit job.")] = 300.0,
        compute_threads: Annotated[int, typer.Option("--compute-threads", help="Requests computing at once; the others wait their turn, in order.")] = 4,
    ) -> None:
        """Serve the explorer on http://127.0.0.1:PORT (JSON API under /api/v1, the same numbers as --json)."""
        _check_start(port=port, host=host, positive={"--max-upload-mb": max_upload_mb, "--max-bootstrap": max_bootstrap,
                                                      "--max-samples": max_samples, "--request-seconds": request_seconds,
                                                      "--fit-seconds": fit_seconds, "--compute-threads": compute_threads})
        try:
            import uvicorn

            from ..web import Limits, Settings, create_app
            from ..web.guard import LOOPBACK
        except ImportError as error:
            raise InputError(f"the explorer needs the web extra ({error.name} is missing): "
                             f"pip install 'scalinglab[web]'") from None
        if registry is not None:
            from ..store import RunsRegistry

            RunsRegistry(registry, read_only=True).close()  # a clear error now rather than on the page
        if host not in LOOPBACK:
            sys.stderr.write(f"warning: --host {host} exposes the explorer to every machine that can reach this "
                             f"address; it has no login\n")
        limits = Limits(upload_bytes=int(max_upload_mb * 1e6), bootstrap=max_bootstrap, samples=max_samples,
                        request_seconds=request_seconds, fit_seconds=fit_seconds, compute_threads=compute_threads)
        settings = Settings(limits=limits, registry=registry.resolve() if registry else None, host=host)
        shown = f"[{host}]" if ":" in host else host
        sys.stderr.write(f"scalinglab explorer on http://{shown}:{port}/ (Ctrl-C to stop)\n")
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
