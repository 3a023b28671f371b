"""Adaptive sweeps (``sweep run --adaptive``, ``sweep plan --suggest``): real training of the tiny byte-level
models on the demo corpus, a real SQLite registry, a real SIGKILL."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")

from scalinglab.store import RunsRegistry  # noqa: E402

from conftest import assert_user_error, sigkill_when  # noqa: E402

#: The tiny preset's 3 budgets x 3 sizes is the grid; the adaptive sweep chooses among a denser plan of the
#: same kind (5 sizes a factor 2 apart, one more, smaller budget) and may spend what the grid costs.
DENSE = ("--sizes", "5", "--spread", "2", "--compute", "2.5e9,5e9,1e10,2e10")


def _width(interval) -> float:
    return interval[1] - interval[0]


@pytest.mark.slow
def test_adaptive_sweep_ends_with_a_narrower_interval_at_the_target_than_a_grid_of_the_same_cost(cli, tmp_path):
    from scalinglab.sweep.adaptive import target_interval
    from scalinglab.sweep.api import prepare_plan

    out, cache = tmp_path / "out", tmp_path / "cache"
    common = ("--preset", "tiny", "--out", str(out), "--cache-dir", str(cache), "--json")
    grid = cli("sweep", "run", "--name", "grid", *common)
    assert grid.code == 0, grid.stderr
    grid_rows = grid.json()["runs"]
    grid_cost = sum(r["flops"] for r in grid_rows)
    grid_plan = prepare_plan(preset="tiny", cache_dir=cache, estimate=False).plan
    target = max(grid_plan.budgets)
    grid_interval = target_interval(grid_plan, grid_rows, target)["interval"]

    args = ("sweep", "run", "--name", "adaptive", "--adaptive", "--budget", f"{grid_cost:.6g}", "--rounds", "3",
            *DENSE, *common)
    adaptive = cli(*args)
    assert adaptive.code == 0, adaptive.stderr
    data = adaptive.json()
    rounds = data["rounds"]
    assert [r["round"] for r in rounds] == [0, 1, 2, 3] and data["target_flops"] == target
    assert data["spent"] <= float(f"{grid_cost:.6g}")
    assert rounds[0]["method"] == "space-filling start" and len(rounds[0]["picks"]) == 6
    assert all(r["method"].startswith("V-optimal") and r["picks"] for r in rounds[1:])
    assert all(p["variance_reduction"] > 0 for r in rounds[1:] for p in r["picks"])
    picked = [p["key"] for r in rounds for p in r["picks"]]
    assert len(set(picked)) == len(picked) and sorted(picked) == sorted(r["key"] for r in data["sweep"]["runs"])
    last = rounds[-1]
    adaptive_interval = [last["loss_low"], last["loss_high"]]
    print(f"95% interval of the loss at C={target:.3g}: adaptive {adaptive_interval} "
          f"(width {_width(adaptive_interval):.4f}, {data['spent']:.4g} FLOP), grid {grid_interval} "
          f"(width {_width(grid_interval):.4f}, {grid_cost:.4g} FLOP)")
    assert _width(adaptive_interval) < _width(grid_interval)

    with RunsRegistry(out / "runs.sqlite", read_only=True) as db:
        stored = db.rounds("adaptive")
        assert stored == rounds and db.check("adaptive") == []
        assert {r["key"] for r in db.runs("adaptive", "finished")} == set(picked)

    status = cli("sweep", "status", "--db", str(out / "runs.sqlite"), "--name", "adaptive", "--json")
    assert status.code == 0 and status.json()["detail"]["rounds"] == rounds
    assert status.json()["detail"]["pending"] == 14 - len(picked)

    again = cli(*args)  # every round is recorded: nothing trains, nothing is chosen again
    assert again.code == 0, again.stderr
    assert again.json()["rounds"] == rounds and again.json()["sweep"]["ran"] == 0


def test_budget_and_target_belong_to_adaptive_and_suggest(cli, tmp_path):
    cache = ("--cache-dir", str(tmp_path / "cache"))
    assert_user_error(cli("sweep", "plan", "--preset", "tiny", "--budget", "1e10", *cache), "--budget", "--suggest")
    assert_user_error(cli("sweep", "plan", "--preset", "tiny", "--suggest", *cache), "--budget")
    assert_user_error(cli("sweep", "plan", "--preset", "tiny", "--suggest", "--budget", "1e3", *cache),
                      "--budget", "cheapest")
    assert_user_error(cli("sweep", "run", "--preset", "tiny", "--budget", "1e10", "--out", str(tmp_path / "o"), *cache),
                      "--budget", "--adaptive")
    assert_user_error(cli("sweep", "run", "--preset", "tiny", "--adaptive", "--budget", "lots", "--out",
                          str(tmp_path / "o"), *cache), "--budget")
    fresh = tmp_path / "fresh"
    assert_user_error(cli("sweep", "run", "--preset", "tiny", "--adaptive", "--budget", "1e11", "--fit", "--out",
                          str(fresh / "out"), "--cache-dir", str(fresh / "cache")), "--fit", "adaptive")
    assert not (fresh / "cache").exists()  # refused before any corpus work


def test_plan_suggest_starts_with_a_space_filling_seed_and_trains_nothing(cli, tmp_path):
    result = cli("sweep", "plan", "--preset", "tiny", *DENSE, "--cache-dir", str(tmp_path / "cache"), "--suggest",
                 "--budget", "4e10", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["finished_runs"] == 0 and data["method"] == "space-filling start"
    assert len(data["keys"]) == len(data["picks"]) == 6 and data["spent"] <= 4e10
    assert not list(tmp_path.glob("**/*.sqlite"))


def _rounds(db) -> list[tuple]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT round, finished_at FROM rounds").fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []


@pytest.mark.slow
def test_a_killed_adaptive_sweep_resumes_its_round_without_choosing_again(cli, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["sweep", "run", "--adaptive", "--budget", "3e10", "--rounds", "2", "--compute", "2e9,4e9,8e9", "--sizes",
            "5", "--spread", "2", "--steps", "120", "--n-ctx", "32", "--eval-tokens", "4096", "--device", "cpu",
            "--name", "killed", "--out", str(out), "--cache-dir", str(cache), "--json"]
    db = out / "runs.sqlite"
    def round_1_begun() -> bool:
        return any(number == 1 and finished is None for number, finished in _rounds(db))

    sigkill_when(args, round_1_begun, "round 1")

    with RunsRegistry(db) as reg:
        before = reg.rounds("killed")
        finished = {r["key"]: r for r in reg.runs("killed", "finished")}
    assert [r["round"] for r in before] == [0, 1] and before[1]["finished_at"] is None

    again = cli(*args)
    assert again.code == 0, again.stderr
    data = again.json()
    assert [r["round"] for r in data["rounds"]] == [0, 1, 2]
    assert [r["picks"] for r in data["rounds"][:2]] == [r["picks"] for r in before]  # not chosen again
    assert data["rounds"][0]["finished_at"] == before[0]["finished_at"]
    with RunsRegistry(db) as reg:
        assert reg.check("killed") == []
        after = {r["key"]: r for r in reg.runs("killed", "finished")}
    for key, run in finished.items():  # untouched: same attempt, same finish time, same loss
        assert (after[key]["attempts"], after[key]["finished_at"], after[key]["final_loss"]) == \
               (1, run["finished_at"], run["final_loss"])
    assert set(after) == {p["key"] for r in data["rounds"] for p in r["picks"]}


@pytest.mark.slow
def test_an_adaptive_sweep_stops_when_the_plan_runs_out_and_keeps_its_settings_on_resume(cli, tmp_path):
    common = ("sweep", "run", "--adaptive", "--rounds", "3", "--compute", "2e9,4e9", "--sizes", "4", "--spread", "2",
              "--steps", "60", "--n-ctx", "32", "--eval-tokens", "2048", "--device", "cpu", "--name", "a", "--out",
              str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"), "--json")
    first = cli(*common, "--budget", "1e12")
    assert first.code == 0, first.stderr
    data = first.json()
    picked = [p["key"] for r in data["rounds"] for p in r["picks"]]
    assert len(data["rounds"]) < 4 and "every planned run is trained or chosen" in data["stopped"]
    assert sorted(picked) == sorted(r["key"] for r in data["sweep"]["runs"])
    status = cli("sweep", "status", "--db", str(tmp_path / "out" / "runs.sqlite"), "--name", "a", "--json").json()
    assert status["detail"]["pending"] == 0 and status["detail"]["finished"] == len(picked)
    assert_user_error(cli(*common, "--budget", "2e10"), "adaptive sweep 'a' was started with --budget 1e+12",
                      "--rounds 3", "--name")


def _law_rows(plan, keys, seed):
    """Finished-run rows for ``keys`` with losses from a Chinchilla law and 1% noise (no training)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    specs = {s.key: s for s in plan.runs}
    return [{"key": k, "loss": float((1.8 + 30 / specs[k].n_params ** 0.35 + 40 / specs[k].n_tokens ** 0.3)
                                     * np.exp(0.01 * rng.standard_normal()))} for k in keys]


