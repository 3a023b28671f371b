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


def sigkill_when(args, ready, what: str, timeout: float = 240) -> None:
    """Start ``scalinglab ARGS``, wait until ``ready()`` holds, then SIGKILL it (fails if it ends first
    or ``ready`` never holds)."""
    import os
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "scalinglab", *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if ready():
                return
            assert proc.poll() is None, f"the command ended before {what}"
            time.sleep(0.05)
        pytest.fail(f"the command never reached {what}")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
