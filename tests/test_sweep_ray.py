"""The ray executor (a local Ray instance, one task per run) gives the local executor's losses exactly."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("ray")

from scalinglab.store import RunsRegistry  # noqa: E402

pytestmark = pytest.mark.slow

ARGS = ("sweep", "run", "--budgets", "1e9,2e9,4e9", "--sizes", "2", "--steps", "60", "--n-ctx", "32",
        "--eval-tokens", "4096", "--device", "cpu", "--name", "same", "--json")


def test_ray_and_local_give_the_same_losses_for_the_same_seeds(cli, tmp_path):
    cache = str(tmp_path / "cache")
    local = cli(*ARGS, "--out", str(tmp_path / "local"), "--cache-dir", cache)
    assert local.code == 0, local.stderr
    remote = cli(*ARGS, "--out", str(tmp_path / "ray"), "--cache-dir", cache, "--executor", "ray")
    assert remote.code == 0, remote.stderr
    a, b = local.json(), remote.json()
    assert b["executor"] == "ray" and len(a["runs"]) == len(b["runs"]) >= 4
    assert [(r["key"], r["loss"], r["train_loss"]) for r in a["runs"]] == \
           [(r["key"], r["loss"], r["train_loss"]) for r in b["runs"]]
    with RunsRegistry(tmp_path / "local" / "runs.sqlite") as x, RunsRegistry(tmp_path / "ray" / "runs.sqlite") as y:
        curve = [(p["key"], p["step"], p["train_loss"], p["val_loss"]) for p in x.losses("same")]
        assert curve == [(p["key"], p["step"], p["train_loss"], p["val_loss"]) for p in y.losses("same")]
        assert {r["executor"] for r in y.runs("same")} == {"ray"}
        assert y.check("same") == []
    assert len(list((tmp_path / "ray" / "same" / "logs").glob("*.log"))) == len(b["runs"])


def test_ray_address_needs_the_ray_executor(cli, tmp_path):
    from conftest import assert_user_error

    result = cli("sweep", "run", "--budgets", "1e9", "--steps", "20", "--device", "cpu", "--out", str(tmp_path),
                 "--cache-dir", str(tmp_path / "cache"), "--ray-address", "auto")
    assert_user_error(result, "--ray-address needs --executor ray")
