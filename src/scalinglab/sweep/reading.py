"""A runs registry opened for reading only, as ``sweep status``, ``sweep export`` and ``sweep plan --suggest`` read it."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError

__all__ = ["reading"]


@contextmanager
def reading(registry: str | Path):
    """The registry opened read-only (SQLite ``mode=ro``: nothing is ever written, not even to an empty
    file or another program's database); damaged pages found while reading are one-line errors."""
    import sqlite3

    from ..store import RunsRegistry

    if not Path(registry).is_file():
        raise InputError(f"registry {str(registry)!r} does not exist")
    try:
        with RunsRegistry(registry, read_only=True) as db:
            yield db
    except sqlite3.DatabaseError as error:
        raise InputError(f"registry {str(registry)!r} cannot be read ({error}); it may be damaged") from None
