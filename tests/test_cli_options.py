"""Every option of every command does something: added to a call that succeeds, it changes what the
command prints (its ``--json``), or the command refuses it with one line naming it (something else in
the call makes it meaningless), or it writes the file it names. The cases live in
``tests/cli_options.py``; an option without one fails here, so a new option comes with its case."""

from __future__ import annotations

import glob
import json
import socket
import tempfile
from pathlib import Path

import pytest

from cli_options import BASELINES, OPTIONS, commands, invoke, make_files, options_of, steady

COMMANDS = commands()


def _flags(command) -> list[str]:
    return [p.opts[0] for p in options_of(command)]


def test_every_option_of_every_command_has_a_case():
    problems = [f"new option {flag} of command {' '.join(path)} has no entry in tests/cli_options.py"
                for path, command in COMMANDS for flag in _flags(command)
                if flag != "--json" and flag not in OPTIONS.get(path, {})]
    known = {path: set(_flags(command)) for path, command in COMMANDS}
    problems += [f"tests/cli_options.py has a case for {flag} of {' '.join(path)}, which has no such option"
                 for path, cases in OPTIONS.items() for flag in cases if flag not in known.get(path, ())]
    problems += [f"command {' '.join(path)} has no baseline" for path in known if path not in BASELINES]
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return make_files(tmp_path_factory.mktemp("options"))


def _has_json(path) -> bool:
    return "--json" in _flags(dict(COMMANDS)[path])


class Runner:
    """Runs calls in the workspace; a baseline runs twice (once cached) and must print the same both times."""

    def __init__(self, workspace: Path):
        self.workspace, self.cache = workspace, {}

    def argv(self, path, args, *, as_json=True) -> list[str]:
        args = [a.replace("{w}", str(self.workspace)) for a in args]
        return [*path, *args, *(["--json"] if as_json and _has_json(path) else [])]

    def __call__(self, argv: list[str]):
        """(exit code, steady stdout, stderr); ``{fresh}`` in ARGV is a new empty folder for this call."""
        fresh = str(Path(tempfile.mkdtemp(dir=self.workspace)))
        code, out, err, _ = invoke([a.replace("{fresh}", fresh) for a in argv])
        assert code != "traceback", err
        return code, steady(out.replace(fresh, "{fresh}")), err

    def baseline(self, argv: list[str]):
        key = tuple(argv)
        if key not in self.cache:
            first, again = self(argv), self(argv)
            assert first[:2] == again[:2], f"{' '.join(argv)} prints different output when run twice"
            self.cache[key] = first
        return self.cache[key]


@pytest.fixture(scope="module")
def run(workspace):
    return Runner(workspace)


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("note: ")]
    assert len(lines) == 1, err
    return lines[0]


def _addition(command, flag: str, value: str | None) -> list[str]:
    option = next(p for p in options_of(command) if p.opts[0] == flag)
    if option.is_flag:
        return [value or flag]
    return [flag, value]


CASES = [(path, flag) for path, command in COMMANDS for flag in _flags(command)
         if path != ("serve",) and (flag == "--json" or OPTIONS.get(path, {}).get(flag) is not None)]
SLOW = {("sweep", "run"), ("sweep", "plan"), ("fit-curves",)}


def _param(path, flag):
    refusal = flag != "--json" and OPTIONS[path][flag].expect == "refused"
    marks = [pytest.mark.slow] if path in SLOW and not refusal else []
    return pytest.param(path, flag, id=f"{' '.join(path)} {flag}", marks=marks)


@pytest.mark.parametrize("path,flag", [_param(p, f) for p, f in CASES])
def test_option_changes_the_output_or_is_refused(path, flag, run, workspace):
    command = dict(COMMANDS)[path]
    if flag == "--json":
        code, out, err = run(run.argv(path, BASELINES[path], as_json=False))
        assert code == 0, err
        assert json.loads(run(run.argv(path, BASELINES[path]))[1]) != out
        return
    case = OPTIONS[path][flag]
    if case.expect == "elsewhere":
        pytest.skip(f"covered by {case.covered_by}")
    base = list(case.base) or BASELINES[path]
    value = None if case.value is None else case.value.replace("{w}", str(workspace))
    argv = run.argv(path, [*base, *_addition(command, flag, value)])
    if case.expect == "writes":
        target = case.written.replace("{w}", str(workspace)) or value
        for old in glob.glob(target):
            Path(old).unlink()
        code, out, err = run(argv)
        assert code == 0, err
        assert [p for p in glob.glob(target) if Path(p).is_file()], f"{flag} {value or ''} wrote nothing"
        return
    code, out, err = run(argv)
    if case.expect == "refused" or (case.expect == "changes or refused" and code == 2):
        assert code == 2, (code, out, err)
        assert flag in _one_line(err), err
        return
    base_argv = run.argv(path, base)
    before = run(base_argv) if case.base_varies else run.baseline(base_argv)
    assert code == 0, f"{' '.join(argv)}\n{err}"
    assert before[0] != 0 or before[1] != out, f"{flag} {value or ''} changed nothing in: {' '.join(argv)}"


@pytest.mark.parametrize("args, flag", [
    (["flops", "--config", "gpt3-175b", "--tokens", "300B", "--vocab", "32000"], "--vocab"),  # was: ignored
    (["flops", "--config", "gpt3-175b", "--tokens", "300B", "--context", "8192"], "--context"),
    (["flops", "--params", "70B", "--tokens", "1.4T", "--flops-method", "kaplan"], "--flops-method"),
    (["flops", "--params", "70B", "--tokens", "1.4T", "--no-lm-head"], "--lm-head"),
    (["flops", "--params", "70B", "--tokens", "1.4T", "--no-embeddings"], "--embeddings"),  # found by the fuzz
    (["flops", "--params", "70B", "--tokens", "1.4T", "--ffn-ratio", "8"], "--ffn-ratio"),
    (["predict", "--params", "70B", "--tokens", "1.4T", "--d-col", "tokens2"], "--d-col"),  # found by the fuzz
    (["predict", "--params", "70B", "--tokens", "1.4T", "--level", "0.8"], "--level"),
    (["predict", "--params", "70B", "--tokens", "1.4T", "--duplicates", "mean"], "--duplicates"),
    (["predict", "--params", "70B", "--tokens", "1.4T", "--x", "1e23"], "--x"),
])
def test_options_that_did_nothing_are_refused(args, flag):
    code, out, err, _ = invoke(args)
    assert code == 2 and out == "", err
    assert flag in _one_line(err)


# -- serve: the options reach the server it starts --------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("flag", list(OPTIONS[("serve",)]))
def test_serve_options_reach_the_server(flag, monkeypatch, workspace):
    """``serve`` is stopped where it hands its app to uvicorn; the app it built then answers
    ``GET /api/v1/meta`` (its limits and registry) through a test client, beside the host and port
    uvicorn was given."""
    uvicorn = pytest.importorskip("uvicorn")
    from fastapi.testclient import TestClient

    def served(args):
        handed = {}
        monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **_: handed.update(app=app, host=host, port=port))
        argv = ["serve", *BASELINES[("serve",)], *args]
        code, _, err, _ = invoke([a.replace("{w}", str(workspace)) for a in argv])
        assert code == 0 and handed, err
        with TestClient(handed["app"], base_url=f"http://127.0.0.1:{handed['port'] or 80}") as client:
            meta = client.get("/api/v1/meta").json()
        return {"host": handed["host"], "port": handed["port"], "meta": meta}

    value = OPTIONS[("serve",)][flag].value.replace("{port}", str(_free_port()))
    assert served([flag, value]) != served([])
