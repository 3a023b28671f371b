"""The explorer as an attacker sees it: no request names a file, DNS rebinding and cross-site writes are
refused, bodies and streams are capped, a decompression bomb is one line, errors show no server path.

The file-read test walks the OpenAPI schema and puts path-like values (absolute, relative, ``../``, ``~``,
``file:``) into every string field, every path parameter and every form field of every operation. An
audit hook (``sys.addaudithook``) records each ``open`` of the sentinel files, in this process and in the
fit jobs' processes (started by ``fork`` here so that they inherit the hook; they report through a pipe).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from urllib.parse import quote

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402

from scalinglab.web import Limits, Settings, create_app  # noqa: E402
from scalinglab.web.guard import allowed_hosts, host_name  # noqa: E402

MARKER = "sl-sentinel-7f3a"
SECRET = "SENTINEL-CONTENT-91c2"  # in every sentinel file: an answer holding it has read one


# -- the audit hook: every open of a sentinel, in this process and in forked fit jobs ------------------
_READS, _PIPE = [], os.pipe()
os.set_blocking(_PIPE[0], False)
_PARENT = os.getpid()


def _audit(event: str, args) -> None:
    if event == "open" and MARKER in str(args[0]):
        if os.getpid() == _PARENT:
            _READS.append(str(args[0]))
        else:  # a fit job's process: report through the pipe (os.write raises no audit event)
            os.write(_PIPE[1], (str(args[0]) + "\n").encode())


sys.addaudithook(_audit)


def reads() -> list[str]:
    """Every sentinel opened so far (this process and the jobs' processes), then forgotten."""
    found, _READS[:] = list(_READS), []
    try:
        found += os.read(_PIPE[0], 1 << 20).decode().split()
    except BlockingIOError:
        pass
    return found


@pytest.fixture(scope="module")
def sentinels(tmp_path_factory):
    """A folder of sentinel files that every reader would accept: a config.json, a runs table, a
    scenario, a saved fit; and HOME pointing at it, so that ``~/`` names them too."""
    from scalinglab.datasets import read_bundled

    folder = tmp_path_factory.mktemp(MARKER)
    config = {"model_type": "llama", "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
              "vocab_size": 32000, "max_position_embeddings": 4096, "intermediate_size": 11008, "note": SECRET}
    (folder / f"{MARKER}.json").write_text(json.dumps(config))
    read_bundled("chinchilla-runs").head(40).assign(note=SECRET).to_csv(folder / f"{MARKER}.csv", index=False)
    (folder / f"{MARKER}.yaml").write_text(f"name: {SECRET}\n")
    return folder


def path_likes(folder, suffix: str) -> list[str]:
    name = f"{MARKER}{suffix}"
    return [str(folder / name), name, f"../{folder.name}/{name}", f"~/{name}", f"file://{folder / name}"]


# -- walking the schema ------------------------------------------------------------------------------
#: A valid request of each JSON operation: one string field at a time is replaced by a path.
BASES = {
    "/api/v1/plan": {"compute": ["1e23"]}, "/api/v1/predict": {"params": "70B", "tokens": "1.4T"},
    "/api/v1/charts/plan": {"compute": "1e23", "laws": ["hoffmann2022"]},
    "/api/v1/cost": {"tokens": "300B", "gpu": "h100", "gpus": 1024},
    "/api/v1/snippets/cost": {"tokens": "300B", "gpu": "h100", "gpus": 1024},
    "/api/v1/budget": {"dollars": "100M", "gpu": "h100"},
    "/api/v1/forecast": {"scenario": "scaling-picture", "samples": 200},
    "/api/v1/charts/forecast": {"scenario": "scaling-picture", "samples": 200},
    "/api/v1/snippets/forecast": {"scenario": "scaling-picture", "samples": 200},
    "/api/v1/snippets/plan": {"compute": ["1e23"]},  # one of the list of plans the body is
    "/api/v1/snippets/sweep-status": {"name": "tiny <b>sweep</b>"},
    "/api/v1/scenarios/describe": {"yaml": "name: x\n"},
    "/api/v1/cluster/curve": {}, "/api/v1/charts/cluster": {},
}
FORM_BASE = {"dataset": "chinchilla-runs"}


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node:  # FastAPI's form bodies: allOf [options] plus the file
        merged = {"properties": {}}
        for part in node["allOf"]:
            merged["properties"].update(_resolve(schema, part).get("properties", {}))
        merged["properties"].update(node.get("properties", {}))
        return merged
    return node


def string_fields(schema: dict, node: dict, prefix=()) -> list[tuple[tuple, str]]:
    """(path to the field, "text" or "list") for every string-valued place in a body, one level deep into
    objects (a law object's family and name) and into arrays of strings."""
    found = []
    for name, spec in _resolve(schema, node).get("properties", {}).items():
        for option in spec.get("anyOf", [spec]):
            option = _resolve(schema, option)
            if option.get("type") == "string" and "contentMediaType" not in option:
                found.append(((*prefix, name), "text"))
            elif option.get("type") == "array" and _resolve(schema, option.get("items", {})).get("type") == "string":
                found.append(((*prefix, name), "list"))
            elif option.get("properties") and not prefix:
                found += string_fields(schema, option, (name,))
    return list(dict.fromkeys(found))


def with_value(base: dict, where: tuple, kind: str, value: str) -> dict:
    body = json.loads(json.dumps(base))
    if len(where) == 2:  # a law object: {"family": ..., "params": {}, "name": ...}
        body[where[0]] = {"family": "chinchilla", "params": {}, where[1]: value}
    else:
        body[where[0]] = [value] if kind == "list" else value
    return body


def check_answer(response, *, package: str) -> None:
    assert response.status_code < 500, response.text[:300]
    text = response.text
    assert SECRET not in text, "an answer holds a sentinel file's contents"
    assert "scalinglab-web-" not in text and package not in text, f"a server path in {text[:300]}"
    assert reads() == []


@pytest.mark.slow
def test_no_request_reads_a_file_named_in_any_string_field(sentinels, tmp_path, monkeypatch):
    import multiprocessing
    from pathlib import Path

    import scalinglab
    from test_web_api import make_registry

    package = str(Path(scalinglab.__file__).parent)
    monkeypatch.chdir(sentinels)
    monkeypatch.setenv("HOME", str(sentinels))
    registry = tmp_path / "runs.db"
    make_registry(registry)
    app = create_app(Settings(registry=registry, limits=Limits(bootstrap=1, request_seconds=20, fit_seconds=60,
                                                                      worker_memory_mb=1 << 20)))  # forked: no cap
    app.state.jobs._context = multiprocessing.get_context("fork")  # the jobs inherit the audit hook
    schema = app.openapi()
    sent = {"json": 0, "form": 0, "path": 0}
    with TestClient(app, base_url="http://127.0.0.1") as client:
        reads()
        for template, operations in schema["paths"].items():
            for method, operation in operations.items():
                for parameter in operation.get("parameters", []):  # /laws/{name}, /fit/jobs/{job_id}, ...
                    for value in path_likes(sentinels, ".json"):
                        url = template.replace("{" + parameter["name"] + "}", quote(value, safe=""))
                        check_answer(client.request(method.upper(), url), package=package)
                        sent["path"] += 1
                content = operation.get("requestBody", {}).get("content", {})
                if "application/json" in content:
                    body_schema = content["application/json"]["schema"]
                    listed = body_schema.get("type") == "array"  # a list of requests: one of them
                    for where, kind in string_fields(schema, body_schema["items"] if listed else body_schema):
                        for value in path_likes(sentinels, ".json") + path_likes(sentinels, ".yaml"):
                            body = with_value(BASES[template], where, kind, value)
                            body = [body] if listed else body
                            check_answer(client.request(method.upper(), template, json=body), package=package)
                            sent["json"] += 1
                elif "multipart/form-data" in content and not template.endswith("/jobs"):
                    form_schema = content["multipart/form-data"]["schema"]
                    for where, _ in string_fields(schema, form_schema):
                        for value in path_likes(sentinels, ".csv"):
                            data = {**FORM_BASE, where[0]: value}
                            if where[0] == "dataset":
                                data = {"dataset": value}
                            check_answer(client.post(template, data=data), package=package)
                            sent["form"] += 1
    # the schema walk reached every kind of input (the /jobs forms share the same code as /fit)
    assert sent["path"] >= 40 and sent["json"] >= 300 and sent["form"] >= 80, sent


def test_the_sentinels_are_seen_when_read(sentinels):
    """The audit hook works: reading a sentinel the way the CLI may (the user's own file) is recorded."""
    from scalinglab.compute.shapes import load_hf_config

    reads()
    load_hf_config(sentinels / f"{MARKER}.json")
    assert reads() == [str(sentinels / f"{MARKER}.json")]
    child = os.fork()  # and in a forked process, as the fit jobs of the walk are
    if child == 0:
        try:
            (sentinels / f"{MARKER}.csv").read_bytes()
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    assert reads() == [str(sentinels / f"{MARKER}.csv")]


# -- Host and Origin ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:8000", "localhost", "LOCALHOST:1", "[::1]", "[::1]:8000"])
def test_loopback_hosts_are_served(client, host):
    assert client.get("/api/v1/meta", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["attacker.test", "attacker.test:8000", "127.0.0.1.attacker.test", "::1",
                                  "localhost:80x", "", "[::1]x", "0.0.0.0"])
def test_other_hosts_are_refused_in_one_line(client, host):
    response = client.get("/api/v1/meta", headers={"Host": host})
    assert response.status_code == 400
    assert response.json()["error"].startswith("Host ") and "\n" not in response.json()["error"]
    assert response.headers["content-security-policy"]  # the refusal carries the security headers too


def test_the_bound_host_is_served_too():
    with TestClient(create_app(Settings(host="explorer.lan")), base_url="http://explorer.lan:8000") as lan:
        assert lan.get("/api/v1/meta").status_code == 200
        assert lan.get("/api/v1/meta", headers={"Host": "attacker.test"}).status_code == 400


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.sampled_from(["localhost", "[::1]", "explorer.lan", "127.0.0.1"]).flatmap(
    lambda name: st.tuples(st.just(name), st.text("0123456789:]x", max_size=6)).map("".join))))
