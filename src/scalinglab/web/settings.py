"""What the server may be asked to do: upload, row, bootstrap, sample and time limits, and the registry."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..options import Option, Options

__all__ = ["Limits", "Settings", "SERVE"]


@dataclass(frozen=True)
class Limits:
    """Bounds on one request; going past one is a 413 (upload size) or a 422 with a message."""

    upload_bytes: int = 5_000_000        #: largest runs table or scenario file accepted
    upload_rows: int = 20_000            #: most runs in an uploaded table
    bootstrap: int = 2_000               #: most bootstrap refits of a fit
    samples: int = 100_000               #: most Monte Carlo draws (cost, budget, forecast)
    compute_points: int = 200            #: most compute budgets in one plan request
    request_seconds: float = 30.0        #: time limit of a request that is not a fit job
    fit_seconds: float = 300.0           #: time limit of a fit job (then it is stopped)
    jobs: int = 2                        #: fit jobs running at once
    compute_threads: int = 4             #: requests computing at once (the others wait their turn, in order)
    yaml_chars: int = 200_000            #: longest scenario YAML text
    streams: int = 16                    #: progress streams open at once, all jobs together (429 beyond)
    streams_per_job: int = 4             #: progress streams open at once on one job (429 beyond)
    worker_memory_mb: int = 640          #: address-space cap of a fit job's process (RLIMIT_AS; docs/security.md)
    uploads_kept: int = 32               #: uploaded tables kept in memory by content hash, for permalinks
    uploads_bytes: int = 64_000_000      #: their bytes together (the least recently used go first)

    def __post_init__(self):
        import math

        from ..errors import InputError

        for name, value in asdict(self).items():
            if not (math.isfinite(value) and value > 0) or (isinstance(value, int) and value < 1):
                raise InputError(f"limit {name} must be a finite number above 0, got {value!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def served(cls, options: dict) -> Limits:
        """The limits ``serve``'s checked options set (``SERVE``); the others keep their defaults."""
        return cls(upload_bytes=int(options["max_upload_mb"] * 1e6), bootstrap=options["max_bootstrap"],
                   samples=options["max_samples"], request_seconds=options["request_seconds"],
                   fit_seconds=options["fit_seconds"], compute_threads=options["compute_threads"])


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


@dataclass(frozen=True)
class Settings:
    """The server's settings: limits, the runs registry shown read-only on the Sweeps page, and the address
    ``serve --host`` binds (a name accepted in ``Host`` besides the loopback names)."""

    limits: Limits = field(default_factory=Limits)
    registry: Path | None = None
    host: str | None = None
