"""The LSTM family in numpy: the standard cell, peepholes and the coupled input gate, forward and
backward side by side. With v = [x_t, h_{t-1}] (order "xh", the question's) or [h_{t-1}, x_t]
(order "hx", Colah's):

    f_t  = σ(W_f v + b_f)          forget gate       (n,)
    i_t  = σ(W_i v + b_i)          input gate        (n,)
    C̃_t  = tanh(W_c v + b_c)       candidate         (n,)
    C_t  = f_t ∘ C_{t-1} + i_t ∘ C̃_t                 (n,)
    o_t  = σ(W_o v + b_o)          output gate       (n,)
    h_t  = o_t ∘ tanh(C_t)                           (n,)

Each W is (n, m+n): one row per cell unit, and each row sees the whole v of length m+n.
"""

from dataclasses import dataclass, fields, replace

import numpy as np

from cells.checks import (
    CELL_RULE,
    as_array,
    as_number,
    as_seed,
    as_size,
    check_len,
    check_params,
    check_sizes,
    check_step,
    check_steps,
    check_W,
    check_xs,
    finite,
    finite_grads,
)
from cells.shared import (
    CONCAT,
    INPUTS,
    BackwardStage,
    Chain,
    Quantity,
    concat,
    concat_cols,
    dsigma,
    dtanh,
    FromGrads,
    read,
    sigmoid,
    split,
    tanh,
)

GATES = ("f", "i", "c", "o")  # the weight names: W_f, W_i, W_c (the candidate C̃_t), W_o
FRAMEWORK_ORDER = ("i", "f", "c", "o")  # PyTorch's rows, Keras's columns: i, f, g (our C̃), o
COUPLED_GATES = tuple(g for g in GATES if g != "i")  # i_t = 1 − f_t has no weights
# each peephole and the cell state it reads (a step field): f_t, i_t see C_(t-1), o_t the new C_t
PEEPHOLE_SEES = {"p_f": "c_prev", "p_i": "c_prev", "p_o": "c"}
PEEPHOLES = tuple(PEEPHOLE_SEES)
STATE_LATEX = {"c_prev": "C_{t-1}", "c": "C_t"}

# ---------------------------------------------------------------- the forget gate alone


@dataclass(frozen=True)
class Gate:
    """One sigmoid gate: concat (m+n,), z = W v + b (n,), value = σ(z) (n,)."""

    concat: np.ndarray
    z: np.ndarray
    value: np.ndarray


def forget_gate(W_f, b_f, x_t, h_prev, order="xh"):
    """f_t = σ(W_f [x_t, h_{t-1}] + b_f), the question's computation."""
    x_t, h_prev = as_array("x_t", x_t), as_array("h_prev", h_prev)
    m, n = check_sizes(x_t, h_prev)
    W_f = check_W("W_f", as_array("W_f", W_f, 2), m, n)
    b_f = check_len("b_f", as_array("b_f", b_f), n, f"one bias per row of W_f; {CELL_RULE}")
    v = concat(x_t, h_prev, order)  # (m+n,)
    with np.errstate(all="ignore"):
        z = finite("z_f", W_f @ v + b_f)  # (n,)
    return Gate(v, z, sigmoid(z))


# ---------------------------------------------------------------- parameters


