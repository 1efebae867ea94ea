"""The README's pictures are never older than the code that draws them; the docs stand alone."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
DRAWING = ("lstm_viz.py", "lstm_widgets.py")  # the code that draws what the screenshots show


def test_screenshots_were_drawn_by_the_code_as_it_is():
    """make screenshots records the content of the drawing code beside the pictures; any later
    change to lstm_viz.py or lstm_widgets.py makes docs/ stale until make screenshots runs again."""
    from browser import drawing_stamp

    stamp = ROOT / "docs" / "screenshots.txt"
    assert stamp.exists() and sorted((ROOT / "docs").glob("*.png")), "run make screenshots"
    assert stamp.read_text() == drawing_stamp(), (
        f"docs/*.png are older than the last change to {' or '.join(DRAWING)}: run make "
        f"screenshots and "
        "commit the pictures with docs/screenshots.txt"
    )


def test_nothing_points_outside_the_repository():
    texts = [
        ROOT / "README.md",
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "notebooks").glob("*.ipynb"),
    ]
    for path in texts:
        assert not re.search(r"shared/seed|\.\./shared", path.read_text()), path.name
