"""Start-up of the same commands in two trees: an earlier revision against the working tree.

    python benchmarks/compare_startup.py 3c83ea5

Each command runs as a whole process (``python -m scalinglab ARGS``) with the tree's ``src`` first on
``PYTHONPATH``, 9 times after one warm-up run (bytecode caches written); the table shows the median of
each and their ratio, the figure the start-up targets are stated in.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (["--help"], ["plan", "--compute", "1e24", "--json"],
            ["fit", "chinchilla-runs", "--drop-highest-loss", "5", "--json"],
            ["cost", "--compute", "3.8e25", "--gpu", "h100", "--gpus", "16384", "--json"])


def median_seconds(src: Path, args: list[str], runs: int = 9) -> float:
    env = dict(os.environ, PYTHONPATH=str(src))
    command = [sys.executable, "-m", "scalinglab", *args]
    subprocess.run(command, env=env, capture_output=True, check=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(revision: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", folder, revision], check=True,
                       capture_output=True)
        try:
            print(f"{'command':48s} {revision:>10s}   now      ratio")
            for args in COMMANDS:
                before, now = median_seconds(Path(folder) / "src", args), median_seconds(ROOT / "src", args)
                print(f"{' '.join(args)[:48]:48s} {before:9.3f}s {now:7.3f}s  x{now / before:.2f}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", folder], capture_output=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "HEAD~1")
