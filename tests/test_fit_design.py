"""Which run next: the V-optimal greedy batch, its bookkeeping, the space-filling start and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from conftest import assert_user_error
from scalinglab.fit import Runs, load_runs, make_model
from scalinglab.fit.design import greedy_batch, linearise, suggest_runs
from scalinglab.laws import ChinchillaLaw

TRUE = ChinchillaLaw(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)  # Hoffmann et al. 2022, eq. 10
GRID = "N=20M..2B:10,D=0.5B..50B:10"


def synthetic_runs(n_values, d_values, seed=0, noise=0.01) -> Runs:
    """Runs on the (N, D) grid with losses from TRUE times log-normal scatter."""
    n, d = (a.ravel() for a in np.meshgrid(n_values, d_values, indexing="ij"))
    rng = np.random.default_rng(seed)
    loss = TRUE.loss(n, d) * np.exp(noise * rng.standard_normal(n.size))
    return Runs(source="synthetic", loss=loss, rows=np.arange(1, n.size + 1), n=n, d=d, c=6 * n * d)


def _chinchilla_lin(seed=0, runs=6, candidates=30):
    """A linearisation at perturbed true parameters; each candidate with its own noise variance (as the
    model-robust design gives them)."""
    rng = np.random.default_rng(seed)
    model = make_model("chinchilla")
    theta = model.from_params(TRUE.params())
    data = lambda m: {"lN": np.log(10 ** rng.uniform(7, 10, m)), "lD": np.log(10 ** rng.uniform(9, 11, m))}
    thetas = theta + 0.02 * rng.standard_normal((4, 5))
    lin = linearise(model, thetas, data(runs), data(candidates), data(9), 1e-4, np.full(5, 0.25),
                    1e-4 * (1 + rng.uniform(0, 9, candidates)))
    return model, lin


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_greedy_gains_are_the_exact_drop_of_the_target_variance(seed):
    """Sherman-Morrison bookkeeping: the gains add up to tr(G S) before minus after, inverse recomputed."""
    _, lin = _chinchilla_lin(seed)
    cost = np.ones(lin.cand.shape[1])
    picks, gains, _ = greedy_batch(lin, cost, budget=4, k=4, cost_power=1.0)
    assert len(picks) == 4 and len(set(picks)) == 4
    info = np.linalg.inv(lin.cov)
    for i in picks:
        info = info + np.einsum("bp,bq->bpq", lin.cand[:, i], lin.cand[:, i]) / lin.cand_noise[i]
    after = np.einsum("bij,bji->b", lin.target, np.linalg.inv(info)).mean()
    assert np.isclose(lin.variance().mean() - sum(gains), after, rtol=1e-6, atol=1e-14)
    assert all(g >= 0 for g in gains)


def test_greedy_first_pick_is_the_best_single_run_per_unit_cost():
    """Scored by the mean over parameter vectors of the gain relative to each one's variance, per cost."""
    _, lin = _chinchilla_lin(3)
    cost = np.linspace(1.0, 3.0, lin.cand.shape[1])
    picks, gains, power = greedy_batch(lin, cost, budget=100, k=1, cost_power=1.0)
    single, relative = [], []
    for i in range(lin.cand.shape[1]):
        j = lin.cand[:, i]
        sj = np.einsum("bpq,bq->bp", lin.cov, j)
        gain = np.einsum("bp,bpq,bq->b", sj, lin.target, sj) / (lin.cand_noise[i] + np.einsum("bp,bp->b", j, sj))
        single.append(gain.mean())
        relative.append(np.mean(gain / lin.variance()))
    assert picks[0] == int(np.argmax(np.array(relative) / cost))
    assert np.isclose(gains[0], single[picks[0]]) and power == 1.0


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.5, 12.0))
def test_the_batch_never_spends_more_than_the_budget(seed, budget):
    _, lin = _chinchilla_lin(seed)
    cost = np.random.default_rng(seed).uniform(0.5, 4.0, lin.cand.shape[1])
    picks, gains, _ = greedy_batch(lin, cost, budget=budget, k=8)
    assert cost[picks].sum() <= budget * (1 + 1e-12)
    assert len(picks) <= 8 and len(set(picks)) == len(picks)


def test_suggest_on_synthetic_runs_ranks_runs_within_budget_and_narrows_the_target():
    runs = synthetic_runs(np.geomspace(2e7, 4e8, 4), np.geomspace(1e9, 8e9, 3))
    result = suggest_runs(runs, "chinchilla", grid=GRID, target="C=1e22..1e24", budget=3e19, k=4, bootstrap=8)
    assert result.method.startswith("V-optimal")
    assert [p["rank"] for p in result.picks] == list(range(1, len(result.picks) + 1))
    spend = [p["cumulative_cost"] for p in result.picks]
    assert np.allclose(spend, np.cumsum([p["cost"] for p in result.picks])) and spend[-1] <= 3e19
    assert 0 <= result.variance_after < result.variance_before
    assert all(np.isclose(p["cost"], 6 * p["inputs"]["n"] * p["inputs"]["d"]) for p in result.picks)


