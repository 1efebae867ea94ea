"""Our per-gate notation against PyTorch's and Keras's stacked layouts."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lstm_core as L

GOLDEN = L.torch_example()


@pytest.mark.parametrize("order", L.ORDERS)
def test_round_trips(order):
    p = L.LSTMParams.random(3, 5, seed=1, order=order)
    assert L.LSTMParams.from_torch(**p.to_torch(), order=order) == p
    assert L.LSTMParams.from_keras(**p.to_keras(), order=order) == p
    t = p.to_torch()
    assert (
        t["weight_ih"].shape == (20, 3)
        and t["weight_hh"].shape == (20, 5)
        and t["bias_ih"].shape == (20,)
    )
    k = p.to_keras()
    assert (
        k["kernel"].shape == (3, 20)
        and k["recurrent_kernel"].shape == (5, 20)
        and k["bias"].shape == (20,)
    )


def test_hand_built_torch_layout():
    m, n = 2, 3
    # block k of rows is filled with k: rows 0:n → i, n:2n → f, 2n:3n → g (our c), 3n:4n → o
    W_ih = np.repeat(np.arange(4.0), n)[:, None] * np.ones((1, m))
    W_hh = 10 + np.repeat(np.arange(4.0), n)[:, None] * np.ones((1, n))
    b_ih, b_hh = np.repeat(np.arange(4.0), n), np.full(4 * n, 0.5)
    p = L.LSTMParams.from_torch(W_ih, W_hh, b_ih, b_hh)
    for g, k in (("i", 0), ("f", 1), ("c", 2), ("o", 3)):
        W = getattr(p, f"W_{g}")
        assert W.shape == (n, m + n)
        assert (W[:, :m] == k).all() and (W[:, m:] == 10 + k).all(), (
            g
        )  # [x_t, h_(t-1)]: x columns first
        assert (getattr(p, f"b_{g}") == k + 0.5).all()  # the two biases are added
    q = L.LSTMParams.from_torch(W_ih, W_hh, b_ih, b_hh, order="hx")
    assert (q.W_f[:, :n] == 11).all() and (q.W_f[:, n:] == 1).all()


def test_hand_built_keras_layout():
    m, n = 2, 3
    kernel = np.repeat(np.arange(4.0), n)[None, :] * np.ones((m, 1))  # columns i, f, c, o
    recurrent = 10 + np.repeat(np.arange(4.0), n)[None, :] * np.ones((n, 1))
    p = L.LSTMParams.from_keras(kernel, recurrent, np.repeat(np.arange(4.0), n))
    for g, k in (("i", 0), ("f", 1), ("c", 2), ("o", 3)):
        assert (getattr(p, f"W_{g}")[:, :m] == k).all() and (
            getattr(p, f"W_{g}")[:, m:] == 10 + k
        ).all()
        assert (getattr(p, f"b_{g}") == k).all()
    # the forget gate by hand, Keras-style: x·kernel[:, n:2n] + h·recurrent_kernel[:, n:2n] +
    # bias[n:2n]
    x, h = np.array([1.0, -2.0]), np.array([0.1, 0.2, 0.3])
    z = x @ kernel[:, n : 2 * n] + h @ recurrent[:, n : 2 * n] + 1
    np.testing.assert_allclose(L.lstm_step(x, h, np.zeros(n), p).z_f, z, rtol=1e-15)


@pytest.mark.parametrize(
    "bad,msg",
    [
        (dict(weight_hh=np.ones((12, 4))), "weight_hh"),
        (dict(weight_ih=np.ones((8, 2))), "weight_ih"),
        (dict(bias_hh=np.ones(11)), "bias_hh"),
    ],
)
def test_torch_shape_errors(bad, msg):
    t = L.LSTMParams.random(2, 3).to_torch()
    with pytest.raises(ValueError, match=msg):
        L.LSTMParams.from_torch(**{**t, **bad})


def test_keras_shape_errors():
    k = L.LSTMParams.random(2, 3).to_keras()
    with pytest.raises(ValueError, match="recurrent_kernel"):
        L.LSTMParams.from_keras(k["kernel"], np.ones((3, 11)), k["bias"])
    with pytest.raises(ValueError, match="kernel"):
        L.LSTMParams.from_keras(np.ones((2, 8)), k["recurrent_kernel"], k["bias"])


# --------------------------------------------------------- golden vectors from PyTorch (always run)


def test_golden_lstmcell_step():
    g = GOLDEN
    p = L.LSTMParams.from_torch(
        g["cell_weight_ih"], g["cell_weight_hh"], g["cell_bias_ih"], g["cell_bias_hh"]
    )
    s = L.lstm_step(g["x"], g["h0"], g["c0"], p)
    np.testing.assert_allclose(s.h, g["h1"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.c, g["c1"], rtol=0, atol=1e-12)


def test_golden_lstm_sequence():
    g = GOLDEN
    p = L.LSTMParams.from_torch(
        g["lstm_weight_ih_l0"],
        g["lstm_weight_hh_l0"],
        g["lstm_bias_ih_l0"],
        g["lstm_bias_hh_l0"],
        order="hx",
    )
    steps = L.lstm_forward(g["xs"], g["h0"], g["c0"], p)
    np.testing.assert_allclose([s.h for s in steps], g["hs"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(steps[-1].c, g["cT"], rtol=0, atol=1e-12)


# ---------------------------------------------------------------- the real PyTorch, where installed


@settings(max_examples=25, deadline=None)
@given(
    m=st.integers(1, 8),
    n=st.integers(1, 8),
    seed=st.integers(0, 10**6),
    order=st.sampled_from(L.ORDERS),
)
def test_lstm_step_equals_torch_lstmcell(m, n, seed, order):
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    cell = torch.nn.LSTMCell(m, n).double()
    rng = np.random.default_rng(seed)
    x, h, c = rng.normal(size=m), rng.normal(size=n), rng.normal(size=n)
    with torch.no_grad():
        h1, c1 = cell(torch.tensor(x)[None], (torch.tensor(h)[None], torch.tensor(c)[None]))
    sd = {k: v.numpy() for k, v in cell.state_dict().items()}
    p = L.LSTMParams.from_torch(
        sd["weight_ih"], sd["weight_hh"], sd["bias_ih"], sd["bias_hh"], order=order
    )
    s = L.lstm_step(x, h, c, p)
    np.testing.assert_allclose(s.h, h1[0].numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(s.c, c1[0].numpy(), rtol=0, atol=1e-12)
    # and back: a torch cell loaded from to_torch() computes the same step
    other = torch.nn.LSTMCell(m, n).double()
    other.load_state_dict({k: torch.tensor(v) for k, v in p.to_torch().items()})
    with torch.no_grad():
        h2, _ = other(torch.tensor(x)[None], (torch.tensor(h)[None], torch.tensor(c)[None]))
    np.testing.assert_allclose(h2[0].numpy(), s.h, rtol=0, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(m=st.integers(1, 6), n=st.integers(1, 6), T=st.integers(1, 12), seed=st.integers(0, 10**6))
def test_lstm_forward_equals_torch_lstm(m, n, T, seed):
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(m, n).double()
    xs = torch.randn(T, 1, m, dtype=torch.float64)
    with torch.no_grad():
        hs, (_, cT) = lstm(xs)
    sd = {k: v.numpy() for k, v in lstm.state_dict().items()}
    p = L.LSTMParams.from_torch(
        sd["weight_ih_l0"], sd["weight_hh_l0"], sd["bias_ih_l0"], sd["bias_hh_l0"]
    )
    steps = L.lstm_forward(xs[:, 0].numpy(), np.zeros(n), np.zeros(n), p)
    np.testing.assert_allclose([s.h for s in steps], hs[:, 0].numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(steps[-1].c, cT[0, 0].numpy(), rtol=0, atol=1e-12)


def test_backward_equals_torch_autograd():
    torch = pytest.importorskip("torch")
    torch.manual_seed(3)
    m, n, T = 3, 4, 6
    lstm = torch.nn.LSTM(m, n).double()
    xs = torch.randn(T, 1, m, dtype=torch.float64, requires_grad=True)
    hs, _ = lstm(xs)
    w = torch.randn(T, 1, n, dtype=torch.float64)
    (hs * w).sum().backward()
    sd = {k: v.detach().numpy() for k, v in lstm.state_dict().items()}
    p = L.LSTMParams.from_torch(
        sd["weight_ih_l0"], sd["weight_hh_l0"], sd["bias_ih_l0"], sd["bias_hh_l0"]
    )
    g = L.lstm_backward(
        L.lstm_forward(xs.detach()[:, 0].numpy(), np.zeros(n), np.zeros(n), p), p, w[:, 0].numpy()
    )
    np.testing.assert_allclose(g.dxs, xs.grad[:, 0].numpy(), rtol=0, atol=1e-12)
    ours = g.as_params().to_torch()
    np.testing.assert_allclose(
        ours["weight_ih"], lstm.weight_ih_l0.grad.numpy(), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        ours["weight_hh"], lstm.weight_hh_l0.grad.numpy(), rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(ours["bias_ih"], lstm.bias_ih_l0.grad.numpy(), rtol=0, atol=1e-12)


def test_our_step_is_a_real_keras_layer_s_committed_step():
    """data/keras_lstm_example.npz is what a Keras 3 LSTM(4) did (tests/make_keras_golden.py): read
    into our notation, our step gives its h_t and C_t; its forget bias starts at 1 (its
    unit_forget_bias default), the other biases at 0."""
    ex = L.keras_example()
    p = L.LSTMParams.from_keras(ex["kernel"], ex["recurrent_kernel"], ex["bias"])
    s = L.lstm_step(ex["x"], ex["h0"], ex["c0"], p)
    np.testing.assert_allclose(s.h, ex["h1"], atol=1e-12)
    np.testing.assert_allclose(s.c, ex["c1"], atol=1e-12)
    assert bool(ex["unit_forget_bias"]) and ex["kernel"].shape == (3, 16)
    n = 4
    np.testing.assert_array_equal(ex["bias"][n : 2 * n], np.ones(n))  # Keras's columns: i, f, c, o
    np.testing.assert_array_equal(np.delete(ex["bias"], np.s_[n : 2 * n]), np.zeros(3 * n))
