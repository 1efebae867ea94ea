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

# ---------------------------------------------------------------- sequences for the through-time lesson

SEQUENCES = ("write, hold, read", "a word", "a sine", "random")
WORD = "remember"


@dataclass(frozen=True)
class Sequence:
    """A sequence to run a cell along: inputs xs (T, m), the cell, where it starts (h0, c0 of shape
    (n,)), names for the input channels, and one line on what to watch."""
    name: str
    xs: np.ndarray
    params: object
    h0: np.ndarray
    c0: np.ndarray
    channels: tuple
    note: str


def write_hold_read(T=12, forget_bias=6.0, seed=0):
    """Hand-made weights for n = 2 units on inputs (value, write, read): unit 0 writes the value at
    t = 1 (i ≈ 1), holds it (f ≈ 1, i ≈ 0) through the noise, and shows it when read at the last step
    (o ≈ 1); unit 1 has no forget bias (f ≈ 0.5) and loses the value within a few steps."""
    T = core.as_size("T", T)
    if T < 3:
        raise ValueError(f"T must be ≥ 3 for write, hold, read (write at t = 1, read at t = T−1), got {T}")
    rng = np.random.default_rng(core.as_seed(seed))
    xs = np.zeros((T, 3))  # (T, m): value, write flag, read flag
    xs[:, 0] = rng.normal(0, 0.3, T)  # noise on the value channel
    xs[1] = (1.0, 1.0, 0.0)  # t = 1: the value 1 arrives with the write flag
    xs[T - 1, 2] = 1.0  # the last step asks to read
    zero = np.zeros((2, 5))  # (n, m+n): nothing from h_(t-1), to keep the picture clean
    W_i = zero.copy()
    W_i[:, 1] = 10.0  # write flag opens the input gate: σ(10 − 5) ≈ 0.993, else σ(−5) ≈ 0.007
    W_c = zero.copy()
    W_c[:, 0] = 3.0  # the candidate carries the value: tanh(3·1) ≈ 0.995
    W_o = zero.copy()
    W_o[:, 2] = 10.0  # read flag opens the output gate
    b_f = np.array([core.as_number("forget_bias", forget_bias), 0.0])
    p = core.LSTMParams(W_f=zero, b_f=b_f, W_i=W_i, b_i=[-5.0, -5.0], W_c=W_c, b_c=[0.0, 0.0],
                        W_o=W_o, b_o=[-5.0, -5.0])
    return Sequence("write, hold, read", xs, p, np.zeros(2), np.zeros(2), ("value", "write", "read"),
                    "unit 0 keeps the value from t = 1 to the read at the end; unit 1 (f ≈ 0.5) loses it")


def sequence(name, T=12, seed=0, forget_shift=0.0):
    """A named sequence for the through-time explorer; forget_shift is added to every unit's b_f
    (0: as designed; write, hold, read breaks when it pulls unit 0's forget gate away from 1)."""
    shift = core.as_number("forget_shift", forget_shift)
    if name == SEQUENCES[0]:
        data = write_hold_read(T, seed=seed)
    elif name not in SEQUENCES:
        raise ValueError(f"sequence must be one of {SEQUENCES}, got {name!r}")
    else:
        data = _sequence(name, core.as_size("T", T), core.as_seed(seed))
    p = data.params
    return Sequence(data.name, data.xs, p.replace(b_f=p.b_f + shift), data.h0, data.c0, data.channels,
                    data.note)


