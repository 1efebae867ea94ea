"""The experiments the lessons run, in numpy on top of lstm_core: presets, gradient flow through
time, a small memory task trained with our own backward pass, shape tables in three notations, and
the sequences of the through-time lesson.

Each experiment returns a small dataclass (GradientFlow, Training, ShapeRow, Sequence); the helpers
return what they name (params, arrays, a number). Cells are chosen by their record's name
(lstm_core.CELLS) and asked through it: nothing here knows which class a cell is.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
import unicodedata

import numpy as np

import lstm_core as core

VARIANTS = tuple(core.CELLS)  # "LSTM", "peephole LSTM", ..., "GRU": the one vocabulary


def check_variant(variant):
    """variant, or a clear error listing the choices."""
    return core.check_cell(variant, "variant").name


def make_cell(variant, m, n, seed=0, scale=None, forget_bias=0.0):
    """Random weights for a cell of this kind; forget_bias shifts its keep gate's bias (b_f, or the
    GRU's b_z), so that the same slider opens the memory path of every kind."""
    return core.check_cell(variant, "variant").make(
        m, n, seed=seed, scale=scale, forget_bias=forget_bias
    )


# ---------------------------------------------------- starting points for the step explorer

PRESETS = (
    "the question's example",
    "random (seed)",
    "forget bias = 1",
    "gates open",
    "gates closed",
)


def preset(name, m=3, n=3, seed=0, variant="LSTM"):
    """(x_t, h_prev, c_prev, params) for a named starting point, for a cell of any kind (c_prev is
    still drawn for a cell without a cell state, which ignores it).

    "the question's example" is m = n = 3 with the question's x_t, h_(t-1), W_f, b_f (and the
    answer's W_i, b_i), each where the cell has it; "forget bias = 1" shifts the keep gate's bias by
    1; "gates open" and "gates closed" shrink every σ gate's weights to a tenth and set its bias to
    ±8, so that every such gate sits above 0.99 (open) or below 0.01 (closed) whatever x_t and
    h_(t-1) are.
    """
    cell = core.check_cell(variant, "variant")
    if name == PRESETS[0]:
        x, h, c, question = core.question_example(seed)
        p = cell.make(3, 3, seed)
        shared = {k: getattr(question, k) for k in ("W_f", "b_f", "W_i", "b_i") if k in p.names()}
        return x, h, c, p.replace(**shared)
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {PRESETS}, got {name!r}")
    m, n = core.as_size("m", m), core.as_size("n", n)
    rng = np.random.default_rng(core.as_seed(seed))
    x, h, c = (
        rng.normal(0, 1, m),
        rng.uniform(-0.5, 0.5, n),
        rng.normal(0, 1, n),
    )  # (m,), (n,), (n,)
    p = cell.make(m, n, seed=seed, forget_bias=1.0 if name == "forget bias = 1" else 0.0)
    if name in ("gates open", "gates closed"):
        bias_value = 8.0 if name == "gates open" else -8.0  # σ(±8) ≈ 0.9997 / 0.0003
        changes = {}
        for q in core.quantities(p):
            if q.kind == "gate" and q.activation == "sigmoid" and q.weights is not None:
                bias = core.bias_of(q.weights)
                changes[q.weights] = 0.1 * getattr(p, q.weights)  # (n, m+n)
                changes[bias] = np.full(p.n, bias_value)  # (n,)
        p = p.replace(**changes)
    return x, h, c, p


def without_input(params, shifts=(6.0, 0.0, -6.0), T=30):
    """The memory with the input gate shut (W_i = 0, b_i = −40) over T steps of zero input from
    C_0 = 1, for each shift of the forget bias: a line each with i_t, f_t, the product ∏f of the
    forget gates and C_T. An LSTM of the standard kind (it has an input gate of its own)."""
    n = params.n
    lines = []
    for shift in shifts:
        shut = params.replace(
            b_f=params.b_f + shift, W_i=np.zeros_like(params.W_i), b_i=np.full(n, -40.0)
        )
        steps = core.lstm_forward(np.zeros((T, params.m)), np.zeros(n), np.ones(n), shut)
        kept = np.prod([s.f for s in steps], axis=0)  # what T forget gates leave of C_0  (n,)
        lines.append(
            f"b_f {shift:+}: i_t ≈ {steps[0].i.max():.0e}  f_t ≈ {_vec(steps[0].f, 3)}  "
            f"∏f = {_vec(kept, 3)}  C_{T} = {_vec(steps[-1].c, 4)}"
        )
    return "\n".join(lines)


def _vec(v, digits):
    """[a, b, c] with `digits` significant digits: a vector in a printed line."""
    return "[" + ", ".join(f"{x:.{digits}g}" for x in v) + "]"


# ------------------------------------------- a unit with a job: is the subject plural?

# x_t for a word: [a new subject, its number (+1 plural, −1 singular, 0: not a noun), the verb next]
AGREEMENT_WORDS = {
    "The": (0, 0, 0),
    "keys": (1, 1, 0),
    "key": (1, -1, 0),
    "to": (0, 0, 0),
    "the": (0, 0, 0),
    "cabinet": (0, -1, 1),
    "cabinets": (0, 1, 1),
}


def agreement_cell():
    """A hand-set LSTM of one unit (m = 3, n = 1) whose unit 0 stores whether the subject is
    plural: f_t closes and i_t opens at a new subject, C̃_t proposes its number (±1), o_t opens
    just before the verb. Whole-number weights; h_(t-1) is not used (its column is 0)."""
    return core.LSTMParams(
        W_f=np.array([[-6.0, 0, 0, 0]]),  # (1, 4): a new subject closes the forget gate
        b_f=np.array([3.0]),
        W_i=np.array([[6.0, 0, 0, 0]]),  # a new subject opens the input gate
        b_i=np.array([-3.0]),
        W_c=np.array([[0, 3.0, 0, 0]]),  # the candidate is the noun's number
        b_c=np.array([0.0]),
        W_o=np.array([[0, 0, 6.0, 0]]),  # the output gate opens before the verb
        b_o=np.array([-3.0]),
    )


def unit_formulas(params, unit=0):
    """Each gate's pre-activation at one unit, written from its weights (the terms of weight 0
    left out; a peephole's term too), and the function that makes the gate of it:
    'z_f[0] = −6·x_t[0] + 3  →  f_t = σ(z_f)'. A cell of the LSTM family."""
    cell = core.cell_of(params)
    if cell.family != "LSTM":
        raise ValueError(f"unit_formulas writes an LSTM's gates, not a {cell.name}'s")
    m, n = params.m, params.n
    inputs = [f"x_t[{k}]" for k in range(m)]
    hidden = [f"h_(t-1)[{k}]" for k in range(n)]
    names = inputs + hidden if params.order == "xh" else hidden + inputs  # v's entries, in order
    texts = core.texts(params)
    lines = []
    for q in core.quantities(params):
        if q.kind != "gate" or q.weights is None:
            continue
        row = getattr(params, q.weights)[unit]  # (m+n,)
        bias = getattr(params, "b" + q.weights[1:])[unit]
        terms = []  # (sign, magnitude) of each term of weight ≠ 0, then the bias
        for w, name in zip(row, names, strict=True):
            if w:
                terms.append((w < 0, f"{abs(w):.3g}·{name}"))
        if q.peephole is not None:
            state = texts[q.sees]
            p = getattr(params, q.peephole)[unit]
            if p:
                terms.append((p < 0, f"{abs(p):.3g}·{state}[{unit}]"))
        if bias or not terms:
            terms.append((bias < 0, f"{abs(bias):.3g}"))
        written = ("−" if terms[0][0] else "") + terms[0][1]
        for negative, term in terms[1:]:
            written += f" {'−' if negative else '+'} {term}"
        _, _, function = core.ACTIVATIONS[q.activation]
        lines.append(f"{q.pre}[{unit}] = {written}  →  {q.text} = {function}({q.pre})")
    return "\n".join(lines)


def plain(name):
    """name as wide as it shows (a combining mark takes no column)."""
    return "".join(ch for ch in name if not unicodedata.combining(ch))


def agreement_steps(sentence):
    """The agreement cell's steps over a sentence (words of AGREEMENT_WORDS), from zero state."""
    words = sentence.split()
    unknown = [w for w in words if w not in AGREEMENT_WORDS]
    if unknown:
        raise ValueError(f"sentence: {unknown} not in the words {list(AGREEMENT_WORDS)}")
    xs = np.array([AGREEMENT_WORDS[w] for w in words], float)  # (T, 3)
    return core.lstm_forward(xs, np.zeros(1), np.zeros(1), agreement_cell())


def follow_unit(sentence):
    """Unit 0 of the agreement cell, word by word: x_t, its gates, C̃_t, C_t, h_t, and the verb
    form that the sign of h_t reads out at the word before the verb."""
    words = sentence.split()
    names = ("f_t", "i_t", "C̃_t", "C_t", "o_t", "h_t")
    header = f"{'word':9} {'x_t':11}" + "".join(" " * (7 - len(plain(n))) + n for n in names)
    lines = [header]
    for word, s in zip(words, agreement_steps(sentence), strict=True):
        x = "[" + ", ".join(f"{a:.0f}" for a in s.x_t) + "]"
        values = (s.f[0], s.i[0], s.c_tilde[0], s.c[0], s.o[0], s.h[0])
        line = f"{word:9} {x:11}" + "".join(f"{v + 0.0:7.3f}" for v in values)
        if s.x_t[2]:
            line += f"   the verb: {'are' if s.h[0] > 0 else 'is'}"
        lines.append(line)
    return "\n".join(lines)


# ---------------------------------------------------------------- gradient flow through time


