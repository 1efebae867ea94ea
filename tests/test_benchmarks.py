"""The benchmark script runs and prints its lines in the issue's formats (its figures are not
judged here)."""

import re
import subprocess
import sys

from browser import ROOT


def test_latency_script_prints_every_line():
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "latency.py"),
            "--quick",
            "--no-browser",
            "--no-notebooks",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
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
    ):
        assert any(
            re.fullmatch(rf"explorer_redraw_ms {re.escape(name)} median={number} p95={number}", l)
            for l in lines
        ), name
    last = (
        rf"slider_to_redraw_ms median={number} p95={number} baseline_median={number} "
        rf"speedup={number} "
        rf"full_redraw_median={number} ratio={number}"
    )
    assert re.fullmatch(last, lines[-1]), lines[-1]
