"""The explorer's JSON API: the same numbers as the CLI's --json, one-line errors, limits, jobs, registry."""

from __future__ import annotations

import io
import json
import re
import time
from contextlib import redirect_stderr, redirect_stdout

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from scalinglab.cli.app import main  # noqa: E402
from scalinglab.web import Limits, Settings, create_app  # noqa: E402


def cli_json(*args: str):
    """``scalinglab ARGS --json`` in this process: the parsed JSON it prints."""
    out = io.StringIO()
    with redirect_stdout(out):
        main([*args, "--json"])
    return json.loads(out.getvalue())


def cli_error(*args: str) -> str:
    """The one line ``scalinglab ARGS`` prints for a user error, without its 'error: ' prefix."""
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()), pytest.raises(SystemExit) as exit_info:
        main(list(args))
    assert exit_info.value.code == 2
    line = err.getvalue().strip()
    assert line.startswith("error: ") and "\n" not in line
    return line[len("error: "):]


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), base_url="http://127.0.0.1") as test_client:
        yield test_client


def ok(response):
    assert response.status_code == 200, response.text
    return response.json()


def without_seconds(data):
    """Fit results carry their wall time; everything else must match exactly."""
    return {k: v for k, v in data.items() if k != "seconds"}


# -- exact JSON against the CLI ---------------------------------------------------------------------
@pytest.mark.parametrize("body, args", [
    ({"compute": ["5.76e23"], "law": "hoffmann2022"}, ["plan", "--compute", "5.76e23", "--law", "hoffmann2022"]),
    ({"compute": ["1e21,1e23", 1e25]}, ["plan", "--compute", "1e21,1e23", "--compute", "1e25"]),
    ({"compute": ["1e22"], "law": "muennighoff2023", "unique_tokens": "20B"},
     ["plan", "--compute", "1e22", "--law", "muennighoff2023", "--unique-tokens", "20B"]),
    ({"law": "hoffmann2022", "target_loss": 2.0}, ["plan", "--law", "hoffmann2022", "--target-loss", "2.0"]),
    ({"compute": ["1e23"], "inference_tokens": "2T"}, ["plan", "--compute", "1e23", "--inference-tokens", "2T"]),
])
def test_plan_is_the_cli_json(client, body, args):
    assert ok(client.post("/api/v1/plan", json=body)) == cli_json(*args)


def test_predict_pins_hoffmann_eq10_at_chinchilla_size(client):
    # Hoffmann et al. 2022 (arXiv:2203.15556) eq. 10: E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28,
    # at Chinchilla's N = 70B, D = 1.4T: L = 1.69 + 406.4 / N^0.34 + 410.7 / D^0.28 = 1.9366.
    data = ok(client.post("/api/v1/predict", json={"law": "hoffmann2022", "params": "70B", "tokens": "1.4T"}))
    assert data == cli_json("predict", "--law", "hoffmann2022", "--params", "70B", "--tokens", "1.4T")
    assert data["loss"] == pytest.approx(1.9366, abs=5e-5)


def test_cost_and_budget_are_the_cli_json(client):
    body = {"flops": "3.14e23", "gpu": "a100", "gpus": 1024, "mfu": "0.3 to 0.5", "samples": 2000, "seed": 3}
    expected = cli_json("cost", "--flops", "3.14e23", "--gpu", "a100", "--gpus", "1024", "--mfu", "0.3 to 0.5",
                        "--samples", "2000", "--seed", "3")
    assert ok(client.post("/api/v1/cost", json=body)) == expected
    expected = cli_json("budget", "--dollars", "100M", "--gpu", "h100", "--basis", "owned")
    web = ok(client.post("/api/v1/budget", json={"dollars": "100M", "gpu": "h100", "basis": "owned"}))
    assert web["notes"] == [note.replace("--goodput", "goodput") for note in expected["notes"]]  # its own words
    assert {**web, "notes": None} == {**expected, "notes": None}


def test_goodput_hfu_and_cluster_family_are_the_cli_json(client):
    body = {"flops": "1e24", "gpu": "a100-80gb", "gpus": 2240, "hfu": "40.4%", "goodput": "0.9"}
    web = ok(client.post("/api/v1/cost", json=body))
    command = cli_json("cost", "--flops", "1e24", "--gpu", "a100-80gb", "--gpus", "2240", "--hfu", "40.4%",
                       "--goodput", "0.9")
    assert web["notes"] == [note.replace("--hfu", "hfu") for note in command["notes"]]  # each names the option its way
    assert {**web, "notes": None} == {**command, "notes": None}
    body = {"flops": "1e24", "gpu": "h100", "gpus": 4096, "cluster_model": True, "cluster_family": "MT-NLG 530B"}
    assert ok(client.post("/api/v1/cost", json=body)) == cli_json(
        "cost", "--flops", "1e24", "--gpu", "h100", "--gpus", "4096", "--cluster-model", "--cluster-family",
        "MT-NLG 530B")
    bad = client.post("/api/v1/cost", json={"flops": "1e24", "gpu": "h100", "gpus": 8, "goodput": "1.5"})
    assert bad.status_code == 422 and bad.json()["error"] == "goodput must be in (0, 1], got 1.5"


