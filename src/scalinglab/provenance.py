"""Where every published number comes from.

A ``Source`` is attached to each law, hardware spec, growth rate and dataset: the citation, an
identifier (arXiv id or URL), the exact locator (table, figure, section, equation) and notes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Source"]


@dataclass(frozen=True, slots=True)
class Source:
    citation: str
    locator: str = ""
    identifier: str = ""
    notes: str = ""

    def __str__(self) -> str:
        parts = [self.citation]
        if self.locator:
            parts.append(self.locator)
        if self.identifier:
            parts.append(self.identifier)
        return ", ".join(parts)

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Source":
        return cls(**{k: str(v) for k, v in data.items() if k in cls.__dataclass_fields__})
