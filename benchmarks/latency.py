"""How fast the lessons respond. Prints figures; asserts nothing (machines are noisy).

1. notebook_exec_s: each notebook's headless execution time (nbclient).
2. browser_round_trip_ms: in the Voilà app, from a slider's keydown event to the moment the readout
   shows the new numbers, timed inside the page (needs /usr/bin/chromium).
3. explorer_redraw_ms NAME: for every explorer class, setting one of its sliders from Python until
   the callback returns with every figure drawn (Agg) and encoded; sliders taken round robin, sizes
   fixed (the gradient-flow explorer at T = 100); then the same changes with every figure drawn
   whole (no cached background): full_redraw_median F and ratio R = F / median; and a line
   explorer_cost NAME naming where the time goes (math, controls, figure, text, encoding, panels).
4. Last line, slider_to_redraw_ms: the step explorer at stage 5 over 200 changes of x_t; baseline B
   re-creates the figure on each change, F draws the whole figure (canvas.draw(), the matplotlib
   slider-demo way) on each change; S = B/M, R = F/M.
Run: make benchmark   (or .venv/bin/python benchmarks/latency.py [--no-browser] [--no-notebooks]
[--quick])
"""

import cProfile
import pathlib
import pstats
import shutil
import statistics
import sys
import tempfile
import time

import ipywidgets as W
import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import lstm_core as core  # noqa: E402
import lstm_viz as viz  # noqa: E402
import lstm_widgets as lw  # noqa: E402

EXPLORERS = {
    "ForgetGateExplorer": lambda: lw.ForgetGateExplorer(),
    "StepExplorer": lambda: lw.StepExplorer(),
    "BackwardExplorer": lambda: lw.BackwardExplorer(),
    "ShapeExplorer": lambda: lw.ShapeExplorer(),
    "DerivativeExplorer": lambda: lw.DerivativeExplorer(),
    "GradientFlowExplorer": lambda: lw.GradientFlowExplorer(T=100),
    "SequenceExplorer": lambda: lw.SequenceExplorer(T=50),
    "SequenceExplorer(backward)": lambda: backward_sequence(),
    "CodeUnitExplorer": lambda: lw.CodeUnitExplorer(),  # the code model on held-out code
    "UnitsExplorer": lambda: lw.SequenceExplorer.of(
        lw.lessons.code_model(), lw.lessons.code_excerpt()[:400]
    ),  # every unit of the code model over 400 characters
}


def backward_sequence():
    """The sequence explorer in its backward mode (BPTT on every redraw)."""
    e = lw.SequenceExplorer(T=50)
    e.backward.value = True
    return e


SIZES = ("m (", "n (", "T (")  # sliders that change sizes (a new structure, not a redraw)


def summary(ms):
    return statistics.median(ms), float(np.percentile(ms, 95))


def timed(change, *args):
    """Milliseconds that change(*args) takes."""
    t = time.perf_counter()
    change(*args)
    return (time.perf_counter() - t) * 1000


def notebook_times():
    import nbformat
    from nbclient import NotebookClient

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as tmp:
            client = NotebookClient(
                nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp}}
            )
            t = time.perf_counter()
            client.execute()
            print(f"notebook_exec_s {path.name} {time.perf_counter() - t:.2f}", flush=True)


def browser_round_trip(presses=20):
    from browser import CHROMIUM, browser, server, show_answers, slider_handle

    if not shutil.which(CHROMIUM):
        print(f"browser_round_trip_ms skipped: {CHROMIUM} not found")
        return
    with (
        tempfile.TemporaryDirectory() as tmp,
        server("voila", ROOT / "notebooks" / "01_forget_gate.ipynb") as url,
        browser(pathlib.Path(tmp)) as ctx,
    ):
        page = ctx.new_page()
        page.goto(url, wait_until="domcontentloaded")
        show_answers(page, 1)  # lesson 1's explorer opens once its predictions are answered
        page.locator(".lstm-readout", has_text="z_f = ").first.wait_for(timeout=90000)
        handle = slider_handle(page, "x_t[0]")
        handle.focus()
        # Timed inside the page: from the key's keydown event to the moment the readout shows the
        # new numbers (a MutationObserver), so the test driver's own polling and messaging are not
        # counted.
        page.evaluate("""() => {
            const el = document.querySelector('.lstm-readout');
            window.lstmTimes = {};
            document.addEventListener('keydown', () => { window.lstmTimes = {down:
            performance.now()}; }, true); new MutationObserver(() => {
                if (window.lstmWant && el.innerText.includes(window.lstmWant) &&
                !window.lstmTimes.shown)
                    window.lstmTimes.shown = performance.now();
            }).observe(el, {subtree: true, childList: true, characterData: true});
        }""")
        ms, x0 = [], 1.0
        for _ in range(presses):
            x0 = round(x0 + 0.1, 10)
            want = "z_f = " + viz.fmt_vec(
                core.forget_gate(
                    core.QUESTION_W_F, core.QUESTION_B_F, [x0, 2, 3], core.QUESTION_H
                ).z
            )
            page.evaluate("w => { window.lstmWant = w; }", want)
            handle.press("ArrowRight")
            page.wait_for_function(
                "() => window.lstmTimes.shown !== undefined", polling=5, timeout=30000
            )
            ms.append(page.evaluate("() => window.lstmTimes.shown - window.lstmTimes.down"))
            page.wait_for_timeout(100)  # the picture message lands before the next press
        med, p95 = summary(ms)
        print(f"browser_round_trip_ms median={med:.1f} p95={p95:.1f} presses={presses}", flush=True)


