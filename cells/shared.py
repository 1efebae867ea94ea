"""What every cell shares: activations and their derivatives, the concatenation, and the
quantity record that describes each number of a step once (views, panels and tests iterate
these)."""

from dataclasses import dataclass

import numpy as np

ORDERS = ("xh", "hx")

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
    """σ'(z) = σ(z)(1 − σ(z)) = e^-|z| / (1 + e^-|z|)²; at most 0.25, at z = 0; tiny, not 0, when
    saturated."""
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


# ---------------------------------------------------------------- the concatenation


def concat(x_t, h_prev, order="xh"):
    """v = [x_t, h_{t-1}] ("xh") or [h_{t-1}, x_t] ("hx")  # (m+n,)"""
    if order not in ORDERS:
        raise ValueError(
            f"order must be 'xh' ([x_t, h_(t-1)]) or 'hx' ([h_(t-1), x_t]), got {order!r}"
        )
    return np.concatenate([x_t, h_prev] if order == "xh" else [h_prev, x_t])


def split(v, m, order="xh"):
    """Inverse of concat: (x part, h part) of a length m+n vector."""
    n = len(v) - m
    return (v[:m], v[m:]) if order == "xh" else (v[n:], v[:n])


def concat_cols(W_x, W_h, order="xh"):
    """Weights for v from the blocks that meet x_t (n, m) and h_{t-1} (n, n)  # (n, m+n)"""
    return np.hstack([W_x, W_h] if order == "xh" else [W_h, W_x])


# ---------------------------------------------------------------- quantities, described once


@dataclass(frozen=True)
class Quantity:
    """One quantity of a cell's step, described once; every view, panel and test iterates these.

    field: the step record's field; text: plain text as the lessons print it; symbol: matplotlib
    mathtext; latex: for formulas; formula: LaTeX of how it is computed; what: in words; size: "m",
    "n" or "m+n"; kind: "input", "concat", "pre" (a pre-activation), "gate" (an activation of its
    pre), "state" (C_t, h_t), or "part" (an intermediate sum or product); pre: the field of its
    pre-activation; activation: "sigmoid" or "tanh"; weights: its weight matrix's name; peephole:
    its peephole vector's name, if the cell has one; sees: the field of the cell state that
    peephole reads.
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
    peephole: str = None
    sees: str = None


ACTIVATIONS = {  # name -> (function, derivative, how it is written)
    "sigmoid": (sigmoid, sigmoid_prime, "σ"),
    "tanh": (tanh, tanh_prime, "tanh"),
}

INPUTS = (
    Quantity("x_t", "x_t", "$x_t$", "x_t", "x_t", "input", size="m", kind="input"),
    Quantity(
        "h_prev",
        "h_(t-1)",
        "$h_{t-1}$",
        "h_{t-1}",
        "h_{t-1}",
        "previous hidden state",
        kind="input",
    ),
)
CONCAT = Quantity(
    "concat", "v", "$v$", "v", "[x_t, h_{t-1}]", "concatenation", size="m+n", kind="concat"
)


# ---------------------------------------------------------------- the backward pass, as data


class FromGrads:
    """A chain-rule factor made from gradients found before it: `how(grads, params)`, with the
    fields it reads named (`uses`), so that a view can show what a backward stage starts from."""

    def __init__(self, uses, how):
        self.uses, self.how = tuple(uses), how

    def __call__(self, s, g, p, d):
        return self.how(g, p)


def read(source, field):
    """A chain-rule factor read from the step (s), the gradients (g), the weights (p) or the
    gradients handed in (d)."""
    if source == "s":
        return lambda s, g, p, d: getattr(s, field)
    if source == "g":
        return FromGrads((field,), lambda g, p: getattr(g, field))
    if source == "p":
        return lambda s, g, p, d: getattr(p, field)
    return lambda s, g, p, d: d[field]


def dsigma(field):
    """The factor σ' = σ(1 − σ) at a gate whose value is the step's field."""
    return lambda s, g, p, d: getattr(s, field) * (1 - getattr(s, field))


def dtanh(field):
    """The factor tanh' = 1 − tanh² at a tanh output that is the step's field."""
    return lambda s, g, p, d: 1 - getattr(s, field) ** 2


@dataclass(frozen=True)
class Chain:
    """One gradient as the chain rule writes it, unit by unit: grad = Σ over terms of the product of
    the term's factors. A factor is (its symbol, its value from (step, grads, params, given) as an
    (n,) array); given holds the gradients handed in (dh, dc). The backward view prints each
    factor's number; the tests check that the table gives the backward pass's values."""

    grad: str  # the field of the step's gradients: "df" is ∂L/∂f_t
    symbol: str  # ∂L/∂f_t
    terms: tuple  # ((factor, ...), ...), factor = (symbol, function)

    def value(self, step, grads, params, given):
        """The gradient from its factors: (n,)."""
        total = 0.0
        for term in self.terms:
            product = 1.0
            for _, factor in term:
                product = product * factor(step, grads, params, given)
            total = total + product
        return total

    @property
    def uses(self):
        """The gradient fields its factors read (found at earlier stages)."""
        fields = []
        for term in self.terms:
            for _, factor in term:
                fields += [f for f in getattr(factor, "uses", ()) if f not in fields]
        return tuple(fields)


@dataclass(frozen=True)
class BackwardStage:
    """One stage of the backward pass: its name, the forward stage it undoes (lit on the diagram),
    the gradients it computes as chains, and the weights whose gradients it forms, each as (W, the
    gradient of its pre-activation, the step field it multiplies): dW = dz ⊗ that input."""

    name: str
    forward_stage: int
    chains: tuple
    weights: tuple = ()

    @property
    def computes(self):
        """The gradient fields its chains find."""
        return tuple(chain.grad for chain in self.chains)

    @property
    def uses(self):
        """The gradient fields it starts from (each once): its chains' and its weights' inputs."""
        fields = []
        for chain in self.chains:
            fields += [f for f in chain.uses if f not in fields and f not in self.computes]
        fields += [dz for _, dz, _ in self.weights if dz not in fields]
        return tuple(fields)