def _sequence(name, T, seed):
    rng = np.random.default_rng(seed)
    if name == "a word":
        letters = sorted(set(WORD))
        xs = np.zeros((T, len(letters)))  # (T, m): one-hot characters, the word repeated
        for t in range(T):
            xs[t, letters.index(WORD[t % len(WORD)])] = 1.0
        channels = tuple(letters)
        note = f"the word '{WORD}', one character per step, each a one-hot x_t over {len(letters)} letters"
    elif name == "a sine":
        xs = np.sin(2 * np.pi * np.arange(T) / 12)[:, None]  # (T, 1)
        channels, note = ("sin",), "a sine with a period of 12 steps"
    else:
        xs = rng.normal(0, 1, (T, 2))  # (T, 2)
        channels, note = ("x0", "x1"), "random inputs"
    p = core.LSTMParams.random(xs.shape[1], 3, seed=seed, scale=1.0)
    return Sequence(name, xs, p, np.zeros(3), np.zeros(3), channels, note)


def memory_after(f, k):
    """What is left of a memory after k steps with the forget gate at f and nothing written: f**k."""
    return float(f) ** k


def module_shapes(T, B, m, n, layers=1, bidirectional=False, batch_first=False):
    """Every tensor of an nn.LSTM(m, n, num_layers=layers, bidirectional=..., batch_first=...) run on
    B sequences of T steps, in our notation, PyTorch's and Keras's; the parameter count per layer."""
    T, B, m, n, L = (core.as_size(k, v) for k, v in (("T", T), ("B", B), ("m", m), ("n", n), ("layers", layers)))
    D = 2 if bidirectional else 1
    seq = f"({B}, {T}, " if batch_first else f"({T}, {B}, "
    keras_seq = f"({B}, {T}, "  # Keras is always batch first
    rows = [
        ShapeRow("input", f"B = {B} sequences, each xs ({T}, {m})", f"input {seq}{m})", f"inputs {keras_seq}{m})"),
        ShapeRow("output: h_t of every step", f"B × ({T}, {D}·{n} = {D * n})", f"output {seq}{D * n})",
                 f"return_sequences=True: {keras_seq}{D * n})"),
        ShapeRow("h_n: the last h_t", f"{L * D} = L·D vectors ({n},) per sequence", f"h_n ({L * D}, {B}, {n})",
                 f"return_state=True: ({B}, {n}) per direction, last layer only"),
        ShapeRow("c_n: the last C_t", f"{L * D} vectors ({n},) per sequence", f"c_n ({L * D}, {B}, {n})",
                 f"return_state=True: ({B}, {n}) per direction, last layer only"),
    ]
    for l in range(L):
        m_l = m if l == 0 else D * n  # layer 2 reads layer 1's outputs, both directions side by side
        count = D * (core.param_count(m_l, n, two_biases=True))
        for d in range(D):
            suffix = f"_l{l}" + ("_reverse" if d else "")
            which = f"layer {l}" + (" reverse" if d else "")
            rows.append(ShapeRow(f"{which}: W_f (one gate)", f"({n}, {m_l + n}) = (n, m_l+n), m_l = {m_l}",
                                 f"weight_ih{suffix} ({4 * n}, {m_l}), weight_hh{suffix} ({4 * n}, {n})",
                                 f"kernel ({m_l}, {4 * n}), recurrent_kernel ({n}, {4 * n})"))
        rows.append(ShapeRow(f"layer {l}: parameters", f"{D * core.param_count(m_l, n)}", f"{count}",
                             f"{D * core.param_count(m_l, n)}"))
    return rows

# ---------------------------------------------------------------- predict, then reveal: questions as data


@dataclass(frozen=True, eq=False)
class Question:
    """One prediction. kind: "number", "vector", "shape" (a tuple of whole numbers) or "choice". The
    answer is computed by lstm_core from live numbers; tolerance is absolute (numbers and vectors);
    mistakes are (a wrong answer we expect, the hint that fits it); reveal gives the answer with its
    arithmetic (HTML, may hold LaTeX between $ signs)."""
    prompt: str
    kind: str
    answer: object
    reveal: str
    tolerance: float = 0.0
    choices: tuple = ()
    mistakes: tuple = ()


