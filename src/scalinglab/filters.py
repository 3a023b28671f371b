"""Row filters (``--where``): a small grammar of our own, read by a tokenizer and a recursive-descent
parser into an immutable tree that is evaluated with numpy and pandas column operations only.

User text never reaches ``eval``, ``exec`` or pandas ``query``/``eval``: anything outside the grammar is
a one-line error naming the flag and the position. The grammar, loosest binding first::

    condition  := conjunct (("or" | "|") conjunct)*
    conjunct   := negation (("and" | "&") negation)*
    negation   := "not" negation | "(" condition ")" | test
    test       := value [("==" | "!=" | "<" | "<=" | ">" | ">=") value]
                | value ["not"] "in" "[" [literal ("," literal)* [","]] "]"
    value      := column | literal
    column     := name | `any text but a backtick`
    literal    := number | 'text' | "text" | true | false
    number     := ["-" | "+"] digits [. digits] [e[+-]digits] [K | M | B | G | T | P | Q]

Keywords are case-insensitive; a column whose name is a keyword, or holds spaces or symbols, goes in
backticks. Numbers take the size suffixes of :mod:`scalinglab.units` (``7B``, ``1.4T``). Strings have no
escapes (a backslash is itself; use the other quote to hold a quote). A bare value is a condition only
when it is a column of true/false. A test compares a column with a literal or with another column of the
same kind: numbers (a text column whose every cell reads as a quantity, such as ``70B``, counts as
numbers), text, or true/false; a missing cell satisfies only ``!=`` and ``not in``.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass

from .errors import InputError, UnitError
from .options import spelled
from .units import parse_quantity

__all__ = ["Filter", "parse_filter", "as_filter", "MAX_LENGTH", "MAX_DEPTH"]

#: Longest filter read, in characters, and deepest nesting of parentheses and ``not``.
MAX_LENGTH = 10_000
MAX_DEPTH = 50

KEYWORDS = ("and", "or", "not", "in", "true", "false")
COMPARISONS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
               ">=": operator.ge}
EXAMPLE = "dataset == 'c4' and lr <= 0.004"

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(?P<suffix>\w*)
  | (?P<name>[^\W\d]\w*)
  | (?P<quoted>`[^`]*`?)
  | (?P<text>'[^']*'?|"[^"]*"?)
  | (?P<symbol>==|!=|<=|>=|<|>|\(|\)|\[|\]|,|&|\||-|\+)
""", re.VERBOSE)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str    # name, number, text, keyword, symbol, end
    value: object
    position: int  # 1-based character position
    source: str

    def shown(self) -> str:
        return "the end" if self.kind == "end" else repr(self.source)


def _label(flag: str | None, text: str) -> str:
    """The filter as messages show it, after ``flag`` or, when None, ``where`` in the caller's voice."""
    shown = text if len(text) <= 80 else text[:77] + "..."
    if flag is None:
        return spelled("where", value=repr(shown))
    return f"{flag}{'' if flag.endswith('=') else ' '}{shown!r}"


def _tokens(text: str, flag: str | None) -> list[Token]:
    found, at = [], 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            raise InputError(f"{_label(flag, text)}: unexpected {text[at]!r} at position {at + 1}{_hint(text[at])}")
        kind, piece, position = match.lastgroup, match.group(), at + 1
        at = match.end()
        if kind == "space":
            continue
        if match.group("number") is not None:
            found.append(_number(piece, position, flag, text))
        elif kind == "name":
            lower = piece.lower()
            found.append(Token("keyword", lower, position, piece) if lower in KEYWORDS
                         else Token("name", piece, position, piece))
        elif kind == "quoted":
            if len(piece) < 2 or not piece.endswith("`"):
                raise InputError(f"{_label(flag, text)}: the backtick at position {position} is never closed")
            if len(piece) == 2:
                raise InputError(f"{_label(flag, text)}: empty column name `` at position {position}")
            found.append(Token("name", piece[1:-1], position, piece))
        elif kind == "text":
            if len(piece) < 2 or piece[-1] != piece[0]:
                raise InputError(f"{_label(flag, text)}: the quote at position {position} is never closed")
            found.append(Token("text", piece[1:-1], position, piece))
        else:
            found.append(Token("symbol", piece, position, piece))
    found.append(Token("end", None, len(text) + 1, ""))
    return found


def _hint(char: str) -> str:
    if char == "=":
        return " (write == to compare)"
    if char in "!~":
        return " (write not to negate)"
    if char in "@.:;{}\\":
        return f" (a filter holds comparisons such as \"{EXAMPLE}\", nothing else)"
    return ""


