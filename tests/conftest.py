"""Shared test fixtures: the CLI runner that checks exit codes and stderr like a user sees them."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass

import pytest


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


def _run(*args: str, timeout: float = 300, env: dict | None = None) -> CliResult:
    """Run ``scalinglab ARGS`` in a fresh interpreter (exactly as a user would) and capture everything."""
    proc = subprocess.run([sys.executable, "-m", "scalinglab", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return _run


def assert_user_error(result: CliResult, *fragments: str) -> None:
    """Exit code 2, exactly one line on stderr containing every fragment, no traceback."""
    assert result.code == 2, (result.code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), (fragment, lines[0])