QUICK = "--quick" in sys.argv  # a few changes each: checks the script and its output, not the speed


class FullRedraw:
    """While active, every BlitFigure draws its whole figure (canvas.draw()) on each render, as if
    it kept no background and no rendered text: the matplotlib slider-demo way, the baseline of the
    ratio."""

    def __enter__(self):
        self.rgba = viz.BlitFigure.rgba

        def whole(figure):
            figure._backgrounds.clear()
            figure._texts.clear()
            return self.rgba(figure)

        viz.BlitFigure.rgba = whole
        return self

    def __exit__(self, *exc):
        viz.BlitFigure.rgba = self.rgba


def changes_of(e, changes, seed):
    """The (slider, value) changes an explorer's benchmark makes: its sliders round robin."""
    rng = np.random.default_rng(seed)
    sliders = [
        w
        for w in lw.walk(e.widget)
        if isinstance(w, (W.FloatSlider, W.FloatLogSlider, W.IntSlider))
    ]
    moving = [s for s in sliders if not s.description.startswith(SIZES)] or sliders
    planned = []
    for k in range(changes):
        s = moving[k % len(moving)]
        lo, hi = max(s.min, -3), min(s.max, 3) if s.max > s.min + 1 else s.max
        value = rng.uniform(lo, hi)
        value = int(round(value)) if isinstance(s, W.IntSlider) else float(value)
        planned.append((s, value))
    return planned


def timed_changes(planned):
    """Milliseconds of each change (a value equal to the slider's own is moved to an end)."""
    ms = []
    for s, value in planned:
        if value == s.value:
            value = s.min if s.value != s.min else s.max
        ms.append(timed(setattr, s, "value", value))
    return ms


def key_of(function):
    """The key cProfile gives function."""
    code = function.__code__
    return (code.co_filename, code.co_firstlineno, code.co_name)


def costs(planned):
    """Where the time of the changes goes, in % of the edit (a profile: its proportions, not its
    absolute times, are what it measures): the cell's math, writing the controls back, drawing the
    figure's artists other than text, drawing text, encoding the PNG, and the rest of the
    redraw (artists' new data, HTML panels)."""
    from matplotlib.text import Text

    profile = cProfile.Profile()
    profile.enable()
    timed_changes(planned)
    profile.disable()
    stats = pstats.Stats(profile).stats

    def cumulative(function):
        return stats.get(key_of(function), (0, 0, 0, 0.0))[3]

    edit = cumulative(lw.Explorer.edit)
    write = cumulative(lw.Explorer._write_controls)
    refresh = cumulative(lw.Explorer.refresh)
    rgba, text, encoding = (cumulative(f) for f in (viz.BlitFigure.rgba, Text.draw, viz.png_bytes))
    parts = {
        "math": edit - write - refresh,
        "controls": write,
        "figure": rgba - text,
        "text": text,
        "encoding": encoding,
        "panels": refresh - rgba - encoding,
    }
    return " ".join(f"{k}={100 * v / edit:.0f}%" for k, v in parts.items())


def explorer_redraw(name, changes=100, seed=0):
    """One slider change: median, p95, the ratio of a whole-figure redraw to it, its costs."""
    changes = 5 if QUICK else changes
    e = EXPLORERS[name]()
    planned = changes_of(e, changes + 10, seed)
    ms = timed_changes(planned)[10:]  # the first few draw each cached background once
    with FullRedraw():
        full = timed_changes(planned[10:])
    cost = costs(planned[10:])
    e.close()
    med, p95 = summary(ms)
    fmed = statistics.median(full)
    print(
        f"explorer_redraw_ms {name} median={med:.1f} p95={p95:.1f} "
        f"full_redraw_median={fmed:.1f} ratio={fmed / med:.1f}",
        flush=True,
    )
    print(f"explorer_cost {name} {cost}", flush=True)


def anew(explorer, slider, value):
    """The baseline: a new step figure, then the slider's change."""
    explorer.view = viz.StepView(explorer.params)
    slider.value = value


def slider_to_redraw(changes=200, seed=0):
    changes = 10 if QUICK else changes
    rng = np.random.default_rng(seed)
    e = lw.StepExplorer()
    e.go(4)
    values = rng.uniform(-3, 3, changes)
    sliders = [e.x.sliders[k % len(e.x.sliders)] for k in range(changes)]
    ms = [timed(setattr, s, "value", float(v)) for s, v in zip(sliders, values, strict=True)]
    full = []
    for s, v in zip(
        sliders[:50], values[:50], strict=True
    ):  # the same figure, drawn whole each change
        e.view._backgrounds.clear()
        e.view._texts.clear()
        full.append(timed(setattr, s, "value", float(v) + 0.05))
    base = []
    for s, v in zip(
        sliders[:50], values[:50], strict=True
    ):  # baseline: the callback on a figure made anew
        base.append(timed(anew, e, s, float(v) - 0.05))
    med, p95 = summary(ms)
    bmed, fmed = statistics.median(base), statistics.median(full)
    print(
        f"slider_to_redraw_ms median={med:.1f} p95={p95:.1f} baseline_median={bmed:.1f} "
        f"speedup={bmed / med:.1f} full_redraw_median={fmed:.1f} ratio={fmed / med:.1f}",
        flush=True,
    )


if __name__ == "__main__":
    if "--no-notebooks" not in sys.argv:
        notebook_times()
    if "--no-browser" not in sys.argv:
        browser_round_trip()
    for name in EXPLORERS:
        explorer_redraw(name)
    slider_to_redraw()
