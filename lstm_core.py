"""One LSTM cell in numpy: every intermediate quantity, its shape, and its gradient.

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
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

GATES = ("f", "i", "c", "o")  # the weight names: W_f, W_i, W_c (the candidate C̃_t), W_o
PEEPHOLES = ("p_f", "p_i", "p_o")
ORDERS = ("xh", "hx")
_CELL_RULE = ("the number of cell units must equal the hidden size n, because "
              "h_t = o_t ∘ tanh(C_t) has one entry per cell unit and is fed back as h_{t-1}")

# ---------------------------------------------------------------- activations

def sigmoid(z):
    """σ(z) = 1 / (1 + e^-z), elementwise, without overflow for any finite z."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))  # never overflows: exponent <= 0
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))

def tanh(z):
    """tanh(z), elementwise."""
    return np.tanh(np.asarray(z, dtype=np.float64))

def sigmoid_prime(z):
    """σ'(z) = σ(z)(1 − σ(z)) = e^-|z| / (1 + e^-|z|)²; at most 0.25, at z = 0; tiny, not 0, when saturated."""
    e = np.exp(-np.abs(np.asarray(z, dtype=np.float64)))
    return e / (1.0 + e) ** 2

def tanh_prime(z):
    """tanh'(z) = 1 − tanh²(z) = 4e^-2|z| / (1 + e^-2|z|)²; at most 1, at z = 0."""
    e = np.exp(-np.abs(np.asarray(z, dtype=np.float64)))
    e = e * e  # e^-2|z|, without overflowing 2|z|
    return 4.0 * e / (1.0 + e) ** 2

def relu(z):
    """max(0, z), elementwise (for comparison only; the LSTM does not use it)."""
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)

def relu_prime(z):
    """1 where z > 0, else 0."""
    return (np.asarray(z, dtype=np.float64) > 0).astype(np.float64)

# ---------------------------------------------------------------- checking inputs

def _not_numbers(name, value, raw):
    """The clearest reason why value is not an array of real numbers."""
    kinds = {"U": "text", "S": "text", "b": "True/False", "c": "complex numbers"}
    what = kinds.get(raw.dtype.kind)
    if raw.dtype.kind == "O":
        items = [a for a in raw.ravel() if a is not None]
        if any(isinstance(a, complex) for a in items):
            what = "complex numbers"
        elif any(isinstance(a, int) and abs(a) >= 2 ** 63 for a in items):
            return ValueError(f"{name} has an integer too large for 64 bits: {value!r:.60}; "
                              "keep entries well below 1e150")
    what = what or "entries that are not numbers"
    return TypeError(f"{name} must contain only real numbers, got {what}: {value!r:.60}")

