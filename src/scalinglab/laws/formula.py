"""Formulas written by users: our own grammar, an immutable expression tree, symbolic derivatives.

User text never reaches ``eval``, ``exec``, ``sympify`` or pandas: a tokenizer and a recursive-descent
parser accept exactly this grammar and nothing else::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := ("-" | "+") unary | power
    power  := atom (("^" | "**") unary)?          right-associative: a^b^c = a^(b^c), -a^2 = -(a^2)
    atom   := NUMBER | NAME | FUNCTION "(" expr ("," expr)* ")" | "(" expr ")"

NUMBER is decimal ASCII (``3``, ``0.5``, ``.5``, ``1e-3``); NAME is ASCII letters, digits and single
underscores (``alpha``, ``N_1``), never a dunder; FUNCTION is one of ``FUNCTIONS`` (``min`` and ``max``
take two or more arguments, the others one). Anything else (attribute access, subscripts, other
calls, strings, lambdas, ``;``, newlines, unicode lookalikes) is an ``InputError`` of one line that
points at the character. Length, depth and size are bounded (``MAX_LENGTH``, ``MAX_DEPTH``,
``MAX_NODES``).

The API (stable; ``laws.formula_law`` and ``fit.formula_model`` build on it):

* ``parse(text) -> Expr``: the tree (cached by text). ``Expr`` nodes are interned, so equal subtrees
  are the same object; ``node.op`` is ``"num"``, ``"name"``, ``"neg"``, ``"add"``, ``"sub"``,
  ``"mul"``, ``"div"``, ``"pow"`` or a function name; ``node.args`` the children; ``node.value``
  the number or name.
* ``names(expr)``: the names in order of first appearance.
* ``derivative(expr, name)``: d expr / d name as another tree, lightly simplified (constants folded,
  ``0 + x``, ``1 * x``, ``x ^ 1`` and the like removed); differentiate again for the Hessian.
  Derivatives may use the internal functions ``sign``, ``sigmoid`` and ``le`` (1 where a <= b),
  which the parser never accepts.
* ``substitute(expr, {name: Expr})``, ``number(v)``, ``variable(name)`` and ``call(op, *args)``:
  rewriting; ``power_as_exp`` and ``hoist`` prepare trees for fitting (data-only parts computed once).
* ``Program(outputs)``: several trees compiled into one straight-line numpy program, each shared
  subtree computed once; ``program(env)`` returns the outputs' arrays. Values broadcast: parameters
  of shape (K, 1) against data of shape (n,) give (K, n).
* ``evaluate(expr, env)``: one tree's value.
* ``to_text(expr)``: the tree written back as a formula.
"""

from __future__ import annotations

import math
import re
import weakref
from functools import lru_cache

import numpy as np

from ..errors import InputError

__all__ = ["FUNCTIONS", "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES", "Expr", "parse", "names", "derivative",
           "substitute", "number", "variable", "call", "Program", "evaluate", "to_text", "depth", "hoist",
           "power_as_exp"]

#: The functions a formula may call, with how many arguments (None: two or more).
FUNCTIONS = {"log": 1, "exp": 1, "sqrt": 1, "abs": 1, "min": None, "max": None, "softplus": 1, "log1p": 1}
MAX_LENGTH = 2000
"""Longest formula text accepted, in characters."""
MAX_DEPTH = 64
"""Deepest tree accepted (a sum of n terms is n levels deep; parentheses balance it)."""
MAX_NODES = 600
"""Most operations and leaves in one formula."""

_BINARY = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^"}
_INTERNAL = {"sign": 1, "sigmoid": 1, "le": 2}
_ARITY = {"num": 0, "name": 0, "neg": 1, **{op: 2 for op in _BINARY}, "min": 2, "max": 2,
          **{f: 1 for f, k in FUNCTIONS.items() if k == 1}, **_INTERNAL}


class Expr:
    """An immutable, interned expression node (build one with ``parse``, ``number``, ``variable``, ``call``)."""

    __slots__ = ("op", "args", "value", "__weakref__")
    op: str
    args: tuple
    value: object

    def __setattr__(self, name, value):
        raise AttributeError("formula trees are immutable")

    def __repr__(self) -> str:
        return f"Expr({to_text(self)!r})"

    def __reduce__(self):  # pickling (process pools) rebuilds through the interning constructor
        return (_node, (self.op, self.args, self.value))


