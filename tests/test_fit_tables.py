"""Messy runs tables: repeated (N, D) settings, filters, missing cells, human quantities, detailed FLOP counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.cli.app import main
from scalinglab.errors import InputError
from scalinglab.fit import fit_law, load_runs

TRUE = {"E": 1.8, "A": 480.0, "B": 2100.0, "alpha": 0.35, "beta": 0.37}


def _law(n, d):
    return TRUE["E"] + TRUE["A"] * n ** -TRUE["alpha"] + TRUE["B"] * d ** -TRUE["beta"]


def _lr_sweep(seed: int = 0) -> pd.DataFrame:
    """Each (N, D) trained at 4 learning rates; the best one lies on the true law, the others above it."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in np.logspace(7.5, 9.5, 6):
        for ratio in (5, 10, 20, 40, 80):
            d = ratio * n
            for j, lr in enumerate((1e-3, 2e-3, 4e-3, 8e-3)):
                penalty = 0.0 if lr == 4e-3 else 0.02 * abs(np.log2(lr / 4e-3)) * (1 + rng.random())
                rows.append({"n": n, "d": d, "lr": lr, "loss": _law(n, d) * (1 + penalty)})
    frame = pd.DataFrame(rows)
    return pd.concat([frame, frame.iloc[[3, 10]]], ignore_index=True)  # two exact reruns too


def test_repeated_settings_are_kept_with_a_note_by_default():
    runs = load_runs(_lr_sweep())
    assert len(runs) == 122
    note = " ".join(runs.notes)
    assert "122 runs share 30 settings of 'n', 'd'" in note and "2 exact repeats" in note and "all kept" in note


def test_duplicates_min_keeps_the_best_run_of_each_setting_and_recovers_the_law():
    frame = _lr_sweep()
    runs = load_runs(frame, duplicates="min")
    assert len(runs) == 30
    assert (frame.loc[runs.rows - 1, "lr"] == 4e-3).all()  # rows are the source rows, counted from 1
    assert any("lowest-loss run of each" in note for note in runs.notes)
    result = fit_law(frame, table={"duplicates": "min"})
    assert result.params["alpha"] == pytest.approx(TRUE["alpha"], rel=1e-3)
    assert result.params["beta"] == pytest.approx(TRUE["beta"], rel=1e-3)


def test_duplicates_mean_averages_and_error_refuses_with_advice():
    frame = _lr_sweep()
    runs = load_runs(frame, duplicates="mean")
    assert len(runs) == 30
    first = frame[(frame.n == frame.n.iloc[0]) & (frame.d == frame.d.iloc[0])]
    assert runs.loss[0] == pytest.approx(first.loss.mean())
    with pytest.raises(InputError) as info:
        load_runs(frame, duplicates="error")
    message = str(info.value)
    assert message.startswith("DataFrame: 92 duplicate rows (rows 2, 3, 4") and "duplicates=keep, mean or" in message
    with pytest.raises(InputError, match="duplicates=: unknown value .first.; choose from keep, mean, min, error"):
        load_runs(frame, duplicates="first")


def test_where_selects_one_experiment_and_bad_queries_are_one_line():
    frame = pd.concat([_lr_sweep().assign(dataset="c4"), _lr_sweep(1).assign(dataset="pile", loss=lambda f: f.loss * 1.1)],
                      ignore_index=True)
    runs = load_runs(frame, where="dataset == 'c4' and lr <= 0.004")
    assert len(runs) == 91 and runs.rows.max() <= 122  # 90 plus one rerun at lr 0.004
    for bad, expected in [("dataset == ", "where='dataset == ': ends early at position 12"),
                          ("flavour == 'x'", "no column 'flavour' .*columns: 'n', 'd', 'lr', 'loss', 'dataset'"),
                          ("lr + 1", "unexpected '\\+' at position 4"), ("lr", "holds numbers, not true/false"),
                          ("lr > 1", "no rows satisfy")]:
        with pytest.raises(InputError, match=expected) as info:
            load_runs(frame, where=bad)
        assert "\n" not in str(info.value)


def test_drop_missing_drops_and_names_the_rows():
    frame = _lr_sweep().head(20).copy()
    frame.loc[[4, 7], "loss"] = np.nan
    with pytest.raises(InputError, match=r"column 'loss' has 2 missing or NaN values \(rows 5, 8\).*drop_missing= drops"):
        load_runs(frame)
    runs = load_runs(frame, drop_missing=True)
    assert len(runs) == 18 and 5 not in runs.rows and 8 not in runs.rows
    assert any("drop_missing= dropped 2 rows with a missing or unreadable value (rows 5, 8)" in n for n in runs.notes)