@dataclass(frozen=True, eq=False)
class LSTMParams:
    """The gates' weights (n, m+n) and biases (n,), checked on construction.

    Variants through the same class: peephole vectors p_f, p_i, p_o of shape (n,) (Gers &
    Schmidhuber 2000, as Graves 2013 writes them: the gates also see C_{t-1}, the output gate the
    new C_t), and coupled=True (CIFG, Greff et al. 2017): no W_i, b_i; the input gate is i_t = 1 −
    f_t.
    """

    W_f: np.ndarray
    b_f: np.ndarray
    W_i: np.ndarray
    b_i: np.ndarray
    W_c: np.ndarray
    b_c: np.ndarray
    W_o: np.ndarray
    b_o: np.ndarray
    order: str = "xh"
    p_f: np.ndarray = None
    p_i: np.ndarray = None
    p_o: np.ndarray = None
    coupled: bool = False

    def __post_init__(self):
        concat([], [], self.order)  # validates order
        if not isinstance(self.coupled, (bool, np.bool_)):
            raise TypeError(f"coupled must be True or False, got {self.coupled!r:.40}")
        W_f = as_array("W_f", self.W_f, 2)
        n, m = W_f.shape[0], W_f.shape[1] - W_f.shape[0]
        if n < 1 or m < 1:
            raise ValueError(
                f"W_f has shape {W_f.shape} but must be (n, m+n) with m, n ≥ 1: each row sees "
                "the whole [x_t, h_(t-1)], so it has more columns than rows "
                "(for m = n = 3 that is (3, 6), not (3, 3))"
            )
        if self.coupled:
            for name in ("W_i", "b_i", "p_i"):
                if getattr(self, name) is not None:
                    raise ValueError(
                        f"{name} must be None when coupled=True: a coupled cell has no input "
                        "gate weights of its own, its input gate is i_t = 1 − f_t"
                    )
        for g in self.gates():
            W = check_W(f"W_{g}", as_array(f"W_{g}", getattr(self, f"W_{g}"), 2), m, n)
            b = check_len(
                f"b_{g}",
                as_array(f"b_{g}", getattr(self, f"b_{g}")),
                n,
                f"one bias per cell unit; {CELL_RULE}",
            )
            self._own(f"W_{g}", W)
            self._own(f"b_{g}", b)
        for name in PEEPHOLES:
            if getattr(self, name) is not None:
                p = as_array(name, getattr(self, name))
                self._own(
                    name,
                    check_len(
                        name,
                        p,
                        n,
                        "a diagonal peephole: one weight per cell unit, "
                        f"multiplying that unit's cell state ({name}∘C)",
                    ),
                )

    def _own(self, name, a):
        a.flags.writeable = False  # our own copy, never changed in place
        object.__setattr__(self, name, a)

    def gates(self):
        """The gates that have weights of their own: ('f', 'i', 'c', 'o'), or ('f', 'c', 'o') if
        coupled."""
        return COUPLED_GATES if self.coupled else GATES

    @property
    def peepholes(self):
        """The peephole vectors present: a tuple of names among 'p_f', 'p_i', 'p_o'."""
        return tuple(name for name in PEEPHOLES if getattr(self, name) is not None)

    @property
    def variant(self):
        """The cell kind's name: 'LSTM', 'peephole LSTM', 'coupled LSTM' or 'coupled peephole
        LSTM'."""
        words = (["coupled"] if self.coupled else []) + (["peephole"] if self.peepholes else [])
        return " ".join(words + ["LSTM"])

    @property
    def n(self):
        """Hidden size = number of cell units."""
        return self.W_f.shape[0]

    @property
    def m(self):
        """Input size."""
        return self.W_f.shape[1] - self.n

    def __eq__(self, other):
        return (
            isinstance(other, LSTMParams)
            and self.order == other.order
            and self.coupled == other.coupled
            and self.names() == other.names()
            and all(np.array_equal(getattr(self, k), getattr(other, k)) for k in self.names())
        )

    def names(self):
        """The arrays this cell has: ('W_f', 'b_f', ..., 'W_o', 'b_o') and any peepholes."""
        return tuple(f"{k}_{g}" for g in self.gates() for k in "Wb") + self.peepholes

    def count(self):
        """How many numbers the cell learns: 4n(m+n) + 4n standard, 3n(m+n) + 3n coupled, + n a
        peephole."""
        return sum(getattr(self, k).size for k in self.names())

    def replace(self, **changes):
        """A new, checked LSTMParams with some fields changed."""
        return replace(self, **changes)

    @classmethod
    def random(
        cls, m, n, seed=0, scale=None, order="xh", forget_bias=0.0, peephole=False, coupled=False
    ):
        """Weights ~ U(−s, s) with s = 1/√n (PyTorch's default), biases likewise, b_f shifted by
        forget_bias; peephole=True adds p_f, p_i, p_o (p_i only if not coupled) drawn the same
        way."""
        m, n = as_size("m", m), as_size("n", n)
        rng = np.random.default_rng(as_seed(seed))
        s = 1.0 / np.sqrt(n) if scale is None else as_number("scale", scale, positive=True)
        forget_bias = as_number("forget_bias", forget_bias)
        kw = {}
        for g in GATES:  # drawn for all four, so that a variant shares the standard cell's numbers
            kw[f"W_{g}"] = rng.uniform(-s, s, (n, m + n))  # (n, m+n)
            kw[f"b_{g}"] = rng.uniform(-s, s, n)  # (n,)
        kw["b_f"] = kw["b_f"] + forget_bias
        if peephole:
            for name in PEEPHOLES:
                kw[name] = rng.uniform(-s, s, n)  # (n,)
        if coupled:
            kw["W_i"] = kw["b_i"] = None
            kw.pop("p_i", None)
        return cls(**kw, order=order, coupled=coupled)

    def scaled(self, s):
        """Every weight matrix times s (biases and peepholes kept): small s pulls the
        pre-activations to 0."""
        return replace(self, **{f"W_{g}": s * getattr(self, f"W_{g}") for g in self.gates()})

    def with_order(self, order):
        """The same cell for the other concatenation order: each W's column blocks swapped."""
        return replace(
            self,
            order=order,
            **{f"W_{g}": concat_cols(*self.blocks(g), order) for g in self.gates()},
        )

    def blocks(self, g):
        """(W_x, W_h): the columns of W_g that meet x_t (n, m) and h_{t-1} (n, n)."""
        W_x, W_h = split(getattr(self, f"W_{g}").T, self.m, self.order)
        return W_x.T, W_h.T

    def _standard_only(self, what):
        if self.variant != "LSTM":
            raise ValueError(
                f"{what} holds only the standard LSTM; this cell is a {self.variant} "
                "(PyTorch and Keras have no peephole or coupled LSTM)"
            )

    # --- framework layouts: PyTorch rows (Keras columns) stacked i, f, g(=c), o (FRAMEWORK_ORDER)

    @classmethod
    def from_torch(cls, weight_ih, weight_hh, bias_ih, bias_hh, order="xh"):
        """From nn.LSTMCell / nn.LSTM layer-0 arrays: weight_ih (4n, m), weight_hh (4n, n), two
        biases (4n,)."""
        W_ih, W_hh = as_array("weight_ih", weight_ih, 2), as_array("weight_hh", weight_hh, 2)
        b_ih, b_hh = as_array("bias_ih", bias_ih), as_array("bias_hh", bias_hh)
        if W_hh.shape[0] % 4 or W_hh.shape != (W_hh.shape[0], W_hh.shape[0] // 4):
            raise ValueError(
                f"weight_hh has shape {W_hh.shape} but must be (4n, n): four gates' rows "
                "stacked (i, f, g, o), each seeing h_(t-1) of size n"
            )
        n = W_hh.shape[1]
        if W_ih.ndim != 2 or W_ih.shape[0] != 4 * n:
            raise ValueError(
                f"weight_ih has shape {W_ih.shape} but must be (4n, m) = ({4 * n}, m): "
                f"the same four gates' rows as weight_hh {W_hh.shape}"
            )
        for name, b in (("bias_ih", b_ih), ("bias_hh", b_hh)):
            check_len(name, b, 4 * n, "one bias per row of the four stacked gates (i, f, g, o)")
        kw = {}
        for k, g in enumerate(FRAMEWORK_ORDER):
            r = slice(k * n, (k + 1) * n)
            kw[f"W_{g}"] = concat_cols(W_ih[r], W_hh[r], order)  # (n, m+n)
            kw[f"b_{g}"] = b_ih[r] + b_hh[r]  # (n,)
        return cls(**kw, order=order)

    def to_torch(self):
        """{'weight_ih': (4n, m), 'weight_hh': (4n, n), 'bias_ih': (4n,), 'bias_hh': zeros
        (4n,)}."""
        self._standard_only("PyTorch's nn.LSTM")
        Wx, Wh = zip(*(self.blocks(g) for g in FRAMEWORK_ORDER), strict=True)
        b = np.concatenate([getattr(self, f"b_{g}") for g in FRAMEWORK_ORDER])
        return {
            "weight_ih": np.vstack(Wx),
            "weight_hh": np.vstack(Wh),
            "bias_ih": b,
            "bias_hh": np.zeros_like(b),
        }

    @classmethod
    def from_keras(cls, kernel, recurrent_kernel, bias, order="xh"):
        """From Keras LSTM weights: kernel (m, 4n), recurrent_kernel (n, 4n), bias (4n,), columns
        i, f, c, o."""
        K, R = as_array("kernel", kernel, 2), as_array("recurrent_kernel", recurrent_kernel, 2)
        if R.shape != (R.shape[0], 4 * R.shape[0]):
            raise ValueError(
                f"recurrent_kernel has shape {R.shape} but must be (n, 4n): four gates' "
                "columns side by side (i, f, c, o), each fed by h_(t-1) of size n"
            )
        n = R.shape[0]
        if K.shape[1] != 4 * n:
            raise ValueError(
                f"kernel has shape {K.shape} but must be (m, 4n) = (m, {4 * n}), "
                f"like recurrent_kernel {R.shape}"
            )
        return cls.from_torch(K.T, R.T, as_array("bias", bias), np.zeros(4 * n), order)

    def to_keras(self):
        """{'kernel': (m, 4n), 'recurrent_kernel': (n, 4n), 'bias': (4n,)}."""
        d = self.to_torch()
        return {
            "kernel": d["weight_ih"].T,
            "recurrent_kernel": d["weight_hh"].T,
            "bias": d["bias_ih"],
        }


# ---------------------------------------------------------------- one step, a sequence


@dataclass(frozen=True)
class Step:
    """Every quantity of one LSTM step; all (n,) except concat (m+n,) and x_t (m,)."""

    x_t: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    concat: np.ndarray
    z_f: np.ndarray
    z_i: np.ndarray
    z_c: np.ndarray
    z_o: np.ndarray
    f: np.ndarray
    i: np.ndarray
    c_tilde: np.ndarray
    c: np.ndarray
    o: np.ndarray
    tanh_c: np.ndarray
    h: np.ndarray


def check_state(x_t, h_prev, c_prev, params):
    """x_t (m,), h_prev (n,), c_prev (n,) as float arrays, or a clear error naming the rule."""
    m, n = check_params(params, LSTMParams).m, params.n
    x_t = check_len(
        "x_t",
        as_array("x_t", x_t),
        m,
        f"these weights expect m = {m} inputs (each W is (n, m+n) = ({n}, {m + n}))",
    )
    h_prev = check_len(
        "h_prev",
        as_array("h_prev", h_prev),
        n,
        f"h_(t-1) is the previous step's h_t, one entry per cell unit; {CELL_RULE}",
    )
    c_prev = check_len(
        "c_prev", as_array("c_prev", c_prev), n, f"one cell state per cell unit; {CELL_RULE}"
    )
    return x_t, h_prev, c_prev


def lstm_step(x_t, h_prev, c_prev, params):
    """One LSTM step; returns a Step with every intermediate quantity (equations in the module
    docstring)."""
    x_t, h_prev, c_prev = check_state(x_t, h_prev, c_prev, params)
    return _lstm_step(x_t, h_prev, c_prev, params)


def _lstm_step(x_t, h_prev, c_prev, p):
    """lstm_step on inputs already checked."""
    v = concat(x_t, h_prev, p.order)  # (m+n,)
    with np.errstate(all="ignore"):
        z_f = p.W_f @ v + p.b_f  # (n,)
        if p.p_f is not None:
            z_f = p.W_f @ v + p.p_f * c_prev + p.b_f  # (n,) the forget gate sees C_{t-1}
        z_f = finite("z_f", z_f)
        if p.coupled:
            z_i = -z_f  # (n,) i_t = 1 − f_t = σ(−z_f)
        elif p.p_i is not None:
            z_i = finite("z_i", p.W_i @ v + p.p_i * c_prev + p.b_i)  # (n,)
        else:
            z_i = finite("z_i", p.W_i @ v + p.b_i)  # (n,)
        z_c = finite("z_c", p.W_c @ v + p.b_c)  # (n,)
    f, c_tilde = sigmoid(z_f), tanh(z_c)  # (n,) each
    i = 1.0 - f if p.coupled else sigmoid(z_i)  # (n,)
    with np.errstate(all="ignore"):
        c = finite("C_t", f * c_prev + i * c_tilde)  # (n,)
        z_o = p.W_o @ v + p.b_o  # (n,)
        if p.p_o is not None:
            z_o = p.W_o @ v + p.p_o * c + p.b_o  # (n,) the output gate sees the new C_t
        z_o = finite("z_o", z_o)
    o = sigmoid(z_o)  # (n,)
    tanh_c = tanh(c)  # (n,)
    h = o * tanh_c  # (n,)
    return Step(x_t, h_prev, c_prev, v, z_f, z_i, z_c, z_o, f, i, c_tilde, c, o, tanh_c, h)


def lstm_forward(xs, h0, c0, params):
    """Run T steps over xs (T, m) from h0, c0 (n,); returns the list of T Steps."""
    n = check_params(params, LSTMParams).n
    h = check_len("h0", as_array("h0", h0), n, "the initial hidden state has one entry per unit")
    c = check_len("c0", as_array("c0", c0), n, "the initial cell state has one entry per unit")
    xs = check_xs(xs, params.m)
    steps = []
    for x_t in xs:  # checked above as a whole; each h, c is the step's own output
        s = _lstm_step(x_t, h, c, params)
        steps.append(s)
        h, c = s.h, s.c
    return steps


# ---------------------------------------------------------------- backward


@dataclass(frozen=True, kw_only=True)
class Grads:
    """Weight gradients, named like LSTMParams with a d in front: dW_g (n, m+n), db_g (n,), dp_g
    (n,); None for an array the cell does not have (dW_i of a coupled cell, dp_f without
    peepholes)."""

    dW_f: np.ndarray
    db_f: np.ndarray
    dW_i: np.ndarray = None
    db_i: np.ndarray = None
    dW_c: np.ndarray
    db_c: np.ndarray
    dW_o: np.ndarray
    db_o: np.ndarray
    dp_f: np.ndarray = None
    dp_i: np.ndarray = None
    dp_o: np.ndarray = None

    def as_params(self, order="xh"):
        """The gradients laid out as LSTMParams (e.g. to compare with PyTorch through to_torch)."""
        kw = {}
        for f in fields(Grads):
            grad = getattr(self, f.name)
            if grad is not None:
                kw[f.name[1:]] = grad  # dW_f -> W_f
        coupled = self.dW_i is None
        if coupled:
            kw["W_i"] = kw["b_i"] = None
        return LSTMParams(**kw, order=order, coupled=coupled)


@dataclass(frozen=True, kw_only=True)
class StepGrads(Grads):
    """Gradients of one step: the weights', dx (m,), dh_prev (n,), dc_prev (n,), and every inner
    one, named "d" + the Step field it belongs to, each ∂L/∂(that quantity): dconcat (m+n,), dz_f,
    dz_i, dz_c, dz_o, df, di, dc_tilde, dc, do, dtanh_c, dh (n,). dh is the gradient given; dc the
    total at C_t (the one given, the path through h_t and, with peepholes, through o_t); a coupled
    cell has dz_i = None, and its df is the total ∂L/∂f_t (through i_t = 1 − f_t as well)."""

    dx: np.ndarray
    dh_prev: np.ndarray
    dc_prev: np.ndarray
    dconcat: np.ndarray = None
    dz_f: np.ndarray = None
    dz_i: np.ndarray = None
    dz_c: np.ndarray = None
    dz_o: np.ndarray = None
    df: np.ndarray = None
    di: np.ndarray = None
    dc_tilde: np.ndarray = None
    dc: np.ndarray = None
    do: np.ndarray = None
    dtanh_c: np.ndarray = None
    dh: np.ndarray = None


def lstm_step_backward(step, params, dh, dc):
    """Gradients of one step, given dh = ∂L/∂h_t and dc = ∂L/∂C_t arriving from later."""
    s, p = check_step(step, check_params(params, LSTMParams), Step), params
    dh = check_len("dh", as_array("dh", dh), p.n, "one gradient per entry of h_t")
    dc = check_len("dc", as_array("dc", dc), p.n, "one gradient per entry of C_t")
    with np.errstate(all="ignore"):
        g = _lstm_step_backward(s, p, dh, dc)
    for f in fields(g):
        a = getattr(g, f.name)
        if a is not None:
            finite_grads(a)
    return g


def _lstm_step_backward(s, p, dh, dc_given):
    """The forward stages in reverse, each gradient named after its quantity."""
    # h_t = o_t ∘ tanh(C_t)
    do = dh * s.tanh_c  # (n,)
    dtanh_c = dh * s.o  # (n,)
    dz_o = do * s.o * (1 - s.o)  # (n,) σ' = o(1 − o)
    # C_t reaches the loss as given, through h_t, and (peephole) through o_t
    dc = dc_given + dtanh_c * (1.0 - s.tanh_c**2)  # (n,) tanh' = 1 − tanh²
    if p.p_o is not None:
        dc = dc + dz_o * p.p_o  # (n,)
    # C_t = f_t ∘ C_{t-1} + i_t ∘ C̃_t
    dc_tilde = dc * s.i  # (n,)
    di = dc * s.c_tilde  # (n,)
    df = dc * s.c_prev  # (n,)
    dz_c = dc_tilde * (1 - s.c_tilde**2)  # (n,)
    dz_i = None
    if p.coupled:  # i_t = 1 − f_t: f_t reaches C_t twice, as f_t∘C_{t-1} and as (1 − f_t)∘C̃_t
        df = df - di  # (n,)
    else:
        dz_i = di * s.i * (1 - s.i)  # (n,)
    dz_f = df * s.f * (1 - s.f)  # (n,)
    dz = {"f": dz_f, "i": dz_i, "c": dz_c, "o": dz_o}
    # every gate's pre-activation W_g v + b_g: back to v = [x_t, h_{t-1}] and to the weights
    dconcat = sum(getattr(p, f"W_{g}").T @ dz[g] for g in p.gates())  # (m+n,)
    dx, dh_prev = split(dconcat, p.m, p.order)  # (m,), (n,)
    dc_prev = dc * s.f  # (n,) ∂C_t/∂C_{t-1} = diag(f_t) along the cell path
    weights = {}
    for g in p.gates():
        weights[f"dW_{g}"] = np.outer(dz[g], s.concat)  # (n, m+n)
        weights[f"db_{g}"] = dz[g]  # (n,)
    for name in p.peepholes:
        g = name[-1]
        weights[f"d{name}"] = dz[g] * (s.c if g == "o" else s.c_prev)  # (n,)
        if g != "o":
            dc_prev = dc_prev + dz[g] * getattr(p, name)  # (n,) the peephole path into C_{t-1}
    inner = {
        "dconcat": dconcat,
        "dz_f": dz_f,
        "dz_i": dz_i,
        "dz_c": dz_c,
        "dz_o": dz_o,
        "df": df,
        "di": di,
        "dc_tilde": dc_tilde,
        "dc": dc,
        "do": do,
        "dtanh_c": dtanh_c,
        "dh": dh,
    }
    return StepGrads(**weights, dx=dx, dh_prev=dh_prev, dc_prev=dc_prev, **inner)


@dataclass(frozen=True, kw_only=True)
class SeqGrads(Grads):
    """BPTT result: the weights' gradients summed over time, per-step grads, dxs (T, m), dh0, dc0
    (n,)."""

    steps: list
    dxs: np.ndarray
    dh0: np.ndarray
    dc0: np.ndarray


def lstm_backward(steps, params, dhs, dc_T=None):
    """Backpropagation through time: dhs (T, n) are ∂L/∂h_t from outside, dc_T = ∂L/∂C_T (zeros if
    None)."""
    T, n = check_steps(steps, check_params(params, LSTMParams), Step), params.n
    dhs = as_array("dhs", dhs, 2)
    if dhs.shape != (T, n):
        raise ValueError(
            f"dhs has shape {dhs.shape} but must be (T, n) = ({T}, {n}): one ∂L/∂h_t per step"
        )
    dc = (
        np.zeros(n)
        if dc_T is None
        else check_len("dc_T", as_array("dc_T", dc_T), n, "∂L/∂C_T has one entry per cell unit")
    )
    dh = np.zeros(n)
    grads = []
    # the steps were checked once above; an overflow anywhere inside a step reaches dh_prev,
    # dc_prev, dx or a weight's gradient, all checked below
    with np.errstate(all="ignore"):
        for t in reversed(range(T)):
            arriving = finite_grads(dhs[t] + dh)  # (n,)
            g = _lstm_step_backward(steps[t], params, arriving, dc)
            grads.append(g)
            dh, dc = finite_grads(g.dh_prev), finite_grads(g.dc_prev)  # (n,) each
        grads.reverse()
        total = {}
        for k in params.names():
            total["d" + k] = finite_grads(sum(getattr(g, "d" + k) for g in grads))
    dxs = finite_grads(np.array([g.dx for g in grads]))  # (T, m)
    return SeqGrads(**total, steps=grads, dxs=dxs, dh0=dh, dc0=dc)


# ---------------------------------------------------------------- the quantities of a step


def _lstm_gate(g, field, text, symbol, latex, what, activation, peepholes=frozenset()):
    """A gate's pre-activation and activation, as two rows; peepholes: the cell's (p_f, …), so
    that a gate with one says which cell state it reads (PEEPHOLE_SEES)."""
    sees = PEEPHOLE_SEES[f"p_{g}"] if f"p_{g}" in peepholes else None
    peep = f" + p_{g} \\circ {STATE_LATEX[sees]}" if sees else ""
    fn = r"\sigma" if activation == "sigmoid" else r"\tanh"
    return (
        Quantity(
            f"z_{g}",
            f"z_{g}",
            f"$z_{g}$",
            f"z_{g}",
            f"W_{g} v{peep} + b_{g}",
            f"{what} pre-activation",
            kind="pre",
        ),
        Quantity(
            field,
            text,
            symbol,
            latex,
            f"{fn}(z_{g})",
            what,
            kind="gate",
            pre=f"z_{g}",
            activation=activation,
            weights=f"W_{g}",
            peephole=f"p_{g}" if sees else None,
            sees=sees,
        ),
    )


def lstm_quantities(params=None):
    """Every quantity of an LSTM step, in the order it is computed, for this cell's variant."""
    peep = set(params.peepholes) if params is not None else set()
    coupled = params is not None and params.coupled
    rows = [
        *INPUTS,
        Quantity(
            "c_prev",
            "C_(t-1)",
            "$C_{t-1}$",
            "C_{t-1}",
            "C_{t-1}",
            "previous cell state",
            kind="input",
        ),
        CONCAT,
    ]
    rows += _lstm_gate(
        "f",
        "f",
        "f_t",
        "$f_t$",
        "f_t",
        "forget gate",
        "sigmoid",
        peep,
    )
    if coupled:
        rows += [
            Quantity(
                "z_i", "z_i", "$z_i$", "z_i", "-z_f", "input pre-activation (coupled)", kind="pre"
            ),
            Quantity(
                "i",
                "i_t",
                "$i_t$",
                "i_t",
                "1 - f_t",
                "input gate (coupled: 1 − f_t)",
                kind="gate",
                pre="z_i",
                activation="sigmoid",
            ),
        ]
    else:
        rows += _lstm_gate(
            "i",
            "i",
            "i_t",
            "$i_t$",
            "i_t",
            "input gate",
            "sigmoid",
            peep,
        )
    rows += _lstm_gate("c", "c_tilde", "C̃_t", r"$\tilde{C}_t$", r"\tilde{C}_t", "candidate", "tanh")
    rows.append(
        Quantity(
            "c",
            "C_t",
            "$C_t$",
            "C_t",
            r"f_t \circ C_{t-1} + i_t \circ \tilde{C}_t",
            "cell state",
            kind="state",
        )
    )
    rows += _lstm_gate("o", "o", "o_t", "$o_t$", "o_t", "output gate", "sigmoid", peep)
    rows += [
        Quantity(
            "tanh_c",
            "tanh(C_t)",
            r"$\tanh(C_t)$",
            r"\tanh(C_t)",
            r"\tanh(C_t)",
            "squashed cell state",
        ),
        Quantity("h", "h_t", "$h_t$", "h_t", r"o_t \circ \tanh(C_t)", "hidden state", kind="state"),
    ]
    return tuple(rows)


def param_count(m, n, two_biases=False):
    """4n(m+n) weights + 4n biases (8n with PyTorch's two biases)."""
    return 4 * n * (m + n) + (8 if two_biases else 4) * n


# ---------------------------------------------------------------- the backward pass, as data
# Each gradient as the chain rule writes it (factors from the step, the gradients found before it,
# the weights and the gradients handed in), stage by stage from h_t back to h_(t-1) and C_(t-1).
# tests/test_backward_view.py checks this table against lstm_step_backward, which PyTorch checks.


def _from_v(part):
    """The x_t or h_(t-1) part of ∂L/∂v = Σ_g W_gᵀ dz_g."""
    index = {"x": 0, "h": 1}[part]
    return FromGrads(("dconcat",), lambda g, p: split(g.dconcat, p.m, p.order)[index])


MINUS_ONE = ("(−1)", lambda s, g, p, d: -1.0)


def lstm_backward_stages(params):
    """The backward stages of this LSTM kind (peepholes and coupling add their terms)."""
    p = params
    dc_terms = [
        (("∂L/∂C_t (given)", read("d", "dc")),),
        (("∂L/∂tanh(C_t)", read("g", "dtanh_c")), ("tanh'", dtanh("tanh_c"))),
    ]
    if p.p_o is not None:
        dc_terms.append((("∂L/∂z_o", read("g", "dz_o")), ("p_o", read("p", "p_o"))))
    df_terms = [(("∂L/∂C_t", read("g", "dc")), ("C_(t-1)", read("s", "c_prev")))]
    if p.coupled:  # i_t = 1 − f_t: f_t reaches C_t through i_t too
        df_terms.append((MINUS_ONE, ("∂L/∂i_t", read("g", "di"))))
    gate_chains = [
        Chain("df", "∂L/∂f_t", tuple(df_terms)),
        Chain("di", "∂L/∂i_t", ((("∂L/∂C_t", read("g", "dc")), ("C̃_t", read("s", "c_tilde"))),)),
        Chain("dc_tilde", "∂L/∂C̃_t", ((("∂L/∂C_t", read("g", "dc")), ("i_t", read("s", "i"))),)),
    ]
    pre = [Chain("dz_f", "∂L/∂z_f", ((("∂L/∂f_t", read("g", "df")), ("σ'", dsigma("f"))),))]
    if not p.coupled:
        pre.append(Chain("dz_i", "∂L/∂z_i", ((("∂L/∂i_t", read("g", "di")), ("σ'", dsigma("i"))),)))
    pre += [
        Chain(
            "dz_c", "∂L/∂z_c", ((("∂L/∂C̃_t", read("g", "dc_tilde")), ("tanh'", dtanh("c_tilde"))),)
        ),
        Chain("dz_o", "∂L/∂z_o", ((("∂L/∂o_t", read("g", "do")), ("σ'", dsigma("o"))),)),
    ]
    dc_prev_terms = [(("∂L/∂C_t", read("g", "dc")), ("f_t", read("s", "f")))]
    for name in ("p_f", "p_i"):
        if getattr(p, name) is not None:
            gate = name[-1]
            dc_prev_terms.append(
                ((f"∂L/∂z_{gate}", read("g", f"dz_{gate}")), (name, read("p", name)))
            )
    return (
        BackwardStage(
            "∂L/∂h_t, given (by the loss and, through time, step t + 1)",
            6,
            (Chain("dh", "∂L/∂h_t", ((("from the loss", read("d", "dh")),),)),),
        ),
        BackwardStage(
            "o_t and tanh(C_t)",
            6,
            (
                Chain(
                    "do",
                    "∂L/∂o_t",
                    ((("∂L/∂h_t", read("g", "dh")), ("tanh(C_t)", read("s", "tanh_c"))),),
                ),
                Chain(
                    "dtanh_c",
                    "∂L/∂tanh(C_t)",
                    ((("∂L/∂h_t", read("g", "dh")), ("o_t", read("s", "o"))),),
                ),
            ),
        ),
        BackwardStage("C_t (its total gradient)", 4, (Chain("dc", "∂L/∂C_t", tuple(dc_terms)),)),
        BackwardStage("f_t, i_t, C̃_t", 4, tuple(gate_chains)),
        BackwardStage("pre-activations", 1, tuple(pre)),
        BackwardStage(
            "weights and v", 0, (), tuple((f"W_{g}", f"dz_{g}", "concat") for g in p.gates())
        ),
        BackwardStage(
            "h_(t-1), C_(t-1) and x_t",
            0,
            (
                Chain("dh_prev", "∂L/∂h_(t-1)", ((("[Σ W_gᵀ dz_g]_h", _from_v("h")),),)),
                Chain("dx", "∂L/∂x_t", ((("[Σ W_gᵀ dz_g]_x", _from_v("x")),),)),
                Chain("dc_prev", "∂L/∂C_(t-1)", tuple(dc_prev_terms)),
            ),
        ),
    )
