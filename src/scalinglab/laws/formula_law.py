"""A law family written as a formula: inputs, parameters with bounds and start grids, and the fitted law.

``formula_family(text, variables, params)`` reads a formula (grammar: ``laws.formula``). Names bound by
``variables`` (formula name -> column of the runs table) are inputs; every other name is a parameter.
Each parameter gets a ``ParamSpec`` (bounds, fitted in log space or not, a start grid) inferred from
where it stands in the formula, unless ``params`` says otherwise:

* an exponent (``N^alpha``, ``N^-alpha``): in [0, 5], fitted as is, starts 0.1, 0.3, 0.6, 1;
* a coefficient (a factor or divisor: ``B`` in ``B / N^alpha``, ``N0`` in ``(N / N0)^a``): positive,
  fitted as its logarithm, log starts -5, 0, 5, ..., 25 (as Hoffmann et al. 2022 grid A and B);
* an additive constant (a term of the top-level sum: ``L`` in ``L + B / N^alpha``): free, starts 0, 1, 2;
* anything else: free, starts -1, 0, 1.

``params`` maps a name to ``"start:lower:upper"`` (the ``--param alpha=0.3:0:3`` text after ``=``; any
field may be empty; ``inf`` allowed; a fourth field ``log`` or ``linear`` chooses the transform), a
tuple ``(start, lower, upper)`` or a dict with those keys. A start replaces the grid by that one value;
lower = upper fixes the parameter. A variable ``N`` bound to ``N`` itself (``--var N``) takes the
runs' N (D, C, U alike) when the table has no such column.

``FormulaLaw(formula, variables, values)`` is the fitted law: ``evaluate(inputs)`` on arrays, and
``loss(n, d)`` when its inputs are exactly N and D (other inputs fixed with ``with_inputs``), so that
planning, prediction and saved fits treat it as any law of N and D.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

import numpy as np

from ..errors import InputError, LawError
from ..options import spelled
from .base import NDLaw, ParamSpec, jsonable
from .formula import Expr, evaluate, names, number, parse, substitute

__all__ = ["FormulaFamily", "FormulaLaw", "formula_family", "parse_param", "parse_variable", "parse_named",
           "ROLES", "formula_option"]

#: A formula's parameters (``variables`` and ``params`` of ``fit``, ``inputs`` of ``plan`` and ``predict``) and
#: their command-line flags; ``parse_named`` reads the texts of each, by the flag's name.
_FLAGS = {"variables": "--var", "params": "--param", "inputs": "--input"}
_HELD_BY = {flag[2:]: name for name, flag in _FLAGS.items()}


def formula_option(name: str, value=None) -> str:
    """``variables``, ``params`` or ``inputs`` as the caller spells it, with ``value`` when given: ``--var
    N=params`` on the command line, ``variables=N=params`` in Python."""
    return spelled(name, _FLAGS[name], value=value)


#: Inferred role -> (lower, upper, grid in fitted coordinates, log scale, description).
ROLES = {
    "exponent": (0.0, 5.0, (0.1, 0.3, 0.6, 1.0), False, "exponent (inferred)"),
    "coefficient": (0.0, math.inf, (-5.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0), True, "coefficient (inferred)"),
    "constant": (-math.inf, math.inf, (0.0, 1.0, 2.0), False, "additive constant (inferred)"),
    "other": (-math.inf, math.inf, (-1.0, 0.0, 1.0), False, "free (inferred)"),
}
_RANK = {"other": 0, "constant": 1, "coefficient": 2, "exponent": 3}


def _roles(tree: Expr) -> dict[str, str]:
    """Each name's role by where it stands (the highest-ranked role when it stands in several places)."""
    roles: dict[str, str] = {}

    def mark(name: str, role: str) -> None:
        if _RANK[role] > _RANK.get(roles.get(name), -1):
            roles[name] = role

    def bare(node: Expr) -> Expr:
        return node.args[0] if node.op == "neg" else node

    def visit(node: Expr, top: bool) -> None:
        if node.op == "name":
            mark(node.value, "constant" if top else "other")
        elif node.op in ("add", "sub") and top or node.op == "neg" and top:
            for child in node.args:
                visit(child, True)
        elif node.op in ("mul", "div"):
            for child in node.args:
                if bare(child).op == "name":
                    mark(bare(child).value, "coefficient")
                else:
                    visit(child, False)
        elif node.op == "pow":
            visit(node.args[0], False)
            exponent = bare(node.args[1])
            if exponent.op == "name":
                mark(exponent.value, "exponent")
            else:
                visit(exponent, False)
        else:
            for child in node.args:
                visit(child, False)

    visit(tree, True)
    return roles


