"""``scalinglab serve``: the explorer (plan, cost, fit, forecast, sweeps, laws) in a browser."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError

LOCAL = ("127.0.0.1", "localhost", "::1")


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
        try:
            import uvicorn

            from ..web import Limits, Settings, create_app
        except ImportError as error:
            raise InputError(f"the explorer needs the web extra ({error.name} is missing): "
                             f"pip install 'scalinglab[web]'") from None
        if registry is not None:
            from ..store import RunsRegistry

            RunsRegistry(registry, read_only=True).close()  # a clear error now rather than on the page
        if host not in LOCAL:
            sys.stderr.write(f"warning: --host {host} exposes the explorer to every machine that can reach this "
                             f"address; it has no login\n")
        if compute_threads < 1:
            raise InputError(f"--compute-threads must be at least 1, got {compute_threads}")
        limits = Limits(upload_bytes=int(max_upload_mb * 1e6), bootstrap=max_bootstrap, samples=max_samples,
                        request_seconds=request_seconds, fit_seconds=fit_seconds, compute_threads=compute_threads)
        settings = Settings(limits=limits, registry=registry.resolve() if registry else None, host=host)
        shown = f"[{host}]" if ":" in host else host
        sys.stderr.write(f"scalinglab explorer on http://{shown}:{port}/ (Ctrl-C to stop)\n")
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", access_log=False)