def test_the_robust_design_buys_runs_nearer_the_target_than_the_plain_v_optimal_one(monkeypatch):
    """Runs far from the target count as noisier (``ROBUST_DECADES``); with that weighting off (an
    infinite scale) the plain V-optimal batch reaches farther from the target for its leverage."""
    import scalinglab.fit.design.suggest as module

    runs = synthetic_runs(np.geomspace(2e7, 4e8, 4), np.geomspace(1e9, 8e9, 3))
    target = np.log10([2e9, 4e10])

    def distance(result) -> float:
        return float(np.mean([np.hypot(*(np.log10([p["inputs"]["n"], p["inputs"]["d"]]) - target))
                              for p in result.picks]))

    options = {"grid": GRID, "target": "N=2e9,D=4e10", "budget": 3e19, "k": 4, "bootstrap": 8}
    robust = suggest_runs(runs, "chinchilla", **options)
    monkeypatch.setattr(module, "ROBUST_DECADES", np.inf)
    plain = suggest_runs(runs, "chinchilla", **options)
    print(f"mean distance to the target: robust {distance(robust):.2f}, plain {distance(plain):.2f} decades")
    assert distance(robust) < distance(plain)


def test_suggest_is_deterministic_for_a_seed():
    runs = synthetic_runs(np.geomspace(2e7, 4e8, 3), np.geomspace(1e9, 8e9, 3))
    first, second = (suggest_runs(runs, "chinchilla", grid=GRID, target="C=1e23", budget=1e20, k=3, bootstrap=6,
                                  seed=5).to_dict() for _ in range(2))
    assert first == second


def test_fewer_runs_than_parameters_start_by_filling_the_space():
    runs = synthetic_runs([3e7, 6e7], [1e9])
    result = suggest_runs(runs, "chinchilla", grid=GRID, target="C=1e22..1e24", budget=1e20, k=3)
    assert result.method == "space-filling start"
    assert len(result.picks) == 3 and result.spent <= 1e20
    assert any("too few to fit" in note for note in result.notes)
    picked = {(p["inputs"]["n"], p["inputs"]["d"]) for p in result.picks}
    assert len(picked) == 3


def test_unidentified_parameters_are_named_with_the_runs_that_move_them():
    runs = synthetic_runs(np.geomspace(2e7, 2e9, 8), [5e9], noise=0.003)
    result = suggest_runs(runs, "chinchilla", grid=GRID, target="C=1e22..1e24", budget=1e20, k=3, bootstrap=8)
    missing = [name for name, info in result.identifiability.items() if not info["identified"]]
    assert missing, result.identifiability
    for name in missing:
        best = result.identifiability[name]["best_candidates"]
        assert len(best) == 3 and all(c["n"] > 0 and c["d"] > 0 for c in best)


def test_cli_suggest_json_is_what_the_api_returns(cli, tmp_path):
    done = tmp_path / "done.csv"
    runs = synthetic_runs(np.geomspace(2e7, 4e8, 4), np.geomspace(1e9, 8e9, 3))
    done.write_text("N,D,loss\n" + "".join(f"{n:.6g},{d:.6g},{l:.6g}\n" for n, d, l in zip(runs.n, runs.d, runs.loss)))
    args = ["suggest", "--runs", done, "--grid", GRID, "--target", "C=1e22..1e24", "--budget", "3e19", "--k", "3",
            "--bootstrap", "6"]
    out = cli(*args, "--json")
    assert out.code == 0, out.stderr
    data = out.json()
    import scalinglab as sl

    api = sl.suggest(str(done), grid=GRID, target="C=1e22..1e24", budget=3e19, k=3, bootstrap=6).to_dict()
    assert data == api
    assert len(data["picks"]) <= 3 and data["picks"][-1]["cumulative_cost"] <= 3e19
    text = cli(*args)
    assert text.code == 0 and "Runs to train next" in text.stdout


@pytest.fixture
def done_csv(tmp_path):
    path = tmp_path / "done.csv"
    runs = synthetic_runs(np.geomspace(2e7, 4e8, 3), np.geomspace(1e9, 8e9, 3))
    path.write_text("N,D,loss\n" + "".join(f"{float(n)!r},{float(d)!r},{float(l)!r}\n" for n, d, l in zip(runs.n, runs.d, runs.loss)))
    return path


@pytest.mark.parametrize("extra, fragments", [
    (["--grid", GRID, "--target", "C=1e22", "--budget", "1e10"], ("--budget", "cheapest candidate")),
    (["--grid", GRID, "--target", "U=1e12", "--budget", "1e20"], ("--target", "U is not an input")),
    (["--grid", GRID, "--target", "C=1e22", "--budget", "-5"], ("--budget", "positive")),
    (["--grid", "X=1..2:3", "--target", "C=1e22", "--budget", "1e20"], ("--grid", "N, D, C, U")),
    (["--grid", "N=10M..1B:4", "--target", "C=1e22", "--budget", "1e20"], ("--grid", "needs D", "D=lo..hi")),
    (["--target", "C=1e22", "--budget", "1e20"], ("--candidates", "--grid")),
    (["--grid", GRID, "--budget", "1e20"], ("--target",)),
    (["--grid", GRID, "--target", "C=1e22", "--budget", "1e20", "--cost", "N-1e8"], ("--cost", "non-positive cost")),
    (["--grid", GRID, "--target", "C=1e22", "--budget", "1e20", "--cost", "6*N*X"], ("--cost", "no X")),
    (["--grid", GRID, "--target", "C=1e22", "--budget", "1e20", "--cost", "__import__('os')"], ("not allowed",)),
])
def test_bad_suggest_input_is_one_line_exit_2(cli, done_csv, extra, fragments):
    assert_user_error(cli("suggest", "--runs", done_csv, *extra), *fragments)


