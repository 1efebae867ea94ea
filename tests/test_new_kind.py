"""A new cell kind is three places: one file of math, one registry entry, one drawing.

Here the vanilla RNN, h_t = tanh(W [x_t, h_(t-1)] + b), is added exactly that way (its math in this
file, its record in lstm_core.CELLS, its drawing in lstm_viz.DRAWINGS) and stepped through by the
explorers, lessons and views unchanged.
"""

from dataclasses import dataclass, replace

import numpy as np
import pytest

import lstm_core as core
import lstm_lessons as lessons
import lstm_viz as viz
import lstm_widgets as lw

# ---------------------------------------------------------------- 1. the math


@dataclass(frozen=True, eq=False)
class RNNParams:
    """W (n, m+n), b (n,)."""

    W: np.ndarray
    b: np.ndarray
    order: str = "xh"
    variant = "vanilla RNN"

    def __post_init__(self):
        object.__setattr__(self, "W", core.as_array("W", self.W, 2))
        object.__setattr__(self, "b", core.as_array("b", self.b))

    @property
    def n(self):
        return self.W.shape[0]

    @property
    def m(self):
        return self.W.shape[1] - self.n

    def names(self):
        return ("W", "b")

    def replace(self, **changes):
        return replace(self, **changes)

    @classmethod
    def random(cls, m, n, seed=0, scale=None):
        rng = np.random.default_rng(seed)
        s = 1 / np.sqrt(n) if scale is None else scale
        return cls(rng.uniform(-s, s, (n, m + n)), rng.uniform(-s, s, n))


def rnn_step(x_t, h_prev, c_prev, p):
    x_t, h_prev = core.as_array("x_t", x_t), core.as_array("h_prev", h_prev)
    return core.rnn_step(x_t, h_prev, p.W, p.b, p.order)


def rnn_forward(xs, h0, c0, p):
    return core.rnn_forward(xs, h0, p.W, p.b, p.order)


@dataclass
class Grads:
    steps: list
    dW: np.ndarray
    db: np.ndarray


@dataclass
class StepGrads:
    dh_prev: np.ndarray


def rnn_backward(steps, p, dhs):
    g = core.rnn_backward(steps, p.W, dhs, p.order)
    return Grads([StepGrads(d) for d in g["dh_prev"]], g["dW"], g["db"])


QUANTITIES = (
    core.Quantity("x_t", "x_t", "$x_t$", "x_t", "x_t", "input", size="m", kind="input"),
    core.Quantity(
        "h_prev", "h_(t-1)", "$h_{t-1}$", "h_{t-1}", "h_{t-1}", "previous state", kind="input"
    ),
    core.Quantity(
        "concat", "v", "$v$", "v", "[x_t, h_{t-1}]", "concatenation", size="m+n", kind="concat"
    ),
    core.Quantity("z", "z", "$z$", "z", "W v + b", "pre-activation", kind="pre"),
    core.Quantity(
        "h",
        "h_t",
        "$h_t$",
        "h_t",
        r"\tanh(z)",
        "hidden state",
        kind="gate",
        pre="z",
        activation="tanh",
        weights="W",
    ),
)

# ---------------------------------------------------------------- 2. the registry entry

RNN = core.Cell(
    name="vanilla RNN",
    family="RNN",
    params=RNNParams,
    options=(),
    keep_gate=None,
    keep_bias=None,
    has_cell_state=False,
    over_time=("h",),
    step=rnn_step,
    forward=rnn_forward,
    backward=rnn_backward,
    quantities=lambda params: QUANTITIES,
)

# ---------------------------------------------------------------- 3. the drawing

Y, BUS = viz.LINE_Y, viz.BUS_Y
LAYOUT = viz.Layout(
    kind="RNN",
    wires=(
        ("h_prev", (0.2, 2.2), (BUS, BUS), 1.6, False),
        ("x", (2.2, 2.2), (0.2, BUS), 1.6, False),
        ("bus", (2.2, 6.0), (BUS, BUS), 1.6, False),
        ("h", (6.0, 6.0), (BUS, viz.BOX_Y - 0.35), 1.6, False),
        ("h_out", (6.0, 6.0, 12.2), (viz.BOX_Y + 0.35, Y, Y), 1.6, False),
    ),
    boxes=(("h", "h", 6.0, ("W",)),),
    ops=(),
    labels=(
        ("h_prev", "h_prev", 0.2, BUS + 0.25, "left"),
        ("x", "x_t", 2.35, 0.35, "left"),
        ("bus", "concat", 2.4, BUS - 0.45, "left"),
        ("h_out", "h", 12.2, Y + 0.35, "right"),
    ),
    stages=(
        viz.Stage(
            "concatenate",
            frozenset({"x", "h_prev", "bus"}),
            ("x_t", "h_prev", "concat"),
            None,
            ("concat",),
        ),
        viz.Stage(
            "hidden state", frozenset({"bus", "h", "h_out"}), ("concat", "h"), "h", ("h", "z")
        ),
    ),
)
DRAWING = viz.Drawing(
    family="RNN",
    layout=LAYOUT,
    extra_wires={},
    colours={"h": viz.BLUE},
    markers={"h": "o"},
    ranges={"h": (-1.05, 1.05)},
    flow_maps=(("h", "$h_t$", (-1, 1)),),
    flow_words=("‖∂L/∂h‖", "no keep gate"),
    panels={},
    alt="Diagram of a vanilla RNN cell.",
)


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(core.CELLS, RNN.name, RNN)
    monkeypatch.setitem(viz.DRAWINGS, "RNN", DRAWING)


def test_the_step_explorer_steps_through_the_new_kind(registered):
    p = RNNParams.random(2, 3, seed=1)
    x, h = np.array([0.5, -1.0]), np.array([0.1, 0.2, -0.3])
    e = lw.StepExplorer.of(x, h, None, p)
    assert e.variant.value == "vanilla RNN" and e.c is None and e.error.value == ""
    want = np.tanh(p.W @ np.concatenate([x, h]) + p.b)  # by hand
    assert f"<td style='font-family:monospace'>{viz.fmt_vec(want, 3)}</td>" in e.values.value
    e.next_button.click()
    assert e.stage == 1 and e.next_button.disabled and "h_t" not in e.error.value
    assert (
        "z[2] = " in e.stage_panel.value
        and f"tanh(z) = {viz.fmt(want[2], 4)}" in e.stage_panel.value
    )
    e.W.cells[0][0].value = 2.0  # its weights are edited like any cell's
    assert e.params.W[0, 0] == 2.0 and e.error.value == ""
    e.variant.value = "vanilla RNN"
    e.preset.value = "gates open"  # no σ gates: the preset has nothing to open, and says nothing
    assert e.error.value == "" and isinstance(e.params, RNNParams)


def test_lessons_and_the_other_views_take_the_new_kind(registered):
    flow = lessons.gradient_flow(12, n=4, variant="vanilla RNN")
    assert np.isnan(flow.keep[1:]).all() and flow.maps["h"].shape == (4, 12)
    view = viz.GradientFlowView(12, 4, "vanilla RNN")
    view.update(flow)
    assert view.png()[:4] == b"\x89PNG"
    p = RNNParams.random(2, 3)
    steps = core.forward(np.ones((5, 2)), p)
    seq = viz.SequenceView(5, 2, 3, "vanilla RNN")
    seq.update(steps, 2)
    assert list(seq.axes) == ["h"] and "c" not in seq.strips
    assert "h_t flows into step t+1" in seq.title.get_text()
    assert viz.cell_picture(p).alt == "Diagram of a vanilla RNN cell."
