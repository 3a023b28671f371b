"""Output files: a folder, a file posing as a folder, a wrong chart type or the command's own input is
refused before any work, in one line naming the user's flag; nothing is written and no temporary file
stays behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import assert_user_error
from scalinglab._io import atomic_write_text, check_output_dir, check_output_path
from scalinglab.datasets import read_bundled
from scalinglab.errors import InputError


def test_fit_refuses_to_overwrite_its_input_file(cli, tmp_path):
    runs = tmp_path / "runs.csv"
    read_bundled("chinchilla").to_csv(runs, index=False)
    before = runs.read_bytes()
    result = cli("fit", str(runs), "--save", str(runs))
    assert_user_error(result, "--save", "input file")
    assert runs.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.csv"]


@pytest.mark.parametrize("flag", ["--save", "--plot"])
def test_fit_output_that_is_a_folder_is_one_line(cli, tmp_path, flag):
    target = tmp_path / "folder.json" if flag == "--save" else tmp_path / "folder.png"
    target.mkdir()
    assert_user_error(cli("fit", "chinchilla", flag, str(target)), flag, "folder")
    assert list(target.iterdir()) == []


def test_chart_type_is_checked_before_the_forecast_runs(cli, tmp_path):
    assert_user_error(cli("forecast", "--scenario", "scaling-picture", "--plot", str(tmp_path / "chart.txt")),
                      "--plot", ".png")


def test_sweep_out_that_is_a_file_is_refused(cli, tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    assert_user_error(cli("sweep", "run", "--preset", "tiny", "--out", str(blocker)), "--out", "is a file")


def test_output_under_a_file_names_the_file(tmp_path):
    blocker = tmp_path / "data.csv"
    blocker.write_text("x")
    with pytest.raises(InputError, match=r"--save .*'data.csv' is a file, not a folder|is a file, not a folder"):
        check_output_path(blocker / "fit.json", flag="--save")
    with pytest.raises(InputError, match="--out"):
        check_output_dir(blocker / "sub", flag="--out")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
def test_read_only_folder_is_refused_up_front(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(InputError, match="not writable"):
            check_output_path(folder / "fit.json", flag="--save")
    finally:
        folder.chmod(0o755)


def test_atomic_write_that_fails_is_an_input_error_and_leaves_no_temporary_file(tmp_path):
    # /proc refuses new files even to root: the write fails after the temporary file was tried.
    with pytest.raises(InputError, match="cannot write '/proc/scalinglab-test.json'"):
        atomic_write_text("/proc/scalinglab-test.json", "{}")
    target = tmp_path / "over"
    target.mkdir()
    with pytest.raises(InputError, match="cannot write"):
        atomic_write_text(target, "{}")
    assert list(tmp_path.iterdir()) == [target] and list(target.iterdir()) == []
    assert not Path("/proc/scalinglab-test.json").exists()
