"""One LSTM cell in numpy: every intermediate quantity, its shape, and its gradient.

The face of the numpy core. Every cell kind is one `Cell` record in one registry, `CELLS`, and
`cell_of(params)` finds a cell's record: step, forward and backward are dispatched here, once.
The math lives in `cells/` (one file per family) and is re-exported, so `core.X` keeps working.

Dimensions, named once: m input size, n hidden size (= number of cell units), T steps.
With v = [x_t, h_{t-1}] (order "xh", the question's) or [h_{t-1}, x_t] (order "hx", Colah's):

    f_t  = σ(W_f v + b_f)          forget gate       (n,)
    i_t  = σ(W_i v + b_i)          input gate        (n,)
    C̃_t  = tanh(W_c v + b_c)       candidate         (n,)
    C_t  = f_t ∘ C_{t-1} + i_t ∘ C̃_t                 (n,)
    o_t  = σ(W_o v + b_o)          output gate       (n,)
    h_t  = o_t ∘ tanh(C_t)                           (n,)

Each W is (n, m+n): one row per cell unit, and each row sees the whole v of length m+n.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from cells.checks import (
    CELL_RULE,
    as_array,
    as_number,
    as_seed,
    as_size,
    as_whole,
    check_len,
    check_params,
    check_step,
    check_steps,
    check_xs,
)
from cells.gru import (
    GRU_QUANTITIES,
    GRU_WEIGHTS,
    GRUGrads,
    GRUParams,
    GRUSeqGrads,
    GRUStep,
    GRUStepGrads,
    gru_backward,
    gru_backward_stages,
    gru_forward,
    gru_step,
    gru_step_backward,
)
from cells.lstm import (
    FRAMEWORK_ORDER,
    GATES,
    PEEPHOLES,
    Gate,
    Grads,
    LSTMParams,
    SeqGrads,
    Step,
    StepGrads,
    check_state,
    forget_gate,
    lstm_backward,
    lstm_backward_stages,
    lstm_forward,
    lstm_quantities,
    lstm_step,
    lstm_step_backward,
    param_count,
)
from cells.load import load_cell
from cells.module import lstm_module_forward, torch_lstm_layers
from cells.rnn import RNNStep, rnn_backward, rnn_forward, rnn_step
from cells.shared import (
    ACTIVATIONS,
    BackwardStage,
    Chain,
    ORDERS,
    Quantity,
    concat,
    concat_cols,
    relu,
    relu_prime,
    sigmoid,
    sigmoid_prime,
    split,
    tanh,
    tanh_prime,
)

__all__ = [  # what `core.X` offers; the names re-exported from cells/ are part of it
    "CELL_RULE",
    "as_array",
    "as_number",
    "as_seed",
    "as_size",
    "as_whole",
    "check_len",
    "check_params",
    "check_step",
    "check_steps",
    "check_xs",
    "GRU_QUANTITIES",
    "GRU_WEIGHTS",
    "GRUGrads",
    "GRUParams",
    "GRUSeqGrads",
    "GRUStep",
    "GRUStepGrads",
    "gru_backward",
    "gru_forward",
    "gru_step",
    "gru_step_backward",
    "gru_backward_stages",
    "FRAMEWORK_ORDER",
    "GATES",
    "PEEPHOLES",
    "Gate",
    "Grads",
    "LSTMParams",
    "SeqGrads",
    "Step",
    "StepGrads",
    "check_state",
    "forget_gate",
    "lstm_backward",
    "lstm_forward",
    "lstm_quantities",
    "lstm_step",
    "lstm_step_backward",
    "lstm_backward_stages",
    "param_count",
    "load_cell",
    "lstm_module_forward",
    "torch_lstm_layers",
    "RNNStep",
    "rnn_backward",
    "rnn_forward",
    "rnn_step",
    "ACTIVATIONS",
    "ORDERS",
    "Quantity",
    "BackwardStage",
    "Chain",
    "concat",
    "concat_cols",
    "relu",
    "relu_prime",
    "sigmoid",
    "sigmoid_prime",
    "split",
    "tanh",
    "tanh_prime",
    "Cell",
    "CELLS",
    "bias_of",
    "cell_of",
    "check_cell",
    "quantities",
    "texts",
    "step",
    "forward",
    "backward",
    "QUESTION_W_F",
    "QUESTION_B_F",
    "QUESTION_X",
    "QUESTION_H",
    "QUESTION_C",
    "ANSWER_W_I",
    "ANSWER_B_I",
    "question_example",
    "torch_example",
    "torch_state_dict",
    "keras_example",
]

# ---------------------------------------------------------------- every cell kind, as one record


@dataclass(frozen=True)
class Cell:
    """One cell kind, described once; everything above the core asks this record, never the class.

    name: the one vocabulary ("LSTM", "peephole LSTM", ..., "GRU"), equal to its params' .variant;
    family: "LSTM" or "GRU" (its drawing); params: its parameter class; options: what params.random
    takes to make this kind; keep_gate: the field of the gate on the direct memory path (f_t, the
    GRU's z_t; None if it has none), keep_bias: the bias that shifts it; has_cell_state: whether a
    step takes C_(t-1); over_time: the per-step fields views plot through time. step (x_t, h_prev,
    c_prev, params), forward (xs, h0, c0, params), backward (steps, params, dhs) and quantities
    (params) do the math; c_prev and c0 are ignored by a cell without a cell state.
    """

    name: str
    family: str
    params: type
    options: tuple
    keep_gate: str
    keep_bias: str
    has_cell_state: bool
    over_time: tuple
    step: Callable
    forward: Callable
    backward: Callable
    quantities: Callable
    step_backward: Callable = (
        None  # (step, params, dh, dc) -> the step's gradients, every one named
    )
    backward_stages: Callable = None  # (params) -> the backward pass as data (BackwardStage, Chain)

    def make(self, m, n, seed=0, scale=None, forget_bias=0.0):
        """Random weights of this kind (PyTorch's U(−1/√n, 1/√n) unless scale is given); forget_bias
        shifts the keep gate's bias (b_f, or the GRU's b_z), so that one slider opens every
        memory path (a cell without a keep gate has nothing to shift)."""
        p = self.params.random(m, n, seed=seed, scale=scale, **dict(self.options))
        shift = as_number("forget_bias", forget_bias)
        if self.keep_bias is None:
            return p
        return p.replace(**{self.keep_bias: getattr(p, self.keep_bias) + shift})

    def matches(self, params):
        """Whether params are of this kind."""
        return isinstance(params, self.params) and params.variant == self.name

    def run(self, xs, params, h0=None, c0=None):
        """The cell along xs (T, m) from h0, c0 (zeros if None): the list of T step records."""
        n = check_params(params, self.params).n
        h0 = np.zeros(n) if h0 is None else h0
        c0 = np.zeros(n) if c0 is None else c0
        return self.forward(xs, h0, c0, params)


def _gru_step(x_t, h_prev, c_prev, params):
    return gru_step(x_t, h_prev, params)


def _gru_forward(xs, h0, c0, params):
    return gru_forward(xs, h0, params)


def _gru_step_backward(step, params, dh, dc=None):
    return gru_step_backward(step, params, dh)


def _gru_quantities(params):
    return GRU_QUANTITIES


def _lstm_kind(name, peephole, coupled):
    """A member of the LSTM family: one registry entry."""
    return Cell(
        name=name,
        family="LSTM",
        params=LSTMParams,
        options=(("peephole", peephole), ("coupled", coupled)),
        keep_gate="f",
        keep_bias="b_f",
        has_cell_state=True,
        over_time=("f", "i", "o", "c", "h"),
        step=lstm_step,
        forward=lstm_forward,
        backward=lstm_backward,
        quantities=lstm_quantities,
        step_backward=lstm_step_backward,
        backward_stages=lstm_backward_stages,
    )


GRU_CELL = Cell(
    name="GRU",
    family="GRU",
    params=GRUParams,
    options=(),
    keep_gate="z",
    keep_bias="b_z",
    has_cell_state=False,
    over_time=("r", "z", "h_tilde", "h"),
    step=_gru_step,
    forward=_gru_forward,
    backward=gru_backward,
    quantities=_gru_quantities,
    step_backward=_gru_step_backward,
    backward_stages=gru_backward_stages,
)
# fmt: off
_KINDS = (
    _lstm_kind("LSTM", peephole=False, coupled=False),
    _lstm_kind("peephole LSTM", peephole=True, coupled=False),
    _lstm_kind("coupled LSTM", peephole=False, coupled=True),
    _lstm_kind("coupled peephole LSTM", peephole=True, coupled=True),
    GRU_CELL,
)
# fmt: on
CELLS = {cell.name: cell for cell in _KINDS}  # name -> Cell, in the order the menus list them


def check_cell(name, argument="cell"):
    """The record of a cell kind by name, or a clear error naming the argument and listing the
    names."""
    if not isinstance(name, str) or name not in CELLS:
        raise ValueError(f"{argument} must be one of {tuple(CELLS)}, got {name!r:.60}")
    return CELLS[name]


def cell_of(params):
    """The record of the kind these params are, or a TypeError naming what params must be."""
    for cell in CELLS.values():
        if cell.matches(params):
            return cell
    classes = ", ".join(sorted({cell.params.__name__ for cell in CELLS.values()}))
    raise TypeError(
        f"params must be a cell's parameters ({classes}, for example "
        f"LSTMParams.random(m, n)), got {type(params).__name__}"
    )


def bias_of(weights):
    """The bias that goes with a weight matrix: b_f with W_f, b_hx with W_hx, b with W."""
    return "b" + weights[1:]


def step_backward(step, params, dh, dc=None):
    """Every gradient of one step of this cell, given dh = ∂L/∂h_t and (with a cell state) dc =
    ∂L/∂C_t arriving from later (zeros if None)."""
    cell = cell_of(params)
    dc = np.zeros(params.n) if dc is None else dc
    return cell.step_backward(step, params, dh, dc)


def backward_stages(params):
    """The backward pass of this cell as data: its stages, each gradient's chain-rule factors."""
    return cell_of(params).backward_stages(params)


def quantities(params):
    """The quantity table of this cell: every number of its step, in the order it is computed."""
    return cell_of(params).quantities(params)


def texts(params):
    """{field: how the lessons print it} of this cell's quantities: 'c_prev' -> 'C_(t-1)'."""
    return {q.field: q.text for q in quantities(params)}


def step(x_t, h_prev, c_prev, params):
    """One step of any cell (c_prev is not used by a cell without a cell state; pass None)."""
    return cell_of(params).step(x_t, h_prev, c_prev, params)


def forward(xs, params, h0=None, c0=None):
    """Any cell along xs (T, m) from h0, c0 (zeros if None): the list of T step records."""
    return cell_of(params).run(xs, params, h0, c0)


def backward(steps, params, dhs):
    """Backpropagation through time for any cell: dhs (T, n) are ∂L/∂h_t from outside."""
    return cell_of(params).backward(steps, params, dhs)


# ---------------------------------------------------------------- the question's worked example


QUESTION_W_F = [[1, 2, 3, 4, 5, 6], [5, 6, 7, 8, 9, 10], [3, 4, 5, 6, 7, 8]]
QUESTION_B_F = [1, 2, 3]
QUESTION_X = [1, 2, 3]
QUESTION_H = [4, 5, 6]
ANSWER_W_I = [[1] * 6, [2] * 6, [3] * 6]
ANSWER_B_I = [1, 1, 1]

QUESTION_C = [1.0, -1.0, 0.5]  # not in the question: ours, so that f_t has a memory to act on


def question_example(seed=0):
    """(x_t, h_prev, c_prev, params): the project's reference case. x_t, h_(t-1), W_f, b_f from the
    question, W_i, b_i from its answer, C_(t-1) = QUESTION_C, the other weights seeded."""
    p = LSTMParams.random(3, 3, seed=seed)
    p = p.replace(W_f=QUESTION_W_F, b_f=QUESTION_B_F, W_i=ANSWER_W_I, b_i=ANSWER_B_I)
    return np.array(QUESTION_X, float), np.array(QUESTION_H, float), np.array(QUESTION_C), p


def keras_example():
    """One step of a Keras 3 LSTM(4) layer on the torch backend, in float64, committed (written by
    tests/make_keras_golden.py): kernel (3, 16), recurrent_kernel (4, 16), bias (16,), x, h0, c0,
    and Keras's h1, c1; keras_version, unit_forget_bias (its default, True)."""
    with np.load(Path(__file__).parent / "data" / "keras_lstm_example.npz") as f:
        return dict(f)


def torch_state_dict(example, prefix="module_"):
    """The PyTorch state dict inside a torch_example record: its arrays whose keys start with
    prefix, under PyTorch's own names (weight_ih_l0, weight_hh_l0, ...)."""
    state = {}
    for key, array in example.items():
        if key.startswith(prefix):
            state[key.removeprefix(prefix)] = array
    return state


def torch_example(kind="lstm"):
    """PyTorch's own numbers, committed (written by tests/make_golden.py), in float64.

    kind="lstm": an nn.LSTMCell(3, 4) and an nn.LSTM(3, 4), their inputs and outputs (keys
    cell_weight_ih, ..., x, h0, c0, h1, c1, xs, hs, cT); kind="gru": an nn.GRUCell(3, 4) and an
    nn.GRU(3, 4) (keys cell_weight_ih, ..., gru_weight_ih_l0, ..., x, h0, h1, xs, hs);
    kind="lstm_module": an nn.LSTM(3, 4, num_layers=2, bidirectional=True) on a batch of two (keys
    module_weight_ih_l0, ..., xs (T, B, m), h0, c0, output, h_n, c_n).
    """
    if kind not in ("lstm", "gru", "lstm_module"):
        raise ValueError(f"kind must be 'lstm', 'gru' or 'lstm_module', got {kind!r}")
    with np.load(Path(__file__).parent / "data" / f"torch_{kind}_example.npz") as f:
        return dict(f)
