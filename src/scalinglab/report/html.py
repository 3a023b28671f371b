"""A self-contained HTML report assembled from sections (text, tables and inline SVG charts)."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from datetime import datetime, timezone
from pathlib import Path

from .._io import atomic_write_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Section", "render_report", "write_report"]


@dataclass
class Section:
    """One part of the report: a title, paragraphs, tables (DataFrames) and charts (Altair)."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[tuple[str, "pd.DataFrame"]] = field(default_factory=list)
    charts: list = field(default_factory=list)

    def to_html(self) -> str:
        from ..charts.save import chart_html_fragment

        parts = [f"<section><h2>{html.escape(self.title)}</h2>"]
        parts += [f"<p>{html.escape(p)}</p>" for p in self.paragraphs]
        for caption, frame in self.tables:
            parts.append(f"<h3>{html.escape(caption)}</h3>")
            parts.append(frame.to_html(index=False, border=0, classes="table", escape=True))
        parts += [f'<div class="chart">{chart_html_fragment(chart)}</div>' for chart in self.charts]
        parts.append("</section>")
        return "\n".join(parts)


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { border-bottom: 2px solid #444; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table.table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0 1.5em; }
table.table th, table.table td { padding: 0.25em 0.7em; border-bottom: 1px solid #ddd; text-align: right; }
table.table th { background: #f4f4f4; } .chart { margin: 1em 0; }
"""


def render_report(sections: list[Section], title: str = "scalinglab report") -> str:
    from .. import __version__

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = "\n".join(section.to_html() for section in sections)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p>scalinglab {__version__}, generated {stamp}.</p>{body}</body></html>\n"
    )


def write_report(sections: list[Section], path: str | Path, title: str = "scalinglab report") -> Path:
    return atomic_write_text(path, render_report(sections, title))
