"""CSV files we write from user-influenced text (``sweep export``, ``predict --out``) cannot carry a formula
into a spreadsheet (issue 19; OWASP "CSV Injection"): text cells starting with = + - @ tab or CR get a
leading single quote, numbers (and text that is a plain number) stay as they are."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd

from scalinglab._io import atomic_write_csv, spreadsheet_safe
from scalinglab.store import RunsRegistry
from scalinglab.sweep.planner import plan_sweep

ATTACKS = ["=HYPERLINK(\"http://example.invalid\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
           "\t=1+1", "\r=1+1"]


def _cells(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_formula_cells_are_quoted_and_numbers_stay_numbers(tmp_path):
    frame = pd.DataFrame({"label": ATTACKS + ["plain", "-1.5", None],
                          "value": [-1.5, 2.0, -3e-7, 4.0, 5.0, 6.0, 7.0, -8.0, np.nan],
                          "=header": range(9)})
    path = atomic_write_csv(tmp_path / "out.csv", frame)
    rows = _cells(path)
    assert rows[0] == ["label", "value", "'=header"]
    assert [r[0] for r in rows[1:]] == ["'" + a for a in ATTACKS] + ["plain", "-1.5", ""]
    assert [r[1] for r in rows[1:]] == ["-1.5", "2.0", "-3e-07", "4.0", "5.0", "6.0", "7.0", "-8.0", ""]
    back = pd.read_csv(path)
    assert back["value"].dtype == float and back["value"].iloc[0] == -1.5


def test_spreadsheet_safe_leaves_everything_else_alone():
    assert [spreadsheet_safe(v) for v in (-1.5, "1e9", "+2.5", "-.5", "a=b", "", None, "-", "=")] == \
        [-1.5, "1e9", "+2.5", "-.5", "a=b", "", None, "'-", "'="]


def _finish(db, run, device: str) -> None:
    steps, tokens = run["steps"], run["n_tokens"]
    history = [{"step": steps, "tokens": tokens, "flops": run["flops"], "lr": 1e-3, "train_loss": 2.6,
                "val_loss": 2.5, "elapsed_s": 1.0}]
    db.start_run(db.sweep_names()[0], run["key"], executor="local")
    db.finish_run(db.sweep_names()[0], run["key"], {
        "tokens": tokens, "flops": run["flops"], "final_loss": 2.5, "final_train_loss": 2.6, "wall_seconds": 1.0,
        "train_seconds": 0.9, "tokens_per_second": 1e5, "flops_per_second": 1e10, "mfu": None, "device": device,
        "device_name": device, "torch_version": "x", "history": history})


def test_sweep_export_neutralises_a_formula_in_the_sweep_name_and_device(tmp_path, cli):
    name = ATTACKS[0]
    plan = plan_sweep([1e10], steps=50, vocab_size=257, n_ctx=64, seeds=(0,)).to_dict()
    with RunsRegistry(tmp_path / "runs.sqlite") as db:
        db.open_sweep(name, plan, {"corpus_hash": "abc123" * 10, "source": "test"})
        _finish(db, plan["runs"][0], "@SUM(1+1)")
    out = tmp_path / "runs.csv"
    result = cli("sweep", "export", "--db", str(tmp_path / "runs.sqlite"), "--name", name, "--out", str(out))
    assert result.code == 0, result.stderr
    rows = _cells(out)
    header, first = rows[0], dict(zip(rows[0], rows[1]))
    assert first["sweep"] == "'" + name and first["device"] == "'@SUM(1+1)"
    assert float(first["loss"]) == 2.5 and first["params"].isdigit()
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    assert header[0] == "sweep"


def test_predict_out_keeps_negative_residuals_as_numbers(tmp_path, cli):
    out = tmp_path / "predictions.csv"
    result = cli("predict", "--law", "hoffmann2022", "--runs", "chinchilla-runs", "--out", str(out))
    assert result.code == 0, result.stderr
    back = pd.read_csv(out)
    numeric = back.select_dtypes("number")
    assert (numeric < 0).any().any()  # residuals below zero, written as numbers
    assert not back.select_dtypes(exclude="number").apply(lambda c: c.astype(str).str.startswith("'")).any().any()
