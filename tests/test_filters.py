"""The ``--where`` filter language (scalinglab.filters): grammar, precedence, types, one-line errors, and
user text that tries to run code (issue 19's attack strings) refused with nothing run and nothing read."""

from __future__ import annotations

import json
import math
import operator
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalinglab.errors import InputError
from scalinglab.filters import MAX_DEPTH, MAX_LENGTH, parse_filter

SRC = str(Path(__file__).resolve().parents[1] / "src")

#: The attack strings of issue 19, each of which pandas ``query`` evaluated.
ATTACKS = ["@pd.io.common.os.system('touch x')", "@pd.read_csv('/etc/passwd')",
           "N.__class__.__mro__[1].__subclasses__()"]

#: Python escape tricks: none is in the grammar, so each must be a one-line error.
ESCAPES = ATTACKS + [
    "__import__('os').system('touch x')", "n.__class__", "`n`.__class__", "n > 1 and @x", "@n",
    "(lambda: 1)()", "lambda n: n > 1", "f'{n}' == 'x'", "n > 1 if True else 0", "[c for c in 'ab']",
    "dataset == '\\x41'.join([])", "getattr(n, 'real') > 0", "n > 1; import os", "n > 1 # comment",
    "n.real > 1", "n[0] > 1", "n ** 2 > 1", "n + 1 > 2", "n > 1e1000", "n > 0x10", "dataset == 'a' 'b'",
    "n\u00a0>\u00a01e300\u200b", "n \uff1e 1", "dataset == \u2018c4\u2019", "\u0430nd", "n > \u0661",
    "n > 1 and", "not", "()", "[]", "``", "`", "'", '"', "n in n", "n in [dataset]", "n in (1, 2)",
    "dataset = 'c4'", "n => 1", "n =< 1", "n <> 1", "!n", "~n", "n is None", "n > 1 or or n < 0",
    "exec('1')", "eval('1')", "open('/etc/passwd')", "\\", "n > 1\\", "\x00", "n > 1\x00",
    "(" * (MAX_DEPTH + 1) + "ok" + ")" * (MAX_DEPTH + 1), "not " * (MAX_DEPTH + 1) + "ok",
    "(" * 100_000, "n > 1 and " * 2_000 + "ok",
]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    data = pd.DataFrame({
        "n": [1e8, 7e9, np.nan, 7e10, 3e9, 1e8, 2e11, 5e9],
        "dataset": ["c4", "pile", "c4", None, "dclm", "c4", "pile", "C4"],
        "ok": [True, False, True, True, False, True, False, True],
        "size": ["100M", "7B", "1B", "70B", "3B", "100M", "200B", "5B"],
        "Model Size": [1, 2, 3, 4, 5, 6, 7, 8],
    })
    data.index = pd.RangeIndex(1, len(data) + 1)
    return data


def rows(frame, text: str) -> list[int]:
    return [int(i) for i in frame.index[parse_filter(text).mask(frame, "t.csv")]]


# -- the grammar ------------------------------------------------------------------------------------------
def test_comparisons_numbers_with_units_and_strings(frame):
    assert rows(frame, "n > 5B") == [2, 4, 7]
    assert rows(frame, "n >= 5e9 and n <= 7B") == [2, 8]
    assert rows(frame, "n == 100M") == [1, 6]
    assert rows(frame, "n != 100M") == [2, 3, 4, 5, 7, 8]  # a missing value satisfies != only
    assert rows(frame, "dataset == 'c4'") == rows(frame, 'dataset == "c4"') == [1, 3, 6]
    assert rows(frame, "dataset < 'd'") == [1, 3, 6, 8]  # text compares as text ('C4' < 'c4' < 'd' < 'dclm')
    assert rows(frame, "`Model Size` > -1 and `Model Size` < +3") == [1, 2]
    assert rows(frame, "size > 5B") == [2, 4, 7]  # a text column of quantities compares as numbers
    assert rows(frame, "size == n") == [1, 2, 4, 5, 6, 7, 8]


def test_literal_on_the_left_mirrors_the_comparison(frame):
    assert rows(frame, "5B < n") == rows(frame, "n > 5B")
    assert rows(frame, "'c4' >= dataset") == rows(frame, "dataset <= 'c4'")