def parse_answer(kind, text):
    """The learner's text as a number, a vector, a shape or a choice; ValueError with a hint if it is
    none of them."""
    text = str(text).strip()
    if kind == "choice":
        return text
    cleaned = text.replace("×", ",").replace("x", ",").replace("*", ",").strip("()[] ")
    parts = [p for p in cleaned.replace(";", ",").replace(",", " ").split() if p]
    try:
        numbers = [float(p.replace("−", "-")) for p in parts]
    except ValueError:
        raise ValueError("type numbers only, for example 0.5, or [1, 2, 3], or (3, 6)") from None
    if not numbers or not all(np.isfinite(numbers)):
        raise ValueError("type finite numbers, for example 0.5, or [1, 2, 3], or (3, 6)")
    if kind == "number":
        if len(numbers) != 1:
            raise ValueError("one number, please (for example 0.25)")
        return numbers[0]
    if kind == "shape":
        if any(v != int(v) or v < 0 for v in numbers):
            raise ValueError("a shape is whole numbers, for example (3, 6)")
        return tuple(int(v) for v in numbers)
    return np.array(numbers)


def _same(kind, a, b, tolerance):
    if kind == "choice":
        return str(a).strip().lower() == str(b).strip().lower()
    if kind == "shape":
        return tuple(a) == tuple(b)
    a, b = np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float))
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tolerance))


def check(question, text):
    """(right, feedback) for the learner's answer: a hint that fits the mistake when it is wrong."""
    q = question
    try:
        given = parse_answer(q.kind, text)
    except ValueError as e:
        return False, str(e)
    if _same(q.kind, given, q.answer, q.tolerance):
        return True, "Right."
    for wrong, hint in q.mistakes:
        if _same(q.kind, given, wrong, q.tolerance):
            return False, hint
    if q.kind == "vector":
        want = np.atleast_1d(q.answer)
        if len(given) != len(want):
            return False, f"expected {len(want)} numbers (one per unit), got {len(given)}"
        off = [k for k in range(len(want)) if abs(given[k] - want[k]) > q.tolerance]
        where = ", ".join(map(str, off))
        if len(off) == 1:
            return False, f"entry {where} is off: recompute that row"
        return False, f"entries {where} are off: recompute those rows"
    if q.kind == "shape" and tuple(given) == tuple(q.answer)[::-1]:
        return False, "that is the transpose: rows first (one row per cell unit), then columns"
    if q.kind == "number":
        return False, f"not quite: the answer is within ±{q.tolerance:g} of the value; try again"
    return False, "not this one; try again"


def _rounded(x, digits=2):
    return np.round(np.asarray(x, float), digits)


def _vec(v, digits=2):
    return "[" + ", ".join(f"{float(a):.{digits}f}".rstrip("0").rstrip(".") if float(a) != int(a)
                           else str(int(a)) for a in np.ravel(v)) + "]"


def _sizes(seed, low=1, high=6):
    """(m, n): the question's 3 and 3 for seed 0, otherwise drawn."""
    if seed == 0:
        return 3, 3
    rng = np.random.default_rng(core.as_seed(seed))
    return int(rng.integers(low, high + 1)), int(rng.integers(low, high + 1))


def q_wf_shape(seed=0):
    """Lesson 1: the shape of W_f."""
    m, n = _sizes(seed)
    return Question(
        f"x_t has m = {m} entries and h_(t-1) has n = {n}. What shape is W_f? (rows, columns)", "shape",
        (n, m + n), f"W_f is <b>({n}, {m + n})</b> = (n, m+n): one row per cell unit (n = {n}), and each row "
        f"meets every entry of [x_t, h_(t-1)], which has m + n = {m} + {n} = {m + n} entries.",
        mistakes=(((n, n), "that is the question's slip: a row must meet all m + n entries of "
                   "[x_t, h_(t-1)], not only h_(t-1)"),
                  ((m, n), "the columns count the whole concatenation: m + n"),
                  ((n, m), "the columns count the whole concatenation [x_t, h_(t-1)]: m + n")))