_TABLE: "weakref.WeakValueDictionary[tuple, Expr]" = weakref.WeakValueDictionary()


def _node(op: str, args: tuple = (), value=None) -> Expr:
    """The one node with this operation, children and value (children are interned, so ids identify them)."""
    key = (op, value, tuple(id(a) for a in args))
    found = _TABLE.get(key)
    if found is not None:
        return found
    node = object.__new__(Expr)
    object.__setattr__(node, "op", op)
    object.__setattr__(node, "args", tuple(args))
    object.__setattr__(node, "value", value)
    _TABLE[key] = node
    return node


# ------------------------------------------------------------------------------------- building
def number(value: float) -> Expr:
    return _node("num", (), float(value))


def variable(name: str) -> Expr:
    return _node("name", (), str(name))


def _is(node: Expr, value: float) -> bool:
    return node.op == "num" and node.value == value


_FOLD = {
    "neg": lambda a: -a, "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "log": math.log, "exp": math.exp, "sqrt": math.sqrt,
    "abs": abs, "min": min, "max": max, "log1p": math.log1p, "softplus": lambda a: float(np.logaddexp(0.0, a)),
    "sign": lambda a: float(np.sign(a)), "sigmoid": lambda a: 0.5 * (1.0 + math.tanh(0.5 * a)),
    "le": lambda a, b: float(a <= b),
}


def _fold(op: str, args: tuple) -> Expr | None:
    """A number when every argument is one and the result is a finite real number."""
    if not all(a.op == "num" for a in args):
        return None
    try:
        value = _FOLD[op](*(a.value for a in args))
    except (ArithmeticError, ValueError):
        return None
    if isinstance(value, complex) or not math.isfinite(value):
        return None
    return number(value)


def call(op: str, *args: Expr) -> Expr:
    """The node ``op(args)``, lightly simplified: constants folded, identities of 0 and 1 removed."""
    if _ARITY.get(op) != len(args) or op in ("num", "name"):
        raise ValueError(f"{op} takes {_ARITY.get(op)} arguments, got {len(args)}")
    folded = _fold(op, args)
    if folded is not None:
        return folded
    if op == "neg" and args[0].op == "neg":
        return args[0].args[0]
    if op in ("add", "sub", "mul", "div", "pow"):
        a, b = args
        if op == "add":
            if _is(a, 0):
                return b
            if _is(b, 0):
                return a
            if b.op == "neg":
                return call("sub", a, b.args[0])
        elif op == "sub":
            if _is(b, 0):
                return a
            if _is(a, 0):
                return call("neg", b)
            if a is b:
                return number(0.0)
        elif op == "mul":
            if _is(a, 0) or _is(b, 0):
                return number(0.0)
            if _is(a, 1):
                return b
            if _is(b, 1):
                return a
            if _is(a, -1):
                return call("neg", b)
            if _is(b, -1):
                return call("neg", a)
            if a.op == "neg" and b.op == "neg":
                return call("mul", a.args[0], b.args[0])
        elif op == "div":
            if _is(a, 0):
                return number(0.0)
            if _is(b, 1):
                return a
            if a is b:
                return number(1.0)
        elif op == "pow":
            if _is(b, 0):
                return number(1.0)
            if _is(b, 1):
                return a
    return _node(op, args)


# ----------------------------------------------------------------------------------- tokenizer
_TOKEN = re.compile(r"(?P<space>[ \t]+)|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\*\*|[-+*/^(),])", re.ASCII)
_HINTS = {".": "attribute access is not allowed", "[": "subscripts are not allowed", "]": "subscripts are not allowed",
          "'": "strings are not allowed", '"': "strings are not allowed", ";": "one expression only",
          "\n": "one line only", "\r": "one line only", "=": "write the right-hand side only",
          ":": "no lambdas, slices or annotations", "{": "no sets or dicts", "}": "no sets or dicts",
          "@": "no decorators or matrix products", "%": "no modulo", "<": "no comparisons", ">": "no comparisons",
          "!": "no comparisons", "&": "no bit operations", "|": "no bit operations", "~": "no bit operations",
          "`": "no backticks", "#": "no comments", "\\": "no escapes", "$": "no shell syntax"}
