"""Memory limits checked before the work: an estimate of what a command needs against what the
machine has, so a large request is one line ("needs about 14 GB; lower --samples or --until"), not
a numpy traceback or the kernel's OOM killer."""

from __future__ import annotations

import os

from .errors import InputError
from .units import parse_quantity

__all__ = ["available_bytes", "format_bytes", "check_memory"]


def available_bytes() -> float:
    """Memory this process may use: the kernel's MemAvailable (or the free physical memory), lowered
    by ``SCALINGLAB_MEMORY_LIMIT`` (e.g. ``4G``) when that is set."""
    limit = os.environ.get("SCALINGLAB_MEMORY_LIMIT")
    available = float("inf")
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    available = float(line.split()[1]) * 1024
                    break
    except OSError:
        try:
            available = float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            pass
    if limit:
        cap = parse_quantity(limit, what="SCALINGLAB_MEMORY_LIMIT")
        if not cap > 0:
            raise InputError(f"SCALINGLAB_MEMORY_LIMIT must be a positive size such as 4G, got {limit!r}")
        available = min(available, cap)
    return available


def format_bytes(count: float) -> str:
    """1.4e10 -> '14 GB', 3.6e9 -> '3.6 GB' (decimal units)."""
    if count < 0:
        return "-" + format_bytes(-count)
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            value = count / scale
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{count:.0f} B"


def check_memory(need: float, *, what: str, advice: str) -> None:
    """Refuse work that needs more memory than is available: '{what} needs about X; {advice}'."""
    have = available_bytes()
    if need > have:
        raise InputError(f"{what} needs about {format_bytes(need)} of memory but {format_bytes(have)} is available; "
                         f"{advice}")