@pytest.mark.parametrize("path, args", [
    ("/api/v1/hardware", ["hardware", "list"]),
    ("/api/v1/hardware/H100", ["hardware", "show", "H100"]),
    ("/api/v1/cluster", ["hardware", "cluster"]),
    ("/api/v1/laws", ["laws", "list"]),
    ("/api/v1/laws/chinchilla", ["laws", "show", "chinchilla"]),
    ("/api/v1/datasets", ["datasets", "list"]),
    ("/api/v1/datasets/chinchilla-runs", ["datasets", "show", "chinchilla-runs"]),
    ("/api/v1/scenarios", ["scenarios", "list"]),
    ("/api/v1/scenarios/epoch-trends", ["scenarios", "show", "epoch-trends"]),
])
def test_catalogues_are_the_cli_json(client, path, args):
    assert ok(client.get(path)) == cli_json(*args)


def test_forecast_of_a_preset_and_of_its_exported_yaml_is_the_cli_json(client, tmp_path):
    expected = cli_json("forecast", "--scenario", "scaling-picture", "--samples", "2000", "--seed", "5")
    body = {"scenario": "scaling-picture", "samples": 2000, "seed": 5}
    assert ok(client.post("/api/v1/forecast", json=body)) == expected
    text = client.get("/api/v1/scenarios/scaling-picture/yaml").text
    path = tmp_path / "scaling-picture.yaml"
    path.write_text(text)
    from_file = cli_json("forecast", "--scenario", str(path), "--samples", "2000", "--seed", "5")
    assert ok(client.post("/api/v1/forecast", json={"yaml": text, "samples": 2000, "seed": 5})) == from_file
    expected = cli_json("forecast", "--scenario", "epoch-trends", "--samples", "1000", "--law", "muennighoff2023")
    assert ok(client.post("/api/v1/forecast", json={"scenario": "epoch-trends", "samples": 1000,
                                                     "law": "muennighoff2023"})) == expected


def test_fit_of_a_bundled_set_and_of_an_upload_is_the_cli_json(client, tmp_path):
    expected = cli_json("fit", "chinchilla-runs", "--bootstrap", "30", "--seed", "2", "--drop-highest-loss", "5")
    data = ok(client.post("/api/v1/fit", data={"dataset": "chinchilla-runs", "bootstrap": "30", "seed": "2",
                                               "drop_highest_loss": "5"}))
    assert without_seconds(data) == without_seconds(expected)
    # an uploaded file: the first 60 Chinchilla runs, fitted under the file's own name
    from scalinglab.datasets import read_bundled

    path = tmp_path / "my runs.csv"
    read_bundled("chinchilla-runs").head(60).to_csv(path, index=False)
    expected = cli_json("fit", str(path), "--n-col", "Model Size", "--c-col", "Training FLOP")
    with path.open("rb") as handle:
        data = ok(client.post("/api/v1/fit", data={"n_col": "Model Size", "c_col": "Training FLOP"},
                              files={"file": ("my runs.csv", handle, "text/csv")}))
    assert without_seconds(data) == without_seconds(expected)
    assert data["data"]["source"] == "my runs.csv"


def test_isoflop_is_the_cli_json(client):
    expected = cli_json("isoflop", "chinchilla-runs", "--bootstrap", "40")
    assert without_seconds(ok(client.post("/api/v1/isoflop", data={"dataset": "chinchilla-runs", "bootstrap": "40"}))) \
        == without_seconds(expected)