def test_in_lists_booleans_and_keywords_in_any_case(frame):
    assert rows(frame, "dataset in ['c4', 'pile']") == [1, 2, 3, 6, 7]
    assert rows(frame, "dataset not in ['c4', 'pile',]") == [4, 5, 8]  # missing is not in any list
    assert rows(frame, "n in [100M, 7B]") == [1, 2, 6]
    assert rows(frame, "n in [] or ok") == rows(frame, "ok") == rows(frame, "ok == TRUE") == [1, 3, 4, 6, 8]
    assert rows(frame, "n not in [] and ok") == [1, 3, 4, 6, 8]
    assert rows(frame, "not ok") == rows(frame, "ok != true") == rows(frame, "ok == False") == [2, 5, 7]
    assert rows(frame, "n > 5B AND ok") == rows(frame, "n > 5B & ok") == [4]
    assert rows(frame, "n > 5B Or ok") == rows(frame, "n > 5B | ok") == [1, 2, 3, 4, 6, 7, 8]


def test_precedence_not_binds_tightest_then_and_then_or(frame):
    def same(a: str, b: str):
        assert rows(frame, a) == rows(frame, b), (a, b)

    same("ok or n > 5B and dataset == 'pile'", "ok or (n > 5B and dataset == 'pile')")
    assert rows(frame, "ok or n > 5B and dataset == 'pile'") != rows(frame, "(ok or n > 5B) and dataset == 'pile'")
    same("not ok and n > 5B", "(not ok) and n > 5B")
    assert rows(frame, "not ok and n > 5B") != rows(frame, "not (ok and n > 5B)")
    same("not not ok", "ok")
    same("n > 1B and ok or dataset == 'pile' and not ok", "(n > 1B and ok) or (dataset == 'pile' and (not ok))")
    same("ok | n > 5B & dataset == 'pile'", "ok or (n > 5B and dataset == 'pile')")


def test_the_tree_is_immutable():
    tree = parse_filter("n > 1").tree
    with pytest.raises(AttributeError):
        tree.op = "<"


@pytest.mark.parametrize("text, fragment", [
    ("@x", "unexpected '@' at position 1"),
    ("n > 1 and", "ends early at position 10; expected a column"),
    ("n = 1", "unexpected '=' at position 3 (write == to compare)"),
    ("1 < n < 3", "chains comparisons at position 7"),
    ("'a' == 'b'", "compares two constants"),
    ("n in (1, 2)", "unexpected '(' at position 6; expected '['"),
    ("n > 5X", "cannot read the number '5X' at position 5"),
    ("n > 1e400", "cannot read the number '1e400'"),
    ("`n", "the backtick at position 1 is never closed"),
    ("dataset == 'c4", "the quote at position 12 is never closed"),
    ("in == 1", "a column named 'in' goes in backticks"),
    ("(n > 1", "expected ')' to close the '(' at position 1"),
    ("", "is empty"),
    ("(" * (MAX_DEPTH + 1) + "ok" + ")" * (MAX_DEPTH + 1), f"nests deeper than {MAX_DEPTH} levels"),
    ("n > 1 or " * MAX_LENGTH, f"a filter holds at most {MAX_LENGTH:,}"),
])
def test_parse_errors_are_one_line_and_point_at_the_position(text, fragment):
    with pytest.raises(InputError) as info:
        parse_filter(text, flag="--where")
    message = str(info.value)
    assert message.startswith("--where ") and fragment in message and "\n" not in message
    assert len(message) < 400


@pytest.mark.parametrize("text, fragment", [
    ("flavour == 'x'", "t.csv: where=\"flavour == 'x'\": no column 'flavour' (position 1; columns: 'n', 'dataset', "
                       "'ok', 'size', 'Model Size'; quote names with spaces"),
    ("dataset > 1", "column 'dataset' (position 1) holds text such as 'c4' (row 1), not numbers"),
    ("n == 'c4'", "column 'n' (position 1) holds numbers; compare it with a number, not text"),
    ("ok == 1", "column 'ok' (position 1) holds true/false; compare it with true or false, not numbers"),
    ("ok < true", "orders true/false values with '<'"),
    ("n", "column 'n' (position 1) holds numbers, not true/false"),
    ("dataset == n", "holds text such as 'c4' (row 1), not numbers"),
    ("n in [1, 'a']", "mixes numbers and text"),
    ("n > 1T", "no rows satisfy where='n > 1T' (of 8 rows)"),
])
def test_type_mismatches_unknown_columns_and_empty_results_are_clear_errors(frame, text, fragment):
    with pytest.raises(InputError) as info:
        parse_filter(text).apply(frame, "t.csv")
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_dates_are_refused_not_compared_silently():
    frame = pd.DataFrame({"when": pd.to_datetime(["2024-01-01", "2025-01-01"])})
    with pytest.raises(InputError, match=r"column 'when' .* holds datetime64\[.*\] values; a filter compares"):
        parse_filter("when > 1").mask(frame, "t.csv")


