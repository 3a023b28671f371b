"""One vocabulary across the commands: --compute, --flops-method, --config; old spellings still work with a note.

``chinchilla`` means one thing, the law family (L = E + A/N^alpha + B/D^beta); the published law is
``hoffmann2022`` and the runs are the dataset ``chinchilla-runs``. Old names print one ``note:`` line.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import pytest


def _notes(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("new, old, note", [
    (("flops", "--config", "gpt3-175b", "--tokens", "300B", "--flops-method", "kaplan"),
     ("flops", "--config", "gpt3-175b", "--tokens", "300B", "--method", "kaplan"), "note: --method is now --flops-method"),
    (("cost", "--compute", "3.14e23", "--gpu", "v100", "--gpus", "1024", "--mfu", "0.3"),
     ("cost", "--flops", "3.14e23", "--gpu", "v100", "--gpus", "1024", "--mfu", "0.3"), "note: --flops is now --compute"),
    (("cost", "--config", "gpt3-175b", "--tokens", "300B", "--gpu", "v100", "--gpus", "1024", "--mfu", "0.3"),
     ("cost", "--model", "gpt3-175b", "--tokens", "300B", "--gpu", "v100", "--gpus", "1024", "--mfu", "0.3"),
     "note: --model is now --config"),
    (("fit", "chinchilla-runs", "--drop-highest-loss", "5", "--compute", "1e24"),
     ("fit", "chinchilla-runs", "--drop-highest-loss", "5", "--budget", "1e24"), "note: --budget is now --compute"),
])
def test_old_flags_still_work_with_a_one_line_note(cli, new, old, note):
    by_new, by_old = cli(*new, "--json"), cli(*old, "--json")
    assert by_new.code == 0 and by_old.code == 0, (by_new.stderr, by_old.stderr)
    assert _notes(by_new) == [] and _notes(by_old) == [note]
    drop = ("seconds", "version")
    assert {k: v for k, v in by_old.json().items() if k not in drop} == {
        k: v for k, v in by_new.json().items() if k not in drop}


def test_sweep_takes_compute_and_flops_method_and_the_old_spellings(cli, tmp_path):
    common = ("sweep", "plan", "--preset", "tiny", "--cache-dir", str(tmp_path), "--no-estimate", "--json")
    by_new = cli(*common, "--compute", "5e9,1e10", "--flops-method", "chinchilla")
    by_old = cli(*common, "--budgets", "5e9,1e10", "--flops", "chinchilla")
    assert by_new.code == 0 and by_old.code == 0, (by_new.stderr, by_old.stderr)
    assert _notes(by_old) == ["note: --budgets is now --compute", "note: --flops is now --flops-method"]
    assert by_old.json()["plan"] == by_new.json()["plan"] and by_new.json()["plan"]["budgets"] == [5e9, 1e10]
    both = cli("sweep", "plan", "--compute", "1e15", "--budgets", "1e15", "--no-estimate")
    assert both.code == 2 and _notes(both) == ["error: give --compute or its old spelling --budgets, not both"]


def test_a_failing_command_prints_only_its_error_line(cli):
    result = cli("cost", "--flops", "1e24", "--gpu", "h1000", "--gpus", "8")
    assert result.code == 2 and len(_notes(result)) == 1 and _notes(result)[0].startswith("error: unknown accelerator")


def test_chinchilla_is_the_family_and_the_old_names_still_work(cli):
    renamed_law = cli("plan", "--compute", "5.76e23", "--law", "chinchilla", "--json")
    assert renamed_law.code == 0 and renamed_law.json()["law"] == "hoffmann2022"
    assert _notes(renamed_law) == ["note: law 'chinchilla' means hoffmann2022 (Hoffmann et al. 2022, Approach 3); "
                                   "'chinchilla' is the law family, say hoffmann2022"]
    renamed_data = cli("fit", "chinchilla", "--law", "chinchilla", "--drop-highest-loss", "5", "--json")
    assert renamed_data.code == 0 and _notes(renamed_data) == ["note: dataset 'chinchilla' is now 'chinchilla-runs'"]
    # Besiroglu et al. 2024, Section 3: alpha = 0.3473 for Hoffmann's procedure on these runs
    assert renamed_data.json()["params"]["alpha"] == pytest.approx(0.3473, abs=5e-4)
    listed = {d["name"] for d in cli("datasets", "list", "--json").json()}
    assert "chinchilla-runs" in listed and "chinchilla" not in listed


def test_version_and_shell_completion(cli, tmp_path):
    from scalinglab import __version__

    version = cli("--version")
    assert version.code == 0 and version.stdout.strip() == f"scalinglab {__version__}"
    env = {**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash"}
    from conftest import _run

    # Typer detects the shell from the process tree (shellingham), so install from a bash as a user would.
    # (two commands, so that bash stays the parent instead of exec-ing the only one)
    proc = subprocess.run(["bash", "-c", f"{shlex.quote(sys.executable)} -m scalinglab --install-completion; exit $?"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    script = (tmp_path / ".bash_completions" / "scalinglab.sh").read_text()
    assert "_SCALINGLAB_COMPLETE=complete_bash" in script
    assert "scalinglab.sh" in (tmp_path / ".bashrc").read_text()
    completing = _run(env={**os.environ, "_SCALINGLAB_COMPLETE": "complete_bash", "COMP_WORDS": "scalinglab plan --com",
                           "COMP_CWORD": "2"})
    assert completing.stdout.split() == ["--compute"]