# -- user errors: 422 with the CLI's line ------------------------------------------------------------
def test_a_bad_upload_is_a_422_with_the_cli_line(client, tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("N,D,loss\n1e8,2e9,2.5\n2e8,abc,2.4\n")
    with path.open("rb") as handle:
        response = client.post("/api/v1/fit", files={"file": ("runs.csv", handle, "text/csv")})
    assert response.status_code == 422  # the CLI's line, naming the option as the web form does
    assert response.json() == {"error": cli_error("fit", str(path)).replace("--drop-missing", "drop_missing")}


@pytest.mark.parametrize("path, body, args", [
    ("/api/v1/plan", {"compute": ["lots"]}, ["plan", "--compute", "lots"]),
    ("/api/v1/plan", {"compute": ["1e23"], "law": "chinchila"}, ["plan", "--compute", "1e23", "--law", "chinchila"]),
    ("/api/v1/cost", {"flops": "1e23", "gpu": "h1000", "gpus": 8}, ["cost", "--flops", "1e23", "--gpu", "h1000", "--gpus", "8"]),
    ("/api/v1/forecast", {"scenario": "nope"}, ["forecast", "--scenario", "nope"]),
])
def test_user_errors_are_the_cli_line(client, path, body, args):
    response = client.post(path, json=body)
    assert response.status_code == 422  # the CLI's line, naming each option as the body's field
    field = lambda match: match.group(1).replace("-", "_")  # noqa: E731
    assert response.json() == {"error": re.sub(r"--([a-z][a-z-]*)", field, cli_error(*args))}


def test_no_law_is_ever_read_from_a_path(client, tmp_path):
    fit = tmp_path / "fit.json"
    fit.write_text(json.dumps({"law": {"family": "chinchilla", "params": {"E": 1, "A": 1, "B": 1, "alpha": 0.3, "beta": 0.3}}}))
    for law in (str(fit), "../fit.json", "/etc/passwd", "fit.json"):
        response = client.post("/api/v1/plan", json={"compute": ["1e23"], "law": law})
        assert response.status_code == 422 and "n_opt" not in response.json()  # never read, whatever its length
        if len(law) <= 80:
            assert response.json()["error"].startswith("unknown law")
    # a law given by value (a fit's 'law' object) is how a fit travels
    law = {"family": "chinchilla", "params": {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}, "name": "mine"}
    data = ok(client.post("/api/v1/plan", json={"compute": ["5.76e23"], "law": law}))
    published = ok(client.post("/api/v1/plan", json={"compute": ["5.76e23"], "law": "hoffmann2022"}))
    assert data["law"] == ["mine"] if isinstance(data["law"], list) else data["law"] == "mine"
    assert data["n_opt"] == pytest.approx(published["n_opt"], rel=1e-3)
    bought = ok(client.post("/api/v1/budget", json={"dollars": "100M", "gpu": "h100", "law": law}))
    assert bought["law"] == "mine"
    assert bought["n_opt"] == ok(client.post("/api/v1/budget", json={"dollars": "100M", "gpu": "h100",
                                                                    "law": "hoffmann2022"}))["n_opt"]


def test_schema_errors_are_one_line(client):
    response = client.post("/api/v1/plan", json={"compute": True, "colour": "red"})
    assert response.status_code == 422
    message = response.json()["error"]
    assert "\n" not in message and "compute" in message and "colour" in message


def test_no_endpoint_takes_a_file_system_path(client):
    schema = ok(client.get("/api/v1/openapi.json"))
    names = json.dumps(schema).lower()
    assert '"path"' not in names.replace('"in": "path"', "")  # no parameter or field called path
    bodies = schema["components"]["schemas"]
    binary = [name for name, s in bodies.items()
              if any(option.get("contentMediaType") == "application/octet-stream"
                     for p in s.get("properties", {}).values() for option in p.get("anyOf", [p]))]
    assert len(binary) == 6, "the upload, fit, isoflop and suggest bodies take file contents, never a name on disk"


# -- limits -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tight():
    limits = Limits(upload_bytes=2_000, upload_rows=10, bootstrap=50, samples=5_000, request_seconds=0.05)
    with TestClient(create_app(Settings(limits=limits)), base_url="http://127.0.0.1") as test_client:
        yield test_client


def test_limits_are_stated_and_enforced(tight):
    stated = ok(tight.get("/api/v1/meta"))["limits"]
    assert stated["upload_bytes"] == 2_000 and stated["samples"] == 5_000
    big = b"N,D,loss\n" + b"100000000,2000000000,2.5\n" * 200
    response = tight.post("/api/v1/fit", files={"file": ("big.csv", big, "text/csv")})
    assert response.status_code == 413 and "big.csv" in response.json()["error"] and "2" in response.json()["error"]
    rows = b"N,D,loss\n" + b"".join(b"%d,%d,%.3f\n" % (1e8 * (i + 1), 2e9 * (i + 1), 3 - 0.01 * i) for i in range(20))
    response = tight.post("/api/v1/fit", files={"file": ("rows.csv", rows, "text/csv")})
    assert response.status_code == 422 and "at most 10" in response.json()["error"]
    response = tight.post("/api/v1/fit", data={"dataset": "chinchilla-runs", "bootstrap": "51"})
    assert response.status_code == 422 and "at most 50" in response.json()["error"]
    response = tight.post("/api/v1/cost", json={"flops": "1e23", "gpu": "h100", "gpus": 8, "samples": 5001})
    assert response.status_code == 422 and "5,000" in response.json()["error"]
    # the numeric Kaplan allocation over 42 budgets takes about half a second
    response = tight.post("/api/v1/charts/plan", json={"laws": ["kaplan2020"], "compute": "1e23"})
    assert response.status_code == 422 and "0.05 s limit" in response.json()["error"]


# -- jobs: streamed progress, cancel, no stall -------------------------------------------------------
def _events(client, job_id):
    with client.stream("GET", f"/api/v1/fit/jobs/{job_id}/events") as stream:
        name = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                yield name, json.loads(line[6:])


def test_a_bootstrap_streams_progress_then_its_result(client):
    job = client.post("/api/v1/fit/jobs", data={"dataset": "chinchilla-runs", "bootstrap": "200"})
    assert job.status_code == 202
    events = list(_events(client, job.json()["id"]))
    names = [name for name, _ in events]
    assert names[-1] == "result" and names.count("progress") >= 2
    progress = [data["done"] for name, data in events if name == "progress"]
    assert progress == sorted(progress)
    final = events[-1][1]
    assert final["result"]["bootstrap"]["size"] == 200 and "fit" in final["charts"]


def test_a_running_bootstrap_can_be_cancelled_and_does_not_stall_other_requests(client):
    job = client.post("/api/v1/fit/jobs", data={"dataset": "chinchilla-runs", "bootstrap": "2000",
                                                "estimator": "hoffmann"}).json()
    time.sleep(0.3)
    started = time.perf_counter()
    for _ in range(5):
        ok(client.post("/api/v1/plan", json={"compute": ["1e23"]}))
    assert (time.perf_counter() - started) / 5 < 0.5
    assert ok(client.get(f"/api/v1/fit/jobs/{job['id']}"))["status"] == "running"
    assert ok(client.delete(f"/api/v1/fit/jobs/{job['id']}"))["status"] == "cancelled"
    assert [name for name, _ in _events(client, job["id"])] == ["cancelled"]
    assert client.get("/api/v1/fit/jobs/nope").status_code == 404


# -- registry (read-only) ---------------------------------------------------------------------------
def make_registry(path):
    """A registry with one planned sweep, one of whose runs finished with a loss curve."""
    from scalinglab.store import RunsRegistry
    from scalinglab.sweep.planner import plan_sweep

    plan = plan_sweep([1e10, 2e10], steps=50, vocab_size=257, n_ctx=64, seeds=(0,)).to_dict()
    run = plan["runs"][0]
    history = [{"step": s, "tokens": s * run["n_tokens"] // 50, "flops": s * run["flops"] / 50, "lr": 1e-3,
                "train_loss": 3.0 - s / 100, "val_loss": 3.1 - s / 100, "elapsed_s": 0.1 * s} for s in (10, 25, 50)]
    result = {"tokens": run["n_tokens"], "flops": run["flops"], "final_loss": 2.6, "final_train_loss": 2.5,
              "wall_seconds": 1.0, "train_seconds": 0.9, "tokens_per_second": 1e5, "flops_per_second": 1e10,
              "mfu": None, "device": "cpu", "device_name": "test", "torch_version": "x", "history": history}
    with RunsRegistry(path) as db:
        db.open_sweep("tiny <b>sweep</b>", plan, {"corpus_hash": "abc" * 10, "source": "test"})
        db.start_run("tiny <b>sweep</b>", run["key"], executor="local")
        db.finish_run("tiny <b>sweep</b>", run["key"], result)
    return run


def test_registry_is_shown_read_only(tmp_path):
    path = tmp_path / "runs.db"
    run = make_registry(path)
    before = path.read_bytes()
    with TestClient(create_app(Settings(registry=path)), base_url="http://127.0.0.1") as client:
        listing = ok(client.get("/api/v1/registry"))
        assert [s["sweep"] for s in listing["sweeps"]] == ["tiny <b>sweep</b>"]
        data = ok(client.get("/api/v1/registry/tiny <b>sweep</b>"))
        assert data["status"]["finished"] == 1 and data["status"]["pending"] == data["status"]["runs"] - 1
        assert [p["loss"] for p in data["curves"]] == pytest.approx([3.0, 2.85, 2.6])
        assert data["curves"][0]["key"] == run["key"]
        assert client.get("/api/v1/registry/other").status_code == 404  # an unknown name in the URL
        snippets = ok(client.post("/api/v1/snippets/sweep-status", json={"name": "tiny <b>sweep</b>"}))
        assert snippets["cli"] == "scalinglab sweep status --db runs.db --name 'tiny <b>sweep</b>'"  # no server folder
        import shlex

        assert cli_json(*shlex.split(snippets["cli"].replace("runs.db", str(path)))[1:])["detail"]["finished"] == data["status"]["finished"] == 1
    assert path.read_bytes() == before
    from scalinglab.store import RunsRegistry

    with RunsRegistry(path, read_only=True) as db, pytest.raises(Exception, match="readonly"):
        db.start_run("tiny <b>sweep</b>", "x", executor="local")


def test_without_a_registry_the_sweeps_view_says_so(client):
    assert ok(client.get("/api/v1/registry")) == {"registry": None, "sweeps": []}
    assert client.get("/api/v1/registry/any").status_code == 404
    assert client.post("/api/v1/snippets/sweep-status", json={"name": "any"}).status_code == 404


# -- pages, assets, security headers ----------------------------------------------------------------
def test_pages_and_assets_come_from_the_package_with_a_strict_csp(client):
    for page in ("/", "/plan", "/cost", "/fit", "/forecast", "/sweeps", "/laws"):
        response = client.get(page)
        assert response.status_code == 200 and '<script type="module" src="/static/app.js">' in response.text
        assert all(' src="/static/' in tag for tag in re.findall(r"<script[^>]*>", response.text))  # nothing inline
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "http" not in csp and "*" not in csp
    bundle = client.get("/static/vega.js")
    assert bundle.status_code == 200 and "vegaEmbed" in bundle.text and bundle.headers["etag"]
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/index.html").status_code == 404
    assert client.get("/nowhere").status_code == 404


def test_every_module_the_pages_import_is_served_as_javascript(client):
    """The entry module and every module it imports, statically or on demand, answer 200 with a JavaScript
    type (a module script of another type is refused by the browser)."""
    seen, queue = set(), ["app.js"]
    while queue:
        name = queue.pop()
        seen.add(name)
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript"), name
        imported = re.findall(r'(?:from |import\()"\./([\w-]+\.js)"', response.text)
        queue += [module for module in imported if module not in seen]
    assert {"core.js", "chart.js", "plan.js", "cost.js", "fit.js", "forecast.js", "sweeps.js", "laws.js"} <= seen


def test_sources_carry_bibtex(client):
    sources = ok(client.get("/api/v1/sources"))
    hoffmann = next(s for s in sources if s["kind"] == "law" and s["name"] == "hoffmann2022")
    assert "eprint = {2203.15556}" in hoffmann["bibtex"] and hoffmann["bibtex"].startswith("@misc{hoffmann2022")
    assert {s["kind"] for s in sources} >= {"law", "dataset", "constant", "hardware"}
    bib = client.get("/api/v1/sources.bib").text
    assert bib.count("@misc{") == len({s["bibtex"] for s in sources})


# -- scalinglab serve --------------------------------------------------------------------------------
def test_serve_refuses_a_missing_registry_in_one_line(cli, tmp_path):
    from conftest import assert_user_error

    assert_user_error(cli("serve", "--registry", tmp_path / "nope.db"), "nope.db", "does not exist")


def test_serve_binds_localhost_and_warns_when_exposed(tmp_path):
    import os
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "scalinglab", "serve", "--host", "0.0.0.0", "--port", str(port)],
                               stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        warning = process.stderr.readline()
        assert warning.startswith("warning: --host 0.0.0.0 exposes the explorer")
        assert process.stderr.readline().startswith(f"scalinglab explorer on http://0.0.0.0:{port}/")
        deadline = time.monotonic() + 60
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}/api/v1/meta", timeout=2).json()["version"]
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=20)
    import typer

    from scalinglab.cli.app import app

    serve = typer.main.get_command(app).commands["serve"]
    assert next(p.default for p in serve.params if p.name == "host") == "127.0.0.1"


