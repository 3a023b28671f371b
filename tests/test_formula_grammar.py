"""Formulas from users: the grammar accepts exactly what it says, evaluates it right, differentiates it right,
and nothing outside it is ever evaluated (fuzzed with random text, random trees and Python escape tricks)."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, note, settings, strategies as st

from scalinglab.errors import InputError
from scalinglab.laws.formula import (MAX_DEPTH, MAX_LENGTH, Program, derivative, evaluate, hoist, names, parse,
                                     power_as_exp, to_text)


@pytest.mark.parametrize("text, env, expected", [
    ("2^3^2", {}, 512.0),  # right-associative
    ("2**3**2", {}, 512.0),
    ("-2^2", {}, -4.0),  # unary minus binds looser than the power
    ("2^-1", {}, 0.5),
    ("1 - 2 - 3", {}, -4.0),  # left-associative
    ("8 / 4 / 2", {}, 1.0),
    ("1e-3 * 1E3 + .5 + 2.", {}, 3.5),
    ("min(3, 1, 2) + max(1, 5)", {}, 6.0),
    ("log(exp(2)) + sqrt(16) + abs(-3) + log1p(0)", {}, 9.0),
    ("softplus(0)", {}, math.log(2.0)),
    ("L + B / (N^alpha * E^beta)", {"L": 1.0, "B": 8.0, "N": 4.0, "alpha": 0.5, "E": 2.0, "beta": 1.0}, 3.0),
    ("+x - -x", {"x": 2.0}, 4.0),
])
def test_the_grammar_evaluates_as_written(text, env, expected):
    assert float(evaluate(parse(text), env)) == pytest.approx(expected, rel=1e-12)


def test_evaluation_broadcasts_parameters_against_data():
    tree = parse("A / N^alpha")
    out = evaluate(tree, {"A": np.array([[1.0], [2.0]]), "alpha": np.array([[0.0], [1.0]]), "N": np.array([1.0, 2.0, 4.0])})
    np.testing.assert_allclose(out, [[1, 1, 1], [2, 1, 0.5]])


def test_names_come_in_order_of_first_appearance_and_trees_are_shared():
    tree = parse("L + B / (N^alpha * E^beta) + N")
    assert names(tree) == ("L", "B", "N", "alpha", "E", "beta")
    assert parse("(a + b) * (a + b)").args[0] is parse("(a + b) * (a + b)").args[1]
    with pytest.raises(AttributeError):
        tree.op = "add"


# Each: (text, a fragment of the one-line error, the position it names).
_BAD = [
    ("x.y", "attribute access", 2),
    ("f(x)[0]", "subscripts", 5),  # characters outside the grammar are found before anything is parsed
    ("f(x)", "unknown function 'f'", 1),
    ("log(x)[0]", "subscripts", 7),
    ("__import__", "dunder", 1),
    ("__import__('os').system('ls')", "dunder", 1),
    ("().__class__", "attribute access", 3),
    ("()", "expected a number, a name or '('", 2),
    ("lambda: 1", "lambda", 7),
    ("'a'", "strings", 1),
    ('"a" + 1', "strings", 1),
    ("a; b", "one expression only", 2),
    ("a\nb", "one line only", 2),
    ("a, b", "comma outside a function call", 2),
    ("exec(1)", "unknown function 'exec'", 1),
    ("eval(x)", "unknown function 'eval'", 1),
    ("open(x)", "unknown function 'open'", 1),
    ("getattr(x, y)", "unknown function 'getattr'", 1),
    ("x if y else z", "expected an operator", 3),
    ("not x", "expected an operator", 5),
    ("x // y", "expected a number, a name or '('", 4),
    ("x % y", "no modulo", 3),
    ("x == y", "write the right-hand side only", 3),
    ("x @ y", "matrix", 3),
    ("[x]", "subscripts", 1),
    ("{x}", "no sets or dicts", 1),
    ("x#1", "no comments", 2),
    ("\u0435\u0445\u0440(x)", "non-ascii", 1),  # Cyrillic lookalikes of "exp"
    ("ｘ + 1", "non-ascii", 1),  # fullwidth x
    ("x\u200b+1", "non-ascii", 2),  # zero-width space
    ("1_000", "expected an operator", 2),
    ("0x10", "expected an operator", 2),
    ("2N", "write products with *", 2),
    ("log", "is a function", 1),
    ("log(x, y)", "takes one argument", 1),
    ("min(x)", "two or more arguments", 1),
    ("((x)", "expected ')'", 5),
    ("x)", "expected an operator", 2),
    ("", "empty", 1),
    ("x +", "ends too early", 4),
    ("1e999", "too large", 1),
    ("\\x41", "no escapes", 1),
]


@pytest.mark.parametrize("text, fragment, position", _BAD)
def test_anything_outside_the_grammar_is_one_line_pointing_at_the_token(text, fragment, position):
    with pytest.raises(InputError) as caught:
        parse(text)
    message = str(caught.value)
    assert "\n" not in message
    assert fragment.lower() in message.lower(), message
    assert f"position {position}:" in message, message


def test_length_depth_and_nesting_are_bounded():
    with pytest.raises(InputError, match=f"longer than {MAX_LENGTH}"):
        parse("x+" * MAX_LENGTH + "x")
    with pytest.raises(InputError, match="levels of nesting"):
        parse("(" * 200 + "x" + ")" * 200)
    with pytest.raises(InputError, match="levels deep"):
        parse(" + ".join(["x"] * (MAX_DEPTH + 5)))
    with pytest.raises(InputError, match="levels of nesting"):
        parse("-" * 500 + "x")
    parse("(" + " + ".join(["x"] * 30) + ") + (" + " + ".join(["y"] * 30) + ")")  # balanced: accepted


# ------------------------------------------------------------------------- nothing else is evaluated
_FORBIDDEN = ("exec", "compile", "import", "open", "os.", "subprocess", "socket", "ctypes", "builtins.input",
              "code.__new__", "object.__getattr__", "object.__setattr__", "sys._getframe", "pickle")


class _Audit:
    """Records audit events (PEP 578) while ``active``: a hook cannot be removed, so it is installed once."""

    events: list[str] = []
    active = False

    @classmethod
    def hook(cls, event, args):
        if cls.active:
            cls.events.append(event)


sys.addaudithook(_Audit.hook)


def _audited(function, *args):
    _Audit.events.clear()
    _Audit.active = True
    try:
        return function(*args)
    finally:
        _Audit.active = False


def _parse_and_evaluate(text: str):
    try:
        tree = parse(text)
    except InputError:
        return None
    env = {n: np.array([0.5, 2.0]) for n in names(tree)}
    return evaluate(tree, env)


_ESCAPES = ["__import__('os').system('touch /tmp/pwned')", "().__class__.__bases__[0].__subclasses__()",
            "exec('import os')", "eval('1')", "open('/etc/passwd').read()", "globals()['x']", "x.__dict__",
            "(lambda: 1)()", "[c for c in ().__class__.__mro__]", "breakpoint()", "compile('1', 'f', 'eval')",
            "x; import os", "x\nimport os", "log(x).real", "exp(x)[0]", "__builtins__", "sys.modules", "f'{x}'",
            "\u0435\u0445\u0440(__import__)", "log(x) if x else exp(x)"]


def test_the_audit_hook_sees_an_evaluation_when_there_is_one():
    _audited(exec, "1 + 1")
    assert "exec" in _Audit.events  # so the checks below can fail


@pytest.mark.parametrize("text", _ESCAPES)
def test_python_escape_tricks_are_refused_without_evaluating_anything(text, tmp_path):
    _parse_and_evaluate("log(x) + 1")  # warm every lazy import numpy does on first use
    with pytest.raises(InputError):
        _audited(parse, text)
    bad = [e for e in _Audit.events if e.startswith(_FORBIDDEN)]
    assert not bad, bad


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
       | st.text(alphabet="xyab0123456789.eE+-*/^()_ ,logexpsqrtminmaxabs\"';:[]{}\n", max_size=60))
def test_random_text_parses_or_fails_cleanly_and_runs_nothing_else(text):
    _parse_and_evaluate("log(x) + 1")
    try:
        _audited(_parse_and_evaluate, text)
    except InputError as error:
        assert "\n" not in str(error)
    bad = [e for e in _Audit.events if e.startswith(_FORBIDDEN)]
    assert not bad, (text, bad)


# --------------------------------------------------------------------- random trees against a reference
_SAFE = {"x": 1.7, "y": 0.6, "a": 0.9, "b": 2.3}


def _leaf():
    return st.sampled_from(sorted(_SAFE)).map(lambda n: (n, lambda env, n=n: env[n])) | st.floats(
        0.25, 4.0).map(lambda v: (repr(v), lambda env, v=v: v))


def _grow(children):
    def binary(op, function):
        return st.tuples(children, children).map(
            lambda p: (f"({p[0][0]}) {op} ({p[1][0]})", lambda env: function(p[0][1](env), p[1][1](env))))

    def unary(name, function):
        return children.map(lambda c: (f"{name}({c[0]})", lambda env: function(c[1](env))))

    return st.one_of(
        binary("+", lambda u, v: u + v), binary("-", lambda u, v: u - v), binary("*", lambda u, v: u * v),
        binary("/", lambda u, v: u / v), binary("^", lambda u, v: abs(u) ** v if u > 0 else float("nan")),
        children.map(lambda c: (f"-({c[0]})", lambda env: -c[1](env))),
        unary("exp", lambda u: math.exp(min(u, 50.0)) if u <= 50 else float("nan")),
        unary("log", lambda u: math.log(u) if u > 0 else float("nan")),
        unary("sqrt", lambda u: math.sqrt(u) if u >= 0 else float("nan")), unary("abs", abs),
        unary("log1p", lambda u: math.log1p(u) if u > -1 else float("nan")),
        unary("softplus", lambda u: max(u, 0.0) + math.log1p(math.exp(-abs(u)))),
        st.tuples(children, children).map(lambda p: (f"min({p[0][0]}, {p[1][0]})",
                                                     lambda env: min(p[0][1](env), p[1][1](env)))),
        st.tuples(children, children).map(lambda p: (f"max({p[0][0]}, {p[1][0]})",
                                                     lambda env: max(p[0][1](env), p[1][1](env)))),
    )


_TREES = st.recursive(_leaf(), _grow, max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(_TREES)
def test_random_trees_evaluate_like_a_plain_python_reference(pair):
    text, reference = pair
    try:
        expected = reference(_SAFE)
    except (OverflowError, ZeroDivisionError, ValueError):
        assume(False)
    assume(isinstance(expected, float) and math.isfinite(expected) and abs(expected) < 1e12)
    tree = parse(text)
    got = float(evaluate(tree, _SAFE))
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert float(evaluate(parse(to_text(tree)), _SAFE)) == pytest.approx(got, rel=1e-12, abs=1e-300)


def _central(tree, name: str, env: dict, h: float = 1e-5) -> float:
    up, down = dict(env), dict(env)
    up[name] += h
    down[name] -= h
    return (float(evaluate(tree, up)) - float(evaluate(tree, down))) / (2 * h)


@settings(max_examples=200, deadline=None)
@given(_TREES, st.sampled_from(["a", "b", "x"]))
def test_symbolic_gradients_and_hessians_match_finite_differences(pair, name):
    note(f"formula {pair[0]!r}, derivative in {name}")
    tree = parse(pair[0])
    value = float(evaluate(tree, _SAFE))
    assume(math.isfinite(value) and abs(value) < 1e6)
    first = derivative(tree, name)
    got = float(evaluate(first, _SAFE))
    fd = _central(tree, name, _SAFE)
    assume(math.isfinite(fd) and abs(fd) < 1e5)
    # kinks (abs, min, max) and steep spots make finite differences unreliable: compare where two steps agree
    assume(abs(fd - _central(tree, name, _SAFE, 1e-4)) <= 1e-5 * (1 + abs(fd)))
    assert got == pytest.approx(fd, rel=1e-5, abs=1e-6)
    second = derivative(first, "a")
    fd2 = _central(first, "a", _SAFE)
    assume(math.isfinite(fd2) and abs(fd2 - _central(first, "a", _SAFE, 1e-4)) <= 1e-5 * (1 + abs(fd2)))
    assert float(evaluate(second, _SAFE)) == pytest.approx(fd2, rel=1e-5, abs=1e-6)
    # the Hessian is symmetric: d2/da db = d2/db da
    cross = float(evaluate(derivative(derivative(tree, "b"), "a"), _SAFE))
    other = float(evaluate(derivative(derivative(tree, "a"), "b"), _SAFE))
    assume(math.isfinite(cross) and math.isfinite(other))
    assert cross == pytest.approx(other, rel=1e-9, abs=1e-9)


def test_derivatives_are_simplified_and_exact_on_known_forms():
    assert to_text(derivative(parse("L + B / N^alpha"), "L")) == "1"
    assert to_text(derivative(parse("a * x^2"), "a")) == "x^2"
    assert to_text(derivative(parse("3 * x + y"), "x")) == "3"
    assert derivative(parse("x + y"), "z").value == 0.0


def test_hoisting_computes_the_data_parts_once_and_keeps_the_values():
    tree = power_as_exp(parse("E + A / N^alpha + B / (N * D)^beta"), {"N", "D"})
    (out,), parts = hoist([tree], {"N", "D"})
    assert sorted(to_text(p) for p in parts.values()) == ["log(N * D)", "log(N)"]
    env = {"E": 1.5, "A": 400.0, "alpha": 0.3, "B": 900.0, "beta": 0.25, "N": np.array([1e8, 1e9]),
           "D": np.array([2e9, 3e10])}
    direct = evaluate(parse("E + A / N^alpha + B / (N * D)^beta"), env)
    hoisted = Program([out])({**env, **{k: evaluate(v, env) for k, v in parts.items()}})[0]
    np.testing.assert_allclose(hoisted, direct, rtol=1e-13)
