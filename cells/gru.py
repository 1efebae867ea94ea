"""The GRU (Cho et al. 2014) in PyTorch's and Keras's "reset after" form: forward and backward."""

from dataclasses import dataclass, replace

import numpy as np

from cells.checks import (
    CELL_RULE,
    as_array,
    as_number,
    as_seed,
    as_size,
    check_len,
    check_params,
    check_step,
    check_W,
    check_xs,
    finite,
    finite_grads,
)
from cells.shared import (
    BackwardStage,
    Chain,
    CONCAT,
    INPUTS,
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

GRU_WEIGHTS = ("W_r", "b_r", "W_z", "b_z", "W_hx", "b_hx", "W_hh", "b_hh")


@dataclass(frozen=True, eq=False)
class GRUParams:
    """A GRU cell in PyTorch's and Keras's default "reset after" form, with v = [x_t, h_{t-1}]:

        r_t = σ(W_r v + b_r)                                  reset gate   W_r (n, m+n)
        z_t = σ(W_z v + b_z)                                  update gate  W_z (n, m+n)
        h̃_t = tanh(W_hx x_t + b_hx + r_t ∘ (W_hh h_{t-1} + b_hh))  candidate  W_hx (n, m), W_hh (n,
        n) h_t = (1 − z_t) ∘ h̃_t + z_t ∘ h_{t-1}

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
            raise ValueError(
                f"W_hh has shape {W_hh.shape} but must be (n, n): the candidate's "
                "recurrent weights, one row per unit, one column per entry of h_(t-1)"
            )
        W_hx = as_array("W_hx", self.W_hx, 2)
        m = W_hx.shape[1]
        if W_hx.shape[0] != n or m < 1:
            raise ValueError(
                f"W_hx has shape {W_hx.shape} but must be (n, m) = ({n}, m) with m ≥ 1: "
                f"the candidate's input weights, one row per unit like W_hh {W_hh.shape}"
            )
        gru_rule = CELL_RULE.replace("o_t ∘ tanh(C_t)", "(1 − z_t)∘h̃_t + z_t∘h_(t-1)")
        rule = f"one bias per unit; {gru_rule}"
        for name in ("W_r", "W_z"):
            self._own(name, check_W(name, as_array(name, getattr(self, name), 2), m, n))
        for name in ("b_r", "b_z", "b_hx", "b_hh"):
            self._own(name, check_len(name, as_array(name, getattr(self, name)), n, rule))
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
        return (
            isinstance(other, GRUParams)
            and self.order == other.order
            and all(np.array_equal(getattr(self, k), getattr(other, k)) for k in self.names())
        )

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
        """From nn.GRUCell / nn.GRU layer-0 arrays: weight_ih (3n, m), weight_hh (3n, n), biases
        (3n,); PyTorch stacks the rows r, z, n (n is the candidate h̃)."""
        W_ih, W_hh = as_array("weight_ih", weight_ih, 2), as_array("weight_hh", weight_hh, 2)
        b_ih, b_hh = as_array("bias_ih", bias_ih), as_array("bias_hh", bias_hh)
        n = W_hh.shape[1]
        if W_hh.shape != (3 * n, n) or n < 1:
            raise ValueError(
                f"weight_hh has shape {W_hh.shape} but must be (3n, n): three gates' rows "
                "stacked (r, z, n), each seeing h_(t-1) of size n"
            )
        if W_ih.shape[0] != 3 * n:
            raise ValueError(
                f"weight_ih has shape {W_ih.shape} but must be (3n, m) = ({3 * n}, m): "
                f"the same three gates' rows as weight_hh {W_hh.shape}"
            )
        for name, b in (("bias_ih", b_ih), ("bias_hh", b_hh)):
            check_len(name, b, 3 * n, "one bias per row of the three stacked gates (r, z, n)")
        r, z, c = slice(0, n), slice(n, 2 * n), slice(2 * n, 3 * n)
        return cls(
            W_r=concat_cols(W_ih[r], W_hh[r], order),
            b_r=b_ih[r] + b_hh[r],  # (n, m+n), (n,)
            W_z=concat_cols(W_ih[z], W_hh[z], order),
            b_z=b_ih[z] + b_hh[z],
            W_hx=W_ih[c],
            b_hx=b_ih[c],
            W_hh=W_hh[c],
            b_hh=b_hh[c],
            order=order,
        )

    def to_torch(self):
        """{'weight_ih': (3n, m), 'weight_hh': (3n, n), 'bias_ih': (3n,), 'bias_hh': (3n,)}, rows
        r, z, n."""
        (rx, rh), (zx, zh) = self.blocks("r"), self.blocks("z")
        zeros = np.zeros(self.n)
        return {
            "weight_ih": np.vstack([rx, zx, self.W_hx]),
            "weight_hh": np.vstack([rh, zh, self.W_hh]),
            "bias_ih": np.concatenate([self.b_r, self.b_z, self.b_hx]),
            "bias_hh": np.concatenate([zeros, zeros, self.b_hh]),
        }


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
    x_t = check_len(
        "x_t",
        as_array("x_t", x_t),
        p.m,
        f"these weights expect m = {p.m} inputs (W_hx is ({p.n}, {p.m}))",
    )
    h_prev = check_len(
        "h_prev",
        as_array("h_prev", h_prev),
        p.n,
        "h_(t-1) is the previous step's h_t, one entry per unit",
    )
    v = concat(x_t, h_prev, p.order)  # (m+n,)
    with np.errstate(all="ignore"):
        z_r = finite("z_r", p.W_r @ v + p.b_r)  # (n,)
        z_z = finite("z_z", p.W_z @ v + p.b_z)  # (n,)
        n_x = finite("n_x", p.W_hx @ x_t + p.b_hx)  # (n,)
        n_h = finite("n_h", p.W_hh @ h_prev + p.b_hh)  # (n,)
        r, z = sigmoid(z_r), sigmoid(z_z)  # (n,) each
        z_h = finite("z_h", n_x + r * n_h)  # (n,)
    h_tilde = tanh(z_h)  # (n,)
    h = (1.0 - z) * h_tilde + z * h_prev  # (n,)
    return GRUStep(x_t, h_prev, v, z_r, r, z_z, z, n_x, n_h, z_h, h_tilde, h)


def gru_forward(xs, h0, params):
    """Run T GRU steps over xs (T, m) from h0 (n,); returns the list of T GRUSteps."""
    p = check_params(params, GRUParams)
    h = check_len("h0", as_array("h0", h0), p.n, "the initial hidden state has one entry per unit")
    steps = []
    for x_t in check_xs(xs, p.m):
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
    """Gradients of one GRU step: the weights', dx (m,), dh_prev (n,), and every inner one, named
    "d" + the GRUStep field it belongs to, each ∂L/∂(that quantity): dconcat (m+n,) (v feeds the
    reset and update gates), dz_r, dr, dz_z, dz, dn_x, dn_h, dz_h, dh_tilde, dh (n,), dh the one
    given."""

    dx: np.ndarray
    dh_prev: np.ndarray
    dconcat: np.ndarray = None
    dz_r: np.ndarray = None
    dr: np.ndarray = None
    dz_z: np.ndarray = None
    dz: np.ndarray = None
    dn_x: np.ndarray = None
    dn_h: np.ndarray = None
    dz_h: np.ndarray = None
    dh_tilde: np.ndarray = None
    dh: np.ndarray = None


@dataclass(frozen=True, kw_only=True)
class GRUSeqGrads(GRUGrads):
    """BPTT result for a GRU: weight gradients summed over time, per-step grads, dxs (T, m), dh0
    (n,)."""

    steps: list
    dxs: np.ndarray
    dh0: np.ndarray


def gru_step_backward(step, params, dh):
    """Gradients of one GRU step, given dh = ∂L/∂h_t arriving from later."""
    p = check_params(params, GRUParams)
    s = check_step(step, p, GRUStep)
    dh = check_len("dh", as_array("dh", dh), p.n, "one gradient per entry of h_t")
    with np.errstate(all="ignore"):
        # h_t = (1 − z_t) ∘ h̃_t + z_t ∘ h_{t-1}
        dh_tilde = dh * (1.0 - s.z)  # (n,)
        dz = dh * (s.h_prev - s.h_tilde)  # (n,)
        dz_z = dz * s.z * (1 - s.z)  # (n,)
        # h̃_t = tanh(z_h), z_h = n_x + r_t ∘ n_h
        dz_h = dh_tilde * (1 - s.h_tilde**2)  # (n,)
        dn_x = dz_h  # (n,)
        dn_h = dz_h * s.r  # (n,)
        dr = dz_h * s.n_h  # (n,)
        dz_r = dr * s.r * (1 - s.r)  # (n,)
        dconcat = p.W_r.T @ dz_r + p.W_z.T @ dz_z  # (m+n,)
        dx, dh_prev = split(dconcat, p.m, p.order)  # (m,), (n,)
        dx = dx + p.W_hx.T @ dn_x  # (m,)
        dh_prev = dh_prev + p.W_hh.T @ dn_h + dh * s.z  # (n,) ∂h_t/∂h_(t-1) = diag(z_t) + …
        grads = {
            "dW_r": np.outer(dz_r, s.concat),
            "db_r": dz_r,
            "dW_z": np.outer(dz_z, s.concat),
            "db_z": dz_z,
            "dW_hx": np.outer(dn_x, s.x_t),
            "db_hx": dn_x,
            "dW_hh": np.outer(dn_h, s.h_prev),
            "db_hh": dn_h,
        }
    inner = {
        "dconcat": dconcat,
        "dz_r": dz_r,
        "dr": dr,
        "dz_z": dz_z,
        "dz": dz,
        "dn_x": dn_x,
        "dn_h": dn_h,
        "dz_h": dz_h,
        "dh_tilde": dh_tilde,
        "dh": dh,
    }
    for a in (dx, dh_prev, *grads.values(), *inner.values()):
        finite_grads(a)
    return GRUStepGrads(**grads, dx=dx, dh_prev=dh_prev, **inner)


def gru_backward(steps, params, dhs):
    """Backpropagation through time for a GRU: dhs (T, n) are ∂L/∂h_t from outside."""
    p = check_params(params, GRUParams)
    if isinstance(steps, (str, bytes)) or not hasattr(steps, "__len__"):
        raise TypeError(f"steps must be the list gru_forward returned, got {type(steps).__name__}")
    if len(steps) == 0:
        raise ValueError(
            "steps is empty (T = 0): backpropagation through time needs at least one step"
        )
    T, n = len(steps), p.n
    for t, s in enumerate(steps):
        check_step(s, p, GRUStep, name=f"steps[{t}]")
    dhs = as_array("dhs", dhs, 2)
    if dhs.shape != (T, n):
        raise ValueError(
            f"dhs has shape {dhs.shape} but must be (T, n) = ({T}, {n}): one ∂L/∂h_t per step"
        )
    dh, grads = np.zeros(n), []
    for t in reversed(range(T)):
        with np.errstate(all="ignore"):
            arriving = finite_grads(dhs[t] + dh)  # (n,)
        g = gru_step_backward(steps[t], p, arriving)
        grads.append(g)
        dh = g.dh_prev
    grads.reverse()
    total = {}
    with np.errstate(all="ignore"):
        for name in GRU_WEIGHTS:
            total["d" + name] = finite_grads(sum(getattr(g, "d" + name) for g in grads))
    return GRUSeqGrads(**total, steps=grads, dxs=np.array([g.dx for g in grads]), dh0=dh)


GRU_QUANTITIES = (
    *INPUTS,
    CONCAT,
    Quantity("z_r", "a_r", "$a_r$", "a_r", "W_r v + b_r", "reset pre-activation", kind="pre"),
    Quantity(
        "r",
        "r_t",
        "$r_t$",
        "r_t",
        r"\sigma(a_r)",
        "reset gate",
        kind="gate",
        pre="z_r",
        activation="sigmoid",
        weights="W_r",
    ),
    Quantity("z_z", "a_z", "$a_z$", "a_z", "W_z v + b_z", "update pre-activation", kind="pre"),
    Quantity(
        "z",
        "z_t",
        "$z_t$",
        "z_t",
        r"\sigma(a_z)",
        "update gate",
        kind="gate",
        pre="z_z",
        activation="sigmoid",
        weights="W_z",
    ),
    Quantity("n_x", "a_x", "$a_x$", "a_x", "W_{hx} x_t + b_{hx}", "candidate's input part"),
    Quantity("n_h", "a_h", "$a_h$", "a_h", "W_{hh} h_{t-1} + b_{hh}", "candidate's recurrent part"),
    Quantity(
        "z_h",
        "a_h̃",
        r"$a_{\tilde{h}}$",
        r"a_{\tilde h}",
        r"a_x + r_t \circ a_h",
        "candidate pre-activation",
        kind="pre",
    ),
    Quantity(
        "h_tilde",
        "h̃_t",
        r"$\tilde{h}_t$",
        r"\tilde{h}_t",
        r"\tanh(a_{\tilde h})",
        "candidate",
        kind="gate",
        pre="z_h",
        activation="tanh",
        weights="W_hx",
    ),
    Quantity(
        "h",
        "h_t",
        "$h_t$",
        "h_t",
        r"(1 - z_t) \circ \tilde{h}_t + z_t \circ h_{t-1}",
        "hidden state",
        kind="state",
    ),
)


# ---------------------------------------------------------------- the backward pass, as data
# Each gradient as the chain rule writes it, stage by stage from h_t back to h_(t-1);
# tests/test_backward_view.py checks this table against gru_step_backward.


def gru_backward_stages(params):
    """The backward stages of the GRU, in this z convention (z_t keeps h_(t-1))."""
    gates_x = (
        "[W_rᵀ da_r + W_zᵀ da_z]_x",
        FromGrads(
            ("dz_r", "dz_z"),
            lambda g, p: split(p.W_r.T @ g.dz_r + p.W_z.T @ g.dz_z, p.m, p.order)[0],
        ),
    )
    gates_h = (
        "[W_rᵀ da_r + W_zᵀ da_z]_h",
        FromGrads(
            ("dz_r", "dz_z"),
            lambda g, p: split(p.W_r.T @ g.dz_r + p.W_z.T @ g.dz_z, p.m, p.order)[1],
        ),
    )
    return (
        BackwardStage(
            "∂L/∂h_t, given (by the loss and, through time, step t + 1)",
            4,
            (Chain("dh", "∂L/∂h_t", ((("from the loss", read("d", "dh")),),)),),
        ),
        BackwardStage(
            "h̃_t and z_t",
            4,
            (
                Chain(
                    "dh_tilde",
                    "∂L/∂h̃_t",
                    ((("∂L/∂h_t", read("g", "dh")), ("1 − z_t", lambda s, g, p, d: 1 - s.z)),),
                ),
                Chain(
                    "dz",
                    "∂L/∂z_t",
                    (
                        (
                            ("∂L/∂h_t", read("g", "dh")),
                            ("h_(t-1) − h̃_t", lambda s, g, p, d: s.h_prev - s.h_tilde),
                        ),
                    ),
                ),
            ),
        ),
        BackwardStage(
            "pre-activations of z_t and h̃_t",
            3,
            (
                Chain("dz_z", "∂L/∂a_z", ((("∂L/∂z_t", read("g", "dz")), ("σ'", dsigma("z"))),)),
                Chain(
                    "dz_h",
                    "∂L/∂a_h̃",
                    (
                        (
                            ("∂L/∂h̃_t", read("g", "dh_tilde")),
                            ("tanh'", dtanh("h_tilde")),
                        ),
                    ),
                ),
            ),
        ),
        BackwardStage(
            "the reset gate and the candidate's parts",
            1,
            (
                Chain("dn_x", "∂L/∂a_x", ((("∂L/∂a_h̃", read("g", "dz_h")),),)),
                Chain(
                    "dn_h",
                    "∂L/∂a_h",
                    ((("∂L/∂a_h̃", read("g", "dz_h")), ("r_t", read("s", "r"))),),
                ),
                Chain(
                    "dr",
                    "∂L/∂r_t",
                    ((("∂L/∂a_h̃", read("g", "dz_h")), ("a_h", read("s", "n_h"))),),
                ),
                Chain("dz_r", "∂L/∂a_r", ((("∂L/∂r_t", read("g", "dr")), ("σ'", dsigma("r"))),)),
            ),
        ),
        BackwardStage(
            "weights and v",
            0,
            (),
            (
                ("W_r", "dz_r", "concat"),
                ("W_z", "dz_z", "concat"),
                ("W_hx", "dn_x", "x_t"),
                ("W_hh", "dn_h", "h_prev"),
            ),
        ),
        BackwardStage(
            "h_(t-1) and x_t",
            0,
            (
                Chain(
                    "dx",
                    "∂L/∂x_t",
                    (
                        (gates_x,),
                        (("W_hxᵀ dn_x", FromGrads(("dn_x",), lambda g, p: p.W_hx.T @ g.dn_x)),),
                    ),
                ),
                Chain(
                    "dh_prev",
                    "∂L/∂h_(t-1)",
                    (
                        (gates_h,),
                        (("W_hhᵀ dn_h", FromGrads(("dn_h",), lambda g, p: p.W_hh.T @ g.dn_h)),),
                        (("∂L/∂h_t", read("g", "dh")), ("z_t", read("s", "z"))),
                    ),
                ),
            ),
        ),
    )