@dataclass(frozen=True)
class GradientFlow:
    """How much of ∂L/∂h_T (L = sum(h_T)) reaches each earlier step, indexed by k = steps back from
    T.

    cell (T+1,): ‖(∂L/∂h, ∂L/∂C)‖ for an LSTM, ‖∂L/∂h‖ for a GRU; rnn (T+1,): a vanilla RNN's
    ‖∂L/∂h‖ on the same inputs; keep (T+1,): the mean over units of the product of the keep gate
    (f_t, or the GRU's z_t) along the direct path; maps: each of the cell's over_time fields per
    unit over time, (n, T); steps, grads: the cell's forward steps and its backward pass
    (dhs: ∂L/∂h_t, 1 at T and 0 before).
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
    steps: list
    grads: object
    dhs: np.ndarray


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
    cell = core.check_cell(variant, "variant")
    steps = cell.run(xs, p)
    g = cell.backward(steps, p, dhs)
    back = []
    for s in g.steps:  # the gradient reaching step t's incoming state
        size = np.linalg.norm(s.dh_prev)
        if cell.has_cell_state:
            size = np.hypot(size, np.linalg.norm(s.dc_prev))
        back.append(size)
    r = core.rnn_backward(core.rnn_forward(xs, np.zeros(n), W, b), W, dhs)
    maps = {}
    for field in cell.over_time:
        maps[field] = np.array([getattr(s, field) for s in steps]).T  # (n, T)
    keep = np.full(T + 1, np.nan)  # (T+1,) a cell without a keep gate has no such product
    if cell.keep_gate is not None:
        gate = np.array([getattr(s, cell.keep_gate) for s in steps]).T  # (n, T)
        keep_path = np.cumprod(gate[:, ::-1], axis=1)  # (n, T) products back from T
        keep = np.concatenate([[1.0], keep_path.mean(axis=0)])  # (T+1,)
    start = [np.sqrt(n)]  # k = 0: the gradient of sum(h_T) at h_T itself
    return GradientFlow(
        variant,
        np.concatenate([start, back[::-1]]),
        np.concatenate([start, np.linalg.norm(r["dh_prev"], axis=1)[::-1]]),
        keep,
        maps,
        xs,
        p,
        W,
        b,
        steps,
        g,
        dhs,
    )


def flow_shares(T=50, biases=(0, 3, 6)):
    """For each forget bias, one line: the share of the gradient reaching T steps back in the LSTM
    and in the vanilla RNN (gradient_flow), and the mean product of forget gates ∏f."""
    lines = []
    for bias in biases:
        flow = gradient_flow(T, forget_bias=bias)
        lstm, rnn = flow.cell[-1] / flow.cell[0], flow.rnn[-1] / flow.rnn[0]
        lines.append(
            f"forget bias {bias}: share reaching {T} steps back: LSTM {lstm:.3g}, RNN {rnn:.3g};"
            f"  ∏f = {flow.keep[-1]:.3g}"
        )
    return "\n".join(lines)


def cell_line_split(T=50, biases=(0, 3, 6)):
    """Where the LSTM's gradient of gradient_flow is lost, one line per forget bias: the share of
    ∂L/∂h_T that enters the cell line at C_T (∂L/∂C_T = ∂L/∂h_T ∘ o_T ∘ tanh'(C_T)), then what the
    cell line does with it back to C_0 (‖∂L/∂C_0‖ / ‖∂L/∂C_T‖), and the two multiplied."""
    lines = []
    for bias in biases:
        flow = gradient_flow(T, forget_bias=bias)
        grads, last = flow.grads, flow.steps[-1]
        entry = np.linalg.norm(grads.steps[-1].dc) / np.linalg.norm(flow.dhs[-1])
        along = np.linalg.norm(grads.steps[0].dc_prev) / np.linalg.norm(grads.steps[-1].dc)
        lines.append(
            f"forget bias {bias}: enters at C_T {entry:.3g} (mean o_T {last.o.mean():.2f}, "
            f"mean tanh'(C_T) {core.tanh_prime(last.c).mean():.2f}); along the cell line to C_0 "
            f"× {along:.3g}; together {entry * along:.3g}"
        )
    return "\n".join(lines)


def rnn_forgets(T=20, n=8, seed=0, forget_bias=3.0, at=(1, 5, 10, 20)):
    """A vanilla RNN and an LSTM (m = 1, n units, weights ~ U(−1, 1)/√n as in gradient_flow), each
    run twice: first input +1, then −1, zeros after. One line each: how far apart the two runs'
    states still are after t steps (‖h_t(+1) − h_t(−1)‖; for the LSTM ‖C_t(+1) − C_t(−1)‖)."""
    rng = np.random.default_rng(core.as_seed(seed))
    W = rng.uniform(-1, 1, (n, 1 + n)) / np.sqrt(n)  # (n, m+n)
    b = np.zeros(n)  # (n,)
    p = make_cell("LSTM", 1, n, seed=seed, scale=1 / np.sqrt(n), forget_bias=forget_bias)
    runs = {}
    for sign in (1.0, -1.0):
        xs = np.zeros((T, 1))  # (T, m)
        xs[0, 0] = sign
        rnn = core.rnn_forward(xs, np.zeros(n), W, b)
        lstm = core.lstm_forward(xs, np.zeros(n), np.zeros(n), p)
        runs[sign] = ([s.h for s in rnn], [s.c for s in lstm])
    lines = []
    for name, index in (("vanilla RNN, h_t", 0), ("LSTM, C_t", 1)):
        gaps = []
        for t in at:
            gap = np.linalg.norm(runs[1.0][index][t - 1] - runs[-1.0][index][t - 1])
            gaps.append(f"t = {t}: {gap:.2g}")
        lines.append(f"{name:17} " + "  ".join(gaps))
    return "\n".join(lines)


# ---------------------------------------------------------------- one step of learning


def sgd_step(params, grads, lr):
    """New params of the same class and kind: every array minus lr × its gradient (grads from a
    backward pass of this cell: dW_f for W_f, ...)."""
    lr = core.as_number("lr", lr)
    changes = {}
    for name in params.names():
        grad = getattr(grads, "d" + name, None)
        if grad is None:
            raise ValueError(
                f"grads has no d{name}: they are not the gradients of this cell "
                f"({params.variant}, arrays {', '.join(params.names())})"
            )
        changes[name] = getattr(params, name) - lr * np.asarray(grad)
    return params.replace(**changes)


LOSSES = ("½‖h_t − y‖²", "h_t[k]")  # what the backward explorer starts from


def loss(h, y, kind=LOSSES[0], k=0):
    """(L, ∂L/∂h_t) for one step's h_t: ½‖h_t − y‖² (a target y), or h_t[k] (what moves one
    output)."""
    h = np.asarray(h, float)
    if kind == LOSSES[0]:
        y = core.check_len("y", core.as_array("y", y), len(h), "one target per entry of h_t")
        return 0.5 * float(np.sum((h - y) ** 2)), h - y  # (n,)
    if kind == LOSSES[1]:
        k = core.as_whole("k", k, 0, "a unit is counted from 0")
        if not 0 <= k < len(h):
            raise ValueError(f"k must be a unit of h_t, 0 .. {len(h) - 1}, got {k}")
        dh = np.zeros(len(h))  # (n,)
        dh[k] = 1.0
        return float(h[k]), dh
    raise ValueError(f"loss must be one of {LOSSES}, got {kind!r:.40}")


@dataclass
class StepLearning:
    """One step of a cell and its loss, backward and checked: the step, L, every gradient, and
    finite-difference checks {name: (entry, by finite differences, by the backward pass)}."""

    step: object
    loss: float
    grads: object
    checks: dict


def step_and_loss(x, h, c, params, y, kind=LOSSES[0], k=0):
    """(step, L, ∂L/∂h_t) of one step with this loss."""
    step = core.step(x, h, c, params)
    L, dh = loss(step.h, y, kind, k)
    return step, L, dh


def learn_step(x, h, c, params, y, kind=LOSSES[0], k=0, unit=0, eps=1e-6):
    """One step forward and back, with a finite-difference check beside every array's gradient at
    one entry (unit `unit` of each vector, row `unit` and column 0 of each matrix): nudge the entry
    both ways, recompute the loss, compare."""
    step, L, dh = step_and_loss(x, h, c, params, y, kind, k)
    grads = core.step_backward(step, params, dh, None)
    has_c = core.cell_of(params).has_cell_state
    state = {"x": step.x_t, "h": step.h_prev, "c": step.c_prev if has_c else None}
    checks = {}
    arrays = {"x_t": ("x", None), "h_prev": ("h", None)}
    if has_c:
        arrays["c_prev"] = ("c", None)
    arrays.update({name: (None, name) for name in params.names()})
    for name, (in_state, in_params) in arrays.items():
        array = state[in_state] if in_state else getattr(params, in_params)
        entry = (min(unit, array.shape[0] - 1),) + (0,) * (array.ndim - 1)
        grad = getattr(grads, "d" + name if in_params else {"x_t": "dx"}.get(name, "d" + name))

        def nudged(delta, name=name, entry=entry, in_state=in_state, in_params=in_params):
            moved = dict(state)
            p = params
            if in_state:
                moved[in_state] = moved[in_state].copy()
                moved[in_state][entry] += delta
            else:
                changed = getattr(params, in_params).copy()
                changed[entry] += delta
                p = params.replace(**{in_params: changed})
            return step_and_loss(moved["x"], moved["h"], moved["c"], p, y, kind, k)[1]

        fd = (nudged(eps) - nudged(-eps)) / (2 * eps)
        checks[name] = (entry, fd, float(grad[entry]))
    return StepLearning(step, L, grads, checks)


def gradient_norm2(params, grads):
    """‖∇L‖² over every array the cell learns."""
    return float(sum(np.sum(np.asarray(getattr(grads, "d" + n)) ** 2) for n in params.names()))


def backward_through_time(steps, params):
    """BPTT of L = Σ h_(T−1) (the sum of the last hidden state) along these steps: the gradients,
    each .steps[t] with the totals dh, dc arriving at step t."""
    T, n = len(steps), params.n
    dhs = np.zeros((T, n))  # (T, n)
    dhs[-1] = 1.0
    return core.backward(steps, params, dhs)


def memory_share(steps, grads, t, params):
    """At step t ≥ 1: (the norm of what the memory line carries back into step t−1 — ∂L/∂C_t ∘ f_t,
    or for the GRU ∂L/∂h_t ∘ z_t — and the norm of the whole gradient there)."""
    cell = core.cell_of(params)
    if t < 1:
        return None
    keep = getattr(steps[t], cell.keep_gate)  # (n,)
    field = "dc" if cell.has_cell_state else "dh"
    line = getattr(grads.steps[t], field) * keep  # (n,)
    total = getattr(grads.steps[t - 1], field)  # (n,)
    return float(np.linalg.norm(line)), float(np.linalg.norm(total))


# ---------------------------------------------------------------- a small memory task


def memory_task(batch, T, rng, noise=0.5):
    """Sequences (batch, T, 1) whose first input is ±1, then noise; the target is 1 where it was
    +1."""
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
            m1_hat, m2_hat = m1 / (1 - self.beta1**self.t), m2 / (1 - self.beta2**self.t)
            new[k] = values[k] - self.lr * m1_hat / (np.sqrt(m2_hat) + self.eps)
        return new


@dataclass(frozen=True)
class Training:
    """A training run: losses (iters,), accuracy on fresh sequences, the trained cell and readout
    (w, b0), and the keep gate (f_t, or the GRU's z_t) of every unit through a probe sequence,
    before and after training (n, T); memory_unit is the unit the readout leans on most."""

    variant: str
    losses: np.ndarray
    accuracy: float
    params: object
    w: np.ndarray
    b0: float
    keep_before: np.ndarray
    keep_after: np.ndarray
    memory_unit: int


def _keep_gate(params, probe):
    cell = core.cell_of(params)
    return np.array([getattr(s, cell.keep_gate) for s in cell.run(probe, params)]).T  # (n, T)


def train_memory_task(
    T=10, n=4, iters=250, batch=8, lr=0.1, seed=0, forget_bias=1.0, variant="LSTM"
):
    """Train a cell (m = 1) plus a readout p = σ(w·h_T + b0) to recall the sign of the first input
    after T steps: our forward, our backward, Adam, plain numpy."""
    rng = np.random.default_rng(core.as_seed(seed))
    cell = core.check_cell(variant, "variant")
    p = cell.make(1, n, seed=seed, forget_bias=forget_bias)
    w, b0 = rng.normal(0, 0.1, n), 0.0  # (n,), scalar
    adam = Adam(lr)
    probe = np.zeros((T, 1))
    probe[0, 0] = 1.0
    keep_before = _keep_gate(p, probe)
    losses = []
    for _ in range(iters):
        xs, ys = memory_task(batch, T, rng)
        grads = {k: 0.0 for k in p.names() + ("w", "b0")}
        loss = 0.0
        for x, y in zip(xs, ys, strict=True):
            steps = cell.run(x, p)
            q = core.sigmoid(w @ steps[-1].h + b0)
            loss -= (y * np.log(q + 1e-12) + (1 - y) * np.log(1 - q + 1e-12)) / batch
            dlogit = (q - y) / batch  # ∂L/∂(w·h_T + b0)
            dhs = np.zeros((T, n))
            dhs[-1] = dlogit * w
            g = cell.backward(steps, p, dhs)
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
    guesses = [core.sigmoid(w @ cell.run(x, p)[-1].h + b0) > 0.5 for x in xs]
    accuracy = float(np.mean(np.array(guesses) == (ys > 0)))
    return Training(
        variant,
        np.array(losses),
        accuracy,
        p,
        w,
        b0,
        keep_before,
        _keep_gate(p, probe),
        int(np.argmax(np.abs(w))),
    )


MEMORY_FILE = Path(__file__).parent / "data" / "memory_task.npz"
MEMORY_RUN = {"T": 10, "n": 4, "iters": 250, "seed": 0}  # the runs lessons 4 and 6 show
MEMORY_VARIANTS = ("LSTM", "coupled LSTM", "GRU")  # the cells data/memory_task.npz holds runs of


def memory_run(variant="LSTM"):
    """The lessons' memory-task run of this cell: what train_memory_task(**MEMORY_RUN,
    variant=variant) makes, read from data/ (a lesson opens without seconds of training; `make
    trained` writes the file, a test trains afresh and compares)."""
    cell = core.check_cell(variant, "variant")
    if cell.name not in MEMORY_VARIANTS:
        raise ValueError(
            f"variant must be one of {MEMORY_VARIANTS} (the shipped runs); for another, "
            f"train_memory_task(variant={cell.name!r}) trains one in a few seconds"
        )
    prefix = f"v{MEMORY_VARIANTS.index(cell.name)}_"
    with np.load(MEMORY_FILE) as f:
        saved = {k[len(prefix) :]: f[k] for k in f.files if k.startswith(prefix)}
    fresh = cell.make(1, MEMORY_RUN["n"], seed=MEMORY_RUN["seed"])  # the kind; its weights follow
    params = fresh.replace(**{k: saved[k] for k in fresh.names()})
    return Training(
        cell.name,
        saved["losses"],
        float(saved["accuracy"]),
        params,
        saved["w"],
        float(saved["b0"]),
        saved["keep_before"],
        saved["keep_after"],
        int(saved["memory_unit"]),
    )


def memory_unit_report(run):
    """A training run's memory unit in words: its keep gate along the probe sequence before and
    after training, the product of it from t = 1 to the end, and the accuracy."""
    u, gate = run.memory_unit, core.cell_of(run.params).keep_gate
    before, after = run.keep_before[u], run.keep_after[u]  # (T,)
    return (
        f"{gate}_t of unit {u} before: {before.round(2)}\n"
        f"{gate}_t of unit {u} after:  {after.round(2)}\n"
        f"kept from t = 1 to the end, before: {np.prod(before[1:]).round(3)}  after: "
        f"{np.prod(after[1:]).round(3)}  accuracy on fresh sequences: {run.accuracy:.0%}"
    )


def memory_route(run):
    """The memory unit of a trained LSTM-family run along the probe sequences (first input +1, then
    −1; zeros after): its C̃_t, i_t and C_t at each step, a line each."""
    u, T = run.memory_unit, len(run.keep_after[run.memory_unit])
    lines = []
    for sign in (1.0, -1.0):
        xs = np.zeros((T, 1))  # (T, m = 1)
        xs[0, 0] = sign
        steps = core.forward(xs, run.params)
        for name, field in (("C̃_t", "c_tilde"), ("i_t", "i"), ("C_t", "c")):
            values = np.array([getattr(s, field)[u] for s in steps]).round(2) + 0.0
            pad = " " * (4 - len(plain(name)))  # C̃_t is three columns wide, like C_t
            lines.append(f"x_0 = {sign:+.0f}  {name}{pad} of unit {u}: {values}")
    return "\n".join(lines)


def training_line(run):
    """A training run in one line: the loss at the start and at the end (means of the first 10 and
    the last 20 iterations), the accuracy on fresh sequences and the memory unit's keep gate."""
    u, gate = run.memory_unit, core.cell_of(run.params).keep_gate
    return (
        f"loss {run.losses[:10].mean():.2f} → {run.losses[-20:].mean():.4f}  accuracy "
        f"{run.accuracy:.0%}  {gate}_t of unit {u}: {run.keep_after[u].round(2)}"
    )


