"""A vanilla RNN, h_t = tanh(W [x_t, h_{t-1}] + b): the cell the LSTM was made to improve on."""

from dataclasses import dataclass

import numpy as np

from cells.checks import as_array, check_len, check_sizes, check_W, check_xs, finite, finite_grads
from cells.shared import concat, split, tanh


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
    m, n = check_sizes(x_t, h_prev)
    W = check_W("W", as_array("W", W, 2), m, n)
    b = check_len("b", as_array("b", b), len(h_prev), "one bias per hidden unit")
    return _rnn_step(x_t, h_prev, W, b, order)


def _rnn_step(x_t, h_prev, W, b, order):
    """rnn_step on inputs already checked."""
    v = concat(x_t, h_prev, order)  # (m+n,)
    with np.errstate(all="ignore"):
        z = finite("z", W @ v + b)  # (n,)
    return RNNStep(x_t, h_prev, v, z, tanh(z))


def rnn_forward(xs, h0, W, b, order="xh"):
    """T vanilla RNN steps over xs (T, m); returns the list of RNNSteps."""
    xs = check_xs(xs, as_array("W", W, 2).shape[1] - len(as_array("h0", h0)))
    first = rnn_step(xs[0], h0, W, b, order)  # checks h0, W and b once
    steps, W, b = [first], as_array("W", W, 2), as_array("b", b)
    for x_t in xs[1:]:  # each h is the step before's own output
        steps.append(_rnn_step(x_t, steps[-1].h, W, b, order))
    return steps


def rnn_backward(steps, W, dhs, order="xh"):
    """BPTT for the vanilla RNN: dict with dW (n, m+n), db (n,), dxs (T, m), dh0 (n,), dh_prev per
    step (T, n)."""
    W = as_array("W", W, 2)
    n, m = W.shape[0], W.shape[1] - W.shape[0]
    concat([], [], order)  # validates order
    if m < 1:
        raise ValueError(f"W has shape {W.shape} but must be (n, m+n) with m, n ≥ 1")
    T = len(steps) if hasattr(steps, "__len__") else 0
    if T == 0:
        raise ValueError(
            "steps is empty (T = 0): backpropagation through time needs at least one step"
        )
    for t, s in enumerate(steps):
        if not isinstance(s, RNNStep) or s.concat.shape != (m + n,) or s.h.shape != (n,):
            raise ValueError(
                f"steps[{t}] was not made by an RNN with W of shape {W.shape} (m = {m}, n = {n})"
            )
        if not np.array_equal(s.concat, concat(s.x_t, s.h_prev, order)):
            raise ValueError(
                f"steps[{t}] was made with the other concatenation order than "
                f"order={order!r}: backward needs the forward pass's order"
            )
    dhs = as_array("dhs", dhs, 2)
    if dhs.shape != (T, n):
        raise ValueError(
            f"dhs has shape {dhs.shape} but must be (T, n) = ({T}, {n}): one ∂L/∂h_t per step"
        )
    dW, db, dxs, dh_prevs, dh = np.zeros_like(W), np.zeros(n), [], [], np.zeros(n)
    with np.errstate(all="ignore"):
        for t in reversed(range(T)):
            dz = (dhs[t] + dh) * (1 - steps[t].h ** 2)  # (n,) tanh' = 1 − h²
            dW += np.outer(dz, steps[t].concat)
            db += dz
            dx, dh = split(finite_grads(W.T @ dz), m, order)  # (m,), (n,)
            dxs.append(dx)
            dh_prevs.append(dh)
    finite_grads(dW)
    return {
        "dW": dW,
        "db": db,
        "dxs": np.array(dxs[::-1]),
        "dh0": dh,
        "dh_prev": np.array(dh_prevs[::-1]),
    }