@settings(max_examples=12, deadline=None)
@given(done=st.integers(0, 14), chosen=st.integers(0, 3), share=st.floats(0.05, 1.0), seed=st.integers(0, 99))
def test_suggest_next_stays_in_budget_and_picks_only_runs_not_done_or_chosen(done, chosen, share, seed):
    from scalinglab.sweep.adaptive import suggest_next
    from scalinglab.sweep.planner import plan_sweep

    plan = plan_sweep([2.5e9, 5e9, 1e10, 2e10], sizes=5, spread=2.0, steps=300)
    order = [s.key for s in sorted(plan.runs, key=lambda s: (s.flops, s.key))]
    finished, exclude = order[:done], order[done:done + chosen]
    free = [s for s in plan.runs if s.key not in set(finished) | set(exclude)]
    if not free:
        return
    budget = max(share * sum(s.flops for s in free), min(s.flops for s in free))
    suggestion, keys = suggest_next(plan, _law_rows(plan, finished, seed), budget=budget, target=2e10,
                                    exclude=exclude, bootstrap=4, seed=seed)
    costs = {s.key: s.flops for s in plan.runs}
    assert keys and len(set(keys)) == len(keys)
    assert not set(keys) & (set(finished) | set(exclude))
    assert sum(costs[k] for k in keys) <= budget * (1 + 1e-9)
    assert [p["cost"] for p in suggestion.picks] == [costs[k] for k in keys]


