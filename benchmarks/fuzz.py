"""A long fuzzing run of the whole command line, with counts.

The same command-line builder and the same checks as ``tests/test_cli_fuzz.py`` (values derived from
each option's declaration and its working value in ``tests/cli_options.py``; exit 0 or 2, one error
line, no traceback, no leaked warning or temporary file, finite numbers within their physical bounds,
every option given with its working value used), but many more examples, drawn with a seeded
``random.Random`` and run until the time is up. It prints, per command, how many calls exited 0 and 2
and how many broke a property (a call past ``--call-seconds`` counts as broken), then one example of each
kind of failure. Usage:

    python benchmarks/fuzz.py [--seconds 300] [--seed 0] [--only memory] [--call-seconds 60]

Exit status 1 when any call broke a property.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_cli_fuzz as fuzz  # noqa: E402 - the test module holds the builder and the checks


class SlowCall(BaseException):
    """Raised in a call that runs past --call-seconds."""


def _too_slow(signum, frame):
    raise SlowCall()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="Wall-clock time to fuzz for.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="Fuzz only commands whose name contains this.")
    parser.add_argument("--call-seconds", type=int, default=60, help="A call running longer is stopped and counted.")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, _too_slow)
    rng = random.Random(args.seed)
    commands = [(path, command) for path, command in fuzz.COMMANDS if args.only in " ".join(path)]
    counts: dict[str, Counter] = defaultdict(Counter)
    examples: dict[str, str] = {}
    workspace = fuzz.make_workspace(Path(tempfile.mkdtemp(prefix="scalinglab-fuzz-")))
    deadline = time.monotonic() + args.seconds
    calls = 0
    while time.monotonic() < deadline:
        path, command = commands[calls % len(commands)]
        argv = fuzz.build_argv(path, command, rng.choice, rng.randint)
        signal.alarm(args.call_seconds)
        try:
            code, problem, shown = fuzz.run_and_judge(path, command, argv, rng.random() < 0.5, workspace)
        finally:
            signal.alarm(0)
        if "SlowCall" in shown:
            problem = f"slower than {args.call_seconds} s"
        name = " ".join(path)
        counts[name][f"exit {code}"] += 1
        if problem is not None:
            counts[name]["broken"] += 1
            kind = problem.split(" (")[0][:60]
            examples.setdefault(f"{name}: {kind}", shown)
        calls += 1
    width = max(len(name) for name in counts)
    print(f"{calls:,} calls in {args.seconds:.0f} s (seed {args.seed})")
    print(f"{'command':<{width}}  {'calls':>6}  {'exit 0':>6}  {'exit 2':>6}  {'other':>6}  {'broken':>6}")
    for name in sorted(counts):
        c = counts[name]
        total = sum(v for k, v in c.items() if k.startswith("exit"))
        other = total - c["exit 0"] - c["exit 2"]
        print(f"{name:<{width}}  {total:>6}  {c['exit 0']:>6}  {c['exit 2']:>6}  {other:>6}  {c['broken']:>6}")
    broken = sum(c["broken"] for c in counts.values())
    print(f"broken: {broken} of {calls:,} calls, {len(examples)} kinds")
    for kind, shown in examples.items():
        command_line, rest = shown.split("\n", 1)
        print(f"\n--- {kind}\n{command_line}\n...{rest[-800:]}")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