_ALLOWED = "numbers, names, + - * / ^ **, parentheses and " + " ".join(FUNCTIONS)


def _error(text: str, position: int, problem: str) -> InputError:
    """One line: the formula, what is wrong and where (position counted from 1)."""
    shown = text if len(text) <= 80 else text[:77] + "..."
    return InputError(f"formula {shown!r}, position {position + 1}: {problem}")


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """[(kind, text, position)], ending with ("end", "", len(text))."""
    out, i = [], 0
    while i < len(text):
        match = _TOKEN.match(text, i)
        if match is None:
            char = text[i]
            hint = _HINTS.get(char, "not part of the formula grammar" if char.isascii()
                              else f"non-ASCII character U+{ord(char):04X}")
            raise _error(text, i, f"unexpected {char!r} ({hint}; allowed: {_ALLOWED})")
        kind = match.lastgroup
        if kind == "name" and "__" in match.group():
            raise _error(text, i, f"name {match.group()!r} is not allowed (no dunder names)")
        if kind != "space":
            out.append((kind, match.group(), i))
        i = match.end()
    out.append(("end", "", len(text)))
    return out


# -------------------------------------------------------------------------------------- parser
class _Parser:
    def __init__(self, text: str):
        self.text, self.tokens, self.i, self.nesting = text, _tokens(text), 0, 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, token, problem: str) -> InputError:
        return _error(self.text, token[2], problem)

    def expect(self, op: str) -> None:
        token = self.take()
        if token[1] != op or token[0] != "op":
            raise self.fail(token, f"expected {op!r}, got {_shown(token)}")

    def parse(self) -> Expr:
        if self.peek()[0] == "end":
            raise self.fail(self.peek(), "the formula is empty")
        tree = self.expr()
        token = self.peek()
        if token[0] != "end":
            hint = " (a comma outside a function call)" if token[1] == "," else (
                " (write products with *)" if token[0] in ("name", "number") or token[1] == "(" else "")
            raise self.fail(token, f"expected an operator, got {_shown(token)}{hint}")
        return tree

    def deeper(self, token) -> None:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise self.fail(token, f"more than {MAX_DEPTH} levels of nesting")

    def expr(self) -> Expr:
        left = self.term()
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            op = "add" if self.take()[1] == "+" else "sub"
            left = _node(op, (left, self.term()))
        return left

    def term(self) -> Expr:
        left = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in ("*", "/"):
            op = "mul" if self.take()[1] == "*" else "div"
            left = _node(op, (left, self.unary()))
        return left

    def unary(self) -> Expr:
        token = self.peek()
        if token[0] == "op" and token[1] in "+-":
            self.take()
            self.deeper(token)
            inner = self.unary()
            self.nesting -= 1
            return inner if token[1] == "+" else _node("neg", (inner,))
        return self.power()

    def power(self) -> Expr:
        base = self.atom()
        token = self.peek()
        if token[0] == "op" and token[1] in ("^", "**"):
            self.take()
            self.deeper(token)
            exponent = self.unary()
            self.nesting -= 1
            return _node("pow", (base, exponent))
        return base

    def atom(self) -> Expr:
        token = self.take()
        kind, text, _ = token
        if kind == "number":
            value = float(text)
            if not math.isfinite(value):
                raise self.fail(token, f"number {text} is too large")
            return _node("num", (), value)
        if kind == "name":
            return self.name(token)
        if kind == "op" and text == "(":
            self.deeper(token)
            inner = self.expr()
            self.expect(")")
            self.nesting -= 1
            return inner
        if kind == "end":
            raise self.fail(token, "the formula ends too early")
        raise self.fail(token, f"expected a number, a name or '(', got {_shown(token)}")

    def name(self, token) -> Expr:
        text = token[1]
        follows = self.peek()
        is_call = follows[0] == "op" and follows[1] == "("
        if not is_call:
            if text in FUNCTIONS:
                raise self.fail(token, f"{text!r} is a function; call it as {text}(...)")
            return _node("name", (), text)
        if text not in FUNCTIONS:
            raise self.fail(token, f"unknown function {text!r} (functions: {', '.join(FUNCTIONS)})")
        self.take()
        self.deeper(token)
        args = [self.expr()]
        while self.peek()[0] == "op" and self.peek()[1] == ",":
            self.take()
            args.append(self.expr())
        self.expect(")")
        self.nesting -= 1
        wanted = FUNCTIONS[text]
        if wanted is None and len(args) < 2:
            raise self.fail(token, f"{text}() takes two or more arguments, got {len(args)}")
        if wanted is not None and len(args) != wanted:
            raise self.fail(token, f"{text}() takes one argument, got {len(args)}")
        node = _node(text, (args[0], args[1])) if wanted is None else _node(text, (args[0],))
        for more in args[2:]:
            node = _node(text, (node, more))
        return node