@lru_cache(maxsize=256)
def _names(text: str) -> tuple[str, ...]:
    return names(parse(text))


def _float(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InputError(f"{what}: {text!r} is not a number") from None


def parse_param(text: str) -> tuple[str, dict]:
    """``"alpha=0.3:0:3"`` -> ``("alpha", {"start": 0.3, "lower": 0.0, "upper": 3.0})`` (see the module doc)."""
    what = formula_option("params", repr(text))
    name, sep, rest = str(text).partition("=")
    name = name.strip()
    if not sep or not name:
        raise InputError(f"{what}: write NAME=START:LOWER:UPPER, e.g. alpha=0.3:0:3 (fields may be empty)")
    return name, _spec_fields(rest.split(":"), what)


def _spec_fields(fields, what: str) -> dict:
    fields = [str(f).strip() for f in fields]
    if len(fields) > 4:
        raise InputError(f"{what}: at most START:LOWER:UPPER:TRANSFORM, got {len(fields)} fields")
    out = {}
    for key, value in zip(("start", "lower", "upper"), fields):
        if value:
            out[key] = _float(value, what)
    if len(fields) == 4 and fields[3]:
        if fields[3].lower() not in ("log", "linear"):
            raise InputError(f"{what}: the transform must be log or linear, got {fields[3]!r}")
        out["transform"] = fields[3].lower()
    return out


def _override(name: str, value) -> dict:
    """A parameter override from text, a tuple (start, lower, upper) or a dict."""
    what = formula_option("params", name)
    if isinstance(value, str):
        return _spec_fields(value.split(":"), what)
    if isinstance(value, dict):
        unknown = set(value) - {"start", "lower", "upper", "transform"}
        if unknown:
            raise InputError(f"{what}: unknown keys {', '.join(sorted(unknown))} (start, lower, upper, transform)")
        out = {k: _float(str(v), what) for k, v in value.items() if k != "transform" and v is not None}
        if value.get("transform"):
            out.update(_spec_fields(["", "", "", str(value["transform"])], what))
        return out
    if isinstance(value, (tuple, list)):
        return _spec_fields(["" if v is None else str(v) for v in value], what)
    if isinstance(value, (int, float)):
        return {"start": float(value)}
    raise InputError(f"{what}: give START:LOWER:UPPER text, a tuple or a dict, got {type(value).__name__}")


def parse_variable(text: str) -> tuple[str, str]:
    """``"N=dense_parameter_count"`` -> ``("N", "dense_parameter_count")``; ``"N"`` -> ``("N", "N")``."""
    name, sep, column = str(text).partition("=")
    name, column = name.strip(), column.strip()
    if not name or (sep and not column):
        raise InputError(f"{formula_option('variables', repr(text))}: write NAME=COLUMN, e.g. "
                         f"N=dense_parameter_count (or N for the runs' N)")
    return name, column or name


def parse_named(values, flag: str) -> dict:
    """{name: value} from a dict or from ``NAME=VALUE`` texts of kind ``flag`` (``var``: ``N=params``,
    ``param``: ``alpha=0.3:0:3``, ``input``: ``E=8``)."""
    if values is None:
        return {}
    if isinstance(values, dict):
        return dict(values)
    if isinstance(values, str):  # one text holds several, comma-separated (a web form's field)
        values = [part for part in values.split(",") if part.strip()]
    out = {}
    for text in values:
        if flag == "input":
            name, sep, value = str(text).partition("=")
            if not sep or not name.strip():
                raise InputError(f"{formula_option('inputs', repr(text))}: write NAME=VALUE, e.g. E=8")
            name, value = name.strip(), value.strip()
        else:
            name, value = (parse_variable(text) if flag == "var" else parse_param(text))
        if name in out:
            raise InputError(f"{formula_option(_HELD_BY[flag], name)}: given twice")
        out[name] = value
    return out


def _spec(name: str, role: str, given: dict) -> ParamSpec | float:
    """The ParamSpec of a free parameter, or its value when ``given`` fixes it (lower = upper)."""
    lower, upper, grid, log_scale, description = ROLES[role]
    what = formula_option("params", name)
    if given:
        description = f"set by {formula_option('params')}"
    lower, upper = given.get("lower", lower), given.get("upper", upper)
    if math.isnan(lower) or math.isnan(upper) or lower > upper:
        raise InputError(f"{what}: lower {lower:g} must not exceed upper {upper:g}")
    if lower == upper:
        if "start" in given and given["start"] != lower:
            raise InputError(f"{what}: fixed at {lower:g} by its bounds, but the start is {given['start']:g}")
        if not math.isfinite(lower):
            raise InputError(f"{what}: cannot fix a parameter at {lower:g}")
        return float(lower)
    transform = given.get("transform")
    if transform is not None:
        log_scale = transform == "log"
    elif lower < 0:
        log_scale = False
    if log_scale and lower < 0:
        raise InputError(f"{what}: a parameter fitted in log space needs lower >= 0, got {lower:g}")
    if "start" in given:
        start = given["start"]
        if not lower <= start <= upper:
            raise InputError(f"{what}: start {start:g} lies outside [{lower:g}, {upper:g}]")
        if log_scale and start <= 0:
            raise InputError(f"{what}: a parameter fitted in log space needs a positive start, got {start:g}")
        grid = (math.log(start),) if log_scale else (start,)
    elif given and not log_scale:  # the role's grid, kept inside the user's bounds
        inside = tuple(g for g in grid if lower <= g <= upper)
        finite = [v for v in (lower, upper) if math.isfinite(v)]
        grid = inside or ((sum(finite) / len(finite),) if finite else (0.0,))
    elif given and log_scale:
        lo = math.log(lower) if lower > 0 else -math.inf
        hi = math.log(upper) if math.isfinite(upper) else math.inf
        grid = tuple(g for g in grid if lo <= g <= hi) or ((lo + hi) / 2 if math.isfinite(lo + hi) else (
            lo if math.isfinite(lo) else hi),)
    return ParamSpec(name, float(lower), float(upper), tuple(float(g) for g in grid), bool(log_scale), description)


@dataclass(frozen=True)
class FormulaFamily:
    """A formula read for fitting: its inputs, free parameters (``specs``) and fixed ones (``fixed``)."""

    text: str
    variables: dict[str, str]
    inputs: tuple[str, ...]
    specs: tuple[ParamSpec, ...]
    fixed: dict[str, float] = field(default_factory=dict)

    @property
    def tree(self) -> Expr:
        """The formula with fixed parameters replaced by their values."""
        return substitute(parse(self.text), {k: number(v) for k, v in self.fixed.items()})

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    def law(self, values: dict[str, float]) -> "FormulaLaw":
        """The fitted law at ``values`` of the free parameters (fixed ones added)."""
        ordered = {name: float(values[name]) if name in values else self.fixed[name] for name in
                   _names(self.text) if name not in self.variables}
        return FormulaLaw(self.text, dict(self.variables), ordered)


def formula_family(text: str, variables: dict[str, str] | None = None, params: dict | None = None) -> FormulaFamily:
    """Read ``text`` with ``variables`` (formula name -> column) as inputs and ``params`` overrides (module doc)."""
    tree = parse(text)
    found = names(tree)
    variables = {str(k).strip(): str(v).strip() for k, v in (variables or {}).items()}
    for name in variables:
        if name not in found:
            raise InputError(f"{formula_option('variables', name)}: the formula {text!r} has no name {name!r} "
                             f"(names: {', '.join(found)})")
    if not variables:
        raise InputError(f"formula {text!r}: no inputs; bind the data with "
                         f"{formula_option('variables', 'NAME=COLUMN')} (e.g. "
                         f"{formula_option('variables', 'N=params')})")
    params = dict(params or {})
    for name in params:
        if name in variables:
            raise InputError(f"{formula_option('params', name)}: {name!r} is an input (bound by "
                             f"{formula_option('variables')}), not a parameter")
        if name not in found:
            free = [n for n in found if n not in variables]
            raise InputError(f"{formula_option('params', name)}: not a parameter of the formula (parameters: "
                             f"{', '.join(free)})")
    roles = _roles(tree)
    specs, fixed = [], {}
    for name in found:
        if name in variables:
            continue
        spec = _spec(name, roles.get(name, "other"), _override(name, params[name]) if name in params else {})
        if isinstance(spec, float):
            fixed[name] = spec
        else:
            specs.append(spec)
    if not specs:
        what = (f"every name is an input ({formula_option('variables')})" if not fixed else
                f"every parameter is fixed by {formula_option('params')}")
        raise InputError(f"formula {text!r}: no free parameter to fit ({what})")
    return FormulaFamily(text, variables, tuple(n for n in found if n in variables), tuple(specs), fixed)


@dataclass(frozen=True)
class FormulaLaw(NDLaw):
    """A law given by a formula of named inputs, with fitted parameter values (see the module doc)."""

    text: str
    variables: dict[str, str]
    values: dict[str, float]

    family: ClassVar[str] = "formula"

    def __post_init__(self):
        found = _names(self.text)
        missing = [n for n in found if n not in self.variables and n not in self.values]
        if missing:
            raise LawError(f"formula {self.text!r}: no value for {', '.join(missing)}")

    @property
    def inputs(self) -> tuple[str, ...]:
        return tuple(n for n in _names(self.text) if n in self.variables)

    def params(self) -> dict[str, float]:
        return dict(self.values)

    def to_dict(self) -> dict:
        return {"family": self.family, "formula": self.text, "variables": dict(self.variables),
                "params": jsonable(dict(self.values))}

    @classmethod
    def from_law_dict(cls, data: dict) -> "FormulaLaw":
        return cls(str(data["formula"]), {str(k): str(v) for k, v in dict(data["variables"]).items()},
                   {str(k): float(v) for k, v in dict(data["params"]).items()})

    def formula(self) -> str:
        return self.text

    def evaluate(self, inputs: dict) -> np.ndarray:
        """The law on arrays of its inputs (formula names -> values; they broadcast)."""
        missing = [n for n in self.inputs if n not in inputs]
        if missing:
            raise InputError(f"formula {self.text!r}: no values for input {', '.join(missing)}")
        env = {**self.values, **{n: np.asarray(inputs[n], dtype=float) for n in self.inputs}}
        return evaluate(parse(self.text), env)

    def with_inputs(self, fixed: dict[str, float]) -> "FormulaLaw":
        """This law with some inputs held at fixed values (they become constants of the formula)."""
        unknown = [n for n in fixed if n not in self.inputs]
        if unknown:
            raise InputError(f"{', '.join(unknown)}: not an input of the formula {self.text!r} "
                             f"(inputs: {', '.join(self.inputs)})")
        from .formula import to_text

        tree = substitute(parse(self.text), {n: number(float(v)) for n, v in fixed.items()})
        return FormulaLaw(to_text(tree), {k: v for k, v in self.variables.items() if k not in fixed}, dict(self.values))

    @property
    def is_nd(self) -> bool:
        """Whether the inputs are exactly N and D (then ``loss``, planning and derived quantities apply)."""
        return set(self.inputs) == {"N", "D"}

    def loss(self, n_params, n_tokens):
        if not self.is_nd:
            others = [n for n in self.inputs if n not in ("N", "D")]
            if not {"N", "D"} <= set(self.inputs):
                raise LawError(f"the formula {self.text!r} has inputs {', '.join(self.inputs) or 'none'}; a loss "
                               f"of N and D needs inputs named N and D")
            raise LawError(f"the formula {self.text!r} has inputs {', '.join(others)} besides N and D; hold them "
                           f"fixed first ({formula_option('inputs', f'{others[0]}=VALUE')})")
        return self.evaluate({"N": n_params, "D": n_tokens})

    def irreducible(self) -> float:
        """The loss far beyond any run (N = D = 1e30), standing in for the limit N, D -> infinity."""
        return float(self.loss(1e30, 1e30))

