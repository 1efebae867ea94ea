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

GATES = ("f", "i", "c", "o")
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

def as_size(name, value):
    """A size such as m or n: a whole number ≥ 1."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a whole number ≥ 1, got {type(value).__name__} {value!r:.40}")
    if value < 1:
        raise ValueError(f"{name} must be ≥ 1, got {value}: a cell needs at least one input "
                         "and one unit")
    return int(value)

def as_seed(value):
    """A random seed: a whole number ≥ 0."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"seed must be a whole number ≥ 0, got {type(value).__name__} {value!r:.40}")
    if value < 0:
        raise ValueError(f"seed must be ≥ 0, got {value}: numpy's generator takes "
                         "non-negative seeds")
    return int(value)

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
    """The four gates' weights (n, m+n) and biases (n,), checked on construction."""
    W_f: np.ndarray
    b_f: np.ndarray
    W_i: np.ndarray
    b_i: np.ndarray
    W_c: np.ndarray
    b_c: np.ndarray
    W_o: np.ndarray
    b_o: np.ndarray
    order: str = "xh"

    def __post_init__(self):
        concat([], [], self.order)  # validates order
        W_f = as_array("W_f", self.W_f, 2)
        n, m = W_f.shape[0], W_f.shape[1] - W_f.shape[0]
        if n < 1 or m < 1:
            raise ValueError(f"W_f has shape {W_f.shape} but must be (n, m+n) with m, n ≥ 1: each row sees the whole "
                             f"[x_t, h_{{t-1}}], so it has more columns than rows (for m = n = 3 that is (3, 6), not (3, 3))")
        for g in GATES:
            W = _check_W(f"W_{g}", as_array(f"W_{g}", getattr(self, f"W_{g}"), 2), m, n)
            b = _check_len(f"b_{g}", as_array(f"b_{g}", getattr(self, f"b_{g}")), n,
                           f"one bias per cell unit; {_CELL_RULE}")
            W.flags.writeable = b.flags.writeable = False  # our own copies, never changed in place
            object.__setattr__(self, f"W_{g}", W)
            object.__setattr__(self, f"b_{g}", b)

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
                and all(np.array_equal(getattr(self, k), getattr(other, k)) for k in self.names()))

    @staticmethod
    def names():
        """('W_f', 'b_f', ..., 'W_o', 'b_o')."""
        return tuple(f.name for f in fields(LSTMParams) if f.name != "order")

    def replace(self, **changes):
        """A new, checked LSTMParams with some fields changed."""
        return replace(self, **changes)

    @classmethod
    def random(cls, m, n, seed=0, scale=None, order="xh", forget_bias=0.0):
        """Weights ~ U(−s, s) with s = 1/√n (PyTorch's default), biases likewise, b_f shifted by forget_bias."""
        m, n = as_size("m", m), as_size("n", n)
        rng = np.random.default_rng(as_seed(seed))
        s = 1.0 / np.sqrt(n) if scale is None else as_number("scale", scale, positive=True)
        forget_bias = as_number("forget_bias", forget_bias)
        kw = {}
        for g in GATES:
            kw[f"W_{g}"] = rng.uniform(-s, s, (n, m + n))  # (n, m+n)
            kw[f"b_{g}"] = rng.uniform(-s, s, n)  # (n,)
        kw["b_f"] = kw["b_f"] + forget_bias
        return cls(**kw, order=order)

    def scaled(self, s):
        """Every weight matrix times s (biases kept): small s pulls the pre-activations towards 0."""
        return replace(self, **{f"W_{g}": s * getattr(self, f"W_{g}") for g in GATES})

    def with_order(self, order):
        """The same cell for the other concatenation order: each W's column blocks swapped."""
        return replace(self, order=order, **{f"W_{g}": concat_cols(*self.blocks(g), order) for g in GATES})

    def blocks(self, g):
        """(W_x, W_h): the columns of W_g that meet x_t (n, m) and h_{t-1} (n, n)."""
        W_x, W_h = split(getattr(self, f"W_{g}").T, self.m, self.order)
        return W_x.T, W_h.T

    # --- framework layouts: PyTorch rows (and Keras columns) are stacked i, f, g(=c), o

    @classmethod
    def from_torch(cls, weight_ih, weight_hh, bias_ih, bias_hh, order="xh"):
        """From nn.LSTMCell / nn.LSTM layer-0 arrays: weight_ih (4n, m), weight_hh (4n, n), two biases (4n,)."""
        W_ih, W_hh = as_array("weight_ih", weight_ih, 2), as_array("weight_hh", weight_hh, 2)
        b_ih, b_hh = as_array("bias_ih", bias_ih), as_array("bias_hh", bias_hh)
        if W_hh.shape[0] % 4 or W_hh.shape != (W_hh.shape[0], W_hh.shape[0] // 4):
            raise ValueError(f"weight_hh has shape {W_hh.shape} but must be (4n, n): four gates' rows stacked "
                             "(i, f, g, o), each seeing h_(t-1) of size n")
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
        Wx, Wh = zip(*(self.blocks(g) for g in ("i", "f", "c", "o")))
        b = np.concatenate([getattr(self, f"b_{g}") for g in ("i", "f", "c", "o")])
        return {"weight_ih": np.vstack(Wx), "weight_hh": np.vstack(Wh), "bias_ih": b, "bias_hh": np.zeros_like(b)}

    @classmethod
    def from_keras(cls, kernel, recurrent_kernel, bias, order="xh"):
        """From Keras LSTM weights: kernel (m, 4n), recurrent_kernel (n, 4n), bias (4n,), columns i, f, c, o."""
        K, R = as_array("kernel", kernel, 2), as_array("recurrent_kernel", recurrent_kernel, 2)
        if R.shape != (R.shape[0], 4 * R.shape[0]):
            raise ValueError(f"recurrent_kernel has shape {R.shape} but must be (n, 4n): four gates' columns "
                             "side by side (i, f, c, o), each fed by h_(t-1) of size n")
        n = R.shape[0]
        if K.shape[1] != 4 * n:
            raise ValueError(f"kernel has shape {K.shape} but must be (m, 4n) = (m, {4 * n}), like recurrent_kernel {R.shape}")
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
        z_f = _finite("z_f", p.W_f @ v + p.b_f)  # (n,)
        z_i = _finite("z_i", p.W_i @ v + p.b_i)  # (n,)
        z_c = _finite("z_c", p.W_c @ v + p.b_c)  # (n,)
        z_o = _finite("z_o", p.W_o @ v + p.b_o)  # (n,)
    f, i, c_tilde, o = sigmoid(z_f), sigmoid(z_i), tanh(z_c), sigmoid(z_o)  # (n,) each
    with np.errstate(all="ignore"):
        c = _finite("C_t", f * c_prev + i * c_tilde)  # (n,)
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

@dataclass(frozen=True)
class Grads:
    """Weight gradients, named like LSTMParams with a d in front: dW_g (n, m+n), db_g (n,)."""
    dW_f: np.ndarray
    db_f: np.ndarray
    dW_i: np.ndarray
    db_i: np.ndarray
    dW_c: np.ndarray
    db_c: np.ndarray
    dW_o: np.ndarray
    db_o: np.ndarray

    def as_params(self, order="xh"):
        """The gradients laid out as LSTMParams (e.g. to compare with PyTorch through to_torch)."""
        return LSTMParams(**{k: getattr(self, "d" + k) for k in LSTMParams.names()}, order=order)

@dataclass(frozen=True)
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
    dc = dc + dh * s.o * (1.0 - s.tanh_c ** 2)  # (n,) all the gradient reaching C_t
    dz = {"f": dc * s.c_prev * s.f * (1 - s.f),  # (n,) each
          "i": dc * s.c_tilde * s.i * (1 - s.i),
          "c": dc * s.i * (1 - s.c_tilde ** 2),
          "o": do * s.o * (1 - s.o)}
    dv = sum(getattr(p, f"W_{g}").T @ dz[g] for g in GATES)  # (m+n,)
    dx, dh_prev = split(dv, p.m, p.order)  # (m,), (n,)
    weights = {f"d{k}_{g}": np.outer(dz[g], s.concat) if k == "W" else dz[g] for g in GATES for k in "Wb"}
    for a in (dx, dh_prev, dc, *weights.values()):
        _finite_grads(a)
    return StepGrads(**weights, dx=dx, dh_prev=dh_prev, dc_prev=dc * s.f)  # ∂C_t/∂C_{t-1} = diag(f_t)

@dataclass(frozen=True)
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
        g = lstm_step_backward(steps[t], params, dhs[t] + dh, dc)
        grads.append(g)
        dh, dc = g.dh_prev, g.dc_prev
    grads.reverse()
    total = {}
    with np.errstate(all="ignore"):
        for k in Grads.__dataclass_fields__:
            total[k] = _finite_grads(sum(getattr(g, k) for g in grads))
    return SeqGrads(**total, steps=grads, dxs=np.array([g.dx for g in grads]), dh0=dh, dc0=dc)

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

# ---------------------------------------------------------------- gradient flow, and a small training run

def gradient_flow(T, m=2, n=8, forget_bias=0.0, scale=1.0, seed=0):
    """Send ∂L/∂h_T = 1 back through T steps of an LSTM and of a vanilla RNN fed the same inputs.

    Weights ~ U(−s, s) with s = scale/√n for both. Returns a dict of arrays indexed by k = steps back from T
    (k = 0 is h_T, k = T is h_0): "lstm" ‖(∂L/∂h, ∂L/∂C)‖ and "rnn" ‖∂L/∂h‖ (T+1,), "f_path" the mean over
    units of ∏ f along the cell path (T+1,), "f", "i", "o", "c" (n, T) for heatmaps, and the inputs and
    weights used ("xs", "params", "W", "b").
    """
    rng = np.random.default_rng(seed)
    xs = rng.normal(size=(T, m))  # (T, m)
    p = LSTMParams.random(m, n, seed=seed, scale=scale / np.sqrt(n), forget_bias=forget_bias)
    W, b = rng.uniform(-1, 1, (n, m + n)) * scale / np.sqrt(n), np.zeros(n)  # (n, m+n), (n,)
    dhs = np.zeros((T, n))
    dhs[-1] = 1.0  # L = sum(h_T)
    steps = lstm_forward(xs, np.zeros(n), np.zeros(n), p)
    g = lstm_backward(steps, p, dhs)
    back = [np.hypot(np.linalg.norm(s.dh_prev), np.linalg.norm(s.dc_prev)) for s in g.steps]  # reaching step t's input
    r = rnn_backward(rnn_forward(xs, np.zeros(n), W, b), W, dhs)
    f = np.array([s.f for s in steps]).T  # (n, T)
    f_path = np.concatenate([[1.0], np.cumprod(f[:, ::-1], axis=1).mean(axis=0)])  # (T+1,)
    start = [np.sqrt(n)]  # k = 0: the gradient of sum(h_T) at h_T itself
    return {"lstm": np.concatenate([start, back[::-1]]),
            "rnn": np.concatenate([start, np.linalg.norm(r["dh_prev"], axis=1)[::-1]]),
            "f_path": f_path, "f": f, "i": np.array([s.i for s in steps]).T, "o": np.array([s.o for s in steps]).T,
            "c": np.array([s.c for s in steps]).T, "xs": xs, "params": p, "W": W, "b": b}

def memory_task(batch, T, rng, noise=0.5):
    """Sequences (batch, T, 1) whose first input is ±1, then noise; the target is 1 where it was +1."""
    xs = rng.normal(0, noise, (batch, T, 1))
    sign = rng.choice([-1.0, 1.0], batch)
    xs[:, 0, 0] = sign
    return xs, (sign > 0).astype(float)

def train_memory_task(T=10, n=4, iters=250, batch=8, lr=0.1, seed=0, forget_bias=1.0):
    """Train an LSTM (m = 1) plus a readout p = σ(w·h_T + b0) to recall the sign of the first input after T steps.

    Plain numpy: our forward, our backward, Adam. Returns losses (iters,), accuracy on fresh sequences,
    the trained params, readout (w, b0), and a probe sequence's f_t (n, T) before and after training.
    """
    rng = np.random.default_rng(seed)
    p = LSTMParams.random(1, n, seed=seed, forget_bias=forget_bias)
    w, b0 = rng.normal(0, 0.1, n), 0.0  # (n,), scalar
    names = p.names()
    moments = {k: (0.0, 0.0) for k in names + ("w", "b0")}
    probe = np.zeros((T, 1))
    probe[0, 0] = 1.0
    f_before = np.array([s.f for s in lstm_forward(probe, np.zeros(n), np.zeros(n), p)]).T  # (n, T)
    losses = []
    for it in range(1, iters + 1):
        xs, ys = memory_task(batch, T, rng)
        grads = {k: 0.0 for k in moments}
        loss = 0.0
        for x, y in zip(xs, ys):
            steps = lstm_forward(x, np.zeros(n), np.zeros(n), p)
            q = sigmoid(w @ steps[-1].h + b0)
            loss -= (y * np.log(q + 1e-12) + (1 - y) * np.log(1 - q + 1e-12)) / batch
            dlogit = (q - y) / batch  # ∂L/∂(w·h_T + b0)
            dhs = np.zeros((T, n))
            dhs[-1] = dlogit * w
            g = lstm_backward(steps, p, dhs)
            for k in names:
                grads[k] = grads[k] + getattr(g, "d" + k)
            grads["w"] = grads["w"] + dlogit * steps[-1].h
            grads["b0"] = grads["b0"] + dlogit
        losses.append(loss)
        new = {}
        for k, gk in grads.items():  # Adam
            m1, m2 = moments[k]
            m1, m2 = 0.9 * m1 + 0.1 * gk, 0.999 * m2 + 0.001 * gk * gk
            moments[k] = (m1, m2)
            value = getattr(p, k) if k in names else (w if k == "w" else b0)
            new[k] = value - lr * (m1 / (1 - 0.9 ** it)) / (np.sqrt(m2 / (1 - 0.999 ** it)) + 1e-8)
        w, b0 = new.pop("w"), float(new.pop("b0"))
        p = p.replace(**new)
    xs, ys = memory_task(200, T, rng)
    guess = [sigmoid(w @ lstm_forward(x, np.zeros(n), np.zeros(n), p)[-1].h + b0) > 0.5 for x in xs]
    f_after = np.array([s.f for s in lstm_forward(probe, np.zeros(n), np.zeros(n), p)]).T  # (n, T)
    return {"losses": np.array(losses), "accuracy": float(np.mean(np.array(guess) == (ys > 0))), "params": p,
            "readout": (w, b0), "f_before": f_before, "f_after": f_after, "memory_unit": int(np.argmax(np.abs(w)))}

# ---------------------------------------------------------------- shapes, as frameworks name them

def param_count(m, n, two_biases=False):
    """4n(m+n) weights + 4n biases (8n with PyTorch's two biases)."""
    return 4 * n * (m + n) + (8 if two_biases else 4) * n

def shape_table(m, n):
    """Rows (what, ours, PyTorch nn.LSTM, Keras LSTM) of every tensor's shape for sizes m, n."""
    return [
        ("input x_t", f"({m},)", f"({m},)", f"({m},)"),
        ("hidden h_(t-1), h_t", f"({n},)", f"({n},)  hidden_size", f"({n},)  units"),
        ("cell C_(t-1), C_t", f"({n},)", f"({n},)", f"({n},)"),
        ("concat [x_t, h_(t-1)]", f"({m + n},)", "not formed", "not formed"),
        ("one gate's weights", f"W_f ({n}, {m + n})", f"rows {n}:{2 * n} of both below", f"columns {n}:{2 * n} of both below"),
        ("input weights, 4 gates", f"4 × ({n}, {m}) inside the W's", f"weight_ih_l0 ({4 * n}, {m})", f"kernel ({m}, {4 * n})"),
        ("recurrent weights, 4 gates", f"4 × ({n}, {n}) inside the W's", f"weight_hh_l0 ({4 * n}, {n})", f"recurrent_kernel ({n}, {4 * n})"),
        ("biases", f"4 × ({n},)", f"bias_ih_l0, bias_hh_l0 ({4 * n},) each", f"bias ({4 * n},)"),
        ("gate order", "f, i, c, o (by name)", "i, f, g, o", "i, f, c, o"),
        ("parameters", f"{param_count(m, n)}", f"{param_count(m, n, True)}", f"{param_count(m, n)}"),
    ]

# ---------------------------------------------------------------- the question's worked example

QUESTION_W_F = [[1, 2, 3, 4, 5, 6], [5, 6, 7, 8, 9, 10], [3, 4, 5, 6, 7, 8]]
QUESTION_B_F = [1, 2, 3]
QUESTION_X = [1, 2, 3]
QUESTION_H = [4, 5, 6]
ANSWER_W_I = [[1] * 6, [2] * 6, [3] * 6]
ANSWER_B_I = [1, 1, 1]

def question_example(seed=0):
    """(x_t, h_prev, c_prev, params): W_f, b_f from the question, W_i, b_i from its answer, the rest seeded."""
    p = LSTMParams.random(3, 3, seed=seed)
    p = p.replace(W_f=QUESTION_W_F, b_f=QUESTION_B_F, W_i=ANSWER_W_I, b_i=ANSWER_B_I)
    return np.array(QUESTION_X, float), np.array(QUESTION_H, float), np.zeros(3), p

PRESETS = ("the question's example", "random (seed)", "forget bias = 1", "gates open", "gates closed")

def preset(name, m=3, n=3, seed=0):
    """(x_t, h_prev, c_prev, params) for a named starting point; the question's example is m = n = 3."""
    if name == PRESETS[0]:
        x, h, _, p = question_example(seed)
        return x, h, np.array([1.0, -1.0, 0.5]), p  # C_{t-1} is not in the question: ours, to see f_t act
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {PRESETS}, got {name!r}")
    m, n = as_size("m", m), as_size("n", n)
    rng = np.random.default_rng(as_seed(seed))
    x, h, c = rng.normal(0, 1, m), rng.uniform(-0.5, 0.5, n), rng.normal(0, 1, n)  # (m,), (n,), (n,)
    p = LSTMParams.random(m, n, seed=seed, forget_bias=1.0 if name == "forget bias = 1" else 0.0)
    if name in ("gates open", "gates closed"):
        shift = 6.0 if name == "gates open" else -6.0  # σ(±6) ≈ 0.998 / 0.002
        p = p.replace(b_f=p.b_f + shift, b_i=p.b_i + shift, b_o=p.b_o + shift)
    return x, h, c, p

def torch_example():
    """PyTorch's own numbers, committed: an nn.LSTMCell(3, 4) and an nn.LSTM(3, 4) in float64, their inputs and
    outputs (keys cell_weight_ih, ..., x, h0, c0, h1, c1, xs, hs, cT); written by tests/make_golden.py."""
    with np.load(Path(__file__).parent / "data" / "torch_lstm_example.npz") as f:
        return dict(f)