# -- invariants ---------------------------------------------------------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(exponent=st.floats(min_value=18, max_value=28, allow_nan=False),
       law=st.sampled_from(["besiroglu2024", "hoffmann2022", "kaplan2020", "hoffmann2022-approach1"]))
def test_plan_over_http_is_the_python_api_for_any_budget(client, exponent, law):
    import scalinglab as sl

    compute = float(f"{10 ** exponent:.6g}")
    assert ok(client.post("/api/v1/plan", json={"compute": [compute], "law": law})) == \
        json.loads(json.dumps(sl.plan([compute], law=law).to_dict()))


def test_the_plan_chart_leaves_out_laws_that_cannot_plan_the_variant(client):
    data = ok(client.post("/api/v1/charts/plan", json={"laws": ["besiroglu2024", "muennighoff2023"],
                                                        "variant": "data-constrained", "unique_tokens": "1T",
                                                        "compute": "1e22"}))
    assert [p["law"] for p in data["budget"]] == ["muennighoff2023"]
    assert data["skipped"][0]["law"] == "besiroglu2024" and "data-constrained law" in data["skipped"][0]["error"]
    expected = ok(client.post("/api/v1/plan", json={"compute": ["1e22"], "law": "muennighoff2023",
                                                    "unique_tokens": "1T"}))
    assert data["budget"][0]["n_opt"] == pytest.approx(expected["n_opt"][0], rel=1e-9)
    alone = client.post("/api/v1/charts/plan", json={"laws": ["besiroglu2024"], "variant": "data-constrained",
                                                      "unique_tokens": "1T"})
    assert alone.status_code == 422 and "data-constrained law" in alone.json()["error"]


