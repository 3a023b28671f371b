"""The demo report: sections contributed by each part of the package, written as one HTML file.

The names below are imported on first use, so that a command that only declares its options (``demo``'s, in
``scalinglab.report.demo``) does not build the HTML writer.
"""

from .._lazy import lazy_package

__all__ = ["Section", "render_report", "write_report"]

lazy_package(__name__, dict.fromkeys(__all__, "html"))
