"""A self-contained, interactive HTML report assembled from sections (text, tables and charts).

One offline file: a summary and a table of contents, then each section's paragraphs, tables and
charts. Charts are the same Vega-Lite specs the explorer draws (``charts.save.interactive_spec``:
tooltips, wheel-zoom, drag-pan), rendered by the Vega bundle of ``vl_convert.javascript_bundle()``
inlined once; nothing is fetched. The page fits a 1024-pixel-wide window: charts scale down, wide
tables scroll inside their own box.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .._io import atomic_write_text

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Section", "render_report", "write_report"]


@dataclass
class Section:
    """One part of the report: a title, paragraphs, tables (DataFrames) and charts (Altair).

    ``summary`` is the section's line in the report's opening summary (default: its first sentence).
    """

    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[tuple[str, "pd.DataFrame"]] = field(default_factory=list)
    charts: list = field(default_factory=list)
    summary: str | None = None

    @property
    def anchor(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "section"

    def summary_line(self) -> str:
        if self.summary:
            return self.summary
        if not self.paragraphs:
            return ""
        first = self.paragraphs[0]
        # the first sentence: a period before a capital letter, not the one in "et al." or "e.g."
        match = re.match(r"(.+?(?<!\bal)(?<!e\.g)(?<!i\.e)\.)\s+[A-Z]", first)
        return match.group(1) if match else first

    def to_html(self, chart_ids=None) -> str:
        from ..charts.save import interactive_spec

        chart_ids = chart_ids if chart_ids is not None else iter(range(1_000_000))
        parts = [f'<section id="{self.anchor}"><h2>{html.escape(self.title)}</h2>']
        parts += [f"<p>{html.escape(p)}</p>" for p in self.paragraphs]
        for caption, frame in self.tables:
            parts.append(f"<h3>{html.escape(caption)}</h3>")
            parts.append(_table(frame))
        for chart in self.charts:
            number = next(chart_ids)
            spec = json.dumps(interactive_spec(chart), separators=(",", ":"), default=_json_default)
            parts.append(f'<div class="chart" id="chart-{number}"></div>'
                         f'<script type="application/json" id="spec-{number}">{_script_safe(spec)}</script>')
        parts.append("</section>")
        return "\n".join(parts)


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _script_safe(text: str) -> str:
    """JSON inside <script>: no '</' (which would close the element) and no HTML comment openers."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _cell(value, column: str = "") -> tuple[str, bool]:
    """(text, is_long_text) of one table cell; numbers the section left raw get the report's style
    (2944 -> 2.94K, like the counts the sections format themselves; years stay years)."""
    from ..units import format_quantity

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-", False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iu"):
        value = int(value)
        if "year" in column.lower():
            return str(value), False
        return (format_quantity(value) if abs(value) >= 1_000 else str(value)), False
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f"):
        value = float(value)
        return (format_quantity(value) if abs(value) >= 10_000 else f"{value:.4g}"), False
    text = str(value)
    return text, len(text) > 28


def _table(frame: "pd.DataFrame") -> str:
    """A table whose numeric cells never wrap and whose long text cells wrap in a readable width."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    names = [str(c) for c in frame.columns]
    for record in frame.itertuples(index=False):
        cells = []
        for value, name in zip(record, names):
            text, long_text = _cell(value, name)
            if " (" in text and text.endswith(")"):  # "value (range)": wraps, if at all, before the range only
                value, rest = text.split(" (", 1)
                cells.append(f'<td class="pair">{html.escape(value)} <span>({html.escape(rest)}</span></td>')
            else:
                cells.append(f'<td class="text">{html.escape(text)}</td>' if long_text else f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="table-box"><table class="table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


_STYLE = """
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 980px; margin: 1.5em auto;
       padding: 0 1em; color: #1d232b; }
h1 { border-bottom: 2px solid #444; margin-bottom: 0.2em; } h2 { margin-top: 2.2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1em; margin: 1.4em 0 0.3em; }
.stamp { color: #5b6570; font-size: 0.9em; margin-top: 0; }
nav.toc, .summary { background: #f6f7f9; border: 1px solid #d9dee3; border-radius: 8px; padding: 0.6em 1.2em; }
nav.toc ol { margin: 0.3em 0; } .summary ul { margin: 0.3em 0; padding-left: 1.2em; }
.summary li { margin: 0.35em 0; }
.table-box { max-width: 100%; overflow-x: auto; margin: 0.4em 0 1.4em; }
table.table { border-collapse: collapse; font-size: 0.88em; }
table.table th, table.table td { padding: 0.25em 0.65em; border-bottom: 1px solid #ddd; text-align: right;
                                 white-space: nowrap; vertical-align: top; }
table.table td.text { white-space: normal; text-align: left; min-width: 10em; max-width: 24em; }
table.table td.pair { white-space: normal; min-width: 5.5em; } table.table td.pair span { white-space: nowrap; }
table.table th { background: #f4f4f4; white-space: normal; min-width: 4em; }
.chart { margin: 1em 0 1.6em; max-width: 100%; overflow: hidden; }
.chart svg, .chart canvas { max-width: 100%; height: auto; }
.vega-embed { max-width: 100%; }
.vg-tooltip { font-size: 12px; }
"""

_START = """
document.querySelectorAll("script[id^='spec-']").forEach(function (node) {
  var target = document.getElementById("chart-" + node.id.slice(5));
  vegaEmbed(target, JSON.parse(node.textContent), {renderer: "svg",
    actions: {export: true, source: false, compiled: false, editor: false}}).catch(function (error) {
      target.textContent = "chart failed: " + error;
  });
});
"""


def _vega_bundle() -> str:
    """The bundle inside a <script>: only a literal '</script' could end it early, so only that is escaped
    (to '<\\/script', the same text in a JavaScript string or regular expression)."""
    import vl_convert

    return re.sub(r"</(script)", r"<\\/\1", vl_convert.javascript_bundle(), flags=re.IGNORECASE)


def render_report(sections: list[Section], title: str = "scalinglab report") -> str:
    """The whole report as one HTML document (charts drawn by the inlined Vega bundle)."""
    from .._version import __version__

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    ids = iter(range(1_000_000))
    body = "\n".join(section.to_html(ids) for section in sections)
    summary = "".join(f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a>: {html.escape(s.summary_line())}</li>'
                      for s in sections)
    toc = "".join(f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in sections)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p class='stamp'>scalinglab {__version__}, generated {stamp}; every number below is recomputed from the "
        f"bundled data. Charts: hover for values, scroll to zoom, drag to pan, double-click to reset.</p>"
        f"<div class='summary'><h2 style='margin-top:0.3em;border:0'>Summary</h2><ul>{summary}</ul></div>"
        f"<nav class='toc'><strong>Contents</strong><ol>{toc}</ol></nav>"
        f"{body}"
        f"<script>{_vega_bundle()}</script><script>{_START}</script></body></html>\n"
    )


def write_report(sections: list[Section], path: str | Path, title: str = "scalinglab report") -> Path:
    return atomic_write_text(path, render_report(sections, title))
