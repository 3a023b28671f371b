"""Imports point down: the layer order of DESIGN.md, read from the import graph of the source (ast).

ground < data < science < charts < face < faces; within science, ``plan`` uses only the layers
below, ``fit`` may use ``plan`` (derived quantities: N_opt and D_opt of the fitted law), ``compute``
may use ``plan``, ``forecast`` uses ``plan`` and ``compute``, ``sweep`` uses ``fit``, ``plan`` and
``compute``. No two modules import each other (directly or round a longer cycle),
no module imports another package's private (``_``-prefixed) names, and torch, ray and fastapi are
imported only where they belong. Imports inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "scalinglab"

#: Rank of each layer; a module may import its own layer's packages (as allowed below) or lower ranks.
LAYERS = {"ground": 0, "data": 1, "science": 2, "charts": 3, "face": 4, "faces": 5}

#: Top-level name (package or module under scalinglab/) -> layer. ``scalinglab`` itself holds only the
#: version and the lazy face names, so it counts as ground for ``from .. import __version__``.
UNITS = {
    ROOT: "ground", "errors": "ground", "units": "ground", "provenance": "ground", "_io": "ground",
    "_results": "ground", "_table": "ground", "_defaults": "ground", "_memory": "ground", "filters": "ground",
    "tablefile": "ground",
    "laws": "data", "datasets": "data", "distributions": "data", "store": "data",
    "fit": "science", "plan": "science", "compute": "science", "forecast": "science", "sweep": "science",
    "charts": "charts",
    "api": "face",
    "cli": "faces", "web": "faces", "report": "faces", "__main__": "faces",
}

#: Within one layer, which other units a unit may use (DESIGN.md, "Layout").
_GROUND = {"errors", "units", "provenance", "_io", "_results", "_table", "_memory", "filters", "tablefile", ROOT}
SAME_LAYER = {
    **{unit: _GROUND - {unit} for unit in _GROUND},
    "laws": set(), "datasets": set(), "distributions": set(), "store": set(),
    "fit": {"plan"}, "plan": set(), "compute": {"plan"}, "forecast": {"plan", "compute"},
    "sweep": {"fit", "plan", "compute"},
    "cli": {"report", "web"}, "web": set(), "report": set(), "__main__": {"cli"},
}

#: Third-party packages allowed only under these units.
CONFINED = {"torch": {"sweep"}, "ray": {"sweep"}, "fastapi": {"web"}, "uvicorn": {"web", "cli"}}


def _module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(src: Path = SRC) -> tuple[dict[str, set[str]], dict[tuple[str, str], list[str]], dict[str, set[str]]]:
    """(module -> package modules it imports, (module, target) -> private names imported, module -> externals)."""
    paths = {_module_name(p, src): p for p in (src / ROOT).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    private: dict[tuple[str, str], list[str]] = {}
    external: dict[str, set[str]] = {}
    for module, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        targets, outside = set(), set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    (targets if alias.name.split(".")[0] == ROOT else outside).add(
                        alias.name if alias.name.split(".")[0] == ROOT else alias.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, is_package, node)
                if base.split(".")[0] != ROOT:
                    outside.add(base.split(".")[0])
                    continue
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    if candidate in paths:
                        targets.add(candidate)
                    else:
                        targets.add(base)
                        if alias.name.startswith("_") and not alias.name.startswith("__"):
                            private.setdefault((module, base), []).append(alias.name)
        graph[module] = {t for t in targets if t in paths and t != module}
        external[module] = outside
    return graph, private, external


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    problems = []
    for module, targets in sorted(graph.items()):
        unit = _unit(module)
        if unit not in UNITS:
            problems.append(f"{module}: package {unit!r} has no layer in tests/test_layers.py (add it to UNITS)")
            continue
        for target in sorted(targets):
            other = _unit(target)
            if other == unit or other not in UNITS:
                continue
            mine, theirs = LAYERS[UNITS[unit]], LAYERS[UNITS[other]]
            if theirs > mine or (theirs == mine and other not in SAME_LAYER.get(unit, set())):
                problems.append(f"{module} ({UNITS[unit]}) imports {target} ({UNITS[other]})")
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _package_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


@pytest.fixture(scope="module")
def graph():
    return import_graph()[0]


def test_the_graph_is_read(graph):
    assert "scalinglab.fit.api" in graph and "scalinglab.laws" in graph["scalinglab.fit.api"]
    assert "scalinglab.api" in graph["scalinglab.cli._common"]  # imported when a command runs


def test_imports_point_down_the_layers(graph):
    assert layer_violations(graph) == []


def test_no_import_cycles(graph):
    assert cycles(graph) == []


def test_no_private_names_across_packages(graph):
    _, private, _ = import_graph()
    crossing = {f"{m} takes {', '.join(names)} from {t}" for (m, t), names in private.items()
                if _package_of(m) != _package_of(t)}
    assert sorted(crossing) == []


def test_heavy_optional_packages_stay_in_their_place():
    _, _, external = import_graph()
    misplaced = [f"{m} imports {name}" for m, names in external.items() for name in names
                 if name in CONFINED and _unit(m) not in CONFINED[name]]
    assert misplaced == []


def _copy_source(tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(SRC / ROOT, tmp_path / ROOT, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_check_fails_when_a_science_module_imports_the_report(tmp_path):
    src = _copy_source(tmp_path)
    target = src / ROOT / "fit" / "backtest.py"
    target.write_text(target.read_text() + "\n\ndef _report():\n    from ..report import Section\n    return Section\n")
    graph, _, _ = import_graph(src)
    assert "scalinglab.fit.backtest (science) imports scalinglab.report (faces)" in layer_violations(graph)


def test_the_check_finds_a_cycle(tmp_path):
    src = _copy_source(tmp_path)
    target = src / ROOT / "laws" / "base.py"
    target.write_text(target.read_text() + "\n\nfrom .registry import get_law  # noqa\n")
    graph, _, _ = import_graph(src)
    assert any("scalinglab.laws.base" in component for component in cycles(graph))
