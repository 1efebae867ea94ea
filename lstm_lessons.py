"""The experiments the lessons run, in numpy on top of lstm_core: presets, gradient flow through time,
a small memory task trained with our own backward pass, and shape tables in three notations.

Every function returns a small dataclass. Cells are chosen by name from VARIANTS.
"""
from dataclasses import dataclass

import numpy as np

import lstm_core as core

VARIANTS = ("LSTM", "peephole LSTM", "coupled LSTM", "coupled peephole LSTM", "GRU")
_VARIANT_OF_PARAMS = {"standard": "LSTM", "peephole": "peephole LSTM", "coupled": "coupled LSTM",
                      "coupled peephole": "coupled peephole LSTM", "GRU": "GRU"}
# The gate that keeps the memory along the direct path, per cell kind: f_t (LSTM) or z_t (GRU).
KEEP_GATE = {name: "z" if name == "GRU" else "f" for name in VARIANTS}


def variant_name(params):
    """The VARIANTS name of a cell: 'LSTM', 'peephole LSTM', ..., 'GRU'."""
    return _VARIANT_OF_PARAMS[params.variant]


def check_variant(variant):
    """variant, or a clear error listing the choices."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    return variant


def make_cell(variant, m, n, seed=0, scale=None, forget_bias=0.0):
    """Random weights for a cell of this variant; forget_bias shifts b_f (LSTMs) or b_z (the GRU's
    keep gate), so that the same slider opens the memory path of every variant."""
    check_variant(variant)
    if variant == "GRU":
        p = core.GRUParams.random(m, n, seed=seed, scale=scale)
        return p.replace(b_z=p.b_z + core.as_number("forget_bias", forget_bias))
    return core.LSTMParams.random(m, n, seed=seed, scale=scale, forget_bias=forget_bias,
                                  peephole="peephole" in variant, coupled="coupled" in variant)


def run(xs, params):
    """The cell over xs (T, m) from a zero state: the list of step records."""
    n = params.n
    if isinstance(params, core.GRUParams):
        return core.gru_forward(xs, np.zeros(n), params)
    return core.lstm_forward(xs, np.zeros(n), np.zeros(n), params)


def backward(steps, params, dhs):
    """BPTT for either kind of cell; its gradients, with .dh0 (and .dc0 for an LSTM)."""
    if isinstance(params, core.GRUParams):
        return core.gru_backward(steps, params, dhs)
    return core.lstm_backward(steps, params, dhs)

# ---------------------------------------------------------------- starting points for the step explorer

PRESETS = ("the question's example", "random (seed)", "forget bias = 1", "gates open", "gates closed")


def preset(name, m=3, n=3, seed=0):
    """(x_t, h_prev, c_prev, params) for a named starting point; the question's example is m = n = 3."""
    if name == PRESETS[0]:
        return core.question_example(seed)
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {PRESETS}, got {name!r}")
    m, n = core.as_size("m", m), core.as_size("n", n)
    rng = np.random.default_rng(core.as_seed(seed))
    x, h, c = rng.normal(0, 1, m), rng.uniform(-0.5, 0.5, n), rng.normal(0, 1, n)  # (m,), (n,), (n,)
    p = core.LSTMParams.random(m, n, seed=seed, forget_bias=1.0 if name == "forget bias = 1" else 0.0)
    if name in ("gates open", "gates closed"):
        shift = 6.0 if name == "gates open" else -6.0  # σ(±6) ≈ 0.998 / 0.002
        p = p.replace(b_f=p.b_f + shift, b_i=p.b_i + shift, b_o=p.b_o + shift)
    return x, h, c, p

# ---------------------------------------------------------------- gradient flow through time


@dataclass(frozen=True)
class GradientFlow:
    """How much of ∂L/∂h_T (L = sum(h_T)) reaches each earlier step, indexed by k = steps back from T.

    cell (T+1,): ‖(∂L/∂h, ∂L/∂C)‖ for an LSTM, ‖∂L/∂h‖ for a GRU; rnn (T+1,): a vanilla RNN's ‖∂L/∂h‖ on
    the same inputs; keep (T+1,): the mean over units of the product of the keep gate (f_t, or the GRU's
    z_t) along the direct path; maps: each gate and state per unit over time, (n, T) each.
    """
    variant: str
    cell: np.ndarray
    rnn: np.ndarray
    keep: np.ndarray
    maps: dict
    xs: np.ndarray
    params: object
    W: np.ndarray
    b: np.ndarray


