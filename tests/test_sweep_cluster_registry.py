"""The registry's cluster bookkeeping: configuration hashes, duplicate results, lost attempts, nodes,
and the version 1 -> 2 migration that old registries survive (real SQLite files, no Ray); and the
``--resource`` parser."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.errors import InputError
from scalinglab.store import RunsRegistry
from scalinglab.store.registry import config_hash
from scalinglab.sweep.executors import parse_resources
from test_store_registry import CORPUS, _plan, _result


def _v1_registry(path) -> dict:
    """A registry in schema version 1 (before node, retries and config hashes): one run finished."""
    plan = _plan()
    with RunsRegistry(path) as db:
        db.open_sweep("s", plan, CORPUS)
        db.start_run("s", plan["runs"][0]["key"], executor="local")
        db.finish_run("s", plan["runs"][0]["key"], _result(plan["runs"][0], 2.4))
        db.release("s")
    conn = sqlite3.connect(path)
    for column in ("config_hash", "node", "retries", "retry_error"):
        conn.execute(f"ALTER TABLE runs DROP COLUMN {column}")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    return plan


def test_a_version_1_registry_is_migrated_in_place_and_keeps_its_runs(tmp_path):
    path = tmp_path / "old.sqlite"
    plan = _v1_registry(path)
    with RunsRegistry(path, read_only=True) as old:  # read as it is, not migrated
        assert old.rounds("s") == []
        status = old.status("s")
        assert status["finished"] == 1 and status["retries"] == 0 and status["table"][0]["config_hash"] is None
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 1
    with RunsRegistry(path) as db:
        assert db._db.execute("PRAGMA user_version").fetchone()[0] == 3
        assert db.rounds("s") == []
        runs = db.runs("s")
        assert [r["config_hash"] for r in runs] == [config_hash(r, CORPUS["corpus_hash"]) for r in plan["runs"]]
        assert runs[0]["status"] == "finished" and runs[0]["final_loss"] == 2.4 and runs[0]["retries"] == 0
        assert db.check("s") == []
        db.open_sweep("s", plan, CORPUS)  # resumes: same plan, same corpus
        second = plan["runs"][1]
        db.start_run("s", second["key"], executor="ray")
        assert db.finish_run("s", second["key"], _result(second), config=config_hash(second, CORPUS["corpus_hash"]),
                             node="worker1")
        assert db.check("s") == []


def test_the_config_hash_covers_the_whole_run_and_the_corpus():
    run = _plan()["runs"][0]
    base = config_hash(run, "c1")
    assert config_hash(dict(run), "c1") == base and len(base) == 20
    assert config_hash(run, "c2") != base
    assert config_hash({**run, "lr": run["lr"] * 1.0001}, "c1") != base
    assert config_hash({**run, "settings": {**run["settings"], "threads": 2}}, "c1") != base


def test_a_result_for_another_configuration_is_refused(tmp_path):
    plan = _plan()
    run, other = plan["runs"][:2]
    with RunsRegistry(tmp_path / "runs.sqlite") as db:
        db.open_sweep("s", plan, CORPUS)
        db.start_run("s", run["key"], executor="ray")
        with pytest.raises(InputError, match="result is for configuration"):
            db.finish_run("s", run["key"], _result(run), config=config_hash(other, CORPUS["corpus_hash"]))
        assert db.runs("s")[0]["status"] == "running" and db.losses("s") == []


def test_a_result_delivered_twice_is_recorded_once(tmp_path):
    plan = _plan()
    run = plan["runs"][0]
    key = config_hash(run, CORPUS["corpus_hash"])
    with RunsRegistry(tmp_path / "runs.sqlite") as db:
        db.open_sweep("s", plan, CORPUS)
        db.start_run("s", run["key"], executor="ray")
        assert db.finish_run("s", run["key"], _result(run, 2.4), config=key, node="worker1") is True
        before = (db.runs("s")[0], db.losses("s"))
        assert db.finish_run("s", run["key"], _result(run, 9.9), config=key, node="worker2") is False
        assert (db.runs("s")[0], db.losses("s")) == before
        assert db.check("s") == []


def test_lost_attempts_are_counted_and_status_sums_runs_per_node(tmp_path):
    plan = _plan()
    runs = plan["runs"][:3]
    with RunsRegistry(tmp_path / "runs.sqlite") as db:
        db.open_sweep("s", plan, CORPUS)
        for run, node in zip(runs, ("worker1", "worker2", "worker2")):
            db.start_run("s", run["key"], executor="ray")
        db.retry_run("s", runs[0]["key"], "NodeDiedError: node worker2 died")
        for run, node in zip(runs, ("worker1", "worker2", "worker2")):
            db.finish_run("s", run["key"], _result(run), config=config_hash(run, CORPUS["corpus_hash"]), node=node)
        status = db.status("s")
        assert status["retries"] == 1
        assert [(n["node"], n["finished"]) for n in status["nodes"]] == [("worker1", 1), ("worker2", 2)]
        first = db.runs("s")[0]
        assert (first["attempts"], first["retries"], first["node"]) == (2, 1, "worker1")
        assert "node worker2 died" in first["retry_error"]
        assert db.check("s") == []
        with pytest.raises(InputError, match="not running"):
            db.retry_run("s", runs[0]["key"], "late")


def test_check_finds_a_tampered_configuration(tmp_path):
    plan = _plan()
    with RunsRegistry(tmp_path / "runs.sqlite") as db:
        db.open_sweep("s", plan, CORPUS)
        db._db.execute("UPDATE runs SET config_json = replace(config_json, '\"seed\": 0', '\"seed\": 7') "
                       "WHERE position = 0")
        assert any("configuration hash does not match" in p for p in db.check("s"))


@settings(max_examples=50, deadline=None)
@given(order=st.permutations(sorted(_plan()["runs"][0])), field=st.sampled_from(["lr", "batch_size", "steps", "seed"]))
def test_the_config_hash_ignores_key_order_and_sees_every_value(order, field):
    run = _plan()["runs"][0]
    shuffled = {k: run[k] for k in order}
    assert config_hash(shuffled, "c") == config_hash(run, "c")
    assert config_hash({**shuffled, field: run[field] * 2 + 1}, "c") != config_hash(run, "c")


def test_custom_resources_parse_and_refuse_what_is_not_one():
    assert parse_resources(["accel=1", "big_memory=0.5", "tpu"]) == {"accel": 1.0, "big_memory": 0.5, "tpu": 1.0}
    for bad in ("accel=0", "accel=x", "=1", "GPU=1"):
        with pytest.raises(InputError, match="resources="):
            parse_resources([bad])
