"""``scalinglab demo``: the whole picture on bundled data, as console tables and an HTML report.

Each part of the package contributes one report section through a function
``section(out_dir: Path) -> Section`` listed in ``DEMO_SECTIONS`` as ``"module:function"``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..options import Option, Options

if TYPE_CHECKING:
    from .html import Section

__all__ = ["DEMO", "DEMO_SECTIONS", "run_demo"]

DEMO_SECTIONS = (
    "scalinglab.report.plan:section",
    "scalinglab.report.compute:section",
    "scalinglab.report.fit:section",
    "scalinglab.report.forecast:section",
    "scalinglab.report.sweep:section",
)


#: What ``scalinglab demo`` takes.
DEMO = Options((
    Option("out", "Folder for report.html and charts.", default="out"),
))


def run_demo(out_dir: str | Path, on_section=None) -> tuple[Path, list[Section]]:
    """Build every section, write ``out_dir/report.html`` and return its path and the sections."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sections = []
    for spec in DEMO_SECTIONS:
        module_name, function_name = spec.split(":")
        section = getattr(importlib.import_module(module_name), function_name)(out_dir)
        sections.append(section)
        if on_section is not None:
            on_section(section)
    from .html import write_report

    return write_report(sections, out_dir / "report.html"), sections
