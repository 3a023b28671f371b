"""Save an Altair chart as PNG, SVG, PDF or HTML by its file extension, offline (vl-convert)."""

from __future__ import annotations

from pathlib import Path

from .._io import atomic_write_bytes, atomic_write_text
from ..errors import InputError

__all__ = ["save_chart", "chart_html_fragment", "interactive_spec", "CHART_FORMATS"]

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


#: What every interactive chart shares: solid legend swatches, titles clear of the panels below them,
#: tick labels that never overlap.
INTERACTIVE_CONFIG = {
    "legend": {"symbolOpacity": 1, "symbolStrokeWidth": 2, "labelLimit": 260},
    "title": {"offset": 12, "anchor": "start", "fontSize": 13},
    "axis": {"labelOverlap": "greedy", "labelSeparation": 6, "labelFlush": True},
    "concat": {"spacing": 28},
}


def _zoomable(view: dict) -> bool:
    encoding = view.get("encoding", {})
    return all(encoding.get(c, {}).get("type") == "quantitative" and "aggregate" not in encoding.get(c, {})
               for c in ("x", "y"))


def _add_zoom(spec: dict, counter: list[int]) -> None:
    """Wheel-zoom and drag-pan on each view whose x and y are quantitative (one per layer group)."""
    for key in ("hconcat", "vconcat", "concat"):
        for child in spec.get(key, []):
            _add_zoom(child, counter)
    if "layer" in spec:
        if any(p.get("bind") == "scales" for layer in spec["layer"] for p in layer.get("params", [])):
            return
        for layer in spec["layer"]:
            if "layer" in layer:
                _add_zoom(layer, counter)
                return
            merged = {**layer, "encoding": {**spec.get("encoding", {}), **layer.get("encoding", {})}}
            if _zoomable(merged):
                counter[0] += 1
                layer.setdefault("params", []).append(
                    {"name": f"zoom_{counter[0]}", "select": {"type": "interval"}, "bind": "scales"})
                return
    elif "mark" in spec and _zoomable(spec):
        if not any(p.get("bind") == "scales" for p in spec.get("params", [])):
            counter[0] += 1
            spec.setdefault("params", []).append(
                {"name": f"zoom_{counter[0]}", "select": {"type": "interval"}, "bind": "scales"})


def interactive_spec(chart) -> dict:
    """The chart's Vega-Lite spec for the explorer and the report: tooltips as drawn, wheel-zoom and
    drag-pan on every x/y view, solid legends, titles clear of panels, tick labels that never overlap."""
    import copy

    spec = copy.deepcopy(chart) if isinstance(chart, dict) else chart.to_dict()
    config = {**spec.get("config", {})}
    for key, values in INTERACTIVE_CONFIG.items():
        config[key] = {**values, **config.get(key, {})}
    spec["config"] = config
    if not any(p.get("bind") == "scales" for p in spec.get("params", [])):  # Altair hoists its own here
        _add_zoom(spec, [0])
    return spec
