"""The SQLite runs registry: WAL, whole-run transactions, resume rules, export, consistency checks."""

from __future__ import annotations

import socket
import sqlite3

import pytest

from conftest import assert_user_error
from scalinglab.errors import InputError
from scalinglab.store import EXPORT_COLUMNS, RunsRegistry
from scalinglab.sweep.planner import plan_sweep

CORPUS = {"corpus_hash": "abc123" * 10, "source": "test"}


def _plan(seed=0):
    return plan_sweep([1e10, 2e10], steps=50, vocab_size=257, n_ctx=64, seeds=(seed,)).to_dict()


def _result(run: dict, loss: float = 2.5) -> dict:
    steps = run["steps"]
    tokens = run["n_tokens"]
    history = [{"step": s, "tokens": s * tokens // steps, "flops": s * run["flops"] / steps, "lr": 1e-3,
                "train_loss": loss + 0.1, "val_loss": loss if s in (steps // 2, steps) else None, "elapsed_s": 0.1 * s}
               for s in (10, steps // 2, steps)]
    return {"tokens": tokens, "flops": run["flops"], "final_loss": loss, "final_train_loss": loss + 0.1,
            "wall_seconds": 1.0, "train_seconds": 0.9, "tokens_per_second": 1e5, "flops_per_second": 1e10,
            "mfu": None, "device": "cpu", "device_name": "test", "torch_version": "x", "history": history}


def _finish(db: RunsRegistry, run: dict, loss: float = 2.5) -> None:
    db.start_run("s", run["key"], executor="local")
    db.finish_run("s", run["key"], _result(run, loss))


def test_new_sweep_has_a_pending_row_per_run_in_wal_mode(tmp_path):
    plan = _plan()
    with RunsRegistry(tmp_path / "runs.sqlite") as db:
        assert db.journal_mode == "wal"
        db.open_sweep("s", plan, CORPUS)
        runs = db.runs("s")
        assert [r["key"] for r in runs] == [r["key"] for r in plan["runs"]]
        assert {r["status"] for r in runs} == {"pending"}
        assert db.check("s") == []


def test_a_finished_run_is_recorded_whole_and_exported(tmp_path):
    plan = _plan()
    run = plan["runs"][0]
    with RunsRegistry(tmp_path / "runs.sqlite") as db:
        db.open_sweep("s", plan, CORPUS)
        _finish(db, run, 2.4)
        rows = db.export_rows("s")
        assert len(rows) == 1 and set(EXPORT_COLUMNS) <= set(rows[0])
        assert rows[0]["params"] == run["n_params"] and rows[0]["loss"] == 2.4 and rows[0]["budget"] == run["budget"]
        points = db.export_rows("s", checkpoints=True)
        assert [p["loss"] for p in points] == [2.4, 2.4] and points[0]["run"] == run["key"]
        assert db.check("s") == []


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    plan = _plan()
    run = plan["runs"][0]
    with RunsRegistry(tmp_path / "runs.sqlite") as db:
        db.open_sweep("s", plan, CORPUS)
        db.start_run("s", run["key"], executor="local")
        broken = _result(run)
        broken["history"].append({"step": "not-a-dict-field"})  # KeyError halfway through the loss rows
        with pytest.raises(KeyError):
            db.finish_run("s", run["key"], broken)
        assert db.runs("s")[0]["status"] == "running"
        assert db.losses("s") == []


def test_reopening_resumes_and_refuses_another_plan(tmp_path):
    plan = _plan()
    first, second = plan["runs"][:2]
    path = tmp_path / "runs.sqlite"
    with RunsRegistry(path) as db:
        db.open_sweep("s", plan, CORPUS)
        _finish(db, first)
        db.start_run("s", second["key"], executor="local")
        db._db.execute(f"UPDATE sweeps SET owner = '{socket.gethostname()}:999999999'")  # as if its process died
        assert any("process is gone" in p for p in db.check("s"))
    with RunsRegistry(path) as db:
        db.open_sweep("s", plan, CORPUS)
        status = {r["key"]: (r["status"], r["attempts"]) for r in db.runs("s")}
        assert status[first["key"]] == ("finished", 1)
        assert status[second["key"]] == ("pending", 1)
        assert db.check("s") == []
        with pytest.raises(InputError, match="planned differently"):
            db.open_sweep("s", _plan(seed=3), CORPUS)
        with pytest.raises(InputError, match="another corpus"):
            db.open_sweep("s", plan, {"corpus_hash": "other", "source": "x"})


def test_check_finds_a_finished_run_without_its_curve(tmp_path):
    plan = _plan()
    run = plan["runs"][0]
    with RunsRegistry(tmp_path / "runs.sqlite") as db:
        db.open_sweep("s", plan, CORPUS)
        _finish(db, run)
        db._db.execute("DELETE FROM losses")
        assert any("loss curve" in p for p in db.check("s"))


def test_readers_see_committed_rows_while_a_writer_holds_the_file(tmp_path):
    plan = _plan()
    path = tmp_path / "runs.sqlite"
    with RunsRegistry(path) as db:
        db.open_sweep("s", plan, CORPUS)
        db._db.execute("BEGIN IMMEDIATE")
        db._db.execute("UPDATE runs SET status = 'running'")
        reader = sqlite3.connect(path)
        assert {r[0] for r in reader.execute("SELECT status FROM runs")} == {"pending"}  # WAL: old snapshot
        db._db.execute("ROLLBACK")
        reader.close()


def test_not_a_database_is_a_user_error(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("this is not sqlite " * 100)
    with pytest.raises(InputError, match="not a usable SQLite"):
        RunsRegistry(bad)


def test_status_and_export_of_missing_registry_through_the_cli(cli, tmp_path):
    assert_user_error(cli("sweep", "status", "--db", str(tmp_path / "none.sqlite")), "does not exist")
    assert_user_error(cli("sweep", "export", "--db", str(tmp_path / "none.sqlite"), "--name", "x", "--out",
                          str(tmp_path / "x.csv")), "does not exist")


def test_unknown_sweep_name_suggests_the_known_ones(cli, tmp_path):
    path = tmp_path / "runs.sqlite"
    with RunsRegistry(path) as db:
        db.open_sweep("tiny-sweep", _plan(), CORPUS)
        db.release("tiny-sweep")
    assert_user_error(cli("sweep", "status", "--db", str(path), "--name", "tiny-swep"), "tiny-sweep")


def test_release_returns_interrupted_runs_to_pending(tmp_path):
    plan = _plan()
    run = plan["runs"][0]
    with RunsRegistry(tmp_path / "runs.sqlite") as db:
        db.open_sweep("s", plan, CORPUS)
        db.start_run("s", run["key"], executor="local")  # then Ctrl-C: the runner releases the sweep
        db.release("s")
        assert db.runs("s")[0]["status"] == "pending" and db.runs("s")[0]["attempts"] == 1
        assert db.sweep("s")["owner"] is None and db.check("s") == []
