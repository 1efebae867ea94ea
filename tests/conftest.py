import atexit
import os
import pathlib
import shutil
import sys
import tempfile

from hypothesis import settings

sys.path.insert(0, str(pathlib.Path(__file__).parent))  # tests/browser.py, shared with benchmarks

# the answers the tests give are kept in a folder of their own, never in ~/.lstm_answers (the
# kernels, Voilà and JupyterLab the tests start inherit this)
os.environ["LSTM_ANSWERS_DIR"] = tempfile.mkdtemp(prefix="lstm-answers-")
atexit.register(shutil.rmtree, os.environ["LSTM_ANSWERS_DIR"], ignore_errors=True)

# CI draws the same examples every run, so a red build is reproducible; local runs keep exploring.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


# The longest tests first (measured: the fuzz 40-80 s each, the browser and hub tests 10-50 s, the
# lessons executed 5-45 s), so that the workers, handed tests in this order (make test: --dist
# load), do not end with one of them alone running a long test while the others wait.
LONGEST_FIRST = (
    "test_fuzz.py::test_a_thousand",
    "test_browser.py",
    "test_hub.py",
    "test_notebooks.py::test_executes",
    "test_shown.py::test_every_control",
    "test_benchmarks.py",
    "test_notebooks.py",
)


def pytest_collection_modifyitems(items):
    """Order the collected tests by LONGEST_FIRST (the rest after them, each group in its order):
    only when they are run, never what they check."""

    def rank(item):
        for k, prefix in enumerate(LONGEST_FIRST):
            if prefix in item.nodeid:
                return k
        return len(LONGEST_FIRST)

    items.sort(key=rank)  # a stable sort: within a group, the order pytest collected
