"""Every option of every command, with a call that shows what it does.

``OPTIONS[command][flag]`` is a :class:`Case`: a value for the option and, when the command's
``BASELINES`` call is not the place where the option matters, the call it is added to. Adding the
option must change what the command prints (``--json`` where it has it), or the command must refuse it
with one line naming the flag (``refused``: something else in the call makes it meaningless), or, for
options that write files, write the file (``writes``). ``tests/test_cli_options.py`` runs every case;
``tests/test_cli_fuzz.py`` uses the same values to check that options given at random are used.

Calls run in this process through ``scalinglab.cli.app.main`` in a workspace of small files
(:func:`make_files`); ``{w}`` in an argument stands for that folder.
"""

from __future__ import annotations

import contextlib
import io
import json
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import typer


@dataclass(frozen=True)
class Case:
    """How one option is seen to work: ``value`` (None for a flag, or the flag's other spelling) added to
    ``base`` (the command's baseline when empty); ``expect`` is ``changes``, ``refused``, ``changes or
    refused`` (what it does depends on the machine, e.g. a CUDA device) or ``writes`` (``value`` is then
    the file, which must exist afterwards)."""

    value: str | None = None
    base: tuple[str, ...] = ()
    expect: str = "changes"
    #: Why the option cannot be exercised here, and the test that covers it (``expect == "elsewhere"``).
    covered_by: str = ""
    #: With ``writes``: the files it writes (a glob) when ``value`` is not the file.
    written: str = ""
    #: The baseline prints different output each time (measured times): not compared with itself.
    base_varies: bool = False


def changes(value=None, *base):
    return Case(value, tuple(base))


def refused(value=None, *base):
    return Case(value, tuple(base), "refused")


def writes(value, *base):
    return Case(value, tuple(base), "writes")


def elsewhere(test: str):
    return Case(expect="elsewhere", covered_by=test)


# -- the files the calls read ----------------------------------------------------------------------------
def _chinchilla(n, d):
    """Hoffmann et al. (2022), eq. 10 and Approach 3's constants: L = E + A/N^alpha + B/D^beta."""
    return 1.69 + 406.4 / n ** 0.34 + 410.7 / d ** 0.28


def runs_frame() -> pd.DataFrame:
    """A small IsoFLOP grid (4 budgets x 7 sizes) with losses from Chinchilla's law and 0.3% noise, two
    families for ``--group-by``, second columns for the column options, unique tokens below D, and one
    repeated (N, D) setting."""
    rng = np.random.default_rng(0)
    rows = []
    for budget in (1e17, 3e17, 1e18, 3e18):
        centre = (budget / 120) ** 0.5
        for i, n in enumerate(centre * np.logspace(-0.9, 0.9, 7)):
            d = budget / (6 * n)
            loss = _chinchilla(n, d) * np.exp(rng.normal(0, 0.003))
            rows.append({"params": n, "tokens": d, "flops": 6 * n * d, "loss": loss, "budget": budget,
                         "family": "ab"[i % 2], "params2": 1.5 * n, "tokens2": 0.7 * d, "flops2": 7.2 * n * d,
                         "loss2": loss * np.exp(rng.normal(0, 0.02)), "unique": d / 4, "step": 1})
    rows.append({**rows[3], "loss": rows[3]["loss"] * 1.01})
    return pd.DataFrame(rows)


def curves_frame() -> pd.DataFrame:
    """Two learning curves of 24 points: a power law in tokens with 0.2% noise; a held-out flag and a
    split column for the held-out options."""
    rng = np.random.default_rng(1)
    rows = []
    for run, (a, alpha) in {"r1": (30.0, 0.2), "r2": (60.0, 0.25)}.items():
        for i, x in enumerate(np.logspace(6, 10, 24)):
            loss = (1.6 + a / x ** alpha) * np.exp(rng.normal(0, 0.002))
            rows.append({"run": run, "tokens": x, "steps": x / 1000 * (1 + i % 3), "loss": loss,
                         "loss2": loss * 1.05, "heldout": int(i >= 20), "mark": "h" if i >= 16 else "t",
                         "split": "train" if i < 18 else "test", "part": "a" if i < 22 else "b"})
    rows.append({**rows[5]})
    return pd.DataFrame(rows)


def ladder_frame() -> pd.DataFrame:
    """A 24-run ladder as in tests/test_fit_task.py: loss from a Chinchilla law, accuracy
    0.25 + 0.7 sigma(6 (2.9 - L)) with 0.01 noise, a task loss and a second accuracy column."""
    rng = np.random.default_rng(2)
    rows = []
    for n in np.logspace(7.5, 9.0, 6):
        for ratio in (5, 10, 20, 40):
            loss = _chinchilla(n, ratio * n) * np.exp(rng.normal(0, 0.005))
            acc = float(np.clip(0.25 + 0.7 / (1 + np.exp(-6 * (2.9 - loss))) + rng.normal(0, 0.01), 0, 1))
            rows.append({"params": n, "tokens": ratio * n, "flops": 6.0 * n * ratio * n, "loss": loss,
                         "params2": 2 * n, "tokens2": 0.5 * ratio * n, "flops2": 3.0 * n * ratio * n,
                         "acc": acc, "acc2": float(np.clip(acc * 0.9, 0, 1)), "bpb": loss * 0.4 + rng.normal(0, 0.01),
                         "big": "yes" if n > 3e8 else "no"})
    rows.append({**rows[0]})
    return pd.DataFrame(rows)