def test_a_host_header_is_served_only_when_it_is_an_allowed_name_and_a_port(header):
    import re

    allowed = allowed_hosts("explorer.lan")
    forms = "|".join(re.escape(f"[{n}]" if ":" in n else n) for n in allowed)
    served = host_name(header) in allowed
    assert served == bool(re.fullmatch(rf"(?:{forms})(?::[0-9]+)?", header.strip(), flags=re.IGNORECASE))


@pytest.mark.parametrize("origin, status", [
    (None, 200), ("http://127.0.0.1:8000", 200), ("http://attacker.test", 403), ("null", 403),
    ("http://127.0.0.1:9999", 403), ("https://127.0.0.1:8000", 403), ("http://localhost:8000", 403)])
def test_a_write_is_accepted_only_from_this_origin_or_none(client, origin, status):
    headers = {"Host": "127.0.0.1:8000"} | ({"Origin": origin} if origin else {})
    response = client.post("/api/v1/plan", json={"compute": ["1e23"]}, headers=headers)
    assert response.status_code == status, response.text
    if status == 403:
        assert "origin" in response.json()["error"]
    # reading is not a write: a GET from another origin is answered (the browser keeps it from that page)
    assert client.get("/api/v1/meta", headers=headers).status_code == 200


def test_a_cross_origin_form_post_or_cancel_starts_and_stops_nothing(client):
    before = client.get("/api/v1/fit/jobs").json()
    foreign = {"Origin": "http://attacker.test"}
    for path in ("/api/v1/fit", "/api/v1/fit/jobs", "/api/v1/isoflop/jobs"):
        response = client.post(path, data={"dataset": "chinchilla-runs", "bootstrap": "2000"}, headers=foreign,
                               files={"file": ("runs.csv", b"N,D,loss\n1,2,3\n", "text/csv")})
        assert response.status_code == 403
    assert client.get("/api/v1/fit/jobs").json() == before
    job = client.post("/api/v1/fit/jobs", data={"dataset": "chinchilla-runs", "estimator": "hoffmann",
                                                "bootstrap": "2000"}).json()
    try:
        assert client.delete(f"/api/v1/fit/jobs/{job['id']}", headers=foreign).status_code == 403
        assert client.get(f"/api/v1/fit/jobs/{job['id']}").json()["status"] == "running"
    finally:
        client.delete(f"/api/v1/fit/jobs/{job['id']}")


