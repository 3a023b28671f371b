"""Second hardening pass: options that would do nothing are refused with the option that makes them
meaningless, answers that would not be finite are errors, outputs are checked before the work, and the
same inputs print the same JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import assert_user_error


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """A ladder of runs (Chinchilla's law, Hoffmann et al. 2022 eq. 10, 1% noise) with a task accuracy,
    one of its rows, a header-only curve table and a curve whose x never changes."""
    folder = tmp_path_factory.mktemp("tables")
    rng = np.random.default_rng(0)
    rows = [{"params": n, "tokens": d, "loss": (1.69 + 406.4 / n**0.34 + 410.7 / d**0.28) * np.exp(rng.normal(0, 0.01))}
            for n in (1e7, 3e7, 1e8, 3e8, 1e9) for d in (2e8, 1e9, 5e9, 2e10)]
    runs = pd.DataFrame(rows)
    runs["acc"] = np.clip(0.25 + 0.7 / (1 + np.exp(6 * (runs.loss - 3.0))) + rng.normal(0, 0.01, len(runs)), 0, 1)
    runs.to_csv(folder / "runs.csv", index=False)
    runs.head(1).to_csv(folder / "one.csv", index=False)
    pd.DataFrame(columns=["run", "step", "loss"]).to_csv(folder / "header.csv", index=False)
    pd.DataFrame({"run": ["a"] * 6, "step": [10] * 6, "loss": [3, 2.9, 2.8, 2.7, 2.6, 2.5]}).to_csv(
        folder / "flat.csv", index=False)
    return folder


@pytest.mark.parametrize("args, fragments", [
    (["predict", "--runs", "{one}", "--params", "1B"], ["--params", "--runs"]),
    (["predict", "--params", "1B", "--tokens", "1T", "--out", "{dir}/p.csv"], ["--out", "--runs"]),
    (["fit", "{runs}", "--floor", "0.2"], ["--floor", "accuracy law"]),
    (["fit", "{runs}", "--law", "accuracy", "--accuracy-col", "acc", "--compute", "1e20"], ["--compute", "accuracy"]),
    (["fit", "{runs}", "--profile", "alpha", "--group-by", "params"], ["--profile", "--group-by"]),
    (["fit", "{runs}", "--timings"], ["--timings", "--json"]),
    (["fit", "{runs}", "--predictions-out", "{dir}/p.csv"], ["--predictions-out", "--predict"]),
    (["fit", "{runs}", "--save", "{dir}/same.json", "--plot", "{dir}/same.json"], ["--save", "--plot", "same file"]),
    (["predict-task", "{runs}", "--at", "-7B:140B", "--accuracy-col", "acc"], ["--at", "-7B:140B"]),
    (["predict-task", "{runs}", "--at", "7B:140B", "--accuracy-col", "acc", "--bootstrap", "1000000"], ["--bootstrap"]),
    (["fit", "{runs}", "--law", "accuracy", "--accuracy-col", "acc", "--bootstrap", "1000000"], ["--bootstrap"]),
    (["fit-curves", "{header}", "--curve-col", "run", "--x-col", "step"], ["header.csv", "no rows"]),
    (["fit-curves", "{flat}", "--curve-col", "run", "--x-col", "step"], ["curve 'a'", "1 distinct points"]),
    (["forecast", "--scenario", "scaling-picture", "--samples", "100", "--plot", "/proc/x.png"], ["--plot", "/proc"]),
])
def test_each_reproduction_is_one_line(cli, tables, args, fragments):
    paths = {"runs": tables / "runs.csv", "one": tables / "one.csv", "header": tables / "header.csv",
             "flat": tables / "flat.csv", "dir": tables}
    result = cli(*[a.format(**paths) for a in args])
    assert_user_error(result, *fragments)
    assert result.stdout == ""  # nothing printed before the refusal
    assert not (tables / "same.json").exists() and not (tables / "p.csv").exists()


def test_predicting_one_run_gives_no_r2_rather_than_nan(cli, tables):
    result = cli("predict", "--runs", str(tables / "one.csv"), "--law", "hoffmann2022", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["summary"]["r2"] is None
    assert "NaN" not in result.stdout


def test_bootstrap_that_would_not_fit_in_memory_is_refused_up_front(cli, tables, tmp_path):
    import os

    rng = np.random.default_rng(1)
    n = 10 ** rng.uniform(7, 10, 5000)
    d = n * 10 ** rng.uniform(0.5, 2.5, 5000)
    pd.DataFrame({"params": n, "tokens": d, "loss": 1.69 + 406.4 / n**0.34 + 410.7 / d**0.28}).to_csv(
        tmp_path / "many.csv", index=False)
    env = {**os.environ, "SCALINGLAB_MEMORY_LIMIT": "1G"}
    for law in ("chinchilla", "kaplan"):
        assert_user_error(cli("fit", str(tmp_path / "many.csv"), "--law", law, "--bootstrap", "10000", env=env),
                          "--bootstrap 10,000 on 5,000 runs", "GB of memory", "1.0 GB")
    assert_user_error(cli("fit", str(tables / "runs.csv"), "--bootstrap", "10",
                          env={**env, "SCALINGLAB_MEMORY_LIMIT": "-5G"}), "SCALINGLAB_MEMORY_LIMIT", "-5G")


@pytest.mark.parametrize("args", [
    ["predict-task", "{runs}", "--at", "7B:140B", "--accuracy-col", "acc", "--bootstrap", "20", "--json"],
    ["fit", "{runs}", "--law", "accuracy", "--accuracy-col", "acc", "--bootstrap", "20", "--json"],
])
def test_equal_inputs_print_equal_json(cli, tables, args):
    args = [a.format(runs=tables / "runs.csv") for a in args]
    first, second = cli(*args), cli(*args)
    assert first.code == 0, first.stderr
    assert "seconds" not in first.json()
    assert first.stdout == second.stdout
    assert "seconds" in cli(*args, "--timings").json()


@pytest.mark.parametrize("args, fragments", [
    (["--slurm-time", "1e400"], ["--slurm-time", "inf"]),
    (["--cpus-per-run", "0"], ["--cpus-per-run", "got 0"]),  # was 0 CPUs per Slurm task
    (["--cpus-per-run", "nan"], ["--cpus-per-run", "nan"]),
    (["--gpus-per-run", "-5"], ["--gpus-per-run", "-5"]),
    (["--submitit-folder", "{file}"], ["--submitit-folder", "is a file"]),
])
def test_submitit_options_are_checked_before_any_work(cli, tmp_path, args, fragments):
    (tmp_path / "afile").write_text("")
    args = [a.format(file=tmp_path / "afile") for a in args]
    result = cli("sweep", "run", "--preset", "tiny", "--out", str(tmp_path / "out"), "--executor", "submitit", *args)
    assert_user_error(result, *fragments)
    assert not (tmp_path / "out").exists()


def test_a_million_torch_threads_is_refused_before_the_timing_run(cli, tmp_path):
    """``sweep plan --threads 1000000`` ended the process with SIGSEGV in the step-time estimate."""
    pytest.importorskip("torch")
    result = cli("sweep", "plan", "--preset", "tiny", "--threads", "1000000", "--cache-dir", str(tmp_path))
    assert_user_error(result, "--threads", "1,024", "1,000,000")


def test_a_400_digit_step_count_plans_one_sequence_a_step():
    """``--steps`` with 400 digits overflowed a float (a traceback); like any step count beyond what a budget
    buys, it gives each run one sequence a step, and the plan shows the steps each run then takes."""
    from scalinglab.sweep.planner import plan_sweep

    plan = plan_sweep([1e10], steps=10**400, vocab_size=257, n_ctx=64, seeds=(0,), sizes=1)
    assert [r.batch_size for r in plan.runs] == [1]
    assert plan.runs[0].steps == int(plan.runs[0].n_tokens // 64)


def test_a_sweep_centred_beyond_any_float_is_refused():
    from scalinglab.errors import InputError
    from scalinglab.sweep.planner import plan_sweep

    import warnings

    for ratio in (1e-320, -1.0):  # 1e-320 was an OverflowError in math.ceil; -1 warned about sqrt
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(InputError, match="tokens_per_param="):
                plan_sweep([6e23], tokens_per_param=ratio)
