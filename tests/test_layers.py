"""Imports point down: the layer order of DESIGN.md, read from the import graph of the source (ast).

ground < data < science < charts < face < faces; within science, ``plan`` uses only the layers
below, ``fit`` may use ``plan`` (derived quantities: N_opt and D_opt of the fitted law), ``compute``
may use ``plan``, ``forecast`` uses ``plan`` and ``compute``, ``sweep`` uses ``fit``, ``plan`` and
``compute``. No two modules import each other (directly or round a longer cycle),
no module takes another module's private (``_``-prefixed) names (``from .x import _name`` or ``x._name``),
and torch, ray and fastapi are imported only where they belong. Imports inside functions and
``import_module`` calls with a literal name count: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "scalinglab"

#: Rank of each layer; a module may import its own layer's packages (as allowed below) or lower ranks.
LAYERS = {"ground": 0, "data": 1, "science": 2, "charts": 3, "face": 4, "faces": 5}

#: Top-level name (package or module under scalinglab/) -> layer. ``scalinglab`` itself answers the face's
#: names (``sl.fit``), so it is the face: modules below take the version from ``_version``, not from the root.
UNITS = {
    ROOT: "face", "_version": "ground", "errors": "ground", "units": "ground", "provenance": "ground", "_io": "ground",
    "_results": "ground", "_table": "ground", "_defaults": "ground", "_memory": "ground", "filters": "ground",
    "tablefile": "ground", "options": "ground", "_lazy": "ground",
    "laws": "data", "datasets": "data", "distributions": "data", "store": "data",
    "fit": "science", "plan": "science", "compute": "science", "forecast": "science", "sweep": "science",
    "charts": "charts",
    "api": "face",
    "cli": "faces", "web": "faces", "report": "faces", "__main__": "faces",
}

#: Within one layer, which other units a unit may use (DESIGN.md, "Layout").
_GROUND = {"_version", "errors", "units", "provenance", "_io", "_results", "_table", "_memory", "filters", "tablefile",
           "options", "_lazy"}
SAME_LAYER = {
    **{unit: _GROUND - {unit} for unit in _GROUND},
    "laws": set(), "datasets": set(), "distributions": set(), "store": set(),
    "fit": {"plan"}, "plan": set(), "compute": {"plan"}, "forecast": {"plan", "compute"},
    "sweep": {"fit", "plan", "compute"},
    ROOT: {"api"}, "api": set(),
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


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _lazy_target(module: str, is_package: bool, call: ast.Call) -> str | None:
    """The module named by ``import_module("scalinglab.x")`` or ``import_module(".x", __package__)``, if literal."""
    function = call.func
    name = function.id if isinstance(function, ast.Name) else function.attr if isinstance(function, ast.Attribute) else ""
    if name != "import_module" or not call.args:
        return None
    first = call.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    relative = first.value.lstrip(".")
    level = len(first.value) - len(relative)
    if level == 0:
        return first.value
    anchor = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "package"), None)
    if isinstance(anchor, ast.Constant) and isinstance(anchor.value, str):
        package = anchor.value
    elif isinstance(anchor, ast.Name) and anchor.id in ("__package__", "__name__"):
        package = module if is_package or anchor.id == "__name__" else module.rpartition(".")[0]
    else:
        return None
    parts = package.split(".")
    return ".".join(parts[: len(parts) - (level - 1)] + ([relative] if relative else []))


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr}" if head else None
    return None


def _module_names(module: str, is_package: bool, tree: ast.Module, paths) -> tuple[set[str], set[str], dict[str, str]]:
    """(package modules imported, outside packages imported, local name -> package module it stands for)."""
    targets, outside, bound = set(), set(), {}

    def take(name: str, local: str | None = None) -> None:
        if name.split(".")[0] != ROOT:
            outside.add(name.split(".")[0])
            return
        targets.add(name)
        if local:
            bound[local] = name

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                take(alias.name, alias.asname or (ROOT if alias.name.split(".")[0] == ROOT else None))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                take(candidate if candidate in paths else base, alias.asname or alias.name if candidate in paths else None)
        elif isinstance(node, ast.Call) and (lazy := _lazy_target(module, is_package, node)):
            take(lazy)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name) and (lazy := _lazy_target(module, is_package, node.value)):
            take(lazy, node.targets[0].id)
    # A module-level loader (``def _api(): from .. import api; return api``) and the names built from it
    # (``api = _Lazy(_api)``) stand for the module the loader returns.
    loaders = {f.name: bound[r.value.id] for f in tree.body if isinstance(f, ast.FunctionDef)
               for r in ast.walk(f) if isinstance(r, ast.Return) and isinstance(r.value, ast.Name) and r.value.id in bound}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            used = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)} & loaders.keys()
            if len(used) == 1:
                bound[node.targets[0].id] = loaders[used.pop()]
    return targets, outside, bound


def import_graph(src: Path = SRC) -> tuple[dict[str, set[str]], dict[tuple[str, str], list[str]], dict[str, set[str]]]:
    """(module -> package modules it imports, (module, target) -> private names it takes, module -> externals).

    Imports count wherever they stand (inside functions too), and so do ``import_module`` calls with a literal
    name. A private name is taken by ``from .x import _name`` or by ``x._name`` where ``x`` stands for another
    package module (``from . import x``, ``import scalinglab.x``, ``x = import_module(...)``, or a name another
    module binds to a module, such as the CLI's lazy ``api``).
    """
    paths = {_module_name(p, src): p for p in (src / ROOT).rglob("*.py")}
    trees = {m: ast.parse(p.read_text(encoding="utf-8"), filename=str(p)) for m, p in paths.items()}
    names = {m: _module_names(m, paths[m].name == "__init__.py", trees[m], paths) for m in paths}
    graph: dict[str, set[str]] = {}
    private: dict[tuple[str, str], list[str]] = {}
    external: dict[str, set[str]] = {}
    for module, tree in trees.items():
        targets, outside, bound = set(names[module][0]), names[module][1], dict(names[module][2])
        is_package = paths[module].name == "__init__.py"
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            base = _resolve(module, is_package, node)
            for alias in node.names:
                if base not in paths or f"{base}.{alias.name}" in paths:
                    continue
                if alias.name in names[base][2]:  # a name that stands for a module there
                    bound[alias.asname or alias.name] = names[base][2][alias.name]
                    targets.add(names[base][2][alias.name])
                elif _is_private(alias.name) and base != module:
                    private.setdefault((module, base), []).append(alias.name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and _is_private(node.attr):
                owner = _dotted(node.value) or ""
                head, _, rest = owner.partition(".")
                target = ".".join([bound[head]] + ([rest] if rest else [])) if head in bound else ""
                if isinstance(node.value, ast.Call):
                    owner, target = ast.unparse(node.value), _lazy_target(module, is_package, node.value) or ""
                if target in paths and target != module:
                    private.setdefault((module, target), []).append(f"{owner}.{node.attr}")
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
def analysis():
    return import_graph()


@pytest.fixture(scope="module")
def graph(analysis):
    return analysis[0]


def test_the_graph_is_read(graph):
    assert "scalinglab.fit.api" in graph and "scalinglab.laws" in graph["scalinglab.fit.api"]
    assert "scalinglab.api" in graph["scalinglab.cli._common"]  # imported when a command runs
    assert "scalinglab.api" in graph[ROOT]  # import_module("scalinglab.api") on first use of a face name
    assert "scalinglab.api" in graph["scalinglab.cli.plan"]  # through _common's lazy ``api``


def test_imports_point_down_the_layers(graph):
    assert layer_violations(graph) == []


def test_no_import_cycles(graph):
    assert cycles(graph) == []


def private_crossings(private: dict[tuple[str, str], list[str]]) -> list[str]:
    return sorted(f"{m} takes {', '.join(sorted(set(names)))} from {t}" for (m, t), names in private.items())


def test_no_private_names_across_modules(analysis):
    assert private_crossings(analysis[1]) == []


def test_heavy_optional_packages_stay_in_their_place(analysis):
    _, _, external = analysis
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


def _append(src: Path, additions: dict[str, str]) -> None:
    for module, code in additions.items():
        target = src / ROOT / module
        target.write_text(target.read_text() + f"\n\n{code}\n")


def test_the_check_reads_lazy_imports(tmp_path):
    src = _copy_source(tmp_path)
    version = src / ROOT / "fit" / "api.py"
    version.write_text(version.read_text().replace("from .._version import __version__", "from .. import __version__"))
    _append(src, {
        "fit/backtest.py": 'def _report():\n    import importlib\n\n    return importlib.import_module("scalinglab.report")',
        "plan/optimal.py": 'def _cli():\n    from importlib import import_module\n\n    return import_module("..cli", __package__)',
        "laws/base.py": 'def _charts():\n    import importlib\n\n    return importlib.import_module(".charts", package="scalinglab")',
    })
    problems = layer_violations(import_graph(src)[0])
    assert {"scalinglab.fit.backtest (science) imports scalinglab.report (faces)",
            "scalinglab.plan.optimal (science) imports scalinglab.cli (faces)",
            "scalinglab.laws.base (data) imports scalinglab.charts (charts)",
            "scalinglab.fit.api (science) imports scalinglab (face)"} <= set(problems)


def test_the_check_finds_private_names_taken_from_another_module(tmp_path):
    src = _copy_source(tmp_path)
    _append(src, {
        "fit/api.py": "from .runs import _count",
        "fit/task.py": "from . import runs\nCOUNT = runs._count",
        "cli/plan.py": "def _many():\n    return api._many",
        "report/demo.py": "MANY = importlib.import_module('scalinglab.api')._is_many\nAPI = importlib.import_module("
                          "'scalinglab.api')\nUNWRAP = API._unwrap",
        "cli/fit.py": "HELP = api.__doc__",  # dunder names are not private
    })
    assert private_crossings(import_graph(src)[1]) == [
        "scalinglab.cli.plan takes api._many from scalinglab.api",
        "scalinglab.fit.api takes _count from scalinglab.fit.runs",
        "scalinglab.fit.task takes runs._count from scalinglab.fit.runs",
        "scalinglab.report.demo takes API._unwrap, importlib.import_module('scalinglab.api')._is_many from scalinglab.api",
    ]


def test_the_check_finds_a_cycle(tmp_path):
    src = _copy_source(tmp_path)
    target = src / ROOT / "laws" / "base.py"
    target.write_text(target.read_text() + "\n\nfrom .registry import get_law  # noqa\n")
    graph, _, _ = import_graph(src)
    assert any("scalinglab.laws.base" in component for component in cycles(graph))
