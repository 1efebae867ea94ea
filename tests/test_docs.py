"""The README's pictures are never older than the code that draws them; the docs stand alone."""
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DRAWING = ("lstm_viz.py", "lstm_widgets.py")


def last_commit_time(*paths):
    out = subprocess.run(["git", "log", "-1", "--format=%ct", "--", *paths], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    return int(out or 0)


def test_screenshots_are_not_older_than_the_code_that_draws_them():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no history to compare")
    shots = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.png"))
    assert shots, "docs/ has no screenshots: run make screenshots"
    drawn = last_commit_time(*DRAWING)
    for shot in shots:
        assert last_commit_time(shot) >= drawn, (
            f"{shot} was committed before the last change to {' or '.join(DRAWING)}: run make screenshots "
            "and commit the new pictures")


def test_nothing_points_outside_the_repository():
    texts = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "notebooks").glob("*.ipynb")]
    for path in texts:
        assert not re.search(r"shared/seed|\.\./shared", path.read_text()), path.name