def save_memory_runs(path=MEMORY_FILE):
    """Train the lessons' memory-task run of every cell in MEMORY_VARIANTS and write it to path."""
    arrays = {}
    for index, variant in enumerate(MEMORY_VARIANTS):
        r = train_memory_task(**MEMORY_RUN, variant=variant)
        fields = {k: getattr(r.params, k) for k in r.params.names()}
        fields |= {"losses": r.losses, "accuracy": np.array(r.accuracy), "w": r.w}
        fields |= {"b0": np.array(r.b0), "keep_before": r.keep_before, "keep_after": r.keep_after}
        fields["memory_unit"] = np.array(r.memory_unit)
        for k, value in fields.items():
            arrays[f"v{index}_{k}"] = value
    np.savez_compressed(path, **arrays)
    return path


# ---------------------------------------------------------------- shapes, as frameworks name them


@dataclass(frozen=True)
class ShapeRow:
    """One tensor's shape in our notation, PyTorch's nn.LSTM and Keras's LSTM."""

    what: str
    ours: str
    torch: str
    keras: str


def shapes(arrays):
    """{name: shape} of every array in a mapping (numpy arrays, PyTorch tensors: anything with a
    .shape) or of a cell's params, in their order."""
    if not isinstance(arrays, Mapping):
        arrays = {name: getattr(arrays, name) for name in arrays.names()}
    return {name: tuple(a.shape) for name, a in arrays.items()}


