"""Checking what a learner passes in: every bad input gets a clear error naming the argument, the
shape received, the shape expected and the rule."""

import numpy as np

from cells.shared import concat

CELL_RULE = (
    "the number of cell units must equal the hidden size n, because "
    "h_t = o_t ∘ tanh(C_t) has one entry per cell unit and is fed back as h_(t-1)"
)


def _not_numbers(name, value, raw):
    """The clearest reason why value is not an array of real numbers."""
    kinds = {"U": "text", "S": "text", "b": "True/False", "c": "complex numbers"}
    what = kinds.get(raw.dtype.kind)
    if raw.dtype.kind == "O":
        items = [a for a in raw.ravel() if a is not None]
        if any(isinstance(a, complex) for a in items):
            what = "complex numbers"
        elif any(isinstance(a, int) and abs(a) >= 2**63 for a in items):
            return ValueError(
                f"{name} has an integer too large for 64 bits: {value!r:.60}; "
                "keep entries well below 1e150"
            )
    what = what or "entries that are not numbers"
    return TypeError(f"{name} must contain only real numbers, got {what}: {value!r:.60}")


def as_array(name, value, ndim=1):
    """value as a finite float64 array; a (k, 1) column becomes (k,); clear errors otherwise."""
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be numbers, got {type(value).__name__} {value!r:.40}")
    if np.ma.isMaskedArray(value):
        raise TypeError(
            f"{name} is a masked array: fill the masked entries first "
            f"(for example {name}.filled(0.0)) so that every entry is a number"
        )
    try:
        raw = np.asarray(value)
    except ValueError:
        raise ValueError(
            f"{name} has rows of different lengths; it must be a rectangular array"
        ) from None
    if raw.dtype.kind not in "iuf":
        raise _not_numbers(name, value, raw)
    a = raw.astype(np.float64)
    if ndim == 1 and a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]  # the question writes vectors as columns
    if a.ndim != ndim:
        want = "a vector (k,) or a column (k, 1)" if ndim == 1 else f"a {ndim}-D array"
        raise ValueError(f"{name} must be {want}, got shape {a.shape}")
    if not np.isfinite(a).all():
        where = np.argwhere(~np.isfinite(a))[0].tolist()
        raise ValueError(
            f"{name} contains NaN or infinity at {where}; every entry must be a finite number"
        )
    return a


def as_whole(name, value, least, why):
    """A whole number ≥ least (True/False and 2.5 refused), or a clear error saying why."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(
            f"{name} must be a whole number ≥ {least}, got {type(value).__name__} {value!r:.40}"
        )
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


def finite(name, a):
    """a, or a clear error if arithmetic on huge inputs overflowed."""
    if not np.isfinite(a).all():
        raise ValueError(
            f"{name} overflowed to infinity: the inputs or weights are too large "
            "(keep them well below 1e150)"
        )
    return a


def check_len(name, a, n, rule):
    if a.shape != (n,):
        raise ValueError(f"{name} has shape {a.shape} but must be ({n},): {rule}")
    return a


def check_sizes(x_t, h_prev):
    """m = len(x_t), n = len(h_prev), both ≥ 1."""
    for name, a in (("x_t", x_t), ("h_prev", h_prev)):
        if len(a) < 1:
            raise ValueError(f"{name} is empty but must have at least one entry: m, n ≥ 1")
    return len(x_t), len(h_prev)


def check_W(name, W, m, n):
    if W.shape != (n, m + n):
        raise ValueError(
            f"{name} has shape {W.shape} but must be ({n}, {m + n}) = (n, m+n) with m = {m}, n = "
            f"{n}: "
            f"each row of {name} sees the whole [x_t, h_(t-1)] of length m+n = {m}+{n} = {m + n}"
            + (f"; and {W.shape[0]} rows ≠ n = {n}: {CELL_RULE}" if W.shape[0] != n else "")
        )
    return W


def check_params(params, cls):
    """params if it is a cls (LSTMParams, GRUParams, ...), or a TypeError naming it."""
    if not isinstance(params, cls):
        raise TypeError(
            f"params must be {cls.__name__} (for example {cls.__name__}.random(m, n)), "
            f"got {type(params).__name__}"
        )
    return params


def check_xs(xs, m):
    """xs (T, m) with T ≥ 1."""
    xs = as_array("xs", xs, 2)
    if xs.shape[1] != m or xs.shape[0] < 1:
        raise ValueError(
            f"xs has shape {xs.shape} but must be (T, m) = (T, {m}) with T ≥ 1: "
            "one x_t per row, at least one step"
        )
    return xs


def check_step(step, params, kind, name="step"):
    """A step record of this kind made by these params (same sizes, same concatenation order), or a
    clear error."""
    if not isinstance(step, kind):
        raise TypeError(
            f"{name} must be a {kind.__name__} record (from the forward pass), "
            f"got {type(step).__name__}"
        )
    m, n = params.m, params.n
    if step.x_t.shape != (m,) or step.h_prev.shape != (n,):
        raise ValueError(
            f"{name} was made by a cell with m = {len(step.x_t)}, n = {len(step.h_prev)}, "
            f"but params have m = {m}, n = {n}: backward needs the params of the forward pass"
        )
    if not np.array_equal(step.concat, concat(step.x_t, step.h_prev, params.order)):
        raise ValueError(
            f"{name} was made with the other concatenation order than params "
            f"(order={params.order!r}): backward needs the params of the forward pass"
        )
    return step


def finite_grads(a):
    """a, or a clear error if the gradients overflowed."""
    if not np.isfinite(a).all():
        raise ValueError(
            "the gradients overflowed to infinity: the incoming gradients (dh, dc, dhs) "
            "or the weights are too large (keep them well below 1e150)"
        )
    return a


def check_steps(steps, params, kind):
    """The forward pass's list of steps: T ≥ 1 records made by these params; returns T."""
    if isinstance(steps, (str, bytes)) or not hasattr(steps, "__len__"):
        raise TypeError(
            f"steps must be the list the forward pass returned, got {type(steps).__name__}"
        )
    if len(steps) == 0:
        raise ValueError(
            "steps is empty (T = 0): backpropagation through time needs at least one step"
        )
    for t, s in enumerate(steps):
        check_step(s, params, kind, name=f"steps[{t}]")
    return len(steps)