def gradient_flow(T, m=2, n=8, forget_bias=0.0, scale=1.0, seed=0, variant="LSTM"):
    """Send ∂L/∂h_T = 1 back through T steps of a cell and of a vanilla RNN fed the same inputs.

    Weights ~ U(−s, s) with s = scale/√n for both.
    """
    rng = np.random.default_rng(core.as_seed(seed))
    xs = rng.normal(size=(T, m))  # (T, m)
    scale = core.as_number("scale", scale, positive=True)
    p = make_cell(variant, m, n, seed=seed, scale=scale / np.sqrt(n), forget_bias=forget_bias)
    W, b = rng.uniform(-1, 1, (n, m + n)) * scale / np.sqrt(n), np.zeros(n)  # (n, m+n), (n,)
    dhs = np.zeros((T, n))
    dhs[-1] = 1.0  # L = sum(h_T)
    steps = run(xs, p)
    g = backward(steps, p, dhs)
    back = []
    for s in g.steps:  # the gradient reaching step t's incoming state
        size = np.linalg.norm(s.dh_prev)
        if variant != "GRU":
            size = np.hypot(size, np.linalg.norm(s.dc_prev))
        back.append(size)
    r = core.rnn_backward(core.rnn_forward(xs, np.zeros(n), W, b), W, dhs)
    keep_gate = KEEP_GATE[variant]
    maps = {}
    for field in (("r", "z", "h_tilde", "h") if variant == "GRU" else ("f", "i", "o", "c")):
        maps[field] = np.array([getattr(s, field) for s in steps]).T  # (n, T)
    keep = np.concatenate([[1.0], np.cumprod(maps[keep_gate][:, ::-1], axis=1).mean(axis=0)])  # (T+1,)
    start = [np.sqrt(n)]  # k = 0: the gradient of sum(h_T) at h_T itself
    return GradientFlow(variant, np.concatenate([start, back[::-1]]),
                        np.concatenate([start, np.linalg.norm(r["dh_prev"], axis=1)[::-1]]),
                        keep, maps, xs, p, W, b)

# ---------------------------------------------------------------- a small memory task


def memory_task(batch, T, rng, noise=0.5):
    """Sequences (batch, T, 1) whose first input is ±1, then noise; the target is 1 where it was +1."""
    xs = rng.normal(0, noise, (batch, T, 1))
    sign = rng.choice([-1.0, 1.0], batch)
    xs[:, 0, 0] = sign
    return xs, (sign > 0).astype(float)


class Adam:
    """Adam (Kingma & Ba 2015) over a dict of named arrays."""

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t, self.m1, self.m2 = 0, {}, {}

    def step(self, values, grads):
        """New values: each moved against its gradient, scaled by the running moments."""
        self.t += 1
        new = {}
        for k, g in grads.items():
            m1 = self.beta1 * self.m1.get(k, 0.0) + (1 - self.beta1) * g
            m2 = self.beta2 * self.m2.get(k, 0.0) + (1 - self.beta2) * g * g
            self.m1[k], self.m2[k] = m1, m2
            m1_hat, m2_hat = m1 / (1 - self.beta1 ** self.t), m2 / (1 - self.beta2 ** self.t)
            new[k] = values[k] - self.lr * m1_hat / (np.sqrt(m2_hat) + self.eps)
        return new


@dataclass(frozen=True)
class Training:
    """A training run: losses (iters,), accuracy on fresh sequences, the trained cell and readout (w, b0),
    and the keep gate (f_t, or the GRU's z_t) of every unit through a probe sequence, before and after
    training (n, T); memory_unit is the unit the readout leans on most."""
    variant: str
    losses: np.ndarray
    accuracy: float
    params: object
    w: np.ndarray
    b0: float
    keep_before: np.ndarray
    keep_after: np.ndarray
    memory_unit: int


def _keep_gate(params, probe, variant):
    return np.array([getattr(s, KEEP_GATE[variant]) for s in run(probe, params)]).T  # (n, T)


