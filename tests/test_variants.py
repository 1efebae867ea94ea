"""The LSTM's relatives through the same functions: peephole and coupled LSTMs, and the GRU."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lstm_core as L
from test_core import numeric_grad, rel_err

VARIANTS = {
    "LSTM": {},
    "peephole LSTM": {"peephole": True},
    "coupled LSTM": {"coupled": True},
    "coupled peephole LSTM": {"coupled": True, "peephole": True},
}


def sig(z):
    return 1 / (1 + math.exp(-z))


# ---------------------------------------------------------------- peephole and coupled LSTM


def test_peephole_step_by_hand_one_unit():
    one = [[1.0, 1.0]]  # m = n = 1, every weight 1, biases 0: W v = x + h = 1
    p = L.LSTMParams(one, [0], one, [0], one, [0], one, [0], p_f=[0.5], p_i=[-1.0], p_o=[2.0])
    s = L.lstm_step([0.5], [0.5], [2.0], p)
    f, i, g = sig(1 + 0.5 * 2.0), sig(1 - 1.0 * 2.0), math.tanh(1)
    c = f * 2.0 + i * g
    o = sig(1 + 2.0 * c)  # the output gate sees the new C_t
    assert s.f[0] == pytest.approx(f, abs=1e-15) and s.i[0] == pytest.approx(i, abs=1e-15)
    assert s.c[0] == pytest.approx(c, abs=1e-15) and s.o[0] == pytest.approx(o, abs=1e-15)
    assert s.h[0] == pytest.approx(o * math.tanh(c), abs=1e-15)


@pytest.mark.parametrize("coupled", [False, True])
def test_each_gates_peephole_row_names_the_state_the_step_adds(coupled):
    """The quantity table says which peephole a gate has and which cell state it reads; the
    step's pre-activation minus W v + b is exactly that peephole times that state (f_t and i_t:
    C_(t-1); o_t: the new C_t), and a gate without one has no such term."""
    p = L.LSTMParams.random(2, 3, seed=5, peephole=True, coupled=coupled)
    s = L.lstm_step([0.4, -1.2], [0.3, -0.2, 0.9], [1.5, -2.0, 0.7], p)
    state = {"c_prev": np.array([1.5, -2.0, 0.7]), "c": s.c}  # (n,) each
    seen = {}
    for q in L.quantities(p):
        if q.kind != "gate" or q.weights is None:
            continue
        W, b = getattr(p, q.weights), getattr(p, "b" + q.weights[1:])
        extra = getattr(s, q.pre) - (W @ s.concat + b)  # (n,)
        if q.peephole is None:
            np.testing.assert_allclose(extra, 0, atol=1e-15)
        else:
            np.testing.assert_allclose(extra, getattr(p, q.peephole) * state[q.sees], atol=1e-14)
            seen[q.peephole] = q.sees
    expected = (
        {"p_f": "c_prev", "p_o": "c"} if coupled else {"p_f": "c_prev", "p_i": "c_prev", "p_o": "c"}
    )
    assert seen == expected


def test_coupled_step_by_hand_one_unit():
    one = [[1.0, -1.0]]
    p = L.LSTMParams(one, [0.3], None, None, one, [0], one, [0], coupled=True)
    s = L.lstm_step([2.0], [0.5], [1.0], p)
    f = sig(2.0 - 0.5 + 0.3)
    assert s.i[0] == 1 - s.f[0] and s.f[0] == pytest.approx(f, abs=1e-15)
    assert s.c[0] == pytest.approx(f * 1.0 + (1 - f) * math.tanh(1.5), abs=1e-15)
    assert (
        p.count() == 3 * 1 * 2 + 3
        and p.W_i is None
        and p.names() == ("W_f", "b_f", "W_c", "b_c", "W_o", "b_o")
    )


def test_a_standard_cell_is_unchanged_bit_for_bit():
    p = L.LSTMParams.random(4, 3, seed=7)
    x, h, c = np.arange(4.0) - 1, np.array([0.2, -0.1, 0.4]), np.array([1.0, -2.0, 0.5])
    s = L.lstm_step(x, h, c, p)
    v = np.concatenate([x, h])
    f, i = L.sigmoid(p.W_f @ v + p.b_f), L.sigmoid(p.W_i @ v + p.b_i)
    g, o = np.tanh(p.W_c @ v + p.b_c), L.sigmoid(p.W_o @ v + p.b_o)
    c_new = f * c + i * g
    np.testing.assert_array_equal(s.c, c_new)
    np.testing.assert_array_equal(s.h, o * np.tanh(c_new))
    assert p.variant == "LSTM" and p.count() == L.param_count(4, 3)


def test_variants_share_the_standard_cells_numbers():
    base = L.LSTMParams.random(3, 2, seed=4)
    peep = L.LSTMParams.random(3, 2, seed=4, peephole=True)
    coupled = L.LSTMParams.random(3, 2, seed=4, coupled=True)
    for g in "fco":
        np.testing.assert_array_equal(getattr(peep, f"W_{g}"), getattr(base, f"W_{g}"))
        np.testing.assert_array_equal(getattr(coupled, f"W_{g}"), getattr(base, f"W_{g}"))
    assert peep.count() == base.count() + 3 * 2 and coupled.count() == 3 * 2 * 5 + 3 * 2
    assert L.LSTMParams.random(3, 2, peephole=True, coupled=True).peepholes == ("p_f", "p_o")


@settings(max_examples=20, deadline=None)
@given(
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    T=st.integers(1, 4),
    seed=st.integers(0, 10**6),
    order=st.sampled_from(L.ORDERS),
    variant=st.sampled_from(sorted(VARIANTS)),
)
def test_every_variant_backward_matches_finite_differences(m, n, T, seed, order, variant):
    rng = np.random.default_rng(seed)
    p = L.LSTMParams.random(m, n, seed=seed, scale=0.8, order=order, **VARIANTS[variant])
    assert p.variant == variant
    arrays = {k: getattr(p, k).copy() for k in p.names()}
    xs, h0, c0 = rng.normal(size=(T, m)), rng.normal(size=n), rng.normal(size=n)
    wh, wc = rng.normal(size=(T, n)), rng.normal(size=n)  # L = Σ wh_t·h_t + wc·C_T

    def loss():
        q = p.replace(**arrays)
        steps = L.lstm_forward(xs, h0, c0, q)
        return sum(w @ s.h for w, s in zip(wh, steps, strict=True)) + wc @ steps[-1].c

    g = L.lstm_backward(L.lstm_forward(xs, h0, c0, p), p, wh, dc_T=wc)
    for k, a in arrays.items():
        assert rel_err(getattr(g, "d" + k), numeric_grad(loss, a)) < 1e-6, k
    assert (g.dW_i is None) == p.coupled and (g.dp_f is None) == (
        variant in ("LSTM", "coupled LSTM")
    )
    assert rel_err(g.dxs, numeric_grad(loss, xs)) < 1e-6
    assert rel_err(g.dh0, numeric_grad(loss, h0)) < 1e-6
    assert rel_err(g.dc0, numeric_grad(loss, c0)) < 1e-6


@pytest.mark.parametrize(
    "kwargs,name,fragment",
    [
        ({"p_f": np.ones(4)}, "p_f", "must be (3,)"),
        ({"p_o": np.ones((3, 3))}, "p_o", "a vector"),
        ({"coupled": True}, "W_i", "must be None when coupled=True"),
        (
            {"coupled": True, "W_i": None, "b_i": None, "p_i": np.ones(3)},
            "p_i",
            "must be None when coupled",
        ),
        ({"coupled": "yes"}, "coupled", "True or False"),
    ],
)
def test_variant_bad_input_names_the_argument(kwargs, name, fragment):
    p = L.LSTMParams.random(2, 3)
    with pytest.raises((ValueError, TypeError)) as e:
        p.replace(**kwargs)
    assert name in str(e.value) and fragment in str(e.value)


def test_torch_layout_refuses_variants():
    with pytest.raises(ValueError, match="peephole"):
        L.LSTMParams.random(2, 3, peephole=True).to_torch()
    with pytest.raises(ValueError, match="coupled"):
        L.LSTMParams.random(2, 3, coupled=True).to_keras()


def test_grads_as_params_keep_the_variant():
    p = L.LSTMParams.random(2, 3, seed=1, coupled=True, peephole=True)
    steps = L.lstm_forward(np.ones((2, 2)), np.zeros(3), np.zeros(3), p)
    q = L.lstm_backward(steps, p, np.ones((2, 3))).as_params()
    assert q.variant == "coupled peephole LSTM" and q.names() == p.names()


# ---------------------------------------------------------------- the GRU

GRU_GOLDEN = L.torch_example("gru")


def test_gru_step_by_hand_one_unit():
    p = L.GRUParams(
        W_r=[[1.0, 0.5]],
        b_r=[0.0],
        W_z=[[-1.0, 1.0]],
        b_z=[0.2],
        W_hx=[[2.0]],
        b_hx=[0.1],
        W_hh=[[3.0]],
        b_hh=[-0.4],
    )
    s = L.gru_step([0.5], [0.8], p)
    r, z = sig(0.5 + 0.4), sig(-0.5 + 0.8 + 0.2)
    h_tilde = math.tanh(
        2.0 * 0.5 + 0.1 + r * (3.0 * 0.8 - 0.4)
    )  # the reset gate scales W_hh h + b_hh
    assert s.r[0] == pytest.approx(r, abs=1e-15) and s.z[0] == pytest.approx(z, abs=1e-15)
    assert s.h_tilde[0] == pytest.approx(h_tilde, abs=1e-15)
    assert s.h[0] == pytest.approx((1 - z) * h_tilde + z * 0.8, abs=1e-15)  # PyTorch's convention
    assert p.count() == 3 * 1 * 2 + 4 * 1


def test_gru_golden_torch_numbers():
    g = GRU_GOLDEN
    p = L.GRUParams.from_torch(
        g["cell_weight_ih"], g["cell_weight_hh"], g["cell_bias_ih"], g["cell_bias_hh"]
    )
    np.testing.assert_allclose(L.gru_step(g["x"], g["h0"], p).h, g["h1"], rtol=0, atol=1e-12)
    q = L.GRUParams.from_torch(
        g["gru_weight_ih_l0"],
        g["gru_weight_hh_l0"],
        g["gru_bias_ih_l0"],
        g["gru_bias_hh_l0"],
        order="hx",
    )
    hs = [s.h for s in L.gru_forward(g["xs"], g["h0"], q)]
    np.testing.assert_allclose(hs, g["hs"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("order", L.ORDERS)
def test_gru_torch_round_trip_and_layout(order):
    p = L.GRUParams.random(3, 5, seed=2, order=order)
    t = p.to_torch()
    assert (
        t["weight_ih"].shape == (15, 3)
        and t["weight_hh"].shape == (15, 5)
        and t["bias_hh"].shape == (15,)
    )
    assert L.GRUParams.from_torch(**t, order=order) == p
    n = 5  # rows r, z, n: the candidate's rows hold W_hx and W_hh as they are
    np.testing.assert_array_equal(t["weight_ih"][2 * n :], p.W_hx)
    np.testing.assert_array_equal(t["weight_hh"][2 * n :], p.W_hh)


@settings(max_examples=20, deadline=None)
@given(
    m=st.integers(1, 4),
    n=st.integers(1, 4),
    T=st.integers(1, 4),
    seed=st.integers(0, 10**6),
    order=st.sampled_from(L.ORDERS),
)
def test_gru_backward_matches_finite_differences(m, n, T, seed, order):
    rng = np.random.default_rng(seed)
    p = L.GRUParams.random(m, n, seed=seed, scale=0.9, order=order)
    arrays = {k: getattr(p, k).copy() for k in p.names()}
    xs, h0, wh = rng.normal(size=(T, m)), rng.normal(size=n), rng.normal(size=(T, n))

    def loss():
        steps = L.gru_forward(xs, h0, p.replace(**arrays))
        return sum(w @ s.h for w, s in zip(wh, steps, strict=True))

    g = L.gru_backward(L.gru_forward(xs, h0, p), p, wh)
    for k, a in arrays.items():
        assert rel_err(getattr(g, "d" + k), numeric_grad(loss, a)) < 1e-6, k
    assert rel_err(g.dxs, numeric_grad(loss, xs)) < 1e-6
    assert rel_err(g.dh0, numeric_grad(loss, h0)) < 1e-6


def test_gru_direct_path_is_diag_z_by_finite_differences():
    """With every recurrent weight 0, h_(t-1) reaches h_t only through z_t ∘ h_(t-1): the Jacobian
    is diag(z_t)."""
    p = L.GRUParams.random(2, 3, seed=5)
    for g in ("r", "z"):
        W_x, _ = p.blocks(g)
        p = p.replace(**{f"W_{g}": L.concat_cols(W_x, np.zeros((3, 3)))})
    p = p.replace(W_hh=np.zeros((3, 3)))
    x, h = np.array([0.3, -1.0]), np.array([0.5, -0.2, 0.9])
    s = L.gru_step(x, h, p)
    J = np.array(
        [
            (L.gru_step(x, h + 1e-6 * e, p).h - L.gru_step(x, h - 1e-6 * e, p).h) / 2e-6
            for e in np.eye(3)
        ]
    ).T
    np.testing.assert_allclose(J, np.diag(s.z), atol=1e-9)


@pytest.mark.parametrize(
    "bad,name,fragment",
    [
        ({"weight_hh": np.ones((12, 3))}, "weight_hh", "(3n, n)"),
        ({"weight_hh": np.ones((9, 4))}, "weight_hh", "(3n, n)"),
        ({"weight_ih": np.ones((8, 2))}, "weight_ih", "(9, m)"),
        ({"bias_ih": np.ones(8)}, "bias_ih", "must be (9,)"),
    ],
)
def test_gru_torch_shape_errors(bad, name, fragment):
    t = L.GRUParams.random(2, 3).to_torch()
    with pytest.raises(ValueError) as e:
        L.GRUParams.from_torch(**{**t, **bad})
    assert name in str(e.value) and fragment in str(e.value) and "shape" in str(e.value)


@pytest.mark.parametrize(
    "field,value,fragment",
    [
        ("W_r", np.ones((3, 4)), "(3, 5)"),
        ("W_hh", np.ones((3, 2)), "(n, n)"),
        ("W_hx", np.ones((2, 2)), "(n, m)"),
        ("b_hh", np.ones(4), "must be (3,)"),
    ],
)
def test_gru_param_shape_errors(field, value, fragment):
    p = L.GRUParams.random(2, 3)
    with pytest.raises(ValueError) as e:
        p.replace(**{field: value})
    assert field in str(e.value) and fragment in str(e.value)


def test_gru_bad_input():
    p = L.GRUParams.random(2, 3)
    with pytest.raises(TypeError, match="params must be GRUParams"):
        L.gru_step([1, 2], [0, 0, 0], L.LSTMParams.random(2, 3))
    with pytest.raises(ValueError, match="h_prev"):
        L.gru_step([1, 2], [0, 0], p)
    with pytest.raises(ValueError, match="T = 0"):
        L.gru_backward([], p, np.zeros((0, 3)))
    steps = L.gru_forward(np.ones((2, 2)), np.zeros(3), p)
    with pytest.raises(ValueError, match="dhs"):
        L.gru_backward(steps, p, np.ones((3, 3)))
    with pytest.raises(ValueError, match="order"):
        L.gru_step_backward(steps[1], p.replace(order="hx"), np.ones(3))


# ------------------------------------------------------------ the real PyTorch GRU, where installed


@settings(max_examples=20, deadline=None)
@given(
    m=st.integers(1, 8),
    n=st.integers(1, 8),
    seed=st.integers(0, 10**6),
    order=st.sampled_from(L.ORDERS),
)
def test_gru_step_equals_torch_grucell(m, n, seed, order):
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    cell = torch.nn.GRUCell(m, n).double()
    rng = np.random.default_rng(seed)
    x, h = rng.normal(size=m), rng.normal(size=n)
    with torch.no_grad():
        h1 = cell(torch.tensor(x)[None], torch.tensor(h)[None])[0].numpy()
    p = L.GRUParams.from_torch(**{k: v.numpy() for k, v in cell.state_dict().items()}, order=order)
    np.testing.assert_allclose(L.gru_step(x, h, p).h, h1, rtol=0, atol=1e-12)
    other = torch.nn.GRUCell(m, n).double()
    other.load_state_dict({k: torch.from_numpy(v) for k, v in p.to_torch().items()})
    with torch.no_grad():
        h2 = other(torch.tensor(x)[None], torch.tensor(h)[None])[0].numpy()
    np.testing.assert_allclose(h2, h1, rtol=0, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(m=st.integers(1, 6), n=st.integers(1, 6), T=st.integers(1, 12), seed=st.integers(0, 10**6))
def test_gru_forward_and_backward_equal_torch_gru(m, n, T, seed):
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    gru = torch.nn.GRU(m, n).double()
    xs = torch.randn(T, 1, m, dtype=torch.float64, requires_grad=True)
    hs, _ = gru(xs)
    w = torch.randn(T, 1, n, dtype=torch.float64)
    (hs * w).sum().backward()
    sd = {
        k[:-3]: v.detach().numpy() for k, v in gru.state_dict().items()
    }  # weight_ih_l0 -> weight_ih
    p = L.GRUParams.from_torch(**sd)
    steps = L.gru_forward(xs.detach()[:, 0].numpy(), np.zeros(n), p)
    np.testing.assert_allclose([s.h for s in steps], hs.detach()[:, 0].numpy(), rtol=0, atol=1e-12)
    g = L.gru_backward(steps, p, w[:, 0].numpy())
    np.testing.assert_allclose(g.dxs, xs.grad[:, 0].numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(g.dW_hh, gru.weight_hh_l0.grad[2 * n :].numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(g.db_hh, gru.bias_hh_l0.grad[2 * n :].numpy(), rtol=0, atol=1e-12)
