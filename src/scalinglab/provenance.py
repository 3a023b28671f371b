"""Where every published number comes from.

A ``Source`` is attached to each law, hardware spec, growth rate and dataset: the citation, an
identifier (arXiv id or URL), the exact locator (table, figure, section, equation) and notes.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

__all__ = ["Source"]


@dataclass(frozen=True, slots=True)
class Source:
    citation: str
    locator: str = ""
    identifier: str = ""
    notes: str = ""

    @property
    def short(self) -> str:
        """The citation up to its first comma: authors and year, e.g. "Hoffmann et al. 2022"."""
        return self.citation.split(",")[0]

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

    def bibtex(self, key: str | None = None) -> str:
        """A BibTeX ``@misc`` entry read from the citation ("Author et al. YEAR, \"Title\""), the
        identifier (arXiv id or URL) and the locator (as a note)."""
        match = re.match(r'\s*(?P<authors>[^"]*?)[\s,(]*(?P<year>(?:19|20)\d\d)?[)\s,]*"(?P<title>[^"]+)"', self.citation)
        authors, year, title = ((match["authors"].strip(" ,"), match["year"] or "", match["title"]) if match
                                else (self.citation, "", self.citation))
        authors = re.sub(r"\s+et al\.?$", " and others", authors) or "Anonymous"
        if not year:
            found = re.search(r"\b(?:19|20)\d\d\b", self.citation)
            year = found.group(0) if found else ""
        if key is None:
            first = re.sub(r"[^a-z]", "", authors.split()[0].lower()) if authors.split() else "source"
            word = next((w for w in re.findall(r"[a-z]+", title.lower()) if len(w) > 3), "")
            key = f"{first}{year}{word}"
        fields = [("author", authors), ("title", title), ("year", year)]
        idents = [part.strip() for part in self.identifier.split(";") if part.strip()]
        ident = idents[0] if idents else ""
        if len(idents) > 1:
            fields.append(("howpublished", "; ".join(idents)))
        if ident.lower().startswith("arxiv:"):
            fields += [("eprint", ident[6:]), ("archiveprefix", "arXiv"), ("url", f"https://arxiv.org/abs/{ident[6:]}")]
        elif ident.startswith(("http://", "https://")):
            fields.append(("url", ident))
        elif ident and len(idents) == 1:
            fields.append(("howpublished", ident))
        if self.locator:
            fields.append(("note", self.locator))
        body = ",\n".join(f"  {name} = {{{_bibtex_escape(value)}}}" for name, value in fields if value)
        return f"@misc{{{key},\n{body}\n}}"


def _bibtex_escape(text: str) -> str:
    """Escape the characters BibTeX treats specially inside a braced field."""
    return re.sub(r"([&%$#_{}])", r"\\\1", str(text)).replace("~", r"\textasciitilde{}")
