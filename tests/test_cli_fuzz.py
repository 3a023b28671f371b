"""Property-based fuzzing of the whole command line.

Every command and option is read from the Typer app itself (a command added later is fuzzed too) and
called in-process through ``scalinglab.cli.app.main`` with random and adversarial values: empty, huge,
negative, NaN, wrong unit kinds, "1,000", folders and unwritable paths given as files, non-UTF-8,
deeply nested or null YAML, foreign SQLite files. Whatever comes in:

* the exit code is 0 or 2 (130/143 are for signals, tested in test_signals.py; ``sweep status``
  exits 1 when it finds problems in a registry);
* nothing prints a traceback, and a failure is one ``error: ...`` line on stderr;
* no temporary file is left behind and no warning leaks;
* an exit-0 result is finite (no ``nan``/``inf`` printed) and inside physical bounds (utilisation and
  MFU at most 1, accuracies in [0, 1], losses above 0, sizes, costs and durations not negative, bytes
  per weight in [1/8, 8], memory per GPU within the GPU's memory, or within its capacity when it
  "fits", a batch within the most that fit);
* every option given was used: an option given with the value its case in ``tests/cli_options.py``
  shows working changes the ``--json`` output against the same call without it (the call exited 0;
  refusing it would have been exit 2). Options whose effect depends on the data (``CONTEXTUAL``) or that
  write files are left to their cases.

The values of an option are derived from its declaration: its type (int, float, text, flag, list), its
declared range (the bounds and one step past them) and what its name says it measures (a share of a
whole, bytes per value, a port); options naming known things (laws, files, columns) get those.
Derandomized (the same examples every run) and bounded: about a minute on 2 cores. ``benchmarks/fuzz.py``
draws many more examples with the same builder and checks and prints counts.
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cli_options import CONTEXTUAL, OPTIONS, commands, steady
from cli_options import invoke as _invoke
from scalinglab.datasets import read_bundled

#: Commands that train models, serve forever or write a whole report: covered by their own tests.
#: ``sweep run`` shares every planning option with ``sweep plan``, which is fuzzed.
NOT_FUZZED = {("sweep", "run"), ("demo",), ("serve",)}

MAX_EXAMPLES = int(os.environ.get("SCALINGLAB_FUZZ_EXAMPLES", "12"))

COMMANDS = [(path, command) for path, command in commands() if path not in NOT_FUZZED]


# -- the files the values point at ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return make_workspace(tmp_path_factory.mktemp("fuzz"))


def make_workspace(root: Path) -> Path:
    """The files the values point at, written into ``root``."""
    runs = read_bundled("chinchilla-runs")
    small = runs.iloc[::4]
    small.to_csv(root / "runs.csv", index=False)
    commas = small.astype(str).copy()
    commas[commas.columns[0]] = [f"{float(v):,.0f}" for v in small[small.columns[0]]]
    commas.to_csv(root / "commas.csv", index=False)
    text = small.astype(object).copy()
    text.iloc[3, -1] = "n/a"
    text.to_csv(root / "text.csv", index=False)
    (root / "empty.csv").write_bytes(b"")
    (root / "header.csv").write_text(",".join(small.columns) + "\n")
    (root / "latin1.csv").write_bytes("Model Size,Training FLOP,loss\n1e6,1e18,3.\xe9\n".encode("latin-1"))
    (root / "folder").mkdir()
    (root / "nested.yaml").write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    (root / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    (root / "null.yaml").write_text("name: null\nstart_year: null\nuntil: null\nfactors: null\n")
    (root / "duplicate.yaml").write_text("name: a\nname: b\nstart_year: 2025\nuntil: 2030\n")
    (root / "list.yaml").write_text("- 1\n- 2\n")
    for name, params in {"negative": {"E": -1.0, "A": 400.0, "B": 400.0, "alpha": 0.3, "beta": 0.3},
                         "nan": {"E": "NaN", "A": 400.0, "B": 400.0, "alpha": 0.3, "beta": 0.3},
                         "string": {"E": "x", "A": 400.0, "B": 400.0, "alpha": 0.3, "beta": 0.3},
                         "null": {"E": None, "A": 400.0, "B": 400.0, "alpha": 0.3, "beta": 0.3},
                         "zero": {"E": 1.7, "A": 0.0, "B": 400.0, "alpha": 0.0, "beta": 0.3}}.items():
        (root / f"fit-{name}.json").write_text(json.dumps({"family": "chinchilla", "params": params,
                                                           "law": {"family": "chinchilla", "params": params}}))
    (root / "fit-version.json").write_text(json.dumps({"format": "scalinglab-fit", "version": 999,
                                                       "family": "chinchilla", "params": {}}))
    (root / "fit-list.json").write_text("[1, 2]")
    (root / "broken.json").write_text("{not json")
    with sqlite3.connect(root / "foreign.sqlite") as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    (root / "empty.sqlite").write_bytes(b"")
    (root / "damaged.sqlite").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 16)
    (root / "file.txt").write_text("not a folder\n")
    return root


# -- values ---------------------------------------------------------------------------------------------
QUANTITIES = ["70B", "1.4T", "5.76e23", "6e23", "-1", "0", "nan", "inf", "1e400", "", "1,000", "21 days",
              "$10M", "0.4", "40%", "abc", "\x00", "0.3 to 0.5", "5 to 1", "1e2,1e3", "💥"]
PATHS = ["{w}/out.json", "{w}/chart.png", "{w}/chart.html", "{w}/folder", "{w}/file.txt/x.json", "/proc/x.png",
         "{w}/new/sub/out.csv", "{w}/runs.csv", "", "{w}/chart.txt"]
KNOWN = {
    "RUNS": ["chinchilla", "{w}/runs.csv", "{w}/commas.csv", "{w}/text.csv", "{w}/empty.csv", "{w}/header.csv",
             "{w}/latin1.csv", "{w}/folder", "{w}/missing.csv", "misfitting-lr-sweep", ""],
    "DATASET": ["notable-models", "ml-hardware", "{w}/runs.csv", "{w}/empty.csv", "{w}/folder", "nope"],
    "NAME": ["hoffmann2022", "chinchilla", "h100-sxm", "scaling-picture", "{w}/nested.yaml", "{w}/latin1.yaml",
             "{w}/null.yaml", "{w}/duplicate.yaml", "{w}/list.yaml", "{w}/folder", "nope", ""],
    "SCENARIOS": ["scaling-picture", "epoch-trends", "gpu-supply", "{w}/nested.yaml", "{w}/null.yaml",
                  "{w}/duplicate.yaml", "{w}/latin1.yaml", "nope"],
    "--scenario": ["scaling-picture", "epoch-trends", "exponential-view", "{w}/nested.yaml", "{w}/latin1.yaml",
                   "{w}/null.yaml", "{w}/duplicate.yaml", "{w}/list.yaml", "{w}/folder", "nope", ""],
    "--law": ["chinchilla", "hoffmann2022", "kaplan2020", "muennighoff2023", "hoffmann2022-approach3", "power",
              "sigmoid", "data-constrained", "{w}/fit-negative.json", "{w}/fit-nan.json", "{w}/fit-string.json",
              "{w}/fit-null.json", "{w}/fit-zero.json", "{w}/fit-version.json", "{w}/fit-list.json",
              "{w}/broken.json", "{w}/folder", "nope", ""],
    "--base": ["hoffmann2022", "{w}/fit-negative.json", "{w}/broken.json", "nope"],
    "--gpu": ["h100-sxm", "a100-80gb", "v100", "nope", ""],
    "--model": ["gpt3-175b", "nope", ""],
    "--config": ["gpt3-175b", "nope", ""],
    "--x": ["n", "d", "c", "q", "1e9", ""],
    "--estimator": ["fast", "hoffmann", "nope"],
    "--objective": ["huber", "squares", "asymmetric", "nope"],
    "--duplicates": ["keep", "mean", "min", "error", "nope"],
    "--basis": ["cloud", "owned", "nope"],
    "--precision": ["bf16", "fp8", "fp32", "fp4", "nope"],
    "--method": ["chinchilla", "kaplan", "6nd", "nope"],
    "--flops-method": ["6nd", "kaplan", "chinchilla", "nope"],
    "--flops": ["6nd", "chinchilla", "kaplan", "3.14e23", "1e400", "nope", "21 days", "-1"],
    "--positions": ["rotary", "learned", "nope"],
    "--device": ["cpu", "auto", "nope"],
    "--preset": ["tiny", "small", "nope"],
    "--corpus": ["demo", "{w}/empty.csv", "{w}/latin1.csv", "{w}/folder", "{w}/missing.txt"],
    "--tokenizer": ["byte", "bpe:0", "bpe:-1", "nope"],
    "--budgets": ["1e9,2e9", "1e15..1e17:5", "1e17..1e15", "0", "nan", "", "1e9..1e9"],
    "--where": ["loss > 2", "nope ==", "`Model Size` > 1e9", "loss > 100"],
    "--y": ["Training compute (FLOP)", "Parameters", "nope", ""],
    "--since": ["2010", "2020-01-01", "abc", "3000", ""],
    "--until": ["2030", "2040", "2010", "3000", "-1", "0", "abc", "2026-01-01"],
    "--milestone": ["spending >= $10B", "compute >= 1e28", "loss <= 1.8", "loss <= -1", "nope", ""],
    "--db": ["{w}/runs.sqlite", "{w}/foreign.sqlite", "{w}/empty.sqlite", "{w}/damaged.sqlite", "{w}/folder",
             "{w}/missing.sqlite", "{w}/runs.csv"],
    "--name": ["s", "", "nope"],
    "--at": ["7B:140B", "70B:1.4T", "1e9:2e10", "-7B:140B", "7B", "nan:1", "1e400:1", ""],
    "--accuracy-col": ["loss", "Model Size", "nope", ""],
}
for _col in ("--n-col", "--d-col", "--c-col", "--loss-col", "--u-col", "--budget-col", "--group-col",
             "--rank-by", "--date-column", "--domain-column"):
    KNOWN[_col] = ["Model Size", "Training FLOP", "loss", "nope", ""]
for _out in ("--save", "--plot", "--out"):
    KNOWN[_out] = PATHS


HUGE_INT = str(10**400)
INTS = ["-1", "0", "1", "2", "7", "1000000", "9007199254740993", HUGE_INT, "1e3", "abc", ""]
FLOATS = ["-1", "0", "1e-9", "0.125", "0.5", "1", "1.0000001", "8", "8.5", "nan", "inf", "-inf", "1e400", "1e-320",
          "", "1,000", "abc"]
#: What an option's name says it measures -> values at the edges of that domain.
NAMED_DOMAINS = {
    ("mfu", "fraction", "efficiency", "goodput", "utilisation", "level", "overhead"): ["0", "1e-9", "0.5", "1",
                                                                                      "1.0000001", "1.5"],
    ("bytes",): ["0.1", "0.125", "0.5", "1", "8", "8.1", "1e-9"],
    ("port",): ["0", "1", "65535", "65536", "70000", "-1"],
}


def _declared_values(param, leaf) -> list[str]:
    """Values at and one step past the option's declared range (Typer's min/max)."""
    info = param.type_descriptor.parameter_info
    values = []
    for bound, step in ((getattr(info, "min", None), -1), (getattr(info, "max", None), 1)):
        if bound is not None:
            values += [str(bound), str(bound + step if leaf is int else bound + step * 1e-9)]
    return values


def _pool(param, path=()) -> list[str]:
    """The values to try for ``param``, derived from its declaration (see the module docstring), and the
    value its case in ``tests/cli_options.py`` shows working."""
    key = param.opts[0] if param.param_type_name == "option" else param.name.upper()
    case = OPTIONS.get(path, {}).get(key)
    working = [case.value] if case is not None and case.expect == "changes" and case.value and "{" not in case.value \
        else []
    if key in KNOWN:
        return KNOWN[key] + working
    annotation = param.type_descriptor.annotation
    leaf = next((t for t in (int, float) if annotation is t or t.__name__ in str(annotation)), None)
    if leaf is None:
        return QUANTITIES
    named = [v for words, values in NAMED_DOMAINS.items() if any(w in param.name for w in words) for v in values]
    return list(dict.fromkeys(_declared_values(param, leaf) + named + (INTS if leaf is int else FLOATS) + working))


#: A valid call of each command that needs more than its required options: half the fuzzed calls start
#: from it and add random options, so that exit 0 with odd values is common enough to check.
VALID = {
    ("predict",): ["--law", "hoffmann2022", "--params", "70B", "--tokens", "1.4T"],
    ("flops",): ["--params", "70B", "--tokens", "1.4T"],
    ("plan",): ["--compute", "1e23"],
    ("cost",): ["--compute", "1e23", "--gpus", "1024"],
    ("budget",): ["--dollars", "$10M", "--gpu", "h100-sxm"],
    ("memory",): ["--config", "llama3-8b"],
    ("inference", "roofline"): ["--config", "llama3-8b"],
    ("inference", "plan"): ["--inference-tokens", "2T", "--compute", "1e23"],
    ("fit",): ["{w}/runs.csv"],
    ("isoflop",): ["marin-isoflop"],
    ("forecast",): ["--scenario", "scaling-picture", "--samples", "500"],
    ("sensitivity",): ["--scenario", "scaling-picture", "--milestone", "spending >= $10B", "--samples", "256"],
    ("compare",): ["scaling-picture", "epoch-trends", "--samples", "500"],
}


def build_argv(path, command, choose, count) -> list[str]:
    """One command line for ``command``: ``choose(values)`` picks one value, ``count(lo, hi)`` a number
    (Hypothesis's draws in the test, a seeded ``random.Random`` in ``benchmarks/fuzz.py``)."""
    options = [p for p in command.params if p.param_type_name == "option" and p.name not in ("help",)]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    forced: list[str] = []
    if path == ("sweep", "plan"):  # never time steps; one shared corpus cache
        forced = ["--no-estimate"]
        options = [p for p in options if p.name not in ("cache_dir", "estimate")]
    argv = list(path)
    valid = VALID.get(path) if count(0, 1) else None
    if valid:
        argv += valid
        given = set(valid)
        options = [p for p in options if not given & {*p.opts, *p.secondary_opts}]
        arguments = []
    for argument in arguments:
        argv += [choose(_pool(argument)) for _ in range(count(1, 3) if argument.nargs == -1 else 1)]
    optional = [p for p in options if not p.required]
    chosen = [p for p in options if p.required]
    for _ in range(count(0, 4) if optional else 0):
        option = choose(optional)
        if option not in chosen:
            chosen.append(option)
    for option in chosen:
        if option.is_flag:
            argv.append(choose([option.opts[0], *option.secondary_opts]))
        else:
            argv += [option.opts[0], choose(_pool(option, path))]
    return argv + forced


def _argv_strategy(path, command):
    @st.composite
    def build(draw):
        return build_argv(path, command, lambda values: draw(st.sampled_from(values)),
                          lambda lo, hi: draw(st.integers(lo, hi)))

    return build()


_NOT_FINITE = re.compile(r"(?<![\w.])[-+]?(nan|inf)(?![\w])", re.IGNORECASE)
#: JSON keys whose numbers are shares of a whole.
_SHARES = ("mfu", "utilisation", "utilization", "goodput")
#: JSON keys whose numbers cannot be negative.
_SIZES = ("flops", "params", "tokens", "dollars", "cost", "days", "hours", "seconds", "energy", "kwh", "co2",
          "gpus", "samples", "loss", "price")


def _check_numbers(value, key: str = "") -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _check_numbers(v, str(k).lower())
    elif isinstance(value, list):
        for v in value:
            _check_numbers(v, key)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        assert isinstance(value, int) or math.isfinite(value), (key, value)  # an int is exact (a seed may be huge)
        if any(s in key for s in _SHARES) and "%" not in key:
            assert 0 <= value <= 1, (key, value)
        if key in ("accuracy", "predicted_accuracy"):
            assert 0 <= value <= 1, (key, value)
        if key in ("loss", "loss_min", "predicted_loss", "final_loss", "target_loss"):
            assert value > 0, (key, value)
        if key in ("weight_bytes", "kv_bytes"):
            assert 1 / 8 <= value <= 8, (key, value)
        if any(key == s or key.endswith("_" + s) or key.startswith(s + "_") for s in _SIZES) and "log" not in key \
                and "change" not in key and "residual" not in key:
            assert value >= 0, (key, value)


def _check_physics(value) -> None:
    """Bounds between numbers of one result: what "fits" fits, a batch within the most that fit."""
    if isinstance(value, dict):
        if value.get("fits") is True and "total_bytes" in value and "capacity_bytes" in value:
            assert value["total_bytes"] <= value["capacity_bytes"], value
        if "batch" in value and "max_batch" in value:
            assert value["batch"] <= value["max_batch"], (value["batch"], value["max_batch"])
        capacity = (value.get("assumptions") or {}).get("memory_per_gpu") if isinstance(value.get("assumptions"), dict) else None
        if capacity is not None and "memory_per_gpu_bytes" in value:
            assert value["memory_per_gpu_bytes"] <= capacity, (value["memory_per_gpu_bytes"], capacity)
        if isinstance(value.get("accelerator"), str) and "memory_per_gpu_bytes" in value:
            hbm = _memory_of(value["accelerator"])
            assert hbm is None or value["memory_per_gpu_bytes"] <= hbm, (value["memory_per_gpu_bytes"], hbm)
        for item in value.values():
            _check_physics(item)
    elif isinstance(value, list):
        for item in value:
            _check_physics(item)


def _memory_of(accelerator: str) -> float | None:
    """The catalogue's memory per GPU, in bytes."""
    from scalinglab.compute.hardware import get_accelerator

    return get_accelerator(accelerator).memory_bytes


def _unused_option(path, command, argv: list[str], out: str) -> str | None:
    """The first option in ARGV given with its working value (its case in ``tests/cli_options.py``) whose
    removal leaves the ``--json`` output unchanged, or None."""
    cases = OPTIONS.get(path, {})
    flags = {flag: p for p in command.params if p.param_type_name == "option" for flag in (*p.opts, *p.secondary_opts)}
    i = len(path)
    while i < len(argv):
        param = flags.get(argv[i])
        width = 0 if param is None else 1 if param.is_flag else 2
        case = cases.get(param.opts[0]) if param is not None else None
        if case is not None and case.expect == "changes" and not case.base_varies and param.opts[0] not in CONTEXTUAL and \
                (argv[i + 1] if width == 2 else argv[i] if case.value else None) == case.value:
            code, again, _, _ = _invoke(argv[:i] + argv[i + width:])
            if code == 0 and steady(again) == steady(out):
                return " ".join(argv[i:i + width])
        i += max(width, 1)
    return None


def _temporary_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".tmp")]


