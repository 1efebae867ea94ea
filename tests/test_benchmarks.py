"""The benchmark script runs and prints its lines in the issue's formats (its figures are not
judged here)."""

import os
import re
import shutil
import subprocess
import sys

import pytest
from browser import CHROMIUM, ROOT


def script(name, *args):
    """Run benchmarks/name with args; its printed lines (it must succeed)."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.splitlines()


def test_latency_script_prints_every_line():
    lines = script("latency.py", "--quick", "--no-browser", "--no-notebooks")
    number = r"\d+(\.\d+)?"
    for name in (
        "ForgetGateExplorer",
        "StepExplorer",
        "BackwardExplorer",
        "ShapeExplorer",
        "DerivativeExplorer",
        "GradientFlowExplorer",
        "SequenceExplorer",
        "SequenceExplorer(backward)",
        "CodeUnitExplorer",
        "UnitsExplorer",
    ):
        assert any(
            re.fullmatch(
                rf"explorer_redraw_ms {re.escape(name)} median={number} p95={number} "
                rf"full_redraw_median={number} ratio={number}",
                l,
            )
            for l in lines
        ), name
        cost = rf"explorer_cost {re.escape(name)} " + " ".join(
            rf"{part}=-?\d+%"
            for part in ("math", "controls", "figure", "text", "encoding", "panels")
        )
        assert any(re.fullmatch(cost, l) for l in lines), name
    last = (
        rf"slider_to_redraw_ms median={number} p95={number} baseline_median={number} "
        rf"speedup={number} "
        rf"full_redraw_median={number} ratio={number}"
    )
    assert re.fullmatch(last, lines[-1]), lines[-1]


def test_class_load_script_prints_its_line():
    """One learner, no wait for culling: the line's format (its figures go in the closing note)."""
    if not shutil.which(CHROMIUM) and not os.environ.get("CI"):
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)")
    lines = script("class_load.py", "1", "--within", "0", "--leak-wait", "0")
    number = r"\d+(\.\d+)?"
    line = (
        rf"class_load N=1 live_median_s={number} live_p95_s={number} slider_median_ms={number} "
        rf"slider_p95_ms={number} kernels_rss_mb={number} leaked_kernels=\d+"
    )
    assert re.fullmatch(line, lines[-1]), lines[-3:]
    assert re.fullmatch(rf"class_live N=1 live=1 \(explorers shown within {number} s\)", lines[-2])