def q_forget_row(seed=0):
    """Lesson 1: one row's pre-activation, z_f[0] = W_f[0]·v + b_f[0]."""
    if seed == 0:
        W, b, x, h = (np.array(core.QUESTION_W_F, float), np.array(core.QUESTION_B_F, float),
                      np.array(core.QUESTION_X, float), np.array(core.QUESTION_H, float))
    else:
        rng = np.random.default_rng(core.as_seed(seed))
        W, b = rng.integers(-3, 4, (3, 6)).astype(float), rng.integers(-3, 4, 3).astype(float)
        x, h = rng.integers(-2, 3, 3).astype(float), rng.integers(-2, 3, 3).astype(float)
    g = core.forget_gate(W, b, x, h)
    hx = core.forget_gate(W, b, x, h, order="hx")
    terms = " + ".join(f"{a:g}·{c:g}" for a, c in zip(W[0], g.concat))
    return Question(
        f"x_t = {_vec(x)}, h_(t-1) = {_vec(h)}, row 0 of W_f = {_vec(W[0])}, b_f[0] = {b[0]:g}. "
        "What is z_f[0] = W_f[0]·[x_t, h_(t-1)] + b_f[0]?", "number", float(g.z[0]),
        f"z_f[0] = {terms} = {g.z[0] - b[0]:g}, plus b_f[0] = {b[0]:g}: <b>{g.z[0]:g}</b>.", tolerance=1e-9,
        mistakes=((float(g.z[0] - b[0]), "did you add the bias b_f[0]?"),
                  (float(hx.z[0]), "that is the [h_(t-1), x_t] order: here x_t comes first")))


def q_sigma_exact(seed=0):
    """Lesson 1: is σ(z) exactly 1.0 in float64 for the question's z = 92?"""
    z = 92 if seed == 0 else int(np.random.default_rng(core.as_seed(seed)).integers(40, 300))
    exact = core.sigmoid(z) == 1.0
    return Question(
        f"In float64 (numpy's numbers), is σ({z}) = 1/(1 + e^(−{z})) exactly 1.0, or a number just below 1?",
        "choice", "exactly 1.0" if exact else "just below 1",
        f"e^(−{z}) ≈ {np.exp(-z):.2g}. Just below 1, float64 can only step down by 2^−53 ≈ 1.1e-16, so "
        f"1 + e^(−{z}) rounds to exactly 1 and σ({z}) is <b>exactly 1.0</b> (from z ≈ 37 on, every σ(z) is).",
        choices=("exactly 1.0", "just below 1"),
        mistakes=(("just below 1", "e^(−z) is far smaller than the gap between 1 and the next float64 "
                   "below it (1.1e-16): the sum rounds to 1"),))


def q_cell_update(seed=0):
    """Lesson 2: C_t = f_t∘C_(t-1) + i_t∘C̃_t, entry by entry."""
    rng = np.random.default_rng(core.as_seed(seed))
    f, i = _rounded(rng.uniform(0, 1, 3), 1), _rounded(rng.uniform(0, 1, 3), 1)
    c_prev, c_tilde = _rounded(rng.uniform(-2, 2, 3), 1), _rounded(rng.uniform(-1, 1, 3), 1)
    c = f * c_prev + i * c_tilde
    lines = "; ".join(f"{a:g}·{b:g} + {p:g}·{q:g} = {r:.3g}" for a, b, p, q, r in zip(f, c_prev, i, c_tilde, c))
    return Question(
        f"f_t = {_vec(f)}, C_(t-1) = {_vec(c_prev)}, i_t = {_vec(i)}, C̃_t = {_vec(c_tilde)}. "
        "What is C_t = f_t∘C_(t-1) + i_t∘C̃_t? (three numbers)", "vector", c,
        f"Entry by entry: {lines}. C_t = <b>{_vec(c, 3)}</b>.", tolerance=0.006,
        mistakes=((f * c_tilde + i * c_prev, "f_t multiplies the old memory C_(t-1); i_t the candidate C̃_t"),
                  (np.full(3, f @ c_prev + i @ c_tilde), "∘ is entry by entry, not a dot product")))


