"""The house style (pyproject.toml's [tool.ruff]): lines ≤ 100, equation names."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def ruff(*args):
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_ruff_finds_nothing():
    run = ruff("check", ".")
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_code_is_formatted():
    run = ruff("format", "--check", "--exclude", "notebooks", ".")
    assert run.returncode == 0, run.stdout + run.stderr