def _number(piece: str, position: int, flag: str | None, text: str) -> Token:
    try:
        return Token("number", parse_quantity(piece, what="number"), position, piece)
    except UnitError:
        raise InputError(f"{_label(flag, text)}: cannot read the number {piece!r} at position {position} "
                         f"(a number may end in K, M, B, T, P or Q, e.g. 7B or 1.4T)") from None


# -- the tree ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Column:
    name: str
    position: int


@dataclass(frozen=True, slots=True)
class Literal:
    value: float | str | bool
    position: int


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Column | Literal
    right: Column | Literal
    position: int


@dataclass(frozen=True, slots=True)
class Member:
    column: Column
    values: tuple[Literal, ...]
    negated: bool
    position: int


@dataclass(frozen=True, slots=True)
class Truth:
    column: Column


@dataclass(frozen=True, slots=True)
class Not:
    child: "Node"


@dataclass(frozen=True, slots=True)
class AllOf:
    children: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple["Node", ...]


Node = Compare | Member | Truth | Not | AllOf | AnyOf


class _Parser:
    """Recursive descent over the token list; ``depth`` counts open parentheses and ``not``s."""

    def __init__(self, text: str, flag: str | None):
        self.text, self.flag = text, flag
        self.tokens = _tokens(text, flag)
        self.at, self.depth = 0, 0

    def fail(self, message: str):
        raise InputError(f"{_label(self.flag, self.text)}: {message}")

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def is_(self, kind: str, *values) -> bool:
        token = self.peek()
        return token.kind == kind and (not values or token.value in values)

    def unexpected(self, expected: str):
        token = self.peek()
        found = "ends early" if token.kind == "end" else f"unexpected {token.shown()}"
        self.fail(f"{found} at position {token.position}; expected {expected}")

    def parse(self) -> Node:
        if self.is_("end"):
            self.fail(f"is empty; write a condition such as \"{EXAMPLE}\"")
        tree = self.condition()
        if not self.is_("end"):
            self.unexpected("'and', 'or' or the end")
        return tree

    def condition(self) -> Node:
        parts = [self.conjunct()]
        while self.is_("keyword", "or") or self.is_("symbol", "|"):
            self.take()
            parts.append(self.conjunct())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def conjunct(self) -> Node:
        parts = [self.negation()]
        while self.is_("keyword", "and") or self.is_("symbol", "&"):
            self.take()
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def nested(self, token: Token):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"nests deeper than {MAX_DEPTH} levels at position {token.position}")

    def negation(self) -> Node:
        token = self.peek()
        if self.is_("keyword", "not"):
            self.take()
            self.nested(token)
            child = self.negation()
            self.depth -= 1
            return Not(child)
        if self.is_("symbol", "("):
            self.take()
            self.nested(token)
            inner = self.condition()
            if not self.is_("symbol", ")"):
                self.unexpected(f"')' to close the '(' at position {token.position}")
            self.take()
            self.depth -= 1
            return inner
        return self.test()

    def test(self) -> Node:
        left = self.value()
        token = self.peek()
        if token.kind == "symbol" and token.value in COMPARISONS:
            self.take()
            right = self.value()
            if self.peek().kind == "symbol" and self.peek().value in COMPARISONS:
                self.fail(f"chains comparisons at position {self.peek().position}; write a < x and x < b")
            if isinstance(left, Literal) and isinstance(right, Literal):
                self.fail(f"compares two constants at position {left.position}; name a column")
            return Compare(token.value, left, right, token.position)
        negated = self.is_("keyword", "not") and self.tokens[self.at + 1].kind == "keyword" \
            and self.tokens[self.at + 1].value == "in"
        if negated or self.is_("keyword", "in"):
            self.take()
            if negated:
                self.take()
            if not isinstance(left, Column):
                self.fail(f"'in' needs a column on its left, at position {token.position}")
            return Member(left, self.members(), negated, token.position)
        if isinstance(left, Literal):
            self.fail(f"{self.written(left)} at position {left.position} is not a condition; "
                      f"compare a column with it, e.g. \"{EXAMPLE}\"")
        return Truth(left)

    def written(self, literal: Literal) -> str:
        """A literal as the user wrote it (a signed number is two tokens)."""
        i = next(i for i, t in enumerate(self.tokens) if t.position == literal.position)
        token = self.tokens[i]
        return repr(token.source + self.tokens[i + 1].source) if token.kind == "symbol" else token.shown()

    def members(self) -> tuple[Literal, ...]:
        if not self.is_("symbol", "["):
            self.unexpected("'[' to start the list after 'in'")
        self.take()
        items = []
        while not self.is_("symbol", "]"):
            value = self.value()
            if not isinstance(value, Literal):
                self.fail(f"the list after 'in' holds the column {value.name!r} at position {value.position}; "
                          f"it takes numbers, quoted text or true/false")
            items.append(value)
            if self.is_("symbol", ","):
                self.take()
            elif not self.is_("symbol", "]"):
                self.unexpected("',' or ']'")
        self.take()
        return tuple(items)

    def value(self) -> Column | Literal:
        token = self.peek()
        if token.kind == "name":
            self.take()
            return Column(token.value, token.position)
        if token.kind in ("number", "text"):
            self.take()
            return Literal(token.value, token.position)
        if self.is_("keyword", "true", "false"):
            self.take()
            return Literal(token.value == "true", token.position)
        if self.is_("symbol", "-", "+"):
            self.take()
            number = self.peek()
            if number.kind != "number" or number.position != token.position + 1:
                self.unexpected(f"a number right after {token.source!r}")
            self.take()
            return Literal(-number.value if token.value == "-" else number.value, token.position)
        if token.kind == "keyword":
            self.unexpected(f"a column, a number or quoted text (a column named {token.source!r} goes in "
                            f"backticks: `{token.source}`)")
        self.unexpected("a column, a number or quoted text")