def make_registry(path: Path, *, finished: int = 1) -> None:
    """A registry with two sweeps of one planned grid, with ``finished`` and 1 finished runs."""
    from scalinglab.store import RunsRegistry
    from scalinglab.sweep.planner import plan_sweep

    plan = plan_sweep([1e10, 2e10], steps=50, vocab_size=257, n_ctx=64, seeds=(0,)).to_dict()
    def finish(name, run):
        history = [{"step": s, "tokens": s * run["n_tokens"] // 50, "flops": s * run["flops"] / 50, "lr": 1e-3,
                    "train_loss": 3.0 - s / 100, "val_loss": 3.1 - s / 100, "elapsed_s": 0.1 * s} for s in (10, 25, 50)]
        result = {"tokens": run["n_tokens"], "flops": run["flops"], "final_loss": 2.6, "final_train_loss": 2.5,
                  "wall_seconds": 1.0, "train_seconds": 0.9, "tokens_per_second": 1e5, "flops_per_second": 1e10,
                  "mfu": None, "device": "cpu", "device_name": "test", "torch_version": "x", "history": history}
        db.start_run(name, run["key"], executor="local")
        db.finish_run(name, run["key"], result)

    with RunsRegistry(path) as db:
        for name in ("first", "second"):
            db.open_sweep(name, plan, {"corpus_hash": "abc" * 10, "source": "test"})
        for run in plan["runs"][:finished]:
            finish("first", run)
        for run in plan["runs"][-2:]:
            finish("second", run)


def make_files(root: Path) -> Path:
    """The tables, the registry and the folders the cases read, written into ``root``."""
    runs = runs_frame()
    runs.to_csv(root / "runs.csv", index=False)
    _with_a_gap(runs, "loss").to_csv(root / "missing.csv", index=False)
    runs.iloc[::4].to_csv(root / "small.csv", index=False)
    runs[~((runs.budget == 1e17) & (runs.params < runs.params[3]))].to_csv(root / "outside.csv", index=False)
    rng = np.random.default_rng(3)
    runs.drop(columns=["tokens", "budget"]).assign(
        bucket=runs.budget, flops=runs.flops * np.exp(rng.normal(0, 0.05, len(runs)))).to_csv(
        root / "nobudget.csv", index=False)
    for name, rows in (("candidates", runs.iloc[::3]), ("candidates2", runs.iloc[1::3])):
        rows[["params", "tokens", "params2", "unique"]].mul(1.2).rename(columns={"unique": "unique_tokens"}).assign(
            cost=lambda f: 6 * f.params * f.tokens).to_csv(root / f"{name}.csv", index=False)
    pd.DataFrame({"params": [7e10], "tokens": [1.4e12]}).to_csv(root / "targets.csv", index=False)
    curve = curves_frame().query("run == 'r1'").iloc[::2].reset_index(drop=True)
    curve = curve.assign(heldout=(curve.index >= 9).astype(int), mark=np.where(curve.index >= 8, "h", "t"),
                         split=(curve.index < 9).astype(int), part=np.where(curve.index < 6, "a", "b"))
    pd.concat([curve, curve.iloc[[2]]]).to_csv(root / "curve.csv", index=False)
    ladder = ladder_frame()
    ladder.to_csv(root / "ladder.csv", index=False)
    ladder.drop(columns=["tokens"]).to_csv(root / "ladder-c.csv", index=False)
    _with_a_gap(ladder.iloc[:-1], "loss").to_csv(root / "ladder-missing.csv", index=False)
    checkpoints_frame().to_csv(root / "checkpoints.csv", index=False)
    years = np.arange(2000, 2024, 0.5)
    pd.DataFrame({"date": years, "when": years + 3, "compute": 1e18 * 2.0 ** (years - 2000) * (1 + (years % 2)),
                  "domain": np.where(years % 1 == 0, "a", "b"), "area": np.where(years < 2012, "a", "b")}).to_csv(
        root / "trend.csv", index=False)
    text = "".join(f"line {i}: the quick brown fox jumps over the lazy dog {i * i}\n" for i in range(20_000))
    lines = [json.dumps({"text": line, "body": line[::-1]}) + "\n" for line in text.splitlines()]
    (root / "corpus.jsonl").write_text("".join(lines))
    (root / "corpus-small.jsonl").write_text("".join(lines[:3000]))
    make_registry(root / "runs.sqlite")
    make_registry(root / "other.sqlite", finished=2)
    (root / "empty.sqlite").write_bytes(b"")
    (root / "tables").mkdir()
    (root / "cache").mkdir()
    for args in (["--formula", "E + A / N^alpha + B / D^beta", "--var", "N", "--var", "D", "--save", "formula-fit.json"],
                 ["--formula", "E + A / N^alpha + B / (D^beta * K^gamma)", "--var", "N", "--var", "D", "--var", "K=step",
                  "--param", "gamma=0.1:0.1:0.1", "--save", "formula-k.json"],
                 ["--law", "power", "--save", "power-fit.json"]):
        args[-1] = str(root / args[-1])
        code, _, err, _ = invoke(["fit", str(root / "runs.csv"), *args])
        assert code == 0, err
    return root