def forget_gate_three_ways(torch_arrays, x, h):
    """The forget gate's pre-activation z_f of one nn.LSTMCell (its arrays as numpy: weight_ih,
    weight_hh, bias_ih, bias_hh) computed three ways: our W_f v + b_f, PyTorch's stacked rows,
    Keras's stacked columns (to_keras). Each: the formula, then its numbers."""
    w = torch_arrays
    params = core.LSTMParams.from_torch(**w)
    keras = params.to_keras()
    n = params.n
    k = core.FRAMEWORK_ORDER.index("f")
    f = slice(k * n, (k + 1) * n)  # the forget gate's rows (PyTorch), columns (Keras)
    ours = params.W_f @ core.concat(x, h) + params.b_f  # (n,)
    torch_z = w["weight_ih"][f] @ x + w["bias_ih"][f] + w["weight_hh"][f] @ h + w["bias_hh"][f]
    keras_z = x @ keras["kernel"][:, f] + h @ keras["recurrent_kernel"][:, f] + keras["bias"][f]
    rows = f"{f.start}:{f.stop}"
    lines = [
        ("ours", "W_f @ [x_t, h_(t-1)] + b_f", ours),
        (
            "PyTorch",
            f"weight_ih[{rows}] @ x_t + bias_ih[{rows}] + weight_hh[{rows}] @ h_(t-1) "
            f"+ bias_hh[{rows}]",
            torch_z,
        ),
        (
            "Keras",
            f"x_t @ kernel[:, {rows}] + h_(t-1) @ recurrent_kernel[:, {rows}] + bias[{rows}]",
            keras_z,
        ),
    ]
    out = []
    for who, formula, z in lines:
        out.append(f"{who:8} {formula}")
        out.append(f"{'':8} = {np.array2string(z, precision=8)}")
    return "\n".join(out)


def layer_inputs(layers):
    """One line per layer of an nn.LSTM built from our cells (core.torch_lstm_layers): each
    direction's cell sizes, and what a layer above the first reads (every direction's h_t of the
    layer below, side by side)."""
    lines = []
    for k, cells in enumerate(layers):
        directions = ("forward", "reverse")[: len(cells)]
        sizes = ", ".join(
            f"{d} (m = {p.m}, n = {p.n})" for d, p in zip(directions, cells, strict=True)
        )
        line = f"layer {k}: {sizes}"
        if k > 0:
            below = layers[k - 1]
            total = sum(p.n for p in below)
            if len(below) == 1:
                line += f"; it reads layer {k - 1}'s h_t: m = {total}"
            else:
                widths = " + ".join(str(p.n) for p in below)
                line += f"; it reads layer {k - 1}'s h_t of both directions side by side: m = "
                line += f"{widths} = {total}"
        lines.append(line)
    return "\n".join(lines)


def shape_table(m, n):
    """Every tensor's shape for sizes m, n, in three notations."""
    m, n = core.as_size("m", m), core.as_size("n", n)
    return [
        ShapeRow("input x_t", f"({m},)", f"({m},)", f"({m},)"),
        ShapeRow("hidden h_(t-1), h_t", f"({n},)", f"({n},)  hidden_size", f"({n},)  units"),
        ShapeRow("cell C_(t-1), C_t", f"({n},)", f"({n},)", f"({n},)"),
        ShapeRow("concat [x_t, h_(t-1)]", f"({m + n},)", "not formed", "not formed"),
        ShapeRow(
            "one gate's weights",
            f"W_f ({n}, {m + n})",
            f"rows {n}:{2 * n} of both below",
            f"columns {n}:{2 * n} of both below",
        ),
        ShapeRow(
            "input weights, 4 gates",
            f"4 × ({n}, {m}) inside the W's",
            f"weight_ih_l0 ({4 * n}, {m})",
            f"kernel ({m}, {4 * n})",
        ),
        ShapeRow(
            "recurrent weights, 4 gates",
            f"4 × ({n}, {n}) inside the W's",
            f"weight_hh_l0 ({4 * n}, {n})",
            f"recurrent_kernel ({n}, {4 * n})",
        ),
        ShapeRow(
            "biases", f"4 × ({n},)", f"bias_ih_l0, bias_hh_l0 ({4 * n},) each", f"bias ({4 * n},)"
        ),
        ShapeRow("gate order", "f, i, c, o (by name)", "i, f, g, o", "i, f, c, o"),
        ShapeRow(
            "parameters",
            f"{core.param_count(m, n)}",
            f"{core.param_count(m, n, True)}",
            f"{core.param_count(m, n)}",
        ),
    ]


# ---------------------------------------- checking a derivative without the backward pass


def jacobian(f, a, eps=1e-6):
    """∂f/∂a by central differences, (len f(a), len a): an independent check of any backward
    formula."""
    a = core.as_array("a", a)
    columns = []
    for k in range(len(a)):
        step = np.zeros_like(a)
        step[k] = eps
        columns.append((f(a + step) - f(a - step)) / (2 * eps))  # (len f(a),)
    return np.array(columns).T