# -- code never runs ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ESCAPES, ids=range(len(ESCAPES)))
def test_escape_tricks_are_one_line_errors(frame, text):
    with pytest.raises(InputError) as info:
        parse_filter(text, flag="--where").apply(frame, "t.csv")
    assert "\n" not in str(info.value) and len(str(info.value)) < 600


_AUDIT = textwrap.dedent("""
    import json, sys
    import pandas as pd
    from scalinglab.errors import InputError
    from scalinglab.filters import parse_filter

    frame = pd.DataFrame({"N": [1.0, 2.0], "n": [1.0, 2.0], "dataset": ["c4", "pile"], "ok": [True, False]})
    for warm in ("n > 1 and dataset in ['c4'] or not ok", "dataset > 1", "nope == 1"):  # lazy imports done
        try:
            parse_filter(warm).apply(frame, "t.csv")
        except InputError:
            pass
    WATCH = ("open", "os.", "subprocess", "exec", "compile", "import", "socket", "shutil", "pty", "ctypes",
             "code.__new__", "object.__getattr__", "builtins.input")
    seen, messages = [], []
    recording = [True]

    def hook(event, args):
        if recording[0] and event.startswith(WATCH):
            seen.append(event + " " + repr(args)[:200])

    sys.addaudithook(hook)
    for text in json.loads(sys.argv[1]):
        try:
            parse_filter(text, flag="--where").apply(frame, "t.csv")
            messages.append(None)
        except InputError as error:
            messages.append(str(error))
    recording[0] = False
    events, seen[:] = list(seen), []
    recording[0] = True
    open(__import__("os").devnull).close()  # the control: the hook does see an open
    recording[0] = False
    print(json.dumps({"events": events, "control": seen, "messages": messages}))
""")


def test_no_file_is_opened_and_no_code_runs_while_parsing_and_evaluating(tmp_path):
    """An audit hook (PEP 578) sees every open, os.system, exec, compile and import of the process."""
    texts = ESCAPES[:-2]  # the two longest would only slow the child down
    proc = subprocess.run([sys.executable, "-c", _AUDIT, json.dumps(texts)], capture_output=True, text=True,
                          cwd=tmp_path, env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["events"] == []
    assert report["control"] and report["control"][0].startswith("open ")
    assert all(m is not None and "\n" not in m for m in report["messages"])
    assert list(tmp_path.iterdir()) == []


def _run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scalinglab", *args], capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin", "HOME": str(cwd)}, timeout=120)


def _assert_refused(proc, text: str):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in proc.stderr and proc.stdout == ""
    assert lines[0].startswith(f"error: --where {text!r}: unexpected ")


@pytest.mark.parametrize("text", ATTACKS)
def test_issue_attack_strings_are_refused_by_fit_and_nothing_runs(tmp_path, text):
    _assert_refused(_run_cli("fit", "chinchilla-runs", "--where", text, cwd=tmp_path), text)
    assert list(tmp_path.iterdir()) == []  # `touch x` did not run


@pytest.mark.parametrize("command", [
    ["isoflop", "marin-isoflop"], ["predict", "--law", "hoffmann2022", "--runs", "chinchilla-runs"],
    ["fit-curves", "chinchilla-runs", "--curve-col", "color", "--x-col", "x"],
    ["predict-task", "chinchilla-runs", "--at", "7B:140B", "--accuracy-col", "y"],
    ["fit", "chinchilla-runs", "--group-by", "color"],
], ids=lambda c: c[0])
def test_every_command_with_where_refuses_the_attack(tmp_path, command):
    text = ATTACKS[0]
    _assert_refused(_run_cli(*command, "--where", text, cwd=tmp_path), text)
    assert list(tmp_path.iterdir()) == []


def test_the_python_api_names_its_own_argument():
    import scalinglab as sl

    with pytest.raises(InputError, match=r"^where=\"@pd.io.common.os.system\('touch x'\)\": unexpected '@' at position 1"):
        sl.fit("chinchilla-runs", where=ATTACKS[0])
    assert sl.fit("chinchilla-runs", where="loss < 2.9").to_dict()["data"]["notes"][0] == "where='loss < 2.9': 188 rows kept"


# -- fuzzing -----------------------------------------------------------------------------------------------
@given(st.text(max_size=60) | st.text(alphabet="nok()[]`'\"<>=!&|,.-+ 0123456789eBTandortuefls", max_size=60))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_is_a_mask_or_a_one_line_error(frame, text):
    try:
        mask = parse_filter(text).mask(frame, "t.csv")
    except InputError as error:
        assert "\n" not in str(error) and str(error)
    else:
        assert mask.dtype == bool and mask.shape == (len(frame),)


