"""lstm_core against hand-computed numbers, properties, and finite differences."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lstm_core as L

# The question's numbers, typed in here again (not imported) so the test is independent.
W_F = np.array([[1, 2, 3, 4, 5, 6], [5, 6, 7, 8, 9, 10], [3, 4, 5, 6, 7, 8]])
B_F = np.array([1, 2, 3])
X, H = [1, 2, 3], [4, 5, 6]


def hand_dot(row, v):
    return sum(a * b for a, b in zip(row, v, strict=True))


# ---------------------------------------------------------------- activations


def test_activation_contract():
    assert L.sigmoid(1e6) == 1.0 and L.sigmoid(-1e6) == 0.0
    assert L.sigmoid_prime(0) == 0.25 and L.tanh_prime(0) == 1.0
    assert L.sigmoid(0) == 0.5 and L.tanh(0) == 0.0


def test_activations_never_warn_for_finite_inputs():
    z = np.array([-1e308, -1e6, -745.2, -92, -1, 0, 1, 92, 745.2, 1e6, 1e308])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for f in (L.sigmoid, L.sigmoid_prime, L.tanh, L.tanh_prime):
            assert np.all(np.isfinite(f(z)))


@given(st.floats(-700, 700))
def test_sigmoid_matches_math(z):
    assert math.isclose(L.sigmoid(z), 1 / (1 + math.exp(-z)), rel_tol=1e-12, abs_tol=1e-300)


@given(st.floats(-30, 30))
def test_derivatives_match_finite_differences(z):
    eps = 1e-6
    for f, fp in ((L.sigmoid, L.sigmoid_prime), (L.tanh, L.tanh_prime)):
        fd = (f(z + eps) - f(z - eps)) / (2 * eps)
        assert abs(fd - fp(z)) < 1e-8


def test_saturated_derivatives_are_tiny_not_zero():
    assert math.isclose(
        L.sigmoid_prime(92), math.exp(-92), rel_tol=1e-12
    )  # σ'(z) ≈ e^-z for large z
    assert math.isclose(L.tanh_prime(30), 4 * math.exp(-60), rel_tol=1e-12)


def test_derivative_maxima_are_at_zero():
    z = np.linspace(-10, 10, 20001)
    assert L.sigmoid_prime(z).max() == 0.25 and z[L.sigmoid_prime(z).argmax()] == 0
    assert L.tanh_prime(z).max() == 1.0 and z[L.tanh_prime(z).argmax()] == 0


# ---------------------------------------------------------------- the question's worked example


def test_forget_gate_worked_example_by_hand():
    v = X + H
    hand = [hand_dot(row, v) for row in W_F.tolist()]
    assert hand == [91, 175, 133]  # 1·1 + 2·2 + ... + 6·6 = 91 etc.
    g = L.forget_gate(W_F, B_F, X, H)
    assert g.concat.tolist() == [1, 2, 3, 4, 5, 6]
    assert g.z.tolist() == [h + b for h, b in zip(hand, B_F, strict=True)] == [92, 177, 136]
    assert g.value.tolist() == [1.0, 1.0, 1.0]  # exactly 1.0 in float64, not rounded
    assert math.exp(-92) < np.finfo(float).eps / 2  # why: 1 + e^-92 rounds to 1


def test_column_vectors_and_ints_are_accepted():
    g = L.forget_gate(W_F, np.array([[1], [2], [3]]), np.array([[1], [2], [3]]), [[4], [5], [6]])
    assert g.z.dtype == np.float64 and g.z.shape == (3,)
    assert g.z.tolist() == [92, 177, 136]


def test_order_hx_puts_h_first():
    v = H + X
    hand = [hand_dot(row, v) + b for row, b in zip(W_F.tolist(), B_F, strict=True)]
    assert hand == [65, 150, 109]
    g = L.forget_gate(W_F, B_F, X, H, order="hx")
    assert g.concat.tolist() == v and g.z.tolist() == hand


def test_answer_input_gate_slip_is_corrected():
    x, h, c, p = L.question_example()
    v = X + H
    hand = [hand_dot([k] * 6, v) + 1 for k in (1, 2, 3)]
    assert hand == [22, 43, 64]  # the answer printed [22, 42, 62]
    assert L.lstm_step(x, h, c, p).z_i.tolist() == hand


def test_hadamard_example():
    assert (np.array([1, 2, 3]) * np.array([3, 2, 1])).tolist() == [3, 4, 3]


# ---------------------------------------------------------------- a full step, by hand


def test_lstm_step_by_hand_one_unit():
    # m = n = 1, every weight 1 and bias 0: z = x + h = 1 for every gate
    one = [[1.0, 1.0]]
    p = L.LSTMParams(one, [0], one, [0], one, [0], one, [0])
    s = L.lstm_step([0.5], [0.5], [2.0], p)
    sig = 1 / (1 + math.exp(-1))
    c = sig * 2.0 + sig * math.tanh(1)
    assert s.f[0] == pytest.approx(sig, abs=1e-15) and s.c_tilde[0] == pytest.approx(
        math.tanh(1), abs=1e-15
    )
    assert s.c[0] == pytest.approx(c, abs=1e-15)
    assert s.h[0] == pytest.approx(sig * math.tanh(c), abs=1e-15)


def test_step_record_fields_and_shapes():
    p = L.LSTMParams.random(4, 3, seed=1)
    s = L.lstm_step(np.ones(4), np.zeros(3), np.zeros(3), p)
    assert s.concat.shape == (7,) and s.x_t.shape == (4,)
    for k in (
        "z_f",
        "z_i",
        "z_c",
        "z_o",
        "f",
        "i",
        "c_tilde",
        "c",
        "o",
        "tanh_c",
        "h",
        "h_prev",
        "c_prev",
    ):
        assert getattr(s, k).shape == (3,), k


def test_forward_chains_steps():
    p = L.LSTMParams.random(2, 3, seed=2)
    xs = np.random.default_rng(0).normal(size=(5, 2))
    steps = L.lstm_forward(xs, np.zeros(3), np.zeros(3), p)
    h, c = np.zeros(3), np.zeros(3)
    for x, s in zip(xs, steps, strict=True):
        one = L.lstm_step(x, h, c, p)
        np.testing.assert_array_equal(one.h, s.h)
        h, c = one.h, one.c


# ---------------------------------------------------------------- bad input


def test_question_mistake_3x3_W_f_names_shape_and_rule():
    with pytest.raises(ValueError) as e:
        L.forget_gate(np.ones((3, 3)), B_F, X, H)
    msg = str(e.value)
    assert (
        "W_f" in msg and "(3, 3)" in msg and "(3, 6)" in msg and "each row" in msg and "m+n" in msg
    )
    with pytest.raises(ValueError, match=r"\(3, 6\)"):
        L.LSTMParams(*[np.ones((3, 3)), np.ones(3)] * 4)


@pytest.mark.parametrize(
    "field,value,fragment",
    [
        ("b_f", np.ones(4), "cell units must equal the hidden size"),
        ("W_i", np.ones((4, 6)), "cell units must equal the hidden size"),
        ("W_o", np.ones((3, 5)), "(3, 6)"),
    ],
)
def test_param_shape_errors(field, value, fragment):
    p = L.LSTMParams.random(3, 3)
    with pytest.raises(ValueError) as e:
        p.replace(**{field: value})
    assert field in str(e.value) and fragment in str(e.value)


def test_k_not_equal_n_breaks_the_recurrence():
    p = L.LSTMParams.random(3, 4)  # four cell units
    with pytest.raises(ValueError) as e:
        L.lstm_step(np.ones(3), np.ones(3), np.zeros(4), p)  # h_prev of 3 cannot be fed back
    assert "h_prev" in str(e.value) and "(4,)" in str(e.value) and "fed back" in str(e.value)
    with pytest.raises(ValueError, match="x_t"):
        L.lstm_step(np.ones(2), np.ones(4), np.zeros(4), p)


@pytest.mark.parametrize(
    "bad,err",
    [
        (None, TypeError),
        ("abc", TypeError),
        ([1, "a", 3], TypeError),
        ([1, None, 3], TypeError),
        ([1, float("nan"), 3], ValueError),
        ([1, float("inf"), 3], ValueError),
        ([[1, 2], [3]], ValueError),
        (np.ones((2, 3)), ValueError),
    ],
)
def test_bad_values_name_the_argument(bad, err):
    x, h, c, p = L.question_example()
    with pytest.raises(err, match="x_t"):
        L.lstm_step(bad, h, c, p)


def test_overflow_is_a_clear_error_not_a_warning():
    x, h, c, p = L.question_example()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="overflow"):
            L.lstm_step([1e308] * 3, h, c, p)


def test_bad_order():
    with pytest.raises(ValueError, match="order"):
        L.forget_gate(W_F, B_F, X, H, order="yx")


# ---------------------------------------------------------------- properties

sizes = st.integers(1, 6)


@settings(max_examples=60, deadline=None)
@given(m=sizes, n=sizes, seed=st.integers(0, 10**6), scale=st.floats(0.01, 50))
def test_step_properties(m, n, seed, scale):
    rng = np.random.default_rng(seed)
    p = L.LSTMParams.random(m, n, seed=seed, scale=scale)
    x, h, c = rng.normal(0, scale, m), rng.uniform(-1, 1, n), rng.normal(0, 3, n)
    s = L.lstm_step(x, h, c, p)
    for g in (s.f, s.i, s.o):
        assert np.all((0 <= g) & (g <= 1))
    assert np.all(np.abs(s.h) <= 1)
    assert np.all(np.abs(s.c) <= np.abs(c) + 1)
    # the same cell written for the other order computes the same step
    q = p.with_order("hx")
    np.testing.assert_array_equal(q.W_f, np.hstack([p.W_f[:, m:], p.W_f[:, :m]]))
    t = L.lstm_step(x, h, c, q)
    np.testing.assert_allclose(t.h, s.h, rtol=1e-12, atol=1e-15)
    assert q.with_order("xh") == p


# ---------------------------------------------------------------- backward: finite differences


def numeric_grad(f, a, eps=1e-6):
    g = np.zeros_like(a)
    for k in np.ndindex(a.shape):
        old = a[k]
        a[k] = old + eps
        up = f()
        a[k] = old - eps
        down = f()
        a[k] = old
        g[k] = (up - down) / (2 * eps)
    return g


def rel_err(a, b):
    """Largest difference relative to the gradient's size; below 1e-3 in size, central differences
    are limited by round-off (~1e-16·|L|/eps), so the floor keeps the check meaningful, not
    flaky."""
    return np.max(np.abs(a - b)) / max(1e-3, np.max(np.abs(a) + np.abs(b)))


@settings(max_examples=15, deadline=None)
@given(
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    T=st.integers(1, 4),
    seed=st.integers(0, 10**6),
    order=st.sampled_from(L.ORDERS),
)
def test_bptt_matches_finite_differences(m, n, T, seed, order):
    rng = np.random.default_rng(seed)
    p = L.LSTMParams.random(m, n, seed=seed, scale=0.8, order=order)
    arrays = {k: getattr(p, k).copy() for k in p.names()}
    xs, h0, c0 = rng.normal(size=(T, m)), rng.normal(size=n), rng.normal(size=n)
    wh, wc = rng.normal(size=(T, n)), rng.normal(size=n)  # L = Σ wh_t·h_t + wc·C_T

    def loss():
        q = L.LSTMParams(**arrays, order=order)
        steps = L.lstm_forward(xs, h0, c0, q)
        return sum(w @ s.h for w, s in zip(wh, steps, strict=True)) + wc @ steps[-1].c

    g = L.lstm_backward(L.lstm_forward(xs, h0, c0, p), p, wh, dc_T=wc)
    for k, a in arrays.items():
        assert rel_err(getattr(g, "d" + k), numeric_grad(loss, a)) < 1e-6, k
    assert rel_err(g.dxs, numeric_grad(loss, xs)) < 1e-6
    assert rel_err(g.dh0, numeric_grad(loss, h0)) < 1e-6
    assert rel_err(g.dc0, numeric_grad(loss, c0)) < 1e-6


@settings(max_examples=20, deadline=None)
@given(
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    seed=st.integers(0, 10**6),
    order=st.sampled_from(L.ORDERS),
)
def test_step_backward_matches_finite_differences(m, n, seed, order):
    rng = np.random.default_rng(seed)
    p = L.LSTMParams.random(m, n, seed=seed, scale=1.5, order=order)
    x, h, c = rng.normal(size=m), rng.normal(size=n), rng.normal(size=n)
    dh, dc = rng.normal(size=n), rng.normal(size=n)
    loss = lambda: dh @ L.lstm_step(x, h, c, p).h + dc @ L.lstm_step(x, h, c, p).c
    g = L.lstm_step_backward(L.lstm_step(x, h, c, p), p, dh, dc)
    assert rel_err(g.dx, numeric_grad(loss, x)) < 1e-6
    assert rel_err(g.dh_prev, numeric_grad(loss, h)) < 1e-6
    assert rel_err(g.dc_prev, numeric_grad(loss, c)) < 1e-6


def test_cell_path_jacobian_is_diag_f():
    p = L.LSTMParams.random(3, 4, seed=5)
    rng = np.random.default_rng(1)
    x, h, c = rng.normal(size=3), rng.normal(size=4), rng.normal(size=4)
    s = L.lstm_step(x, h, c, p)
    # ∂C_t/∂C_{t-1} column by column: dc = e_k, nothing arriving at h_t
    J = np.array([L.lstm_step_backward(s, p, np.zeros(4), e).dc_prev for e in np.eye(4)])
    np.testing.assert_allclose(J, np.diag(s.f), rtol=0, atol=0)
    Jfd = np.array(
        [
            (L.lstm_step(x, h, c + 1e-6 * e, p).c - L.lstm_step(x, h, c - 1e-6 * e, p).c) / 2e-6
            for e in np.eye(4)
        ]
    ).T
    np.testing.assert_allclose(Jfd, np.diag(s.f), atol=1e-8)


@settings(max_examples=15, deadline=None)
@given(
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    T=st.integers(1, 5),
    seed=st.integers(0, 10**6),
    order=st.sampled_from(L.ORDERS),
)
def test_rnn_backward_matches_finite_differences(m, n, T, seed, order):
    rng = np.random.default_rng(seed)
    W, b = rng.normal(size=(n, m + n)), rng.normal(size=n)
    xs, h0, wh = rng.normal(size=(T, m)), rng.normal(size=n), rng.normal(size=(T, n))
    loss = lambda: sum(w @ s.h for w, s in zip(wh, L.rnn_forward(xs, h0, W, b, order), strict=True))
    g = L.rnn_backward(L.rnn_forward(xs, h0, W, b, order), W, wh, order)
    assert rel_err(g["dW"], numeric_grad(loss, W)) < 1e-6
    assert rel_err(g["db"], numeric_grad(loss, b)) < 1e-6
    assert rel_err(g["dxs"], numeric_grad(loss, xs)) < 1e-6
    assert rel_err(g["dh0"], numeric_grad(loss, h0)) < 1e-6


def test_param_count():
    assert L.param_count(3, 3) == 4 * 3 * 6 + 12 == 84
    assert L.param_count(3, 3, two_biases=True) == 96


def test_params_own_read_only_copies():
    W = np.ones((2, 5))
    p = L.LSTMParams(*[W, np.zeros(2)] * 4)
    W[0, 0] = 9.0  # the caller's array changes; the cell does not
    assert p.W_f[0, 0] == 1.0
    with pytest.raises(ValueError):
        p.W_f[0, 0] = 3.0
    q = p.replace(b_f=[1.0, 2.0])
    assert p.b_f.tolist() == [0.0, 0.0] and q.b_f.tolist() == [1.0, 2.0]