def q_hidden(seed=0):
    """Lesson 2: h_t = o_t∘tanh(C_t)."""
    rng = np.random.default_rng(core.as_seed(seed) + 1)
    o, c = _rounded(rng.uniform(0, 1, 3), 1), _rounded(rng.uniform(-2, 2, 3), 1)
    h = o * np.tanh(c)
    return Question(
        f"o_t = {_vec(o)}, C_t = {_vec(c)}. What is h_t = o_t∘tanh(C_t)?", "vector", h,
        f"tanh(C_t) = {_vec(np.tanh(c), 3)}, times o_t entry by entry: h_t = <b>{_vec(h, 3)}</b>. "
        "Every entry lies strictly between −1 and 1.", tolerance=0.006,
        mistakes=((o * c, "did you take tanh of C_t first?"),))


def q_param_count(seed=0):
    """Lesson 2: how many numbers an LSTM cell learns (ours: one bias per gate)."""
    m, n = _sizes(seed, 1, 64) if seed else (3, 3)
    count = core.param_count(m, n)
    return Question(
        f"An LSTM cell with m = {m} inputs and n = {n} units: how many numbers does it learn "
        "(four W's and four b's, one bias per gate)?", "number", float(count),
        f"Four W of ({n}, {m + n}) and four b of ({n},): 4·{n}·{m + n} + 4·{n} = <b>{count}</b>.",
        mistakes=((float(4 * n * (m + n)), "and the four biases, n numbers each?"),
                  (float(core.param_count(m, n, True)), "that is PyTorch's count, with two biases a gate: "
                   "4n(m+n) + 8n; ours has one"),
                  (float(n * (m + n) + n), "there are four gates, each with its own W and b")))


def q_memory(seed=0):
    """Lesson 3: what is left of a memory after j steps with f fixed and nothing written."""
    rng = np.random.default_rng(core.as_seed(seed))
    f, j = (0.9, 10) if seed == 0 else (float(np.round(rng.uniform(0.5, 0.99), 2)), int(rng.integers(2, 30)))
    return Question(
        f"A unit holds C = 1. For {j} steps nothing is written (i_t = 0) and f_t = {f} every step. "
        f"What is C after those {j} steps?", "number", memory_after(f, j),
        f"Each step multiplies by f: {f}^{j} = <b>{memory_after(f, j):.4g}</b>.", tolerance=5e-4,
        mistakes=((1 - j * (1 - f), "the losses compound: multiply by f every step, f^j"),
                  (f * j, "multiply by f every step: f·f·…·f = f^j")))


def q_output_shape(seed=0):
    """Lesson 3: nn.LSTM's output shape."""
    rng = np.random.default_rng(core.as_seed(seed))
    T, B, n = (5, 2, 4) if seed == 0 else (int(rng.integers(2, 30)), int(rng.integers(1, 9)), int(rng.integers(1, 9)))
    D = 2
    return Question(
        f"nn.LSTM(input_size=3, hidden_size={n}, bidirectional=True) reads input of shape ({T}, {B}, 3) "
        "(T, B, m). What shape is its output?", "shape", (T, B, D * n),
        f"One h_t per step and sequence, both directions side by side: (T, B, D·n) = <b>({T}, {B}, {D * n})</b>.",
        mistakes=(((T, B, n), "bidirectional: two h_t per step, side by side"),
                  ((B, T, D * n), "batch_first is False here: time comes first")))