@pytest.mark.slow
@pytest.mark.parametrize("path,command", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_exits_0_or_2_with_one_line_and_sane_results(path, command, workspace):
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(argv=_argv_strategy(path, command), as_json=st.booleans())
    def check(argv, as_json):
        code, problem, shown = run_and_judge(path, command, argv, as_json, workspace)
        assert problem is None, f"{problem}\n{shown}"

    check()


#: A number printed with more significant digits than a person reads ("got -1818181818181.818").
_RAW_NUMBER = re.compile(r"(?<![\w.'])-?\d{10,}\.\d+|(?<![\w.'])-?\d\.\d{12,}")


def run_and_judge(path, command, argv, as_json, workspace) -> tuple[object, str | None, str]:
    """Run ``scalinglab ARGV`` in this process in ``workspace``; (exit code, the first property it breaks
    or None, a description of the call)."""
    argv = [a.replace("{w}", str(workspace)) for a in argv]
    if as_json and any(p.name == "as_json" for p in command.params):
        argv.append("--json")
    if path == ("sweep", "plan"):
        argv += ["--cache-dir", str(workspace / "cache")]
    before = os.getcwd()
    os.chdir(workspace)
    try:
        code, out, err, caught = _invoke(argv)
    finally:
        os.chdir(before)
    shown = f"scalinglab {' '.join(map(repr, argv))}\nexit {code}\nstdout: {out[-2000:]}\nstderr: {err[-4000:]}"
    lines = [line for line in err.splitlines() if line.strip()]
    leaked = [str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning)]
    if code == "traceback" or "Traceback" in err:
        return code, "traceback", shown
    if not (code in (0, 2) or (code == 1 and path == ("sweep", "status"))):  # status: 1 = problems found
        return code, f"exit code {code}", shown
    if "np.float64(" in err or "np.int64(" in err:
        return code, "numpy repr in a message", shown
    if code == 2 and not (len(lines) == 1 and lines[0].startswith("error: ")):
        return code, "error not one line", shown
    if code == 2 and _RAW_NUMBER.search(lines[0]):
        return code, "raw number in a message", shown
    if leaked:
        return code, f"warning leaked: {leaked[0][:200]}", shown
    if _temporary_files(workspace):
        for left in _temporary_files(workspace):
            left.unlink()
        return code, "temporary file left", shown
    if code == 0:
        if "--json" in argv and out.strip():
            try:
                data = json.loads(out)
                _check_numbers(data)
                _check_physics(data)
            except (AssertionError, OverflowError) as error:
                return code, f"number out of bounds {error}", shown
            except ValueError:
                return code, "--json printed something that is not JSON", shown
            os.chdir(workspace)
            try:
                unused = _unused_option(path, command, argv, out)
            finally:
                os.chdir(before)
            if unused:
                return code, f"option {unused} changed nothing", shown
        elif _NOT_FINITE.search(out):
            return code, "non-finite number printed", shown
    return code, None, shown
