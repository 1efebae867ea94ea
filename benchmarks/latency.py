"""How fast the lessons respond. Prints figures; asserts nothing (machines are noisy).

1. Each notebook's headless execution time (nbclient).
2. Browser round trip in the Voilà app: key press on a slider -> readout updated (needs /usr/bin/chromium).
3. Last line: slider_to_redraw_ms for the step-through view (diagram plus all plots), from setting a slider's
   value in Python to the callback returning with every figure drawn (Agg) and encoded, over 200 changes;
   the baseline re-creates the figure on each change, measured in the same run.
Run: make benchmark   (or .venv/bin/python benchmarks/latency.py [--no-browser])
"""
import pathlib
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import lstm_core as core  # noqa: E402
import lstm_viz as viz  # noqa: E402
from lstm_widgets import StepExplorer  # noqa: E402


def summary(ms):
    return statistics.median(ms), float(np.percentile(ms, 95))


def notebook_times():
    import nbformat
    from nbclient import NotebookClient
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as tmp:
            client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp}})
            t = time.perf_counter()
            client.execute()
            print(f"notebook_exec_s {path.name} {time.perf_counter() - t:.2f}", flush=True)


def browser_round_trip(presses=20):
    from browser import CHROMIUM, browser, server, slider_handle
    if not shutil.which(CHROMIUM):
        print(f"browser_round_trip_ms skipped: {CHROMIUM} not found")
        return
    with tempfile.TemporaryDirectory() as tmp, server("voila", ROOT / "notebooks" / "01_forget_gate.ipynb") as url, \
            browser(pathlib.Path(tmp)) as ctx:
        page = ctx.new_page()
        page.goto(url, wait_until="domcontentloaded")
        page.locator(".widget-htmlmath", has_text="z_f = ").first.wait_for(timeout=90000)
        handle = slider_handle(page, "x_t[0]")
        handle.focus()
        ms, x0 = [], 1.0
        for _ in range(presses):
            x0 = round(x0 + 0.1, 10)
            want = "z_f = " + viz.fmt_vec(core.forget_gate(core.QUESTION_W_F, core.QUESTION_B_F, [x0, 2, 3],
                                                           core.QUESTION_H).z)
            t = time.perf_counter()
            handle.press("ArrowRight")
            page.wait_for_function("w => [...document.querySelectorAll('.widget-htmlmath')]"
                                   ".some(e => e.innerText.includes(w))", arg=want, timeout=30000)
            ms.append((time.perf_counter() - t) * 1000)
        med, p95 = summary(ms)
        print(f"browser_round_trip_ms median={med:.1f} p95={p95:.1f} presses={presses}", flush=True)


def slider_to_redraw(changes=200, seed=0):
    rng = np.random.default_rng(seed)
    e = StepExplorer()
    e.go(4)
    values = rng.uniform(-3, 3, changes)
    sliders = [e.x.sliders[k % len(e.x.sliders)] for k in range(changes)]
    ms = []
    for s, v in zip(sliders, values):
        t = time.perf_counter()
        s.value = float(v)  # the observer recomputes, redraws the view (blitting) and encodes the PNG
        ms.append((time.perf_counter() - t) * 1000)
    base = []
    for s, v in zip(sliders[:50], values[:50]):  # baseline: the same callback, but on a figure made anew
        t = time.perf_counter()
        e.view = viz.StepView(e.params.m, e.params.n)
        s.value = float(v) + 0.05
        base.append((time.perf_counter() - t) * 1000)
    med, p95 = summary(ms)
    bmed = statistics.median(base)
    print(f"slider_to_redraw_ms median={med:.1f} p95={p95:.1f} baseline_median={bmed:.1f} speedup={bmed / med:.1f}")


if __name__ == "__main__":
    notebook_times()
    if "--no-browser" not in sys.argv:
        browser_round_trip()
    slider_to_redraw()
