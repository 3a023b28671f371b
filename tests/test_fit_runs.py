"""Runs tables: every input format, the bundled dataset by name, and one-line validation errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalinglab.errors import InputError
from scalinglab.fit import load_runs


def _frame(rows: int = 6) -> pd.DataFrame:
    n = np.logspace(8, 9, rows)
    d = 20 * n
    return pd.DataFrame({"n": n, "d": d, "loss": 2.0 + 400 / n**0.34 + 400 / d**0.28})


def test_chinchilla_dataset_by_name_derives_tokens_from_compute():
    runs = load_runs("chinchilla")
    assert len(runs) == 245  # Besiroglu et al. 2024, data/svg_extracted_data.csv: 245 runs
    assert runs.columns == {"n": "Model Size", "c": "Training FLOP", "loss": "loss"}
    np.testing.assert_allclose(runs.d, runs.c / (6 * runs.n))
    assert any("D = C / (6 N)" in note for note in runs.notes)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl", ".tsv"])
def test_every_file_format_loads_the_same_runs(tmp_path, suffix):
    frame = _frame()
    path = tmp_path / f"runs{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_json(path, orient="records", lines=True)
    runs = load_runs(path)
    assert runs.source == path.name
    np.testing.assert_allclose(runs.loss, frame["loss"])
    np.testing.assert_allclose(runs.c, 6 * frame["n"] * frame["d"])


def test_column_mapping_by_option():
    frame = _frame().rename(columns={"n": "params_total", "d": "toks", "loss": "val"})
    runs = load_runs(frame, n_col="params_total", d_col="toks", loss_col="val")
    assert runs.columns["n"] == "params_total" and runs.source == "DataFrame"


def test_nan_and_negative_values_are_named_with_their_rows():
    frame = _frame(20)
    frame.loc[[3, 8, 16], "loss"] = [-1.0, 0.0, -2.0]
    frame.loc[5, "n"] = np.nan
    with pytest.raises(InputError) as info:
        load_runs(frame)
    message = str(info.value)
    assert "column 'loss' has 3 non-positive values (rows 4, 9, 17)" in message
    assert "column 'n' has 1 missing or NaN value (row 6)" in message
    assert "\n" not in message


def test_non_numeric_duplicate_and_inconsistent_compute_are_errors():
    frame = _frame().astype(object)
    frame.loc[2, "d"] = "lots"
    with pytest.raises(InputError, match=r"column 'd' has 1 non-numeric value \(row 3: 'lots'\)"):
        load_runs(frame)
    frame = pd.concat([_frame(), _frame().iloc[[1]]], ignore_index=True)
    with pytest.raises(InputError, match=r"1 duplicate row \(row 7 repeating"):
        load_runs(frame, duplicates="error")
    frame = _frame().assign(c=lambda f: 6 * f["n"] * f["d"])
    frame.loc[4, "c"] *= 2
    with pytest.raises(InputError, match=r"disagrees with 6 N D by more than 10% in 1 row \(row 5;"):
        load_runs(frame, c_col="c")


def test_missing_columns_and_files():
    with pytest.raises(InputError, match=r"no column 'tokens'.*columns: 'n', 'd', 'loss'"):
        load_runs(_frame(), d_col="tokens")
    with pytest.raises(InputError, match="no loss column"):
        load_runs(_frame().drop(columns="loss"))
    with pytest.raises(InputError, match="does not exist"):
        load_runs("no-such-runs.csv")
    with pytest.raises(InputError, match="needs D \\(tokens, d_col=\\) or C"):
        load_runs(_frame().drop(columns="d")).require(("n", "d"), "fitting")


def test_drop_highest_loss_removes_exactly_those_runs():
    runs = load_runs("chinchilla")
    kept, dropped = runs.drop_highest_loss(5)
    assert len(kept) == 240 and len(dropped) == 5
    assert kept.loss.max() <= np.sort(runs.loss)[-6] + 1e-12
    with pytest.raises(InputError):
        runs.drop_highest_loss(245)


# ------------------------------------------------ bundled CSVs read without pandas
@pytest.mark.parametrize("name", ["chinchilla-runs", "misfitting-lr-sweep", "marin-isoflop"])
@pytest.mark.parametrize("duplicates", ["keep", "mean", "min"])
def test_bundled_csv_read_without_pandas_matches_pandas(name, duplicates, monkeypatch):
    """The csv-module reading of a bundled table gives the same runs, bit for bit, as the pandas reading."""
    from scalinglab.fit import runs as runs_module

    fast = load_runs(name, duplicates=duplicates)
    monkeypatch.setattr(runs_module, "_plain_dataset", lambda *args, **kwargs: None)
    slow = load_runs(name, duplicates=duplicates)
    for key in ("loss", "rows", "n", "d", "c", "u", "budget", "group"):
        a, b = getattr(fast, key), getattr(slow, key)
        assert (a is None) == (b is None), key
        if a is not None:
            assert a.dtype == b.dtype and np.array_equal(a, b), key
    assert (fast.notes, fast.columns, fast.table_columns, fast.source) == \
        (slow.notes, slow.columns, slow.table_columns, slow.source)


def test_plain_bundled_fit_imports_neither_pandas_nor_scipy_optimize_stats_special():
    """Start-up time: a plain fit of a bundled table needs none of these (each costs 0.1-0.3 s to import)."""
    import subprocess
    import sys

    code = ("import sys, scalinglab as sl; r = sl.fit('chinchilla-runs', drop_highest_loss=5); "
            "print(round(r.to_dict()['params']['alpha'], 4) > 0, "
            "sorted(m for m in ('pandas', 'scipy.optimize', 'scipy.stats', 'scipy.special', 'numpy.ma') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "[]"], out


def test_bundled_table_with_a_label_column_still_goes_through_pandas():
    runs = load_runs("marin-isoflop", group_col="dataset")
    assert runs.group is not None and set(runs.group) >= {"comma"}