def test_bad_candidate_tables_are_one_line_exit_2(cli, done_csv, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("N,D\n")
    assert_user_error(cli("suggest", "--runs", done_csv, "--candidates", empty, "--target", "C=1e22",
                          "--budget", "1e20"), "empty.csv", "no rows")
    free = tmp_path / "free.csv"
    free.write_text("N,D,cost\n1e8,2e9,5\n2e8,2e9,0\n")
    assert_user_error(cli("suggest", "--runs", done_csv, "--candidates", free, "--target", "C=1e22",
                          "--budget", "1e20"), "cost", "row 2")
    again = tmp_path / "again.csv"
    first = done_csv.read_text().splitlines()[1].split(",")
    again.write_text(f"N,D\n3e8,3e9\n{first[0]},{first[1]}\n")
    assert_user_error(cli("suggest", "--runs", done_csv, "--candidates", again, "--target", "C=1e22",
                          "--budget", "1e21"), "candidate row 2", "already a run")


def test_suggest_from_bundled_runs_through_the_api():
    runs = load_runs("chinchilla-runs").take(np.arange(0, 245, 5))
    result = suggest_runs(runs, "hoffmann2022", grid=GRID, target="C=1e22..1e24", budget=5e19, k=2, bootstrap=4)
    assert result.family == "chinchilla" and 1 <= len(result.picks) <= 2


def test_a_cost_formula_prices_the_candidates():
    """--cost is read by the formula grammar: 6*N*D*(1 + N/1e9) on every candidate, the budget on that cost."""
    runs = synthetic_runs(np.geomspace(2e7, 4e8, 4), np.geomspace(1e9, 8e9, 3))
    result = suggest_runs(runs, "chinchilla", grid=GRID, target="C=1e23", budget=2e19, k=3, bootstrap=4,
                          cost="6*N*D*(1 + N/1e9)")
    for pick in result.picks:
        n, d = pick["inputs"]["n"], pick["inputs"]["d"]
        assert np.isclose(pick["cost"], 6 * n * d * (1 + n / 1e9))
    assert result.spent <= 2e19 and result.settings["cost"] == "6*N*D*(1 + N/1e9)"


def test_a_formula_law_is_designed_for_with_its_own_input_names(cli, tmp_path):
    """--formula with --var: the grid and the target name the formula's inputs; costs default to 6 N D."""
    runs = synthetic_runs(np.geomspace(2e7, 4e8, 4), np.geomspace(1e9, 8e9, 3))
    done = tmp_path / "done.csv"
    done.write_text("params,tokens,loss\n" + "".join(f"{float(n)!r},{float(d)!r},{float(l)!r}\n"
                                                   for n, d, l in zip(runs.n, runs.d, runs.loss)))
    args = ["suggest", "--runs", done, "--formula", "E + A / N^alpha + B / D^beta", "--var", "N=params", "--var",
            "D=tokens", "--grid", GRID, "--budget", "3e19", "--k", "3", "--bootstrap", "4"]
    out = cli(*args, "--target", "N=7B,D=140B", "--json")
    assert out.code == 0, out.stderr
    data = out.json()
    assert data["family"] == "formula" and data["method"].startswith("V-optimal")
    assert all(set(p["inputs"]) == {"N", "D"} and np.isclose(p["cost"], 6 * p["inputs"]["N"] * p["inputs"]["D"])
               for p in data["picks"])
    assert 0 < data["variance_after"] < data["variance_before"]
    assert_user_error(cli(*args, "--target", "N=7B"), "--target", "leaves out D")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="NDCUXnd=.,:0123456789eEKMBT-+ _()*'", max_size=40))
@example("N=10M..1B:12,D=1B..100B:3")
@example("n=1..0.5:3")
@example("N=0..1:3")
@example("N=1..2:1,N=3")
def test_grid_text_is_parsed_or_refused_in_one_line(text):
    """Any --grid text gives log-spaced positive ranges or a ScalingLabError, never another exception."""
    from scalinglab.errors import ScalingLabError
    from scalinglab.fit.design.inputs import parse_ranges

    try:
        axes = parse_ranges(text, "--grid", 12)
    except ScalingLabError as error:
        assert "\n" not in str(error) and str(error)
        return
    assert axes and set(axes) <= {"n", "d", "c", "u"}
    for values in axes.values():
        assert np.all(values > 0) and np.all(np.diff(values) > 0)
