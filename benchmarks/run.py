"""Run every benchmark in this folder and print one table.

Each ``bench_*.py`` module defines ``BENCHMARKS``: a list of ``Benchmark`` records (name, a
zero-argument callable, repeats, and the target it is measured against). Usage:

    python benchmarks/run.py [--only SUBSTRING] [--json]

``--only "max RSS"`` runs the memory benchmarks of real commands (bench_memory.py, several minutes).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Benchmark:
    name: str
    func: object
    repeats: int = 3
    target: str = ""
    target_seconds: float | None = None


def _load_modules():
    for path in sorted(HERE.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
        yield path.stem, module


def run(only: str | None = None) -> list[dict]:
    results = []
    for module_name, module in _load_modules():
        for bench in module.BENCHMARKS:
            if only and only not in bench.name:
                continue
            times = []
            note = ""
            for _ in range(bench.repeats):
                start = time.perf_counter()
                out = bench.func()
                times.append(time.perf_counter() - start)
                if isinstance(out, str):
                    note = out
            best = min(times)
            ok = None if bench.target_seconds is None else best <= bench.target_seconds
            results.append({"module": module_name, "name": bench.name, "best_s": best, "median_s": sorted(times)[len(times) // 2],
                            "repeats": bench.repeats, "target": bench.target, "meets_target": ok, "note": note})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run benchmarks whose name contains this text")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    results = run(args.only)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"scalinglab benchmarks ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)")
    for column in ("benchmark", "best (s)", "median (s)", "runs", "target", "meets", "note"):
        table.add_column(column, justify="left" if column in ("benchmark", "target", "note") else "right")
    for r in results:
        meets = "-" if r["meets_target"] is None else ("yes" if r["meets_target"] else "NO")
        table.add_row(r["name"], f"{r['best_s']:.3f}", f"{r['median_s']:.3f}", str(r["repeats"]), r["target"], meets, r["note"])
    Console().print(table)


if __name__ == "__main__":
    main()