def train_memory_task(T=10, n=4, iters=250, batch=8, lr=0.1, seed=0, forget_bias=1.0, variant="LSTM"):
    """Train a cell (m = 1) plus a readout p = σ(w·h_T + b0) to recall the sign of the first input after
    T steps: our forward, our backward, Adam, plain numpy."""
    rng = np.random.default_rng(core.as_seed(seed))
    p = make_cell(variant, 1, n, seed=seed, forget_bias=forget_bias)
    w, b0 = rng.normal(0, 0.1, n), 0.0  # (n,), scalar
    adam = Adam(lr)
    probe = np.zeros((T, 1))
    probe[0, 0] = 1.0
    keep_before = _keep_gate(p, probe, variant)
    losses = []
    for _ in range(iters):
        xs, ys = memory_task(batch, T, rng)
        grads = {k: 0.0 for k in p.names() + ("w", "b0")}
        loss = 0.0
        for x, y in zip(xs, ys):
            steps = run(x, p)
            q = core.sigmoid(w @ steps[-1].h + b0)
            loss -= (y * np.log(q + 1e-12) + (1 - y) * np.log(1 - q + 1e-12)) / batch
            dlogit = (q - y) / batch  # ∂L/∂(w·h_T + b0)
            dhs = np.zeros((T, n))
            dhs[-1] = dlogit * w
            g = backward(steps, p, dhs)
            for k in p.names():
                grads[k] = grads[k] + getattr(g, "d" + k)
            grads["w"] = grads["w"] + dlogit * steps[-1].h
            grads["b0"] = grads["b0"] + dlogit
        losses.append(loss)
        values = {k: getattr(p, k) for k in p.names()} | {"w": w, "b0": b0}
        new = adam.step(values, grads)
        w, b0 = new.pop("w"), float(new.pop("b0"))
        p = p.replace(**new)
    xs, ys = memory_task(200, T, rng)
    guesses = [core.sigmoid(w @ run(x, p)[-1].h + b0) > 0.5 for x in xs]
    accuracy = float(np.mean(np.array(guesses) == (ys > 0)))
    return Training(variant, np.array(losses), accuracy, p, w, b0, keep_before, _keep_gate(p, probe, variant),
                    int(np.argmax(np.abs(w))))

# ---------------------------------------------------------------- shapes, as frameworks name them


@dataclass(frozen=True)
class ShapeRow:
    """One tensor's shape in our notation, PyTorch's nn.LSTM and Keras's LSTM."""
    what: str
    ours: str
    torch: str
    keras: str


def shape_table(m, n):
    """Every tensor's shape for sizes m, n, in three notations."""
    m, n = core.as_size("m", m), core.as_size("n", n)
    return [
        ShapeRow("input x_t", f"({m},)", f"({m},)", f"({m},)"),
        ShapeRow("hidden h_(t-1), h_t", f"({n},)", f"({n},)  hidden_size", f"({n},)  units"),
        ShapeRow("cell C_(t-1), C_t", f"({n},)", f"({n},)", f"({n},)"),
        ShapeRow("concat [x_t, h_(t-1)]", f"({m + n},)", "not formed", "not formed"),
        ShapeRow("one gate's weights", f"W_f ({n}, {m + n})", f"rows {n}:{2 * n} of both below",
                 f"columns {n}:{2 * n} of both below"),
        ShapeRow("input weights, 4 gates", f"4 × ({n}, {m}) inside the W's", f"weight_ih_l0 ({4 * n}, {m})",
                 f"kernel ({m}, {4 * n})"),
        ShapeRow("recurrent weights, 4 gates", f"4 × ({n}, {n}) inside the W's",
                 f"weight_hh_l0 ({4 * n}, {n})", f"recurrent_kernel ({n}, {4 * n})"),
        ShapeRow("biases", f"4 × ({n},)", f"bias_ih_l0, bias_hh_l0 ({4 * n},) each", f"bias ({4 * n},)"),
        ShapeRow("gate order", "f, i, c, o (by name)", "i, f, g, o", "i, f, c, o"),
        ShapeRow("parameters", f"{core.param_count(m, n)}", f"{core.param_count(m, n, True)}",
                 f"{core.param_count(m, n)}"),
    ]

# ---------------------------------------------------------------- checking a derivative without the backward pass


def jacobian(f, a, eps=1e-6):
    """∂f/∂a by central differences, (len f(a), len a): an independent check of any backward formula."""
    a = core.as_array("a", a)
    columns = []
    for k in range(len(a)):
        step = np.zeros_like(a)
        step[k] = eps
        columns.append((f(a + step) - f(a - step)) / (2 * eps))  # (len f(a),)
    return np.array(columns).T