# -- evaluation: numpy and pandas column operations only ---------------------------------------------------
_KIND_WORDS = {"number": "numbers", "text": "text", "bool": "true/false"}
_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _literal_kind(value) -> str:
    return "bool" if isinstance(value, bool) else "text" if isinstance(value, str) else "number"


def numbers_of(series):
    """A column as floats: numbers as they are, text cells read as quantities (``70B``, ``1.4T``); NaN where
    a cell is missing or does not read as a number."""
    import numpy as np
    import pandas as pd

    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, copy=True)
    text = series.notna().to_numpy() & np.isnan(values)
    for i in np.flatnonzero(text):
        try:
            values[i] = parse_quantity(str(series.iloc[i]))
        except UnitError:
            pass
    return values


@dataclass(frozen=True, slots=True)
class _Values:
    """One side of a test: its kind (number, text, bool), its cells (floats, str or bool) and what is missing."""

    kind: str
    cells: object
    missing: object


class _Evaluator:
    def __init__(self, frame, where: str):
        self.frame, self.where = frame, where
        self.names = {str(c): c for c in frame.columns}

    def fail(self, message: str):
        raise InputError(f"{self.where}: {message}")

    def run(self, node):
        import numpy as np

        if isinstance(node, AllOf):
            return np.logical_and.reduce([self.run(child) for child in node.children])
        if isinstance(node, AnyOf):
            return np.logical_or.reduce([self.run(child) for child in node.children])
        if isinstance(node, Not):
            return ~self.run(node.child)
        if isinstance(node, Truth):
            values = self.column(node.column)
            if values.kind != "bool":
                self.fail(f"column {node.column.name!r} (position {node.column.position}) holds "
                          f"{_KIND_WORDS[values.kind]}, not true/false; compare it, e.g. {node.column.name} > 0")
            return values.cells & ~values.missing
        if isinstance(node, Member):
            return self.member(node)
        return self.compare(node)

    def series(self, column: Column):
        key = self.names.get(column.name)
        if key is None:
            have = ", ".join(repr(n) for n in self.names)
            self.fail(f"no column {column.name!r} (position {column.position}; columns: {have}; "
                      f"quote names with spaces in backticks)")
        series = self.frame[key]
        if series.ndim != 1:
            self.fail(f"the table has more than one column named {column.name!r}")
        return series

    def column(self, column: Column, want: str | None = None) -> _Values:
        """The cells of ``column``; ``want="number"`` reads a text column as quantities (or refuses)."""
        import numpy as np
        import pandas as pd

        series = self.series(column)
        dtype = series.dtype
        missing = series.isna().to_numpy()
        if pd.api.types.is_bool_dtype(dtype):
            return _Values("bool", series.fillna(False).to_numpy(dtype=bool), missing)
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
            return _Values("number", series.to_numpy(dtype=float, na_value=np.nan), missing)
        if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
                or isinstance(dtype, pd.CategoricalDtype)):
            self.fail(f"column {column.name!r} (position {column.position}) holds {dtype} values; a filter "
                      f"compares numbers, text and true/false")
        cells = series.astype(object).to_numpy()
        present = cells[~missing]
        if present.size and all(isinstance(c, (bool, np.bool_)) for c in present):
            return _Values("bool", np.array([bool(c) if not m else False for c, m in zip(cells, missing)]), missing)
        if all(isinstance(c, (int, float, np.number)) and not isinstance(c, (bool, np.bool_)) for c in present) \
                or want == "number":
            values = numbers_of(series)
            unread = np.isnan(values) & ~missing
            if unread.any():
                first = int(np.flatnonzero(unread)[0])
                self.fail(f"column {column.name!r} (position {column.position}) holds text such as "
                          f"{str(cells[first])!r} (row {self.frame.index[first]}), not numbers; compare it with "
                          f"quoted text")
            return _Values("number", values, missing)
        return _Values("text", np.array([str(c) if not m else "" for c, m in zip(cells, missing)], dtype=object),
                       missing)

    def side(self, value, want: str | None) -> _Values:
        import numpy as np

        if isinstance(value, Column):
            return self.column(value, want)
        return _Values(_literal_kind(value.value), value.value, np.zeros(len(self.frame), dtype=bool))

    def compare(self, node: Compare):
        import numpy as np

        op, left, right = node.op, node.left, node.right
        if isinstance(left, Literal):
            op, left, right = _MIRROR[op], right, left
        if isinstance(right, Literal):
            want = _literal_kind(right.value)
            values = self.column(left, want)
            self.check_kinds(values.kind, want, left, f"{right.value!r}" if want == "text" else "")
            other, other_missing = right.value, False
        else:
            values = self.column(left)
            target = self.column(right, values.kind if values.kind == "number" else None)
            if target.kind == "number" and values.kind == "text":
                values = self.column(left, "number")
            if values.kind != target.kind:
                self.fail(f"compares column {left.name!r} ({_KIND_WORDS[values.kind]}) with column "
                          f"{right.name!r} ({_KIND_WORDS[target.kind]}) at position {node.position}")
            other, other_missing = target.cells, target.missing
        if values.kind == "bool" and op not in ("==", "!="):
            self.fail(f"orders true/false values with {op!r} at position {node.position}; use == or !=")
        with np.errstate(invalid="ignore"):
            result = np.asarray(COMPARISONS[op](values.cells, other), dtype=bool)
        missing = values.missing | other_missing
        return (result | missing) if op == "!=" else (result & ~missing)

    def check_kinds(self, have: str, want: str, column: Column, example: str):
        if have != want:
            hint = {"number": "a number", "text": f"quoted text such as {example or repr('c4')}",
                    "bool": "true or false"}[have]
            self.fail(f"column {column.name!r} (position {column.position}) holds {_KIND_WORDS[have]}; "
                      f"compare it with {hint}, not {_KIND_WORDS[want]}")

    def member(self, node: Member):
        import numpy as np

        kinds = {_literal_kind(v.value) for v in node.values}
        if len(kinds) > 1:
            self.fail(f"the list at position {node.position} mixes {' and '.join(_KIND_WORDS[k] for k in sorted(kinds))}")
        want = kinds.pop() if kinds else None
        values = self.column(node.column, want)
        if want is not None:
            self.check_kinds(values.kind, want, node.column, "")
        wanted = [v.value for v in node.values]
        found = np.isin(values.cells, np.array(wanted, dtype=object if values.kind == "text" else None)) \
            if wanted else np.zeros(len(self.frame), dtype=bool)
        found &= ~values.missing
        return ~found if node.negated else found


