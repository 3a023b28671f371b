"""The tiny CPU sweep end to end through the command line: 3 budgets x 3 sizes on the demo corpus,
loss falling with compute at every size, an IsoFLOP optimum from scalinglab.fit, and its export."""

from __future__ import annotations

import time
from collections import defaultdict

import pandas as pd
import pytest

pytest.importorskip("torch")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_sweep(tmp_path_factory):
    from conftest import _run

    out = tmp_path_factory.mktemp("demo") / "sweep"  # where the demo section keeps its sweep
    start = time.perf_counter()
    result = _run("sweep", "run", "--preset", "tiny", "--name", "tiny", "--out", str(out), "--cache-dir",
                  str(out / "cache"), "--fit", "--json", timeout=600)
    seconds = time.perf_counter() - start
    assert result.code == 0, result.stderr
    return out, result.json(), seconds


def test_tiny_sweep_finishes_within_five_minutes(tiny_sweep):
    _, data, seconds = tiny_sweep
    assert seconds < 300
    assert data["ran"] == 9 and data["skipped"] == 0 and not data["failed"]
    budgets = sorted({r["budget"] for r in data["runs"]})
    assert budgets == [5e9, 1e10, 2e10]
    assert all(sum(r["budget"] == b for r in data["runs"]) == 3 for b in budgets)


def test_loss_falls_with_compute_at_each_size(tiny_sweep):
    _, data, _ = tiny_sweep
    by_size = defaultdict(list)
    for r in data["runs"]:
        by_size[r["params"]].append((r["budget"], r["loss"]))
    shared = {n: sorted(v) for n, v in by_size.items() if len(v) > 1}
    assert len(shared) >= 2
    for n, points in shared.items():
        losses = [loss for _, loss in points]
        assert losses == sorted(losses, reverse=True), (n, points)


def test_isoflop_fit_returns_an_optimum(tiny_sweep):
    out, data, _ = tiny_sweep
    fit = data["fit"]
    assert data["fit_error"] is None
    used = [p for p in fit["points"] if p["used"]]
    assert len(used) >= 2
    for p in used:
        low, high = p["log10_n_range"]
        assert low < __import__("math").log10(p["n_opt"]) < high
        assert 1 < p["d_opt"] / p["n_opt"] < 1000
    assert 0 < fit["a"] < 1.5
    assert (out / "tiny" / "isoflop.png").stat().st_size > 1000
    assert len(list((out / "tiny" / "logs").glob("*.log"))) == 9


def test_export_is_read_by_scalinglab_isoflop(tiny_sweep, cli):
    out, data, _ = tiny_sweep
    csv = out / "runs.csv"
    exported = cli("sweep", "export", "--db", str(out / "runs.sqlite"), "--name", "tiny", "--out", str(csv), "--json")
    assert exported.code == 0, exported.stderr
    frame = pd.read_csv(csv)
    assert {"params", "tokens", "flops", "loss", "budget"} <= set(frame.columns) and len(frame) == 9
    fitted = cli("isoflop", str(csv), "--json", "--bootstrap", "50")
    assert fitted.code == 0, fitted.stderr
    assert fitted.json()["a"] == pytest.approx(data["fit"]["a"])


def test_status_shows_a_consistent_finished_sweep(tiny_sweep, cli):
    out, _, _ = tiny_sweep
    status = cli("sweep", "status", "--db", str(out / "runs.sqlite"), "--name", "tiny", "--json")
    assert status.code == 0, status.stderr
    data = status.json()
    assert data["problems"] == [] and data["detail"]["finished"] == 9


def test_running_it_again_skips_every_finished_run(tiny_sweep, cli):
    out, first, _ = tiny_sweep
    again = cli("sweep", "run", "--preset", "tiny", "--name", "tiny", "--out", str(out), "--cache-dir",
                str(out / "cache"), "--json")
    assert again.code == 0, again.stderr
    data = again.json()
    assert data["ran"] == 0 and data["skipped"] == 9
    assert [r["loss"] for r in data["runs"]] == [r["loss"] for r in first["runs"]]


def test_demo_section_reuses_the_finished_sweep(tiny_sweep, monkeypatch):
    from scalinglab.sweep.demo import section

    out, data, _ = tiny_sweep
    monkeypatch.setenv("SCALINGLAB_CACHE", str(out / "cache"))
    result = section(out.parent)
    assert "0 runs trained now, 9 found in the registry" in " ".join(result.paragraphs)
    runs = result.tables[0][1]
    assert len(runs) == 9 and sorted(runs["held-out loss"]) == sorted(round(r["loss"], 4) for r in data["runs"])
    assert result.charts