@pytest.mark.parametrize("threads", [1, 3])
def test_requests_compute_at_most_compute_threads_at_once(threads, monkeypatch):
    """32 concurrent plan requests: at most ``compute_threads`` run the library at once, the rest wait
    their turn (a few threads rather than one per request, so they do not take turns on the GIL)."""
    import threading

    import anyio
    import httpx

    from scalinglab.web import service

    real, running, most, lock = service.plan, [0], [0], threading.Lock()

    def counted(**kwargs):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(0.02)
            return real(**kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(service, "plan", counted)
    app = create_app(Settings(limits=Limits(compute_threads=threads)))

    async def load():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            async def one():
                return await client.post("/api/v1/plan", json={"compute": ["5.76e23"]})
            return [r.status_code for r in await _gather(one, 32)]

    async def _gather(make, count):
        results = [None] * count

        async def run(i):
            results[i] = await make()

        async with anyio.create_task_group() as group:
            for i in range(count):
                group.start_soon(run, i)
        return results

    assert anyio.run(load) == [200] * 32
    assert most[0] == threads


@pytest.mark.parametrize("path, body, python", [
    ("/api/v1/plan", {"compute": 5.76e23}, lambda sl: sl.plan(5.76e23)),
    ("/api/v1/plan", {"compute": "5.76e23", "law": "hoffmann2022"}, lambda sl: sl.plan("5.76e23", law="hoffmann2022")),
    ("/api/v1/plan", {"compute": [1e21, "1e23"]}, lambda sl: sl.plan([1e21, "1e23"])),
    ("/api/v1/predict", {"law": "hoffmann2022", "params": [1e9, "70B"], "tokens": ["20B", 1.4e12]},
     lambda sl: sl.predict("hoffmann2022", params=[1e9, "70B"], tokens=["20B", 1.4e12])),
    ("/api/v1/predict", {"law": "hoffmann2022", "params": "70B", "tokens": "1.4T"},
     lambda sl: sl.predict("hoffmann2022", params="70B", tokens="1.4T")),
])
def test_a_scalar_or_a_list_wherever_the_python_api_takes_either(client, path, body, python):
    import scalinglab as sl

    assert ok(client.post(path, json=body)) == json.loads(json.dumps(python(sl).to_dict()))


def test_a_fit_planned_far_beyond_its_runs_carries_the_cli_warning(client, tmp_path):
    fit = ok(client.post("/api/v1/fit", data={"dataset": "chinchilla-runs"}))
    (tmp_path / "fit.json").write_text(json.dumps(fit))
    law = {**fit["law"], "name": "fit.json", "fitted_range": fit["data"]["fitted_range"]}
    expected = cli_json("plan", "--compute", "1e27", "--law", str(tmp_path / "fit.json"))["warnings"]
    assert len(expected) == 2 and all("beyond the largest" in w for w in expected)
    assert ok(client.post("/api/v1/plan", json={"compute": 1e27, "law": law}))["warnings"] == expected
    chart = ok(client.post("/api/v1/charts/plan", json={"laws": [law, "hoffmann2022"], "compute": 1e27}))
    assert [row["warnings"] for row in chart["budget"]][0] == expected
    within = ok(client.post("/api/v1/charts/plan", json={"laws": [law], "compute": 1e21}))
    assert within["budget"][0]["warnings"] == []


@pytest.mark.parametrize("kind, args, form", [
    ("fit", ["--where", "`Model Size` < 3e9 and loss < 3.5", "--duplicates", "min"],
     {"where": "`Model Size` < 3e9 and loss < 3.5", "duplicates": "min"}),
    ("isoflop", ["--bootstrap", "0", "--where", "`Training FLOP` >= 1e19"],
     {"bootstrap": "0", "where": "`Training FLOP` >= 1e19"}),
])
def test_the_filter_and_duplicates_of_a_fit_are_the_cli_json(client, kind, args, form):
    # the same runs and numbers; the notes name the options in the caller's words (where=, not --where)
    cli_text = json.dumps(cli_json(kind, "chinchilla-runs", *args))
    expected = json.loads(cli_text.replace("--where '", "where='").replace("--duplicates ", "duplicates="))
    data = ok(client.post(f"/api/v1/{kind}", data={"dataset": "chinchilla-runs", **form}))
    assert without_seconds(data) == without_seconds(expected)
    unfiltered = ["--bootstrap", "0"] if kind == "isoflop" else []
    assert data["points" if kind == "isoflop" else "params"] != cli_json(kind, "chinchilla-runs", *unfiltered)[
        "points" if kind == "isoflop" else "params"]


def test_a_bad_filter_is_the_cli_line(client):
    response = client.post("/api/v1/fit", data={"dataset": "chinchilla-runs", "where": "__import__('os') > 1"})
    assert response.status_code == 422
    cli_line = cli_error("fit", "chinchilla-runs", "--where", "__import__('os') > 1")
    assert response.json()["error"] == cli_line.replace("--where ", "where=", 1)


# -- which runs to train next --------------------------------------------------------------------------
SUGGEST_ARGS = ["--grid", "N=10M..1B:8,D=1B..100B:8", "--target", "C=1e22..1e24", "--budget", "1e20", "--k", "3",
                "--bootstrap", "8"]


def _suggest_form(**changes) -> dict:
    form = {SUGGEST_ARGS[i][2:]: SUGGEST_ARGS[i + 1] for i in range(0, len(SUGGEST_ARGS), 2)}
    return {"dataset": "chinchilla-runs", **form, **changes}


def test_suggest_on_a_bundled_set_and_on_an_upload_is_the_cli_json(client, tmp_path):
    expected = cli_json("suggest", "--runs", "chinchilla-runs", *SUGGEST_ARGS)
    data = ok(client.post("/api/v1/suggest", data=_suggest_form()))
    assert data == expected
    assert [pick["rank"] for pick in data["picks"]] == [1, 2, 3] and data["spent"] <= 1e20
    assert data["warnings"] and data["warnings"][0].startswith("A is not identified by the runs done")
    from scalinglab.datasets import read_bundled

    path = tmp_path / "done.csv"
    read_bundled("chinchilla-runs").head(60).to_csv(path, index=False)
    expected = cli_json("suggest", "--runs", str(path), "--n-col", "Model Size", "--c-col", "Training FLOP", *SUGGEST_ARGS)
    form = {key: value for key, value in _suggest_form(n_col="Model Size", c_col="Training FLOP").items() if key != "dataset"}
    with path.open("rb") as handle:
        data = ok(client.post("/api/v1/suggest", data=form, files={"file": ("done.csv", handle, "text/csv")}))
    assert data == expected and data["n_runs"] == 60


@pytest.mark.parametrize("changes, args", [
    ({"grid": " "}, ["--grid", " "]),                             # an empty candidate set
    ({"budget": "1e10"}, ["--budget", "1e10"]),                   # below the cheapest candidate (6e16 FLOP)
    ({"target": "Q=1..2"}, ["--target", "Q=1..2"]),               # not one of the law's inputs
    ({"cost": "0*N"}, ["--cost", "0*N"]),                         # a non-positive cost
])
def test_bad_suggest_input_is_a_422_with_the_cli_line(client, changes, args):
    response = client.post("/api/v1/suggest", data=_suggest_form(**changes))
    assert response.status_code == 422
    line = cli_error("suggest", "--runs", "chinchilla-runs", *SUGGEST_ARGS, *args)
    assert response.json() == {"error": line.replace(args[0], args[0][2:])}  # the web names the form's field


@pytest.mark.parametrize("changes, words", [
    ({"grid": ""}, "grid: "),                                     # an empty form field is no grid at all
    ({"law": "fit.json"}, "is not a law family to fit"),          # a saved fit's file is never read
    ({"law": "/etc/passwd"}, "is not a law family to fit"),
    ({"candidates": "/etc/passwd"}, "unknown option 'candidates'"),  # candidates come from a grid only
    ({"k": "0"}, "k must be in [1, 10,000], got 0"),            # the declaration names the field
])
def test_suggest_refuses_what_the_explorer_does_not_take_in_one_line(client, changes, words):
    response = client.post("/api/v1/suggest", data=_suggest_form(**changes))
    assert response.status_code == 422
    message = response.json()["error"]
    assert words in message and "\n" not in message


# -- uploads kept by content hash -----------------------------------------------------------------------
def _runs_csv(rows: int) -> bytes:
    from scalinglab.datasets import read_bundled

    return read_bundled("chinchilla-runs").head(rows).to_csv(index=False).encode()


def test_an_upload_is_named_by_its_content_hash_and_fits_by_it(client):
    import hashlib

    data = _runs_csv(60)
    kept = ok(client.post("/api/v1/uploads", files={"file": ("my runs.csv", data, "text/csv")}))
    assert kept == {"upload": hashlib.sha256(data).hexdigest()[:16], "name": "my runs.csv", "bytes": len(data)}
    assert ok(client.get(f"/api/v1/uploads/{kept['upload']}")) == kept
    columns = {"n_col": "Model Size", "c_col": "Training FLOP"}
    by_hash = ok(client.post("/api/v1/fit", data={"upload": kept["upload"], **columns}))
    by_file = ok(client.post("/api/v1/fit", data=columns, files={"file": ("my runs.csv", data, "text/csv")}))
    assert without_seconds(by_hash) == without_seconds(by_file) and by_hash["data"]["source"] == "my runs.csv"
    both = client.post("/api/v1/fit", data={"upload": kept["upload"], "dataset": "chinchilla-runs"})
    assert both.status_code == 422 and both.json()["error"].startswith("give one of file")


def test_the_upload_cache_is_bounded_and_a_gone_upload_is_asked_for_again_in_one_line():
    tables = [_runs_csv(rows) for rows in (40, 41, 42)]
    for limits in (Limits(uploads_kept=2), Limits(upload_bytes=5_000, uploads_bytes=len(tables[1]) + len(tables[2]))):
        with TestClient(create_app(Settings(limits=limits)), base_url="http://127.0.0.1") as small:
            keys = [ok(small.post("/api/v1/uploads", files={"file": (f"t{i}.csv", table, "text/csv")}))["upload"]
                    for i, table in enumerate(tables)]
            message = f"the uploaded table {keys[0]} is no longer on this server; upload it again"
            assert small.get(f"/api/v1/uploads/{keys[0]}").json() == {"error": message}
            assert small.get(f"/api/v1/uploads/{keys[0]}").status_code == 404
            for kind, form in (("fit", {}), ("suggest", _suggest_form())):
                form = {key: value for key, value in form.items() if key != "dataset"}
                answer = small.post(f"/api/v1/{kind}", data={**form, "upload": keys[0]})
                assert (answer.status_code, answer.json()) == (422, {"error": message})
            assert [ok(small.get(f"/api/v1/uploads/{key}"))["name"] for key in keys[1:]] == ["t1.csv", "t2.csv"]


@pytest.mark.parametrize("key", ["../../etc/passwd", "0123456789ABCDEF", "0123456789abcde", "~"])
def test_an_upload_is_named_by_hex_digits_only(client, key):
    from urllib.parse import quote

    assert client.get(f"/api/v1/uploads/{quote(key, safe='')}").status_code == 404
    answer = client.post("/api/v1/fit", data={"upload": key})
    assert answer.status_code == 422 and answer.json()["error"].startswith("upload: ")


def test_snippets_are_written_from_the_declarations_and_run(client):
    """The Cost page's command and Python come from the server: only the options given, each spelled as its
    declaration says, and the command prints what the request's JSON answer holds."""
    request = {"flops": "1e24", "gpu": "h100", "gpus": 1024, "mfu": "0.3 to 0.45", "goodput": "0.9", "samples": 2000,
               "seed": 3, "cloud_discount": "20%"}
    snippets = ok(client.post("/api/v1/snippets/cost", json=request))
    assert snippets["cli"] == ("scalinglab cost --compute 1e24 --gpu h100 --gpus 1024 --mfu '0.3 to 0.45' --goodput 0.9 "
                               "--cloud-discount 20% --samples 2000 --seed 3")
    assert snippets["python"].endswith("sl.cost(compute='1e24', gpu='h100', gpus=1024, mfu='0.3 to 0.45', "
                                       "goodput='0.9', cloud_discount='20%', samples=2000, seed=3)")
    import shlex

    assert cli_json(*shlex.split(snippets["cli"])[1:]) == ok(client.post("/api/v1/cost", json=request))
    namespace: dict = {}
    exec(compile(snippets["python"].replace("sl.cost(", "answer = sl.cost("), "<snippet>", "exec"), namespace)  # noqa: S102
    assert namespace["answer"].to_dict() == ok(client.post("/api/v1/cost", json=request))
    other = ok(client.post("/api/v1/snippets/cost", json={"flops": 1e24, "gpu": "h100", "gpus": 8, "cluster_model": True}))
    assert other["cli"] == "scalinglab cost --compute 1e+24 --gpu h100 --gpus 8 --cluster-model"  # a flag, no value


def test_every_pages_snippets_come_from_the_declarations(client):
    """Plan (one line per law, a fit as fit.json), Forecast, Fit, IsoFLOP and Suggest: the server writes the
    command and the Python from the declarations, and the command prints what the page's request answers."""
    import shlex

    fit_law = ok(client.post("/api/v1/fit", data={"dataset": "chinchilla-runs", "drop_highest_loss": "5"}))["law"]
    plans = [{"compute": "1e24", "law": "hoffmann2022"}, {"compute": "1e24", "law": fit_law}]
    snippets = ok(client.post("/api/v1/snippets/plan", json=plans))
    assert snippets["cli"] == ("scalinglab plan --compute 1e24 --law hoffmann2022\n"
                               "scalinglab plan --compute 1e24 --law fit.json")
    assert snippets["python"] == ("import scalinglab as sl\n\nsl.plan(compute='1e24', law='hoffmann2022')\n"
                                  "sl.plan(compute='1e24', law='fit.json')")
    as_list = {**plans[0], "compute": ["1e24"]}  # the CLI's JSON holds lists, as the web's for a list of budgets
    assert cli_json(*shlex.split(snippets["cli"].splitlines()[0])[1:]) == ok(client.post("/api/v1/plan", json=as_list))

    forecast = {"scenario": "epoch-trends", "samples": 2000, "seed": 3, "until": 2030}
    snippets = ok(client.post("/api/v1/snippets/forecast", json=forecast))
    assert snippets["cli"] == "scalinglab forecast --scenario epoch-trends --samples 2000 --seed 3 --until 2030"
    assert cli_json(*shlex.split(snippets["cli"])[1:]) == ok(client.post("/api/v1/forecast", json=forecast))
    edited = ok(client.post("/api/v1/snippets/forecast", json={"yaml": "name: mine\n", "samples": 100}))
    assert edited["cli"] == "scalinglab forecast --scenario scenario.yaml --samples 100"

    form = {"dataset": "chinchilla-runs", "drop_highest_loss": "5", "compute": "1e22, 1e23", "where": "loss < 3",
            "duplicates": "min"}
    snippets = ok(client.post("/api/v1/snippets/fit", data=form))
    assert snippets["cli"] == ("scalinglab fit chinchilla-runs --drop-highest-loss 5 --compute 1e22 --compute 1e23 "
                               "--where 'loss < 3' --duplicates min --save fit.json")
    assert snippets["python"].endswith("result = sl.fit('chinchilla-runs', drop_highest_loss=5, compute=['1e22', "
                                       "'1e23'], where='loss < 3', duplicates='min')\nresult.save('fit.json')")
    line = shlex.split(snippets["cli"])[1:-2]
    assert cli_json(*line)["law"] == ok(client.post("/api/v1/fit", data=form))["law"]

    snippets = ok(client.post("/api/v1/snippets/isoflop", data={"dataset": "chinchilla-runs", "bootstrap": "50"}))
    assert snippets["cli"] == "scalinglab isoflop chinchilla-runs --bootstrap 50"

    snippets = ok(client.post("/api/v1/snippets/suggest", data=_suggest_form()))
    assert snippets["cli"] == "scalinglab suggest --runs chinchilla-runs " + " ".join(SUGGEST_ARGS)
    assert cli_json(*shlex.split(snippets["cli"])[1:]) == ok(client.post("/api/v1/suggest", data=_suggest_form()))


@pytest.mark.parametrize("path, body, message", [
    ("fit", {"data": {"dataset": "chinchilla-runs", "bootstrap": "-1"}}, "bootstrap must be in [0, 100,000], got -1"),
    ("fit", {"data": {"upload": "0123456789abcdef"}},
     "the uploaded table 0123456789abcdef is no longer on this server; upload it again"),
    ("fit", {"data": {"dataset": "chinchilla-runs", "variables": "N=params"}}, "variables needs formula"),
    ("suggest", {"data": _suggest_form(k="0")}, "k must be in [1, 10,000], got 0"),
    ("plan", {"json": [{"compute": "-1", "law": "hoffmann2022"}]}, "compute"),
    ("plan", {"json": [{"compute": "1e24", "law": "/etc/passwd"}]}, "/etc/passwd"),
    ("forecast", {"json": {"scenario": "no-such-preset"}}, "no-such-preset"),
])
def test_snippets_check_the_request_as_its_command_does(client, path, body, message):
    response = client.post(f"/api/v1/snippets/{path}", **body)
    assert response.status_code == 422, response.text
    assert message in response.json()["error"] and "\n" not in response.json()["error"]


def test_the_fit_form_takes_every_option_the_cli_takes_for_a_table(client):
    """Fields come from the fit's declaration: a loss predicted at N:D, a target loss, rows with gaps dropped."""
    form = {"dataset": "chinchilla-runs", "drop_highest_loss": "5", "at": "70B:1.4T", "target_loss": "2.0",
            "drop_missing": "true"}
    expected = cli_json("fit", "chinchilla-runs", "--drop-highest-loss", "5", "--at", "70B:1.4T", "--target-loss", "2.0",
                        "--drop-missing")
    assert without_seconds(ok(client.post("/api/v1/fit", data=form))) == without_seconds(expected)