def _evaluate(tree: Node, frame, where: str):
    return _Evaluator(frame, where).run(tree)


@dataclass(frozen=True, slots=True)
class Filter:
    """A parsed filter: its text, the flag it came in (``--where``; None: ``where`` in the caller's voice) and
    its tree."""

    text: str
    flag: str | None
    tree: Node

    @property
    def label(self) -> str:
        """``--where 'loss > 2'``, as messages and notes show it."""
        return _label(self.flag, self.text)

    def mask(self, frame, name: str):
        """A boolean numpy array: the rows of ``frame`` (named ``name`` in messages) that pass."""
        return _evaluate(self.tree, frame, f"{name}: {self.label}")

    def apply(self, frame, name: str):
        """The rows of ``frame`` that pass; keeping none is an error."""
        mask = self.mask(frame, name)
        if not mask.any():
            raise InputError(f"{name}: no rows satisfy {self.label} (of {len(frame)} rows)")
        return frame[mask]


def parse_filter(text: str, *, flag: str | None = None) -> Filter:
    """Parse ``text`` into a :class:`Filter`; errors are one line naming ``flag`` (by default ``where`` in the
    caller's voice: ``--where``, ``where=``) and the position."""
    if not isinstance(text, str):
        raise InputError(f"{flag or spelled('where')} must be text such as \"{EXAMPLE}\", got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise InputError(f"{_label(flag, text)}: {len(text):,} characters; a filter holds at most {MAX_LENGTH:,}")
    return Filter(text, flag, _Parser(text, flag).parse())


def as_filter(where, *, flag: str | None = None) -> Filter | None:
    """``where`` as a Filter: None or blank text is no filter, text is parsed, a Filter passes through."""
    if where is None or isinstance(where, Filter):
        return where
    if isinstance(where, str) and not where.strip():
        return None
    return parse_filter(where, flag=flag)