# -- jobs, streams, bodies -------------------------------------------------------------------------------
def test_the_jobs_list_shows_each_job_with_its_cancel_link(client):
    job = client.post("/api/v1/fit/jobs", data={"dataset": "chinchilla-runs", "estimator": "hoffmann",
                                                "bootstrap": "2000"}).json()
    listed = {j["id"]: j for j in client.get("/api/v1/fit/jobs").json()}[job["id"]]
    assert listed["status"] == "running" and listed["kind"] == "fit" and 0 <= listed["progress"] <= 1
    assert time.strptime(listed["created"], "%Y-%m-%dT%H:%M:%SZ")
    assert listed["links"] == {"self": f"/api/v1/fit/jobs/{job['id']}", "cancel": f"/api/v1/fit/jobs/{job['id']}",
                               "events": f"/api/v1/fit/jobs/{job['id']}/events"}
    assert client.delete(listed["links"]["cancel"]).json()["status"] == "cancelled"
    assert {j["id"]: j for j in client.get("/api/v1/fit/jobs").json()}[job["id"]]["status"] == "cancelled"


@contextlib.contextmanager
def _jobs_followed(limits: Limits, followed: int):
    """Two running bootstrap jobs, the first ``followed`` of them each followed by one open progress stream
    (a browser tab following the job until it ends); yields the client and the jobs."""
    import threading

    with TestClient(create_app(Settings(limits=limits)), base_url="http://127.0.0.1") as client:
        jobs = [client.post("/api/v1/fit/jobs", data={"dataset": "chinchilla-runs", "estimator": "hoffmann",
                                                      "bootstrap": "2000"}).json() for _ in range(2)]
        opened = threading.Barrier(followed + 1)

        def hold(job_id):
            with client.stream("GET", f"/api/v1/fit/jobs/{job_id}/events") as stream:
                assert stream.status_code == 200
                opened.wait(timeout=30)
                for _ in stream.iter_lines():
                    pass

        holders = [threading.Thread(target=hold, args=(job["id"],)) for job in jobs[:followed]]
        try:
            for holder in holders:
                holder.start()
            opened.wait(timeout=30)
            yield client, jobs
        finally:
            for job in jobs:
                client.delete(f"/api/v1/fit/jobs/{job['id']}")
            for holder in holders:
                holder.join(timeout=30)


