"""Every intermediate gradient of every cell kind, named after its forward quantity, against
PyTorch's autograd (retain_grad on each intermediate tensor): live where torch is installed, and
from the committed numbers in data/torch_backward_example.npz otherwise; BPTT's totals at every
step too."""

import pathlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import lstm_core as core
import lstm_lessons as lessons

GOLDEN = pathlib.Path(__file__).parent.parent / "data" / "torch_backward_example.npz"
KINDS = ("LSTM", "peephole LSTM", "coupled LSTM", "coupled peephole LSTM", "GRU")


def ours(p, x, h, c, dh, dc):
    s = core.step(x, h, c, p)
    if p.variant == "GRU":
        return core.gru_step_backward(s, p, dh)
    return core.lstm_step_backward(s, p, dh, dc)


def compare(g, inner, weights, inputs):
    """Our StepGrads against autograd's: every inner gradient, every weight's, the inputs'."""
    for field, want in inner.items():
        got = getattr(g, "d" + field)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=field)
    for name, want in weights.items():
        np.testing.assert_allclose(
            getattr(g, "d" + name), want, rtol=1e-10, atol=1e-12, err_msg=name
        )
    for name, want in inputs.items():
        np.testing.assert_allclose(getattr(g, name), want, rtol=1e-10, atol=1e-12, err_msg=name)


def test_every_intermediate_has_a_gradient_named_after_it():
    x, h, c = [1.0, -1.0], [0.1, 0.2, 0.3], [0.5, -0.5, 1.0]
    for kind in KINDS:
        p = core.CELLS[kind].make(2, 3, seed=1)
        s = core.step(x, h, c, p)
        g = ours(p, x, h, c, np.ones(3), np.ones(3))
        for q in core.quantities(p):
            if q.kind == "input":
                continue
            grad = getattr(g, "d" + q.field)
            if kind.startswith("coupled") and q.field == "z_i":
                assert grad is None  # i_t = 1 − f_t has no pre-activation of its own
                continue
            assert grad.shape == getattr(s, q.field).shape, (kind, q.field)


def test_the_committed_pytorch_numbers_match():
    with np.load(GOLDEN) as data:
        golden = dict(data)
    for k, kind in enumerate(KINDS):
        assert str(golden[f"k{k}_kind"]) == kind
        shape = core.CELLS[kind].make(3, 4)  # a cell of this kind and size, then the stored weights
        p = shape.replace(**{n: golden[f"k{k}_w_{n}"] for n in shape.names()})
        args = [golden[f"k{k}_{a}"] for a in ("x", "h", "c", "dh", "dc")]
        inner = {f: golden[f"k{k}_inner_{f}"] for f in str(golden[f"k{k}_inner"]).split()}
        weights = {n: golden[f"k{k}_grad_{n}"] for n in p.names()}
        inputs = {n: golden[f"k{k}_input_{n}"] for n in str(golden[f"k{k}_inputs"]).split()}
        compare(ours(p, *args), inner, weights, inputs)


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(KINDS),
    st.integers(1, 4),
    st.integers(1, 4),
    st.sampled_from(["xh", "hx"]),
    st.integers(0, 10_000),
)
def test_every_intermediate_gradient_equals_pytorch_autograd(kind, m, n, order, seed):
    torch_reference = pytest.importorskip("torch_reference", reason="torch is not installed")
    p = core.CELLS[kind].make(m, n, seed=seed, scale=1.5)
    if order == "hx":
        p = p.replace(order="hx")
    rng = np.random.default_rng(seed)
    x, h, c, dh, dc = (
        rng.normal(size=m),
        rng.normal(size=n),
        rng.normal(size=n),
        rng.normal(size=n),
        rng.normal(size=n),
    )
    compare(ours(p, x, h, c, dh, dc), *torch_reference.step_grads(p, x, h, c, dh, dc))


@pytest.mark.parametrize("kind", KINDS)
def test_the_totals_at_every_step_of_bptt_equal_pytorch(kind):
    torch_reference = pytest.importorskip("torch_reference", reason="torch is not installed")
    p = core.CELLS[kind].make(2, 3, seed=4, scale=1.5)
    rng = np.random.default_rng(5)
    xs, dhs = rng.normal(size=(6, 2)), rng.normal(size=(6, 3))
    g = core.backward(core.forward(xs, p), p, dhs)
    want_h, want_c = torch_reference.sequence_grads(p, xs, dhs)
    for t, step in enumerate(g.steps):
        np.testing.assert_allclose(step.dh, want_h[t], rtol=1e-10, atol=1e-12, err_msg=f"dh at {t}")
        if want_c is not None:
            np.testing.assert_allclose(
                step.dc, want_c[t], rtol=1e-10, atol=1e-12, err_msg=f"dc at {t}"
            )


# ---------------------------------------------------------------- one step of learning


@pytest.mark.parametrize("kind", KINDS)
def test_sgd_step_moves_every_array_against_its_gradient(kind):
    p = core.CELLS[kind].make(2, 3, seed=2)
    g = ours(p, [0.5, -1.0], [0.1, 0.0, -0.2], [1.0, 0.0, -1.0], np.ones(3), np.zeros(3))
    q = lessons.sgd_step(p, g, 0.1)
    assert type(q) is type(p) and q.variant == p.variant and q.names() == p.names()
    for name in p.names():
        np.testing.assert_array_equal(
            getattr(q, name), getattr(p, name) - 0.1 * getattr(g, "d" + name)
        )


@pytest.mark.parametrize("kind", KINDS)
def test_a_small_step_lowers_the_loss_by_about_eta_times_the_squared_gradient(kind):
    p = core.CELLS[kind].make(2, 3, seed=3)
    x, h, c, y = (
        np.array([0.5, -1.0]),
        np.array([0.1, 0.0, -0.2]),
        np.array([1.0, 0.0, -1.0]),
        np.array([0.5, -0.5, 0.2]),
    )

    def loss(params):
        return 0.5 * np.sum((core.step(x, h, c, params).h - y) ** 2)  # L = ½‖h_t − y‖²

    dh = core.step(x, h, c, p).h - y
    g = ours(p, x, h, c, dh, np.zeros(3))
    squared = sum(np.sum(getattr(g, "d" + name) ** 2) for name in p.names())
    eta = 1e-4
    drop = loss(p) - loss(lessons.sgd_step(p, g, eta))
    assert drop > 0 and drop == pytest.approx(eta * squared, rel=1e-2)  # ΔL ≈ −η‖∇L‖²


def test_sgd_step_refuses_bad_input():
    p = core.LSTMParams.random(2, 3)
    g = ours(p, [0.5, -1.0], [0.1, 0.0, -0.2], [1.0, 0.0, -1.0], np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="lr"):
        lessons.sgd_step(p, g, float("nan"))
    with pytest.raises(ValueError, match="dW_r"):
        lessons.sgd_step(core.GRUParams.random(2, 3), g, 0.1)