# --------------------------------------------------- sequences for the through-time lesson

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
    t = 1 (i ≈ 1), holds it (f ≈ 1, i ≈ 0) through the noise, and shows it when read at the last
    step (o ≈ 1); unit 1 has no forget bias (f ≈ 0.5) and loses the value within a few steps."""
    T = core.as_size("T", T)
    if T < 3:
        raise ValueError(
            f"T must be ≥ 3 for write, hold, read (write at t = 1, read at t = T−1), got {T}"
        )
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
    p = core.LSTMParams(
        W_f=zero,
        b_f=b_f,
        W_i=W_i,
        b_i=[-5.0, -5.0],
        W_c=W_c,
        b_c=[0.0, 0.0],
        W_o=W_o,
        b_o=[-5.0, -5.0],
    )
    return Sequence(
        "write, hold, read",
        xs,
        p,
        np.zeros(2),
        np.zeros(2),
        ("value", "write", "read"),
        "unit 0 keeps the value from t = 1 to the read at the end; unit 1 (f ≈ 0.5) loses it",
    )


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
    return Sequence(
        data.name, data.xs, p.replace(b_f=p.b_f + shift), data.h0, data.c0, data.channels, data.note
    )


def _sequence(name, T, seed):
    rng = np.random.default_rng(seed)
    if name == "a word":
        letters = sorted(set(WORD))
        xs = np.zeros((T, len(letters)))  # (T, m): one-hot characters, the word repeated
        for t in range(T):
            xs[t, letters.index(WORD[t % len(WORD)])] = 1.0
        channels = tuple(letters)
        note = (
            f"the word '{WORD}', one character per step, each a one-hot x_t over "
            f"{len(letters)} letters"
        )
    elif name == "a sine":
        xs = np.sin(2 * np.pi * np.arange(T) / 12)[:, None]  # (T, 1)
        channels, note = ("sin",), "a sine with a period of 12 steps"
    else:
        xs = rng.normal(0, 1, (T, 2))  # (T, 2)
        channels, note = ("x0", "x1"), "random inputs"
    p = core.LSTMParams.random(xs.shape[1], 3, seed=seed, scale=1.0)
    return Sequence(name, xs, p, np.zeros(3), np.zeros(3), channels, note)


def unchecked_step(x, h, c, W, b=None):
    """One LSTM step in plain numpy with no checks, the way a learner may set one up: W holds the
    four gates' matrices (f, i, C̃, o), of whatever shape, applied to [x_t, h_(t-1)]; b their
    biases (zeros if None). Returns (h_t, C_t)."""
    v = np.concatenate([x, h])  # (len(x) + len(h),)
    b = [np.zeros(len(w)) for w in W] if b is None else b
    f, i, c_tilde, o = (w @ v + b_k for w, b_k in zip(W, b, strict=True))  # pre-activations
    f, i, c_tilde, o = core.sigmoid(f), core.sigmoid(i), np.tanh(c_tilde), core.sigmoid(o)
    c = f * c + i * c_tilde  # (k,)
    return o * np.tanh(c), c


def table(rows, digits=3):
    """Named vectors and matrices, one per line (a matrix below its name), rounded to `digits`
    decimals, the names padded to one width."""
    width = max(len(name) for name in rows)
    lines = []
    for name, value in rows.items():
        value = np.round(np.asarray(value, float), digits) + 0.0  # + 0.0: no −0
        if value.ndim == 2:
            lines.append(f"{name} =\n{value}")
        else:
            lines.append(f"{name:<{width}} = {value}")
    return "\n".join(lines)


def memory_after(f, k):
    """What is left of a memory after k steps with the forget gate at f and nothing written:
    f**k."""
    return float(f) ** k


def memory_table(fs=(0.5, 0.9, 0.99, 0.999), ks=(1, 10, 50)):
    """One line per forget value: what is left of a memory after each number of steps."""
    lines = []
    for f in fs:
        left = "  ".join(f"after {k} steps {memory_after(f, k):.3g}" for k in ks)
        lines.append(f"f = {f}:  {left}")
    return "\n".join(lines)


def module_shapes(T, B, m, n, layers=1, bidirectional=False, batch_first=False):
    """Every tensor of an nn.LSTM(m, n, num_layers=layers, bidirectional=..., batch_first=...) run
    on B sequences of T steps, in our notation, PyTorch's and Keras's; the parameter count per
    layer."""
    T, B, m, n, L = (
        core.as_size(k, v) for k, v in (("T", T), ("B", B), ("m", m), ("n", n), ("layers", layers))
    )
    D = 2 if bidirectional else 1
    seq = f"({B}, {T}, " if batch_first else f"({T}, {B}, "
    keras_seq = f"({B}, {T}, "  # Keras is always batch first
    rows = [
        ShapeRow(
            "input",
            f"B = {B} sequences, each xs ({T}, {m})",
            f"input {seq}{m})",
            f"inputs {keras_seq}{m})",
        ),
        ShapeRow(
            "output: h_t of every step",
            f"B × ({T}, {D}·{n} = {D * n})",
            f"output {seq}{D * n})",
            f"return_sequences=True: {keras_seq}{D * n})",
        ),
        ShapeRow(
            "h_n: the last h_t",
            f"{L * D} = L·D vectors ({n},) per sequence",
            f"h_n ({L * D}, {B}, {n})",
            f"return_state=True: ({B}, {n}) per direction, last layer only",
        ),
        ShapeRow(
            "c_n: the last C_t",
            f"{L * D} vectors ({n},) per sequence",
            f"c_n ({L * D}, {B}, {n})",
            f"return_state=True: ({B}, {n}) per direction, last layer only",
        ),
    ]
    for l in range(L):
        m_l = (
            m if l == 0 else D * n
        )  # layer 1 reads layer 0's outputs, both directions side by side
        count = D * (core.param_count(m_l, n, two_biases=True))
        for d in range(D):
            suffix = f"_l{l}" + ("_reverse" if d else "")
            which = f"layer {l}" + (" reverse" if d else "")
            rows.append(
                ShapeRow(
                    f"{which}: W_f (one gate)",
                    f"({n}, {m_l + n}) = (n, m_l+n), m_l = {m_l}",
                    f"weight_ih{suffix} ({4 * n}, {m_l}), weight_hh{suffix} ({4 * n}, {n})",
                    f"kernel ({m_l}, {4 * n}), recurrent_kernel ({n}, {4 * n})",
                )
            )
        rows.append(
            ShapeRow(
                f"layer {l}: parameters",
                f"{D * core.param_count(m_l, n)}",
                f"{count}",
                f"{D * core.param_count(m_l, n)}",
            )
        )
    return rows


def rows_or_columns(W, v):
    """What numpy says to v as a column and as a row, beside W: the shapes that multiply."""
    rows, cols = np.shape(W)
    column = W @ np.reshape(v, (cols, 1))  # (rows, 1)
    lines = [f"W {np.shape(W)} @ v as a column ({cols}, 1) → {column.shape}"]
    try:
        np.reshape(v, (1, cols)) @ W
    except ValueError as e:
        lines.append(f"v as a row (1, {cols}) @ W {np.shape(W)}: {e}")
        lines.append(
            f"in words: a product (a, b) @ (c, d) needs b = c; here b = {cols} (the row's "
            f"length) and c = {rows} (W's rows)"
        )
    return "\n".join(lines)


def verdicts():
    """The question's claims and its answer's, each with our verdict (its numbers computed here) and
    the lesson that shows it: rows of (claim, verdict, lessons), plain text."""
    x, h, c, p = core.question_example()
    s = core.lstm_step(x, h, c, p)
    W_f, b_f = np.array(core.QUESTION_W_F, float), np.array(core.QUESTION_B_F, float)
    v = core.concat(x, h)  # (6,)
    hx = core.forget_gate(W_f, b_f, x, h, order="hx").z  # the same W_f on [h_(t-1), x_t]
    n, m = W_f.shape[0], len(x)
    sigma_22 = 1 - core.sigmoid(22.0)
    random = core.lstm_step(*preset("random (seed)", 3, 3, seed=1))
    product = _ints(np.multiply([1, 2, 3], [3, 2, 1]))
    return [
        (
            f"[x_t, h_(t-1)] = {_ints(v)}; W_f·v = {_ints(W_f @ v)}; + b_f = {_ints(s.z_f)}",
            "right",
            "1",
        ),
        ("σ(92) = 1", f"right, and exactly {core.sigmoid(92.0)} in float64, not rounded", "1"),
        (
            "W_f is 3 × 3",
            f"wrong: (n, m+n) = {W_f.shape}; every row meets all {m + n} numbers of v",
            "1, 2",
        ),
        ("W_f·[h_(t-1), x_t]", f"the order matters: the same W_f, b_f give {_ints(hx)}", "1"),
        ("results written as rows", f"they are columns, {n} × 1", "1"),
        (
            "each C_(t-1) with f ≈ 1 passes “to the next layer”",
            "to the next time step: C_t goes on to step t + 1 (a stacked LSTM's next layer reads "
            "h_t, not C_t)",
            "1, 3",
        ),
        (
            "cell states = hidden size",
            "right, and it has to be: h_t comes back as h_(t-1)",
            "1, 3",
        ),
        ("input gate [22, 42, 62]", f"a slip: W_i v + b_i = {_ints(s.z_i)}", "2"),
        (
            "“closer to 0.999”",
            f"σ(22) = 1 − {sigma_22:.1e}; σ(43) = {core.sigmoid(43.0)} and σ(64) = "
            f"{core.sigmoid(64.0)} exactly",
            "1",
        ),
        (
            "“h_t = [4, 5, 6]” as the previous hidden state",
            f"that is h_(t-1); and an LSTM's h_t lies in (−1, 1): this one's is {_vec(s.h, 3)}",
            "2",
        ),
        (
            "gates decide stochastically; i_t a “binary vector”",
            "no: deterministic fractions in (0, 1), the same every run; nothing is sampled (a "
            f"random cell's i_t: {_vec(random.i, 3)})",
            "1, 2",
        ),
        (
            "o_t a “vector of probabilities”",
            "in (0, 1) like probabilities, but no probability of anything: a scale on tanh(C_t)",
            "2",
        ),
        (
            "tanh(C_t) = [0, 1, 1] after units are switched on or off",
            f"tanh(C_t) is never switched: it lies in (−1, 1), here {_vec(s.tanh_c, 3)}",
            "2",
        ),
        ("f_t ≈ 1 means forget", "backwards: f_t ≈ 1 keeps C_(t-1), f_t ≈ 0 erases it", "1, 2, 3"),
        ("[1, 2, 3] ∘ [3, 2, 1] = [3, 4, 3]", f"right: {product}", "1"),
        (
            "σ', tanh' a constant 1, like ReLU's",
            f"no: σ' ≤ {core.sigmoid_prime(0.0)}, tanh' ≤ {core.tanh_prime(0.0):g}, both only at "
            "z = 0; the cell line's diag(f_t) carries gradients",
            "4",
        ),
    ]


def _ints(v):
    """[91, 175, 133]: whole numbers in a printed line."""
    return "[" + ", ".join(f"{a:.0f}" for a in v) + "]"


def error_of(function, *args, **kwargs):
    """The message a call is refused with (what the learner would read), or 'no error'."""
    try:
        function(*args, **kwargs)
    except (ValueError, TypeError) as e:
        return str(e)
    return "no error"


def cell_path_check(m=3, n=4, seed=1):
    """f_t of a random cell beside ∂C_t/∂C_(t-1) measured by finite differences of the forward
    step (no backward formula involved), as text."""
    x, h, c, p = preset("random (seed)", m, n, seed=seed)
    s = core.lstm_step(x, h, c, p)
    J = jacobian(lambda c_prev: core.lstm_step(x, h, c_prev, p).c, c)  # (n, n)
    return f"f_t = {np.round(s.f, 4)}\n∂C_t/∂C_(t-1) =\n{J.round(4)}"


def derivative_table(zs=(0.0, 1.0, 2.0, 5.0, 10.0, 92.0)):
    """σ', tanh' and ReLU' at a few points, one line each."""
    z = np.array(zs)  # (k,)
    lines = []
    for name, d in (
        ("σ'", core.sigmoid_prime),
        ("tanh'", core.tanh_prime),
        ("ReLU'", core.relu_prime),
    ):
        values = "  ".join(f"z={a:g}: {b:.3g}" for a, b in zip(z, d(z), strict=True))
        lines.append(f"{name:6s} {values}")
    return "\n".join(lines)