def test_progress_streams_are_capped_per_job_and_in_total():
    with _jobs_followed(Limits(streams=2, streams_per_job=1), followed=2) as (client, jobs):
        again = client.get(f"/api/v1/fit/jobs/{jobs[0]['id']}/events")
        assert again.status_code == 429 and "on job" in again.json()["error"]
        client.delete(f"/api/v1/fit/jobs/{jobs[1]['id']}")  # its stream ends, and gives its place back
        deadline = time.monotonic() + 10
        while (freed := client.get(f"/api/v1/fit/jobs/{jobs[1]['id']}/events")).status_code == 429:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert freed.status_code == 200 and "event: cancelled" in freed.text


def test_the_total_stream_cap_answers_429():
    with _jobs_followed(Limits(streams=1, streams_per_job=4), followed=1) as (client, jobs):
        response = client.get(f"/api/v1/fit/jobs/{jobs[1]['id']}/events")
        assert response.status_code == 429 and "progress streams are open" in response.json()["error"]


def test_a_body_over_the_limit_is_refused_before_it_is_read():
    limits = Limits(upload_bytes=1_000)
    with TestClient(create_app(Settings(limits=limits)), base_url="http://127.0.0.1") as client:
        big = b"N,D,loss\n" + b"100000000,2000000000,2.5\n" * 4_000  # 100 kB: over the limit and the form slack
        response = client.post("/api/v1/fit", files={"file": ("big.csv", big, "text/csv")})
        assert response.status_code == 413 and "limit" in response.json()["error"]

        def chunks():  # no Content-Length: counted as it arrives
            for _ in range(200):
                yield b"x" * 1_000

        response = client.post("/api/v1/scenarios/describe", content=chunks(),
                               headers={"Content-Type": "application/json"})
        assert response.status_code == 413 and "\n" not in response.json()["error"]


def test_405_names_every_method_of_the_path(client):
    assert client.put("/api/v1/fit/jobs").headers["allow"] == "GET, POST"
    assert client.post("/api/v1/fit/jobs/abc").headers["allow"] == "DELETE, GET"
    assert client.get("/api/v1/plan").headers["allow"] == "POST"
    assert client.options("/api/v1/scenarios/describe").headers["allow"] == "POST"