@given(n=st.floats(1e6, 1e12), d=st.floats(1e8, 1e14))
@settings(max_examples=30, deadline=None)
def test_cells_may_hold_human_quantities(n, d):
    from scalinglab.units import format_quantity, parse_quantity

    text_n, text_d = format_quantity(n), format_quantity(d)
    frame = pd.DataFrame({"n": [text_n, "70B"], "d": [text_d, "1.4T"], "loss": [2.5, 1.9]})
    runs = load_runs(frame)
    assert runs.n[1] == 7e10 and runs.d[1] == 1.4e12
    assert runs.n[0] == parse_quantity(text_n) and runs.d[0] == parse_quantity(text_d)


def _detailed_flops() -> pd.DataFrame:
    n = np.logspace(8, 9.5, 12)
    d = 20 * n
    return pd.DataFrame({"n": n, "d": d, "flops": 6 * n * d * (1 + 2048 * 12 / n ** 0.5), "loss": _law(n, d)})


def test_a_detailed_flops_column_is_used_as_given_unless_named():
    runs = load_runs(_detailed_flops())
    np.testing.assert_allclose(runs.c, _detailed_flops()["flops"])
    assert any("C taken from column 'flops' as given" in note for note in runs.notes)
    result = fit_law(_detailed_flops(), "power", x="n")  # one-variable fits pass too
    assert result.params["a"] > 0
    with pytest.raises(InputError, match=r"'flops' \(c_col=\) disagrees with 6 N D.*c_note="):
        load_runs(_detailed_flops(), c_col="flops")
    runs = load_runs(_detailed_flops(), c_col="flops", c_note="attention counted")
    assert any("(attention counted)" in note for note in runs.notes)
    assert load_runs(_detailed_flops(), c_col="flops", flops_per_param_token=6.0).notes


def test_cli_table_flags_and_one_line_errors(tmp_path, capsys):
    path = tmp_path / "sweep.csv"
    _lr_sweep().to_csv(path, index=False)
    main(["fit", str(path), "--duplicates", "min", "--where", "lr > 0", "--json"])
    out = capsys.readouterr().out
    assert '"runs": 30' in out and "lowest-loss run of each" in out
    with pytest.raises(SystemExit) as info:
        main(["fit", str(path), "--where", "lr >>> 2"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.startswith("error: --where 'lr >>> 2': unexpected '>' at position 5")
    assert err.count("\n") == 1


def test_misfitting_lr_sweep_repeats_settings_and_min_keeps_the_best_learning_rate():
    # Li, Kudugunta, Zettlemoyer 2025 (arXiv:2502.18969), data/scaling_results_last_ckpt_only.csv:
    # 261 final checkpoints, each (N, D) trained at up to 5 peak learning rates; 21 rows repeat exactly.
    from scalinglab.datasets import read_bundled

    runs = load_runs("misfitting-lr-sweep")
    assert len(runs) == 261
    assert "260 runs share 80 settings of 'N', 'D', 'C' (21 exact repeats)" in runs.notes[0]
    best = load_runs("misfitting-lr-sweep", duplicates="min")
    frame = read_bundled("misfitting-lr-sweep")
    assert len(best) == frame.groupby(["N", "D"]).ngroups == 81
    np.testing.assert_allclose(np.sort(best.loss), np.sort(frame.groupby(["N", "D"])["loss"].min().to_numpy()))
    with pytest.raises(InputError, match="misfitting-lr-sweep: 180 duplicate rows"):
        load_runs("misfitting-lr-sweep", duplicates="error")


def test_marin_isoflop_holds_three_datasets_and_a_trainer_flop_count():
    # Marin "Scaling Ladders" runs (wandb.ai/marin-community/marin), 273 runs on comma, dclm, nemotron.
    sizes = {name: len(load_runs("marin-isoflop", where=f"dataset == '{name}'")) for name in ("comma", "dclm", "nemotron")}
    assert sizes == {"comma": 92, "dclm": 85, "nemotron": 96}
    with pytest.raises(InputError, match=r"column 'gflops' \(c_col=\) disagrees with 6 N D .* median ratio 1.01e-09"):
        load_runs("marin-isoflop", c_col="gflops")  # the column counts GFLOP, not FLOP
    runs = load_runs("marin-isoflop", c_col="gflops", c_note="trainer count in GFLOP")
    assert "(trainer count in GFLOP)" in runs.notes[0]
    assert runs.notes[1].startswith("263 runs share 87 settings")  # the three datasets reuse one (N, D) grid
    comma = load_runs("marin-isoflop", where="dataset == 'comma'")
    assert "4 runs share 2 settings of 'params', 'tokens'" in comma.notes[-1]  # validation-optimal reruns
