"""The local executor's results for a sweep's arguments: what every other executor must reproduce."""

from __future__ import annotations

import json
import subprocess
import sys


def local_sweep(args: tuple[str, ...], root, *, at_least: int) -> tuple[dict, object]:
    """Run ``scalinglab ARGS`` with the local executor under ``root``: ({key: (loss, train_loss)}, cache dir)."""
    proc = subprocess.run([sys.executable, "-m", "scalinglab", *args, "--out", str(root / "out"), "--cache-dir",
                           str(root / "cache")], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    runs = json.loads(proc.stdout)["runs"]
    assert len(runs) >= at_least
    return {r["key"]: (r["loss"], r["train_loss"]) for r in runs}, root / "cache"


def sweep_result(proc) -> dict:
    """Wait for a ``sweep run --json`` process (killing it if the wait fails) and return its JSON."""
    try:
        out, err = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    return json.loads(out)
