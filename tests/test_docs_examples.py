"""The docs cannot go stale: every ```console example in README.md and docs/*.md is run and checked.

In a console block, a line ``$ scalinglab ARGS`` (continued by a trailing ``\\``) is a command; the
lines after it, up to the next command, are output it must print: each shown line must equal a line of
the real output, whitespace aside, with every number compared to the digits shown (``1.9307`` matches
1.930748..., not 1.9312). A block's commands run in order in one fresh directory (so ``--save fit.json``
then ``--law fit.json`` works), with ``COLUMNS=100``; a command whose shown output is an ``error: ...``
line must fail with exit code 2 and print it. Shell syntax (``&&``, pipes, ``# comments``) is
not allowed in console blocks: slow or illustrative commands go in ```bash blocks, which are not run.
An unlabelled block that opens with ``$ scalinglab`` is a transcript and is checked like a console block.
```python blocks with ``>>>`` run as doctests.
"""

from __future__ import annotations

import doctest
import math
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NUMBER = r"[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_NUMBER_RE = re.compile(NUMBER)
SHELL = ("&&", "||", "|", ";", ">", "<", "2>", "&")


@dataclass
class Command:
    line: int
    text: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Block:
    path: Path
    line: int
    kind: str
    body: list[tuple[int, str]]

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def blocks(paths=DOCS) -> list[Block]:
    found = []
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        i = 0
        while i < len(lines):
            fence = re.match(r"^(\s*)```(\w*)\s*$", lines[i])
            if fence:
                start, kind, body = i + 1, fence.group(2), []
                i += 1
                while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
                    body.append((i + 1, lines[i]))
                    i += 1
                found.append(Block(path, start, kind, body))
            i += 1
    return found


def commands(block: Block) -> list[Command]:
    """The block's commands with the output lines shown under each."""
    out: list[Command] = []
    pending = None
    for number, line in block.body:
        if pending is not None:
            pending.text += " " + line.strip().rstrip("\\").strip()
            if not line.rstrip().endswith("\\"):
                pending = None
            continue
        if line.startswith("$ "):
            out.append(Command(number, line[2:].rstrip().rstrip("\\").strip()))
            if line.rstrip().endswith("\\"):
                pending = out[-1]
        elif line.strip():
            if not out:
                raise AssertionError(f"{block.id}: output line {number} before any '$ ' command")
            out[-1].expected.append(line)
    return out


def normalise(line: str) -> str:
    return " ".join(line.split())


def _pattern(expected: str) -> tuple[re.Pattern, list[str]]:
    """A regex for a shown line (numbers become groups) and the numbers as shown."""
    text = normalise(expected)
    parts, numbers, last = [], [], 0
    for match in _NUMBER_RE.finditer(text):
        parts.append(re.escape(text[last:match.start()]).replace(r"\ ", r"\s+"))
        parts.append(f"({NUMBER})")
        numbers.append(match.group())
        last = match.end()
    parts.append(re.escape(text[last:]).replace(r"\ ", r"\s+"))
    return re.compile("".join(parts)), numbers


def _value(text: str) -> float:
    return float(text.replace(",", ""))


def same_to_digits_shown(shown: str, actual: str) -> bool:
    """``actual`` equals ``shown`` to the last digit ``shown`` gives (half a unit in that place)."""
    try:
        want, got = _value(shown), _value(actual)
    except ValueError:
        return shown == actual
    mantissa, _, exponent = shown.replace(",", "").lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    unit = 10.0 ** ((int(exponent) if exponent else 0) - decimals)
    return math.isclose(want, got, rel_tol=0, abs_tol=0.5 * unit * (1 + 1e-9)) or want == got


def line_matches(expected: str, actual: str) -> bool:
    pattern, numbers = _pattern(expected)
    match = pattern.fullmatch(normalise(actual))
    return bool(match) and all(same_to_digits_shown(s, a) for s, a in zip(numbers, match.groups()))


def run_command(command: Command, cwd: Path, block: Block) -> str:
    words = shlex.split(command.text)
    where = f"{block.id} (line {command.line})"
    assert words and words[0] == "scalinglab", f"{where}: console blocks hold scalinglab commands only: {command.text}"
    bad = [w for w in words if w in SHELL or w.startswith("#")]
    assert not bad, f"{where}: shell syntax {bad} in a console block; put it in a ```bash block"
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "SCALINGLAB_CACHE": str(cwd / ".cache")}  # not ~/.cache
    proc = subprocess.run([sys.executable, "-m", "scalinglab", *words[1:]], cwd=cwd, capture_output=True,
                          text=True, timeout=240, env=env)
    shows_error = any(line.strip().startswith("error:") for line in command.expected)
    expected_code = 2 if shows_error else 0
    assert proc.returncode == expected_code, f"{where}: exit {proc.returncode}: {proc.stderr.strip()[-500:]}"
    return proc.stdout + proc.stderr


def _is_console(block: Block) -> bool:
    """```console blocks, and unlabelled blocks that open with a ``$ scalinglab`` command (transcripts too)."""
    first = next((line for _, line in block.body if line.strip()), "")
    return block.kind == "console" or (block.kind == "" and first.startswith("$ scalinglab"))


CONSOLE = [b for b in blocks() if _is_console(b)]
DOCTESTS = [b for b in blocks() if b.kind in ("python", "pycon") and any(">>>" in line for _, line in b.body)]


def test_the_docs_have_examples():
    assert len(CONSOLE) >= 10 and DOCTESTS


@pytest.mark.parametrize("block", CONSOLE, ids=lambda b: b.id)
def test_console_example(block, tmp_path):
    for command in commands(block):
        output = [line for line in run_command(command, tmp_path, block).splitlines() if line.strip()]
        missing = [line for line in command.expected if not any(line_matches(line, real) for real in output)]
        assert not missing, (f"{block.id}: `{command.text}` no longer prints:\n  " + "\n  ".join(missing)
                             + "\nit prints:\n  " + "\n  ".join(output[:60]))


@pytest.mark.parametrize("block", DOCTESTS, ids=lambda b: b.id)
def test_python_example(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = "\n".join(line for _, line in block.body)
    test = doctest.DocTestParser().get_doctest(text, {}, block.id, str(block.path), block.line)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0, f"{block.id}: {runner.failures} of {runner.tries} examples failed (output above)"


@pytest.mark.parametrize("shown, actual, ok", [
    ("1.9307", "1.930748101731648", True), ("1.9307", "1.9312", False), ("72.4B", "72.4B", True),
    ("3.15e+23", "3.1500000000000003e+23", True), ("3.15e+23", "3.16e+23", False), ("1,024", "1024", True),
])
def test_numbers_compare_to_the_digits_shown(shown, actual, ok):
    assert line_matches(f"x = {shown}", f"x  =  {actual}") is ok


def test_annotations_and_stale_figures_fail():
    assert not line_matches("│ 5.76e+23 │ 72.4B │ (compute, N)", "│ 5.76e+23 │ 72.4B │")
    assert not line_matches('"n_opt": 72.4', '"n_opt": 73.2')