def test_the_design_law_is_the_one_given_else_the_plans_centring_law_else_chinchilla():
    from dataclasses import replace

    from scalinglab.errors import InputError
    from scalinglab.sweep.adaptive import design_law
    from scalinglab.sweep.planner import SweepPlan, plan_sweep

    plan = plan_sweep([2.5e9, 5e9, 1e10, 2e10], sizes=5, spread=2.0, steps=300, law="kaplan2020")
    assert plan.law == "kaplan2020" and SweepPlan.from_dict(plan.to_dict()).law == "kaplan2020"
    assert design_law(plan) == ("kaplan2020", "kaplan")
    assert design_law(replace(plan, law=None)) == ("chinchilla", "chinchilla")
    assert design_law(plan, "broken-power") == ("broken-power", "broken-power")
    for law, fragment in (("muennighoff2023", "unique tokens"), ("sigmoid", "accuracy")):
        with pytest.raises(InputError, match=fragment):
            design_law(plan, law)


@pytest.mark.parametrize("law", ["kaplan", "power", "saturating-power"])
def test_rounds_design_and_fit_the_law_family_given(law):
    from scalinglab.sweep.adaptive import suggest_next, target_interval
    from scalinglab.sweep.planner import plan_sweep

    plan = plan_sweep([2.5e9, 5e9, 1e10, 2e10], sizes=5, spread=2.0, steps=300)
    done = [s.key for s in plan.runs[::2]]
    rows = _law_rows(plan, done, seed=1)
    suggestion, keys = suggest_next(plan, rows, budget=3e10, target=4e10, law=law, bootstrap=4)
    assert suggestion.family == law and keys and not set(keys) & set(done)
    found = target_interval(plan, rows, 4e10, law=law, bootstrap=40)
    low, high = found["interval"]
    assert found["note"] is None and low <= found["loss"] <= high
    chinchilla = target_interval(plan, rows, 4e10, bootstrap=40)
    assert chinchilla["loss"] != found["loss"]  # another family, another fit
