"""Two-step downstream prediction (OLMo ladder, Bhagia et al. 2024, arXiv:2412.04403) on a ladder whose truth is known."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.cli.app import main
from scalinglab.fit.task import predict_task
from scalinglab.laws import ChinchillaLaw

LOSS = ChinchillaLaw(E=1.8, A=480.0, B=2100.0, alpha=0.35, beta=0.37)
TARGET = (7e9, 1.4e11)  # 7x the largest ladder model, 3.5x its tokens, as the OLMo ladder predicts 7B/13B from <= 1B


def _accuracy(loss):
    return 0.25 + 0.7 / (1 + np.exp(-6 * (2.9 - loss)))  # 4-way multiple choice, chance 0.25


def _ladder(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for n in np.logspace(7.5, 9.0, 6):
        for ratio in (5, 10, 20, 40):
            loss = LOSS.loss(n, ratio * n) * np.exp(rng.normal(0, 0.005))
            rows.append({"n": n, "d": ratio * n, "loss": loss,
                         "acc": float(np.clip(_accuracy(loss) + rng.normal(0, 0.01), 0, 1))})
    return pd.DataFrame(rows)


def _truth(seed: int) -> float:
    """A new run at the target: its own loss noise, then its own accuracy noise."""
    rng = np.random.default_rng(10_000 + seed)
    loss = LOSS.loss(*TARGET) * np.exp(rng.normal(0, 0.005))
    return float(_accuracy(loss) + rng.normal(0, 0.01))


@pytest.mark.slow
def test_chained_interval_covers_new_runs_at_the_nominal_rate():
    seeds, level = range(16), 0.9
    inside = 0
    for seed in seeds:
        result = predict_task(_ladder(seed), [TARGET], accuracy_col="acc", floor=0.25, bootstrap=60, seed=seed,
                              level=level)
        low, high = result.targets[0]["accuracy_interval"]
        inside += low <= _truth(seed) <= high
    # 16 draws at p = 0.9: P(at most 11 inside) = 1.7%; an interval that ignored either step covers far fewer.
    assert inside >= 12, inside


def test_both_steps_are_reported_and_the_loss_interval_holds_the_truth():
    result = predict_task(_ladder(0), [TARGET, (1e9, 2e10)], accuracy_col="acc", floor=0.25, bootstrap=60,
                          level=0.95)
    far, near = result.targets
    assert far["loss_interval"][0] < LOSS.loss(*TARGET) < far["loss_interval"][1]
    assert near["accuracy_interval"][1] - near["accuracy_interval"][0] < far["accuracy_interval"][1] - far["accuracy_interval"][0]
    assert result.loss_params["alpha"] == pytest.approx(0.35, abs=0.1)
    assert result.accuracy_params["floor"] == 0.25
    assert 0.25 <= far["accuracy_interval"][0] <= far["accuracy_interval"][1] <= 1.0


def test_cli_predict_task_and_its_errors(tmp_path, capsys):
    path = tmp_path / "ladder.csv"
    _ladder(1).to_csv(path, index=False)
    main(["predict-task", str(path), "--at", "7B:140B", "--accuracy-col", "acc", "--floor", "0.25",
          "--bootstrap", "40", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["method"].startswith("two-step") and {"loss", "accuracy", "accuracy_interval"} <= set(data["targets"][0])
    for argv, message in [
        (["--at", "7B:140B", "--accuracy-col", "acc", "--floor", "0.9", "--ceiling", "0.5"], "must lie below --ceiling"),
        (["--at", "7B", "--accuracy-col", "acc"], "--at expects N:D"),
        (["--at", "7B:140B", "--accuracy-col", "loss"], "not an accuracy"),
        (["--at", "7B:140B", "--accuracy-col", "acc", "--bootstrap", "5"], "--bootstrap must be in [20, 100,000]"),
    ]:
        with pytest.raises(SystemExit) as info:
            main(["predict-task", str(path), *argv])
        err = capsys.readouterr().err
        assert info.value.code == 2 and message in err and err.count("\n") == 1, err


def test_the_task_loss_is_the_intermediate_and_both_chains_are_reported(cli, tmp_path):
    """The OLMo ladder (Bhagia et al. 2024, section 3) chains through the task's own loss; a general loss that
    tracks it loosely (3% noise per run here) predicts the ladder's largest models worse, and both are shown."""
    frame = _ladder(0)
    frame["c4"] = frame["loss"] * np.exp(np.random.default_rng(5).normal(0, 0.03, len(frame)))
    result = predict_task(frame, [TARGET], accuracy_col="acc", loss_col="c4", task_loss_col="loss", floor=0.25,
                          bootstrap=40)
    general, task = result.chains
    assert (general["intermediate"], task["intermediate"]) == ("c4", "loss") and task["chosen"]
    assert task["heldout_mae_points"] < general["heldout_mae_points"]
    assert result.targets[0]["accuracy"] == pytest.approx(task["targets"][0]["accuracy"], abs=1e-12)
    path = tmp_path / "ladder.csv"
    frame.to_csv(path, index=False)
    got = cli("predict-task", str(path), "--at", "7B:140B", "--accuracy-col", "acc", "--loss-col", "c4",
              "--task-loss-col", "loss", "--floor", "0.25", "--bootstrap", "40", "--json")
    assert got.code == 0 and [c["intermediate"] for c in json.loads(got.stdout)["chains"]] == ["c4", "loss"]


def test_without_a_task_loss_the_general_loss_is_chosen_on_the_ladder_alone(cli, tmp_path):
    """Two general losses, one tracking the ladder's true loss closely and one loosely (3% noise per run): the
    chain is chosen by its error on the second-largest models predicted from the smaller ones, and each chain's
    error on the largest models (which the choice never saw) is reported beside it."""
    frame = _ladder(0)
    rng = np.random.default_rng(5)
    frame["loose"] = frame["loss"] * np.exp(rng.normal(0, 0.03, len(frame)))
    frame["close"] = frame["loss"] * np.exp(rng.normal(0, 0.002, len(frame)))
    result = predict_task(frame, [TARGET], accuracy_col="acc", loss_col=["loose", "close"], floor=0.25, bootstrap=40)
    loose, close = result.chains
    assert close["chosen"] and not loose["chosen"]
    assert close["selection_mae_points"] < loose["selection_mae_points"]
    assert close["heldout_mae_points"] < loose["heldout_mae_points"]
    assert result.targets[0]["accuracy"] == pytest.approx(close["targets"][0]["accuracy"], abs=1e-12)
    assert any("'close' chosen" in note for note in result.notes)
    path = tmp_path / "ladder.csv"
    frame.to_csv(path, index=False)
    got = cli("predict-task", str(path), "--at", "7B:140B", "--accuracy-col", "acc", "--loss-col", "loose",
              "--loss-col", "close", "--floor", "0.25", "--bootstrap", "40", "--json")
    chains = json.loads(got.stdout)["chains"]
    assert got.code == 0 and [(c["intermediate"], c["chosen"]) for c in chains] == [("loose", False), ("close", True)]