def q_h_n_shape(seed=0):
    """Lesson 3: h_n's shape with layers and directions."""
    rng = np.random.default_rng(core.as_seed(seed))
    L, B, n = (2, 2, 4) if seed == 0 else (int(rng.integers(1, 5)), int(rng.integers(1, 9)), int(rng.integers(1, 9)))
    return Question(
        f"nn.LSTM(3, {n}, num_layers={L}, bidirectional=True, batch_first=True) reads a batch of {B} "
        "sequences. What shape is h_n?", "shape", (L * 2, B, n),
        f"One last h_t per layer and direction and sequence: (L·D, B, n) = <b>({L * 2}, {B}, {n})</b>. "
        "batch_first changes input and output, never h_n.",
        mistakes=(((B, L * 2, n), "batch_first does not apply to h_n: it stays (L·D, B, n)"),
                  ((L, B, 2 * n), "PyTorch keeps the directions apart in h_n: L·D rows of (B, n)")))


def q_sigma_prime(seed=0):
    """Lesson 4: σ'(z) at a given z."""
    z = 0.0 if seed == 0 else float(np.round(np.random.default_rng(core.as_seed(seed)).uniform(-4, 4), 1))
    d = float(core.sigmoid_prime(z))
    return Question(
        f"What is σ'({z:g}), the slope of the sigmoid at z = {z:g}? (σ' = σ(1 − σ))", "number", d,
        f"σ({z:g}) = {float(core.sigmoid(z)):.4f}, so σ' = {float(core.sigmoid(z)):.4f}·(1 − "
        f"{float(core.sigmoid(z)):.4f}) = <b>{d:.4f}</b>. It is never above 0.25.", tolerance=5e-4,
        mistakes=((float(core.sigmoid(z)), "that is σ(z) itself; its slope is σ(1 − σ)"),
                  (1.0, "no: σ' is at most 0.25 (at z = 0); only ReLU has a slope of 1")))


def q_tanh_prime_max(seed=0):
    """Lesson 4: where tanh' is largest, and how large."""
    return Question("What is the largest value tanh'(z) = 1 − tanh²(z) takes, for any z?", "number", 1.0,
                    "At z = 0, tanh(0) = 0, so tanh'(0) = 1 − 0 = <b>1</b>; everywhere else it is below 1.",
                    tolerance=1e-9, mistakes=((0.25, "0.25 is σ's largest slope; tanh' reaches 1"),))


def q_cell_path(seed=0):
    """Lesson 4: ∂C_t/∂C_(t-1) along the cell line, as the diagonal."""
    rng = np.random.default_rng(core.as_seed(seed) + 7)
    f = _rounded(rng.uniform(0.1, 1, 3), 2)
    return Question(
        f"f_t = {_vec(f)}. Along the cell line, what is the diagonal of ∂C_t/∂C_(t-1)? (three numbers)",
        "vector", f, f"C_t = f_t∘C_(t-1) + …, so each C_t[k] changes by f_t[k] per unit of C_(t-1)[k]: "
        f"diag(f_t), diagonal <b>{_vec(f)}</b>.", tolerance=1e-9,
        mistakes=((np.ones(3), "only if every f_t were 1: the cell line multiplies by f_t"),
                  (f * (1 - f), "no sigmoid slope on this path: C_(t-1) is multiplied by f_t, nothing more")))


def q_weight_ih_shape(seed=0):
    """Lesson 5: PyTorch's weight_ih."""
    m, n = _sizes(seed, 1, 32) if seed else (3, 4)
    return Question(f"nn.LSTMCell(input_size={m}, hidden_size={n}): what shape is weight_ih?", "shape",
                    (4 * n, m), f"The four gates' input weights stacked as rows (i, f, g, o): "
                    f"(4n, m) = <b>({4 * n}, {m})</b>.",
                    mistakes=(((m, 4 * n), "that is Keras's kernel (m, 4n): PyTorch puts the gates in rows"),
                              ((n, m), "all four gates are stacked in one matrix: 4n rows")))