def saturation(x, h, c, params, below=0.01):
    """Each gate of the step from x_t, h_(t-1), C_(t-1) (c; None for a cell without one), a line:
    its pre-activation, the slope of its function there, and the units where that slope is below
    `below` (saturated: the gate barely moves, nor does its gradient)."""
    step = core.step(x, h, c, params)
    table = {q.field: q for q in core.quantities(params)}
    lines = []
    for q in table.values():
        if q.kind != "gate":
            continue
        _, slope_of, name = core.ACTIVATIONS[q.activation]
        z = getattr(step, q.pre)  # (n,)
        slope = slope_of(z)  # (n,)
        flat = [k for k in range(len(z)) if slope[k] < below]
        where = f"units {flat}" if flat else "no unit"
        lines.append(
            f"{q.text}: {table[q.pre].text} = {_vec(z, 3)}, {name}' = {_vec(slope, 2)}; "
            f"saturated: {where}"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- a trained cell that counts

BRACKETS = "()"  # x_t is one-hot: "(" = [1, 0], ")" = [0, 1]
COUNTER_FILE = Path(__file__).parent / "data" / "bracket_counter.npz"
COUNTER_SEEDS = (0, 1, 2, 3, 4)  # the seeds whose trained weights data/bracket_counter.npz holds
COUNTER_ITERS = 400  # iterations of Adam that make the shipped weights
COUNTER_RANGE = (20, 4)  # its training range: strings of 20 characters, nested at most 4 deep


def bracket_strings(count, length, max_depth, rng):
    """count random strings (count, length) of 0 = "(" and 1 = ")" that never close a bracket that
    is not open and never nest deeper than max_depth (prefixes of balanced strings): where the
    depth is 0 the next is "(", at max_depth it is ")", otherwise either, with chance ½."""
    strings = np.zeros((count, length), dtype=int)  # (count, length)
    depth = np.zeros(count, dtype=int)  # (count,)
    for t in range(length):
        close = rng.random(count) < 0.5  # (count,)
        close = np.where(depth == 0, False, np.where(depth >= max_depth, True, close))
        strings[:, t] = close
        depth += np.where(close, -1, 1)
    return strings


def bracket_depth(strings):
    """The nesting depth after each character, (..., T): +1 for "(", −1 for ")"."""
    return np.cumsum(np.where(np.asarray(strings) == 0, 1, -1), axis=-1)


def bracket_indices(text):
    """text of "(" and ")" as indices (T,) (0 = "(", 1 = ")"), or a clear error."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string of '(' and ')', got {type(text).__name__}")
    if not text:
        raise ValueError("text is empty: give at least one bracket, for example '(()'")
    for k, ch in enumerate(text):
        if ch not in BRACKETS:
            raise ValueError(
                f"text may hold only '(' and ')' (the counter's two inputs); "
                f"character {k} is {ch!r}"
            )
    return np.array([BRACKETS.index(ch) for ch in text])  # (T,)


def side_by_side(params, B):
    """B copies of an LSTM as one cell of B·n units whose block-diagonal weights let copy b see only
    its own x_t and h_(t-1): running it on B sequences side by side (inputs (T, B·m)) is running
    the cell on each, with our own forward and backward pass, in one loop over time."""
    p = core.check_params(params, core.LSTMParams)
    m, n = p.m, p.n
    big = {}
    for g in p.gates():
        W_x, W_h = p.blocks(g)  # (n, m), (n, n)
        W = np.zeros((B * n, B * (m + n)))  # (B·n, B·m + B·n): x of every copy, then h
        for b in range(B):
            rows = slice(b * n, (b + 1) * n)
            W[rows, b * m : (b + 1) * m] = W_x
            W[rows, B * m + b * n : B * m + (b + 1) * n] = W_h
        big[f"W_{g}"] = W
        big[f"b_{g}"] = np.tile(getattr(p, f"b_{g}"), B)  # (B·n,)
    return core.LSTMParams(**big)


def fold_side_by_side(grads, params, B):
    """The gradient of the one shared cell: the sum over the B copies' diagonal blocks."""
    m, n = params.m, params.n
    folded = {}
    for g in params.gates():
        dW = getattr(grads, f"dW_{g}")  # (B·n, B·m + B·n)
        dW_x, dW_h = np.zeros((n, m)), np.zeros((n, n))
        for b in range(B):
            rows = slice(b * n, (b + 1) * n)
            dW_x += dW[rows, b * m : (b + 1) * m]
            dW_h += dW[rows, B * m + b * n : B * m + (b + 1) * n]
        folded[f"W_{g}"] = core.concat_cols(dW_x, dW_h, params.order)  # (n, m+n)
        folded[f"b_{g}"] = getattr(grads, f"db_{g}").reshape(B, n).sum(axis=0)  # (n,)
    return folded


def run_side_by_side(params, strings):
    """The cell on each of B strings (B, T) of indices, side by side: h_t and C_t, each (T, B, n),
    and the steps of the big cell (for its backward pass)."""
    B, T = strings.shape
    big = side_by_side(params, B)
    xs = np.eye(2)[strings].transpose(1, 0, 2).reshape(T, 2 * B)  # (T, B·m)
    steps = core.CELLS["LSTM"].run(xs, big)
    hs = np.array([s.h for s in steps]).reshape(T, B, params.n)  # (T, B, n)
    cs = np.array([s.c for s in steps]).reshape(T, B, params.n)  # (T, B, n)
    return hs, cs, big, steps


@dataclass(frozen=True)
class BracketCounter:
    """An LSTM (m = 2: one-hot "(" and ")", n units) with a logistic readout P(balanced) =
    σ(w·h_t + b0), trained on strings up to max_length characters nested up to max_depth deep;
    depth_unit is the unit whose C_t follows the depth best (|corr| over fresh strings), depth_corr
    that correlation; losses: one per training iteration."""

    params: object
    w: np.ndarray
    b0: float
    depth_unit: int
    depth_corr: float
    max_length: int
    max_depth: int
    seed: int
    losses: np.ndarray

    def encode(self, text):
        """text of "(" and ")" as one-hot inputs (T, 2)."""
        return np.eye(2)[bracket_indices(text)]  # (T, m)

    def run(self, text):
        """The cell along text from zero state: T step records, every number of every step."""
        return core.CELLS["LSTM"].run(self.encode(text), self.params)

    def balanced(self, text):
        """P(the brackets read so far are balanced) after each character, (T,)."""
        hs = np.array([s.h for s in self.run(text)])  # (T, n)
        return core.sigmoid(hs @ self.w + self.b0)  # (T,)

    def with_params(self, params):
        """The same counter and readout with other cell weights (a broken or misread cell)."""
        return replace(self, params=core.check_params(params, core.LSTMParams))

    def accuracy(self, count=200, length=None, depth=None, seed=1):
        """Per-step accuracy (P > ½ where balanced, < ½ where not) on count fresh strings of length
        characters nested at most depth deep (its training range if None): every prefix of every
        string counts once."""
        length = self.max_length if length is None else core.as_size("length", length)
        depth = self.max_depth if depth is None else core.as_size("depth", depth)
        rng = np.random.default_rng(core.as_seed(seed) + 1000)  # never the training strings
        strings = bracket_strings(core.as_size("count", count), length, depth, rng)
        hs, _, _, _ = run_side_by_side(self.params, strings)
        guess = core.sigmoid(hs @ self.w + self.b0) > 0.5  # (T, B)
        return float(np.mean(guess == (bracket_depth(strings).T == 0)))


def _counter(params, w, b0, seed, losses, max_length, max_depth):
    """The record, with its depth unit found by a probe: fresh strings, corr(C_t[u], depth)."""
    strings = bracket_strings(100, max_length, max_depth, np.random.default_rng(12345))
    _, cs, _, _ = run_side_by_side(params, strings)  # (T, B, n)
    depth = bracket_depth(strings).T.ravel()  # (T·B,)
    corr = []
    for u in range(params.n):
        corr.append(abs(np.corrcoef(cs[:, :, u].ravel(), depth)[0, 1]))
    u = int(np.argmax(corr))
    return BracketCounter(
        params, w, float(b0), u, float(corr[u]), max_length, max_depth, seed, losses
    )


def train_bracket_counter(seed=0, iters=COUNTER_ITERS, n=4, batch=32, lr=0.05):
    """Train a bracket counter from scratch: an LSTM of n units and a readout σ(w·h_t + b0) that
    says, after every character, whether the brackets so far are balanced (binary cross-entropy
    per step), on batch fresh strings per iteration; our forward, our backward, Adam, numpy."""
    seed, iters = core.as_seed(seed), core.as_size("iters", iters)
    n, batch = core.as_size("n", n), core.as_size("batch", batch)
    if n > 8:
        raise ValueError(f"n must be ≤ 8 for a counter small enough to read, got {n}")
    T, D = COUNTER_RANGE
    rng = np.random.default_rng(seed)
    p = core.CELLS["LSTM"].make(2, n, seed=seed, forget_bias=1.0)
    w, b0 = rng.normal(0, 0.1, n), 0.0  # (n,), scalar
    adam = Adam(lr)
    losses = []
    for _ in range(iters):
        strings = bracket_strings(batch, T, D, rng)  # (B, T)
        y = (bracket_depth(strings) == 0).T.astype(float)  # (T, B): 1 where balanced
        hs, _, big, steps = run_side_by_side(p, strings)  # (T, B, n)
        q = core.sigmoid(hs @ w + b0)  # (T, B)
        losses.append(-np.mean(y * np.log(q + 1e-12) + (1 - y) * np.log(1 - q + 1e-12)))
        dlogit = (q - y) / q.size  # (T, B) ∂L/∂(w·h_t + b0)
        dhs = (dlogit[:, :, None] * w).reshape(T, batch * n)  # (T, B·n)
        grads = fold_side_by_side(core.CELLS["LSTM"].backward(steps, big, dhs), p, batch)
        grads["w"] = np.einsum("tb,tbn->n", dlogit, hs)  # (n,)
        grads["b0"] = dlogit.sum()
        values = {k: getattr(p, k) for k in p.names()} | {"w": w, "b0": b0}
        new = adam.step(values, grads)
        w, b0 = new.pop("w"), float(new.pop("b0"))
        p = p.replace(**new)
    return _counter(p, w, b0, seed, np.array(losses), T, D)


def bracket_counter(seed=0):
    """The shipped bracket counter: what train_bracket_counter(seed) makes, read from data/
    (seeds 0 to 4)."""
    seed = core.as_seed(seed)
    if seed not in COUNTER_SEEDS:
        raise ValueError(
            f"seed must be one of {COUNTER_SEEDS} (the shipped counters); for another, "
            f"train_bracket_counter({seed}) trains one in a few seconds"
        )
    with np.load(COUNTER_FILE) as f:
        saved = {k[len(f"s{seed}_") :]: f[k] for k in f.files if k.startswith(f"s{seed}_")}
    w, b0, losses = saved.pop("w"), float(saved.pop("b0")), saved.pop("losses")
    T, D = COUNTER_RANGE
    return _counter(core.LSTMParams(**saved), w, b0, seed, losses, T, D)


def save_bracket_counters(path=COUNTER_FILE, seeds=COUNTER_SEEDS):
    """Train the counter of every seed and write their weights to path (data/ ships the result)."""
    arrays = {}
    for seed in seeds:
        c = train_bracket_counter(seed)
        for k in c.params.names():
            arrays[f"s{seed}_{k}"] = getattr(c.params, k)
        arrays[f"s{seed}_w"], arrays[f"s{seed}_b0"] = c.w, np.array(c.b0)
        arrays[f"s{seed}_losses"] = c.losses
    np.savez_compressed(path, **arrays)
    return path


ABLATIONS = ("f_t = 1", "f_t = 0.5", "f_t = 0", "input gate shut")


def ablate(counter, what, unit=None):
    """The counter with one unit (its depth unit if None) broken by its weights: its W_f row set to
    0 and b_f to +50, 0 or −50 (f_t = σ(b_f) ≈ 1, 0.5, 0 whatever it reads), or its W_i row to 0 and
    b_i to −50 (i_t ≈ 0: nothing is written)."""
    if what not in ABLATIONS:
        raise ValueError(f"what must be one of {ABLATIONS}, got {what!r}")
    u = counter.depth_unit if unit is None else core.as_whole("unit", unit, 0, "units from 0")
    p = counter.params
    if u >= p.n:
        raise ValueError(f"unit must be below n = {p.n} (units are counted from 0), got {u}")
    gate, bias = ("i", -50.0) if what == "input gate shut" else ("f", None)
    if bias is None:
        bias = {"f_t = 1": 50.0, "f_t = 0.5": 0.0, "f_t = 0": -50.0}[what]
    W, b = getattr(p, f"W_{gate}").copy(), getattr(p, f"b_{gate}").copy()
    W[u], b[u] = 0.0, bias
    return counter.with_params(p.replace(**{f"W_{gate}": W, f"b_{gate}": b}))


def ablation_table(counter):
    """One line per ablation of the depth unit: its per-step accuracy, beside the intact one."""
    lines = [f"{'intact':16s} accuracy {counter.accuracy():.1%}"]
    for what in ABLATIONS:
        lines.append(f"{what:16s} accuracy {ablate(counter, what).accuracy():.1%}")
    return "\n".join(lines)


def never_balanced(length, depth, count=200, seed=1):
    """The accuracy of a counter that always answers "not balanced", on the strings accuracy()
    draws: the floor that any real accuracy must be read against."""
    rng = np.random.default_rng(core.as_seed(seed) + 1000)
    strings = bracket_strings(core.as_size("count", count), length, depth, rng)
    return float(np.mean(bracket_depth(strings) != 0))


def generalisation(scales=(1, 2, 4), seeds=COUNTER_SEEDS):
    """Per-step accuracy of each shipped counter (rows: seeds) on strings scales× as long and as
    deep as its training range (columns), (seeds, scales)."""
    table = np.zeros((len(seeds), len(scales)))
    for r, seed in enumerate(seeds):
        c = bracket_counter(seed)
        for k, s in enumerate(scales):
            table[r, k] = c.accuracy(length=s * c.max_length, depth=s * c.max_depth)
    return table


def generalisation_table(scales=(1, 2, 4)):
    """generalisation() as text: one line per shipped counter, and the never-balanced floor."""
    T, D = COUNTER_RANGE
    head = "   ".join(f"{s}× ({s * T} long, ≤ {s * D} deep)" for s in scales)
    lines = [f"seed   {head}"]
    for seed, row in zip(COUNTER_SEEDS, generalisation(scales), strict=True):
        lines.append(f"{seed:4d}   " + "   ".join(f"{a:>20.2%}" for a in row))
    floors = [never_balanced(s * T, s * D) for s in scales]
    lines.append("floor  " + "   ".join(f"{a:>20.2%}" for a in floors))
    return "\n".join(lines)


# ---------------------------------------------------------------- a bug hunt: gates misread

FAULTS = ("rows read f, i, g, o", "biases counted twice")


def misread(state, fault):
    """What a faulty loader makes of a PyTorch LSTM's state dict (load_cell reads it right): its
    rows read in the order f, i, g, o instead of PyTorch's i, f, g, o (the input and forget gates
    swapped), or bias_ih + bias_hh added in twice (every bias doubled)."""
    if fault not in FAULTS:
        raise ValueError(f"fault must be one of {FAULTS}, got {fault!r}")
    p = core.load_cell(state)
    if fault == FAULTS[0]:
        return p.replace(W_f=p.W_i, b_f=p.b_i, W_i=p.W_f, b_i=p.b_f)
    return p.replace(**{f"b_{g}": 2 * getattr(p, f"b_{g}") for g in p.gates()})


def fault_table(counter):
    """One line per loader fault: the per-step accuracy of the counter read with it."""
    lines = [f"counter {counter.seed}, {'read right':22s} accuracy {counter.accuracy():.1%}"]
    for fault in FAULTS:
        broken = counter.with_params(misread(torch_state(counter), fault))
        lines.append(f"counter {counter.seed}, {fault:22s} accuracy {broken.accuracy():.1%}")
    return "\n".join(lines)


def torch_state(counter):
    """The counter as an nn.LSTM(2, n) state dict of arrays (weight_ih_l0, ..., bias_hh_l0), its
    bias split in two halves as a trained PyTorch module's two biases would be."""
    d = counter.params.to_torch()
    half = d["bias_ih"] / 2
    return {
        "weight_ih_l0": d["weight_ih"],
        "weight_hh_l0": d["weight_hh"],
        "bias_ih_l0": half,
        "bias_hh_l0": d["bias_ih"] - half,
    }


def counter_gates(counter, count=100, seed=2):
    """How the depth unit keeps and writes, averaged over fresh strings in the training range:
    mean f_t and mean i_t∘C̃_t (what it writes) on "(" and on ")", and mean f_t on a "(" read
    where the brackets were balanced (a fresh start). A dict of floats."""
    rng = np.random.default_rng(core.as_seed(seed) + 2000)
    strings = bracket_strings(
        core.as_size("count", count), counter.max_length, counter.max_depth, rng
    )
    _, _, big, steps = run_side_by_side(counter.params, strings)
    B, T, n, u = strings.shape[0], strings.shape[1], counter.params.n, counter.depth_unit
    f = np.array([s.f for s in steps]).reshape(T, B, n)[:, :, u].T  # (B, T)
    write = np.array([s.i * s.c_tilde for s in steps]).reshape(T, B, n)[:, :, u].T  # (B, T)
    before = np.hstack([np.zeros((B, 1), int), bracket_depth(strings)[:, :-1]])  # (B, T)
    opens, closes = strings == 0, strings == 1
    fresh = opens & (before == 0)
    return {
        'f_t on "("': float(f[opens & ~fresh].mean()),
        'f_t on ")"': float(f[closes].mean()),
        'f_t on a "(" where balanced': float(f[fresh].mean()),
        'i_t∘C̃_t on "("': float(write[opens].mean()),
        'i_t∘C̃_t on ")"': float(write[closes].mean()),
    }


def counter_table(counter, text, units=None):
    """Every number of every step of the counter on text, one line a step and unit (all units if
    None): the character, the depth, f_t, i_t, C̃_t, C_t, o_t, h_t, and P(balanced)."""
    steps, p_balanced = counter.run(text), counter.balanced(text)
    units = range(counter.params.n) if units is None else units
    depth = bracket_depth(bracket_indices(text))
    lines = [" t  x_t  depth  unit    f_t    i_t    C̃_t     C_t    o_t    h_t   P(balanced)"]
    for t, s in enumerate(steps):
        for k, u in enumerate(units):
            start = f"{t:2d}   {text[t]}   {depth[t]:4d}" if k == 0 else " " * 15
            end = f"   {p_balanced[t]:.3f}" if k == 0 else ""
            lines.append(
                f"{start}  {u:4d}  {s.f[u]:5.3f}  {s.i[u]:5.3f}  {s.c_tilde[u]:6.3f}  "
                f"{s.c[u]:6.3f}  {s.o[u]:5.3f}  {s.h[u]:6.3f}{end}"
            )
    return "\n".join(lines)


# ---------------------------------------------------------------- a character model of real code

CODE_FILE = Path(__file__).parent / "data" / "code_model.npz"
# Python source that ships with Python itself (the running interpreter's standard library),
# files whose names have been stable across Python 3.9-3.13; trained on one list, probed on the
# other
CODE_TRAIN_FILES = (
    "argparse.py", "ast.py", "bisect.py", "calendar.py", "configparser.py", "csv.py",
    "dataclasses.py", "difflib.py", "enum.py", "fnmatch.py", "fractions.py", "functools.py",
    "gettext.py", "glob.py", "heapq.py", "inspect.py", "ipaddress.py", "json/decoder.py",
    "json/encoder.py", "os.py", "pprint.py", "queue.py", "random.py", "reprlib.py", "sched.py",
    "shlex.py", "shutil.py", "statistics.py", "string.py", "subprocess.py", "tempfile.py",
    "textwrap.py", "threading.py", "tokenize.py", "typing.py",
)  # fmt: skip
CODE_HELD_OUT_FILES = ("copy.py", "getopt.py", "graphlib.py", "netrc.py", "zipapp.py")
CODE_VOCAB = "\n" + "".join(chr(k) for k in range(32, 127))  # newline, then printable ASCII
CODE_FEATURES = ("in_string", "bracket_depth")
OPENERS, CLOSERS = "([{", ")]}"


def stdlib_source(name):
    """The text of one file of the running interpreter's standard library, or a clear error."""
    import sysconfig

    path = Path(sysconfig.get_paths()["stdlib"]) / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{name} is not in this Python's standard library ({path.parent}); the code model "
            f"is trained and probed on files that ship with Python 3.9-3.13"
        )
    return path.read_text(encoding="utf-8")


