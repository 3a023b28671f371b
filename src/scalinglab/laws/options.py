"""The parameters of ``laws show`` (``sl.laws.get``), declared once."""

from __future__ import annotations

from ..options import Option, Options

__all__ = ["LAW"]

LAW = Options((
    Option("name", "Law name, e.g. hoffmann2022 or parallel-chen2025 (aliases such as chinchilla and epoch "
                   "accepted).", argument=True),
))