def _shown(token) -> str:
    return "the end" if token[0] == "end" else repr(token[1])


@lru_cache(maxsize=512)
def parse(text: str) -> Expr:
    """The expression tree of ``text`` (see the module docstring for the grammar); InputError if not."""
    if not isinstance(text, str):
        raise InputError(f"a formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise InputError(f"formula of {len(text)} characters is longer than {MAX_LENGTH}")
    tree = _Parser(text).parse()
    size, deep = _size(tree), depth(tree)
    if deep > MAX_DEPTH:
        raise InputError(f"formula {text[:60]!r}: {deep} levels deep, more than {MAX_DEPTH}; group long sums "
                         f"with parentheses")
    if size > MAX_NODES:
        raise InputError(f"formula {text[:60]!r}: {size} operations and leaves, more than {MAX_NODES}")
    return tree


# ----------------------------------------------------------------------------------- traversal
def _postorder(roots) -> list[Expr]:
    """Every distinct node under ``roots``, children before parents (iterative: no recursion limit)."""
    seen, order = set(), []
    stack = [(r, False) for r in reversed(list(roots))]
    while stack:
        node, expanded = stack.pop()
        if id(node) in seen:
            continue
        if expanded or not node.args:
            seen.add(id(node))
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((a, False) for a in reversed(node.args) if id(a) not in seen)
    return order


def depth(expr: Expr) -> int:
    """Levels of the tree (a leaf is 1)."""
    levels: dict[int, int] = {}
    for node in _postorder([expr]):
        levels[id(node)] = 1 + max((levels[id(a)] for a in node.args), default=0)
    return levels[id(expr)]


def _size(expr: Expr) -> int:
    """Nodes of the tree counted as written (shared subtrees counted each time they occur)."""
    sizes: dict[int, int] = {}
    for node in _postorder([expr]):
        sizes[id(node)] = 1 + sum(sizes[id(a)] for a in node.args)
    return sizes[id(expr)]


def names(expr: Expr) -> tuple[str, ...]:
    """The names in ``expr`` in order of first appearance, left to right."""
    out = []
    for node in _postorder([expr]):
        if node.op == "name" and node.value not in out:
            out.append(node.value)
    return tuple(out)


def substitute(expr: Expr, mapping: dict[str, Expr]) -> Expr:
    """``expr`` with each name in ``mapping`` replaced by its tree (simplifying as it rebuilds)."""
    new: dict[int, Expr] = {}
    for node in _postorder([expr]):
        if node.op == "name":
            new[id(node)] = mapping.get(node.value, node)
        elif node.op == "num":
            new[id(node)] = node
        else:
            new[id(node)] = call(node.op, *(new[id(a)] for a in node.args))
    return new[id(expr)]


def _pure(nodes, depends) -> dict[int, bool]:
    """For each node: whether it holds a name and every name under it lies in ``depends``."""
    pure: dict[int, bool] = {}
    named: dict[int, bool] = {}
    for node in nodes:
        if node.op == "name":
            pure[id(node)], named[id(node)] = node.value in depends, True
        elif node.op == "num":
            pure[id(node)], named[id(node)] = True, False
        else:
            pure[id(node)] = all(pure[id(a)] for a in node.args)
            named[id(node)] = any(named[id(a)] for a in node.args)
    return {key: value and named[key] for key, value in pure.items()}


def power_as_exp(expr: Expr, depends) -> Expr:
    """``x^p`` written ``exp(p log x)`` where x depends only on ``depends`` and p does not (equal for x > 0;
    log x then depends on the data alone and ``hoist`` computes it once)."""
    nodes = _postorder([expr])
    pure = _pure(nodes, set(depends))
    new: dict[int, Expr] = {}
    for node in nodes:
        if not node.args:
            new[id(node)] = node
        elif node.op == "pow" and pure[id(node.args[0])] and not pure[id(node.args[1])] and \
                node.args[1].op != "num":
            new[id(node)] = call("exp", call("mul", new[id(node.args[1])], call("log", new[id(node.args[0])])))
        else:
            new[id(node)] = call(node.op, *(new[id(a)] for a in node.args))
    return new[id(expr)]


def hoist(outputs, depends, prefix: str = "@") -> tuple[list[Expr], dict[str, Expr]]:
    """The outputs with each largest non-leaf subtree that depends only on ``depends`` replaced by a new
    name (``prefix`` + a number), and those names' subtrees: the parts a fit computes once per table."""
    nodes = _postorder(outputs)
    pure = _pure(nodes, set(depends))
    hoisted = {id(o) for o in outputs if pure[id(o)] and o.args}
    for node in nodes:
        if not pure[id(node)]:
            hoisted.update(id(a) for a in node.args if pure[id(a)] and a.args)
    new: dict[int, Expr] = {}
    parts: dict[str, Expr] = {}
    for node in nodes:
        if id(node) in hoisted:
            name = f"{prefix}{len(parts)}"
            parts[name] = node
            new[id(node)] = variable(name)
        elif not node.args:
            new[id(node)] = node
        elif not pure[id(node)]:
            new[id(node)] = call(node.op, *(new[id(a)] for a in node.args))
    return [new[id(o)] for o in outputs], parts


# ------------------------------------------------------------------------------ differentiation
_ONE, _TWO = number(1.0), number(2.0)


def derivative(expr: Expr, name: str) -> Expr:
    """d expr / d ``name``, symbolically (chain rule on the tree), lightly simplified.

    ``expr`` is simplified first, so that a part that is constant where it is defined (``log(a / a)``) has
    derivative 0 rather than 0 times the infinite slope of the function around it."""
    expr = substitute(expr, {})
    zero = number(0.0)
    d: dict[int, Expr] = {}
    for node in _postorder([expr]):
        op, args = node.op, node.args
        if op == "num":
            d[id(node)] = zero
            continue
        if op == "name":
            d[id(node)] = _ONE if node.value == name else zero
            continue
        da = d[id(args[0])]
        db = d[id(args[1])] if len(args) > 1 else zero
        if _is(da, 0) and _is(db, 0):
            d[id(node)] = zero
            continue
        d[id(node)] = _rule(node, da, db)
    return d[id(expr)]


def _rule(node: Expr, da: Expr, db: Expr) -> Expr:
    """The derivative of one node from its children's derivatives ``da``, ``db``."""
    op, args = node.op, node.args
    a = args[0]
    b = args[1] if len(args) > 1 else None
    if op == "neg":
        return call("neg", da)
    if op == "add":
        return call("add", da, db)
    if op == "sub":
        return call("sub", da, db)
    if op == "mul":
        return call("add", call("mul", da, b), call("mul", a, db))
    if op == "div":  # (da - (a / b) db) / b
        return call("div", call("sub", da, call("mul", node, db)), b)
    if op == "pow":
        if _is(db, 0):  # b a^(b - 1) da
            return call("mul", call("mul", b, call("pow", a, call("sub", b, _ONE))), da)
        if _is(da, 0):  # a^b log(a) db
            return call("mul", call("mul", node, call("log", a)), db)
        return call("mul", node, call("add", call("mul", db, call("log", a)), call("div", call("mul", b, da), a)))
    if op == "log":
        return call("div", da, a)
    if op == "exp":
        return call("mul", node, da)
    if op == "sqrt":
        return call("div", da, call("mul", _TWO, node))
    if op == "abs":
        return call("mul", call("sign", a), da)
    if op == "log1p":
        return call("div", da, call("add", _ONE, a))
    if op == "softplus":
        return call("mul", call("sigmoid", a), da)
    if op == "sigmoid":
        return call("mul", call("mul", node, call("sub", _ONE, node)), da)
    if op in ("min", "max"):
        first = call("le", a, b) if op == "min" else call("le", b, a)  # 1 where the first argument is chosen
        return call("add", call("mul", first, da), call("mul", call("sub", _ONE, first), db))
    if op in ("sign", "le"):
        return number(0.0)
    raise ValueError(f"no derivative rule for {op!r}")  # pragma: no cover - every op has one


# ---------------------------------------------------------------------------------- evaluation
def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _le(a, b):
    return np.less_equal(a, b).astype(np.result_type(a, b, np.float32))


_NUMPY = {"neg": np.negative, "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
          "pow": np.power, "log": np.log, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs, "min": np.minimum,
          "max": np.maximum, "log1p": np.log1p, "softplus": lambda a: np.logaddexp(0.0, a), "sign": np.sign,
          "sigmoid": _sigmoid, "le": _le}


class Program:
    """Trees compiled into one straight-line program; shared subtrees are computed once.

    ``Program([f, df_dx])(env)`` returns ``[f(env), df_dx(env)]``; ``env`` maps every name in the
    trees to a number or an array (numpy broadcasting applies). ``inputs`` lists those names.
    """

    def __init__(self, outputs):
        self.outputs = tuple(outputs)
        order = _postorder(self.outputs)
        slot = {id(node): i for i, node in enumerate(order)}
        self.constants = [(i, node.value) for i, node in enumerate(order) if node.op == "num"]
        self.loads = [(i, node.value) for i, node in enumerate(order) if node.op == "name"]
        self.steps = [(i, _NUMPY[node.op], tuple(slot[id(a)] for a in node.args))
                      for i, node in enumerate(order) if node.args]
        self.size = len(order)
        self.result = [slot[id(node)] for node in self.outputs]
        self.inputs = tuple(dict.fromkeys(name for _, name in self.loads))

    def __call__(self, env) -> list:
        values = [None] * self.size
        for i, value in self.constants:
            values[i] = value
        for i, name in self.loads:
            values[i] = env[name]
        with np.errstate(all="ignore"):
            for i, function, args in self.steps:
                values[i] = function(*[values[j] for j in args])
        return [values[i] for i in self.result]


def evaluate(expr: Expr, env) -> np.ndarray:
    """The value of ``expr`` with each name taken from ``env`` (numbers or arrays; they broadcast)."""
    missing = [n for n in names(expr) if n not in env]
    if missing:
        raise InputError(f"formula {to_text(expr)!r}: no value for {', '.join(missing)}")
    return np.asarray(Program([expr])(env)[0], dtype=float)


# ------------------------------------------------------------------------------------- printing
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}


def to_text(expr: Expr) -> str:
    """The tree as formula text (internal functions appear as calls: ``sign``, ``sigmoid``, ``le``)."""
    text: dict[int, tuple[str, int]] = {}
    for node in _postorder([expr]):
        op, args = node.op, node.args
        if op == "num":
            text[id(node)] = (f"{node.value:.17g}" if node.value >= 0 else f"({node.value:.17g})", 9)
        elif op == "name":
            text[id(node)] = (node.value, 9)
        elif op == "neg":
            inner, p = text[id(args[0])]
            text[id(node)] = ("-" + (inner if p > 3 else f"({inner})"), 3)
        elif op in _BINARY:
            p = _PRECEDENCE[op]
            (left, pl), (right, pr) = text[id(args[0])], text[id(args[1])]
            if op == "pow":
                left = left if pl > p else f"({left})"
                right = right if pr >= p else f"({right})"
            else:
                left = left if pl >= p else f"({left})"
                right = right if pr > p else f"({right})"
            text[id(node)] = (f"{left}^{right}" if op == "pow" else f"{left} {_BINARY[op]} {right}", p)
        else:
            text[id(node)] = (f"{op}({', '.join(text[id(a)][0] for a in args)})", 9)
    return text[id(expr)][0]
