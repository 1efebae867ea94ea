"""Long random use of every explorer, headless: no exception escapes, nothing warns, nothing leaks.

Each explorer gets 1,000 seeded operations on controls found by walking its widget tree (sliders,
menus, toggles, number boxes, buttons), with garbage among the values (NaN, ±inf, ±1e300, negative
seeds). A value the widget itself refuses (traitlets' TraitError, as an IntText refuses NaN) never
reaches us.
"""

import gc
import math
import os
import sys
import types
import warnings

import ipywidgets as W
import numpy as np
import pytest
from ipywidgets.widgets.widget import _instances
from traitlets import TraitError

import lstm_widgets as lw

GARBAGE = (math.nan, math.inf, -math.inf, 1e300, -1e300, -7, 0)
EXPLORERS = {
    "ForgetGateExplorer": lambda: lw.ForgetGateExplorer(),
    "StepExplorer": lambda: lw.StepExplorer(),
    "BackwardExplorer": lambda: lw.BackwardExplorer(),
    "ShapeExplorer": lambda: lw.ShapeExplorer(over_time=True),
    "DerivativeExplorer": lambda: lw.DerivativeExplorer(),
    "GradientFlowExplorer": lambda: lw.GradientFlowExplorer(T=20),
    "SequenceExplorer": lambda: lw.SequenceExplorer(),
    "CodeUnitExplorer": lambda: lw.CodeUnitExplorer(),  # the code model: n = 128, m = 97
    # a 64-unit cell on a 60-letter one-hot input: the explorer for cells too big for sliders
    "UnitsExplorer": lambda: lw.SequenceExplorer.of(
        lw.core.CELLS["LSTM"].make(60, 64, seed=3),
        np.eye(60)[np.random.default_rng(4).integers(0, 60, 40)],
    ),
}
# what a learner might paste into a text box: code, broken code, nothing, too much, other scripts
TEXTS = ("x = 1\n", "def f(a):\n    return [a, 'b']\n", "f(\n", "", "é€😀\t\n", "(" * 4000, " ")
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
        elif isinstance(w, VALUED + TOGGLES + (W.Dropdown, W.ToggleButtons, W.Textarea)):
            found.append(w)
        elif isinstance(w, W.SelectMultiple):
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
    if isinstance(w, W.Textarea):
        w.value = TEXTS[rng.integers(len(TEXTS))]
        return True
    if isinstance(w, W.SelectMultiple):  # 0 to 10 of its options: none and too many among them
        values = [o[1] for o in w.options]
        w.value = tuple(rng.choice(values, size=int(rng.integers(0, 11)), replace=False).tolist())
        return True
    if isinstance(w, (W.Dropdown, W.ToggleButtons)):
        w.value = (
            w.options[rng.integers(len(w.options))][1]
            if isinstance(w.options[0], tuple)
            else w.options[rng.integers(len(w.options))]
        )
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


def held_bytes(root):
    """The bytes held by everything reachable from root (modules, classes and functions left out):
    what an explorer keeps, pictures, figures, caches and arrays included."""
    seen, todo, total = set(), [root], 0
    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
    while todo:
        obj = todo.pop()
        if id(obj) in seen or isinstance(obj, skip):
            continue
        seen.add(id(obj))
        total += obj.nbytes if isinstance(obj, np.ndarray) else sys.getsizeof(obj, 0)
        todo.extend(gc.get_referents(obj))
    return total


def run(name, rng, ops, check=None):
    """ops random operations on a new explorer; check(k, explorer) after each; the explorer,
    closed."""
    explorer = EXPLORERS[name]()
    for k in range(ops):
        options = controls(explorer)
        operate(options[rng.integers(len(options))], rng)
        if check:
            check(k, explorer)
    explorer.close()
    return explorer


# FUZZ_SEED and FUZZ_OPS run other orders locally (e.g. FUZZ_SEED=7 FUZZ_OPS=400); the suite's run
# is fixed.
SEED = int(os.environ.get("FUZZ_SEED", "0"))
OPS = int(os.environ.get("FUZZ_OPS", "1000"))


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_a_thousand_random_operations(name):
    """Memory, measured without tracemalloc (which doubled the run's time) in two ways: what the
    explorer itself holds, half-way and at the end; and what stays allocated in the process once the
    explorer is gone, against the same after a warm-up explorer (so matplotlib's caches are
    full)."""
    rng = np.random.default_rng(sum(map(ord, name)) + SEED)
    before = len(_instances)
    held = {}

    def check(k, explorer):
        live = len(_instances) - before
        tree = len(explorer.widgets())
        assert live <= tree, f"operation {k}: {live} live widgets, {tree} in the tree"
        assert "Traceback" not in explorer.error.value
        if k + 1 in (OPS // 2, OPS):
            held[k + 1] = held_bytes(explorer)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run(
            name, np.random.default_rng(SEED + 1), 50
        )  # a warm-up: caches filled, the explorer gone
        gc.collect()
        blocks = sys.getallocatedblocks()
        run(name, rng, OPS, check)
        gc.collect()
        left = sys.getallocatedblocks() - blocks
    assert len(_instances) == before, f"{len(_instances) - before} widgets left open after close"
    # What an explorer holds is counted without its cached backgrounds (matplotlib's BufferRegion
    # does not report its size; the cache is bounded by KEEP). Measured here: 0.1 to 19 MB held,
    # moving by less than 1 MB between the halves; under 1,000 blocks left once an explorer is gone.
    # Allowed: 4 MB of growth (8 kB per operation) and 3,000 blocks: one picture or record kept per
    # operation is above one bound or the other.
    grown = held[OPS] - held[OPS // 2]
    print(
        f"fuzz {name}: holds {held[OPS] / 1e6:.1f} MB, grew {grown / 1e6:.1f} MB, left {left} "
        f"blocks"
    )
    assert grown < 4e6, f"the explorer grew by {grown / 1e6:.1f} MB over the second half"
    assert left < 3000, f"{left} allocated blocks stayed after the explorer was closed and gone"