def checkpoints_frame() -> pd.DataFrame:
    """Five runs of sizes 10M-160M, each evaluated at 8 points up to 40 tokens per parameter of the
    largest (losses from Chinchilla's law): IsoFLOP Approach 1's lower envelope."""
    rows = []
    for n in (1e7, 2e7, 4e7, 8e7, 1.6e8):
        for d in np.logspace(8.5, 11, 8):
            rows.append({"params": n, "tokens": d, "flops": 6 * n * d, "loss": _chinchilla(n, d), "model": f"m{n:.0e}"})
    return pd.DataFrame(rows)


def _with_a_gap(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    gap = frame.astype(object)
    gap.loc[5, column] = None
    return gap


#: Options whose effect depends on the data or on other options in a way a random call does not
#: arrange (a filter that keeps every row, duplicates in a table without any, a seed with nothing random,
#: an interval level with no interval, a column that holds the same numbers): their cases above show
#: them working; the fuzz does not ask them to change every output.
CONTEXTUAL = {"--where", "--duplicates", "--drop-missing", "--c-note", "--keep-outside", "--min-runs", "--seed",
              "--level", "--samples", "--bootstrap"}


# -- one call, in this process ---------------------------------------------------------------------------
def invoke(argv: list[str]) -> tuple[object, str, str, list]:
    """``scalinglab ARGV`` in this process: (exit code or "traceback", stdout, stderr, warnings)."""
    from scalinglab.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            main(argv)
            code: object = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        except BaseException:  # noqa: BLE001 - what the callers' properties forbid
            code = "traceback"
            err.write(traceback.format_exc())
    return code, out.getvalue(), err.getvalue(), list(caught)


#: Keys whose numbers are measured (times, throughputs, the machine): equal calls print different ones.
MEASURED = ("seconds", "wall_seconds", "train_seconds", "elapsed_s", "tokens_per_second", "flops_per_second", "mfu",
            "node")


def steady(text: str) -> str:
    """``--json`` output with every measured number replaced by ``"measured"`` (null stays null), so that
    equal calls compare equal; other output unchanged."""
    def walk(value, key=""):
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        return "measured" if key in MEASURED and value is not None else value

    try:
        return json.dumps(walk(json.loads(text)), sort_keys=True)
    except ValueError:
        return text


def commands() -> list[tuple[tuple[str, ...], object]]:
    """Every command of the app (group subcommands included) as (path, click command)."""
    from scalinglab.cli.app import app

    def walk(command, path=()):
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                yield from walk(child, (*path, name))
        else:
            yield path, command

    return list(walk(typer.main.get_command(app)))


def options_of(command) -> list:
    return [p for p in command.params if p.param_type_name == "option" and p.name != "help"]


# -- the calls --------------------------------------------------------------------------------------------
W = "{w}"
RUNS = f"{W}/runs.csv"
LADDER = f"{W}/ladder.csv"

#: A quick call of each command that succeeds; ``--json`` is added where the command has it.
BASELINES: dict[tuple[str, ...], list[str]] = {
    ("plan",): ["--compute", "1e23"],
    ("predict",): ["--params", "70B", "--tokens", "1.4T"],
    ("flops",): ["--params", "70B", "--tokens", "1.4T"],
    ("cost",): ["--compute", "1e23", "--gpus", "1024", "--gpu", "h100-sxm"],
    ("budget",): ["--dollars", "$10M", "--gpu", "h100-sxm"],
    ("memory",): ["--config", "llama3-8b"],
    ("fit",): [RUNS],
    ("fit-curves",): [f"{W}/curve.csv", "--curve-col", "run", "--x-col", "tokens"],
    ("predict-task",): [LADDER, "--at", "7B:140B", "--accuracy-col", "acc", "--bootstrap", "20"],
    ("isoflop",): [RUNS, "--bootstrap", "20"],
    ("suggest",): ["--runs", RUNS, "--budget", "1e18", "--candidates", f"{W}/candidates.csv", "--target", "C=1e22",
                   "--bootstrap", "4"],
    ("bench",): ["--task", "chinchilla-runs"],
    ("forecast",): ["--scenario", "scaling-picture", "--samples", "200"],
    ("sensitivity",): ["--scenario", "scaling-picture", "--milestone", "spending >= $10B", "--samples", "500",
                       "--until", "2032"],
    ("compare",): ["scaling-picture", "epoch-trends", "--samples", "200"],
    ("trend",): ["notable-models", "--y", "Training compute (FLOP)", "--bootstrap", "50"],
    ("laws", "list"): [],
    ("laws", "show"): ["hoffmann2022"],
    ("datasets", "list"): [],
    ("datasets", "show"): ["chinchilla-runs"],
    ("hardware", "list"): [],
    ("hardware", "show"): ["h100-sxm"],
    ("hardware", "cluster"): [],
    ("scenarios", "list"): [],
    ("scenarios", "show"): ["scaling-picture"],
    ("inference", "roofline"): ["--config", "llama3-8b"],
    ("inference", "plan"): ["--inference-tokens", "2T", "--compute", "1e23"],
    ("sweep", "plan"): ["--preset", "tiny", "--no-estimate", "--cache-dir", f"{W}/cache"],
    ("sweep", "run"): ["--compute", "4e9", "--sizes", "1", "--steps", "10", "--n-ctx", "16", "--eval-tokens", "64",
                       "--device", "cpu", "--cache-dir", f"{W}/cache", "--out", "{fresh}/sweeps"],
    ("sweep", "status"): ["--db", f"{W}/runs.sqlite"],
    ("sweep", "export"): ["--db", f"{W}/runs.sqlite", "--name", "first", "--out", f"{W}/export.csv"],
    ("serve",): ["--port", "0"],
    ("demo",): [],
}

_PREDICT_RUNS = ("--runs", RUNS)
_FIT_ACCURACY = (LADDER, "--law", "accuracy", "--x", "loss", "--accuracy-col", "acc")
_COST_RANGE = ("--compute", "1e23", "--gpus", "1024", "--gpu", "h100-sxm", "--mfu", "0.3 to 0.5", "--samples", "500")
_BUDGET_OWNED = ("--dollars", "$10M", "--gpu", "h100-sxm", "--basis", "owned")
_FORMULA = (RUNS, "--formula", "E + A / N^alpha + B / D^beta", "--var", "N", "--var", "D")
_SUGGEST_FORMULA = ("--runs", RUNS, "--budget", "1e18", "--candidates", f"{W}/candidates.csv", "--target",
                    "N=70B,D=1.4T", "--bootstrap", "4", "--formula", "E + A / N^alpha + B / D^beta", "--var", "N",
                    "--var", "D")
_PLAN_SUGGEST = ("--preset", "tiny", "--no-estimate", "--cache-dir", f"{W}/cache", "--suggest", "--budget", "2e10")

#: The same planning options in sweep plan and sweep run (one declaration, ``sweep.options.GIVEN``).
SWEEP_PLANNING = {
    "--preset": changes("small"),
    "--compute": changes("5e9,1e10", "--no-estimate", "--cache-dir", f"{W}/cache"),
    "--budgets": changes("5e9,1e10", "--no-estimate", "--cache-dir", f"{W}/cache"),
    "--corpus": changes(f"{W}/corpus.jsonl"),
    "--val-fraction": changes("0.1"),
    "--text-field": changes("body", "--preset", "tiny", "--no-estimate", "--cache-dir", f"{W}/cache", "--corpus",
                            f"{W}/corpus.jsonl"),
    "--tokenizer": changes("bpe:300", "--preset", "tiny", "--no-estimate", "--cache-dir", f"{W}/cache", "--corpus",
                           f"{W}/corpus-small.jsonl", "--max-epochs", "20"),
    "--sizes": changes("2"),
    "--spread": changes("2"),
    "--law": changes("hoffmann2022"),
    "--tokens-per-param": changes("10"),
    "--flops-method": changes("chinchilla"),
    "--flops": changes("chinchilla"),
    "--n-ctx": changes("32"),
    "--positions": changes("learned"),
    "--aspect-ratio": changes("16"),
    "--seed": changes("1"),
    "--steps": changes("40"),
    "--batch-tokens": changes("2048"),
    "--lr": changes("0.001"),
    "--threads": changes("2"),
    "--eval-tokens": changes("1000"),
    "--device": Case("cuda", expect="changes or refused"),
    "--max-epochs": changes("4", "--preset", "tiny", "--no-estimate", "--cache-dir", f"{W}/cache", "--corpus",
                             f"{W}/corpus-small.jsonl"),
    "--compile": changes("--no-compile"),
    "--cache-dir": changes(f"{W}/cache2"),
}

OPTIONS: dict[tuple[str, ...], dict[str, Case]] = {
    ("plan",): {
        "--compute": changes("1e24"),
        "--law": changes("hoffmann2022"),
        "--unique-tokens": changes("1T", "--compute", "1e25", "--law", "muennighoff2023"),
        "--epochs": changes("1,4", "--unique-tokens", "1T", "--law", "muennighoff2023"),
        "--saturation": changes(None, "--unique-tokens", "1T", "--law", "muennighoff2023"),
        "--target-loss": changes("2.0", "--law", "besiroglu2024"),
        "--params": changes("70B"),
        "--tokens": changes("1.4T"),
        "--tokens-per-param": changes("20"),
        "--inference-tokens": changes("2T"),
        "--flops-per-param-token": changes("8"),
        "--cost": changes("6*N*D + 2e9*D"),
        "--input": changes("K=2", "--compute", "1e23", "--law", f"{W}/formula-k.json"),
    },
    ("predict",): {
        "--law": changes("hoffmann2022"),
        "--params": changes("7B"),
        "--tokens": changes("2T"),
        "--unique-tokens": changes("100B", "--law", "muennighoff2023", "--params", "70B", "--tokens", "1.4T"),
        "--compute": changes("1e23", "--law", "kaplan2020-compute"),
        "--x": changes("1e23", "--law", f"{W}/power-fit.json"),
        "--runs": changes(RUNS, "--law", "hoffmann2022"),
        "--out": writes(f"{W}/predictions.csv", *_PREDICT_RUNS),
        "--level": changes("0.8", *_PREDICT_RUNS),
        "--n-col": changes("params2", *_PREDICT_RUNS),
        "--d-col": changes("tokens2", *_PREDICT_RUNS),
        "--c-col": changes("flops2", "--runs", f"{W}/nobudget.csv"),
        "--loss-col": changes("loss2", *_PREDICT_RUNS),
        "--u-col": changes("unique", "--runs", RUNS, "--law", "muennighoff2023"),
        "--where": changes("loss > 3", *_PREDICT_RUNS),
        "--duplicates": changes("mean", *_PREDICT_RUNS),
        "--drop-missing": changes(None, "--runs", f"{W}/missing.csv"),
        "--var": changes("N=params2", "--runs", RUNS, "--law", f"{W}/formula-fit.json"),
        "--input": changes("K=2", "--law", f"{W}/formula-k.json", "--params", "70B", "--tokens", "1.4T"),
    },
    ("flops",): {
        "--params": changes("7B"),
        "--tokens": changes("2T"),
        "--config": changes("gpt3-175b", "--tokens", "300B"),
        "--layers": changes("48", "--layers", "24", "--d-model", "1024", "--heads", "16", "--tokens", "1T"),
        "--d-model": changes("2048", "--layers", "24", "--d-model", "1024", "--heads", "16", "--tokens", "1T"),
        "--heads": changes("8", "--layers", "24", "--d-model", "1024", "--heads", "16", "--tokens", "1T"),
        "--vocab": changes("32000", "--layers", "24", "--d-model", "1024", "--heads", "16", "--tokens", "1T"),
        "--context": changes("4096", "--layers", "24", "--d-model", "1024", "--heads", "16", "--tokens", "1T"),
        "--ffn-ratio": changes("8", "--layers", "24", "--d-model", "1024", "--heads", "16", "--tokens", "1T"),
        "--flops-method": changes("kaplan", "--config", "gpt3-175b", "--tokens", "300B"),
        "--method": changes("kaplan", "--config", "gpt3-175b", "--tokens", "300B"),
        "--embeddings": changes("--no-embeddings", "--config", "gpt3-175b", "--tokens", "300B"),
        "--lm-head": changes("--no-lm-head", "--config", "gpt3-175b", "--tokens", "300B"),
    },
    ("cost",): {
        "--compute": changes("2e23"),
        "--params": changes("70B", "--tokens", "1.4T", "--gpus", "1024", "--gpu", "h100-sxm"),
        "--tokens": changes("1.4T", "--params", "70B", "--gpus", "1024", "--gpu", "h100-sxm"),
        "--config": changes("llama3-70b", "--tokens", "1.4T", "--gpus", "1024", "--gpu", "h100-sxm"),
        "--flops-method": changes("chinchilla", "--config", "llama3-70b", "--tokens", "1.4T", "--gpus", "1024",
                                  "--gpu", "h100-sxm"),
        "--flops": changes("2e23", "--gpus", "1024", "--gpu", "h100-sxm"),
        "--model": changes("llama3-70b", "--tokens", "1.4T", "--gpus", "1024", "--gpu", "h100-sxm"),
        "--gpu-hours": changes("1e6", "--gpus", "1024", "--gpu", "h100-sxm"),
        "--gpu": changes("a100-80gb"),
        "--gpus": changes("2048"),
        "--precision": changes("fp8"),
        "--peak-flops": changes("1e15"),
        "--mfu": changes("0.3"),
        "--hfu": changes("0.5"),
        "--recompute": changes("none", "--compute", "1e23", "--gpus", "1024", "--gpu", "h100-sxm", "--hfu", "0.5"),
        "--cluster-family": changes("MT-NLG 530B", "--compute", "1e23", "--gpus", "1024", "--gpu", "h100-sxm",
                                    "--cluster-model"),
        "--tokens-per-second-per-gpu": changes("1000", "--params", "70B", "--tokens", "1.4T", "--gpus", "1024",
                                               "--gpu", "h100-sxm"),
        "--flops-per-second-per-gpu": changes("3e14"),
        "--cluster-model": changes(None),
        "--cluster-b": changes("0.2", "--compute", "1e23", "--gpus", "1024", "--gpu", "h100-sxm", "--cluster-model"),
        "--goodput": changes("0.9"),
        "--gpu-price": changes("40000"),
        "--overhead": changes("0.5"),
        "--depreciation": changes("0.3"),
        "--electricity": changes("0.1"),
        "--pue": changes("1.3"),
        "--watts": changes("500"),
        "--carbon": changes("0.2"),
        "--price-per-gpu-hour": changes("3"),
        "--cloud-discount": changes("0.3"),
        "--samples": changes("1000", *_COST_RANGE),
        "--seed": changes("1", *_COST_RANGE),
    },
    ("budget",): {
        "--dollars": changes("$20M"),
        "--gpus": changes("2000", "--gpus", "1000", "--days", "30", "--gpu", "h100-sxm"),
        "--days": changes("30", "--dollars", "$10M", "--gpu", "h100-sxm", "--days", "60"),
        "--basis": changes("owned"),
        "--gpu": changes("a100-80gb"),
        "--law": changes("hoffmann2022"),
        "--precision": changes("fp8"),
        "--peak-flops": changes("1e15"),
        "--mfu": changes("0.3"),
        "--hfu": changes("0.5"),
        "--recompute": changes("none", "--dollars", "$10M", "--gpu", "h100-sxm", "--hfu", "0.5"),
        "--cloud-discount": changes("0.3"),
        "--flops-per-param-token": changes("8"),
        "--cluster-model": changes(None, "--dollars", "$10M", "--gpu", "h100-sxm", "--days", "30"),
        "--cluster-b": changes("0.2", "--dollars", "$10M", "--gpu", "h100-sxm", "--days", "30", "--cluster-model"),
        "--goodput": changes("0.9"),
        "--price-per-gpu-hour": changes("3"),
        "--gpu-price": changes("40000", *_BUDGET_OWNED),
        "--overhead": changes("0.5", *_BUDGET_OWNED),
        "--depreciation": changes("0.3", *_BUDGET_OWNED),
        "--electricity": changes("0.3", *_BUDGET_OWNED),
        "--pue": changes("1.3", *_BUDGET_OWNED),
        "--watts": changes("500", *_BUDGET_OWNED),
        "--samples": changes("1000", "--dollars", "$10M", "--gpu", "h100-sxm", "--mfu", "0.3 to 0.5", "--samples", "500"),
        "--seed": changes("1", "--dollars", "$10M", "--gpu", "h100-sxm", "--mfu", "0.3 to 0.5", "--samples", "500"),
    },
    ("memory",): {
        "--config": changes("llama3-70b"),
        "--gpu": changes("a100-80gb"),
        "--gpus": changes("8", "--config", "llama3-8b", "--tp", "2"),
        "--tp": changes("2"),
        "--pp": changes("2"),
        "--ep": changes("2", "--config", "mixtral-8x7b", "--gpus", "8"),
        "--zero": changes("1", "--config", "llama3-8b", "--gpus", "8"),
        "--recompute": changes("full"),
        "--micro-batch": changes("2"),
        "--global-batch": changes("64", "--config", "llama3-8b", "--gpus", "8", "--pp", "2"),
        "--seq": changes("1024"),
        "--sp": changes("--no-sp", "--config", "llama3-8b", "--tp", "2"),
        "--kv-bytes": changes("1", "--config", "llama3-8b", "--inference"),
        "--inference": changes(None),
        "--weight-bytes": changes("1", "--config", "llama3-8b", "--inference"),
        "--virtual-stages": changes("2", "--config", "llama3-8b", "--gpus", "8", "--pp", "2"),
        "--search": changes(None, "--config", "llama3-8b", "--gpus", "8"),
        "--top": changes("2", "--config", "llama3-8b", "--gpus", "8", "--search"),
    },
    ("fit",): {
        "--law": changes("kaplan"),
        "--estimator": changes("hoffmann", f"{W}/small.csv"),
        "--objective": changes("squares"),
        "--delta": changes("0.01"),
        "--weight": changes("2", RUNS, "--objective", "asymmetric"),
        "--drop-highest-loss": changes("2"),
        "--bootstrap": changes("10"),
        "--seed": changes("1", RUNS, "--bootstrap", "10"),
        "--level": changes("0.8", RUNS, "--bootstrap", "10"),
        "--holdout-above": changes("5e17"),
        "--leave-one-budget-out": changes(None),
        "--compute": changes("1e24"),
        "--budget": changes("1e24"),
        "--at": changes("70B:1.4T"),
        "--target-loss": changes("2.0"),
        "--x": changes("n", RUNS, "--law", "power"),
        "--base": changes("hoffmann2022", RUNS, "--law", "data-constrained", "--u-col", "unique"),
        "--n-col": changes("params2"),
        "--d-col": changes("tokens2"),
        "--c-col": changes("flops2", RUNS, "--d-col", "tokens", "--c-note", "detailed count"),
        "--loss-col": changes("loss2"),
        "--u-col": changes("unique", RUNS, "--law", "data-constrained"),
        "--budget-col": changes("bucket", f"{W}/nobudget.csv", "--leave-one-budget-out"),
        "--group-col": changes("family", RUNS, "--law", "power", "--x", "d"),
        "--flops-per-param-token": changes("8"),
        "--where": changes("loss > 3"),
        "--duplicates": changes("mean"),
        "--drop-missing": changes(None, f"{W}/missing.csv"),
        "--c-note": changes("detailed count", RUNS, "--c-col", "flops2", "--d-col", "tokens"),
        "--group-by": changes("family"),
        "--profile": changes("alpha"),
        "--floor": changes("0.25", *_FIT_ACCURACY),
        "--ceiling": changes("0.95", *_FIT_ACCURACY),
        "--accuracy-col": changes("acc2", *_FIT_ACCURACY),
        "--formula": changes("E + A / N^alpha + B / D^beta", RUNS, "--var", "N", "--var", "D"),
        "--var": changes("N=params2", RUNS, "--formula", _FORMULA[2], "--var", "D"),
        "--param": changes("alpha=0.3:0.3:0.3", *_FORMULA),
        "--predict": changes(LADDER),
        "--predictions-out": writes(f"{W}/predicted.csv", RUNS, "--predict", LADDER),
        "--plot": writes(f"{W}/fit.svg"),
        "--save": writes(f"{W}/fit.json"),
        "--timings": changes(None),
    },
    ("fit-curves",): {
        "--curve-col": changes("part"),
        "--x-col": changes("steps"),
        "--loss-col": changes("loss2"),
        "--holdout-col": changes("heldout"),
        "--holdout-value": changes("h", f"{W}/curve.csv", "--curve-col", "run", "--x-col", "tokens", "--holdout-col",
                                   "mark"),
        "--train-col": changes("split"),
        "--train-value": changes("t", f"{W}/curve.csv", "--curve-col", "run", "--x-col", "tokens", "--train-col",
                                 "mark"),
        "--holdout-above": changes("1e9"),
        "--where": changes("tokens > 1e6"),
        "--duplicates": changes("mean"),
    },
    ("predict-task",): {
        "--at": changes("13B:260B"),
        "--accuracy-col": changes("acc2"),
        "--loss-col": changes("bpb"),
        "--task-loss-col": changes("bpb"),
        "--floor": changes("0.25"),
        "--ceiling": changes("0.95"),
        "--bootstrap": changes("30"),
        "--seed": changes("1"),
        "--level": changes("0.8"),
        "--n-col": changes("params2"),
        "--d-col": changes("tokens2"),
        "--c-col": changes("flops2", f"{W}/ladder-c.csv", "--at", "7B:140B", "--accuracy-col", "acc",
                           "--bootstrap", "20"),
        "--where": changes("big == 'yes' or loss < 3.2"),
        "--duplicates": changes("mean"),
        "--drop-missing": changes(None, f"{W}/ladder-missing.csv", "--at", "7B:140B", "--accuracy-col", "acc",
                                  "--bootstrap", "20"),
        "--timings": changes(None),
    },
    ("isoflop",): {
        "--approach": changes("1", f"{W}/checkpoints.csv", "--bootstrap", "20", "--group-col", "model"),
        "--bootstrap": changes("30"),
        "--seed": changes("1"),
        "--level": changes("0.8"),
        "--min-runs": changes("6", f"{W}/outside.csv", "--bootstrap", "20"),
        "--keep-outside": changes(None, f"{W}/outside.csv", "--bootstrap", "20"),
        "--n-col": changes("params2"),
        "--d-col": changes("tokens2"),
        "--c-col": changes("flops2", f"{W}/nobudget.csv", "--bootstrap", "20", "--budget-col", "bucket"),
        "--loss-col": changes("loss2"),
        "--budget-col": changes("bucket", f"{W}/nobudget.csv", "--bootstrap", "20"),
        "--group-col": changes("model", f"{W}/checkpoints.csv", "--bootstrap", "20", "--approach", "1"),
        "--flops-per-param-token": changes("8", f"{W}/nobudget.csv", "--bootstrap", "20", "--budget-col", "bucket"),
        "--where": changes("budget > 2e17"),
        "--duplicates": changes("mean"),
        "--drop-missing": changes(None, f"{W}/missing.csv", "--bootstrap", "20"),
        "--c-note": changes("detailed count", RUNS, "--bootstrap", "20", "--c-col", "flops2", "--d-col", "tokens"),
        "--group-by": changes("family", RUNS, "--bootstrap", "20", "--min-runs", "3"),
        "--plot": writes(f"{W}/isoflop.svg"),
        "--save": writes(f"{W}/isoflop.json"),
    },
    ("suggest",): {
        "--runs": changes(f"{W}/small.csv"),
        "--budget": changes("3e18"),
        "--law": changes("power", "--runs", RUNS, "--budget", "1e18", "--candidates", f"{W}/candidates.csv", "--target",
                         "N=1e10", "--bootstrap", "4", "--x", "n"),
        "--formula": changes("E + A / N^alpha + B / D^beta", "--runs", RUNS, "--budget", "1e18", "--candidates",
                             f"{W}/candidates.csv", "--target", "N=70B,D=1.4T", "--bootstrap", "4", "--var", "N",
                             "--var", "D"),
        "--var": changes("N=params2", *_SUGGEST_FORMULA[:-4], "--var", "D"),
        "--param": changes("alpha=0.3:0.3:0.3", *_SUGGEST_FORMULA),
        "--candidates": changes(f"{W}/candidates2.csv"),
        "--grid": changes("N=10M..1B:4,D=1B..10B:4", "--runs", RUNS, "--budget", "1e18", "--target", "C=1e22",
                          "--bootstrap", "4"),
        "--target": changes("C=1e24"),
        "--target-rows": changes(f"{W}/targets.csv", "--runs", RUNS, "--budget", "1e18", "--candidates",
                                 f"{W}/candidates.csv", "--bootstrap", "4"),
        "--cost": changes("6*N*D + 1e9*D"),
        "--k": changes("1"),
        "--bootstrap": changes("8"),
        "--seed": changes("1"),
        "--criterion": changes("d"),
        "--x": changes("d", "--runs", RUNS, "--budget", "1e18", "--candidates", f"{W}/candidates.csv", "--target",
                       "D=1e11", "--bootstrap", "4", "--law", "power"),
        "--n-col": changes("params2"),
        "--d-col": changes("tokens2"),
        "--c-col": changes("flops2", "--runs", f"{W}/nobudget.csv", "--budget", "1e18", "--candidates",
                           f"{W}/candidates.csv", "--target", "C=1e22", "--bootstrap", "4"),
        "--loss-col": changes("loss2"),
        "--u-col": changes("unique", "--runs", RUNS, "--budget", "1e18", "--candidates", f"{W}/candidates.csv",
                           "--target", "N=70B,D=1.4T,U=1T", "--bootstrap", "4", "--law", "data-constrained"),
        "--objective": changes("squares"),
        "--flops-per-param-token": changes("8"),
    },
    ("bench",): {
        "--task": changes("marin-isoflop"),
        "--tables": changes(f"{W}/tables"),
        "--objective": changes("huber"),
    },
    ("forecast",): {
        "--scenario": changes("epoch-trends"),
        "--samples": changes("300"),
        "--seed": changes("1"),
        "--until": changes("2030"),
        "--law": changes("muennighoff2023"),
        "--milestone": changes("compute >= 3e27"),
        "--plot": writes(f"{W}/forecast.svg"),
    },
    ("sensitivity",): {
        "--scenario": changes("epoch-trends"),
        "--milestone": changes("compute >= 1e27"),
        "--samples": changes("600"),
        "--seed": changes("1"),
        "--until": changes("2031"),
        "--law": changes("muennighoff2023", "--scenario", "scaling-picture", "--milestone", "loss <= 1.9", "--samples",
                         "500", "--until", "2032"),
        "--plot": writes(f"{W}/tornado.svg"),
    },
    ("compare",): {
        "--samples": changes("300"),
        "--seed": changes("1"),
        "--until": changes("2030"),
        "--plot": writes(f"{W}/compare.svg"),
    },
    ("trend",): {
        "--y": changes("Parameters"),
        "--since": changes("2015"),
        "--until": changes("2022"),
        "--domain": changes("Language"),
        "--top-n": changes("10"),
        "--rank-by": changes("Parameters", "notable-models", "--y", "Training compute (FLOP)", "--bootstrap", "50",
                             "--top-n", "10"),
        "--date-column": changes("when", f"{W}/trend.csv", "--y", "compute", "--bootstrap", "50"),
        "--domain-column": changes("area", f"{W}/trend.csv", "--y", "compute", "--bootstrap", "50", "--domain", "a"),
        "--bootstrap": changes("60"),
        "--seed": changes("1"),
        "--plot": writes(f"{W}/trend.svg"),
    },
    ("datasets", "show"): {"--head": refused("3")},
    ("inference", "roofline"): {
        "--config": changes("llama3-70b", "--config", "llama3-8b", "--gpus", "4"),
        "--gpu": changes("h200"),
        "--gpus": changes("2"),
        "--batch": changes("8"),
        "--input": changes("1024"),
        "--output": changes("128"),
        "--weight-bytes": changes("1"),
        "--kv-bytes": changes("1"),
        "--precision": changes("fp8"),
        "--memory-fraction": changes("0.5"),
        "--bandwidth-efficiency": changes("0.8"),
        "--flops-efficiency": changes("0.8"),
        "--price-per-gpu-hour": changes("3"),
    },
    ("inference", "plan"): {
        "--inference-tokens": changes("20T"),
        "--compute": changes("1e24"),
        "--target-loss": changes("2.1", "--inference-tokens", "2T"),
        "--law": changes("hoffmann2022"),
        "--gpu": changes("a100-80gb"),
        "--training-mfu": changes("0.3"),
        "--inference-mfu": changes("0.3"),
        "--price-per-gpu-hour": changes("7"),
    },
    ("sweep", "plan"): {
        **SWEEP_PLANNING,
        "--estimate": Case("--no-estimate", ("--preset", "tiny", "--cache-dir", f"{W}/cache"), "changes",
                           base_varies=True),
        "--suggest": changes(None, "--preset", "tiny", "--no-estimate", "--cache-dir", f"{W}/cache", "--budget", "2e10"),
        "--budget": changes("4e10", *_PLAN_SUGGEST),
        "--target": changes("1e10", *_PLAN_SUGGEST),
        "--db": changes(f"{W}/runs.sqlite", *_PLAN_SUGGEST, "--name", "first"),
        "--name": changes("first", *_PLAN_SUGGEST, "--db", f"{W}/runs.sqlite"),
    },
    ("sweep", "run"): {
        **{flag: elsewhere("sweep plan (the same planning options)") for flag in SWEEP_PLANNING},
        "--name": changes("named"),
        "--db": changes("{fresh}/other.sqlite"),
        "--out": changes("{fresh}/sweeps2"),
        "--executor": elsewhere("tests/test_sweep_ray.py, tests/test_sweep_submitit.py"),
        "--ray-address": refused("auto"),
        "--gpus-per-run": refused("1"),
        "--cpus-per-run": refused("2"),
        "--resource": refused("x=1"),
        "--retries": refused("3"),
        "--slurm-partition": refused("gpu"),
        "--slurm-array-parallelism": refused("4"),
        "--slurm-time": refused("5"),
        "--submitit-cluster": refused("local"),
        "--submitit-folder": refused(f"{W}/submitit"),
        "--fit": changes(None),
        "--save-models": Case(None, (*BASELINES[("sweep", "run")][:-1], f"{W}/models"), "writes",
                              written=f"{W}/models/*/models/*.pt"),
        "--peak-flops": changes("1e12"),
        "--force": elsewhere("tests/test_sweep_resume.py (taking over from a dead owner)"),
        "--adaptive": elsewhere("tests/test_sweep_adaptive.py"),
        "--budget": refused("1e10"),
        "--rounds": refused("2"),
        "--target": refused("1e10"),
    },
    ("sweep", "status"): {
        "--db": changes(f"{W}/other.sqlite"),
        "--name": changes("first"),
    },
    ("sweep", "export"): {
        "--name": changes("second"),
        "--out": changes(f"{W}/export2.csv"),
        "--db": changes(f"{W}/other.sqlite"),
        "--checkpoints": changes(None),
    },
    ("demo",): {"--out": elsewhere("tests/test_cost_demo.py")},
    ("serve",): {
        "--port": changes("{port}"),
        "--host": changes("localhost"),
        "--registry": changes(f"{W}/runs.sqlite"),
        "--max-upload-mb": changes("1"),
        "--max-bootstrap": changes("100"),
        "--max-samples": changes("1000"),
        "--request-seconds": changes("10"),
        "--fit-seconds": changes("60"),
        "--compute-threads": changes("2"),
    },
}