def as_array(name, value, ndim=1):
    """value as a finite float64 array; a (k, 1) column becomes (k,); clear errors otherwise."""
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be numbers, got {type(value).__name__} {value!r:.40}")
    if np.ma.isMaskedArray(value):
        raise TypeError(f"{name} is a masked array: fill the masked entries first "
                        f"(for example {name}.filled(0.0)) so that every entry is a number")
    try:
        raw = np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} has rows of different lengths; "
                         "it must be a rectangular array") from None
    if raw.dtype.kind not in "iuf":
        raise _not_numbers(name, value, raw)
    a = raw.astype(np.float64)
    if ndim == 1 and a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]  # the question writes vectors as columns
    if a.ndim != ndim:
        want = "a vector (k,) or a column (k, 1)" if ndim == 1 else f"a {ndim}-D array"
        raise ValueError(f"{name} must be {want}, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        where = np.argwhere(~np.isfinite(a))[0].tolist()
        raise ValueError(f"{name} contains NaN or infinity at {where}; "
                         "every entry must be a finite number")
    return a

def as_whole(name, value, least, why):
    """A whole number ≥ least (True/False and 2.5 refused), or a clear error saying why."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number ≥ {least}, got {type(value).__name__} {value!r:.40}")
    if value < least:
        raise ValueError(f"{name} must be ≥ {least}, got {value}: {why}")
    return int(value)

def as_size(name, value):
    """A size such as m or n: a whole number ≥ 1."""
    return as_whole(name, value, 1, "a cell needs at least one input and one unit")

def as_seed(value):
    """A random seed: a whole number ≥ 0."""
    return as_whole("seed", value, 0, "numpy's generator takes non-negative seeds")

def as_number(name, value, positive=False):
    """One finite real number (positive if asked)."""
    a = as_array(name, [value])[0] if not isinstance(value, (list, tuple, np.ndarray)) else None
    if a is None:
        raise TypeError(f"{name} must be one number, got {type(value).__name__}")
    if positive and a <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return float(a)

def _finite(name, a):
    """a, or a clear error if arithmetic on huge inputs overflowed."""
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} overflowed to infinity: the inputs or weights are too large "
                         "(keep them well below 1e150)")
    return a

def _check_len(name, a, n, rule):
    if a.shape != (n,):
        raise ValueError(f"{name} has shape {a.shape} but must be ({n},): {rule}")
    return a

def _check_sizes(x_t, h_prev):
    """m = len(x_t), n = len(h_prev), both ≥ 1."""
    for name, a in (("x_t", x_t), ("h_prev", h_prev)):
        if len(a) < 1:
            raise ValueError(f"{name} is empty but must have at least one entry: m, n ≥ 1")
    return len(x_t), len(h_prev)

def _check_W(name, W, m, n):
    if W.shape != (n, m + n):
        raise ValueError(f"{name} has shape {W.shape} but must be ({n}, {m + n}) = (n, m+n) with m = {m}, n = {n}: "
                         f"each row of {name} sees the whole [x_t, h_{{t-1}}] of length m+n = {m}+{n} = {m + n}"
                         + (f"; and {W.shape[0]} rows ≠ n = {n}: {_CELL_RULE}" if W.shape[0] != n else ""))
    return W

def concat(x_t, h_prev, order="xh"):
    """v = [x_t, h_{t-1}] ("xh") or [h_{t-1}, x_t] ("hx")  # (m+n,)"""
    if order not in ORDERS:
        raise ValueError(f"order must be 'xh' ([x_t, h_(t-1)]) or 'hx' ([h_(t-1), x_t]), got {order!r}")
    return np.concatenate([x_t, h_prev] if order == "xh" else [h_prev, x_t])

def split(v, m, order="xh"):
    """Inverse of concat: (x part, h part) of a length m+n vector."""
    n = len(v) - m
    return (v[:m], v[m:]) if order == "xh" else (v[n:], v[:n])

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
    m, n = _check_sizes(x_t, h_prev)
    W_f = _check_W("W_f", as_array("W_f", W_f, 2), m, n)
    b_f = _check_len("b_f", as_array("b_f", b_f), n, f"one bias per row of W_f; {_CELL_RULE}")
    v = concat(x_t, h_prev, order)  # (m+n,)
    with np.errstate(all="ignore"):
        z = _finite("z_f", W_f @ v + b_f)  # (n,)
    return Gate(v, z, sigmoid(z))

# ---------------------------------------------------------------- parameters

@dataclass(frozen=True, eq=False)
class LSTMParams:
    """The gates' weights (n, m+n) and biases (n,), checked on construction.

    Variants through the same class: peephole vectors p_f, p_i, p_o of shape (n,) (Gers & Schmidhuber
    2000, as Graves 2013 writes them: the gates also see C_{t-1}, the output gate the new C_t), and
    coupled=True (CIFG, Greff et al. 2017): no W_i, b_i; the input gate is i_t = 1 − f_t.
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
            raise ValueError(f"W_f has shape {W_f.shape} but must be (n, m+n) with m, n ≥ 1: each row sees "
                             "the whole [x_t, h_{t-1}], so it has more columns than rows "
                             "(for m = n = 3 that is (3, 6), not (3, 3))")
        if self.coupled:
            for name in ("W_i", "b_i", "p_i"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} must be None when coupled=True: a coupled cell has no input "
                                     "gate weights of its own, its input gate is i_t = 1 − f_t")
        for g in self.gates():
            W = _check_W(f"W_{g}", as_array(f"W_{g}", getattr(self, f"W_{g}"), 2), m, n)
            b = _check_len(f"b_{g}", as_array(f"b_{g}", getattr(self, f"b_{g}")), n,
                           f"one bias per cell unit; {_CELL_RULE}")
            self._own(f"W_{g}", W)
            self._own(f"b_{g}", b)
        for name in PEEPHOLES:
            if getattr(self, name) is not None:
                p = as_array(name, getattr(self, name))
                self._own(name, _check_len(name, p, n, "a diagonal peephole: one weight per cell unit, "
                                           f"multiplying that unit's cell state ({name}∘C)"))

    def _own(self, name, a):
        a.flags.writeable = False  # our own copy, never changed in place
        object.__setattr__(self, name, a)

    def gates(self):
        """The gates that have weights of their own: ('f', 'i', 'c', 'o'), or ('f', 'c', 'o') if coupled."""
        return tuple(g for g in GATES if not (self.coupled and g == "i"))

    @property
    def peepholes(self):
        """The peephole vectors present: a tuple of names among 'p_f', 'p_i', 'p_o'."""
        return tuple(name for name in PEEPHOLES if getattr(self, name) is not None)

    @property
    def variant(self):
        """'standard', 'peephole', 'coupled' or 'coupled peephole'."""
        words = (["coupled"] if self.coupled else []) + (["peephole"] if self.peepholes else [])
        return " ".join(words) or "standard"

    @property
    def n(self):
        """Hidden size = number of cell units."""
        return self.W_f.shape[0]

    @property
    def m(self):
        """Input size."""
        return self.W_f.shape[1] - self.n

    def __eq__(self, other):
        return (isinstance(other, LSTMParams) and self.order == other.order
                and self.coupled == other.coupled and self.names() == other.names()
                and all(np.array_equal(getattr(self, k), getattr(other, k)) for k in self.names()))

    def names(self):
        """The arrays this cell has: ('W_f', 'b_f', ..., 'W_o', 'b_o') and any peepholes."""
        return tuple(f"{k}_{g}" for g in self.gates() for k in "Wb") + self.peepholes

    def count(self):
        """How many numbers the cell learns: 4n(m+n) + 4n standard, 3n(m+n) + 3n coupled, + n a peephole."""
        return sum(getattr(self, k).size for k in self.names())

    def replace(self, **changes):
        """A new, checked LSTMParams with some fields changed."""
        return replace(self, **changes)

    @classmethod
    def random(cls, m, n, seed=0, scale=None, order="xh", forget_bias=0.0, peephole=False, coupled=False):
        """Weights ~ U(−s, s) with s = 1/√n (PyTorch's default), biases likewise, b_f shifted by forget_bias;
        peephole=True adds p_f, p_i, p_o (p_i only if not coupled) drawn the same way."""
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
        """Every weight matrix times s (biases and peepholes kept): small s pulls the pre-activations to 0."""
        return replace(self, **{f"W_{g}": s * getattr(self, f"W_{g}") for g in self.gates()})

    def with_order(self, order):
        """The same cell for the other concatenation order: each W's column blocks swapped."""
        return replace(self, order=order,
                       **{f"W_{g}": concat_cols(*self.blocks(g), order) for g in self.gates()})

    def blocks(self, g):
        """(W_x, W_h): the columns of W_g that meet x_t (n, m) and h_{t-1} (n, n)."""
        W_x, W_h = split(getattr(self, f"W_{g}").T, self.m, self.order)
        return W_x.T, W_h.T

    def _standard_only(self, what):
        if self.variant != "standard":
            raise ValueError(f"{what} holds only the standard LSTM; this cell is {self.variant} "
                             "(PyTorch and Keras have no peephole or coupled LSTM)")

    # --- framework layouts: PyTorch rows (and Keras columns) are stacked i, f, g(=c), o

    @classmethod
    def from_torch(cls, weight_ih, weight_hh, bias_ih, bias_hh, order="xh"):
        """From nn.LSTMCell / nn.LSTM layer-0 arrays: weight_ih (4n, m), weight_hh (4n, n), two biases (4n,)."""
        W_ih, W_hh = as_array("weight_ih", weight_ih, 2), as_array("weight_hh", weight_hh, 2)
        b_ih, b_hh = as_array("bias_ih", bias_ih), as_array("bias_hh", bias_hh)
        if W_hh.shape[0] % 4 or W_hh.shape != (W_hh.shape[0], W_hh.shape[0] // 4):
            raise ValueError(f"weight_hh has shape {W_hh.shape} but must be (4n, n): four gates' rows "
                             "stacked (i, f, g, o), each seeing h_(t-1) of size n")
        n = W_hh.shape[1]
        if W_ih.ndim != 2 or W_ih.shape[0] != 4 * n:
            raise ValueError(f"weight_ih has shape {W_ih.shape} but must be (4n, m) = ({4 * n}, m): "
                             f"the same four gates' rows as weight_hh {W_hh.shape}")
        for name, b in (("bias_ih", b_ih), ("bias_hh", b_hh)):
            _check_len(name, b, 4 * n, "one bias per row of the four stacked gates (i, f, g, o)")
        kw = {}
        for k, g in enumerate(("i", "f", "c", "o")):
            r = slice(k * n, (k + 1) * n)
            kw[f"W_{g}"] = concat_cols(W_ih[r], W_hh[r], order)  # (n, m+n)
            kw[f"b_{g}"] = b_ih[r] + b_hh[r]  # (n,)
        return cls(**kw, order=order)

    def to_torch(self):
        """{'weight_ih': (4n, m), 'weight_hh': (4n, n), 'bias_ih': (4n,), 'bias_hh': zeros (4n,)}."""
        self._standard_only("PyTorch's nn.LSTM")
        Wx, Wh = zip(*(self.blocks(g) for g in ("i", "f", "c", "o")))
        b = np.concatenate([getattr(self, f"b_{g}") for g in ("i", "f", "c", "o")])
        return {"weight_ih": np.vstack(Wx), "weight_hh": np.vstack(Wh), "bias_ih": b,
                "bias_hh": np.zeros_like(b)}

    @classmethod
    def from_keras(cls, kernel, recurrent_kernel, bias, order="xh"):
        """From Keras LSTM weights: kernel (m, 4n), recurrent_kernel (n, 4n), bias (4n,), columns i, f, c, o."""
        K, R = as_array("kernel", kernel, 2), as_array("recurrent_kernel", recurrent_kernel, 2)
        if R.shape != (R.shape[0], 4 * R.shape[0]):
            raise ValueError(f"recurrent_kernel has shape {R.shape} but must be (n, 4n): four gates' "
                             "columns side by side (i, f, c, o), each fed by h_(t-1) of size n")
        n = R.shape[0]
        if K.shape[1] != 4 * n:
            raise ValueError(f"kernel has shape {K.shape} but must be (m, 4n) = (m, {4 * n}), "
                             f"like recurrent_kernel {R.shape}")
        return cls.from_torch(K.T, R.T, as_array("bias", bias), np.zeros(4 * n), order)

    def to_keras(self):
        """{'kernel': (m, 4n), 'recurrent_kernel': (n, 4n), 'bias': (4n,)}."""
        d = self.to_torch()
        return {"kernel": d["weight_ih"].T, "recurrent_kernel": d["weight_hh"].T, "bias": d["bias_ih"]}

def concat_cols(W_x, W_h, order="xh"):
    """Weights for v from the blocks that meet x_t (n, m) and h_{t-1} (n, n)  # (n, m+n)"""
    return np.hstack([W_x, W_h] if order == "xh" else [W_h, W_x])

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

def check_params(params, cls=None):
    """params, or a TypeError naming it."""
    cls = cls or LSTMParams
    if not isinstance(params, cls):
        raise TypeError(f"params must be {cls.__name__} (for example {cls.__name__}.random(m, n)), "
                        f"got {type(params).__name__}")
    return params

def check_state(x_t, h_prev, c_prev, params):
    """x_t (m,), h_prev (n,), c_prev (n,) as float arrays, or a clear error naming the rule."""
    m, n = check_params(params).m, params.n
    x_t = _check_len("x_t", as_array("x_t", x_t), m,
                     f"these weights expect m = {m} inputs (each W is (n, m+n) = ({n}, {m + n}))")
    h_prev = _check_len("h_prev", as_array("h_prev", h_prev), n,
                        f"h_(t-1) is the previous step's h_t, one entry per cell unit; {_CELL_RULE}")
    c_prev = _check_len("c_prev", as_array("c_prev", c_prev), n, f"one cell state per cell unit; {_CELL_RULE}")
    return x_t, h_prev, c_prev

def lstm_step(x_t, h_prev, c_prev, params):
    """One LSTM step; returns a Step with every intermediate quantity (equations in the module docstring)."""
    x_t, h_prev, c_prev = check_state(x_t, h_prev, c_prev, params)
    p = params
    v = concat(x_t, h_prev, p.order)  # (m+n,)
    with np.errstate(all="ignore"):
        z_f = p.W_f @ v + p.b_f  # (n,)
        if p.p_f is not None:
            z_f = p.W_f @ v + p.p_f * c_prev + p.b_f  # (n,) the forget gate sees C_{t-1}
        z_f = _finite("z_f", z_f)
        if p.coupled:
            z_i = -z_f  # (n,) i_t = 1 − f_t = σ(−z_f)
        elif p.p_i is not None:
            z_i = _finite("z_i", p.W_i @ v + p.p_i * c_prev + p.b_i)  # (n,)
        else:
            z_i = _finite("z_i", p.W_i @ v + p.b_i)  # (n,)
        z_c = _finite("z_c", p.W_c @ v + p.b_c)  # (n,)
    f, c_tilde = sigmoid(z_f), tanh(z_c)  # (n,) each
    i = 1.0 - f if p.coupled else sigmoid(z_i)  # (n,)
    with np.errstate(all="ignore"):
        c = _finite("C_t", f * c_prev + i * c_tilde)  # (n,)
        z_o = p.W_o @ v + p.b_o  # (n,)
        if p.p_o is not None:
            z_o = p.W_o @ v + p.p_o * c + p.b_o  # (n,) the output gate sees the new C_t
        z_o = _finite("z_o", z_o)
    o = sigmoid(z_o)  # (n,)
    tanh_c = tanh(c)  # (n,)
    h = o * tanh_c  # (n,)
    return Step(x_t, h_prev, c_prev, v, z_f, z_i, z_c, z_o, f, i, c_tilde, c, o, tanh_c, h)

def _check_xs(xs, m):
    """xs (T, m) with T ≥ 1."""
    xs = as_array("xs", xs, 2)
    if xs.shape[1] != m or xs.shape[0] < 1:
        raise ValueError(f"xs has shape {xs.shape} but must be (T, m) = (T, {m}) with T ≥ 1: "
                         "one x_t per row, at least one step")
    return xs

def lstm_forward(xs, h0, c0, params):
    """Run T steps over xs (T, m) from h0, c0 (n,); returns the list of T Steps."""
    n = check_params(params).n
    h = _check_len("h0", as_array("h0", h0), n, "the initial hidden state has one entry per unit")
    c = _check_len("c0", as_array("c0", c0), n, "the initial cell state has one entry per unit")
    xs = _check_xs(xs, params.m)
    steps = []
    for x_t in xs:
        s = lstm_step(x_t, h, c, params)
        steps.append(s)
        h, c = s.h, s.c
    return steps

# ---------------------------------------------------------------- backward

@dataclass(frozen=True, kw_only=True)
class Grads:
    """Weight gradients, named like LSTMParams with a d in front: dW_g (n, m+n), db_g (n,), dp_g (n,);
    None for an array the cell does not have (dW_i of a coupled cell, dp_f without peepholes)."""
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
    """Gradients of one step: the weights', and dx (m,), dh_prev (n,), dc_prev (n,)."""
    dx: np.ndarray
    dh_prev: np.ndarray
    dc_prev: np.ndarray

def check_step(step, params, kind=None, name="step"):
    """A step record made by these params (same sizes, same concatenation order), or a clear error."""
    kind = kind or Step
    if not isinstance(step, kind):
        raise TypeError(f"{name} must be a {kind.__name__} record (from the forward pass), "
                        f"got {type(step).__name__}")
    m, n = params.m, params.n
    if step.x_t.shape != (m,) or step.h_prev.shape != (n,):
        raise ValueError(f"{name} was made by a cell with m = {len(step.x_t)}, n = {len(step.h_prev)}, "
                         f"but params have m = {m}, n = {n}: backward needs the params of the forward pass")
    if not np.array_equal(step.concat, concat(step.x_t, step.h_prev, params.order)):
        raise ValueError(f"{name} was made with the other concatenation order than params "
                         f"(order={params.order!r}): backward needs the params of the forward pass")
    return step

def _finite_grads(a):
    """a, or a clear error if the gradients overflowed."""
    if not np.all(np.isfinite(a)):
        raise ValueError("the gradients overflowed to infinity: the incoming gradients (dh, dc, dhs) "
                         "or the weights are too large (keep them well below 1e150)")
    return a

def lstm_step_backward(step, params, dh, dc):
    """Gradients of one step, given dh = ∂L/∂h_t and dc = ∂L/∂C_t arriving from later."""
    s, p = check_step(step, check_params(params)), params
    dh = _check_len("dh", as_array("dh", dh), p.n, "one gradient per entry of h_t")
    dc = _check_len("dc", as_array("dc", dc), p.n, "one gradient per entry of C_t")
    with np.errstate(all="ignore"):
        return _lstm_step_backward(s, p, dh, dc)

def _lstm_step_backward(s, p, dh, dc):
    do = dh * s.tanh_c  # (n,)
    dc = dc + dh * s.o * (1.0 - s.tanh_c ** 2)  # (n,) the gradient reaching C_t through h_t
    dz = {"o": do * s.o * (1 - s.o)}  # (n,)
    if p.p_o is not None:
        dc = dc + dz["o"] * p.p_o  # (n,) C_t also reaches h_t through the output gate's peephole
    dz["c"] = dc * s.i * (1 - s.c_tilde ** 2)  # (n,)
    if p.coupled:  # i_t = 1 − f_t: f_t reaches C_t twice, as f_t∘C_{t-1} and as (1 − f_t)∘C̃_t
        dz["f"] = dc * (s.c_prev - s.c_tilde) * s.f * (1 - s.f)  # (n,)
    else:
        dz["f"] = dc * s.c_prev * s.f * (1 - s.f)  # (n,)
        dz["i"] = dc * s.c_tilde * s.i * (1 - s.i)  # (n,)
    dv = sum(getattr(p, f"W_{g}").T @ dz[g] for g in p.gates())  # (m+n,)
    dx, dh_prev = split(dv, p.m, p.order)  # (m,), (n,)
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
    for a in (dx, dh_prev, dc_prev, *weights.values()):
        _finite_grads(a)
    return StepGrads(**weights, dx=dx, dh_prev=dh_prev, dc_prev=dc_prev)

@dataclass(frozen=True, kw_only=True)
class SeqGrads(Grads):
    """BPTT result: the weights' gradients summed over time, per-step grads, dxs (T, m), dh0, dc0 (n,)."""
    steps: list
    dxs: np.ndarray
    dh0: np.ndarray
    dc0: np.ndarray

def _check_steps(steps, params, kind=None):
    """The forward pass's list of steps: T ≥ 1 records made by these params; returns T."""
    if isinstance(steps, (str, bytes)) or not hasattr(steps, "__len__"):
        raise TypeError(f"steps must be the list the forward pass returned, got {type(steps).__name__}")
    if len(steps) == 0:
        raise ValueError("steps is empty (T = 0): backpropagation through time needs at least one step")
    for t, s in enumerate(steps):
        check_step(s, params, kind, name=f"steps[{t}]")
    return len(steps)

def lstm_backward(steps, params, dhs, dc_T=None):
    """Backpropagation through time: dhs (T, n) are ∂L/∂h_t from outside, dc_T = ∂L/∂C_T (zeros if None)."""
    T, n = _check_steps(steps, check_params(params)), params.n
    dhs = as_array("dhs", dhs, 2)
    if dhs.shape != (T, n):
        raise ValueError(f"dhs has shape {dhs.shape} but must be (T, n) = ({T}, {n}): one ∂L/∂h_t per step")
    dc = np.zeros(n) if dc_T is None else _check_len("dc_T", as_array("dc_T", dc_T), n,
                                                     "∂L/∂C_T has one entry per cell unit")
    dh = np.zeros(n)
    grads = []
    for t in reversed(range(T)):
        with np.errstate(all="ignore"):
            arriving = _finite_grads(dhs[t] + dh)  # (n,)
        g = lstm_step_backward(steps[t], params, arriving, dc)
        grads.append(g)
        dh, dc = g.dh_prev, g.dc_prev
    grads.reverse()
    total = {}
    with np.errstate(all="ignore"):
        for k in params.names():
            total["d" + k] = _finite_grads(sum(getattr(g, "d" + k) for g in grads))
    return SeqGrads(**total, steps=grads, dxs=np.array([g.dx for g in grads]), dh0=dh, dc0=dc)

# ---------------------------------------------------------------- nn.LSTM's shapes, built from our cell

def torch_lstm_layers(state_dict):
    """From an nn.LSTM state dict of numpy arrays: a list over layers of tuples over directions
    (forward, then reverse if bidirectional) of LSTMParams. A bias=False module gives zero biases."""
    if not hasattr(state_dict, "keys"):
        raise TypeError(f"state_dict must be a dict of arrays (nn.LSTM's state_dict() as numpy), "
                        f"got {type(state_dict).__name__}")
    if any(k.startswith("weight_hr") for k in state_dict):
        raise ValueError("state_dict has weight_hr_l* (an nn.LSTM with proj_size > 0): "
                         "projections are not part of this cell")
    layers = []
    while f"weight_ih_l{len(layers)}" in state_dict:
        k = len(layers)
        directions = []
        for suffix in ("", "_reverse"):
            name = f"weight_ih_l{k}{suffix}"
            if name not in state_dict:
                continue
            W_ih = as_array(name, state_dict[name], 2)
            W_hh = as_array(f"weight_hh_l{k}{suffix}", state_dict.get(f"weight_hh_l{k}{suffix}"), 2)
            zeros = np.zeros(W_ih.shape[0])
            b_ih = state_dict.get(f"bias_ih_l{k}{suffix}", zeros)
            b_hh = state_dict.get(f"bias_hh_l{k}{suffix}", zeros)
            directions.append(LSTMParams.from_torch(W_ih, W_hh, b_ih, b_hh))
        layers.append(tuple(directions))
    if not layers:
        raise ValueError("state_dict has no weight_ih_l0: expected nn.LSTM's keys weight_ih_l0, weight_hh_l0, "
                         f"bias_ih_l0, bias_hh_l0, ... (got {sorted(state_dict)[:4]})")
    return layers


def _check_layers(layers):
    """(L, D, m, n) of a list of layer tuples, checked: every layer has D directions of the same n, and
    layer l ≥ 1 takes the D·n outputs of the layer below."""
    if not isinstance(layers, (list, tuple)) or not layers:
        raise TypeError("layers must be a non-empty list over layers of tuples over directions of "
                        "LSTMParams (torch_lstm_layers gives one)")
    L, D = len(layers), len(layers[0]) if isinstance(layers[0], (list, tuple)) else 0
    if D not in (1, 2):
        raise ValueError(f"layers[0] must be a tuple of 1 or 2 LSTMParams (forward, reverse), got {layers[0]!r:.60}")
    m, n = layers[0][0].m, layers[0][0].n
    for l, layer in enumerate(layers):
        if not isinstance(layer, (list, tuple)) or len(layer) != D:
            raise ValueError(f"layers[{l}] must hold D = {D} directions like layers[0]")
        for d, p in enumerate(layer):
            check_params(p)
            want_m = m if l == 0 else D * n
            if (p.m, p.n) != (want_m, n):
                raise ValueError(f"layers[{l}][{d}] has m = {p.m}, n = {p.n} but must have m = {want_m}, "
                                 f"n = {n}: layer {l}'s input is " + ("x_t" if l == 0 else
                                 f"the D·n = {D}·{n} outputs of layer {l - 1}"))
    return L, D, m, n


def lstm_module_forward(xs, layers, h0=None, c0=None, batch_first=False):
    """What nn.LSTM computes, built from lstm_forward one sequence at a time.

    xs (T, B, m), or (B, T, m) with batch_first, or unbatched (T, m). Returns (output, (h_n, c_n)):
    output (T, B, D·n) (batch_first: (B, T, D·n)); h_n, c_n (L·D, B, n); unbatched: (T, D·n) and
    (L·D, n). h0, c0 have h_n's shape and default to zeros. Layer l ≥ 1 reads layer l−1's outputs; the
    reverse direction runs over the reversed sequence and its outputs are put back in time order.
    """
    L, D, m, n = _check_layers(layers)
    raw = as_array("xs", xs, np.ndim(xs) if np.ndim(xs) in (2, 3) else 3)
    sizes = f"L = {L} layers, D = {D} direction{'s' if D == 2 else ''}, m = {m}, n = {n}"
    unbatched = raw.ndim == 2
    if unbatched:
        if raw.shape[1] != m or raw.shape[0] < 1:
            raise ValueError(f"xs has shape {raw.shape} but must be (T, m) = (T, {m}) unbatched, "
                             f"(T, B, m) or with batch_first (B, T, m); {sizes}")
        seqs = raw[None]  # (1, T, m)
    else:
        seqs = np.swapaxes(raw, 0, 1) if not batch_first else raw  # (B, T, m)
        if seqs.shape[2] != m or min(seqs.shape[:2]) < 1:
            want = "(B, T, m) = (B, T, " if batch_first else "(T, B, m) = (T, B, "
            raise ValueError(f"xs has shape {raw.shape} but must be {want}{m}) with T, B ≥ 1; {sizes}")
    B, T = seqs.shape[:2]
    state_shape = (L * D, n) if unbatched else (L * D, B, n)
    states = []
    for name, given in (("h0", h0), ("c0", c0)):
        if given is None:
            states.append(np.zeros((L * D, B, n)))
            continue
        a = np.asarray(as_array(name, given, len(state_shape)))
        if a.shape != state_shape:
            want = "(L·D, n)" if unbatched else "(L·D, B, n)"
            raise ValueError(f"{name} has shape {a.shape} but must be {want} = {state_shape}: one state per "
                             f"layer and direction{'' if unbatched else ' and sequence'}; {sizes}, B = {B}")
        states.append(a[:, None, :] if unbatched else a)
    h0s, c0s = states  # (L·D, B, n) each
    output = np.zeros((B, T, D * n))
    h_n, c_n = np.zeros((L * D, B, n)), np.zeros((L * D, B, n))
    for b in range(B):
        inputs = seqs[b]  # (T, m) for layer 0, (T, D·n) above
        for l, layer in enumerate(layers):
            outs = []
            for d, p in enumerate(layer):
                k = l * D + d
                order = slice(None) if d == 0 else slice(None, None, -1)  # reverse: time runs backwards
                steps = lstm_forward(inputs[order], h0s[k, b], c0s[k, b], p)
                outs.append(np.array([s.h for s in steps])[order])  # (T, n), back in time order
                h_n[k, b], c_n[k, b] = steps[-1].h, steps[-1].c
            inputs = np.concatenate(outs, axis=1)  # (T, D·n)
        output[b] = inputs
    if unbatched:
        return output[0], (h_n[:, 0], c_n[:, 0])
    return (output if batch_first else np.swapaxes(output, 0, 1)), (h_n, c_n)

# ---------------------------------------------------------------- the GRU (Cho et al. 2014), "reset after"

GRU_WEIGHTS = ("W_r", "b_r", "W_z", "b_z", "W_hx", "b_hx", "W_hh", "b_hh")


@dataclass(frozen=True, eq=False)
class GRUParams:
    """A GRU cell in PyTorch's and Keras's default "reset after" form, with v = [x_t, h_{t-1}]:

        r_t = σ(W_r v + b_r)                                  reset gate   W_r (n, m+n)
        z_t = σ(W_z v + b_z)                                  update gate  W_z (n, m+n)
        h̃_t = tanh(W_hx x_t + b_hx + r_t ∘ (W_hh h_{t-1} + b_hh))  candidate  W_hx (n, m), W_hh (n, n)
        h_t = (1 − z_t) ∘ h̃_t + z_t ∘ h_{t-1}

    The reset gate scales W_hh h_{t-1} + b_hh after the product, so the candidate keeps two
    biases: 3n(m+n) + 4n numbers (PyTorch stores 3n(m+n) + 6n: two biases for every gate).
    """
    W_r: np.ndarray
    b_r: np.ndarray
    W_z: np.ndarray
    b_z: np.ndarray
    W_hx: np.ndarray
    b_hx: np.ndarray
    W_hh: np.ndarray
    b_hh: np.ndarray
    order: str = "xh"

    def __post_init__(self):
        concat([], [], self.order)  # validates order
        W_hh = as_array("W_hh", self.W_hh, 2)
        n = W_hh.shape[0]
        if W_hh.shape != (n, n) or n < 1:
            raise ValueError(f"W_hh has shape {W_hh.shape} but must be (n, n): the candidate's "
                             "recurrent weights, one row per unit, one column per entry of h_(t-1)")
        W_hx = as_array("W_hx", self.W_hx, 2)
        m = W_hx.shape[1]
        if W_hx.shape[0] != n or m < 1:
            raise ValueError(f"W_hx has shape {W_hx.shape} but must be (n, m) = ({n}, m) with m ≥ 1: "
                             f"the candidate's input weights, one row per unit like W_hh {W_hh.shape}")
        rule = f"one bias per unit; {_CELL_RULE.replace('o_t ∘ tanh(C_t)', '(1 − z_t)∘h̃_t + z_t∘h_{t-1}')}"
        for name in ("W_r", "W_z"):
            self._own(name, _check_W(name, as_array(name, getattr(self, name), 2), m, n))
        for name in ("b_r", "b_z", "b_hx", "b_hh"):
            self._own(name, _check_len(name, as_array(name, getattr(self, name)), n, rule))
        self._own("W_hx", W_hx)
        self._own("W_hh", W_hh)

    def _own(self, name, a):
        a.flags.writeable = False  # our own copy, never changed in place
        object.__setattr__(self, name, a)

    @property
    def n(self):
        """Hidden size = number of units."""
        return self.W_hh.shape[0]

    @property
    def m(self):
        """Input size."""
        return self.W_hx.shape[1]

    variant = "GRU"

    def names(self):
        """('W_r', 'b_r', 'W_z', 'b_z', 'W_hx', 'b_hx', 'W_hh', 'b_hh')."""
        return GRU_WEIGHTS

    def count(self):
        """How many numbers the cell learns: 3n(m+n) + 4n."""
        return sum(getattr(self, k).size for k in self.names())

    def __eq__(self, other):
        return (isinstance(other, GRUParams) and self.order == other.order
                and all(np.array_equal(getattr(self, k), getattr(other, k)) for k in self.names()))

    def replace(self, **changes):
        """A new, checked GRUParams with some fields changed."""
        return replace(self, **changes)

    def blocks(self, g):
        """(W_x, W_h) of gate 'r' or 'z': the columns that meet x_t (n, m) and h_{t-1} (n, n)."""
        W_x, W_h = split(getattr(self, f"W_{g}").T, self.m, self.order)
        return W_x.T, W_h.T

    @classmethod
    def random(cls, m, n, seed=0, scale=None, order="xh"):
        """Weights and biases ~ U(−s, s) with s = 1/√n (PyTorch's default)."""
        m, n = as_size("m", m), as_size("n", n)
        rng = np.random.default_rng(as_seed(seed))
        s = 1.0 / np.sqrt(n) if scale is None else as_number("scale", scale, positive=True)
        shapes = {"W_r": (n, m + n), "W_z": (n, m + n), "W_hx": (n, m), "W_hh": (n, n)}
        kw = {name: rng.uniform(-s, s, shapes.get(name, n)) for name in GRU_WEIGHTS}
        return cls(**kw, order=order)

    @classmethod
    def from_torch(cls, weight_ih, weight_hh, bias_ih, bias_hh, order="xh"):
        """From nn.GRUCell / nn.GRU layer-0 arrays: weight_ih (3n, m), weight_hh (3n, n), biases (3n,);
        PyTorch stacks the rows r, z, n (n is the candidate h̃)."""
        W_ih, W_hh = as_array("weight_ih", weight_ih, 2), as_array("weight_hh", weight_hh, 2)
        b_ih, b_hh = as_array("bias_ih", bias_ih), as_array("bias_hh", bias_hh)
        n = W_hh.shape[1]
        if W_hh.shape != (3 * n, n) or n < 1:
            raise ValueError(f"weight_hh has shape {W_hh.shape} but must be (3n, n): three gates' rows "
                             "stacked (r, z, n), each seeing h_(t-1) of size n")
        if W_ih.shape[0] != 3 * n:
            raise ValueError(f"weight_ih has shape {W_ih.shape} but must be (3n, m) = ({3 * n}, m): "
                             f"the same three gates' rows as weight_hh {W_hh.shape}")
        for name, b in (("bias_ih", b_ih), ("bias_hh", b_hh)):
            _check_len(name, b, 3 * n, "one bias per row of the three stacked gates (r, z, n)")
        r, z, c = slice(0, n), slice(n, 2 * n), slice(2 * n, 3 * n)
        return cls(W_r=concat_cols(W_ih[r], W_hh[r], order), b_r=b_ih[r] + b_hh[r],  # (n, m+n), (n,)
                   W_z=concat_cols(W_ih[z], W_hh[z], order), b_z=b_ih[z] + b_hh[z],
                   W_hx=W_ih[c], b_hx=b_ih[c], W_hh=W_hh[c], b_hh=b_hh[c], order=order)

    def to_torch(self):
        """{'weight_ih': (3n, m), 'weight_hh': (3n, n), 'bias_ih': (3n,), 'bias_hh': (3n,)}, rows r, z, n."""
        (rx, rh), (zx, zh) = self.blocks("r"), self.blocks("z")
        zeros = np.zeros(self.n)
        return {"weight_ih": np.vstack([rx, zx, self.W_hx]), "weight_hh": np.vstack([rh, zh, self.W_hh]),
                "bias_ih": np.concatenate([self.b_r, self.b_z, self.b_hx]),
                "bias_hh": np.concatenate([zeros, zeros, self.b_hh])}


@dataclass(frozen=True)
class GRUStep:
    """Every quantity of one GRU step; all (n,) except x_t (m,) and concat (m+n,)."""
    x_t: np.ndarray
    h_prev: np.ndarray
    concat: np.ndarray
    z_r: np.ndarray  # W_r v + b_r
    r: np.ndarray  # σ(z_r)
    z_z: np.ndarray  # W_z v + b_z
    z: np.ndarray  # σ(z_z)
    n_x: np.ndarray  # W_hx x_t + b_hx
    n_h: np.ndarray  # W_hh h_{t-1} + b_hh
    z_h: np.ndarray  # n_x + r ∘ n_h
    h_tilde: np.ndarray  # tanh(z_h)
    h: np.ndarray  # (1 − z) ∘ h̃ + z ∘ h_{t-1}


def gru_step(x_t, h_prev, params):
    """One GRU step; returns a GRUStep with every intermediate quantity (equations in GRUParams)."""
    p = check_params(params, GRUParams)
    x_t = _check_len("x_t", as_array("x_t", x_t), p.m,
                     f"these weights expect m = {p.m} inputs (W_hx is ({p.n}, {p.m}))")
    h_prev = _check_len("h_prev", as_array("h_prev", h_prev), p.n,
                        "h_(t-1) is the previous step's h_t, one entry per unit")
    v = concat(x_t, h_prev, p.order)  # (m+n,)
    with np.errstate(all="ignore"):
        z_r = _finite("z_r", p.W_r @ v + p.b_r)  # (n,)
        z_z = _finite("z_z", p.W_z @ v + p.b_z)  # (n,)
        n_x = _finite("n_x", p.W_hx @ x_t + p.b_hx)  # (n,)
        n_h = _finite("n_h", p.W_hh @ h_prev + p.b_hh)  # (n,)
        r, z = sigmoid(z_r), sigmoid(z_z)  # (n,) each
        z_h = _finite("z_h", n_x + r * n_h)  # (n,)
    h_tilde = tanh(z_h)  # (n,)
    h = (1.0 - z) * h_tilde + z * h_prev  # (n,)
    return GRUStep(x_t, h_prev, v, z_r, r, z_z, z, n_x, n_h, z_h, h_tilde, h)


def gru_forward(xs, h0, params):
    """Run T GRU steps over xs (T, m) from h0 (n,); returns the list of T GRUSteps."""
    p = check_params(params, GRUParams)
    h = _check_len("h0", as_array("h0", h0), p.n, "the initial hidden state has one entry per unit")
    steps = []
    for x_t in _check_xs(xs, p.m):
        steps.append(gru_step(x_t, h, p))
        h = steps[-1].h
    return steps


@dataclass(frozen=True, kw_only=True)
class GRUGrads:
    """Weight gradients of a GRU, named like GRUParams with a d in front."""
    dW_r: np.ndarray
    db_r: np.ndarray
    dW_z: np.ndarray
    db_z: np.ndarray
    dW_hx: np.ndarray
    db_hx: np.ndarray
    dW_hh: np.ndarray
    db_hh: np.ndarray


@dataclass(frozen=True, kw_only=True)
class GRUStepGrads(GRUGrads):
    """Gradients of one GRU step: the weights', and dx (m,), dh_prev (n,)."""
    dx: np.ndarray
    dh_prev: np.ndarray


@dataclass(frozen=True, kw_only=True)
class GRUSeqGrads(GRUGrads):
    """BPTT result for a GRU: weight gradients summed over time, per-step grads, dxs (T, m), dh0 (n,)."""
    steps: list
    dxs: np.ndarray
    dh0: np.ndarray


def gru_step_backward(step, params, dh):
    """Gradients of one GRU step, given dh = ∂L/∂h_t arriving from later."""
    p = check_params(params, GRUParams)
    s = check_step(step, p, GRUStep)
    dh = _check_len("dh", as_array("dh", dh), p.n, "one gradient per entry of h_t")
    with np.errstate(all="ignore"):
        dh_tilde = dh * (1.0 - s.z)  # (n,)
        dz_z = dh * (s.h_prev - s.h_tilde) * s.z * (1 - s.z)  # (n,)
        dz_h = dh_tilde * (1 - s.h_tilde ** 2)  # (n,)
        dn_h = dz_h * s.r  # (n,)
        dz_r = dz_h * s.n_h * s.r * (1 - s.r)  # (n,)
        dv = p.W_r.T @ dz_r + p.W_z.T @ dz_z  # (m+n,)
        dx, dh_prev = split(dv, p.m, p.order)  # (m,), (n,)
        dx = dx + p.W_hx.T @ dz_h  # (m,)
        dh_prev = dh_prev + p.W_hh.T @ dn_h + dh * s.z  # (n,) ∂h_t/∂h_{t-1} ⊇ diag(z_t)
        grads = {"dW_r": np.outer(dz_r, s.concat), "db_r": dz_r, "dW_z": np.outer(dz_z, s.concat),
                 "db_z": dz_z, "dW_hx": np.outer(dz_h, s.x_t), "db_hx": dz_h,
                 "dW_hh": np.outer(dn_h, s.h_prev), "db_hh": dn_h}
    for a in (dx, dh_prev, *grads.values()):
        _finite_grads(a)
    return GRUStepGrads(**grads, dx=dx, dh_prev=dh_prev)


def gru_backward(steps, params, dhs):
    """Backpropagation through time for a GRU: dhs (T, n) are ∂L/∂h_t from outside."""
    p = check_params(params, GRUParams)
    if isinstance(steps, (str, bytes)) or not hasattr(steps, "__len__"):
        raise TypeError(f"steps must be the list gru_forward returned, got {type(steps).__name__}")
    if len(steps) == 0:
        raise ValueError("steps is empty (T = 0): backpropagation through time needs at least one step")
    T, n = len(steps), p.n
    for t, s in enumerate(steps):
        check_step(s, p, GRUStep, name=f"steps[{t}]")
    dhs = as_array("dhs", dhs, 2)
    if dhs.shape != (T, n):
        raise ValueError(f"dhs has shape {dhs.shape} but must be (T, n) = ({T}, {n}): one ∂L/∂h_t per step")
    dh, grads = np.zeros(n), []
    for t in reversed(range(T)):
        with np.errstate(all="ignore"):
            arriving = _finite_grads(dhs[t] + dh)  # (n,)
        g = gru_step_backward(steps[t], p, arriving)
        grads.append(g)
        dh = g.dh_prev
    grads.reverse()
    total = {}
    with np.errstate(all="ignore"):
        for name in GRU_WEIGHTS:
            total["d" + name] = _finite_grads(sum(getattr(g, "d" + name) for g in grads))
    return GRUSeqGrads(**total, steps=grads, dxs=np.array([g.dx for g in grads]), dh0=dh)

# ---------------------------------------------------------------- the cells as data

@dataclass(frozen=True)
class Quantity:
    """One quantity of a cell's step, described once; every view, panel and test iterates these.

    field: the step record's field; text: plain text as the lessons print it; symbol: matplotlib
    mathtext; latex: for formulas; formula: LaTeX of how it is computed; what: in words; size: "m", "n"
    or "m+n"; kind: "input", "concat", "pre" (a pre-activation), "gate" (an activation of its pre),
    "state" (C_t, h_t), or "part" (an intermediate sum or product); pre: the field of its
    pre-activation; activation: "sigmoid" or "tanh"; weights: its weight matrix's name.
    """
    field: str
    text: str
    symbol: str
    latex: str
    formula: str
    what: str
    size: str = "n"
    kind: str = "part"
    pre: str = None
    activation: str = None
    weights: str = None


ACTIVATIONS = {  # name -> (function, derivative, how it is written)
    "sigmoid": (sigmoid, sigmoid_prime, "σ"),
    "tanh": (tanh, tanh_prime, "tanh"),
}

_INPUTS = (
    Quantity("x_t", "x_t", "$x_t$", "x_t", "x_t", "input", size="m", kind="input"),
    Quantity("h_prev", "h_(t-1)", "$h_{t-1}$", "h_{t-1}", "h_{t-1}", "previous hidden state", kind="input"),
)
_CONCAT = Quantity("concat", "v", "$v$", "v", "[x_t, h_{t-1}]", "concatenation", size="m+n", kind="concat")


def _lstm_gate(g, field, text, symbol, latex, what, activation, peephole=None):
    """A gate's pre-activation and activation, as two rows."""
    peep = f" + p_{g} \\circ {peephole}" if peephole else ""
    fn = r"\sigma" if activation == "sigmoid" else r"\tanh"
    return (Quantity(f"z_{g}", f"z_{g}", f"$z_{g}$", f"z_{g}", f"W_{g} v{peep} + b_{g}",
                     f"{what} pre-activation", kind="pre"),
            Quantity(field, text, symbol, latex, f"{fn}(z_{g})", what, kind="gate", pre=f"z_{g}",
                     activation=activation, weights=f"W_{g}"))


def lstm_quantities(params=None):
    """Every quantity of an LSTM step, in the order it is computed, for this cell's variant."""
    peep = set(params.peepholes) if params is not None else set()
    coupled = params is not None and params.coupled
    rows = [*_INPUTS, Quantity("c_prev", "C_(t-1)", "$C_{t-1}$", "C_{t-1}", "C_{t-1}",
                               "previous cell state", kind="input"), _CONCAT]
    rows += _lstm_gate("f", "f", "f_t", "$f_t$", "f_t", "forget gate", "sigmoid",
                       "C_{t-1}" if "p_f" in peep else None)
    if coupled:
        rows += [Quantity("z_i", "z_i", "$z_i$", "z_i", "-z_f", "input pre-activation (coupled)", kind="pre"),
                 Quantity("i", "i_t", "$i_t$", "i_t", "1 - f_t", "input gate (coupled: 1 − f_t)",
                          kind="gate", pre="z_i", activation="sigmoid")]
    else:
        rows += _lstm_gate("i", "i", "i_t", "$i_t$", "i_t", "input gate", "sigmoid",
                           "C_{t-1}" if "p_i" in peep else None)
    rows += _lstm_gate("c", "c_tilde", "C̃_t", r"$\tilde{C}_t$", r"\tilde{C}_t", "candidate", "tanh")
    rows.append(Quantity("c", "C_t", "$C_t$", "C_t", r"f_t \circ C_{t-1} + i_t \circ \tilde{C}_t",
                         "cell state", kind="state"))
    rows += _lstm_gate("o", "o", "o_t", "$o_t$", "o_t", "output gate", "sigmoid",
                       "C_t" if "p_o" in peep else None)
    rows += [Quantity("tanh_c", "tanh(C_t)", r"$\tanh(C_t)$", r"\tanh(C_t)", r"\tanh(C_t)",
                      "squashed cell state"),
             Quantity("h", "h_t", "$h_t$", "h_t", r"o_t \circ \tanh(C_t)", "hidden state", kind="state")]
    return tuple(rows)


GRU_QUANTITIES = (
    *_INPUTS, _CONCAT,
    Quantity("z_r", "z_r", "$z_r$", "z_r", "W_r v + b_r", "reset pre-activation", kind="pre"),
    Quantity("r", "r_t", "$r_t$", "r_t", r"\sigma(z_r)", "reset gate", kind="gate", pre="z_r",
             activation="sigmoid", weights="W_r"),
    Quantity("z_z", "z_z", "$z_z$", "z_z", "W_z v + b_z", "update pre-activation", kind="pre"),
    Quantity("z", "z_t", "$z_t$", "z_t", r"\sigma(z_z)", "update gate", kind="gate", pre="z_z",
             activation="sigmoid", weights="W_z"),
    Quantity("n_x", "n_x", "$n_x$", "n_x", "W_{hx} x_t + b_{hx}", "candidate's input part"),
    Quantity("n_h", "n_h", "$n_h$", "n_h", "W_{hh} h_{t-1} + b_{hh}", "candidate's recurrent part"),
    Quantity("z_h", "z_h", "$z_h$", "z_h", r"n_x + r_t \circ n_h", "candidate pre-activation", kind="pre"),
    Quantity("h_tilde", "h̃_t", r"$\tilde{h}_t$", r"\tilde{h}_t", r"\tanh(z_h)", "candidate", kind="gate",
             pre="z_h", activation="tanh", weights="W_hx"),
    Quantity("h", "h_t", "$h_t$", "h_t", r"(1 - z_t) \circ \tilde{h}_t + z_t \circ h_{t-1}", "hidden state",
             kind="state"),
)


def quantities(params):
    """The quantity table of this cell: an LSTM variant's or the GRU's."""
    if isinstance(params, GRUParams):
        return GRU_QUANTITIES
    return lstm_quantities(check_params(params))


def step(x_t, h_prev, c_prev, params):
    """One step of any cell: lstm_step, or gru_step (which has no c_prev; pass None)."""
    if isinstance(params, GRUParams):
        return gru_step(x_t, h_prev, params)
    return lstm_step(x_t, h_prev, c_prev, params)

# ---------------------------------------------------------------- a vanilla RNN, for comparison

@dataclass(frozen=True)
class RNNStep:
    """h_t = tanh(W v + b): concat (m+n,), z (n,), h (n,)."""
    x_t: np.ndarray
    h_prev: np.ndarray
    concat: np.ndarray
    z: np.ndarray
    h: np.ndarray

def rnn_step(x_t, h_prev, W, b, order="xh"):
    """One vanilla RNN step, h_t = tanh(W [x_t, h_{t-1}] + b), W (n, m+n)."""
    x_t, h_prev = as_array("x_t", x_t), as_array("h_prev", h_prev)
    m, n = _check_sizes(x_t, h_prev)
    W = _check_W("W", as_array("W", W, 2), m, n)
    b = _check_len("b", as_array("b", b), len(h_prev), "one bias per hidden unit")
    v = concat(x_t, h_prev, order)  # (m+n,)
    with np.errstate(all="ignore"):
        z = _finite("z", W @ v + b)  # (n,)
    return RNNStep(x_t, h_prev, v, z, tanh(z))

def rnn_forward(xs, h0, W, b, order="xh"):
    """T vanilla RNN steps over xs (T, m); returns the list of RNNSteps."""
    steps, h = [], h0
    for x_t in _check_xs(xs, as_array("W", W, 2).shape[1] - len(as_array("h0", h0))):
        steps.append(rnn_step(x_t, h, W, b, order))
        h = steps[-1].h
    return steps

def rnn_backward(steps, W, dhs, order="xh"):
    """BPTT for the vanilla RNN: dict with dW (n, m+n), db (n,), dxs (T, m), dh0 (n,), dh_prev per step (T, n)."""
    W = as_array("W", W, 2)
    n, m = W.shape[0], W.shape[1] - W.shape[0]
    concat([], [], order)  # validates order
    if m < 1:
        raise ValueError(f"W has shape {W.shape} but must be (n, m+n) with m, n ≥ 1")
    T = len(steps) if hasattr(steps, "__len__") else 0
    if T == 0:
        raise ValueError("steps is empty (T = 0): backpropagation through time needs at least one step")
    for t, s in enumerate(steps):
        if not isinstance(s, RNNStep) or s.concat.shape != (m + n,) or s.h.shape != (n,):
            raise ValueError(f"steps[{t}] was not made by an RNN with W of shape {W.shape} "
                             f"(m = {m}, n = {n})")
        if not np.array_equal(s.concat, concat(s.x_t, s.h_prev, order)):
            raise ValueError(f"steps[{t}] was made with the other concatenation order than "
                             f"order={order!r}: backward needs the forward pass's order")
    dhs = as_array("dhs", dhs, 2)
    if dhs.shape != (T, n):
        raise ValueError(f"dhs has shape {dhs.shape} but must be (T, n) = ({T}, {n}): "
                         "one ∂L/∂h_t per step")
    dW, db, dxs, dh_prevs, dh = np.zeros_like(W), np.zeros(n), [], [], np.zeros(n)
    with np.errstate(all="ignore"):
        for t in reversed(range(T)):
            dz = (dhs[t] + dh) * (1 - steps[t].h ** 2)  # (n,) tanh' = 1 − h²
            dW += np.outer(dz, steps[t].concat)
            db += dz
            dx, dh = split(_finite_grads(W.T @ dz), m, order)  # (m,), (n,)
            dxs.append(dx)
            dh_prevs.append(dh)
    _finite_grads(dW)
    return {"dW": dW, "db": db, "dxs": np.array(dxs[::-1]), "dh0": dh, "dh_prev": np.array(dh_prevs[::-1])}

# ---------------------------------------------------------------- shapes, as frameworks name them

def param_count(m, n, two_biases=False):
    """4n(m+n) weights + 4n biases (8n with PyTorch's two biases)."""
    return 4 * n * (m + n) + (8 if two_biases else 4) * n

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

def torch_example(kind="lstm"):
    """PyTorch's own numbers, committed (written by tests/make_golden.py), in float64.

    kind="lstm": an nn.LSTMCell(3, 4) and an nn.LSTM(3, 4), their inputs and outputs (keys cell_weight_ih,
    ..., x, h0, c0, h1, c1, xs, hs, cT); kind="gru": an nn.GRUCell(3, 4) and an nn.GRU(3, 4) (keys
    cell_weight_ih, ..., gru_weight_ih_l0, ..., x, h0, h1, xs, hs); kind="lstm_module": an
    nn.LSTM(3, 4, num_layers=2, bidirectional=True) on a batch of two (keys module_weight_ih_l0, ...,
    xs (T, B, m), h0, c0, output, h_n, c_n).
    """
    if kind not in ("lstm", "gru", "lstm_module"):
        raise ValueError(f"kind must be 'lstm', 'gru' or 'lstm_module', got {kind!r}")
    with np.load(Path(__file__).parent / "data" / f"torch_{kind}_example.npz") as f:
        return dict(f)
