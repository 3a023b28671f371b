"""Uploaded runs tables kept in memory by content hash, so that a page's permalink can name its table.

An upload is known by the first 16 hex digits of the SHA-256 of its bytes (``upload`` in a permalink or a
form); its file name is kept beside it for messages. The cache holds at most ``Limits.uploads_kept``
tables and ``Limits.uploads_bytes`` bytes together; past either, the least recently used go first. A
table that has gone (evicted, or the server restarted) is asked for again in one line: the server never
falls back to another table, and never reads a file named by a request.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from ..errors import InputError

__all__ = ["Upload", "UploadCache", "KEY_DIGITS"]

KEY_DIGITS = 16
"""Hex digits of the SHA-256 that name an upload (64 bits: no collision among a cache's few tables)."""
_KEY = re.compile(rf"[0-9a-f]{{{KEY_DIGITS}}}")


@dataclass(frozen=True)
class Upload:
    key: str
    name: str
    data: bytes

    def to_dict(self) -> dict:
        return {"upload": self.key, "name": self.name, "bytes": len(self.data)}


def upload_key(data: bytes) -> str:
    """The name of an upload: the first ``KEY_DIGITS`` hex digits of the SHA-256 of its bytes."""
    return hashlib.sha256(data).hexdigest()[:KEY_DIGITS]


class UploadCache:
    """At most ``kept`` uploads and ``capacity`` bytes, least recently used evicted first; thread-safe."""

    def __init__(self, kept: int, capacity: int):
        self.kept, self.capacity = kept, capacity
        self._items: OrderedDict[str, Upload] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def put(self, name: str, data: bytes) -> Upload:
        """Keep ``data`` under its content hash (the newest name wins) and return it."""
        upload = Upload(upload_key(data), name, data)
        with self._lock:
            old = self._items.pop(upload.key, None)
            self._bytes -= len(old.data) if old else 0
            self._items[upload.key] = upload
            self._bytes += len(data)
            while len(self._items) > 1 and (len(self._items) > self.kept or self._bytes > self.capacity):
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted.data)
        return upload

    def get(self, key: str) -> Upload:
        """The upload named ``key``; a one-line ``InputError`` when the key is malformed or the table is gone."""
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise InputError(f"upload {str(key)[:40]!r}: an upload is named by {KEY_DIGITS} hex digits (the "
                             f"'upload' that POST /api/v1/uploads answered)")
        with self._lock:
            upload = self._items.get(key)
            if upload is not None:
                self._items.move_to_end(key)
        if upload is None:
            raise InputError(f"the uploaded table {key} is no longer on this server; upload it again")
        return upload