_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NUMBERS = {"n": [1e8, 7e9, 3e9, 7e10, 2e11, 5e9, 4e9], "`Model Size`": [0, 1, 4, 8, 9, -2],
            "size": [1e8, 7e9, 1e9, 1e11]}


def _number_text(value: float) -> str:
    for suffix, scale in (("B", 1e9), ("M", 1e6)):
        if value and abs(value) >= scale and (value / scale).is_integer():
            return f"{value / scale:g}{suffix}"
    return repr(float(value)) if value < 0 else f"{value:g}"


def _cell(frame, column: str, row: int):
    name = column.strip("`")
    value = frame[name].iloc[row]
    if name == "size":
        from scalinglab.units import parse_quantity

        return parse_quantity(value)
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


@st.composite
def _tests(draw):
    """(text, reference: row -> bool) of one comparison or membership test."""
    kind = draw(st.sampled_from(["number", "text", "bool", "in"]))
    op = draw(st.sampled_from(list(_OPS)))
    if kind == "number":
        column = draw(st.sampled_from(list(_NUMBERS)))
        value = draw(st.sampled_from(_NUMBERS[column]))
        literal = _number_text(value)
    elif kind == "text":
        column, value = "dataset", draw(st.sampled_from(["c4", "pile", "C4", "dclm", "zz", ""]))
        literal = repr(value)
    elif kind == "bool":
        column, op, value = "ok", draw(st.sampled_from(["==", "!="])), draw(st.booleans())
        literal = str(value).lower()
    else:
        values = draw(st.lists(st.sampled_from(["c4", "pile", "dclm", "x"]), max_size=3))
        negated = draw(st.booleans())
        text = f"dataset {'not in' if negated else 'in'} [{', '.join(repr(v) for v in values)}]"

        def member(frame, row):
            cell = _cell(frame, "dataset", row)
            return (cell is not None and cell in values) != negated
        return text, member

    def compare(frame, row):
        cell = _cell(frame, column, row)
        if cell is None:
            return op == "!="
        return bool(_OPS[op](cell, value))

    if draw(st.booleans()):
        return f"{literal} {_MIRROR[op]} {column}", compare
    return f"{column} {op} {literal}", compare


def _trees(leaves):
    def extend(children):
        return st.one_of(
            st.tuples(st.just("not"), children),
            st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=3)),
        )
    return st.recursive(leaves.map(lambda leaf: ("test", leaf)), extend, max_leaves=8)


_RANK = {"or": 0, "and": 1, "not": 2, "test": 3}


def _render(tree, parent_rank: int = 0, spell=("and", "or")) -> str:
    """Text with parentheses only where precedence needs them (so the parser's precedence is tested)."""
    kind = tree[0]
    if kind == "test":
        return tree[1][0]
    if kind == "not":
        text = "not " + _render(tree[1], _RANK["not"], spell)
    else:
        word = spell[0] if kind == "and" else spell[1]
        text = f" {word} ".join(_render(child, _RANK[kind] + 1, spell) for child in tree[1])
    return f"({text})" if _RANK[kind] < parent_rank else text


def _reference(tree, frame, row) -> bool:
    kind = tree[0]
    if kind == "test":
        return tree[1][1](frame, row)
    if kind == "not":
        return not _reference(tree[1], frame, row)
    results = [_reference(child, frame, row) for child in tree[1]]
    return all(results) if kind == "and" else any(results)


@given(tree=_trees(_tests()), spell=st.sampled_from([("and", "or"), ("&", "|"), ("AND", "Or")]))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_valid_filters_agree_with_a_row_by_row_reference(frame, tree, spell):
    text = _render(tree, spell=spell)
    mask = parse_filter(text).mask(frame, "t.csv")
    expected = [_reference(tree, frame, row) for row in range(len(frame))]
    assert mask.tolist() == expected, text


@given(st.lists(st.sampled_from(["(", ")", "not ", "`", "'", "\\", "@", "__", ".", "lambda", "{", "}", "f'",
                                 "ok", " and ", " or ", "n > 1", "[", "]", "\u0430", "\uff08", "\x00", "#"]),
                max_size=400))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_escape_pieces_in_any_order_and_depth_never_raise_anything_but_one_line(frame, pieces):
    text = "".join(pieces)
    try:
        parse_filter(text).mask(frame, "t.csv")
    except InputError as error:
        assert "\n" not in str(error)


def test_predict_refuses_a_where_without_runs(cli):
    from conftest import assert_user_error

    assert_user_error(cli("predict", "--law", "hoffmann2022", "--params", "7B", "--tokens", "1T", "--where", "n > 1"),
                      "--where needs --runs")