def test_schema_types_are_strict_and_empty_names_refused(client):
    assert client.post("/api/v1/cluster/curve", json={"gpus": [True]}).status_code == 422
    assert client.post("/api/v1/plan", json={"law": ""}).status_code == 422
    assert client.post("/api/v1/plan", json={"compute": ["1e23"], "saturation": "yes"}).status_code == 422
    schema = client.get("/api/v1/openapi.json").json()
    plan = schema["paths"]["/api/v1/plan"]["post"]["responses"]
    assert {"400", "403", "413", "422"} <= set(plan)
    assert "429" in schema["paths"]["/api/v1/fit/jobs/{job_id}/events"]["get"]["responses"]
    law = schema["components"]["schemas"]["PlanRequest"]["properties"]["law"]["anyOf"][0]
    assert "hoffmann2022" in law["enum"] and law["minLength"] == 1


# -- the cost model: a name or a config.json's contents, never a file -----------------------------------
def test_a_model_config_travels_as_contents(client, sentinels):
    config = json.loads((sentinels / f"{MARKER}.json").read_text())
    body = {"tokens": "2T", "gpu": "h100", "gpus": 1024, "samples": 1000}
    by_value = client.post("/api/v1/cost", json={**body, "model": config})
    assert by_value.status_code == 200
    from scalinglab.cli.app import main  # the CLI still reads the user's own file
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["cost", "--config", str(sentinels / f"{MARKER}.json"), "--tokens", "2T", "--gpu", "h100", "--gpus",
              "1024", "--samples", "1000", "--json"])
    assert by_value.json() == json.loads(out.getvalue())
    reads()
    response = client.post("/api/v1/cost", json={**body, "model": {"hidden_size": "big"}})
    assert response.status_code == 422 and response.json()["error"].startswith("model (a config.json's contents)")


# -- uploads: a bomb is one line, errors name the user's file -------------------------------------------
def test_a_parquet_decompression_bomb_is_one_line_and_small(tmp_path):
    """405 kB of zstd Parquet holding 30M rows: refused in one line, the worker never near gigabytes."""
    pyarrow = pytest.importorskip("pyarrow")
    import numpy as np
    import pyarrow.parquet as pq

    rows = pyarrow.table({"N": np.full(1_000_000, 1e8), "D": np.full(1_000_000, 2e9), "loss": np.full(1_000_000, 2.5)})
    bomb = tmp_path / "bomb.parquet"
    with pq.ParquetWriter(bomb, rows.schema, compression="zstd") as writer:
        for _ in range(30):
            writer.write_table(rows)
    assert bomb.stat().st_size < 1_000_000
    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        started = time.perf_counter()
        response = client.post("/api/v1/fit", files={"file": ("bomb.parquet", bomb.read_bytes(), "application/octet-stream")})
        seconds = time.perf_counter() - started
    assert response.status_code in (413, 422), response.text
    error = response.json()["error"]
    assert error.startswith("bomb.parquet") and "\n" not in error and "scalinglab-web-" not in error
    assert seconds < 30  # uncapped, the same file took 78 s and 4.4 GB here


def test_the_worker_caps_its_address_space():
    """In a fresh interpreter (as a job's process starts): 640 MB of address space, then 800 MB refused."""
    import subprocess

    code = ("import resource; from scalinglab.web._worker import cap_memory; cap_memory(640); "
            "print(resource.getrlimit(resource.RLIMIT_AS)[0])\n"
            "try:\n    bytearray(800 * 1024 * 1024); print('allocated')\nexcept MemoryError:\n    print('refused')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == [str(640 * 1024 * 1024), "refused"]


def test_errors_name_the_users_file_never_a_server_path(client, tmp_path):
    response = client.post("/api/v1/fit", files={"file": ("my runs.parquet", b"not parquet at all", "application/octet-stream")})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error.startswith("my_runs.parquet") or error.startswith("my runs.parquet")
    assert "/tmp" not in error and "scalinglab-web-" not in error


def test_redact_removes_upload_folders_the_package_and_the_registry(tmp_path):
    import tempfile
    from pathlib import Path

    import scalinglab
    from scalinglab.web.redact import redact

    upload = f"{tempfile.gettempdir()}/scalinglab-web-abc123/tmpxyz/runs.csv"
    assert redact(f"{upload}: bad row 3") == "runs.csv: bad row 3"
    package = Path(scalinglab.__file__).resolve().parent
    assert redact(f"cannot read {package}/forecast/presets/x.yaml") == "cannot read scalinglab/forecast/presets/x.yaml"
    registry = tmp_path / "deep" / "runs.db"
    assert redact(f"registry '{registry}' is locked", registry) == "registry 'runs.db' is locked"
