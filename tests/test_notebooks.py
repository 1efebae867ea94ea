"""Every lesson executes headless, on an in-memory copy; the committed files carry no outputs."""

import pathlib
import re

import nbformat
import pytest
from nbclient import NotebookClient

import lstm_questions as questions

ROOT = pathlib.Path(__file__).parent.parent


@pytest.fixture
def without_torch(tmp_path, monkeypatch):
    """Kernels started in this test cannot import torch, as on a machine without it."""
    fake = tmp_path / "no_torch" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('torch is hidden for this test')\n")
    monkeypatch.setenv("PYTHONPATH", str(fake.parent))


def check_shows_tags(nb):
    """The Voilà template says in words where a cell tagged "shows" arrived without output: the
    tags must be exactly the cells that show something when executed (the last cell, added by a
    test, aside)."""
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "show_answers" not in cell.source:
            tagged = "shows" in cell.metadata.get("tags", [])
            assert tagged == bool(cell.outputs), (k, cell.source[:60], tagged)


def execute(nb, folder):
    """Run nb headless with folder as its working folder, outputs into nb. A kernel that dies
    before answering its first message is started once more: two kernels started at once (the
    suite runs on two workers) can be handed the same free port ("Address already in use"), and
    then not a cell of the notebook has run."""
    for attempt in (1, 2):
        client = NotebookClient(
            nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        )
        try:
            return client.execute()
        except RuntimeError as e:
            if attempt == 2 or "before replying to kernel_info" not in str(e):
                raise


NOTEBOOKS = sorted((pathlib.Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_lessons():
    assert [p.name for p in NOTEBOOKS][:1] == ["01_forget_gate.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: strip outputs"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executes_without_error(path, tmp_path):
    nb = nbformat.read(path, as_version=4)  # executed in memory; the file on disk is never written
    lesson = int(path.name[:2])
    # then every answer is shown, as a learner who answers them all would see them: whatever the
    # lesson held back opens, without an error
    nb.cells.append(
        nbformat.v4.new_code_cell(
            f"import lstm_widgets\nprint('held back:', lstm_widgets.show_answers({lesson}))\n"
            "print('on request:', lstm_widgets.run_requests())"
        )
    )
    execute(nb, tmp_path)
    errors = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    assert not errors
    check_shows_tags(nb)
    stderr = [
        o.text
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stderr"
    ]
    assert not stderr, f"warnings or errors printed: {stderr}"
    widgets = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    ]
    assert widgets, "the lesson shows no interactive part"
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    held, asked = printed.split("on request:")
    assert "False" not in held and "Error" not in held, held
    assert held.count("(True, None)") == sum(c.source.count("later(") for c in nb.cells[:-1])
    # what waits for a button is made when it is pressed, without an error
    assert asked.count("(True, None)") == sum(c.source.count("on_request(") for c in nb.cells[:-1])
    assert "False" not in asked and "Error" not in asked, asked


@pytest.mark.parametrize("prefix", ["05_", "06_"])
def test_torch_lessons_run_without_torch(prefix, tmp_path, without_torch):
    """Where PyTorch is missing, lessons 5 and 6 fall back to the committed PyTorch numbers."""
    path = [p for p in NOTEBOOKS if p.name.startswith(prefix)][0]
    nb = nbformat.read(path, as_version=4)
    execute(nb, tmp_path)
    check_shows_tags(nb)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "largest difference" in text
    diff = float(text.split("largest difference")[1].split()[0])
    assert diff < 1e-12
    if prefix == "05_":  # without torch, no Keras either: its committed numbers, matched
        keras = text.split("Keras (committed): h_t differs by")[1].split()
        assert float(keras[0]) < 1e-12 and float(keras[3]) < 1e-12, keras[:4]


def test_the_trained_lesson_runs_without_torch(tmp_path, without_torch):
    """Lesson 7 without PyTorch: the shipped counter, its file loaded back, the live module skipped
    with a message (with torch, test_executes_without_error runs the live module)."""
    path = [p for p in NOTEBOOKS if "trained" in p.name][0]
    nb = nbformat.read(path, as_version=4)
    execute(nb, tmp_path)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    check_shows_tags(nb)
    text = "".join(o.get("text", "") for o in outputs)
    assert "the same cell as the counter: True" in text and "PyTorch is not installed" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_lesson_asks_at_least_three_predictions(path):
    nb = nbformat.read(path, as_version=4)
    asks = [
        c
        for c in nb.cells
        if c.cell_type == "code" and "predict(" in c.source and "import" not in c.source
    ]
    assert len(asks) >= 3


@pytest.mark.parametrize("lesson", sorted(questions.LESSON_QUESTIONS))
def test_no_answer_in_the_text_or_code_a_learner_reads(lesson):
    """JupyterLab shows a lesson's code as well as its text: no answer of any of its predictions
    is written in either (the browser test checks what Voilà shows of the outputs)."""
    path = ROOT / "notebooks" / questions.NOTEBOOKS[lesson]
    sources = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    found = {}
    for number, make in enumerate(questions.LESSON_QUESTIONS[lesson], 1):
        for form in questions.answer_forms(make(0)):
            if re.search(r"(?<![\w.])" + re.escape(form) + r"(?![\w]|\.\d)", sources):
                found.setdefault(f"{lesson}.{number}", []).append(form)
    assert not found, f"{path.name} writes answers before they are asked for: {found}"


@pytest.mark.parametrize("prefix", ["01_", "05_"])
def test_cells_survive_being_rerun(prefix, tmp_path, without_torch):
    """Run every cell, then every cell again, in order (what Run All twice, or a learner going
    back, does): no error, and lesson 5's check still agrees with PyTorch (also without torch, on
    the committed numbers)."""
    path = [p for p in NOTEBOOKS if p.name.startswith(prefix)][0]
    nb = nbformat.read(path, as_version=4)
    again = [nbformat.v4.new_code_cell(c.source) for c in nb.cells if c.cell_type == "code"]
    nb.cells = nb.cells + again
    execute(nb, tmp_path)
    assert not [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"
    ]
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    for part in text.split("largest difference")[1:]:
        assert float(part.split()[0]) < 1e-12


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_line_a_learner_reads_fits_in_100_characters(path):
    nb = nbformat.read(path, as_version=4)
    long = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            long += [(k, len(line)) for line in cell.source.splitlines() if len(line) > 100]
    assert not long, f"{path.name}: (cell, length) of lines over 100 characters: {long}"


def test_the_backward_lesson_steps_through_the_backward_pass():
    """The lesson named for the backward pass runs the backward explorer and asks about it."""
    (path,) = [p for p in NOTEBOOKS if "backward" in p.name]
    source = "".join(c.source for c in nbformat.read(path, as_version=4).cells)
    assert "BackwardExplorer" in source and "predict(" in source
