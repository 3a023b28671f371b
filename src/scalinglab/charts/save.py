"""Save an Altair chart as PNG, SVG, PDF or HTML by its file extension, offline (vl-convert)."""

from __future__ import annotations

from pathlib import Path

from .._io import atomic_write_bytes, atomic_write_text
from ..errors import InputError

__all__ = ["save_chart", "chart_html_fragment", "CHART_FORMATS"]

#: File types a chart can be written as, by extension.
CHART_FORMATS = (".png", ".svg", ".pdf", ".html", ".json")
_FORMATS = CHART_FORMATS


def save_chart(chart, path: str | Path, scale: float = 2.0) -> Path:
    """Write ``chart`` to ``path``; the format follows the extension (.png .svg .pdf .html .json)."""
    import vl_convert as vlc

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise InputError(f"cannot write chart {str(path)!r}: use one of {', '.join(_FORMATS)}")
    spec = chart.to_dict()
    if suffix == ".png":
        return atomic_write_bytes(path, vlc.vegalite_to_png(spec, scale=scale))
    if suffix == ".svg":
        return atomic_write_text(path, vlc.vegalite_to_svg(spec))
    if suffix == ".pdf":
        return atomic_write_bytes(path, vlc.vegalite_to_pdf(spec))
    if suffix == ".html":
        return atomic_write_text(path, vlc.vegalite_to_html(spec, bundle=True))
    return atomic_write_text(path, chart.to_json())


def chart_html_fragment(chart) -> str:
    """An inline SVG of the chart, for embedding in the self-contained HTML report."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(chart.to_dict())
