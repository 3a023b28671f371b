"""Chart builders (Altair / Vega-Lite), saved offline as PNG, SVG or self-contained HTML."""

from .save import save_chart

__all__ = ["save_chart"]
