"""Ordinary but wrong input is one line naming the user's flag and value, exit 2: quantities of the wrong
kind, options that conflict, impossible results, values out of range, folders and unreadable cells."""

from __future__ import annotations

import json
import os
import time

import pytest

from conftest import assert_user_error
from scalinglab.sweep.corpus import prepare_corpus


@pytest.mark.parametrize(("args", "fragments"), [
    # a quantity of the wrong kind
    (["budget", "--dollars", "21 days", "--gpu", "h100-sxm"], ["--dollars '21 days' is a duration", "money"]),
    (["budget", "--days", "$10M", "--gpus", "1000", "--gpu", "h100-sxm"], ["--days '$10M' is an amount of money"]),
    (["cost", "--gpus", "40%", "--compute", "1e23", "--gpu", "h100-sxm", "--mfu", "0.4"], ["--gpus '40%' is a share"]),
    # options that conflict name both
    (["cost", "--compute", "1e23", "--params", "70B", "--tokens", "1.4T", "--gpu", "h100-sxm", "--gpus", "1000",
      "--mfu", "0.4"], ["--compute", "--params", "--tokens"]),
    (["cost", "--config", "gpt3-175b", "--params", "70B", "--tokens", "300B", "--gpu", "h100-sxm", "--gpus", "1000",
      "--mfu", "0.4"], ["--config", "--params"]),
    (["flops", "--config", "gpt3-175b", "--params", "70B", "--tokens", "300B"], ["--config", "--params"]),
    (["plan", "--compute", "1e23", "--target-loss", "2.0"], ["--compute", "--target-loss"]),
    (["plan", "--compute", "1e23", "--params", "7B", "--inference-tokens", "1T"], ["--inference-tokens", "--params"]),
    (["plan", "--epochs", "4"], ["--epochs needs --unique-tokens"]),
    # physically impossible results
    (["cost", "--params", "70B", "--tokens", "1.4T", "--gpu", "h100-sxm", "--gpus", "1000",
      "--tokens-per-second-per-gpu", "1e12"], ["implied MFU", "--tokens-per-second-per-gpu"]),
    (["plan", "--target-loss", "1.0"], ["irreducible loss"]),
    (["fit", "chinchilla", "--target-loss", "1.0"], ["--target-loss 1", "fitted law's irreducible loss"]),
    # values out of range
    (["fit", "chinchilla", "--seed", "-1"], ["--seed"]),
    (["fit", "chinchilla", "--bootstrap", "1000000"], ["--bootstrap", "100,000"]),
    (["flops", "--layers", "2", "--d-model", "64", "--heads", "2", "--tokens", "1e9", "--ffn-ratio", "nan"],
     ["--ffn-ratio", "nan"]),
    (["sweep", "plan", "--preset", "tiny", "--steps", "0"], ["--steps"]),
    (["sweep", "plan", "--preset", "tiny", "--steps", "-1"], ["--steps"]),
])
def test_wrong_input_is_one_line_naming_the_flag(cli, args, fragments):
    assert_user_error(cli(*args), *fragments)


def test_forecast_too_large_for_memory_is_refused_up_front_with_what_to_lower(cli):
    result = cli("forecast", "--scenario", "scaling-picture", "--samples", "1000000",
                 env={**os.environ, "SCALINGLAB_MEMORY_LIMIT": "1G"})
    assert_user_error(result, "1,000,000 samples", "needs about", "GB of memory", "lower --samples or --until")


def test_runs_file_that_is_a_folder_or_has_text_cells(cli, tmp_path):
    assert_user_error(cli("fit", str(tmp_path)), "is a folder")
    table = tmp_path / "runs.csv"
    table.write_text("params,tokens,loss\n1e6,2e7,3.5\n2e6,4e7,abc\n3e6,6e7,3.0\n")
    assert_user_error(cli("fit", str(table)), "column 'loss'", "row 2: 'abc'")


def test_thousands_separators_are_read_as_numbers(cli, tmp_path):
    table = tmp_path / "runs.csv"
    rows = [(f"{n:,}", 20 * n, 1.7 + 400 / n**0.34 + 400 / (20 * n) ** 0.28) for n in (10**6, 3 * 10**6, 10**7,
                                                                                       3 * 10**7, 10**8, 3 * 10**8)]
    table.write_text("params,tokens,loss\n" + "".join(f'"{n}",{d},{l}\n' for n, d, l in rows))
    result = cli("fit", str(table), "--law", "power", "--x", "n", "--json")
    assert result.code == 0, result.stderr
    assert result.json()["data"]["runs"] == 6


def test_damaged_corpus_cache_is_rebuilt_and_stale_temporaries_removed(tmp_path):
    text = tmp_path / "corpus.txt"
    text.write_text("\n\n".join(f"paragraph {i} " + "words " * 40 for i in range(60)))
    first = prepare_corpus(str(text), cache_dir=tmp_path / "cache")
    folder = tmp_path / "cache" / "corpora" / first.key
    stale = folder / ".train.bin.abc.tmp"
    stale.write_bytes(b"x" * 1000)
    old = time.time() - 3600
    os.utime(stale, (old, old))
    for damage in ('{"dtype": 5', json.dumps({"dtype": "nope", "n_train_tokens": "x"}), "[]"):
        (folder / "meta.json").write_text(damage)
        again = prepare_corpus(str(text), cache_dir=tmp_path / "cache")
        assert not again.from_cache and again.n_train_tokens == first.n_train_tokens
    assert not stale.exists()
    assert prepare_corpus(str(text), cache_dir=tmp_path / "cache").from_cache


def test_messages_show_numpy_values_as_plain_numbers():
    import numpy as np

    from scalinglab.errors import InputError

    message = str(InputError(f"--level must be in (0, 1), got {np.float64(-1.0)!r} ({np.int64(3)!r} rows)"))
    assert message == "--level must be in (0, 1), got -1.0 (3 rows)"


def test_running_out_of_memory_is_one_line_not_a_traceback(monkeypatch, capsys):
    from scalinglab import api
    from scalinglab.cli.app import main

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(api, "flops", exhausted)
    with pytest.raises(SystemExit) as done:
        main(["flops", "--params", "70B", "--tokens", "1.4T"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and err.startswith("error: out of memory") and err.count("\n") == 1


def test_cost_samples_have_an_upper_limit_checked_before_drawing(cli):
    assert_user_error(cli("cost", "--compute", "1e23", "--gpu", "h100-sxm", "--gpus", "1000", "--mfu", "0.3 to 0.5",
                          "--samples", "1000000000"), "--samples", "1,000,000")
