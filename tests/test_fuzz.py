"""Long random use of every explorer, headless: no exception escapes, nothing warns, nothing leaks.

Each explorer gets 1,000 seeded operations on controls found by walking its widget tree (sliders, menus,
toggles, number boxes, buttons), with garbage among the values (NaN, ±inf, ±1e300, negative seeds).
A value the widget itself refuses (traitlets' TraitError, as an IntText refuses NaN) never reaches us.
"""
import math
import tracemalloc
import warnings

import ipywidgets as W
import numpy as np
import pytest
from ipywidgets.widgets.widget import _instances
from traitlets import TraitError

import lstm_viz as viz
import lstm_widgets as lw

GARBAGE = (math.nan, math.inf, -math.inf, 1e300, -1e300, -7, 0)
EXPLORERS = {
    "ForgetGateExplorer": lambda: lw.ForgetGateExplorer(),
    "StepExplorer": lambda: lw.StepExplorer(),
    "ShapeExplorer": lambda: lw.ShapeExplorer(over_time=True),
    "DerivativeExplorer": lambda: lw.DerivativeExplorer(),
    "GradientFlowExplorer": lambda: lw.GradientFlowExplorer(T=20),
    "SequenceExplorer": lambda: lw.SequenceExplorer(),
}
VALUED = (W.FloatSlider, W.IntSlider, W.FloatLogSlider, W.FloatText, W.IntText, W.Play)
TOGGLES = (W.Checkbox,)


def test_every_explorer_class_is_fuzzed():
    classes = {name for name in dir(lw) if name.endswith("Explorer") and name != "Explorer"}
    assert classes == set(EXPLORERS)


def controls(explorer):
    """The widgets a learner can operate, found by walking the tree."""
    found = []
    for w in lw.walk(explorer.widget):
        if isinstance(w, W.Button) and not w.disabled:
            found.append(w)
        elif isinstance(w, VALUED + TOGGLES + (W.Dropdown, W.ToggleButtons)):
            found.append(w)
    return found


def operate(w, rng):
    """One random operation on one control; False if the widget itself refused the value."""
    if isinstance(w, W.Button):
        w.click()
        return True
    if isinstance(w, TOGGLES):
        w.value = not w.value
        return True
    if isinstance(w, (W.Dropdown, W.ToggleButtons)):
        w.value = w.options[rng.integers(len(w.options))][1] if isinstance(w.options[0], tuple) \
            else w.options[rng.integers(len(w.options))]
        return True
    if rng.random() < 0.2:
        value = GARBAGE[rng.integers(len(GARBAGE))]
    elif hasattr(w, "min"):
        value = rng.uniform(w.min, w.max)
    else:
        value = rng.normal(0, 3)
    if isinstance(w, (W.IntSlider, W.IntText, W.Play)) and math.isfinite(value):
        value = int(round(value))
    try:
        w.value = value
    except TraitError:
        return False
    return True


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_a_thousand_random_operations(name):
    rng = np.random.default_rng(sum(map(ord, name)))
    before = len(_instances)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        explorer = EXPLORERS[name]()
        try:
            for k in range(1000):
                if k == 500:  # caches are warm: from here on, whatever stays allocated is traced
                    tracemalloc.start()
                options = controls(explorer)
                operate(options[rng.integers(len(options))], rng)
                live = len(_instances) - before
                tree = len(explorer.widgets())
                assert live <= tree, f"operation {k}: {live} live widgets, {tree} in the tree"
                assert "Traceback" not in explorer.error.value
            kept = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    # Allowed: the view's cache of backgrounds (at most KEEP whole frames) and a few MB of slack;
    # a leak of even one picture or a few widgets per operation would be far above this.
    frame = 1100 * 750 * 4  # the largest figure's RGBA buffer, in bytes
    allowed = viz.BlitFigure.KEEP * frame + 8e6
    assert kept < allowed, f"the last 500 operations left {kept / 1e6:.1f} MB allocated"