def code_features(text):
    """What Python's tokenize sees after each character of text, a dict of (T,) arrays:
    "in_string" 1 while inside a string literal (from its opening quote up to, not including,
    its last character), "bracket_depth" the depth of (…), […], {…} outside strings and comments."""
    import io
    import tokenize

    lines = text.splitlines(keepends=True)
    starts = np.cumsum([0] + [len(line) for line in lines])  # offset of each line's first char
    in_string = np.zeros(len(text), dtype=int)  # (T,)
    step = np.zeros(len(text), dtype=int)  # (T,) +1 on an opening bracket, −1 on a closing one
    string_kinds = {tokenize.STRING}
    for name in ("FSTRING_START", "FSTRING_MIDDLE"):  # Python 3.12 on: an f-string is 3 tokens
        if hasattr(tokenize, name):
            string_kinds.add(getattr(tokenize, name))
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as e:  # an unclosed string or bracket, a bad indent
        raise ValueError(
            f"Python's tokenize cannot read this text ({e.args[0]}), so nothing says where its "
            "strings and brackets are; the unit's values are shown all the same"
        ) from None
    for tok in tokens:
        (r0, c0), (r1, c1) = tok.start, tok.end
        a, b = starts[r0 - 1] + c0, starts[r1 - 1] + c1  # the token is text[a:b]
        if tok.type in string_kinds:
            in_string[a : b - 1 if tok.type == tokenize.STRING else b] = 1
        elif tok.type == tokenize.OP and tok.string in OPENERS:
            step[a] = 1
        elif tok.type == tokenize.OP and tok.string in CLOSERS:
            step[a] = -1
    return {"in_string": in_string, "bracket_depth": np.cumsum(step)}


