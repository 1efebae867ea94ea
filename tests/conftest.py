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
