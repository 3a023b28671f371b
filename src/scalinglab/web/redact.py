"""Error messages without the server's paths: an upload's private folder, the package, the registry.

A message names the user's own file (the name they chose) or the thing they asked for; where the
server keeps it is not theirs to know (temp folders and install paths help an attacker aim).
"""

from __future__ import annotations

import re
import tempfile
from functools import cache
from pathlib import Path

__all__ = ["redact"]


@cache
def _patterns() -> tuple[tuple[re.Pattern, str], ...]:
    package = str(Path(__file__).resolve().parents[1])
    temp = re.escape(tempfile.gettempdir())
    return (
        (re.compile(temp + r"/scalinglab-web-[^/\s'\"]+/[^/\s'\"]+/"), ""),  # an upload: keep its file name
        (re.compile(re.escape(package) + r"/"), "scalinglab/"),
        (re.compile(temp + r"/[^\s'\"]*/"), ""),
    )


def redact(text: str, registry: Path | None = None) -> str:
    """``text`` on one line with server paths replaced: an upload by its file name, the package by
    ``scalinglab/``, the registry by its file name, anything else under the temp folder by its last part."""
    text = str(text).replace("\n", " ")
    if registry is not None:
        text = text.replace(str(registry), registry.name)
    for pattern, replacement in _patterns():
        text = pattern.sub(replacement, text)
    return text