def code_indices(text):
    """text as indices into CODE_VOCAB (T,); characters outside it share one last "other" index."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string of code, got {type(text).__name__}")
    if not text:
        raise ValueError("text is empty: give at least one character, for example 'f(x)'")
    other = len(CODE_VOCAB)
    lookup = {ch: k for k, ch in enumerate(CODE_VOCAB)}
    return np.array([lookup.get(ch, other) for ch in text])  # (T,)


def auc(values, labels):
    """The area under the ROC curve of values as a detector of labels (0/1): the chance that a
    random positive scores above a random negative (ties count half), by ranks."""
    values, labels = np.asarray(values, float), np.asarray(labels).astype(bool)
    _, group, counts = np.unique(values, return_inverse=True, return_counts=True)
    last = np.cumsum(counts)  # the rank (from 1) of each group of equal values' last member
    ranks = (last - (counts - 1) / 2)[group]  # (T,) equal values share their mean rank
    positives, negatives = labels.sum(), (~labels).sum()
    wins = ranks[labels].sum() - positives * (positives + 1) / 2
    return float(wins / (positives * negatives))


def feature_score(feature, values, target):
    """How well one unit's values track a feature: in_string by direction-free AUC,
    max(AUC, 1 − AUC); bracket_depth by |Pearson r|."""
    if feature == "in_string":
        a = auc(values, target)
        return max(a, 1 - a)
    return float(abs(np.corrcoef(values, target)[0, 1]))


@dataclass(frozen=True)
class CodeModel:
    """A character-level LSTM (m = len(CODE_VOCAB) + 1 one-hot inputs, n units) trained to predict
    the next character of Python source; W_y, b_y its readout (logits W_y h_t + b_y); ranked maps a
    feature to its best few (unit, "h" or "c", score), found by a probe on held-out code, and units
    to the best of them; losses: the training loss (nats per character) every 50 iterations."""

    params: object
    W_y: np.ndarray
    b_y: np.ndarray
    ranked: dict
    losses: np.ndarray
    vocab: str = CODE_VOCAB

    @property
    def units(self):
        """Each feature's best unit: (unit, "h" or "c", score)."""
        return {feature: found[0] for feature, found in self.ranked.items()}

    def encode(self, text):
        """text as one-hot inputs (T, m); characters outside the vocabulary share "other"."""
        return np.eye(len(self.vocab) + 1)[code_indices(text)]  # (T, m)

    def run(self, text):
        """The cell along text from zero state, through our own lstm_forward: T step records."""
        zero = np.zeros(self.params.n)
        return core.lstm_forward(self.encode(text), zero, zero, self.params)

    def character(self, k):
        """The vocabulary entry of index k, as the learner reads it."""
        if k == len(self.vocab):
            return "other"
        return {"\n": "newline", " ": "space"}.get(self.vocab[k], self.vocab[k])


CODE_RANKED = 4  # the probe keeps each feature's best few units: the best, and its runners-up


def probe_code_units(params, texts, top=CODE_RANKED):
    """For each feature, the top (unit, "h" or "c", score) that track it best over texts, best
    first, each text run from zero state through our own lstm_forward: every unit of h_t and of C_t
    is scored."""
    values, targets = {"h": [], "c": []}, {f: [] for f in CODE_FEATURES}
    zero = np.zeros(params.n)
    for text in texts:
        xs = np.eye(len(CODE_VOCAB) + 1)[code_indices(text)]  # (T, m)
        steps = core.lstm_forward(xs, zero, zero, params)
        values["h"].append(np.array([s.h for s in steps]))  # (T, n)
        values["c"].append(np.array([s.c for s in steps]))  # (T, n)
        for f, v in code_features(text).items():
            targets[f].append(v)
    ranked = {}
    for f in CODE_FEATURES:
        target = np.concatenate(targets[f])  # (ΣT,)
        scored = []
        for q in ("h", "c"):
            every = np.concatenate(values[q])  # (ΣT, n)
            for u in range(params.n):
                scored.append((u, q, feature_score(f, every[:, u], target)))
        scored.sort(key=lambda unit: -unit[2])
        ranked[f] = tuple(scored[:top])
    return ranked


def code_model():
    """The shipped character model of Python code (data/code_model.npz, made by
    scripts/train_code_model.py), with the units its probe found on the held-out files."""
    with np.load(CODE_FILE) as f:
        saved = {k: f[k] for k in f.files}
    ranked = {}
    for k, feature in enumerate(CODE_FEATURES):
        units, quantity = saved["ranked_units"][k], saved["ranked_quantity"][k]
        found = []
        for u, q, score in zip(units, quantity, saved["ranked_scores"][k], strict=True):
            found.append((int(u), "hc"[int(q)], float(score)))
        ranked[feature] = tuple(found)
    cell = {k[len("cell_") :]: saved[k].astype(float) for k in saved if k.startswith("cell_")}
    params = core.LSTMParams(**cell)
    return CodeModel(
        params, saved["W_y"].astype(float), saved["b_y"].astype(float), ranked, saved["losses"]
    )


def code_excerpt(name="getopt.py", first="do_longs", last="short_has_arg"):
    """A piece of held-out code: the functions of the standard library file name from def first
    up to (not including) def last."""
    text = stdlib_source(name)
    a, b = text.find(f"\ndef {first}("), text.find(f"\ndef {last}(")
    if a < 0 or b < a:
        raise ValueError(f"{name} has no def {first} followed by a def {last}")
    return text[a + 1 : b].rstrip() + "\n"


def unit_summary(values, features):
    """How one unit's values (T,) relate to a text's features (code_features): their mean inside
    and outside strings and each feature's score (as the probe scores it; None where the text
    has no string or no bracket to score against)."""
    values, in_string = np.asarray(values, float), features["in_string"].astype(bool)
    depth = features["bracket_depth"]
    summary = {"mean in strings": None, "mean outside": None}
    if in_string.any() and (~in_string).any():
        summary["mean in strings"] = float(values[in_string].mean())
        summary["mean outside"] = float(values[~in_string].mean())
    summary["in_string"] = (
        None if summary["mean outside"] is None else feature_score("in_string", values, in_string)
    )
    varies = np.ptp(depth) > 0 and np.ptp(values) > 0
    summary["bracket_depth"] = feature_score("bracket_depth", values, depth) if varies else None
    return summary


def code_loss(code, text):
    """How well the model predicts each next character of text (nats per character: the mean of
    −log softmax(W_y h_t + b_y)[next character]), from zero state."""
    hs = np.array([s.h for s in code.run(text)])  # (T, n)
    logits = hs[:-1] @ code.W_y.T + code.b_y  # (T−1, m)
    logits -= logits.max(axis=1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))  # (T−1, m)
    nxt = code_indices(text)[1:]  # (T−1,)
    return float(-log_p[np.arange(len(nxt)), nxt].mean())


def unigram_loss(text):
    """The loss of the best guess that ignores what came before: each next character predicted by
    the text's own character frequencies (nats per character), the floor to read code_loss by."""
    ids = code_indices(text)
    freq = np.bincount(ids, minlength=len(CODE_VOCAB) + 1) / len(ids)  # (m,)
    return float(-np.mean(np.log(freq[ids[1:]])))


def code_units_table(code):
    """One line per feature and rank: the units the probe found (the best, then its runners-up),
    which of h_t, C_t, and the score on the held-out files."""
    words = {
        "in_string": "AUC (0.5 is chance, 1 perfect)",
        "bracket_depth": "|r| (0 none, 1 perfect)",
    }
    lines = []
    for feature, found in code.ranked.items():
        for rank, (u, q, score) in enumerate(found):
            which = "h_t" if q == "h" else "C_t"
            name = feature if rank == 0 else ""
            lines.append(
                f"{name:14s} #{rank + 1}  unit {u:3d} of {which}   {words[feature]}: {score:.3f}"
            )
    return "\n".join(lines)


# ---------------------------------------------------------------- your own cell, on your own input

MAX_STEPS = 3000  # the longest input the through-time views run a cell on


@dataclass(frozen=True)
class OwnSequence:
    """A cell along a learner's own input from zero state: its params, inputs xs (T, m), the text
    they were encoded from (None for an array), and the T step records."""

    params: object
    xs: np.ndarray
    text: object
    steps: list


def as_cell(source):
    """A cell's params as given, or a learner's own model read by load_cell (every bad source
    named by its error)."""
    try:
        core.cell_of(source)
        return source
    except TypeError:
        return core.load_cell(source)


def own_sequence(source, xs_or_text):
    """Run a cell on the learner's input: source is params, anything load_cell reads, or one of
    our trained models (code_model(), bracket_counter()), which also read text; xs_or_text an
    array (T, m) or, for those models, a string."""
    if isinstance(source, (CodeModel, BracketCounter)):
        params, encode = source.params, source.encode
    else:
        params, encode = as_cell(source), None
    if isinstance(xs_or_text, str):
        if encode is None:
            raise ValueError(
                "text needs a model that reads characters (lessons.code_model() or "
                f"lessons.bracket_counter()); for this cell give xs, an array (T, {params.m}): "
                "one x_t per row"
            )
        text, xs = xs_or_text, encode(xs_or_text)
    else:
        text, xs = None, core.check_xs(xs_or_text, params.m)
    if len(xs) > MAX_STEPS:
        raise ValueError(
            f"the input has {len(xs)} steps; at most {MAX_STEPS} are shown (the cell runs on "
            "every one): give a shorter piece"
        )
    return OwnSequence(params, xs, text, core.forward(xs, params))


def most_active(steps, t, k=4):
    """The k units with the largest |h_t| at step t, the largest first."""
    h = np.abs(steps[t].h)  # (n,)
    return tuple(int(u) for u in np.argsort(-h, kind="stable")[:k])