def q_forget_rows(seed=0):
    """Lesson 5: which rows of weight_ih are the forget gate's."""
    n = 4 if seed == 0 else int(np.random.default_rng(core.as_seed(seed)).integers(2, 33))
    choices = (f"0:{n}", f"{n}:{2 * n}", f"{2 * n}:{3 * n}", f"{3 * n}:{4 * n}")
    return Question(f"hidden_size = {n}. Which rows of PyTorch's weight_ih belong to the forget gate?",
                    "choice", choices[1], f"PyTorch stacks i, f, g, o: the forget gate is second, rows "
                    f"<b>{choices[1]}</b>.", choices=choices,
                    mistakes=((choices[0], "that is the input gate: PyTorch's order is i, f, g, o"),))


def q_torch_count(seed=0):
    """Lesson 5: PyTorch's parameter count for one LSTM layer."""
    m, n = _sizes(seed, 1, 64) if seed else (3, 4)
    count = core.param_count(m, n, two_biases=True)
    return Question(f"How many parameters does PyTorch's nn.LSTMCell({m}, {n}) hold?", "number", float(count),
                    f"weight_ih ({4 * n}, {m}) + weight_hh ({4 * n}, {n}) + two biases ({4 * n},): "
                    f"4n(m+n) + 8n = <b>{count}</b>.",
                    mistakes=((float(core.param_count(m, n)), "that is ours, one bias a gate: PyTorch keeps two, "
                               "bias_ih and bias_hh"),))


def q_gru_torch_count(seed=0):
    """Lesson 6: PyTorch's GRU parameter count."""
    m, n = _sizes(seed, 1, 64) if seed else (3, 4)
    count = 3 * n * (m + n) + 6 * n
    return Question(f"How many parameters does PyTorch's nn.GRUCell({m}, {n}) hold?", "number", float(count),
                    f"Three gates (r, z, n), each with input and recurrent weights and two biases: "
                    f"3n(m+n) + 6n = <b>{count}</b>.",
                    mistakes=((float(3 * n * (m + n) + 3 * n), "PyTorch keeps two biases for every gate: +6n"),
                              (float(core.param_count(m, n, True)), "that is the LSTM's: the GRU has three gates")))


def q_coupled_input(seed=0):
    """Lesson 6: a coupled cell's input gate."""
    rng = np.random.default_rng(core.as_seed(seed) + 3)
    f = _rounded(rng.uniform(0, 1, 3), 2)
    return Question(f"A coupled LSTM has f_t = {_vec(f)}. What is its input gate i_t?", "vector", 1 - f,
                    f"i_t = 1 − f_t = <b>{_vec(1 - f)}</b>: it writes exactly as much as it forgets.",
                    tolerance=1e-9, mistakes=((f, "coupled: i_t = 1 − f_t"),))


def q_gru_keep(seed=0):
    """Lesson 6: PyTorch's GRU convention for z."""
    return Question("In PyTorch's GRU, h_t = (1 − z_t)∘h̃_t + z_t∘h_(t-1). A unit has z_t ≈ 1. Does it keep "
                    "its old h_(t-1), or take the new candidate h̃_t?", "choice", "keeps h_(t-1)",
                    "z_t ≈ 1 makes h_t ≈ h_(t-1): the unit <b>keeps</b> its state, like an LSTM's f_t ≈ 1.",
                    choices=("keeps h_(t-1)", "takes h̃_t"),
                    mistakes=(("takes h̃_t", "that is the other convention (Colah's post); in PyTorch's, "
                               "z multiplies h_(t-1)"),))


LESSON_QUESTIONS = {
    1: (q_wf_shape, q_forget_row, q_sigma_exact),
    2: (q_cell_update, q_hidden, q_param_count),
    3: (q_memory, q_output_shape, q_h_n_shape),
    4: (q_sigma_prime, q_tanh_prime_max, q_cell_path),
    5: (q_weight_ih_shape, q_forget_rows, q_torch_count),
    6: (q_gru_torch_count, q_coupled_input, q_gru_keep),
}
