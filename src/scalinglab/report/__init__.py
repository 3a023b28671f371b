"""The demo report: sections contributed by each part of the package, written as one HTML file."""

from .html import Section, render_report, write_report

__all__ = ["Section", "render_report", "write_report"]
